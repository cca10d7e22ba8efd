"""A yes or a no said by restating the question (``superdialog.slots.restated``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.slots.restated import restated

BOOK = "Hi, this is Alex from Bright Smile Dental. Are you calling to book a check-up?"
RECEIPT = "Would you like a receipt?"
ROWS = [
    # (language, question, answer, expected)
    ("en", BOOK, "I'd like to book a cleaning", True),
    ("en", BOOK, "hi, um, I'd like to book a cleaning please", True),
    ("en", BOOK, "we need to book for my son", True),
    ("en", BOOK, "I was hoping to book something next week", True),
    ("en", BOOK, "I'd like to make a booking", True),
    ("en", BOOK, "I don't want to book anything", False),
    ("en", BOOK, "I'm not calling to book", False),
    ("en", BOOK, "I want to cancel my booking", None),
    ("en", BOOK, "I'd like to reschedule", None),
    ("en", BOOK, "I want to know if I need to book", None),
    ("en", BOOK, "I'm not sure if I want to book", None),
    ("en", BOOK, "I'd like to book, but not a check-up", None),
    ("en", BOOK, "I'd like to book a cleaning instead", None),
    ("en", BOOK, "book", None),  # no lead: the yes/no words decide, not us
    ("en", BOOK, "I'm calling about my bill", None),
    ("en", RECEIPT, "I'd love a receipt", True),
    ("en", RECEIPT, "I don't need a receipt", False),
    ("en", RECEIPT, "I'd like an invoice", None),
    ("es", "¿Llama para pedir cita para una revisión?", "quiero pedir cita", True),
    ("es", "¿Llama para pedir cita para una revisión?", "quisiera una revisión", True),
    ("es", "¿Llama para pedir cita para una revisión?", "no quiero pedir cita", False),
    ("es", "¿Llama para pedir cita para una revisión?", "quiero cancelar la cita", None),
    ("fr", "Vous appelez pour prendre rendez-vous ?", "je voudrais prendre rendez-vous", True),
    ("fr", "Vous appelez pour prendre rendez-vous ?", "je ne veux pas prendre rendez-vous", False),
    ("fr", "Vous appelez pour prendre rendez-vous ?", "je voudrais annuler", None),
    ("de", "Möchten Sie einen Termin buchen?", "ich möchte einen Termin buchen", True),
    ("de", "Möchten Sie einen Termin buchen?", "ich möchte keinen Termin buchen", False),
    ("de", "Möchten Sie einen Termin buchen?", "ich möchte den Termin absagen", None),
    ("hi", "क्या आप अपॉइंटमेंट बुक करना चाहते हैं?", "मैं बुक करना चाहता हूँ", None),  # not read
]


@pytest.mark.parametrize(("language", "question", "answer", "expected"), ROWS)
def test_rows(language: str, question: str, answer: str, expected: bool | None) -> None:
    assert restated(answer, question, language) is expected


LEADS_YES = ["I'd like to", "I want to", "we need to", "I'm calling to", "I'd love to"]
LEADS_NO = ["I don't want to", "I'm not calling to", "we don't need to", "I wouldn't like to"]
VERBS = ["book", "order", "renew", "report", "pay", "check", "change", "transfer", "return"]
TAILS = ["", " today", " please", " for my daughter", " as soon as possible", " this week"]
OTHER = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.'", max_size=40)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    verb=st.sampled_from(VERBS),
    asked=st.sampled_from(VERBS),
    lead=st.sampled_from(LEADS_YES + LEADS_NO),
    tail=st.sampled_from(TAILS),
)
def test_only_the_questions_own_verb_decides(verb: str, asked: str, lead: str, tail: str) -> None:
    question = f"Are you calling to {asked} something?"
    got = restated(f"{lead} {verb}{tail}", question)
    if verb != asked:
        assert got is None
    else:
        assert got is (lead in LEADS_YES)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    verb=st.sampled_from(VERBS),
    lead=st.sampled_from(LEADS_YES + LEADS_NO),
    away=st.sampled_from(["but", "instead", "rather", "actually", "not"]),
    tail=st.sampled_from(TAILS),
)
def test_an_answer_that_turns_away_gives_nothing(
    verb: str, lead: str, away: str, tail: str
) -> None:
    assert restated(f"{lead} {verb}{tail} {away} something", f"Do you want to {verb}?") is None
    assert restated(f"{away} {lead} {verb}{tail}", f"Do you want to {verb}?") is None


@settings(max_examples=300, derandomize=True, deadline=None)
@given(answer=OTHER, question=OTHER)
def test_words_without_a_wish_give_nothing(answer: str, question: str) -> None:
    if not any(w in answer for w in ("like", "want", "need", "wanna", "love", "hop", "plan",
                                     "calling", "phoning", "ringing", "looking", "trying",
                                     "here", "mean")):  # fmt: skip
        assert restated(answer, question) is None


ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("said", "next_line"),
    [
        ("hi I'd like to book a cleaning", "Can I have your full name, please?"),
        ("I'm calling to book", "Can I have your full name, please?"),
        ("I don't want to book anything", "Let me connect you with a colleague."),
        (
            "I want to know the prices",
            "Sorry, I didn't catch that. Are you calling to book a check-up?",
        ),
    ],
)
async def test_a_call_reads_the_question_it_asked(said: str, next_line: str) -> None:
    """The yes/no slot of a live call is read against the agent's own last line."""
    import superdialog
    from superdialog.testing import RecordingSession

    m = superdialog.load(ROOT / "flows" / "dental_booking.yaml").build(RecordingSession())
    await m.start()
    assert await m.turn(said) == next_line
