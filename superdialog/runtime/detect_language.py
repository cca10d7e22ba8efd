"""Which language a caller is speaking, guessed from their words when the host says nothing.

Hosts whose recogniser reports the language pass it with each utterance and
this module is not used. A flow with ``detect_language: true`` asks the call
to guess when no language comes with an utterance. A wrong switch is worse
than no switch (the caller hears a language they did not speak, and short
words like "ok", "no", "sí", names and numbers are shared by every language),
so the guess is built to abstain:

* **Script first.** Devanagari is Hindi among the languages we serve; each
  Devanagari word is strong evidence for ``hi``.
* **Common words, not content.** Each declared language has a list of words
  its speakers cannot avoid (articles, pronouns, prepositions, auxiliaries,
  the usual particles; romanised Hindi: "hai", "nahi", "mujhe", "kya"…). A
  word shared by several of the flow's languages counts for each by a share
  ("de" is Spanish and French). Letters only one language writes (ñ ¿ ß ç)
  add a little. Names, numbers and words like "ok" or "gracias" are not on
  the lists, so they are no evidence at all.
* **Clear evidence only.** An utterance *votes* for a language when its score
  reaches ``VOTE_SCORE`` and beats every other language, the current one
  included, by ``VOTE_MARGIN``; it is *decisive* past ``SWITCH_SCORE`` and
  ``SWITCH_MARGIN``.
* **Hysteresis.** The call switches on one decisive utterance, or on
  ``VOTES_TO_SWITCH`` votes in a row for the same language; an utterance that
  scores for the current language clears the votes, one that scores for
  nothing leaves them. A borrowed "gracias" or "merci" never moves a call,
  and Hindi-English mixing stays Hindi as long as the Hindi words are there.

No model and no network: a few set look-ups per word (about 10 µs per
utterance; see docs/languages.md for the measured accuracy). Maintained
libraries (fastText's lid.176, langid, lingua) were measured on the same
corpus and are not used: see docs/languages.md, "Detecting the language".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "SWITCH_MARGIN",
    "SWITCH_SCORE",
    "VOTES_TO_SWITCH",
    "VOTE_MARGIN",
    "VOTE_SCORE",
    "Detector",
    "LanguageVotes",
    "detector_for",
]

VOTE_SCORE = 2.0
"""Score an utterance needs to vote for a language (two of its common words)."""
VOTE_MARGIN = 1.5
"""How far the voted language must lead every other, the current one included."""
SWITCH_SCORE = 3.5
"""Score of an utterance decisive on its own."""
SWITCH_MARGIN = 3.0
"""How far a decisive utterance's language must lead every other."""
VOTES_TO_SWITCH = 2
"""Votes in a row for one language that switch the call."""

_DEVANAGARI_WORD = 2.0
"""What one Devanagari word is worth for Hindi (the recogniser chose the script)."""
_LETTER = 0.5
"""What a letter only one language writes is worth (at most once per letter kind)."""

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ELISION = re.compile(r"(?<![^\W\d_])(?:qu|[cdjlmnst])'[^\W\d_]")
"""French elision (c'est, j'ai, d'accord, qu'est): one point for French each."""
_DEVANAGARI = re.compile(r"[\u0900-\u097f]+")

# Words a speaker of the language can hardly avoid, and that the other languages we
# serve rarely say. Kept short on purpose: precision matters more than coverage.
_WORDS: Mapping[str, str] = {
    "en": """
        the a an of to in on at for with from by about is are was were be been am do does
        did have has had i you he she it we they me my your our their this that these those
        what which who when where why how there here not don't can't won't i'm it's that's
        i'd i'll you're we're can could would should will shall just want need like please
        thanks thank yes yeah and but or if so because then than also very too some any
        much many more sorry hello tomorrow today morning evening afternoon next week
        i've we'd they're isn't doesn't didn't
        """,
    "es": """
        el la los las un una unos unas del al de en y o que por para con sin sobre es son
        está están estoy soy eres somos fue era ser estar hay he ha han tengo tiene tenemos
        quiero quiere quisiera necesito puedo puede podría yo tú usted ustedes nosotros
        mi mis tu su sus nuestro este esta esto ese esa eso aquí allí qué cómo cuándo dónde
        cuál quién porque pero también muy más menos ya sí gracias bueno vale hola buenos
        buenas días tardes noches mañana hoy semana cita mesa nombre número hora lo le les
        se me te nos hacer reservar llamar hablar cuántos cuántas personas cuando donde
        a no podemos puedes pueden tienen hay eso algo alguna alguno nada nadie todo mejor
        cuánto cuánta cuesta sea ahora entonces bien creo
        """,
    "de": """
        der die das den dem des ein eine einen einem einer und oder aber nicht kein keine
        ich du er sie es wir ihr mich mir dich dir uns euch mein meine dein ihre ist sind
        bin bist war waren habe hast hat haben hatte möchte möchten will wollen kann können
        könnte würde muss müssen soll mit von zu zum zur für auf aus bei nach über unter
        vor um im am ins ja nein doch noch schon auch nur sehr bitte danke gern gerne
        hallo guten morgen tag abend heute woche termin tisch nummer uhr wie
        was wer wann wo warum welche welcher dass wenn weil also mal eigentlich
        in so da es man gibt gegen etwas nichts alles jetzt dann kostet
        """,
    "fr": """
        le la les un une des du de au aux et ou mais ne pas plus que qui quoi où quand
        comment pourquoi je tu il elle nous vous ils elles me te se moi toi lui leur mon ma
        mes ton ta tes son sa ses notre votre nos vos ce cet cette ces est sont suis es
        sommes êtes était été être avoir ai as avons avez ont fait faire veux voudrais
        voudrait peux pouvez peut dois faut dans sur pour avec sans chez par en y oui non
        merci bonjour bonsoir s'il plaît très aussi bien d'accord c'est j'ai je voudrais
        demain aujourd'hui semaine rendez-vous nom numéro heure personnes
        on a là vers ça dit crois combien coûte fait sera était quelque chose un
        """,
    "hi": """
        hai hain tha thi hoga hogi ho hun hoon nahi nahin nhi na kya kyu kyun kaise
        kaisa kaun kab kahan kidhar mujhe mera meri mere hum humein hamara aap aapka aapki
        aapke tum tumhara main mai mein ka ki ke ko se par bhi toh to aur ya lekin kyunki hu
        agar phir abhi kal aaj parso karna karni karo kariye kijiye karenge karunga karungi
        chahiye chahta chahti sakta sakti sakte raha rahi rahe gaya gayi wala wali wale
        haan han ji accha acha theek thik bas bolo boliye batao bataiye dijiye lijiye
        baat naam samay din baje liye waale yeh ye woh wo koi kuch sab bahut thoda
        honge hoge log milna mil jayega jayegi
        """,
}

