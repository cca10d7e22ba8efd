"""Our date, time and datetime parsers side by side with ``dateparser`` 1.5.0, per language.

Run from the repository root with our main venv (dateparser is NOT a dependency of the project:
``bash bench/setup_peers.sh`` installs it into ``bench/.dateparser``, which only this script puts
on ``sys.path``)::

    .venv/bin/python bench/dates_vs_dateparser.py [--repeat N] [--out PATH]

Why: the release note said dateparser was not adopted and not measured; this measures it.

Rows (every date/time/datetime row of these files; none is picked or dropped):

* HELD OUT (the fair score): ``tests/languages/slots_heldout.yaml`` (es, de, fr, hi and the
  English control; written by another engineer before the parsers ran on it) and the
  ``held_out`` part of ``tests/languages/moments_corpus.yaml``. A held-out utterance that also
  appears in a tuning corpus is flagged, and the totals are also given without those.
* FRESH (the blindest score, small): ``bench/dates_fresh.yaml``, written by this bench's author
  before either parser ran on it (the held-out corpora have been in the tree, their misses
  printed by the benches, while the parsers changed since, so they may no longer be blind).
  Shown apart.
* TUNED ON (not a fair score for us, shown apart): ``tests/languages/slots_tuning.yaml``, the
  ``tune`` part of ``moments_corpus.yaml`` and the English ``tests/slots/corpus.py``.

Each row runs through ``superdialog.slots.extract(type, text, now=..., region=..., language=...)``
exactly as ``bench/slots_languages.py`` / ``tests/languages/moments_score.py`` call it, and through
dateparser. Outcome per row: ``right`` (the expected value; for an expected null: no value came
out), ``wrong`` (any other value: the flow would act on it), ``none`` (no value where one was
expected: only a re-ask). A ``date`` row compares only the date, a ``time`` row only the time of
day (to the minute), a ``datetime`` row the date and time to the minute.

dateparser's settings, chosen to give it its best fair shot for a booking (the use we have),
never tuned on these rows:

* ``languages=[lang]``: the caller's language is known in a call (as ours is told); no
  auto-detection, which only adds errors.
* ``RELATIVE_BASE = now`` of the corpus: the same reference moment ours gets.
* ``PREFER_DATES_FROM = "future"``: a booking is for a coming day ("el viernes" is the next one).
* ``RETURN_AS_TIMEZONE_AWARE = False``: naive local values, as the corpus writes them.
* ``DATE_ORDER``: "MDY" when the row's region is US, "DMY" for any other given region, the
  language's default when the row gives none (only numeric dates such as 03/04 depend on it).
* ``RETURN_TIME_AS_PERIOD = True`` and a guard on the period it reports, so that dateparser can
  say "no value" as a careful integrator would make it: a ``date`` needs a period of ``day`` or
  ``time`` ("in March", "next week" are month/week periods: no value); a ``time`` or
  ``datetime`` needs the period ``time`` (otherwise no time was said and dateparser would give
  the base's 12:00 or midnight). The guard takes dateparser's own word for what was said; it
  costs it a few right values ("in two weeks" is a ``week`` period, "après-demain à midi" a
  ``day`` one) and saves it more wrong ones. The counts without it are kept apart as
  ``dateparser_unguarded``.
* ``PREFER_DAY_OF_MONTH``, ``STRICT_PARSING``, ``REQUIRE_PARTS``: defaults (strict parsing would
  refuse "le 3 janvier"; the period guard already does what ``REQUIRE_PARTS`` would).
* One ``DateDataParser`` per (language, date order, reference time), built once and reused: the
  fastest way to call it (``dateparser.parse`` with settings builds a new one on every call).

Two dateparser columns: ``dateparser`` (``get_date_data`` on the whole utterance, the period
guard) and ``dateparser+search`` (the same, and when the whole utterance gives nothing,
``dateparser.search.search_dates`` on it, taking the first found phrase whose own period passes
the guard): callers wrap the value in words ("quisiera reservar para el sábado") and ours finds
values inside utterances, so the search is dateparser's way to do the same.

Speed: each call timed on its own (``time.perf_counter_ns``) over ``--repeat`` passes after a
warm-up pass (lazy imports and dateparser's language data are loaded then): median and p99 µs
per utterance, per side and per set.

Prints the tables and writes ``bench/dates_vs_dateparser.json`` with every row's outcome and
the ten most telling wrong values of each side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATEPARSER_DIR = BENCH / ".dateparser"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import slots_languages as sl  # noqa: E402  (bench/slots_languages.py: corpus reader, machine)

from superdialog.slots import extract  # noqa: E402

MOMENTS = ROOT / "tests" / "languages" / "moments_corpus.yaml"
FRESH = BENCH / "dates_fresh.yaml"
DEFAULT_OUT = BENCH / "dates_vs_dateparser.json"
TYPES = ("date", "time", "datetime")
LANGUAGES = ("es", "de", "fr", "hi", "en")
SIDES = ("ours", "dateparser", "dateparser+search")
SETS = (
    ("held_out", "HELD OUT (the fair score)"),
    ("fresh", "FRESH (written for this bench, before either parser ran on it)"),
    ("tuned_on", "TUNED ON (our rules were tuned on these: not a fair score for us)"),
)
INSTALL_HINT = (
    "dateparser 1.5.0 is not installed for this bench. Install it (outside the project's venv) "
    "with:\n    bash bench/setup_peers.sh\nor only it:\n"
    "    .venv/bin/python -m pip install --target bench/.dateparser dateparser==1.5.0"
)


def _load_dateparser() -> tuple[Any, Any, str]:
    """``DateDataParser``, ``search_dates`` and the version, from ``bench/.dateparser`` only."""
    if not (DATEPARSER_DIR / "dateparser").is_dir():
        sys.exit(INSTALL_HINT)
    sys.path.append(str(DATEPARSER_DIR))  # last: the project's own packages always win
    try:
        import dateparser  # lazy: only this bench sees it, from bench/.dateparser
        from dateparser.search import search_dates  # lazy: as above
    except ImportError as exc:
        sys.exit(f"{INSTALL_HINT}\n({exc})")
    if not str(Path(dateparser.__file__).resolve()).startswith(str(DATEPARSER_DIR.resolve())):
        sys.exit(f"dateparser imported from {dateparser.__file__}, not from {DATEPARSER_DIR}")
    return dateparser.DateDataParser, search_dates, dateparser.__version__


@dataclass(frozen=True)
class Row:
    """One utterance, its slot type, the value it must give, and where it comes from."""

    source: str
    set: str  # "held_out", "fresh" or "tuned_on"
    language: str
    type: str
    text: str
    expected: Any
    now: datetime
    region: str | None = None
    opts: dict[str, Any] = field(default_factory=dict)


def _moment(type_name: str, raw: Any) -> Any:
    if raw is None:
        return None
    if type_name == "date":
        return date.fromisoformat(str(raw))
    if type_name == "time":
        return clock_time.fromisoformat(str(raw))
    return datetime.fromisoformat(str(raw))


def _from_languages_yaml(path: Path, source: str, set_name: str) -> list[Row]:
    """The date/time/datetime rows of a ``languages:`` corpus (slots_heldout / slots_tuning)."""
    rows = []
    for case in sl.load_corpus(path):
        if case.type in TYPES:
            opts = dict(case.opts)
            region = opts.pop("region", None)
            rows.append(
                Row(source, set_name, case.language, case.type, case.text, case.expected,
                    case.now, region, opts)
            )  # fmt: skip
    return rows


def load_rows() -> list[Row]:
    """Every date/time/datetime row of the held-out and the tuning corpora, in file order."""
    rows = _from_languages_yaml(sl.CORPUS, "slots_heldout.yaml", "held_out")
    data = yaml.safe_load(MOMENTS.read_text(encoding="utf-8"))
    now = datetime.fromisoformat(str(data["now"]))
    for part, language, type_name, text, raw in data["cases"]:
        if part not in ("tune", "held_out"):
            raise ValueError(f"{MOMENTS.name}: unknown part {part!r}")
        rows.append(
            Row(f"moments_corpus.yaml:{part}", "held_out" if part == "held_out" else "tuned_on",
                language, type_name, text,
                _moment(type_name, raw), now)
        )  # fmt: skip
    fresh = yaml.safe_load(FRESH.read_text(encoding="utf-8"))
    fresh_now = datetime.fromisoformat(str(fresh["now"]))
    for language, type_name, text, raw in fresh["cases"]:
        rows.append(
            Row("bench/dates_fresh.yaml", "fresh", language, type_name, text,
                _moment(type_name, raw), fresh_now, fresh["regions"][language])
        )  # fmt: skip
    rows += _from_languages_yaml(sl.TUNING, "slots_tuning.yaml", "tuned_on")
    from tests.slots import corpus  # lazy: the English test corpus, only for this bench

    for case in corpus.CASES:
        if case.type in TYPES:
            opts = dict(case.opts)
            region = opts.pop("region", None)
            rows.append(
                Row("tests/slots/corpus.py", "tuned_on", "en", case.type, case.text, case.expected,
                    corpus.NOW, region, opts)
            )  # fmt: skip
    return rows


def _said(text: str) -> str:
    return " ".join(text.lower().split())


def tuned_utterances(rows: list[Row]) -> set[tuple[str, str]]:
    """(language, utterance) of every tuned-on row: a held-out row among them is flagged."""
    return {(r.language, _said(r.text)) for r in rows if r.set == "tuned_on"}


def comparable(type_name: str, value: Any) -> Any:
    """The part of a value the row's type compares: date, time of day, datetime to the minute."""
    if value is None:
        return None
    if type_name == "date":
        return value.date() if isinstance(value, datetime) else value
    if type_name == "time":
        value = value.time() if isinstance(value, datetime) else value
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    return value  # a date for a datetime row: wrong, shown as it came


