"""Generated flows for the property test: valid by construction, of many shapes.

``flows()`` is a hypothesis strategy for ``GenFlow``: a flow's YAML text
(loaded with ``superdialog.loads``) together with everything a scripted caller,
model and backend need to play it — which slots it asks for, which values are
secret and every way they can be written or said, what each action returns.

Shape. A *chain* of 2-8 states from ``start`` to a closing state (an end with
a built-in or custom reason, or a transfer to a queue or an agent, cold or warm
with an announcement reading slots). Each chain state is one of:

* speak (``say`` + ``next``), or a *listening* speak state with ``intent:``
  edges, ``retries`` and ``on_fail``;
* collect (1-2 typed slots, some ``confirm``, some with a ``validator`` bound
  per call; sometimes ``if:`` edges over what was collected and edge lines);
* branch (``if:`` over slots, results, ``session`` or ``context``);
* action (a Python action bound per call, sync or async, with holding line,
  filler, ``result:`` name, ``pii: true`` or ``pii: [paths]``, ``on_error``,
  ``if:`` over its result);
* LLM (instruction reading slots, results and context; 1-3 ``when:`` edges
  forward, to a side exit, or back to an earlier chain state; ``on_error``).

Any of them may be ``pii: true`` (recording paused), also right before the
closing state, and the closing state itself may be. Side exits (ends and
transfers, some PII, some reading slots and results) hang off branches,
``on_fail``/``on_error`` and ``when:`` edges; global intents (``human``,
``goodbye``, ``start_over``, a custom one, per-state overrides and
``disable_global``) lead to their own exits.

Validity by construction: side exits never lead back into the chain and back
edges only go backwards, so every state that reads ``slots.X`` or
``results.R.f`` can only be reached through the state that collected ``X``
(and moved on) or through ``R``'s success edge — the flow never fails by
itself on a name that is not defined yet (only on purpose: a missing
``session`` key, an action whose result lacks a field).

Secrets. Every PII slot of a type with distinctive values (card number,
digits, date of birth, phone, email, postal code, name, number, amount, text
id) gets a value drawn from a seeded RNG — distinctive even when hypothesis
shrinks the seed — with all the renderings a caller, a model or an action may
produce (``Secret.forms``), the ones the slot type parses back to it
(``Secret.says``), and a ``harness.Canary`` that finds it in any of them.
PII fields of action results (dates, ``Decimal``, ints, nested dicts and
lists, strings) get their own secrets; results may also echo a PII argument
back in another type.

Languages. ``flows(multilingual=p)`` makes a share ``p`` of the flows declare
2-3 of en, es, de, fr and hi (the first, any of them, is the default) and give
every spoken text per language (``translate``: short real phrases, the same
Jinja placeholders in each): ``say`` lines, prompts (some as variants, a
language giving fewer than the default), edge and rule lines, holding lines,
fillers, announcements, sometimes the flow's own ``messages``. Intent phrases
are per language or one list of every language's words. In a third of them
one language's texts live in a message file (``translations:``), and a text
left with the default language alone becomes a plain string (the file adds
the rest). ``GenFlow.texts`` keeps every text per language (for checking what
a call says), ``SlotInfo.answers_lang`` what a caller of each language says to
fill a slot (only phrases the slot type reads in that language and region),
``listen_lang``/``intent_phrases_lang`` the intent words per language. With
``p == 0`` (the default) nothing is drawn, so English-only runs are unchanged.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

import superdialog
from superdialog.flow import Flow

from .harness import Canary, Projection, spoken_digits

__all__ = [
    "ActionInfo",
    "FieldInfo",
    "GenFlow",
    "Secret",
    "SlotInfo",
    "flows",
]

# ------------------------------------------------------------------------------ secrets

_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TENS_W = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_TEENS_W = [
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
]  # fmt: skip
_ORD_W = [
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
]  # fmt: skip
_MONTH_W = [
    "", "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
_SYLLABLES = [
    "var", "nek", "olt", "mire", "zeb", "qua", "rin", "tal", "dor", "vex", "bram", "quill",
    "sor", "lin", "dak", "mor", "fen", "wick", "hal", "jor", "pell", "tusk",
]  # fmt: skip
_ID_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0
_POSTCODE_OUT = ["SW1A", "EC1A", "W1A", "M1", "B33", "CR2", "DN55", "LS1", "G2", "EH1"]
_US_AREAS = [212, 312, 415, 503, 617, 702, 206, 303, 404, 512]


def below_100(n: int) -> str:
    """``42`` -> ``"forty two"``."""
    if n < 10:
        return _WORDS[n]
    if n < 20:
        return _TEENS_W[n - 10]
    return _TENS_W[n // 10] + ("" if n % 10 == 0 else " " + _WORDS[n % 10])


def cardinal(n: int) -> str:
    """``482135`` -> ``"four hundred eighty two thousand one hundred thirty five"``."""
    if n == 0:
        return "zero"
    parts = []
    if n >= 1000:
        parts.append(cardinal(n // 1000) + " thousand")
        n %= 1000
    if n >= 100:
        parts.append(_WORDS[n // 100] + " hundred")
        n %= 100
    if n:
        parts.append(below_100(n))
    return " ".join(parts)


def ordinal(n: int) -> str:
    """``23`` -> ``"twenty third"``."""
    if n <= 20:
        return _ORD_W[n]
    if n % 10 == 0:
        return _TENS_W[n // 10][:-1] + "ieth"
    return _TENS_W[n // 10] + " " + _ORD_W[n % 10]


def nth(n: int) -> str:
    """``2`` -> ``"2nd"``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def spoken_year(y: int) -> str:
    """``1979`` -> ``"nineteen seventy nine"``; ``2005`` -> ``"two thousand and five"``."""
    if 2000 <= y < 2010:
        return "two thousand" + ("" if y == 2000 else " and " + _WORDS[y % 10])
    hi, lo = divmod(y, 100)
    return (
        below_100(hi)
        + " "
        + ("hundred" if lo == 0 else ("oh " + _WORDS[lo]) if lo < 10 else below_100(lo))
    )


def with_oh(digits: str) -> str:
    return " ".join("oh" if d == "0" else _WORDS[int(d)] for d in digits)


def compressed(digits: str) -> str:
    """Spoken digits with "double" and "triple" for repeats ("four triple one…")."""
    out: list[str] = []
    i = 0
    while i < len(digits):
        j = i
        while j < len(digits) and digits[j] == digits[i] and j - i < 3:
            j += 1
        n = j - i
        word = _WORDS[int(digits[i])]
        out.append({1: word, 2: "double " + word, 3: "triple " + word}[n])
        i = j
    return " ".join(out)


def pairs(digits: str) -> str | None:
    """Digits read two by two ("forty five thirty nine…"); None if a pair starts with 0."""
    if len(digits) % 2 or any(digits[i] == "0" for i in range(0, len(digits), 2)):
        return None
    return " ".join(below_100(int(digits[i : i + 2])) for i in range(0, len(digits), 2))


