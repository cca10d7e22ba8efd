"""The language a call speaks: it follows the caller, line by line.

The host passes the speech recogniser's language with each utterance
(``stream(text, language="es-ES")``). ``follow_caller`` makes it the call's
language when the flow speaks it, before the turn runs, so the reply to that
utterance is already in the new language; a code the flow does not declare
(or none) keeps the current one, so a recogniser's one-off mislabel of a
short "ok" cannot throw the call into a language it has no lines for. A
switch is an event in the trace. Slots, state and history never change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from superdialog.runtime.detect_language import LanguageVotes, detector_for
from superdialog.runtime.events import LanguageChanged
from superdialog.spec.languages import language_name, normalise_language

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["answer_in", "follow_caller"]


def follow_caller(m: CallMachine, requested: str | None, text: str | None = None) -> bool:
    """Switch ``m`` to the caller's ``requested`` language if the flow speaks it.

    When the host reports no language and the flow has ``detect_language:
    true``, the caller's ``text`` is the evidence instead
    (``runtime/detect_language.py``: a switch only on clear evidence, with
    hysteresis kept per call).

    Returns:
        Whether the call's language changed.

    """
    code = normalise_language(requested)
    if code is None and text and m.flow.spec.detect_language:
        code = _detected(m, text)
    if code is None or code == m.language or code not in m.flow.spec.languages:
        return False
    previous, m.language = m.language, code
    m.emit(LanguageChanged(previous, code, m.node))
    return True


def _detected(m: CallMachine, text: str) -> str | None:
    """The language the caller's words switch the call to, or None."""
    languages = m.flow.spec.languages
    if len(languages) < 2:
        return None
    if m._lang_votes is None:
        m._lang_votes = LanguageVotes()
    heard = text[: m.flow.spec.limits.max_utterance_chars]
    return m._lang_votes.hear(detector_for(tuple(languages)), heard, m.language)


def answer_in(m: CallMachine) -> str | None:
    """The system line telling the model which language to answer in (None: English only).

    An English-only flow's prompts stay as they were; any other flow names
    the call's current language on every model call, since a switch may
    come at any turn.
    """
    if list(m.flow.spec.languages) == ["en"]:
        return None
    return (
        f"Answer in {language_name(m.language)} (language code '{m.language}'): "
        "the caller is speaking it now."
    )
