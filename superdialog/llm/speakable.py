"""Model text made fit for a voice: markdown marks and emoji left out as the words stream.

Told not to, models still write ``**bold**``, ``# headings``, ``- bullets``,
backticks and emoji; a text-to-speech engine reads them aloud ("asterisk
asterisk") or stumbles. :class:`SpeechFilter` drops them from the stream, chunk
by chunk, holding back at most the one character that could still be the first
half of a mark. What it leaves alone on purpose: a single ``*`` or ``#`` inside
a line ("press * then #" is a phone menu), numbers that open a line ("1. Call
us"), and every letter, digit and punctuation mark of any script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SpeechFilter", "speakable"]

_EMOJI = re.compile(
    "["
    "\U0001f1e6-\U0001f1ff"  # flags
    "\U0001f300-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\u2600-\u26ff\u2700-\u27bf"  # miscellaneous symbols, dingbats
    "\u2b50\u2b55\u2b1b\u2b1c"  # stars, circles and squares used as emoji
    "\ufe0f\u200d\u20e3"  # emoji presentation, joiner, keycap
    "]+"
)
_EMPHASIS = re.compile(r"\*\*|__|`+")
_LINE_MARK = re.compile(r"(\n)[ \t]*(?:#{1,6}[ \t]+|[-*+•][ \t]+|>[ \t]*)")
_HOLD = frozenset("*_`#->+•\n \t")
"""A chunk ending in these may still be half of a mark: that tail waits (if it holds a mark)."""
_MARKS = frozenset("*_`#->+•\n")
_HOLD_MAX = 8
_MAY_MARK = re.compile(r"[^\x00-\x7f]|[\n*_`#>+-]")
"""A character without which no mark and no emoji is there: text without one is spoken as is."""


def speakable(text: str) -> str:
    """``text`` without markdown marks and emoji (for a whole text: see :class:`SpeechFilter`)."""
    if _MAY_MARK.search(text) is None:
        return text
    return _clean("\n" + text)[1:]


def _clean(text: str) -> str:
    """Marks left out; a line mark counts only after a newline (``text`` starts a line there)."""
    text = _LINE_MARK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return _EMOJI.sub("", text)


@dataclass(slots=True)
class SpeechFilter:
    """:func:`speakable` over a stream: the same result however the text is cut into chunks."""

    _held: str = ""
    _line_start: bool = True  # the next character opens a line (a heading or bullet may follow)

    def feed(self, chunk: str) -> str:
        """What of ``chunk`` (after what was held) can be spoken now."""
        text = self._held + chunk
        if self._line_start and not text.strip(" \t"):
            # a line's leading spaces: a mark that follows takes them with it (" > x" is "x")
            self._held = text
            return ""
        cut = len(text)
        while cut > 0 and text[cut - 1] in _HOLD and len(text) - cut < _HOLD_MAX:
            cut -= 1
        if cut < len(text) and not _MARKS.intersection(text[cut:]):
            cut = len(text)  # only spaces: nothing there can become a mark
        self._held = text[cut:]
        return self._clean(text[:cut])

    def flush(self) -> str:
        """The rest, at the end of the reply."""
        held, self._held = self._held, ""
        return self._clean(held)

    def _clean(self, text: str) -> str:
        if not text:
            return ""
        if _MAY_MARK.search(text) is None:  # the usual token: plain words, nothing to drop
            self._line_start = False
            return text
        out = _clean("\n" + text)[1:] if self._line_start else _clean(text)
        self._line_start = text.endswith("\n")
        return out