def outcome(got: Any, want: Any) -> str:
    """``right``, ``wrong`` (a value that is not the expected one) or ``none``."""
    if got == want and type(got) is type(want):
        return "right"
    return "none" if got is None else "wrong"


class DateparserSide:
    """dateparser as a booking integrator would call it (see the module docstring)."""

    # The periods that say enough for each slot type.
    NEEDS = {"date": ("day", "time"), "time": ("time",), "datetime": ("time",)}

    def __init__(self, parser_class: Any, search_dates: Callable[..., Any]) -> None:
        self._parser_class = parser_class
        self._search_dates = search_dates
        self._parsers: dict[tuple[str, str | None, datetime], tuple[Any, dict[str, Any]]] = {}

    def _parser(self, row: Row) -> tuple[Any, dict[str, Any]]:
        order = None if row.region is None else ("MDY" if row.region == "US" else "DMY")
        key = (row.language, order, row.now)
        if key not in self._parsers:
            settings: dict[str, Any] = {
                "RELATIVE_BASE": row.now,
                "PREFER_DATES_FROM": "future",
                "RETURN_AS_TIMEZONE_AWARE": False,
                "RETURN_TIME_AS_PERIOD": True,
            }
            if order is not None:
                settings["DATE_ORDER"] = order
            self._parsers[key] = (
                self._parser_class(languages=[row.language], settings=settings),
                settings,
            )
        return self._parsers[key]

    def _guarded(self, row: Row, data: Any) -> Any:
        if data is None or data.date_obj is None or data.period not in self.NEEDS[row.type]:
            return None
        return comparable(row.type, data.date_obj)

    def unguarded(self, row: Row) -> Any:
        """``dateparser.parse``'s value as it is, no period guard (reference only)."""
        parser, _ = self._parser(row)
        return comparable(row.type, parser.get_date_data(row.text).date_obj)

    def parse(self, row: Row) -> Any:
        """The whole utterance through ``get_date_data``, the period guard on its answer."""
        parser, _ = self._parser(row)
        return self._guarded(row, parser.get_date_data(row.text))

    def parse_then_search(self, row: Row) -> Any:
        """:meth:`parse`, and when it gives nothing the first phrase ``search_dates`` finds."""
        value = self.parse(row)
        if value is not None:
            return value
        parser, settings = self._parser(row)
        found = self._search_dates(row.text, languages=[row.language], settings=settings) or []
        for phrase, _ in found:
            value = self._guarded(row, parser.get_date_data(phrase))
            if value is not None:
                return value
        return None


