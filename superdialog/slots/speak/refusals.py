"""Why a value was refused, said in the caller's language.

A slot type words its reasons in English (``Refusal``: "that's more than 12",
"that date is in the past"); a call in Spanish, German, French or Hindi says
the same reason in its own words, the limit read back in its own forms
("Lo siento, eso es más de 12.", "माफ़ कीजिए, यह 12 से ज़्यादा है।"). A reason
that is not a ``Refusal`` (a flow's validator wrote it) is said as written,
in the language's frame; a language without words here says English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from superdialog.slots.base import Refusal

__all__ = ["REFUSAL_LANGUAGES", "REFUSAL_WORDS", "refused"]

_MOMENTS = frozenset({"date", "time", "datetime"})
"""Types whose limits are "before"/"after" rather than "less"/"more"."""

# {bound} is the limit read back in the language; {unit} the length unit's word.
REFUSAL_WORDS: Mapping[str, Mapping[str, str]] = {
    "es": {
        "frame": "Lo siento, {reason}.",
        "low": "eso es menos de {bound}",
        "high": "eso es más de {bound}",
        "low_moment": "eso es antes de {bound}",
        "high_moment": "eso es después de {bound}",
        "past": "eso ya ha pasado",
        "future": "eso todavía no ha llegado",
        "short": "debería tener al menos {bound} {unit}",
        "long": "debería tener como máximo {bound} {unit}",
        "short_bare": "es demasiado corto",
        "long_bare": "es demasiado largo",
        "pattern": "eso no parece correcto",
        "options": "esa no es una de las opciones",
        "digits": "dígitos",
    },
    "de": {
        "frame": "Entschuldigung, {reason}.",
        "low": "das ist weniger als {bound}",
        "high": "das ist mehr als {bound}",
        "low_moment": "das ist vor {bound}",
        "high_moment": "das ist nach {bound}",
        "past": "das liegt in der Vergangenheit",
        "future": "das liegt in der Zukunft",
        "short": "das sollten mindestens {bound} {unit} sein",
        "long": "das sollten höchstens {bound} {unit} sein",
        "short_bare": "das ist zu kurz",
        "long_bare": "das ist zu lang",
        "pattern": "das scheint nicht zu stimmen",
        "options": "das ist keine der Möglichkeiten",
        "digits": "Ziffern",
    },
    "fr": {
        "frame": "Désolé, {reason}.",
        "low": "c'est moins de {bound}",
        "high": "c'est plus de {bound}",
        "low_moment": "c'est avant {bound}",
        "high_moment": "c'est après {bound}",
        "past": "c'est déjà passé",
        "future": "ce n'est pas encore arrivé",
        "short": "il faut au moins {bound} {unit}",
        "long": "il faut au plus {bound} {unit}",
        "short_bare": "c'est trop court",
        "long_bare": "c'est trop long",
        "pattern": "cela ne semble pas correct",
        "options": "ce n'est pas l'une des options",
        "digits": "chiffres",
    },
    "hi": {
        "frame": "माफ़ कीजिए, {reason}।",
        "low": "यह {bound} से कम है",
        "high": "यह {bound} से ज़्यादा है",
        "low_moment": "यह {bound} से पहले है",
        "high_moment": "यह {bound} के बाद है",
        "past": "यह समय निकल चुका है",
        "future": "यह समय अभी आया नहीं है",
        "short": "इसमें कम से कम {bound} {unit} होने चाहिए",
        "long": "इसमें ज़्यादा से ज़्यादा {bound} {unit} होने चाहिए",
        "short_bare": "यह बहुत छोटा है",
        "long_bare": "यह बहुत लंबा है",
        "pattern": "यह सही नहीं लग रहा",
        "options": "यह विकल्पों में से नहीं है",
        "digits": "अंक",
    },
}

REFUSAL_LANGUAGES = frozenset({"en", *REFUSAL_WORDS})
"""Languages whose refusals are said in their own words."""


def refused(
    reason: str,
    type_name: str,
    language: str,
    say: Callable[[Any, str], str],
) -> str:
    """The line that tells the caller why their value was refused.

    Args:
        reason: What ``SlotType.check`` (or the flow's validator) returned.
        type_name: The slot's type (limits of dates and times are "before"/"after").
        language: The call's language ("es"); English gives ``"Sorry, {reason}."``.
        say: Reads a limit back in the call's language: ``say(value, type_name)``.

    """
    words = REFUSAL_WORDS.get(language)
    if words is None:
        return f"Sorry, {reason}."
    return words["frame"].format(reason=_reason(reason, type_name, words, say))


def _reason(
    reason: str, type_name: str, words: Mapping[str, str], say: Callable[[Any, str], str]
) -> str:
    if not isinstance(reason, Refusal):
        return reason  # the flow's own words (its validator's reason)
    kind = reason.kind
    if kind in ("low", "high"):
        key = f"{kind}_moment" if type_name in _MOMENTS else kind
        return words[key].format(bound=say(reason.bound, type_name))
    if kind in ("short", "long"):
        if reason.unit is None:
            return words[f"{kind}_bare"]
        unit = words["digits"] if reason.unit == "digits" else reason.unit
        return words[kind].format(bound=say(reason.bound, "number"), unit=unit)
    if kind in words:  # past, future, pattern, options
        return words[kind]
    return str(reason)  # a kind this language has no words for: as the type worded it
