"""Dates and times said in es, de and fr: the corpus, spans, and spoken forms read back."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moments_score import got, load, score

from superdialog.slots import extract, find, make_context
from superdialog.slots.lang import localise_moments
from superdialog.slots.lang.moments import MONTHS, ORDINALS
from superdialog.slots.lang.words import NUMBERS

NOW, CASES = load()


def test_corpus_has_twenty_per_language_and_type_group_and_a_held_out_part() -> None:
    for lang in ("es", "de", "fr", "hi"):
        tune = [c for c in CASES if c.part == "tune" and c.language == lang]
        assert sum(c.type_name == "date" for c in tune) >= 20
        assert sum(c.type_name != "date" for c in tune) >= 20
        assert sum(c.part == "held_out" and c.language == lang for c in CASES) >= 20


def test_corpus_accuracy_is_at_least_90_percent_with_no_wrong_values() -> None:
    for (part, lang), (right, wrong, n) in score().items():
        assert right / n >= 0.9, (part, lang, right, n)
        assert wrong == 0, (part, lang)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.language}-{c.text}")
def test_corpus_case(case: object) -> None:
    assert got(case, NOW) == case.expected  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("language", "type_name", "text", "said"),
    [
        ("es", "date", "Hola, para el tres de marzo, gracias", "el tres de marzo"),
        ("de", "time", "Ja, um halb acht bitte", "um halb acht"),
        ("fr", "time", "Oui, à quinze heures trente, merci", "à quinze heures trente"),
        ("de", "date", "Also übermorgen wäre gut", "übermorgen"),
    ],
)
def test_span_points_into_what_the_caller_said(
    language: str, type_name: str, text: str, said: str
) -> None:
    match = find(type_name, text, make_context(now=NOW, language=language))
    assert match is not None
    assert said in text[match.start : match.end] or text[match.start : match.end] in said
    assert text[match.start : match.end].strip(" ,")


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("de", "um halb acht", time(19, 30)),  # halb acht is 7:30, not 8:30
        ("de", "um halb eins", time(12, 30)),
        ("de", "um viertel vor acht abends", time(19, 45)),
        ("es", "a las diez y cinco de la noche", time(22, 5)),  # not "15"
        ("es", "a las nueve menos cuarto de la noche", time(20, 45)),
        ("fr", "à neuf heures moins le quart du soir", time(20, 45)),
        ("fr", "à 7h du matin", time(7, 0)),
    ],
)
def test_clock_phrases(language: str, text: str, value: time) -> None:
    assert extract("time", text, now=NOW, language=language) == value


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "el viernes pasado"),
        ("de", "letzten Freitag"),
        ("fr", "vendredi dernier"),
        ("de", "Guten Morgen"),
        ("es", "en marzo"),
        ("fr", "le trente-deux mars"),
        ("de", "am vierzigsten März"),
        ("hi", "कल"),  # yesterday or tomorrow
        ("hi", "परसों"),
        ("hi", "पिछले सोमवार"),
    ],
)
def test_unclear_or_impossible_phrases_give_no_date(language: str, text: str) -> None:
    assert extract("date", text, now=NOW, language=language) is None


def test_english_is_untouched_and_english_words_work_in_hindi() -> None:
    assert localise_moments("on march 3", "en").text == "on march 3"
    assert extract("date", "tomorrow", now=NOW, language="hi") == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "el viernes pasado a las ocho"),
        ("de", "letzten Freitag um acht"),
        ("fr", "vendredi dernier à vingt heures"),
        ("hi", "कल शाम सात बजे"),
        ("hi", "kal raat nau baje"),
    ],
)
def test_an_unclear_day_gives_no_datetime_but_keeps_the_time(language: str, text: str) -> None:
    assert extract("datetime", text, now=NOW, language=language) is None
    assert extract("time", text, now=NOW, language=language) is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("सा\u095d\u0947 सात बजे", time(19, 30)),  # nukta letter precomposed
        ("सा\u0922\u093cे सात बजे", time(19, 30)),  # nukta written apart
        ("सवा आठ बजे शाम को", time(20, 15)),
        ("पौने नौ बजे रात को", time(20, 45)),
        ("डेढ़ बजे", time(13, 30)),
        ("ढाई बजे", time(14, 30)),
        ("सात बजकर बीस मिनट शाम को", time(19, 20)),
        ("रात 12 बजे", time(0, 0)),
    ],
)
def test_hindi_clock_words(text: str, value: time) -> None:
    assert extract("time", text, now=NOW, language="hi") == value


def _word(language: str, n: int) -> str:
    if n == 1:
        return {"es": "una", "de": "eins", "fr": "une"}[language]
    words = [w for w, v in NUMBERS[language].items() if v == n and " " not in w]
    return sorted(words, key=len)[-1] if words else str(n)


def _day_word(language: str, day: int, as_words: bool) -> str:
    if language == "de":
        if as_words:
            return next(w for w, v in ORDINALS["de"].items() if v == day and w.endswith("en"))
        return f"{day}."
    if day == 1 and as_words:
        return {"es": "primero", "fr": "premier"}[language]
    return _word(language, day) if as_words else str(day)


def spoken_date(d: date, language: str, as_words: bool) -> str:
    """How a caller says ``d`` in ``language`` (day, month name, year in digits)."""
    month = next(w for w, e in MONTHS[language].items() if e == d.strftime("%B").lower())
    day = _day_word(language, d.day, as_words)
    if language == "es":
        return f"el {day} de {month} de {d.year}"
    if language == "de":
        return f"am {day} {month} {d.year}"
    return f"le {day} {month} {d.year}"


@settings(max_examples=150, deadline=None)
@given(
    d=st.dates(min_value=date(2026, 1, 2), max_value=date(2030, 12, 31)),
    language=st.sampled_from(["es", "de", "fr"]),
    as_words=st.booleans(),
)
def test_every_spoken_date_reads_back(d: date, language: str, as_words: bool) -> None:
    text = spoken_date(d, language, as_words)
    now = datetime(2026, 1, 1, 12, 0)
    assert extract("date", text, now=now, language=language) == d, text


@settings(max_examples=150, deadline=None)
@given(
    hour=st.integers(13, 23),
    minute=st.integers(0, 59),
    language=st.sampled_from(["es", "de", "fr"]),
    as_words=st.booleans(),
)
def test_every_24_hour_time_reads_back(
    hour: int, minute: int, language: str, as_words: bool
) -> None:
    h = _word(language, hour) if as_words else str(hour)
    m = _word(language, minute) if as_words else str(minute)
    text = {
        "es": f"a las {h} y {m}" if minute else f"a las {h}",
        "de": f"um {h} Uhr {m}" if minute else f"um {h} Uhr",
        "fr": f"à {h} heures {m}" if minute else f"à {h} heures",
    }[language]
    assert extract("time", text, now=NOW, language=language) == time(hour, minute), text


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=40), language=st.sampled_from(["es", "de", "fr", "hi"]))
def test_spans_stay_inside_the_text(text: str, language: str) -> None:
    local = localise_moments(text, language)
    assert len(local.starts) == len(local.text) == len(local.ends)
    for a, b in zip(local.starts, local.ends, strict=True):
        assert 0 <= a <= b <= len(text)
    for type_name in ("date", "time", "datetime"):
        match = find(type_name, text, make_context(now=NOW, language=language))
        if match is not None:
            assert 0 <= match.start <= match.end <= len(text)


@pytest.mark.parametrize(
    ("language", "type_name", "text", "value"),
    [
        # found by probing after the corpus: each was a wrong value before
        ("de", "date", "nächste Woche Freitag", None),  # not this week's Friday
        ("fr", "date", "la semaine prochaine", None),
        ("es", "date", "la semana que viene", None),
        ("fr", "datetime", "le 3 à 20h", datetime(2026, 12, 3, 20, 0)),  # not today
        ("es", "datetime", "el 3 a las 8 de la tarde", datetime(2026, 12, 3, 20, 0)),
        ("de", "datetime", "am 3. um 20 Uhr", datetime(2026, 12, 3, 20, 0)),
        ("es", "time", "a las doce de la noche", time(0, 0)),  # not noon
        ("fr", "time", "à minuit et demi", time(0, 30)),
    ],
)
def test_probed_phrases(language: str, type_name: str, text: str, value: object) -> None:
    got_value = extract(type_name, text, now=NOW, language=language)
    if isinstance(got_value, datetime):
        got_value = got_value.replace(tzinfo=None, second=0, microsecond=0)
    assert got_value == value


@pytest.mark.parametrize(
    ("language", "type_name", "text", "value"),
    [
        # a range or a choice is not one value (each gave its first or last part before)
        ("es", "time", "entre las siete y las ocho", None),
        ("es", "time", "entre las siete y ocho", None),  # not 7:08
        ("es", "time", "a las siete o a las ocho", None),
        ("es", "date", "el lunes o el martes", None),
        ("de", "date", "Freitag oder Samstag", None),
        ("de", "time", "zwischen 7 und 8", None),
        ("fr", "date", "le 3 ou le 4", None),
        ("fr", "time", "à 8h ou 9h", None),
        ("hi", "time", "7 ya 8 baje", None),
        # minutes before and after the hour
        ("es", "time", "a las ocho menos diez de la noche", time(19, 50)),
        ("fr", "time", "à huit heures moins dix du soir", time(19, 50)),
        ("de", "time", "fünf vor acht", time(19, 55)),
        ("de", "time", "zehn nach acht abends", time(20, 10)),
        ("de", "time", "fünf vor halb acht", time(19, 25)),
        ("de", "time", "fünf nach halb acht", time(19, 35)),
    ],
)
def test_ranges_choices_and_minutes(
    language: str, type_name: str, text: str, value: object
) -> None:
    assert extract(type_name, text, now=NOW, language=language) == value
