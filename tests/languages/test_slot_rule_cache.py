"""The per-language phrase rules: built once, and a typed Spanish domain left alone."""

from __future__ import annotations

from superdialog.slots import extract
from superdialog.slots.lang.phrases import phrase_rules


def test_rules_are_built_once_per_type_and_language() -> None:
    # more patterns than re's own cache holds: rebuilding them per utterance recompiled them
    assert phrase_rules("email", "es") is phrase_rules("email", "es")
    assert phrase_rules("email", "es") is not phrase_rules("email", "fr")


def test_a_typed_spanish_domain_is_not_read_as_the_word_es() -> None:
    # "es" after "punto" or a typed "." is Spain's domain, elsewhere the verb (-> "is")
    assert extract("email", "pues es pedro.sanchez@yahoo.es", language="es") == (
        "pedro.sanchez@yahoo.es"
    )
    assert extract("email", "es juan punto perez arroba gmail punto es", language="es") == (
        "juan.perez@gmail.es"
    )


def test_hindi_negation_after_the_word_refuses_that_choice() -> None:
    sizes = {"small": ("छोटा", "small"), "large": ("बड़ा", "large")}
    assert extract("enum", "छोटा नहीं बड़ा", language="hi", choices=sizes) == "large"
    assert extract("enum", "small nahi large", language="hi", choices=sizes) == "large"
    assert extract("enum", "बड़ा नहीं", language="hi", choices=sizes) is None


def test_a_choice_of_two_days_is_no_date_in_any_language() -> None:
    from datetime import datetime

    now = datetime(2026, 11, 30, 12, 0)
    for language, said in [
        ("hi", "सोमवार या मंगलवार"),
        ("hi", "shukravar ya shanivar"),
        ("es", "el lunes o el martes"),
        ("de", "Montag oder Dienstag"),
        ("fr", "lundi ou mardi"),
    ]:
        assert extract("date", said, language=language, now=now) is None, (language, said)


def test_a_spoken_minus_sign_before_a_number_and_never_in_at_least() -> None:
    for language, said in [
        ("es", "menos 5"),
        ("fr", "moins cinq"),
        ("de", "minus fünf"),
        ("hi", "माइनस 5"),
    ]:
        assert extract("number", said, language=language) == -5, (language, said)
    # "at least five" is a bound, no value (as in English), and never minus five
    for language, said in [
        ("fr", "au moins 5"),
        ("es", "por lo menos 5"),
        ("es", "al menos cinco"),
    ]:
        assert extract("number", said, language=language) is None, (language, said)
    assert extract("number", "cinco menos dos", language="es") == 5


def test_night_hours_are_after_midnight() -> None:
    from datetime import datetime, time

    now = datetime(2026, 11, 30, 12, 0)
    for language, said, want in [
        ("de", "um 1 Uhr nachts", time(1, 0)),
        ("de", "um 11 Uhr nachts", time(23, 0)),
        ("hi", "रात 1 बजे", time(1, 0)),
        ("hi", "रात डेढ़ बजे", time(1, 30)),
        ("hi", "रात सवा 12 बजे", time(0, 15)),
        ("hi", "रात 12 बजकर 5 मिनट", time(0, 5)),
        ("hi", "रात 8 बजे", time(20, 0)),
    ]:
        assert extract("time", said, language=language, now=now) == want, (language, said)