def ours(row: Row) -> Any:
    """Our ``extract`` with the row's language, reference time, region and options."""
    opts = dict(row.opts)
    if row.region is not None:
        opts["region"] = row.region
    value = extract(row.type, row.text, now=row.now, language=row.language, **opts)
    return comparable(row.type, value)


def _blank() -> dict[str, int]:
    return {"rows": 0, "right": 0, "wrong": 0, "none": 0}


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, clock_time):
        return value.isoformat(timespec="minutes")
    return value.isoformat() if isinstance(value, date) else repr(value)


def run_rows(
    rows: list[Row], sides: dict[str, Callable[[Row], Any]], tuned: set[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Every row through every side: what came out and the outcome."""
    results = []
    for row in rows:
        entry: dict[str, Any] = {
            "set": row.set,
            "source": row.source,
            "language": row.language,
            "type": row.type,
            "text": row.text,
            "expected": _shown(row.expected),
            "also_in_tuning": row.set != "tuned_on" and (row.language, _said(row.text)) in tuned,
        }
        for name, side in sides.items():
            try:
                got = side(row)
            except Exception as exc:  # counted as no value, shown: it must not hide
                entry[name] = {"value": f"raised {type(exc).__name__}: {exc}", "outcome": "none"}
                continue
            entry[name] = {"value": _shown(got), "outcome": outcome(got, row.expected)}
        results.append(entry)
    return results


def tally(results: list[dict[str, Any]], sides: tuple[str, ...]) -> dict[str, Any]:
    """Counts per set, language and type, per side; and per set and side over all languages."""
    counts: dict[str, Any] = {}
    for entry in results:
        for side in sides:
            keys = [
                (entry["set"], entry["language"], entry["type"]),
                (entry["set"], entry["language"], "all"),
                (entry["set"], "all", "all"),
            ]
            if entry["set"] != "tuned_on" and not entry["also_in_tuning"]:
                keys.append((f"{entry['set']}_not_in_tuning", "all", "all"))
            for set_name, language, type_name in keys:
                cell = (
                    counts.setdefault(set_name, {})
                    .setdefault(language, {})
                    .setdefault(type_name, {})
                    .setdefault(side, _blank())
                )
                cell["rows"] += 1
                cell[entry[side]["outcome"]] += 1
    return counts


def _percentile(samples: list[float], q: float) -> float:
    return sl.percentile(samples, q)


def timings(
    rows: list[Row], sides: dict[str, Callable[[Row], Any]], repeat: int
) -> dict[str, dict[str, dict[str, float]]]:
    """Median and p99 µs per utterance, per set (held out / fresh / tuned on) and side."""
    ticks = time.perf_counter_ns
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, side in sides.items():
        samples: dict[str, list[float]] = defaultdict(list)
        for row in rows:  # warm-up
            try:
                side(row)
            except Exception:  # shown by run_rows
                continue
        for _ in range(repeat):
            for row in rows:
                t0 = ticks()
                try:
                    side(row)
                except Exception:  # shown by run_rows
                    continue
                samples[row.set].append((ticks() - t0) / 1000)
        for set_name, values in samples.items():
            out.setdefault(set_name, {})[name] = {
                "calls": len(values),
                "median_us": statistics.median(values),
                "p99_us": _percentile(values, 0.99),
            }
    return out


# How telling a wrong value is: a value where none may come out (a past day, a range, Hindi
# "कल", a date with no time for a datetime) first, then a wrong value for a plain utterance.
def _telling(entry: dict[str, Any], side: str) -> tuple[int, int, int]:
    other = "dateparser" if side == "ours" else "ours"
    return (
        {"held_out": 0, "fresh": 1}.get(entry["set"], 2),
        0 if entry["expected"] is None else 1,
        0 if entry[other]["outcome"] == "right" else 1,  # the other side got it right
    )


def most_telling(results: list[dict[str, Any]], side: str, n: int = 10) -> list[dict[str, Any]]:
    """The ``n`` most telling wrong values of one side, at most three per language first.

    Ordered by: held out, then fresh, then tuned on; an expected null before a wrong value; the
    other side right before both wrong; spread over the languages so one does not fill it.
    """
    wrong = [e for e in results if e[side]["outcome"] == "wrong"]
    wrong.sort(key=lambda e: _telling(e, side))
    picked: list[dict[str, Any]] = []
    per_language: dict[str, int] = defaultdict(int)
    for cap in (3, n):
        for entry in wrong:
            if len(picked) == n:
                break
            if entry in picked or per_language[entry["language"]] >= cap:
                continue
            picked.append(entry)
            per_language[entry["language"]] += 1
    picked.sort(key=lambda e: _telling(e, side))
    return [_brief(e, side) for e in picked]


def _brief(entry: dict[str, Any], side: str) -> dict[str, Any]:
    """A row as listed in a report: what one side gave, what was expected, what the other gave."""
    other = "dateparser" if side == "ours" else "ours"
    return {
        "set": entry["set"],
        "language": entry["language"],
        "type": entry["type"],
        "text": entry["text"],
        "value": entry[side]["value"],
        "expected": entry["expected"],
        f"{other}_gave": entry[other]["value"],
    }


def _line(e: dict[str, Any]) -> str:
    other = next(k for k in e if k.endswith("_gave"))
    return (
        f"  [{e['set']}] {e['language']} {e['type']:<8} {e['text']!r} → {e['value']} "
        f"(expected {e['expected']}; {other.removesuffix('_gave')}: {e[other]})"
    )


def _cell(c: dict[str, int]) -> str:
    return f"{c['right']:>3}/{c['wrong']:>2}/{c['none']:>2}"


def table(counts: dict[str, Any], set_name: str, sides: tuple[str, ...]) -> list[str]:
    """One set's table: right / wrong / none per language and type, per side."""
    per = counts.get(set_name, {})
    head = f"{'lang':<4} {'type':<8} {'rows':>4}  " + "  ".join(f"{s:>17}" for s in sides)
    lines = [head, "-" * len(head)]
    for language in [*LANGUAGES, "all"]:
        for type_name in [*TYPES, "all"]:
            cells = per.get(language, {}).get(type_name)
            if not cells or (language == "all" and type_name != "all"):
                continue
            rows = cells[sides[0]]["rows"]
            lines.append(
                f"{language:<4} {type_name:<8} {rows:>4}  "
                + "  ".join(f"{_cell(cells[s]):>17}" for s in sides)
            )
    return lines


def markdown(counts: dict[str, Any], times: dict[str, Any], set_name: str) -> list[str]:
    """The same table in Markdown (for bench/README.md and docs/languages.md)."""
    per = counts.get(set_name, {})
    lines = [
        "| language | type | rows | ours right / wrong / none | dateparser right / wrong / none "
        "| dateparser+search right / wrong / none |",
        "|---|---|---:|---|---|---|",
    ]
    for language in [*LANGUAGES, "all"]:
        for type_name in [*TYPES, "all"]:
            cells = per.get(language, {}).get(type_name)
            if not cells or (language == "all" and type_name != "all"):
                continue
            bold = "**" if type_name == "all" else ""
            row = [f"{bold}{language}{bold}", type_name, str(cells["ours"]["rows"])]
            for side in SIDES:
                c = cells[side]
                row.append(f"{bold}{c['right']} / {c['wrong']} / {c['none']}{bold}")
            lines.append("| " + " | ".join(row) + " |")
    t = times.get(set_name, {})
    if t:
        lines.append(
            "| µs per utterance | median / p99 | | "
            + " | ".join(f"{t[s]['median_us']:.0f} / {t[s]['p99_us']:.0f}" for s in SIDES)
            + " |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed passes (default 20)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results path")
    args = parser.parse_args()
    parser_class, search_dates, version = _load_dateparser()
    dp = DateparserSide(parser_class, search_dates)
    sides: dict[str, Callable[[Row], Any]] = {
        "ours": ours,
        "dateparser": dp.parse,
        "dateparser+search": dp.parse_then_search,
    }
    rows = load_rows()
    tuned = tuned_utterances(rows)
    results = run_rows(rows, {**sides, "dateparser_unguarded": dp.unguarded}, tuned)
    counts = tally(results, (*SIDES, "dateparser_unguarded"))
    times = timings(rows, sides, args.repeat)
    telling = {side: most_telling(results, side) for side in SIDES}
    ours_no_value = [
        _brief(e, "ours")
        for e in results
        if e["set"] != "tuned_on" and e["ours"]["outcome"] == "none"
    ]

    print("cells: right / wrong value / no value")
    for set_name, title in SETS:
        print(f"\n== {title}")
        print("\n".join(table(counts, set_name, SIDES)))
        for side in SIDES:
            t = times.get(set_name, {}).get(side)
            if t:
                print(f"   {side:<18} median {t['median_us']:8.1f} µs   p99 {t['p99_us']:8.1f} µs")
    print()
    for set_name in ("held_out", "fresh"):
        clean = counts.get(f"{set_name}_not_in_tuning", {}).get("all", {}).get("all")
        if clean:
            print(
                f"{set_name} without the utterances also in a tuning corpus "
                f"({clean['ours']['rows']} rows): "
                + ", ".join(f"{s} {_cell(clean[s])}" for s in SIDES)
            )
    for set_name, _ in SETS:
        u = counts[set_name]["all"]["all"]["dateparser_unguarded"]
        print(f"dateparser without the period guard, {set_name}: {_cell(u)}")
    for side, entries in telling.items():
        print(f"\n== the most telling wrong values of {side} (up to 10; {len(entries)} listed)")
        print("\n".join(_line(e) for e in entries))
    print("\n== ours: no value where one was expected (held out and fresh)")
    print("\n".join(_line(e) for e in ours_no_value))
    out = {
        "what": "ours vs dateparser on date/time/datetime rows; cells right/wrong/none",
        "dateparser_version": version,
        "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": sl._commit(),
        "slots_source": sl._slots_source(),
        "repeat": args.repeat,
        "machine": sl.machine(),
        "sets": {
            "held_out": ["tests/languages/slots_heldout.yaml", "moments_corpus.yaml:held_out"],
            "fresh": ["bench/dates_fresh.yaml"],
            "tuned_on": [
                "moments_corpus.yaml:tune",
                "tests/languages/slots_tuning.yaml",
                "tests/slots/corpus.py",
            ],
        },
        "counts": counts,
        "timing_us": times,
        "most_telling_wrong": telling,
        "ours_no_value_held_out_and_fresh": ours_no_value,
        "markdown": {name: "\n".join(markdown(counts, times, name)) for name, _ in SETS},
        "rows": results,
    }
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