def grouped(digits: str, size: int, sep: str) -> str:
    return sep.join(digits[i : i + size] for i in range(0, len(digits), size))


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return partial + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class Secret:
    """A planted personal value: every rendering of it, and the canary that finds them.

    Attributes:
        label: Where it was planted (``slot card_3``, ``result r_act_2.dob``).
        kind: card, digits, date, phone, email, postcode, name, id, number, amount.
        value: The canonical value (str, ``date``, ``Decimal``, int).
        forms: Every way a caller, a model or an action may write or say it.
        says: The forms the slot type parses back to ``value`` (caller answers).
        canary: Finds the value in any rendering (``harness.Canary``).
        sentence: How a caller volunteers it ("my card {} was stolen too").

    """

    label: str
    kind: str
    value: Any
    forms: tuple[str, ...]
    says: tuple[str, ...]
    canary: Canary
    sentence: str

    def native(self, how: str) -> Any:
        """The value as an action might return it: ``str``, ``int``, ``date``, ``Decimal``…"""
        v = self.value
        if how == "int" and isinstance(v, str) and v.isdigit():
            return int(v)
        if how == "grouped" and isinstance(v, str) and v.isdigit():
            return grouped(v, 4, " ")
        if how == "spoken" and isinstance(v, str) and v.isdigit():
            return spoken_digits(v)
        if how == "nested":
            return {"owner": {"value": v, "since": 2011}}
        if how == "list":
            return [v]
        return v


_SENTENCES = {
    "card": "my card {} was stolen too",
    "digits": "oh and the account is {} by the way",
    "date": "I was born on {} if that helps",
    "phone": "you can call me back on {}",
    "email": "my email is {} by the way",
    "postcode": "I live at {} now",
    "name": "this is {} speaking",
    "id": "my reference is {} if you need it",
    "number": "I earn {} a year",
    "amount": "I still owe {}",
}


def _canary(label: str, kind: str, value: Any, llm_ok: bool) -> Canary:
    if kind in ("card", "digits", "number"):
        return Canary(label, digits=(str(value),), llm_ok=llm_ok)
    if kind == "phone":
        national = str(value)[2:] if str(value).startswith("+1") else str(value)[3:]
        return Canary(label, digits=(national,), llm_ok=llm_ok)
    if kind == "amount":
        whole = str(int(value))
        return Canary(label, digits=(whole,), llm_ok=llm_ok)
    if kind == "date":
        d: dt.date = value
        return Canary(
            label,
            digits=(d.strftime("%Y%m%d"), d.strftime("%d%m%Y"), d.strftime("%m%d%Y")),
            date=d,
            llm_ok=llm_ok,
        )
    flat = Projection(str(value).replace("@", " at ").replace(".", " dot ")).alnum[0]
    return Canary(label, alnum=(flat,), llm_ok=llm_ok)


def _forms(kind: str, value: Any) -> list[str]:
    """Every rendering of a value of ``kind``."""
    if kind in ("card", "digits"):
        v = str(value)
        out = [
            v,
            grouped(v, 4, " "),
            grouped(v, 4, "-"),
            grouped(v, 4, "."),
            grouped(v, 3, " "),
            grouped(v, 2, " "),
            spoken_digits(v),
            with_oh(v),
            compressed(v),
            grouped(v[:8], 4, " ") + " " + spoken_digits(v[8:]),
        ]
        p = pairs(v)
        if p:
            out.append(p)
        return out
    if kind == "date":
        d: dt.date = value
        month = _MONTH_W[d.month]
        return [
            d.isoformat(),
            d.strftime("%d/%m/%Y"),
            d.strftime("%m/%d/%Y"),
            f"{d.day}/{d.month}/{d.year}",
            f"{d.month}/{d.day}/{d.year}",
            f"the {nth(d.day)} of {month} {d.year}",
            f"{month} {ordinal(d.day)} {spoken_year(d.year)}",
            f"the {ordinal(d.day)} of {month}, {spoken_year(d.year).replace(' ', '-', 1)}",
            f"{month} {d.day}, {d.year}",
            d.strftime("%d.%m.%Y"),
            f"{d.day} {month[:3]} {d.year}",
        ]
    if kind == "phone":
        v = str(value)
        if v.startswith("+1"):
            n = v[2:]
            return [
                f"({n[:3]}) {n[3:6]}-{n[6:]}",
                f"{n[:3]}-{n[3:6]}-{n[6:]}",
                f"{n[:3]}.{n[3:6]}.{n[6:]}",
                f"+1 {n[:3]} {n[3:6]} {n[6:]}",
                spoken_digits(n),
                with_oh(n),
                compressed(n),
            ]
        n = "0" + v[3:]
        return [
            f"{n[:3]} {n[3:7]} {n[7:]}",
            f"+44 {n[1:3]} {n[3:7]} {n[7:]}",
            f"{n[:3]}-{n[3:7]}-{n[7:]}",
            with_oh(n),
            spoken_digits(n),
        ]
    if kind == "email":
        v = str(value)
        local, domain = v.split("@")
        spoken = f"{local.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}"
        return [v, v.upper(), spoken, v.capitalize()]
    if kind == "name":
        v = str(value)
        return [v, v.lower(), v.upper(), f"my name is {v}", f"it's {v}"]
    if kind == "id":
        v = str(value)
        flat = v.replace("-", "")
        spelled = " ".join(_WORDS[int(c)] if c.isdigit() else c for c in flat)
        return [v, v.replace("-", " "), flat.lower(), v.lower().replace("-", "."), spelled]
    if kind == "postcode":
        v = str(value)
        out_, in_ = v.split(" ")
        spelled = " ".join(_WORDS[int(c)] if c.isdigit() else c for c in out_ + in_)
        return [v, v.lower().replace(" ", ""), spelled, v.lower()]
    if kind == "number":
        n = int(value)
        return [str(n), f"{n:,}", cardinal(n)]
    if kind == "amount":
        a: Decimal = value
        whole, cents = int(a), int((a * 100) % 100)
        return [
            f"${whole:,}.{cents:02d}",
            f"{a} dollars",
            f"{cardinal(whole)} dollars and {below_100(cents)} cents",
            f"${a}",
        ]
    raise AssertionError(kind)


_SLOT_TYPE = {
    "card": "card_number",
    "digits": "digits",
    "date": "date",
    "phone": "phone",
    "email": "email",
    "postcode": "postal_code",
    "name": "name",
    "id": "text",
    "number": "number",
    "amount": "amount",
}


@cache
def _parses(kind: str, form: str, region: str) -> Any:
    from superdialog.slots import find, make_context

    match = find(_SLOT_TYPE[kind], form, make_context(region=region))
    return None if match is None else match.value


def _same(kind: str, parsed: Any, value: Any) -> bool:
    if parsed is None:
        return False
    if kind == "amount":
        return getattr(parsed, "value", None) == value
    if kind == "id":
        return True  # a text slot keeps the words as said
    return str(parsed) == str(value)


