"""A secret inside a number is masked whole: no ``[redacted].0`` showing the number's shape.

Found by the live-call probes: an action returned a card number as a float
(``4111111111111111.0``, a JSON number) and the snapshot showed
``[redacted].0``; a ``Decimal`` with cents showed ``[redacted].00``. A number
is one value: if any part of it is a secret, none of it is shown. In text, a
decimal fraction glued to a masked value goes with it.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.pii import REDACTED, SPOKEN_MASK, Masker

CARD = "4111111111111111"


def _masker() -> Masker:
    m = Masker()
    m.add(CARD, kind="card_number")
    return m


@settings(derandomize=True, deadline=None, max_examples=60)
@given(
    frac=st.sampled_from(["0", "00", "5", "25"]),  # exact in a float too
    sign=st.sampled_from(["", "-"]),
    kind=st.sampled_from(["float", "decimal", "text"]),
)
def test_a_number_holding_a_secret_is_masked_whole(frac: str, sign: str, kind: str) -> None:
    text = f"{sign}{CARD}.{frac}"
    value: object = {"float": float(text), "decimal": Decimal(text), "text": text}[kind]
    out = _masker().mask_data({"result": value, "nested": [value]})
    assert out == {"result": REDACTED, "nested": [REDACTED]}, out


@settings(derandomize=True, deadline=None, max_examples=40)
@given(
    frac=st.sampled_from(["0", "00", "75"]),
    sep=st.sampled_from([".", ","]),
    before=st.sampled_from(["", "the card ", "refund to "]),
    after=st.sampled_from(["", " was charged", ". Thanks", "!"]),
)
def test_a_fraction_glued_to_a_secret_in_text_goes_with_it(
    frac: str, sep: str, before: str, after: str
) -> None:
    text = f"{before}{CARD}{sep}{frac}{after}"
    m = _masker()
    assert m.mask(text) == f"{before}{REDACTED}{after}"
    assert m.mask(text, spoken=True) == f"{before}{SPOKEN_MASK}{after}"


def test_a_sentence_ending_after_a_secret_keeps_its_full_stop() -> None:
    m = _masker()
    assert m.mask(f"It is {CARD}. Then 12.5 more") == f"It is {REDACTED}. Then 12.5 more"
    assert m.mask_data(12.5) == 12.5
