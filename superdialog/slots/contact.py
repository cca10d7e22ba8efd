"""Contact details: the ``phone`` and ``email`` slot types.

Phone numbers are validated by ``phonenumbers`` (imported on first use: it
costs tens of milliseconds, far more than the rest of this package). Emails
are rebuilt from how people spell them out loud: "john dot smith at gmail
dot com", "j o h n underscore s at yahoo dot co dot uk".
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from .base import ExtractContext, Match, SlotType
from .codes import group_digits, patch_tail
from .numbers import TEENS, TENS, UNITS, DigitRun, digit_run_at, digit_runs, say_digits
from .spelling import fold_spelled
from .tokens import FILLERS, Token, is_numeral, tokenize

__all__ = ["EmailType", "PhoneType", "normalise_region"]

_phonenumbers: ModuleType | None = None


def _pn() -> ModuleType:
    """``phonenumbers``, imported the first time a phone number is parsed."""
    global _phonenumbers
    if _phonenumbers is None:
        import phonenumbers

        _phonenumbers = phonenumbers
    return _phonenumbers


def normalise_region(region: str) -> str:
    """Upper-case ISO code ``phonenumbers`` knows ("uk" -> "GB")."""
    region = region.strip().upper()
    return "GB" if region == "UK" else region


# Words that may sit between the parts of one phone number.
_PHONE_GLUE = frozenset(
    {"and", "then", "area", "code", "the", "rest", "is", "it's", "number", "its", "of", "it",
     ",", ".", ":", ";", "-"}
)  # fmt: skip


class PhoneType(SlotType):
    """A phone number, as E.164 ("+15551204478").

    Accepts digits and spoken digits in groups ("five five five, one two oh,
    double four seven eight"), "plus forty four ..." for international
    numbers, and international prefixes ("oh oh forty four", "011 ...").
    A number must be valid for its country per ``phonenumbers``; NANP numbers
    with the fictional 555 area code are accepted too so demos and tests can
    use them.
    """

    name = "phone"
    description = "a phone number, E.164 string"
    length_unit = "digits"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """First valid number, joining digit groups split by words like "then"."""
        toks = tokenize(text)
        runs = digit_runs(toks, homophones=True)
        region = normalise_region(ctx.region)
        for a in range(len(runs)):
            plus = self._plus_before(toks, runs[a])
            digits = ""
            for b in range(a, min(a + 4, len(runs))):
                if b > a and not all(
                    toks[k].text in _PHONE_GLUE or toks[k].text in FILLERS
                    for k in range(runs[b - 1].end, runs[b].first)
                ):
                    break
                digits += runs[b].digits
                if len(digits) > 18:
                    break
                if len(digits) < 7:
                    continue
                e164 = self._parse(digits, plus is not None, region)
                if e164 is not None:
                    first = plus if plus is not None else runs[a].first
                    return Match(e164, toks[first].start, toks[runs[b].end - 1].end)
        return None

    def patched(
        self, said: Match, text: str, cut: int, resume: int, ctx: ExtractContext
    ) -> Match | None:
        """A repeated last group ("... two six seven one. no sorry, two six seven two")."""
        region = normalise_region(ctx.region)
        plus = str(said.value).startswith("+")

        def ok(digits: str) -> bool:
            return self._parse(digits, plus, region) is not None

        patched = patch_tail(self, said, text, resume, ok)
        if patched is None:
            return None
        e164 = self._parse(str(patched.value), plus, region)
        return None if e164 is None else Match(e164, patched.start, patched.end)

    @staticmethod
    def _plus_before(toks: list[Token], run: DigitRun) -> int | None:
        """Index of a "+"/"plus" just before ``run``, if any."""
        k = run.first - 1
        while k >= 0 and toks[k].text in FILLERS:
            k -= 1
        if k >= 0 and toks[k].text in ("+", "plus"):
            return k
        return None

    @staticmethod
    def _parse(digits: str, plus: bool, region: str) -> str | None:
        """E.164 for ``digits`` if they make a valid number, else ``None``."""
        pn = _pn()
        if plus:
            candidates = ["+" + digits]
        elif digits.startswith("00"):
            candidates = [digits, "+" + digits[2:]]
        elif digits.startswith("011"):
            candidates = [digits, "+" + digits[3:]]
        else:
            candidates = [digits, "+" + digits] if len(digits) >= 10 else [digits]
        for candidate in candidates:
            try:
                number = pn.parse(candidate, region)
            except pn.NumberParseException:
                continue
            if pn.is_valid_number(number) or PhoneType._fictional(number):
                return str(pn.format_number(number, pn.PhoneNumberFormat.E164))
        return None

    @staticmethod
    def _fictional(number: Any) -> bool:
        """Numbers set aside for drama and examples: NANP 555 area code, UK 07700 900xxx."""
        national = str(number.national_number)
        if number.country_code == 44:
            return len(national) == 10 and national.startswith("7700900")
        return bool(number.country_code == 1 and len(national) == 10 and national[:3] == "555")

    def spoken(self, value: Any) -> str:
        """Digit by digit in the number's usual groups.

        North American numbers are read without the +1 ("five five five, one
        two zero, four four seven eight"); others with their country code
        ("plus four four, two zero, ...").
        """
        text = str(value)
        digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
        if not text.startswith("+") or not digits:
            return group_digits(digits) if digits else text
        pn = _pn()
        try:
            number = pn.parse(text, None)
        except pn.NumberParseException:
            return "plus " + group_digits(digits)
        if number.country_code == 1:
            formatted = pn.format_number(number, pn.PhoneNumberFormat.NATIONAL)
            prefix = ""
        else:
            formatted = pn.format_number(number, pn.PhoneNumberFormat.INTERNATIONAL)
            prefix = "plus "
        groups = re.findall(r"[0-9]+", formatted)
        return prefix + ", ".join(say_digits(g) for g in groups)

    def length_of(self, value: Any) -> int:
        """Length in digits, without the "+"."""
        return sum(ch.isdigit() for ch in str(value))


# ------------------------------------------------------------------------- email

_AT = frozenset({"at", "@"})
_SYMBOL_WORDS = {
    "dot": ".", "period": ".", ".": ".", "underscore": "_", "_": "_", "dash": "-",
    "hyphen": "-", "-": "-", "+": "+",
}  # fmt: skip
_CASE_WORDS = frozenset({"capital", "uppercase", "lowercase", "small"})
_LOCAL_STOPS = frozenset(
    {
        "is", "it's", "its", "it", "my", "email", "e-mail", "mail", "address", "the", "to",
        "send", "so", "yeah", "yes", "sure", "okay", "ok", "like", "that's", "thats", "me",
        "i'm", "am", "use", "try", "please", "and", "or", "well", "oh", "of", "that", "this",
        "you", "can", "reach", "at", "was", "be", "on", "from", "for", "just", "here", "our",
        "your", "his", "her", "their", "called", "spelled", "by", "with", "actually", "sorry",
        "no", "write", "down", "got", "have", "as", "an", "a", "i", "hi", "hello", "emails",
        "mine", "should", "would", "could", "will", "we", "they", "he", "she",
        "one", "account", "contact", "via", "work", "personal", "new", "old", "also", "um",
        "uh", "er", "erm", "ah", "hmm", "thanks", "thank", "yep", "right", "correct",
    }
)  # fmt: skip
# "my name at yahoo", "her first name at gmail": what follows describes an address.
_POSSESSIVES = frozenset({"my", "your", "his", "her", "our", "their"})
# Words that say what an address is made of instead of saying it.
_DESCRIBING = frozenset(
    {"name", "names", "surname", "initial", "initials", "firstname", "lastname", "username",
     "nickname", "birthday"}
)  # fmt: skip


_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# Words after a repair marker that say nothing about the address ("sorry, thanks").
_NOT_A_PART = frozenset(
    {"sorry", "thanks", "thank", "you", "please", "that's", "it", "right", "correct", "yes",
     "yeah", "ok", "okay", "that", "is", "all", "i", "mean", "the", "same"}
)  # fmt: skip


def _rate_words(toks: list[Token], k: int) -> int:
    """How many words of "at the rate (of)" (Indian English for "@") follow "at" at ``k``."""
    if [t.text for t in toks[k : k + 2]] != ["the", "rate"]:
        return 0
    return 2 + (k + 2 < len(toks) and toks[k + 2].text == "of")


def _described(toks: list[Token], first: int, at: int) -> bool:
    """True when the words before "at" say what the address is made of ("last name").

    The local part and the few words said with it (up to a pause) are looked at: "my
    first initial and last name at gmail" describes an address; "my name is John, john at
    gmail dot com" gives one.
    """
    k = first - 1
    while k >= 0 and first - k <= 4 and toks[k].text not in (",", ".", ";"):
        k -= 1
    return any(t.text in _DESCRIBING for t in toks[k + 1 : at])


# Words that end the part after "at" ("at gmail dot com please").
_DOMAIN_STOPS = FILLERS | frozenset(
    {"and", "or", "the", "my", "is", "it's", "please", "thanks", "thank", "you", "so", "okay",
     "ok", "yeah", "that's", "for", "but", "then", "if", "a", "an", "i", "email", "address"}
)  # fmt: skip
_PROVIDERS = frozenset(
    {"gmail", "yahoo", "hotmail", "outlook", "icloud", "aol", "protonmail", "msn", "ymail",
     "googlemail", "comcast", "verizon", "att"}
)  # fmt: skip
_TLDS = frozenset(
    {"com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "app",
     "dev", "tech", "online", "site", "store", "xyz", "email", "mobi", "cloud", "shop",
     "blog", "io", "ai", "co", "me", "us", "agency", "company", "group", "life", "live",
     "news", "systems", "solutions", "services", "digital", "media", "studio", "design",
     "network", "world", "today", "health", "law", "museum", "travel", "aero", "coop",
     "jobs", "club", "space", "website", "global", "team", "works", "family"}
)  # fmt: skip
_LOCAL_RE = re.compile(r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_MAX_LOCAL_TOKENS = 16


def _is_letter(word: str) -> bool:
    """A single spelled letter."""
    return len(word) == 1 and word.isalpha()


def _is_digit_word(word: str) -> bool:
    """A digit said or written on its own ("two", "2")."""
    return word in UNITS or (is_numeral(word) and len(word) == 1)


def _is_number_word(word: str) -> bool:
    """Spoken digits inside an address ("john seventy seven")."""
    return word in UNITS or word in TEENS or word in TENS or word in ("double", "triple")


class EmailType(SlotType):
    """An email address, lower-cased.

    Accepts typed forms ("john.smith@gmail.com") and spoken ones: "at",
    "dot", "underscore", "dash"/"hyphen", spelled letters ("j o h n"), digits
    said as words, and well-known providers without ".com" ("at gmail").
    Words before "at" are joined ("john smith at ..." -> "johnsmith@...").
    """

    name = "email"
    pauses_inside = True  # "kate at, um, hotmail dot com"
    description = "an email address, lower-case string"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """First "local at domain" that makes a valid address."""
        toks = fold_spelled(tokenize(text))
        for p, tok in enumerate(toks):
            if tok.text not in _AT:
                continue
            if p + 1 < len(toks) and toks[p + 1].text in _AT:
                continue  # "john at at gmail": said twice (it gave john@atgmail.com)
            said_twice = p > 0 and toks[p - 1].text in _AT
            local = self._local(toks, p - said_twice)
            domain = self._domain(toks, p + 1 + _rate_words(toks, p + 1))
            if local is None or domain is None:
                continue
            (address_local, first), (address_domain, end) = local, domain
            return Match(f"{address_local}@{address_domain}", toks[first].start, toks[end - 1].end)
        return None

    def retracted(self, after: str) -> bool:
        """Words after the marker take the address back ("..., no, yahoo").

        Only a part of an address may have been said again (another provider, another
        name) and it cannot be put in its place for sure: no address, never the one taken
        back. A marker with nothing after it ("..., sorry") keeps the address.
        """
        words = [w for w in _WORD_RE.findall(after.lower()) if w not in FILLERS]
        return bool(words) and not all(w in _NOT_A_PART for w in words)

    def _local(self, toks: list[Token], p: int) -> tuple[str, int] | None:
        """The part before "at", read backwards until a word that is not part of it."""
        k = p - 1
        while k >= 0 and p - k <= _MAX_LOCAL_TOKENS:
            word = toks[k].text
            if word in _SYMBOL_WORDS or word in _CASE_WORDS or is_numeral(word):
                pass
            elif word in ("a", "i"):
                # Pronoun/article unless it sits in a row of spelled letters ("m, a, x").
                b = k - 1 - (k > 1 and toks[k - 1].text == ",")
                f = k + 1 + (k + 2 < p and toks[k + 1].text == ",")
                prev = toks[b].text if b >= 0 else ""
                nxt = toks[f].text if f < p else ""
                if not (_is_letter(prev) or _is_letter(nxt)):
                    break
            elif word.isalnum() and word not in _LOCAL_STOPS:
                pass
            elif word == "one" and (
                _is_digit_word(toks[k + 1].text if k + 1 < p else "")
                or _is_digit_word(toks[k - 1].text if k > 0 else "")
            ):
                pass  # "chris one two three": a digit among digits, not "that one"
            elif (
                word == ","
                and 0 < k < p - 1
                and _is_letter(toks[k + 1].text)
                and _is_letter(toks[k - 1].text)
                and (toks[k - 1].text not in ("a", "i") or (k > 1 and toks[k - 2].text == ","))
            ):
                pass  # "j as in juliet, o, e": letters spelled with a pause between
            else:
                break
            k -= 1
        first = k + 1
        if first >= p:
            return None
        if k >= 0 and toks[k].text in _POSSESSIVES:
            return None  # "same as my name at yahoo": a description, not an address
        if _described(toks, first, p):
            return None  # "my first initial and last name at gmail": which letters?
        # Leading symbols ("dot john") are not part of an address.
        while first < p and toks[first].text in _SYMBOL_WORDS:
            first += 1
        local = self._spell(toks[first:p])
        if not local or not _LOCAL_RE.fullmatch(local):
            return None
        return local, first

    @staticmethod
    def _spell(part: list[Token]) -> str:
        """Join spoken pieces: words, spelled letters, symbol words, digit words."""
        out: list[str] = []
        k = 0
        while k < len(part):
            word = part[k].text
            if word in _CASE_WORDS or word == ",":
                k += 1
                continue
            if word in _SYMBOL_WORDS:
                if not (
                    word == "-"
                    and 0 < k < len(part) - 1
                    and _is_letter(part[k - 1].text)
                    and _is_letter(part[k + 1].text)
                    and part[k - 1].end == part[k].start == part[k + 1].start - 1
                ):
                    out.append(_SYMBOL_WORDS[word])  # but "j-o-h-n" is spelling, not hyphens
                k += 1
                continue
            if _is_number_word(word):
                end = k
                while end < len(part) and _is_number_word(part[end].text):
                    end += 1
                run = digit_run_at(part[k:end], 0)
                if run is not None and run.end > 0:
                    out.append(run.digits)
                    k += run.end
                    continue
            out.append(word)
            k += 1
        return "".join(out)

    def _domain(self, toks: list[Token], j: int) -> tuple[str, int] | None:
        """The part after "at": a first label, then ("dot" label)*."""
        n = len(toks)
        first: list[Token] = []
        while j < n and len(first) < 6:
            word = toks[j].text
            if word in (".", "dot", "period"):
                break
            if word in ("-", "dash", "hyphen") or (word.isalnum() and word not in _DOMAIN_STOPS):
                first.append(toks[j])
                j += 1
                continue
            break
        if not first:
            return None
        labels = [self._spell(first)]
        end = j
        while j + 1 < n and toks[j].text in (".", "dot", "period"):
            word = toks[j + 1].text
            if not word.isalnum():
                break
            labels.append(word)
            j += 2
            end = j
        if len(labels) == 1:
            if labels[0] not in _PROVIDERS:
                return None
            labels.append("com")
        tld = labels[-1]
        if not (tld.isascii() and tld.isalpha() and (len(tld) == 2 or tld in _TLDS)):
            return None
        if not all(_LABEL_RE.fullmatch(label) for label in labels):
            return None
        return ".".join(labels), end

    def spoken(self, value: Any) -> str:
        """Spell the part before "@"; say the domain: "j o h n dot s at gmail dot com"."""
        text = str(value)
        local, _, domain = text.partition("@")
        names = {".": "dot", "_": "underscore", "-": "dash", "+": "plus"}
        spelled = " ".join(
            names.get(ch) or (say_digits(ch) if ch.isascii() and ch.isdigit() else ch)
            for ch in local
        )
        if not domain:
            return spelled
        return f"{spelled} at {' dot '.join(domain.split('.'))}"
