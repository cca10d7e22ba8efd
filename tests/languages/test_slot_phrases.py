"""Slot types in es, de, fr and hi beyond yes/no and plain numbers (issue 16, item 3).

Decimals, one-word German numbers, Hindi 21-99 and fractions, amounts with currency words,
phones read in pairs or with country codes, spoken emails, names after each language's
carriers, relative dates and enum choices — and, as properties, that the pre-pass never
raises, keeps its spans inside the caller's words and leaves English alone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.slots import builtin_types, extract, find, get_type, make_context
from superdialog.slots.lang import LANGUAGES, find_localised, localise_for

NOW = datetime(2026, 11, 30, 12, 0)  # a Monday
TYPES = [t for t in builtin_types() if t != "text"]


def _x(type_name: str, text: str, language: str, **kw: object) -> object:
    return extract(type_name, text, now=NOW, language=language, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("es", "cuatro coma cinco", Decimal("4.5")),
        ("de", "vier Komma fünf", Decimal("4.5")),
        ("fr", "quatre virgule cinq", Decimal("4.5")),
        ("es", "dos mil veintiséis", 2026),
        ("de", "zweitausendsechsundzwanzig", 2026),
        ("de", "einundzwanzig", 21),
        ("es", "veintiuno", 21),
        ("fr", "soixante-et-onze", 71),
        ("de", "zwei komma fünf Millionen", 2_500_000),
        ("de", "wir sind zu viert", 4),
        ("hi", "इक्कीस", 21),
        ("hi", "निन्यानवे", 99),
        ("hi", "चौतीस", 34),  # the nasal mark dropped, as recognisers often write it
        ("hi", "डेढ़", Decimal("1.5")),
        ("hi", "ढाई लाख", 250_000),
        ("hi", "डेढ़ सौ", 150),
        ("hi", "साढ़े तीन", Decimal("3.5")),
        ("hi", "सवा सौ", 125),
        ("hi", "पौने दो", Decimal("1.75")),
        ("hi", "2.5 लाख", 250_000),
        ("hi", "5 lakh", 500_000),
        ("es", "5 mil", 5000),
        ("es", "cinco o seis", None),
        ("de", "fünf oder sechs", None),
        ("hi", "तीन चार लोग", None),  # three or four
        ("es", "no sé", None),
        ("fr", "12,5", Decimal("12.5")),
        ("de", "1.200", 1200),
    ],
)
def test_numbers(language: str, text: str, value: object) -> None:
    assert _x("number", text, language) == value


@pytest.mark.parametrize(
    ("language", "text", "value", "currency"),
    [
        ("es", "doce euros con cincuenta", "12.50", "EUR"),
        ("de", "zwölf Euro fünfzig", "12.50", "EUR"),
        ("fr", "douze euros cinquante", "12.50", "EUR"),
        ("fr", "12,50 €", "12.50", "EUR"),
        ("es", "veinte dólares", "20", "USD"),
        ("es", "mil pesos", "1000", "MXN"),
        ("de", "zwanzig Franken", "20", "CHF"),
        ("fr", "vingt roupies", "20", "INR"),
        ("hi", "ढाई लाख रुपये", "250000", "INR"),
        ("hi", "पांच सौ रुपए", "500", "INR"),
        ("hi", "₹500", "500", "INR"),
        ("hi", "पचास पैसे", "0.50", "INR"),
        ("hi", "5 रुपया 50 पैसे", "5.50", "INR"),
        ("hi", "डेढ़ सौ rupees", "150", "INR"),
        ("de", "1.250,50 Euro", "1250.50", "EUR"),
    ],
)
def test_amounts(language: str, text: str, value: str, currency: str) -> None:
    amount = _x("amount", text, language)
    assert amount is not None
    assert (amount.value, amount.currency) == (Decimal(value), currency)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("language", "text", "region", "value"),
    [
        ("fr", "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit", "FR",
         "+33612345678"),
        # the call's region reads no number in it: the language's country is tried
        ("fr", "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit", "US",
         "+33612345678"),
        ("fr", "plus trente-trois six douze trente-quatre cinquante-six soixante-dix-huit",
         "US", "+33612345678"),
        ("es", "más treinta y cuatro seis uno dos tres cuatro cinco seis siete ocho", "US",
         "+34612345678"),
        ("es", "seis doble cinco tres cuatro cinco seis siete ocho", "ES", "+34655345678"),
        ("de", "plus neunundvierzig dreißig eins zwei drei vier fünf sechs sieben acht", "DE",
         "+493012345678"),
        ("de", "null eins sieben null doppel drei vier fünf sechs sieben acht neun", "DE",
         "+4917033456789"),
        ("hi", "नौ आठ सात छह पांच चार तीन दो एक शून्य", "IN", "+919876543210"),
        ("hi", "९८७६५४३२१०", "IN", "+919876543210"),
        # a US number in a US call stays a US number
        ("es", "dos uno dos cinco cinco cinco cero uno dos tres", "US", "+12125550123"),
    ],
)  # fmt: skip
def test_phones(language: str, text: str, region: str, value: str) -> None:
    assert _x("phone", text, language, region=region) == value


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("es", "juan punto perez arroba gmail punto com", "juan.perez@gmail.com"),
        ("es", "mi correo es ana guion bajo lopez arroba hotmail punto es",
         "ana_lopez@hotmail.es"),
        ("es", "luis guion garcia arroba yahoo punto es", "luis-garcia@yahoo.es"),
        ("de", "max punkt mustermann ät web punkt de", "max.mustermann@web.de"),
        ("de", "anna unterstrich schmidt at gmx punkt de", "anna_schmidt@gmx.de"),
        ("de", "info at firma bindestrich mueller punkt de", "info@firma-mueller.de"),
        ("fr", "jean tiret bas dupont arobase orange point fr", "jean_dupont@orange.fr"),
        ("fr", "marie underscore martin arobase free point fr", "marie_martin@free.fr"),
        ("fr", "paul tiret martin arobase gmail point com", "paul-martin@gmail.com"),
        ("hi", "rahul at the rate gmail dot com", "rahul@gmail.com"),
        ("hi", "मेरा ईमेल rahul एट द रेट जीमेल डॉट कॉम है", "rahul@gmail.com"),
        ("hi", "अमित एट द रेट जीमेल डॉट कॉम", None),  # a Devanagari name: not guessed
    ],
)  # fmt: skip
def test_spoken_emails(language: str, text: str, value: str | None) -> None:
    assert _x("email", text, language) == value


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("es", "me llamo Juan Pérez", "Juan Pérez"),
        ("es", "mi nombre es María José", "María José"),
        ("es", "soy Carmen", "Carmen"),
        ("es", "soy yo", None),
        ("de", "ich heiße Anna Schmidt", "Anna Schmidt"),
        ("de", "mein Name ist Müller", "Müller"),
        ("de", "hier ist Thomas Becker", "Thomas Becker"),
        ("de", "ich bin dran", None),
        ("fr", "je m'appelle Pierre Dupont", "Pierre Dupont"),
        ("fr", "mon nom est Martin", "Martin"),
        ("fr", "c'est Sophie Laurent", "Sophie Laurent"),
        ("fr", "oui c'est ça", None),
        ("fr", "c'est pour une réservation", None),
        ("hi", "मेरा नाम राहुल शर्मा है", "राहुल शर्मा"),
        ("hi", "मैं प्रिया बोल रही हूँ", "प्रिया"),
        ("hi", "मैं राहुल बोल रहा हूँ", "राहुल"),
        ("hi", "naam Sunita hai", "Sunita"),
        ("hi", "mera naam Amit Kumar hai", "Amit Kumar"),
        ("hi", "मेरा नाम क्या है", None),
    ],
)
def test_names(language: str, text: str, value: str | None) -> None:
    assert _x("name", text, language) == value


def test_a_hindi_name_span_points_into_what_the_caller_said() -> None:
    text = "जी मेरा नाम सुनीता वर्मा है"
    match = find("name", text, make_context(language="hi"))
    assert match is not None and text[match.start : match.end] == "सुनीता वर्मा"


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("es", "en tres días", date(2026, 12, 3)),
        ("es", "dentro de dos semanas", date(2026, 12, 14)),
        ("de", "in zwei Wochen", date(2026, 12, 14)),
        ("de", "in drei Tagen", date(2026, 12, 3)),
        ("fr", "dans trois jours", date(2026, 12, 3)),
        ("fr", "dans deux semaines", date(2026, 12, 14)),
        ("hi", "तीन दिन बाद", date(2026, 12, 3)),
        ("hi", "दो हफ्ते बाद", date(2026, 12, 14)),
        ("hi", "दो हफ़्ते बाद", date(2026, 12, 14)),
        # which day is meant is not what was said: no value
        ("fr", "dans huit jours", None),
        ("fr", "dans quinze jours", None),
        ("es", "en quince días", None),
        ("de", "in acht Tagen", None),
        ("es", "en una semana o dos", None),
        ("de", "nächste Woche", None),
        ("fr", "la semaine prochaine", None),
    ],
)
def test_relative_dates(language: str, text: str, value: date | None) -> None:
    assert _x("date", text, language) == value


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("es", "la grande", "large"),
        ("es", "la pequena", "small"),  # the accent dropped by the recogniser
        ("de", "die grosse bitte", "large"),  # ß written ss
        ("de", "nicht die kleine lieber die große", "large"),
        ("fr", "pas la petite plutôt la grande", "large"),
        ("es", "grande o pequeña", None),
        ("hi", "बड़ा वाला", "large"),
    ],
)
def test_enum_choices(language: str, text: str, value: str | None) -> None:
    choices = {"large": ["grande", "große", "बड़ा"], "small": ["pequeña", "klein", "petite"]}
    assert _x("enum", text, language, choices=choices) == value


@pytest.mark.parametrize(
    ("language", "type_name", "text", "region", "value"),
    [
        ("es", "postal_code", "veintiocho cero cero uno", "ES", "28001"),
        ("fr", "postal_code", "soixante-quinze zéro zéro un", "FR", "75001"),
        ("de", "postal_code", "zehn eins eins fünf", "DE", "10115"),
        ("hi", "postal_code", "एक एक शून्य शून्य शून्य एक", "IN", "110001"),
        ("hi", "postal_code", "एक एक शून्य शून्य शून्य एक", "US", "110001"),
        ("de", "digits", "doppel drei eins zwei", "DE", "3312"),
        ("fr", "card_number", "quatre deux quatre deux " * 4, "FR", "4242424242424242"),
    ],
)
def test_codes(language: str, type_name: str, text: str, region: str, value: str) -> None:
    assert _x(type_name, text, language, region=region) == value


def test_free_text_and_custom_types_get_what_was_said() -> None:
    from superdialog.slots import register_type

    assert _x("text", "sí claro, treinta y dos", "es") == "sí claro, treinta y dos"
    register_type("lang_test_upper", lambda text, ctx: text.upper())
    assert _x("lang_test_upper", "ab cinco", "es") == "AB CINCO"


# ---------------------------------------------------------------------------- properties

_WORDS = st.sampled_from(
    ["cuatro", "coma", "cinco", "mil", "y", "euros", "con", "arroba", "punto", "me", "llamo",
     "zwei", "Komma", "Millionen", "tausend", "Euro", "ät", "Punkt", "ich", "heiße", "in",
     "Tagen", "vingt", "virgule", "et", "un", "euros", "arobase", "tiret", "bas", "dans",
     "jours", "साढ़े", "सवा", "पौने", "डेढ़", "ढाई", "लाख", "रुपये", "पैसे", "एट", "द", "रेट",
     "मेरा", "नाम", "है", "बाद", "दिन", "तीन", "या", "5", "12,50", "1.200", "2,50,000", "९",
     "-", ",", "'", "o", "oder", "ou", "€", "₹", "hundertfünfzig", "soixante-dix-sept"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_WORDS, max_size=14),
    st.sampled_from(sorted(LANGUAGES)),
    st.sampled_from(TYPES),
)
def test_the_pre_pass_never_raises_and_spans_stay_in_the_callers_words(
    words: list[str], language: str, type_name: str
) -> None:
    text = " ".join(words)
    local = localise_for(type_name, text, language)
    assert len(local.starts) == len(local.ends) == len(local.text)
    assert all(0 <= a <= b <= len(text) for a, b in zip(local.starts, local.ends, strict=True))
    ctx = make_context(now=NOW, language=language, choices=["grande", "klein"])
    match = find_localised(get_type(type_name), text, ctx, language)
    if match is not None:
        assert 0 <= match.start <= match.end <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.sampled_from(sorted(LANGUAGES)), st.sampled_from(TYPES))
def test_any_text_gives_a_value_or_none(text: str, language: str, type_name: str) -> None:
    ctx = make_context(now=NOW, language=language, choices=["a", "b"])
    match = find_localised(get_type(type_name), text, ctx, language)
    if match is not None:
        assert 0 <= match.start <= match.end <= len(text)


_ENGLISH = st.sampled_from(
    ["I", "have", "3", "kids", "table", "for", "four", "at", "seven", "pm", "my", "name",
     "is", "john", "smith", "call", "me", "on", "555", "1234", "email", "dot", "com",
     "twenty", "dollars", "yes", "please", "the", "next", "friday", "thanks", "okay"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_ENGLISH, max_size=12), st.sampled_from(TYPES))
def test_english_is_untouched(words: list[str], type_name: str) -> None:
    text = " ".join(words)
    ctx = make_context(now=NOW, choices=["four", "friday"])
    assert find(type_name, text, ctx) == get_type(type_name).find(text, ctx)
    # an English number, digits or amount said in a Hindi call (code-mixing) reads the same
    if type_name in ("number", "digits", "amount", "phone", "card_number"):
        assert localise_for(type_name, text, "hi").text == text
