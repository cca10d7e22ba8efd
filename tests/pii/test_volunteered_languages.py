"""A card or an SSN read out digit by digit in another language is masked too.

Found by the caller probes: a caller who switched to German, French or Hindi
in a flow that speaks English (and Spanish) read their card as "vier eins
eins eins …"; the card type reads the call's language, the masker knew
English number words only, so the whole card stayed in the history, the
snapshot and the next prompt. Digit words of every language we speak are
read as digits when volunteered values are looked for and when text is masked.
"""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.testing import RecordingSession

DIGITS = {
    "es": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"],
    "de": ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"],
    "fr": ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"],
    "hi": ["शून्य", "एक", "दो", "तीन", "चार", "पांच", "छह", "सात", "आठ", "नौ"],
}
FLOW = """
flow: polyglot
languages: LANGS
slots:
  name: {type: name, prompt: PROMPT}
  card: {type: card_number, pii: true, mask: last4, prompt: PROMPT}
  ssn: {type: digits, pii: true, min_length: 9, max_length: 9, prompt: PROMPT}
start: hello
states:
  hello: {collect: [name], next: pay}
  pay: {pii: true, collect: [card, ssn], next: done}
  done: {say: PROMPT, end: completed}
"""
CARD = "4111111111111111"
SSN = "123456789"


def _flow(languages: list[str]) -> superdialog.Flow:
    prompt = "{" + ", ".join(f"{lang}: 'Hello?'" for lang in languages) + "}"
    text = FLOW.replace("LANGS", "[" + ", ".join(languages) + "]").replace("PROMPT", prompt)
    return superdialog.loads(text, f"polyglot_{'_'.join(languages)}.yaml")


def _as_digits(text: str) -> str:
    """Every digit word of every language as its digit (the test's own table)."""
    table = {w: str(d) for words in DIGITS.values() for d, w in enumerate(words)}
    words = re.findall(r"\d|[^\s\d,.\"\[\]{}:]+", text.lower())
    return "".join(table.get(w, w) for w in words if w in table or w.isdigit())


@settings(derandomize=True, deadline=None, max_examples=48)
@given(
    flow_langs=st.sampled_from([["en"], ["en", "es"]]),
    said_in=st.sampled_from(sorted(DIGITS)),
    value=st.sampled_from([CARD, SSN]),
    lead=st.sampled_from(["", "my number is ", "meine Nummer ist ", "c'est "]),
    sep=st.sampled_from([" ", ", "]),
)
async def test_digits_read_out_in_any_of_our_languages_are_masked(
    flow_langs: list[str], said_in: str, value: str, lead: str, sep: str
) -> None:
    words = DIGITS[said_in]
    said = lead + sep.join(words[int(d)] for d in value)
    machine = _flow(flow_langs).build(RecordingSession(), trace=True)
    await machine.start()
    async for _ in machine.stream(said, language=said_in):
        pass
    kept = json.dumps([machine.snapshot(), machine.trace_record()], ensure_ascii=False)
    assert value not in _as_digits(kept), kept


def test_digit_words_in_ordinary_sentences_are_left_alone() -> None:
    from superdialog.pii import Masker

    m = Masker()
    m.add(CARD)
    for text in ("un deux trois", "eins zwei drei, vier", "uno dos tres", "do you have one"):
        assert m.mask(text) == text
