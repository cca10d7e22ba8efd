"""Bounded JSON decoding for what a model or an endpoint sends.

``json.loads`` recurses once per nesting level, so ``[[[[...]]]]`` a few
thousand deep raises ``RecursionError`` (not ``JSONDecodeError``), and a
number of more than 4,300 digits raises a bare ``ValueError``; neither is
what a caller of ``json.loads`` expects, and both are under the control of
whoever produced the text. :func:`loads_bounded` checks size and depth first,
without recursion, and turns every failure into a short reason that names
only the kind of problem and where it is: never the text itself, because a
tool call's arguments hold what the caller said (a card number, a date of
birth) and reasons end up in logs.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

import orjson

__all__ = [
    "MAX_ARGUMENT_CHARS",
    "MAX_ARGUMENT_DEPTH",
    "MAX_CHUNK_DEPTH",
    "MAX_EVENT_BYTES",
    "MAX_NUMBER_DIGITS",
    "loads_bounded",
    "loads_chunk",
    "too_deep",
]

MAX_ARGUMENT_CHARS = 64 * 1024
"""Longest tool-call arguments accepted; real ones are a few hundred characters."""

MAX_ARGUMENT_DEPTH = 32
"""Deepest nesting of objects and arrays accepted in tool-call arguments."""

MAX_EVENT_BYTES = 1024 * 1024
"""Largest server-sent event (one stream chunk); real chunks are well under 1 KB."""

MAX_CHUNK_DEPTH = 64
"""Deepest nesting accepted in a stream chunk (OpenAI's are about 6 deep)."""

MAX_NUMBER_DIGITS = 1000
"""Longest integer literal accepted (Python itself refuses more than 4,300 digits)."""

# A JSON string (escapes included, possibly unterminated), or one bracket. Possessive
# quantifiers: one way to match, so a long string costs one pass, never backtracking.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_WIDE_DIGITS = re.compile(r"\d{19}")
_LONG_NUMBER = re.compile(rf"\d{{{MAX_NUMBER_DIGITS + 1}}}")


class _NumberTooLongError(ValueError):
    """An integer literal longer than ``MAX_NUMBER_DIGITS``."""


def _parse_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _NumberTooLongError
    return int(literal)


def too_deep(text: str, limit: int) -> int | None:
    """Position of the first bracket nested deeper than ``limit``, else ``None``.

    Strings are skipped so that brackets inside them do not count. The common
    case (not too deep) is answered at C speed; only a text that is too deep is
    walked in Python, and only up to the offending bracket.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets or max(accumulate(map(_STEP.__getitem__, brackets))) <= limit:
        return None
    depth = 0
    for match in _TOKEN.finditer(text):
        step = _STEP.get(match.group(), 0)
        depth += step
        if depth > limit:
            return match.start()
    return len(text)  # not reached: the two scans agree on what a string is


def loads_bounded(
    text: str, *, max_chars: int, max_depth: int, exact_integers: bool = True
) -> tuple[Any, str | None]:
    """Decode JSON no bigger than ``max_chars`` and no deeper than ``max_depth``.

    Args:
        text: The JSON text.
        max_chars: Longest text accepted.
        max_depth: Deepest nesting of objects and arrays accepted.
        exact_integers: Integers of 19 digits or more decode exactly (a card
            number in tool-call arguments must). ``False`` lets them decode as
            floats, for text where no such integer is read (a stream chunk's
            integers are indexes and token counts): it spares a scan of the
            text on every chunk.

    Returns:
        ``(value, None)``, or ``(None, reason)`` where ``reason`` reads after
        "is"/"are" ("not valid JSON (Expecting value at position 3)") and
        holds no part of ``text``.

    """
    if len(text) > max_chars:
        return None, f"longer than {max_chars} characters ({len(text)})"
    # The common case at C speed: a well-formed, shallow text decodes at once. Only a
    # text that may break a bound (many brackets, a long digit run, a decode error) is
    # looked at more closely.
    if text.count("[") + text.count("{") > max_depth:
        position = too_deep(text, max_depth)
        if position is not None:
            return None, f"nested deeper than {max_depth} levels (at position {position})"
    # orjson (3-4x faster) is stricter than json (no NaN, no lone surrogates, no float out
    # of range) and agrees with it on everything it accepts, except integers of 19 digits
    # or more, which it may read as floats: a text with such a digit run, and whatever
    # orjson refuses, take the json path below, which decides (and words the reason) as
    # it always has.
    if not exact_integers or _WIDE_DIGITS.search(text) is None:
        try:
            return orjson.loads(text), None
        except orjson.JSONDecodeError:
            pass
    if _LONG_NUMBER.search(text) is not None:
        try:
            json.loads(text, parse_int=_parse_int)
        except _NumberTooLongError:
            return None, f"not valid JSON (a number of more than {MAX_NUMBER_DIGITS} digits)"
        except (json.JSONDecodeError, RecursionError, ValueError):
            pass  # reported below, as for any other text
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        # The message's fixed part only: some variants append the offending character.
        kind = exc.msg.split(":", 1)[0]
        return None, f"not valid JSON ({kind} at position {exc.pos})"
    except (RecursionError, ValueError) as exc:  # belt and braces: never a raw traceback
        return None, f"not valid JSON ({type(exc).__name__})"


def loads_chunk(raw: bytes) -> tuple[Any, str | None]:
    """A stream chunk's JSON from its undecoded bytes: :func:`loads_bounded` of their text.

    The same answer as ``loads_bounded(raw.decode("utf-8", errors="replace"),
    max_chars=MAX_EVENT_BYTES, max_depth=MAX_CHUNK_DEPTH, exact_integers=False)``,
    spared the decode on the usual chunk: orjson reads well-formed UTF-8 bytes as
    it reads their text, and refuses any other (those take the text path, where a
    byte that is not UTF-8 reads as U+FFFD). Brackets count the same in the bytes
    as in the text, and a text has no more characters than its bytes: the caller
    has bounded the bytes (:class:`~superdialog.llm.sse.SSEDecoder`), or the text
    path below does.
    """
    if len(raw) <= MAX_EVENT_BYTES and raw.count(b"[") + raw.count(b"{") <= MAX_CHUNK_DEPTH:
        try:
            return orjson.loads(raw), None
        except orjson.JSONDecodeError:
            pass
    return loads_bounded(
        raw.decode("utf-8", errors="replace"),
        max_chars=MAX_EVENT_BYTES,
        max_depth=MAX_CHUNK_DEPTH,
        exact_integers=False,
    )