def _value(kind: str, rng: random.Random, region: str) -> Any:
    """A distinctive value of ``kind``."""
    if kind == "card":
        prefix = rng.choice(["4", "51", "52", "53", "54", "55"])
        body = prefix + "".join(str(rng.randrange(10)) for _ in range(15 - len(prefix)))
        return luhn_complete(body)
    if kind == "digits":
        return str(rng.randrange(10_000_000, 10 ** rng.choice([8, 9, 10])))
    if kind == "date":
        return dt.date(rng.randrange(1935, 2003), rng.randrange(1, 13), rng.randrange(1, 29))
    if kind == "phone":
        if region == "GB":
            return f"+44207{rng.randrange(100, 1000)}{rng.randrange(1000, 10000)}"
        exchange = rng.choice([n for n in range(201, 1000) if n % 100 != 11 and n != 555])
        return f"+1{rng.choice(_US_AREAS)}{exchange}{rng.randrange(1000, 10000)}"
    if kind == "email":
        local = rng.choice(_SYLLABLES) + "." + rng.choice(_SYLLABLES) + str(rng.randrange(10, 99))
        return f"{local}@{rng.choice(['example.org', 'mailbox.net', 'post.example.com'])}"
    if kind == "name":
        first = (rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)).capitalize()
        last = (rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)).capitalize()
        return f"{first} {last}"
    if kind == "id":
        a = "".join(rng.choice(_ID_LETTERS) for _ in range(2))
        return (
            f"{a}-{rng.randrange(100, 1000)}-{rng.randrange(100, 1000)}-"
            f"{rng.randrange(1, 10)}{rng.choice(_ID_LETTERS)}"
        )
    if kind == "postcode":
        return (
            f"{rng.choice(_POSTCODE_OUT)} {rng.randrange(1, 10)}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
    if kind == "number":
        return rng.randrange(100_000, 1_000_000)
    if kind == "amount":
        return Decimal(f"{rng.randrange(100_000, 1_000_000)}.{rng.randrange(10, 100)}")
    raise AssertionError(kind)


def make_secret(
    label: str, kind: str, rng: random.Random, region: str, *, llm_ok: bool, taken: list[Secret]
) -> Secret:
    """A new secret of ``kind`` that no other secret of the flow contains or is part of."""
    for _ in range(50):
        value = _value(kind, rng, region)
        canary = _canary(label, kind, value, llm_ok)
        forms = tuple(_forms(kind, value))
        if any(_overlap(canary, s.canary) for s in taken) or any(
            canary.found_in(v) for v in FIXED_ANSWERS
        ):
            continue
        says = tuple(f for f in forms if _same(kind, _parses(kind, f, region), value))
        if kind not in ("id", "name") or says:
            return Secret(label, kind, value, forms, says, canary, _SENTENCES[kind])
    raise AssertionError(f"no distinctive {kind} value")


def _overlap(a: Canary, b: Canary) -> bool:
    pa = [*a.digits, *a.alnum]
    pb = [*b.digits, *b.alnum]
    return any(x in y or y in x for x in pa for y in pb) or (
        a.date is not None and a.date == b.date
    )


# ------------------------------------------------------------------------------ slots

# Answers that fill non-PII slots (never secrets): the caller's words for them.
PLAIN_ANSWERS: dict[str, tuple[str, ...]] = {
    "yes_no": ("yes", "no", "yes please", "nope"),
    "enum": ("the premium one", "basic", "plus please"),
    "number": ("forty two", "seven", "twelve"),
    "amount": ("twenty dollars", "fifty five dollars"),
    "text": ("it's about my bill", "the router keeps dropping"),
    "name": ("Maria Lopez", "my name is John Smith"),
    "date": ("next tuesday", "tomorrow", "next friday"),
    "digits": ("four four seven one", "nine one two three"),
    "email": ("maria at example dot com",),
    "phone": ("two one two five five five zero one nine nine",),
    "postal_code": ("nine oh two one oh",),
}
PLAIN_ANSWERS_GB = {
    **PLAIN_ANSWERS,
    "phone": ("oh two oh seven nine four six oh nine five eight",),
    "postal_code": ("SW1A 2AA",),
}
FIXED_ANSWERS: tuple[str, ...] = tuple(
    {a for table in (PLAIN_ANSWERS, PLAIN_ANSWERS_GB) for v in table.values() for a in v}
)

# ------------------------------------------------------------------------------ languages

LANGUAGES = ("en", "es", "de", "fr", "hi")
"""The languages a generated flow may declare (those with built-in messages and slot words)."""

# How a caller of each language answers a plain slot (filtered per flow: only the phrases the
# slot type reads back in that language and region are kept, see ``_reads_in``).
PLAIN_ANSWERS_LANG: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "yes_no": ("sí", "no", "sí claro", "no gracias"),
        "enum": ("el premium", "basic", "plus por favor"),
        "number": ("cinco", "doce", "cuarenta y dos"),
        "amount": ("veinte dólares", "cincuenta y cinco dólares"),
        "text": ("es sobre mi factura",),
        "name": ("me llamo María López",),
        "date": ("mañana", "el próximo viernes", "pasado mañana"),
        "digits": ("cuatro cuatro siete uno", "nueve uno dos tres"),
        "email": ("maria arroba example punto com",),
        "phone": (
            "dos uno dos cinco cinco cinco cero uno nueve nueve",
            "cero dos cero siete nueve cuatro seis cero nueve cinco ocho",
        ),
        "postal_code": ("nueve cero dos uno cero", "SW1A 2AA"),
    },
    "de": {
        "yes_no": ("ja", "nein", "ja gerne", "nein danke"),
        "enum": ("das Premium", "basic", "plus bitte"),
        "number": ("fünf", "zwölf", "zweiundvierzig"),
        "amount": ("zwanzig Dollar", "fünfundfünfzig Dollar"),
        "text": ("es geht um meine Rechnung",),
        "name": ("mein Name ist Maria Lopez", "ich heiße Maria Lopez"),
        "date": ("morgen", "nächsten Freitag", "übermorgen"),
        "digits": ("vier vier sieben eins", "neun eins zwei drei"),
        "email": ("maria ät example punkt com",),
        "phone": (
            "zwei eins zwei fünf fünf fünf null eins neun neun",
            "null zwei null sieben neun vier sechs null neun fünf acht",
        ),
        "postal_code": ("neun null zwei eins null", "SW1A 2AA"),
    },
    "fr": {
        "yes_no": ("oui", "non", "oui merci", "non merci"),
        "enum": ("le premium", "basic", "plus s'il vous plaît"),
        "number": ("cinq", "douze", "quarante-deux"),
        "amount": ("vingt dollars", "cinquante-cinq dollars"),
        "text": ("c'est pour ma facture",),
        "name": ("je m'appelle Maria Lopez",),
        "date": ("demain", "vendredi prochain", "après-demain"),
        "digits": ("quatre quatre sept un", "neuf un deux trois"),
        "email": ("maria arobase example point com",),
        "phone": (
            "deux un deux cinq cinq cinq zéro un neuf neuf",
            "zéro deux zéro sept neuf quatre six zéro neuf cinq huit",
        ),
        "postal_code": ("neuf zéro deux un zéro", "SW1A 2AA"),
    },
    "hi": {
        "yes_no": ("हाँ", "नहीं", "हाँ जी", "नहीं जी"),
        "enum": ("premium वाला", "basic", "plus"),
        "number": ("पाँच", "बारह", "बयालीस"),
        "amount": ("बीस डॉलर", "पचपन डॉलर"),
        "text": ("मेरे बिल के बारे में",),
        "name": ("मेरा नाम राहुल शर्मा है",),
        "date": ("शुक्रवार को", "आज", "15 तारीख"),
        "digits": ("चार चार सात एक", "नौ एक दो तीन"),
        "email": ("maria at example dot com",),
        "phone": (
            "दो एक दो पाँच पाँच पाँच शून्य एक नौ नौ",
            "शून्य दो शून्य सात नौ चार छह शून्य नौ पाँच आठ",
        ),
        "postal_code": ("नौ शून्य दो एक शून्य", "SW1A 2AA"),
    },
}
_ENUM_CHOICES = {"basic": ["basic"], "plus": ["plus"], "premium": ["premium", "the premium one"]}

