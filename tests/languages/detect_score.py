"""Score the language detector on detect_corpus.yaml: votes, switches and false switches.

Run as a script for the figures in docs/languages.md:
``.venv/bin/python tests/languages/detect_score.py``.

* per utterance (one line, no history): a correct vote, an abstention, or a wrong
  vote (a vote for another language; for a ``short:`` line any vote but its own);
* a call in another language hearing one clear line: does it switch at once, or
  after the same line twice (the hysteresis);
* false switches: a call already in the line's language, hearing every line of the
  corpus in that language in order, and a call hearing each short line of any
  language: how often it leaves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from superdialog.runtime.detect_language import LanguageVotes, detector_for

CORPUS = Path(__file__).with_name("detect_corpus.yaml")
HELD_OUT = Path(__file__).with_name("detect_heldout.yaml")
LANGUAGES = ("en", "es", "de", "fr", "hi")


@dataclass(frozen=True)
class Line:
    """One utterance of the corpus."""

    language: str
    text: str
    short: bool


def corpus(path: Path = CORPUS) -> list[Line]:
    """Every line of the corpus (or of the held-out part)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Line(lang, str(item["text"]), bool(item.get("short", False)))
        for lang, items in data.items()
        for item in items
    ]


@dataclass
class Score:
    """Counts for one language."""

    clear: int = 0
    correct: int = 0
    abstained: int = 0
    wrong: int = 0
    short: int = 0
    short_wrong: int = 0
    switched_at_once: int = 0
    switched_by_second: int = 0
    false_switches: int = 0
    heard: int = 0


def score(languages: tuple[str, ...] = LANGUAGES, path: Path = CORPUS) -> dict[str, Score]:
    """The figures per language for a flow declaring ``languages``."""
    detector = detector_for(languages)
    lines = [x for x in corpus(path) if x.language in languages]
    out = {lang: Score() for lang in languages}
    for line in lines:
        s = out[line.language]
        other = next(lang for lang in languages if lang != line.language)
        voted, _ = detector.guess(line.text, other)
        if line.short:
            s.short += 1
            s.short_wrong += voted is not None and voted != line.language
        else:
            s.clear += 1
            s.correct += voted == line.language
            s.abstained += voted is None
            s.wrong += voted is not None and voted != line.language
            votes = LanguageVotes()
            if votes.hear(detector, line.text, other) == line.language:
                s.switched_at_once += 1
                s.switched_by_second += 1
            elif votes.hear(detector, line.text, other) == line.language:
                s.switched_by_second += 1
    for lang in languages:  # a call in `lang` hears all its lines, in order
        votes, current = LanguageVotes(), lang
        for line in (x for x in lines if x.language == lang):
            out[lang].heard += 1
            new = votes.hear(detector, line.text, current)
            if new is not None:
                out[lang].false_switches += 1
                current = new
    return out


def microseconds(languages: tuple[str, ...] = LANGUAGES, rounds: int = 50) -> float:
    """Mean time of one ``guess`` over the corpus, in µs."""
    detector = detector_for(languages)
    texts = [x.text for x in corpus()]
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            detector.guess(text, "en")
    return (time.perf_counter() - start) / (rounds * len(texts)) * 1e6


def main() -> None:
    """Print the tables for docs/languages.md."""
    for path in (CORPUS, HELD_OUT):
        table(path)
    print(f"{microseconds():.1f} µs per utterance")


def table(path: Path) -> None:
    """Print the table of one part."""
    print(path.name)
    print(
        "| language | clear lines: right vote / wrong vote / no vote | switched on 1 line / 2 "
        "| short lines voted elsewhere | false switches in a call |"
    )
    print("|---|---|---|---|---|")
    for lang, s in score(path=path).items():
        print(
            f"| {lang} | {s.correct}/{s.clear} / {s.wrong} / {s.abstained} "
            f"| {s.switched_at_once} / {s.switched_by_second} "
            f"| {s.short_wrong}/{s.short} | {s.false_switches}/{s.heard} |"
        )
    for pair in (("en", "hi"), ("en", "es")):
        print(
            pair,
            {
                k: (v.correct, v.clear, v.wrong, v.false_switches)
                for k, v in score(pair, path).items()
            },
        )


if __name__ == "__main__":
    main()
