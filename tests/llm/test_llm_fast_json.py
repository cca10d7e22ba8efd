"""The orjson fast path of ``loads_bounded`` decodes exactly what ``json`` decodes.

orjson is stricter than ``json`` (NaN, lone surrogates, floats out of range) and
reads integers of 19 digits or more as floats; whatever it refuses, and any text
with such a digit run, must take the ``json`` path, so that a caller's long
digit string (a card number read back as a number) never becomes a float and no
text gets a different value or reason than before.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.llm.bounded import loads_bounded

_LIMITS = {"max_chars": 1 << 20, "max_depth": 64}


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (NaN equals NaN, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _json_reference(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_values, st.booleans())
def test_every_json_text_decodes_to_the_same_typed_value(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    decoded, problem = loads_bounded(text, **_LIMITS)
    assert problem is None
    assert _same(decoded, json.loads(text))


_json_alphabet = st.sampled_from(list('{}[]",:0123456789-+.eEtrufalsn \\/u\ud800abc'))


@settings(max_examples=400, deadline=None)
@given(st.text(_json_alphabet, max_size=60) | st.text(max_size=60))
def test_arbitrary_text_gets_the_same_value_or_a_reason(text: str) -> None:
    decoded, problem = loads_bounded(text, **_LIMITS)
    reference = _json_reference(text)
    if problem is None:
        assert _same(decoded, reference)
    else:
        assert decoded is None


def test_long_digit_runs_stay_integers() -> None:
    for digits in (19, 20, 25, 300):
        text = '{"card": ' + "4" * digits + "}"
        decoded, problem = loads_bounded(text, **_LIMITS)
        assert problem is None
        assert decoded == {"card": int("4" * digits)}
        assert type(decoded["card"]) is int


@settings(max_examples=300, deadline=None)
@given(_values)
def test_without_exact_integers_only_long_integer_literals_may_differ(value: Any) -> None:
    """Stream chunks skip the digit-run scan: strings (the model's words, tool arguments
    inside a chunk) still decode exactly; only an integer literal of 19 digits or more
    may come back as a float."""
    text = json.dumps(value)
    decoded, problem = loads_bounded(text, **_LIMITS, exact_integers=False)
    assert problem is None
    reference = json.loads(text)

    def close(a: Any, b: Any) -> bool:
        if isinstance(b, int) and not isinstance(b, bool) and abs(b) >= 10**18:
            return a == b or (isinstance(a, float) and math.isclose(a, b))
        if isinstance(b, dict):
            return (
                isinstance(a, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in b)
            )
        if isinstance(b, list):
            return isinstance(a, list) and len(a) == len(b) and all(map(close, a, b))
        return _same(a, b)

    assert close(decoded, reference)


def test_digit_runs_in_strings_stay_exact_without_the_scan() -> None:
    text = json.dumps({"delta": {"content": "card 4111111111111111111 1"}, "n": 3})
    assert loads_bounded(text, **_LIMITS, exact_integers=False) == (json.loads(text), None)