# Every spoken text of a generated flow, per language (by its English words, without the
# final full stop); "Step {i}: …" lines are the step word and the rest.
_STEP = {"en": "Step", "es": "Paso", "de": "Schritt", "fr": "Étape", "hi": "चरण"}
_PHRASES: dict[str, dict[str, str]] = {
    "here is some information": {
        "es": "aquí tiene la información",
        "de": "hier sind die Informationen",
        "fr": "voici les informations",
        "hi": "यह रही जानकारी",
    },
    "shall we carry on? Say continue or stop": {
        "es": "¿seguimos? Diga continuar o parar",
        "de": "machen wir weiter? Sagen Sie weiter oder stopp",
        "fr": "on continue ? Dites continuer ou arrêter",
        "hi": "क्या हम आगे बढ़ें? जारी रखें या रुकें बोलिए",
    },
    "a few questions": {
        "es": "unas preguntas",
        "de": "ein paar Fragen",
        "fr": "quelques questions",
        "hi": "कुछ सवाल",
    },
    "let me look into that": {
        "es": "déjeme revisarlo",
        "de": "ich sehe mir das an",
        "fr": "je regarde cela",
        "hi": "मैं इसे देखता हूँ",
    },
    "how can I help?": {
        "es": "¿en qué puedo ayudarle?",
        "de": "wie kann ich helfen?",
        "fr": "comment puis-je vous aider ?",
        "hi": "मैं कैसे मदद करूँ?",
    },
    "Great": {"es": "Estupendo", "de": "Prima", "fr": "Parfait", "hi": "बढ़िया"},
    "One moment while I check that": {
        "es": "Un momento mientras lo compruebo",
        "de": "Einen Moment, ich prüfe das",
        "fr": "Un instant, je vérifie",
        "hi": "एक पल, मैं जाँच रहा हूँ",
    },
    "Just a moment": {
        "es": "Un momentito",
        "de": "Augenblick bitte",
        "fr": "Juste un instant",
        "hi": "बस एक पल",
    },
    "Alright": {"es": "Muy bien", "de": "Alles klar", "fr": "Très bien", "hi": "ठीक है जी"},
    "All done, goodbye": {
        "es": "Todo listo, adiós",
        "de": "Alles erledigt, auf Wiederhören",
        "fr": "C'est fait, au revoir",
        "hi": "सब हो गया, नमस्ते",
    },
    "Caller is verified": {
        "es": "La persona está verificada",
        "de": "Der Anrufer ist verifiziert",
        "fr": "L'appelant est vérifié",
        "hi": "कॉलर सत्यापित है",
    },
    "Thanks for calling": {
        "es": "Gracias por llamar",
        "de": "Danke für Ihren Anruf",
        "fr": "Merci de votre appel",
        "hi": "कॉल करने के लिए धन्यवाद",
    },
    "Caller needs help": {
        "es": "La persona necesita ayuda",
        "de": "Der Anrufer braucht Hilfe",
        "fr": "L'appelant a besoin d'aide",
        "hi": "कॉलर को मदद चाहिए",
    },
    "Let me get a colleague": {
        "es": "Le paso con un compañero",
        "de": "Ich hole einen Kollegen",
        "fr": "Je vous passe un collègue",
        "hi": "मैं एक सहकर्मी को बुलाता हूँ",
    },
    "Goodbye!": {"es": "¡Adiós!", "de": "Tschüss!", "fr": "Bonne journée !", "hi": "अलविदा!"},
    "Sorry, something went wrong on our side": {
        "es": "Perdone, hubo un fallo por nuestra parte",
        "de": "Verzeihung, bei uns gab es einen Fehler",
        "fr": "Navré, nous avons eu un souci",
        "hi": "क्षमा करें, हमारी तरफ़ गड़बड़ हुई",
    },
    "Let's finish this first": {
        "es": "Terminemos esto primero",
        "de": "Bringen wir das zuerst zu Ende",
        "fr": "Finissons d'abord ceci",
        "hi": "पहले इसे पूरा करते हैं",
    },
    "Are you still there?": {
        "es": "¿Sigue ahí?",
        "de": "Sind Sie noch da?",
        "fr": "Vous êtes toujours là ?",
        "hi": "क्या आप अभी भी लाइन पर हैं?",
    },
    "Sorry, I did not get that": {
        "es": "Perdón, no lo he captado",
        "de": "Verzeihung, das kam nicht an",
        "fr": "Désolé, je n'ai pas saisi",
        "hi": "माफ़ कीजिए, समझ नहीं आया",
    },
    "What is your {}?": {
        "es": "¿Cuál es su {}?",
        "de": "Wie lautet Ihr {}?",
        "fr": "Quel est votre {} ?",
        "hi": "आपका {} क्या है?",
    },
    "And your {}, please?": {
        "es": "¿Y su {}, por favor?",
        "de": "Und Ihr {}, bitte?",
        "fr": "Et votre {}, s'il vous plaît ?",
        "hi": "और आपका {}, कृपया?",
    },
}
_STEP_LINE = re.compile(r"^Step (\d+): (.*)$")
# A flow's own intents, per language (given per language in some flows, as one list in others)
_INTENTS_LANG: dict[str, dict[str, list[str]]] = {
    "complaint": {
        "es": ["poner una queja"],
        "de": ["eine Beschwerde einreichen"],
        "fr": ["porter plainte"],
        "hi": ["शिकायत दर्ज करनी है"],
    },
    "go_on": {
        "es": ["continuar", "sigamos"],
        "de": ["weiter", "machen wir weiter"],
        "fr": ["continuer", "on continue"],
        "hi": ["जारी रखें", "आगे बढ़ें"],
    },
    "stop_here": {
        "es": ["parar aquí", "nada más"],
        "de": ["hier aufhören", "nichts mehr"],
        "fr": ["arrêter là", "plus rien"],
        "hi": ["यहीं रुकें", "बस करें"],
    },
}


def translate(en: str, lang: str, slot: str = "") -> str:
    """A generated flow's English text in ``lang`` (``slot`` fills a prompt's ``{}``)."""
    if lang == "en":
        return en.format(slot) if slot else en
    m = _STEP_LINE.match(en)
    if m:
        return f"{_STEP[lang]} {m.group(1)}: {translate(m.group(2), lang)}"
    stop = en.endswith(".")
    words = _PHRASES[en[:-1] if stop else en][lang]
    return (words.format(slot) if slot else words) + ("." if stop else "")


@cache
def _reads_in(typ: str, text: str, region: str, lang: str) -> bool:
    """Whether a slot of type ``typ`` reads a value from ``text`` said in ``lang``."""
    from superdialog.slots import find, make_context

    choices = _ENUM_CHOICES if typ == "enum" else None
    ctx = make_context(region=region, language=lang, choices=choices)
    return find(typ, text, ctx) is not None


@cache
def _parses_in(kind: str, form: str, region: str, lang: str) -> Any:
    from superdialog.slots import find, make_context

    match = find(_SLOT_TYPE[kind], form, make_context(region=region, language=lang))
    return None if match is None else match.value


@dataclass(frozen=True)
class SlotInfo:
    """A slot of the generated flow and how a caller answers it."""

    name: str
    type: str
    pii: bool
    secret: Secret | None  # PII slots with distinctive values
    answers: tuple[str, ...]  # what a caller says to fill it
    answers_lang: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """What a caller of another language says to fill it (phrases the slot reads in it)."""


