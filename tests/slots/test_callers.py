"""Slots as callers really say them (issue 14): one test per case class, "no value" included.

Every relative date and time is resolved against Monday 2 March 2026, 10:30.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from superdialog.slots import Amount, extract, find, make_context, register_type
from superdialog.slots.codes import card_brand, luhn_ok

NOW = datetime(2026, 3, 2, 10, 30)
SIZES = {"small": ["little"], "medium": ["regular"], "large": ["big"]}


def x(type_name: str, text: str, **opts: Any) -> Any:
    return extract(type_name, text, now=NOW, **opts)


# ---------------------------------------------------------------------- self-repairs


@pytest.mark.parametrize(
    ("type_name", "text", "want", "opts"),
    [
        ("number", "fifteen, no sorry, sixteen", 16, {}),
        ("number", "Fifteen. No, sorry. Sixteen.", 16, {}),
        ("number", "twelve i mean thirteen", 13, {}),
        ("number", "four, actually make that five", 5, {}),
        ("amount", "fifty dollars, no sorry, sixty", Amount(Decimal(60), "USD"), {}),
        ("digits", "one two three four, no sorry, one two four three", "1243", {}),
        ("phone", "four one five five five five two six seven one, no wait, "
                  "four one five five five five two six seven two", "+14155552672", {}),
        ("phone", "four one five, five five five, two six seven one. no sorry, two six seven two",
         "+14155552672", {}),
        ("email", "john at gmail dot com, no sorry, jon at gmail dot com", "jon@gmail.com", {}),
        ("date", "the 3rd, no wait, the 4th", date(2026, 3, 4), {}),
        ("date", "June second, no sorry, June third", date(2026, 6, 3), {}),
        ("date", "Tuesday, no, Wednesday", date(2026, 3, 4), {}),
        ("time", "three, no sorry, four", time(16, 0), {}),
        ("time", "seven thirty, i mean eight", time(20, 0), {}),
        ("datetime", "tomorrow at two, no sorry, three", datetime(2026, 3, 3, 15, 0), {}),
        ("datetime", "Tuesday at 3, no, Wednesday", datetime(2026, 3, 4, 15, 0), {}),
        ("datetime", "Tuesday at 3 PM, actually make it Wednesday at 4 PM",
         datetime(2026, 3, 4, 16, 0), {}),
        ("yes_no", "no, I mean yes", True, {}),
        ("yes_no", "no wait, yes", True, {}),
        ("enum", "small, no sorry, large", "large", {"choices": SIZES}),
        ("name", "my name is John, no sorry, Jon", "Jon", {}),
        ("card_number", "4242 4242 4242 4241, no sorry, 4242 4242 4242 4242",
         "4242424242424242", {}),
        ("postal_code", "nine oh two one oh, no sorry, nine oh two one one", "90211", {}),
    ],
)  # fmt: skip
def test_the_value_after_the_repair_wins(
    type_name: str, text: str, want: Any, opts: dict[str, Any]
) -> None:
    got = x(type_name, text, **opts)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize(
    ("type_name", "text"),
    [
        ("digits", "one two three four, no sorry, four three"),  # which two digits? ask
        ("number", "fifteen, no sorry, the other one"),  # taken back, nothing readable after
        ("card_number", "4242 4242 4242 4242, no sorry, 4243"),  # the patch fails Luhn
    ],
)
def test_a_repair_that_cannot_be_applied_gives_no_value(type_name: str, text: str) -> None:
    assert x(type_name, text) is None


@pytest.mark.parametrize(
    ("type_name", "text", "want"),
    [
        ("yes_no", "no sorry", False),  # a polite no, not a repair
        ("yes_no", "Yes. Sorry, no.", False),
        ("number", "sixteen, sorry about that", 16),  # "sorry" with nothing of the kind after
        ("number", "no, twenty", 20),
    ],
)
def test_sorry_and_no_that_are_not_repairs(type_name: str, text: str, want: Any) -> None:
    assert x(type_name, text) == want


@pytest.mark.parametrize(
    "text",
    [
        "um next tuesday, no sorry, wednesday at ten thirty",  # found by hand in `chat`
        "the fifth no sorry the sixth",
        "tuesday no I mean wednesday",
        "Monday, no wait, Tuesday",
        "three pm no actually four",
    ],
)
def test_a_no_that_takes_back_a_value_is_no_answer(text: str) -> None:
    # a yes/no question answered with a value the caller repairs: the repair's "no" is not
    # a "no" (that would be a wrong value: the flow acts on it), so nothing is understood
    assert x("yes_no", text) is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # how someone is, or no one: yes to "Is everyone OK?", no to "Was anyone hurt?"
        ("everyone is fine", None),  # found writing a car-insurance flow: gave yes (injury)
        ("we're all good", None),
        ("I am fine", None),
        ("I'm okay thanks", None),
        ("no one was hurt", None),  # gave no: to "Are you alone?" that is wrong
        ("nobody", None),
        # an answer word still decides
        ("yes, everyone is fine", True),
        ("no, everyone is fine", False),
        ("that's fine", True),
        ("it is fine", True),
        ("I am", True),
        ("no, one moment", False),
    ],
)
def test_words_about_someone_answer_nothing(text: str, want: bool | None) -> None:
    assert x("yes_no", text) is want


# ---------------------------------------------------------------------- undecided


@pytest.mark.parametrize(
    ("type_name", "text", "opts"),
    [
        ("number", "five or six", {}),
        ("number", "probably three or four of us", {}),
        ("amount", "twenty or thirty dollars", {}),
        ("amount", "I'd say a hundred, maybe a hundred and fifty", {}),
        ("digits", "one two three four or one two four three", {}),
        ("phone", "415 555 2671 or 650 555 1234", {}),
        ("email", "john at gmail dot com or john at yahoo dot com", {}),
        ("date", "Monday or Tuesday", {}),
        ("time", "three or four", {}),
        ("datetime", "Friday or Saturday at ten", {}),
        ("datetime", "tomorrow at three or four", {}),
        ("enum", "small or large", {"choices": SIZES}),
        ("name", "John or Jonathan, either is fine", {}),
        ("card_number", "4242 4242 4242 4242 or 5555 5555 5555 4444", {}),
        ("postal_code", "9 0 2 1 0 or 9 0 2 1 1", {}),
        ("yes_no", "yes or no, I'm not sure", {}),
    ],
)
def test_x_or_y_is_not_decided(type_name: str, text: str, opts: dict[str, Any]) -> None:
    assert x(type_name, text, **opts) is None


@pytest.mark.parametrize(
    ("type_name", "text", "want"),
    [("number", "ten or so", 10), ("time", "at three or later", time(15, 0))],
)
def test_or_so_keeps_the_value(type_name: str, text: str, want: Any) -> None:
    assert x(type_name, text) == want


# ---------------------------------------------------------------------- homophones


@pytest.mark.parametrize(
    ("type_name", "text", "want"),
    [
        ("digits", "seven for won to", "7412"),
        ("digits", "five ate two oh", "5820"),
        ("digits", "nine too three four", "9234"),
        ("digits", "it's uh nine nine for for", "9944"),
        ("phone", "four one five, five five five, two six seven won", "+14155552671"),
        ("postal_code", "nine oh two won oh", "90210"),
        ("card_number", "four two four two four two four two four two four two four two four too",
         "4242424242424242"),
    ],
)  # fmt: skip
def test_homophones_among_digits_are_digits(type_name: str, text: str, want: str) -> None:
    assert x(type_name, text) == want


def test_homophones_keep_their_words_outside_digit_strings() -> None:
    assert x("number", "a table for two please") == 2
    assert x("time", "ten to five") == time(16, 50)
    assert x("time", "table for two at seven") == time(19, 0)
    assert x("digits", "for order two it's 4 5 6 7 8") == "45678"
    assert x("digits", "ten to five") != "1025"


# ------------------------------------------------------------------ spelled names, emails


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("b as in boy o b", "Bob"),
        ("S as in Sam M I T H", "Smith"),
        ("my name is Bob, b as in boy o b as in boy", "Bob"),
        ("Okafor, O K A F O R, Okafor", "Okafor"),
        ("the booking is under Okafor", "Okafor"),
        ("it's booked under Fernandez", "Fernandez"),
        ("Ann with no e", "Ann"),
        ("Anne with an e", "Anne"),
        ("Jon without an h", "Jon"),
        ("Ann with an e", None),  # the spelling says Anne, we heard Ann: ask
        ("Brian with a y", None),
        ("John or Jonathan, either is fine", None),
        ("what do you need it for", None),
    ],
)
def test_names_as_spelled_on_the_phone(text: str, want: str | None) -> None:
    assert x("name", text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("j as in john o h n at gmail dot com", "john@gmail.com"),
        ("b as in boy o b at yahoo dot com", "bob@yahoo.com"),
        ("same as my name at yahoo", None),  # not "name@yahoo.com"
        ("it's my first name at gmail", None),
        ("k e l l y at icloud dot com", "kelly@icloud.com"),
    ],
)
def test_emails_as_spelled_on_the_phone(text: str, want: str | None) -> None:
    assert x("email", text) == want


def test_postcodes_as_spelled_on_the_phone() -> None:
    assert x("postal_code", "s as in sierra w one a one a a", region="GB") == "SW1A 1AA"


# ---------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "want", "opts"),
    [
        ("two weeks from Monday", date(2026, 3, 23), {}),
        ("a week from Tuesday", date(2026, 3, 10), {}),
        ("three days from tomorrow", date(2026, 3, 6), {}),
        ("the Thursday after next", date(2026, 3, 19), {}),
        ("Friday after next", date(2026, 3, 20), {}),
        ("June second seventy nine", date(1979, 6, 2), {}),
        ("June 2nd, '79", date(1979, 6, 2), {}),
        ("born on the 2nd of June 1979", date(1979, 6, 2), {}),
        ("I was born on the 2nd of June, 1979.", date(1979, 6, 2), {}),
        ("nineteen-sixty six, January twenty fourth", date(1966, 1, 24), {}),
        ("I was born on the twenty fourth of January, nineteen-sixty six", date(1966, 1, 24), {}),
        ("02/06/1979", date(1979, 6, 2), {"region": "GB"}),
        # a bare number up to 31 after a day: a short year (2020? 1920?), an hour or a
        # misheard day; no date rather than a guess ('March 4 20' gave March 4th 2027)
        ("June second, twenty", None, {}),
        ("June second, twenty people", date(2026, 6, 2), {}),
        ("2 June 79", date(1979, 6, 2), {}),  # digits from 32 up are a year too (gave 2026)
        ("June 2 79", date(1979, 6, 2), {}),
        ("the 2nd of June 79", date(1979, 6, 2), {}),
        ("June 2, 05", None, {}),  # a day, an hour or a year: no date
        ("June 2, 5 pm", date(2026, 6, 2), {}),
    ],
)
def test_date_phrases_and_birth_dates(text: str, want: date | None, opts: dict[str, Any]) -> None:
    assert x("date", text, **opts) == want


@pytest.mark.parametrize(
    "text",
    [
        "April 31st",
        "April thirty first",
        "February 30th",
        "the 31st of June",
        "not Friday",
        "sometime next week",
        "two weeks from when I called",
    ],
)
def test_impossible_or_half_heard_dates_give_no_value(text: str) -> None:
    assert x("date", text) is None


# ------------------------------------------------------------- everyday vocabulary


def test_hedged_yes() -> None:
    assert x("yes_no", "I reckon so") is True
    assert x("yes_no", "I suppose so") is True
    assert x("yes_no", "I reckon not") is False
    assert x("yes_no", "probably") is None
    assert x("yes_no", "maybe, I'm not sure") is None


def test_slang_amounts() -> None:
    assert x("amount", "a tenner", region="GB") == Amount(Decimal(10), "GBP")
    assert x("amount", "uh just a fiver", region="GB") == Amount(Decimal(5), "GBP")
    assert x("amount", "three lakh rupees") == Amount(Decimal(300000), "INR")
    assert x("amount", "three lakh", region="IN") == Amount(Decimal(300000), "INR")
    assert x("number", "three lakh") == 300000
    assert x("number", "two lakh fifty thousand") == 250000


@pytest.mark.parametrize("region", ["US", "GB", "CA", "AU"])
def test_three_lakh_is_never_three(region: str) -> None:
    got = x("amount", "three lakh", region=region)
    assert got is None  # which currency? ask; and never 3
    assert x("amount", "three lakh rupees", region=region) == Amount(Decimal(300000), "INR")


@pytest.mark.parametrize(
    ("type_name", "text", "want"),
    [
        ("digits", "one two three dash four five six", "123456"),
        ("digits", "it's A B, no, it's one two three hyphen four five", "12345"),
        ("postal_code", "nine oh two one oh dash one two three four", "90210-1234"),
        ("phone", "uh six five oh dash five five five dash one two three four", "+16505551234"),
        ("phone", "area code is 415, and then the number is 555 2671", "+14155552671"),
        ("phone", "Area code 212. Then 555-0123.", "+12125550123"),
    ],
)
def test_dashes_in_codes_and_area_code_then(type_name: str, text: str, want: str) -> None:
    assert x(type_name, text) == want


@pytest.mark.parametrize(
    ("type_name", "text", "want", "opts"),
    [
        ("date", "not Friday, Saturday's better", date(2026, 3, 7), {}),
        ("date", "not Monday, Tuesday works better", date(2026, 3, 3), {}),
        ("time", "not three, four", time(16, 0), {}),
        ("number", "not five, six", 6, {}),
        ("amount", "not fifty, forty dollars", Amount(Decimal(40), "USD"), {}),
        ("datetime", "not Friday, Saturday at ten", datetime(2026, 3, 7, 10, 0), {}),
        ("enum", "not the small, the large", "large", {"choices": SIZES}),
        ("time", "not before four", time(16, 0), {}),  # a bound, not a refusal
    ],
)
def test_negation_refuses_only_what_it_governs(
    type_name: str, text: str, want: Any, opts: dict[str, Any]
) -> None:
    assert x(type_name, text, **opts) == want


@pytest.mark.parametrize(
    ("type_name", "text", "opts"),
    [("date", "not Friday", {}), ("enum", "not the small one", {"choices": SIZES})],
)
def test_a_refusal_alone_gives_no_value(type_name: str, text: str, opts: dict[str, Any]) -> None:
    assert x(type_name, text, **opts) is None


# ---------------------------------------------------------------------- card numbers


def _luhn_complete(prefix: str) -> str:
    for last in "0123456789":
        if luhn_ok(prefix + last):
            return prefix + last
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "prefix",
    ["4" + "2" * 13, "5" + "1" * 12, "37" + "8" * 11, "6011" + "0" * 13, "4" + "0" * 16],
)
def test_luhn_valid_numbers_of_a_length_the_brand_does_not_issue_are_refused(prefix: str) -> None:
    # 15-digit Visa, 14-digit Mastercard, 14-digit Amex, 18-digit... (see _BRANDS)
    number = _luhn_complete(prefix)
    assert luhn_ok(number)
    expect_ok = card_brand(number) is not None
    assert (x("card_number", " ".join(number)) == number) is expect_ok


def test_card_lengths_per_brand() -> None:
    assert card_brand("4242424242424242") == "visa"
    assert card_brand("424242424242424") is None  # 15 digits: no Visa is that long
    assert card_brand("378282246310005") == "amex"
    assert card_brand("3782822463100051") is None
    assert card_brand("5555555555554444") == "mastercard"
    assert card_brand("1234567890123452") is None  # no brand starts with 1
    assert x("card_number", "4242 4242 4242 424") is None


# ---------------------------------------------------------------------- fillers


@pytest.mark.parametrize(
    ("type_name", "text", "want"),
    [
        ("number", "uh twenty um five", 25),
        ("date", "nineteen um eighty five, may fifth", date(1985, 5, 5)),
        ("digits", "uh four five, um, six seven", "4567"),
        ("yes_no", "uh huh", True),
        ("yes_no", "mm hmm", True),
        ("yes_no", "hmm", None),
    ],
)
def test_hesitations_inside_values(type_name: str, text: str, want: Any) -> None:
    assert x(type_name, text) == want


# ---------------------------------------------------------------------- odds and ends


def test_one_sec_is_not_a_digit() -> None:
    assert x("digits", "one sec let me look") is None
    assert x("digits", "one moment") is None
    assert x("digits", "one") == "1"


def test_uk_drama_numbers_are_accepted_like_555() -> None:
    assert x("phone", "07700 900123", region="GB") == "+447700900123"


def test_custom_types_see_the_utterance_as_said() -> None:
    seen: list[str] = []

    def parse(text: str, ctx: Any) -> str:
        seen.append(text)
        return text.split()[0]

    register_type("first_word_t14", parse)
    assert x("first_word_t14", "fifteen, no sorry, sixteen") == "fifteen,"
    assert seen == ["fifteen, no sorry, sixteen"]


def test_spans_point_at_the_repaired_value() -> None:
    text = "fifteen, no sorry, sixteen"
    match = find("number", text, make_context(now=NOW))
    assert match is not None and text[match.start : match.end] == "sixteen"


@pytest.mark.parametrize("text", ["twenty people", "a party of twenty", "make it 20 people"])
def test_a_head_count_is_not_a_time(text: str) -> None:
    # a 24-hour number needs a cue or to stand alone, like any bare number
    assert x("time", text) is None and x("datetime", text) is None
    assert x("time", "at twenty") is not None and x("time", "twenty") is not None
