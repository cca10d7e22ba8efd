"""The public API: registry, custom types, read-backs, masking and checks."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, StringConstraints

from superdialog.errors import SlotTypeError, SuperDialogError
from superdialog.slots import (
    Amount,
    Constraints,
    ExtractContext,
    Match,
    SlotType,
    builtin_types,
    extract,
    find,
    get_type,
    make_context,
    mask,
    register_type,
    spoken,
)
from superdialog.slots import registry as _registry

NOW = datetime(2026, 3, 2, 10, 30)  # Monday
CTX = ExtractContext(now=NOW)


@pytest.fixture(autouse=True)
def _clean_custom_types():
    before = dict(_registry._custom)
    yield
    _registry._custom.clear()
    _registry._custom.update(before)


# ------------------------------------------------------------------ registry


def test_builtin_types_are_all_there() -> None:
    assert builtin_types() == (
        "number", "amount", "digits", "phone", "email", "date", "time", "datetime",
        "yes_no", "enum", "name", "card_number", "postal_code", "text",
    )  # fmt: skip
    for name in builtin_types():
        slot_type = get_type(name)
        assert isinstance(slot_type, SlotType)
        assert slot_type.name == name
        assert slot_type.description
        assert get_type(name) is slot_type  # loaded once


def test_unknown_type_has_a_did_you_mean_hint() -> None:
    with pytest.raises(SlotTypeError, match="did you mean 'phone'"):
        get_type("phnoe")
    with pytest.raises(SlotTypeError, match="did you mean 'postal_code'"):
        get_type("postal_cde")
    with pytest.raises(SlotTypeError, match="known types: number, amount"):
        get_type("zzzzzz")
    with pytest.raises(SlotTypeError):
        get_type(3)  # type: ignore[arg-type]
    assert issubclass(SlotTypeError, SuperDialogError)


def test_extract_with_unknown_type_raises_but_bad_text_does_not() -> None:
    with pytest.raises(SlotTypeError):
        extract("nope_type", "hi")
    assert extract("phone", None) is None  # type: ignore[arg-type]
    assert extract("email", "") is None


def test_value_objects_are_frozen() -> None:
    match = Match(1, 0, 1)
    with pytest.raises(FrozenInstanceError):
        match.value = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        CTX.region = "GB"  # type: ignore[misc]
    assert Constraints().min is None
    assert CTX.region == "US" and CTX.timezone == "UTC" and CTX.choices is None


def test_find_reports_the_span() -> None:
    text = "uh yeah my number is five five five, one two oh, four four seven eight ok"
    match = find("phone", text, CTX)
    assert match is not None
    assert match.value == "+15551204478"
    assert text[match.start : match.end] == "five five five, one two oh, four four seven eight"
    text = "sure, it's john dot smith at gmail dot com thanks"
    match = find("email", text, CTX)
    assert match is not None
    assert text[match.start : match.end] == "john dot smith at gmail dot com"


def test_extract_defaults_now_and_accepts_choices_forms() -> None:
    assert extract("date", "today") == datetime.now(UTC).date()
    assert extract("enum", "the big one", choices=["small", "big"]) == "big"
    assert extract("enum", "large", choices={"l": "large"}) == "l"  # type: ignore[dict-item]
    assert extract("enum", "big", choices="big") == "big"
    assert extract("enum", "big") is None


def test_timezone_decides_what_today_is() -> None:
    late_utc = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # still March 1st in New York
    assert extract("date", "today", now=late_utc, timezone="America/New_York") == date(2026, 3, 1)
    moment = extract("datetime", "tomorrow at 9", now=late_utc, timezone="America/New_York")
    assert moment.isoformat() == "2026-03-02T09:00:00-05:00"
    # An unknown zone falls back to the instant as given rather than failing the call.
    assert extract("date", "today", now=late_utc, timezone="Not/AZone") == date(2026, 3, 2)


# -------------------------------------------------------------- custom types


def test_register_callable_and_decorator() -> None:
    def order_id(text: str, ctx: ExtractContext) -> str | None:
        digits = extract("digits", text)
        return f"ORD-{digits}" if digits and len(digits) == 6 else None

    assert register_type("order_id", order_id, spoken=lambda v: v.replace("-", " ")) is order_id
    assert extract("order_id", "it's one two three four five six") == "ORD-123456"
    assert extract("order_id", "one two three") is None
    assert spoken("ORD-123456", "order_id") == "ORD 123456"

    @register_type("shout", description="upper-cased text")
    def shout(text: str, ctx: ExtractContext) -> str:
        return text.strip().upper()

    assert shout("x", CTX) == "X"  # still the plain function
    assert extract("shout", "  hey  ") == "HEY"
    match = find("shout", "  hey  ", CTX)
    assert match == Match("HEY", 2, 5)
    assert get_type("shout").description == "upper-cased text"


def test_custom_parser_may_return_a_match_and_errors_mean_none(caplog) -> None:
    register_type("first_word", lambda text, ctx: Match(text.split()[0], 0, len(text.split()[0])))
    assert find("first_word", "alpha beta", CTX) == Match("alpha", 0, 5)

    def broken(text: str, ctx: ExtractContext) -> str:
        raise RuntimeError("boom")

    register_type("broken", broken)
    assert extract("broken", "anything") is None
    assert "broken" in caplog.text


def test_register_pydantic_model_and_types() -> None:
    class Policy(BaseModel):
        number: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\d{6}$")]

    register_type("policy", Policy)
    assert extract("policy", "  AB123456 ") == Policy(number="AB123456")
    assert extract("policy", "ab12") is None

    register_type("age", Annotated[int, Field(ge=0, le=130)])
    assert extract("age", "42") == 42
    assert extract("age", "200") is None
    assert extract("age", "forty") is None

    from pydantic import TypeAdapter

    register_type("flag", TypeAdapter(bool))
    assert extract("flag", "true") is True


def test_register_rejects_bad_registrations() -> None:
    with pytest.raises(SlotTypeError, match="built-in"):
        register_type("phone", lambda t, c: t)
    with pytest.raises(SlotTypeError, match="bad slot type name"):
        register_type("has space", lambda t, c: t)
    with pytest.raises(SlotTypeError, match="callable"):
        register_type("thing", 42)
    with pytest.raises(SlotTypeError, match="callable"):
        register_type("thing", lambda t, c: t, spoken="nope")  # type: ignore[arg-type]
    register_type("again", lambda t, c: 1)
    register_type("again", lambda t, c: 2)  # custom names may be replaced
    assert extract("again", "x") == 2
    with pytest.raises(SlotTypeError, match="did you mean 'again'"):
        get_type("agian")


# ------------------------------------------------------------------- spoken


@pytest.mark.parametrize(
    ("value", "type_name", "expected"),
    [
        ("+15551204478", "phone", "five five five, one two zero, four four seven eight"),
        ("+15551204478", None, "five five five, one two zero, four four seven eight"),
        (
            "+442079460958",
            None,
            "plus four four, two zero, seven nine four six, zero nine five eight",
        ),
        ("john.smith@gmail.com", None, "j o h n dot s m i t h at gmail dot com"),
        ("j_d-7@x.io", "email", "j underscore d dash seven at x dot io"),
        (date(2026, 3, 3), None, "Tuesday, March 3rd, 2026"),
        (date(2026, 3, 22), "date", "Sunday, March 22nd, 2026"),
        (time(15, 0), None, "3 PM"),
        (time(9, 5), None, "9:05 AM"),
        (time(12, 0), None, "noon"),
        (time(0, 0), None, "midnight"),
        (datetime(2026, 3, 10, 15, 30), None, "Tuesday, March 10th, 2026 at 3:30 PM"),
        (True, None, "yes"),
        (False, "yes_no", "no"),
        (1200, None, "1,200"),
        (Decimal("3.5"), None, "3.5"),
        (-5, "number", "minus 5"),
        (Amount(Decimal("20.50"), "USD"), None, "20 dollars and 50 cents"),
        (Amount(Decimal("1"), "USD"), None, "1 dollar"),
        (Amount(Decimal("0.50"), "USD"), None, "50 cents"),
        (Amount(Decimal("3.50"), "GBP"), None, "3 pounds and 50 pence"),
        (Amount(Decimal("2000"), "JPY"), None, "2,000 yen"),
        (Amount(Decimal("15"), "SEK"), None, "15 SEK"),
        ("4242424242424242", "card_number", "card ending in four two four two"),
        ("90210", "postal_code", "nine zero two one zero"),
        ("90210-1234", "postal_code", "nine zero two one zero, one two three four"),
        ("SW1A 1AA", "postal_code", "S W one A, one A A"),
        ("1234567890", "digits", "one two three, four five six, seven eight nine zero"),
        ("1234", "digits", "one two three four"),
        ("John Smith", "name", "John Smith"),
        ("large", "enum", "large"),
        ("free text", None, "free text"),
        (None, None, ""),
    ],
)
def test_spoken(value: object, type_name: str | None, expected: str) -> None:
    assert spoken(value, type_name) == expected


def test_spoken_never_raises_on_odd_values_but_flags_unknown_types() -> None:
    assert spoken(object.__new__(object), "date").startswith("<object")
    assert spoken("not a phone", "phone") == "not a phone"
    assert spoken(12, "card_number") == "card ending in one two"
    with pytest.raises(SlotTypeError):
        spoken("x", "no_such_type")


# --------------------------------------------------------------------- mask


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("4242424242424242", "full", "[redacted]"),
        ("4242424242424242", "last4", "\u2022\u2022\u2022\u2022 4242"),
        ("4242 4242 4242 4242", "last4", "\u2022\u2022\u2022\u2022 4242"),
        ("+15551204478", "last4", "\u2022\u2022\u2022\u2022 4478"),
        ("+15551204478", "last2", "\u2022\u2022\u2022\u2022 78"),
        ("123", "last4", "\u2022\u2022\u2022\u2022"),
        ("1234", "last4", "\u2022\u2022\u2022\u2022"),
        ("John", "none", "John"),
        (42, "none", "42"),
        (None, "none", ""),
        (None, "last4", "[redacted]"),
        ("secret", "bogus-mode", "[redacted]"),
        ("secret", "FULL", "[redacted]"),
    ],
)
def test_mask(value: object, mode: str, expected: str) -> None:
    assert mask(value, mode) == expected


def test_mask_defaults_to_full() -> None:
    assert mask("anything") == "[redacted]"


# -------------------------------------------------------------------- check


def _check(
    type_name: str, value: object, ctx: ExtractContext = CTX, **limits: object
) -> str | None:
    return get_type(type_name).check(value, Constraints(**limits), ctx)  # type: ignore[arg-type]


def test_check_number_min_max() -> None:
    assert _check("number", 5, min=1, max=10) is None
    assert _check("number", 11, max=10) == "that's more than 10"
    assert _check("number", 0, min=1) == "that's less than 1"
    assert _check("number", Decimal("2.5"), min="3") == "that's less than 3"
    assert _check("number", 4, max="three") == "that's more than 3"
    assert _check("number", 2000, max=1500.5) == "that's more than 1,500.5"
    with pytest.raises(SlotTypeError):
        _check("number", 4, max="lots")


def test_check_amount_min_max() -> None:
    amount = Amount(Decimal("25"), "USD")
    assert _check("amount", amount, max=20) == "that's more than 20 dollars"
    assert _check("amount", amount, min="$30") == "that's less than 30 dollars"
    assert _check("amount", amount, min=Amount(Decimal("10"), "USD"), max="100") is None


def test_check_dates() -> None:
    yesterday, tomorrow = date(2026, 3, 1), date(2026, 3, 3)
    assert _check("date", yesterday, future_only=True) == "that date is in the past"
    assert _check("date", date(2026, 3, 2), future_only=True) is None  # today is fine
    assert _check("date", tomorrow, past_only=True) == "that date is in the future"
    assert _check("date", tomorrow, min="today", max="2026-03-31") is None
    assert _check("date", yesterday, min="today") == "that's before Monday, March 2nd, 2026"
    assert _check("date", date(2026, 5, 1), max=date(2026, 3, 31)) == (
        "that's after Tuesday, March 31st, 2026"
    )


def test_check_times_and_datetimes() -> None:
    assert _check("time", time(8, 0), min="9am") == "that's earlier than 9 AM"
    assert _check("time", time(18, 0), max=time(17, 0)) == "that's later than 5 PM"
    assert _check("time", time(9, 0), future_only=True) == "that time has already passed"
    assert _check("time", time(11, 0), future_only=True) is None
    past = datetime(2026, 3, 2, 9, 0)
    assert _check("datetime", past, future_only=True) == "that time has already passed"
    assert _check("datetime", datetime(2026, 3, 3, 9, 0), future_only=True) is None
    assert _check("datetime", past, min="tomorrow at 9") == (
        "that's before Tuesday, March 3rd, 2026 at 9 AM"
    )
    aware_ctx = make_context(
        now=datetime(2026, 3, 2, 15, 30, tzinfo=UTC), timezone="America/New_York"
    )
    # 10:30 in New York is 15:30 UTC: an aware value compares in the caller's zone.
    aware = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert _check("datetime", aware, aware_ctx, future_only=True) is None
    assert _check("datetime", datetime(2026, 3, 2, 10, 0), aware_ctx, future_only=True) == (
        "that time has already passed"
    )


def test_check_pattern_and_lengths() -> None:
    assert _check("digits", "1234", min_length=4, max_length=6) is None
    assert _check("digits", "123", min_length=4) == "that should be at least 4 digits"
    assert _check("digits", "1234567", max_length=6) == "that should be at most 6 digits"
    assert _check("phone", "+15551204478", max_length=10) == "that should be at most 10 digits"
    assert _check("text", "hi", min_length=3) == "that's too short"
    assert _check("name", "Bartholomew", max_length=5) == "that's too long"
    assert _check("email", "a@example.com", pattern=r".*@example\.com") is None
    assert _check("email", "a@gmail.com", pattern=r".*@example\.com") == "that doesn't look right"
    assert _check("card_number", "5555555555554444", pattern=r"4\d+") == (
        "that card number doesn't look right"
    )
    assert _check("postal_code", "SW1A 1AA", pattern=r"SW.*") is None
    with pytest.raises(SlotTypeError, match="bad pattern"):
        _check("text", "x", pattern="(")


def test_check_rejects_constraints_a_type_cannot_honour() -> None:
    with pytest.raises(SlotTypeError, match="min/max"):
        _check("phone", "+15551204478", min=3)
    with pytest.raises(SlotTypeError, match="future_only"):
        _check("email", "a@b.co", future_only=True)


def test_card_number_rejects_bad_luhn_and_lengths() -> None:
    assert extract("card_number", "4242 4242 4242 4242") == "4242424242424242"
    assert extract("card_number", "4242 4242 4242 4243") is None
    assert extract("card_number", "4242 4242 42") is None
    assert extract("card_number", "4" * 20) is None


# ------------------------------------------------------------------- import


def test_import_is_lazy() -> None:
    """Importing the package must not pull in phonenumbers, zoneinfo or the type modules.

    (pydantic is left out: the rest of superdialog may load it for flow specs.)
    """
    code = (
        "import sys, superdialog.slots as s\n"
        "heavy = [m for m in ('phonenumbers', 'zoneinfo', 'difflib',"
        " 'superdialog.slots.contact', 'superdialog.slots.dates') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "s.extract('phone', 'two one two five five five oh one two three')\n"
        "print('phonenumbers' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == ""
    assert out[1] == "True"