@dataclass(frozen=True)
class FieldInfo:
    """One field of an action's result.

    ``how``: ``secret`` (a declared PII value, ``secret`` set, in type ``shape``),
    ``echo`` (the action hands back its argument ``arg`` — a PII slot's value —
    in type ``shape``), ``plain`` (``value``).
    """

    how: str
    secret: Secret | None = None
    arg: str | None = None
    shape: str = "str"
    value: Any = None


@dataclass(frozen=True)
class ActionInfo:
    """An action state of the generated flow: what its bound callable must do."""

    state: str
    name: str
    sync: bool
    timeout: float
    holding_after: float
    holding_line: bool
    result: str
    fields: dict[str, FieldInfo]
    args: tuple[str, ...]  # argument names (the slot or field each one carries)
    arg_slots: dict[str, str]  # argument -> PII slot it carries (for echoes)


@dataclass
class GenFlow:
    """A generated flow and everything needed to play a call of it."""

    yaml: str
    slots: dict[str, SlotInfo]
    actions: dict[str, ActionInfo]  # by action state
    listen_phrases: dict[str, tuple[str, ...]]  # listening speak state -> phrases of its edges
    intent_phrases: tuple[str, ...]  # custom intents' phrases
    secrets: list[Secret]
    region: str
    validators: tuple[str, ...] = ()  # validator names the slots use
    languages: tuple[str, ...] = ("en",)  # what the flow declares (the first is its default)
    texts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Every text the flow may speak, per language (Jinja templates, variants apart)."""
    files: dict[str, str] = field(default_factory=dict)
    """Message files beside the flow (name -> YAML): the flow is loaded from a folder."""
    listen_lang: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """Listening state -> language -> phrases of its edges that match in that language."""
    intent_phrases_lang: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The flow's own intents' phrases a caller of each language says."""
    flow: Flow = field(init=False, repr=False)
    tools: dict[str, tuple[str, ...]] = field(init=False, repr=False)  # LLM state -> tools

    def __post_init__(self) -> None:
        if self.files:  # message files are named relative to the flow's file
            with tempfile.TemporaryDirectory(prefix="genflow-") as folder:
                for name, text in {"generated.yaml": self.yaml, **self.files}.items():
                    (Path(folder) / name).write_text(text, encoding="utf-8")
                self.flow = superdialog.load(Path(folder) / "generated.yaml")
        else:
            self.flow = superdialog.loads(self.yaml, "generated.yaml")
        g = self.flow.graph
        self.tools = {
            name: tuple(e.tool_name for e in s.edges if e.kind == "when" and e.tool_name)
            for name, s in g.states.items()
            if s.llm is not None
        }

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the compiled flow (rebuilt from the YAML): cases can be saved."""
        state = dict(self.__dict__)
        state.pop("flow", None)
        state.pop("tools", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def canaries(self) -> list[Canary]:
        return [s.canary for s in self.secrets]

    @property
    def pii_slot_secrets(self) -> list[Secret]:
        return [s.secret for s in self.slots.values() if s.secret is not None]


# ------------------------------------------------------------------------------ the flow


_PII_KINDS = [
    "card",
    "digits",
    "date",
    "phone",
    "email",
    "postcode",
    "name",
    "id",
    "number",
    "amount",
]
_PLAIN_TYPES = [
    "yes_no",
    "enum",
    "number",
    "amount",
    "text",
    "name",
    "date",
    "digits",
    "email",
    "phone",
    "postal_code",
]
_CHAIN_KINDS = [
    *("speak", "listen", "collect", "collect", "collect", "branch"),
    *("action", "action", "action", "llm", "llm"),
]
_FIRST_KINDS = [
    "collect",
    "collect",
    "collect",
    "listen",
    "llm",
    "llm",
    "speak",
    "action",
    "branch",
]
_CUSTOM_REASONS = ["resolved", "card_blocked", "callback_booked"]
_SPOKEN_KEYS = frozenset({"say", "prompt", "holding_line", "filler", "announcement"})
_GLOBAL_INTENTS = {
    "complaint": ["make a complaint", "file a complaint"],
    "go_on": ["carry on", "continue", "go on"],
    "stop_here": ["stop here", "no more"],
}


class _Builder:
    """Builds one flow from hypothesis draws (see the module doc)."""

    def __init__(
        self, draw: Callable[[st.SearchStrategy[Any]], Any], multilingual: float = 0.0
    ) -> None:
        self.draw = draw
        self.rng = random.Random(draw(st.integers(0, 2**32 - 1), label="secret seed"))
        self.region = draw(st.sampled_from(["US", "US", "GB"]), label="region")
        # (no draw at all when off: English-only flows stay exactly as they were generated)
        self.langs: tuple[str, ...] = ("en",)
        if multilingual and self.flip(multilingual, "multilingual"):
            self.langs = tuple(
                draw(
                    st.lists(st.sampled_from(LANGUAGES), min_size=2, max_size=3, unique=True),
                    label="languages",
                )
            )
        self.states: dict[str, dict[str, Any]] = {}
        self.slots: dict[str, dict[str, Any]] = {}
        self.slot_info: dict[str, SlotInfo] = {}
        self.actions: dict[str, ActionInfo] = {}
        self.listen: dict[str, tuple[str, ...]] = {}
        self.secrets: list[Secret] = []
        self.validators: list[str] = []
        self.reasons: set[str] = set()
        self.n_side = 0
        # what templates may read at each chain index: (slot, pii) and (result, field)
        self.known_slots: list[str] = []
        self.known_fields: list[tuple[str, str, bool]] = []  # (result, field, pii)
        self.yes_no: list[str] = []
        self.numbers: list[str] = []
        self.oks: list[str] = []  # results with an "ok" field

    # -- draws --------------------------------------------------------------------------
    def flip(self, p: float, label: str) -> bool:
        return bool(self.draw(st.integers(0, 99), label=label) < int(p * 100))

    def pick(self, options: list[Any], label: str) -> Any:
        return self.draw(st.sampled_from(options), label=label)

    # -- pieces -------------------------------------------------------------------------
    def reads(self, label: str) -> str:
        """A template fragment reading something defined here (slots, results, context)."""
        options = ["{{ context.company }}"]
        options += [f"{{{{ slots.{s} }}}}" for s in self.known_slots]
        options += [f"{{{{ results.{r}.{f} }}}}" for r, f, _ in self.known_fields]
        return str(self.pick(options, label))

    def say(self, text: str, suffix: str = "") -> Any:
        """An English text as the flow gives it: itself, or per declared language."""
        if len(self.langs) == 1:
            return text + suffix
        return {lang: translate(text, lang) + suffix for lang in self.langs}

    def line(self, text: str, label: str, *, spoken: bool = True) -> Any:
        """A text that may read something; ``spoken=False``: an instruction (English only)."""
        if self.flip(0.5, label):
            suffix = f" {self.reads(label + ' reads')}."
            return self.say(text, suffix) if spoken else text + suffix
        return self.say(text) if spoken else text

    def prompt(self, name: str, label: str) -> Any:
        """A slot's question: English, or per language (some as variants, cycled)."""
        words = name.replace("_", " ")
        if len(self.langs) == 1:
            return f"What is your {words}?"
        two = self.flip(0.3, label + " variants")
        out: dict[str, Any] = {}
        for n, lang in enumerate(self.langs):
            first = translate("What is your {}?", lang, words)
            # the default language decides how many variants there are; another may give fewer
            out[lang] = [first, translate("And your {}, please?", lang, words)] if two else first
            if two and n and self.flip(0.3, f"{label} {lang} one variant"):
                out[lang] = [first]
        return out

    def side_exit(self, label: str, *, reads: bool = True) -> str:
        """A new terminal state off the chain (an end or a transfer, maybe PII)."""
        self.n_side += 1
        name = f"exit_{self.n_side}"
        kind = self.pick(["end", "custom", "queue", "agent", "warm"], label + " kind")
        say = (
            self.line("Thanks for calling", label + " line")
            if reads
            else self.say("Thanks for calling.")
        )
        state: dict[str, Any] = {"say": say}
        if kind == "end":
            state["end"] = self.pick(["completed", "no_response", "error"], label + " reason")
        elif kind == "custom":
            reason = self.pick(_CUSTOM_REASONS, label + " reason")
            self.reasons.add(reason)
            state["end"] = reason
        else:
            target: dict[str, Any] = (
                {"queue": f"desk-{self.n_side}"}
                if kind == "queue"
                else {"agent": f"bot-{self.n_side}"}
            )
            if kind == "warm" or self.flip(0.3, label + " warm"):
                target["mode"] = "warm"
                target["announcement"] = (
                    self.line("Caller needs help", label + " ann")
                    if reads
                    else self.say("Caller needs help.")
                )
            state["transfer"] = target
        if self.flip(0.25, label + " pii"):
            state["pii"] = True
        self.states[name] = state
        return name

    def slot(self, i: int, k: int) -> str:
        label = f"slot {i}.{k}"
        pii = self.flip(0.55, label + " pii")
        name = f"s{i}_{k}"
        spec: dict[str, Any]
        if pii:
            kind = self.pick(
                [k_ for k_ in _PII_KINDS if k_ != "postcode" or self.region == "GB"],
                label + " kind",
            )
            llm_ok = self.flip(0.3, label + " send_to_llm")
            secret = make_secret(
                f"slot {name}", kind, self.rng, self.region, llm_ok=llm_ok, taken=self.secrets
            )
            self.secrets.append(secret)
            spec = {
                "type": _SLOT_TYPE[kind],
                "pii": True,
                "mask": self.pick(["full", "last4", "last2"], label + " mask"),
            }
            if llm_ok:
                spec["send_to_llm"] = True
            if kind == "digits":
                spec["min_length"] = spec["max_length"] = len(secret.value)
            if kind == "date":
                spec["past_only"] = True
            if kind == "number":
                spec.update(min=100_000, max=999_999)
            info = SlotInfo(name, spec["type"], True, secret, secret.says, self.says_in(secret))
        else:
            typ = self.pick(_PLAIN_TYPES, label + " type")
            spec = {"type": typ}
            if typ == "enum":
                spec["choices"] = {
                    "basic": ["basic"],
                    "plus": ["plus"],
                    "premium": ["premium", "the premium one"],
                }
            if typ == "number":
                spec.update(min=1, max=100)
            if typ == "date":
                spec["future_only"] = True
            if typ == "digits":
                spec.update(min_length=4, max_length=4)
            if typ == "yes_no":
                self.yes_no.append(name)
            if typ == "number":
                self.numbers.append(name)
            table = PLAIN_ANSWERS_GB if self.region == "GB" else PLAIN_ANSWERS
            info = SlotInfo(name, typ, False, None, table[typ], self.answers_in(typ))
            if typ == "yes_no" and self.flip(0.3, label + " pii yes_no"):
                spec["pii"] = True  # PII without a distinctive value: masked, no canary
        spec["prompt"] = self.prompt(name, label)
        if self.flip(0.2, label + " confirm"):
            spec["confirm"] = True
        if self.flip(0.2, label + " validator"):  # bound per call (see GenFlow.validators)
            spec["validator"] = f"v_{name}"
            spec["validator_timeout"] = 0.1
            self.validators.append(f"v_{name}")
        self.slots[name] = spec
        self.slot_info[name] = info
        return name

    def answers_in(self, typ: str) -> dict[str, tuple[str, ...]]:
        """A plain slot's answers in every other language, those its type reads there."""
        if len(self.langs) == 1 and "en" in self.langs:
            return {}
        return {
            lang: tuple(
                a for a in PLAIN_ANSWERS_LANG[lang][typ] if _reads_in(typ, a, self.region, lang)
            )
            for lang in LANGUAGES[1:]
        }

    def says_in(self, secret: Secret) -> dict[str, tuple[str, ...]]:
        """A secret's forms that its slot reads back to it in every other language."""
        if len(self.langs) == 1:
            return {}
        return {
            lang: tuple(
                f
                for f in secret.forms
                if _same(secret.kind, _parses_in(secret.kind, f, self.region, lang), secret.value)
            )
            for lang in LANGUAGES[1:]
        }

    def intents(self) -> dict[str, Any]:
        """The flow's own intents: English, per language, or one list of every language."""
        if len(self.langs) == 1:
            return {k: {"phrases": v} for k, v in _GLOBAL_INTENTS.items()}
        out: dict[str, Any] = {}
        for k, en in _GLOBAL_INTENTS.items():
            per = {lang: en if lang == "en" else _INTENTS_LANG[k][lang] for lang in self.langs}
            if self.flip(0.5, f"intent {k} per language"):
                out[k] = {"phrases": per}
            else:  # one list serves every language
                out[k] = {"phrases": [p for phrases in per.values() for p in phrases]}
        return out

    def texts(self, spec: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        """Every spoken text of the flow, per language (before any goes to a message file)."""
        out: dict[str, list[str]] = {lang: [] for lang in self.langs}

        def add(value: Any) -> None:
            if isinstance(value, dict):
                for lang, v in value.items():
                    out[lang] += [v] if isinstance(v, str) else list(v)
            elif isinstance(value, str):
                out[self.langs[0]].append(value)
            elif isinstance(value, list):
                out[self.langs[0]] += value

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in _SPOKEN_KEYS:
                        add(value)
                    elif key == "messages":
                        for v in value.values():
                            add(v)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(spec)
        return {lang: tuple(dict.fromkeys(v)) for lang, v in out.items()}

    def message_file(self, spec: dict[str, Any]) -> dict[str, str]:
        """Move one language's texts to a message file (``translations:``), keyed by path.

        A text left with the default language alone becomes a plain string: the default
        text, with the file adding its translation.
        """
        if len(self.langs) == 1 or not self.flip(0.3, "message file"):
            return {}
        lang = self.pick(list(self.langs[1:]), "message file language")
        entries: dict[str, Any] = {}

        def take(owner: dict[str, Any], key: str, path: str) -> None:
            value = owner.get(key)
            if not isinstance(value, dict) or lang not in value:
                return
            entries[path] = value.pop(lang)
            if set(value) == {self.langs[0]} and self.flip(0.5, f"file {path} plain"):
                owner[key] = value[self.langs[0]]

        def named(items: list[dict[str, Any]], by: str, j: int) -> str:
            name = items[j].get(by)
            unique = name is not None and sum(1 for it in items if it.get(by) == name) == 1
            return str(name) if unique else str(j)

        for name, slot in spec["slots"].items():
            take(slot, "prompt", f"slots.{name}.prompt")
        for key in list(spec.get("messages", {})):
            take(spec["messages"], key, f"messages.{key}")
        for name, intent in spec["intents"].items():
            take(intent, "phrases", f"intents.{name}.phrases")
        for j, rule in enumerate(spec["global"]):
            take(rule, "say", f"global.{named(spec['global'], 'intent', j)}.say")
        for name, state in spec["states"].items():
            base = f"states.{name}"
            take(state, "say", f"{base}.say")
            for j, edge in enumerate(state.get("transitions", [])):
                where = named(state["transitions"], "to", j)
                take(edge, "say", f"{base}.transitions.{where}.say")
            for j, rule in enumerate(state.get("global", [])):
                take(rule, "say", f"{base}.global.{named(state['global'], 'intent', j)}.say")
            if "action" in state:
                take(state["action"], "holding_line", f"{base}.action.holding_line")
                take(state["action"], "filler", f"{base}.action.filler")
            if "transfer" in state:
                take(state["transfer"], "announcement", f"{base}.transfer.announcement")
        file = f"generated.{lang}.yaml"
        spec["translations"] = {lang: file}
        return {file: yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100)}

    # -- chain states -------------------------------------------------------------------
    def build(self) -> GenFlow:
        n = self.draw(st.integers(2, 8), label="chain length")
        # mostly a waiting state first, so what follows runs in caller turns (where barge-ins
        # and hang-ups can land), not all in the opening
        kinds = [self.pick(_FIRST_KINDS if i == 0 else _CHAIN_KINDS, f"kind {i}") for i in range(n)]
        names = [f"c{i}_{k}" for i, k in enumerate(kinds)]
        closing = "closing"
        for i, (name, kind) in enumerate(zip(names, kinds, strict=True)):
            fwd = names[i + 1] if i + 1 < n else closing
            back = names[:i] if i else []
            state = getattr(self, f"state_{kind}")(i, name, fwd, back)
            if self.flip(0.3, f"pii {i}"):
                state["pii"] = True
                if self.flip(0.3, f"pause reason {i}"):
                    state["pause_reason"] = f"reason-{i}"
            self.states[name] = state
        self.states[closing] = self.closing_state()
        return self.finish(names[0])

    def state_speak(self, i: int, name: str, fwd: str, back: list[str]) -> dict[str, Any]:
        return {"say": self.line(f"Step {i}: here is some information", f"say {i}"), "next": fwd}

    def state_listen(self, i: int, name: str, fwd: str, back: list[str]) -> dict[str, Any]:
        side = self.side_exit(f"listen {i} exit")
        edges = [{"intent": "go_on", "to": fwd}, {"intent": "stop_here", "to": side}]
        if back and self.flip(0.3, f"listen {i} back"):
            edges.append({"intent": "complaint", "to": self.pick(back, f"listen {i} back to")})
        state: dict[str, Any] = {
            "say": self.say(f"Step {i}: shall we carry on? Say continue or stop."),
            "transitions": edges,
            "retries": 1,
            "on_fail": self.side_exit(f"listen {i} fail"),
        }
        self.listen[name] = ("continue", "stop here", "carry on", "no more")
        return state

    def state_collect(self, i: int, name: str, fwd: str, back: list[str]) -> dict[str, Any]:
        count = self.draw(st.integers(1, 2), label=f"collect {i} slots")
        slots = [self.slot(i, k) for k in range(count)]
        state: dict[str, Any] = {"collect": slots, "next": fwd}
        if self.flip(0.3, f"collect {i} say"):  # said before the questions: reads what came before
            state["say"] = self.line(f"Step {i}: a few questions", f"collect {i} line")
        if self.flip(0.4, f"collect {i} on_fail"):
            state["retries"] = self.draw(st.integers(0, 2), label=f"collect {i} retries")
            state["on_fail"] = self.side_exit(f"collect {i} fail", reads=False)
        self.known_slots += slots
        yes = [s for s in slots if s in self.yes_no]
        if yes and self.flip(0.6, f"collect {i} branch"):
            state["transitions"] = [
                {
                    "if": f"slots.{yes[0]}",
                    "to": fwd,
                    "say": self.line("Great", f"collect {i} edge line"),
                },
                {"to": self.side_exit(f"collect {i} no")},
            ]
            del state["next"]
        return state

    def state_branch(self, i: int, name: str, fwd: str, back: list[str]) -> dict[str, Any]:
        options = ["session.tier == 'gold'", "context.open"]
        options += [f"slots.{s}" for s in self.yes_no if s in self.known_slots]
        options += [f"slots.{s} > 10" for s in self.numbers if s in self.known_slots]
        options += [f"results.{r}.ok" for r in self.oks]
        expr = self.pick(options, f"branch {i} expr")
        side = self.side_exit(f"branch {i} exit")
        first, second = (side, fwd) if self.flip(0.5, f"branch {i} order") else (fwd, side)
        return {"transitions": [{"if": expr, "to": first}, {"to": second}]}

    def state_action(self, i: int, name: str, fwd: str, back: list[str]) -> dict[str, Any]:
        label = f"action {i}"
        result = f"r{i}" if self.flip(0.5, label + " result name") else name
        fields: dict[str, FieldInfo] = {
            "ok": FieldInfo("plain", value=True),
            "ref": FieldInfo("plain", value=f"REF-{i}"),
        }
        args: dict[str, str] = {"flow_step": str(i)}
        arg_slots: dict[str, str] = {}
        pii_slots = [s for s in self.known_slots if self.slot_info[s].secret is not None]
        for s in self.known_slots:
            if self.flip(0.6, f"{label} arg {s}"):
                args[s] = f"{{{{ slots.{s} }}}}"
                if s in pii_slots:
                    arg_slots[s] = s
        for s in arg_slots:
            if self.flip(0.6, f"{label} echo {s}"):
                shape = self.pick(
                    ["str", "int", "grouped", "spoken", "nested", "list", "native"],
                    f"{label} echo {s} shape",
                )
                fields[f"echo_{s}"] = FieldInfo(
                    "echo", secret=self.slot_info[s].secret, arg=s, shape=shape
                )
        pii_paths: list[str] = []
        for k in range(self.draw(st.integers(0, 2), label=label + " secrets")):
            kind = self.pick(
                [
                    "date",
                    "amount",
                    "digits",
                    "id",
                    "card",
                    "postcode" if self.region == "GB" else "email",
                    "name",
                    "phone",
                ],
                f"{label} secret {k} kind",
            )
            shape = self.pick(
                ["native", "native", "nested", "list", "int", "str"], f"{label} secret {k} shape"
            )
            secret = make_secret(
                f"result {result}.f{k}",
                kind,
                self.rng,
                self.region,
                llm_ok=False,
                taken=self.secrets,
            )
            self.secrets.append(secret)
            fields[f"f{k}"] = FieldInfo("secret", secret=secret, shape=shape)
            pii_paths.append(f"f{k}" + (".owner.value" if shape == "nested" else ""))
        action: dict[str, Any] = {
            "call": f"act_{name}",
            "args": args,
            "timeout": self.pick([0.15, 0.25, 0.4], label + " timeout"),
        }
        if result != name:
            action["result"] = result
        if pii_paths:
            action["pii"] = True if self.flip(0.4, label + " pii all") else pii_paths
        elif self.flip(0.15, label + " pii true"):
            action["pii"] = True
        holding = self.flip(0.85, label + " holding")
        action["holding_after"] = self.pick([0.0, 0.02, 0.05], label + " holding after")
        if holding:
            action["holding_line"] = self.line(
                "One moment while I check that", label + " holding line"
            )
        if self.flip(0.3, label + " filler"):
            action["filler"] = self.say("Just a moment")
        state: dict[str, Any] = {"action": action}
        if self.flip(0.5, label + " say"):
            state["say"] = self.line(f"Step {i}: let me look into that", label + " say line")
        if self.flip(0.4, label + " branch"):
            state["transitions"] = [
                {"if": f"results.{result}.ok", "to": fwd},
                {"to": self.side_exit(label + " not ok")},
            ]
        else:
            state["next"] = fwd
        if self.flip(0.6, label + " on_error"):
            state["on_error"] = self.side_exit(label + " error", reads=False)
        info = ActionInfo(
            name,
            f"act_{name}",
            self.flip(0.3, label + " sync"),
            action["timeout"],
            action["holding_after"],
            holding,
            result,
            fields,
            tuple(args),
            arg_slots,
        )
        self.actions[name] = info
        self.oks.append(result)
        for f, fi in fields.items():
            if f != "ok" and fi.shape not in ("nested", "list"):
                self.known_fields.append((result, f, fi.how != "plain"))
        return state

    def state_llm(self, i: int, name: str, fwd: str, back: list[str]) -> dict[str, Any]:
        label = f"llm {i}"
        edges: list[dict[str, Any]] = [{"when": "the caller is done with this step", "to": fwd}]
        if self.flip(0.6, label + " side"):
            edges.append(
                {
                    "when": "the caller wants something we cannot do here",
                    "to": self.side_exit(label + " exit"),
                }
            )
        if back and self.flip(0.4, label + " back"):
            edges.append(
                {
                    "when": "the caller wants to change an earlier answer",
                    "to": self.pick(back, label + " back to"),
                }
            )
        if self.flip(0.3, label + " edge line"):
            edges[0]["say"] = self.line("Alright", label + " edge say")
        state: dict[str, Any] = {
            "llm": self.line(
                f"Step {i}: help the caller with their request", label + " prompt", spoken=False
            ),
            "transitions": edges,
        }
        if self.flip(0.5, label + " opening"):
            state["say"] = self.say(f"Step {i}: how can I help?")
        if self.flip(0.5, label + " on_error"):
            state["on_error"] = self.side_exit(label + " error", reads=False)
        return state

    def closing_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"say": self.line("All done, goodbye", "closing line")}
        kind = self.pick(["completed", "custom", "queue", "agent"], "closing kind")
        if kind == "completed":
            state["end"] = "completed"
        elif kind == "custom":
            reason = self.pick(_CUSTOM_REASONS, "closing reason")
            self.reasons.add(reason)
            state["end"] = reason
        else:
            target: dict[str, Any] = (
                {"queue": "closing-desk"} if kind == "queue" else {"agent": "closing-bot"}
            )
            if self.flip(0.5, "closing warm"):
                target.update(
                    mode="warm",
                    announcement=self.line("Caller is verified", "closing announcement"),
                )
            state["transfer"] = target
        if self.flip(0.3, "closing pii"):
            state["pii"] = True
        return state

    def finish(self, start: str) -> GenFlow:
        spec: dict[str, Any] = {
            "flow": "generated",
            "start": start,
            "persona": "You are Robin from {{ context.company }}.",
            "context": {"company": "Northwind Mutual", "open": True},
            "locale": {"region": self.region},
        }
        if len(self.langs) > 1:
            spec = {"flow": "generated", "languages": list(self.langs), **spec}
            if self.flip(0.3, "own messages"):  # given per language, over the built-in ones
                spec["messages"] = {
                    "no_input": self.say("Are you still there?"),
                    "not_understood": self.say("Sorry, I did not get that."),
                }
        if self.reasons:
            spec["end_reasons"] = sorted(self.reasons)
        spec["slots"] = self.slots
        spec["intents"] = self.intents()
        global_: list[dict[str, Any]] = []
        self.states["handoff"] = {
            "say": self.say("Let me get a colleague."),
            "transfer": {"queue": "people"},
        }
        if self.flip(0.8, "global human"):
            global_.append({"intent": "human", "goto": "handoff"})
        if self.flip(0.6, "global goodbye"):
            global_.append(
                {"intent": "goodbye", "goto": "bye", "say": self.say("Thanks for calling.")}
            )
            self.states["bye"] = {"say": self.say("Goodbye!"), "end": "completed"}
        if self.flip(0.4, "global start over"):
            global_.append({"intent": "start_over", "goto": start})
        if self.flip(0.5, "global complaint"):
            global_.append({"intent": "complaint", "goto": "handoff"})
        spec["global"] = global_
        if self.flip(0.5, "flow on_error"):
            spec["on_error"] = "oops"
            self.states["oops"] = {
                "say": self.say("Sorry, something went wrong on our side."),
                "transfer": {"queue": "support"},
            }
        # per-state overrides of the globals, on a few chain states
        for name, state in self.states.items():
            if name.startswith("c") and "end" not in state and "transfer" not in state:
                if self.flip(0.1, f"{name} own human"):
                    state["global"] = [
                        {"intent": "human", "say": self.say("Let's finish this first.")}
                    ]
                if self.flip(0.1, f"{name} no goodbye"):
                    state["disable_global"] = ["goodbye"]
        if "handoff" not in {g.get("goto") for g in global_}:
            del self.states["handoff"]
        spec["limits"] = {
            "no_input": self.pick([2, 3], "no_input limit"),
            # sometimes short: the call is cut off wherever it is (a PII state, an action)
            "max_turns": self.pick([40, 40, 40, 40, 40, 40, 40, 40, 3, 5], "max_turns"),
        }
        spec["states"] = self.states
        texts = self.texts(spec)
        files = self.message_file(spec)
        text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
        said = {
            lang: {
                k: tuple(v) if lang == "en" else tuple(_INTENTS_LANG[k][lang])
                for k, v in _GLOBAL_INTENTS.items()
            }
            for lang in LANGUAGES
        }
        return GenFlow(
            text,
            self.slot_info,
            self.actions,
            self.listen,
            tuple(p for v in _GLOBAL_INTENTS.values() for p in v),
            self.secrets,
            self.region,
            tuple(self.validators),
            languages=self.langs,
            texts=texts,
            files=files,
            listen_lang={
                name: {lang: said[lang]["go_on"] + said[lang]["stop_here"] for lang in LANGUAGES}
                for name in self.listen
            },
            intent_phrases_lang={
                lang: tuple(p for v in said[lang].values() for p in v) for lang in LANGUAGES
            },
        )


@st.composite
def flows(draw: Callable[[st.SearchStrategy[Any]], Any], multilingual: float = 0.0) -> GenFlow:
    """A valid generated flow (see the module doc).

    ``multilingual``: the share of flows that declare 2-3 of ``LANGUAGES`` and give every
    spoken text per language (inline, or one language in a message file); 0 draws nothing,
    so English-only runs are generated exactly as before.
    """
    return _Builder(draw, multilingual).build()


def describe(gen: GenFlow) -> str:
    """A one-line summary of a generated flow's shape (for statistics)."""
    g = gen.flow.graph
    kinds = sorted({s.kind for s in g.states.values()})
    pii = [n for n, s in g.states.items() if s.pii]
    return f"{len(g.states)} states {kinds}, PII states {pii}, secrets {len(gen.secrets)}"