# Letters only one of our Latin-script languages writes.
_LETTERS: Mapping[str, str] = {
    "es": "ñ¿¡áíóú",
    "de": "ßäöü",
    "fr": "çèêàùœâîôûë",
}


@dataclass(frozen=True, slots=True)
class Detector:
    """Scores utterances for one set of languages (a flow's ``languages``)."""

    languages: tuple[str, ...]
    weights: Mapping[str, Mapping[str, float]]
    """word → {language: its share of the word}."""

    def scores(self, text: str) -> dict[str, float]:
        """Evidence per language in ``text`` (0 for none); see the module docstring."""
        out = dict.fromkeys(self.languages, 0.0)
        lowered = text.lower()
        if "hi" in out:
            out["hi"] += _DEVANAGARI_WORD * len(_DEVANAGARI.findall(lowered))
        for word in _WORD.findall(lowered):
            shares = self.weights.get(word)
            if shares is None and "\u2019" in word:
                shares = self.weights.get(word.replace("\u2019", "'"))
            if shares is not None:
                for lang, share in shares.items():
                    out[lang] += share
        if "fr" in out:
            out["fr"] += len(_ELISION.findall(lowered.replace("\u2019", "'")))
        for lang, letters in _LETTERS.items():
            if lang in out and any(ch in lowered for ch in letters):
                out[lang] += _LETTER
        return out

    def guess(self, text: str, current: str) -> tuple[str | None, bool]:
        """The language ``text`` votes for (None: no clear evidence), and whether it is decisive.

        A vote for ``current`` is returned too (it clears votes for others).
        """
        scores = self.scores(text)
        best = max(scores, key=lambda lang: scores[lang])
        top = scores[best]
        rest = max((s for lang, s in scores.items() if lang != best), default=0.0)
        if top < VOTE_SCORE or top - rest < VOTE_MARGIN:
            return None, False
        return best, top >= SWITCH_SCORE and top - rest >= SWITCH_MARGIN


@lru_cache(maxsize=64)
def detector_for(languages: tuple[str, ...]) -> Detector:
    """The detector for a flow's languages (built once per set of languages)."""
    have = [lang for lang in dict.fromkeys(languages) if lang in _WORDS]
    counts: dict[str, list[str]] = {}
    for lang in have:
        for word in set(_WORDS[lang].split()):
            counts.setdefault(word, []).append(lang)
    weights = {w: {lang: 1.0 / len(langs) for lang in langs} for w, langs in counts.items()}
    return Detector(tuple(dict.fromkeys(languages)), weights)


@dataclass(slots=True)
class LanguageVotes:
    """One call's pending votes for a switch (the hysteresis)."""

    candidate: str | None = None
    votes: int = 0

    def hear(self, detector: Detector, text: str, current: str) -> str | None:
        """The language to switch to after ``text`` (None: stay in ``current``)."""
        voted, decisive = detector.guess(text, current)
        if voted is None:
            return None  # no evidence: pending votes stand
        if voted == current:
            self.candidate, self.votes = None, 0
            return None
        if voted == self.candidate:
            self.votes += 1
        else:
            self.candidate, self.votes = voted, 1
        if decisive or self.votes >= VOTES_TO_SWITCH:
            self.candidate, self.votes = None, 0
            return voted
        return None


def detect(languages: Sequence[str], votes: LanguageVotes, text: str, current: str) -> str | None:
    """Convenience for one step of a call: the language to switch to, or None."""
    return votes.hear(detector_for(tuple(languages)), text, current)
