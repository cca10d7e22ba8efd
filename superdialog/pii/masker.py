"""``Masker``: one call's secrets, and masking by value at every exit.

Each call owns one ``Masker``. Everything secret the call learns is added to
it — PII slot values, result fields an action declares as PII, values a
caller volunteers outside a PII state — and from then on every text and every
structure leaving the call goes through it: speech outside PII states (also
streamed model tokens, with ``StreamMasker``), history, prompts,
``LLMCallData``, events, ``state``, snapshots, exception messages and log
lines. A secret is found in any rendering (see ``superdialog.pii.project``):
grouped or spoken digits, letters ignoring case and separators, dates in any
order and spelling, amounts with or without cents.

Two replacements: ``[redacted]`` where text is stored or shown, and a spoken
form ("ending in 4 2") where it is said.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from superdialog.pii.project import CONNECTORS, NUMBER_WORDS, canonical, project
from superdialog.pii.renderings import leaves, renderings

__all__ = ["REDACTED", "SPOKEN_MASK", "Masker", "StreamMasker", "json_safe"]

REDACTED = "[redacted]"
SPOKEN_MASK = "the one you gave me"
"""What is said in place of a secret that has no spoken form of its own."""

_LONG = 8  # projections at least this long may match inside a longer run of characters
_FRACTION = re.compile(r"[.,]\d+")
"""A decimal fraction glued to a masked value is part of it ("4111…1111.0")."""
_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?")
"""A value that is one number: masked whole when any of it is secret."""
_VOCAB_PREFIXES = frozenset(w[:n] for w in NUMBER_WORDS | CONNECTORS for n in range(1, len(w) + 1))


@dataclass(slots=True)
class _Secret:
    canon: str
    aligned: bool
    llm_ok: bool
    spoken: str


def json_safe(value: Any, _depth: int = 0) -> Any:
    """A JSON-ready copy of any value: dates as ISO text, decimals as text, the rest by repr."""
    if _depth > 32:
        return REDACTED
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): json_safe(v, _depth + 1) for k, v in list(value.items())[:1000]}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, _depth + 1) for v in list(value)[:1000]]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    inner = getattr(value, "value", None)
    if isinstance(inner, Decimal | int | float | str):
        return json_safe(inner, _depth + 1)
    return repr(value)[:1000]


class Masker:
    """The secrets of one call and the one way to mask them (see module docstring)."""

    __slots__ = ("_cache", "_exact", "_longest", "_prefixes", "_secrets")

    def __init__(self) -> None:
        self._cache: dict[tuple[str, bool, bool], str] = {}  # one line is masked for many exits
        self._secrets: dict[str, _Secret] = {}
        self._exact: dict[str, bool] = {}  # projection of every secret leaf -> llm_ok
        self._prefixes: frozenset[str] | None = frozenset()
        self._longest = 0

    def __bool__(self) -> bool:
        return bool(self._exact)

    def __len__(self) -> int:
        """How many distinct secret renderings are known."""
        return len(self._exact) + len(self._secrets)

    def add(
        self,
        value: Any,
        *,
        llm_ok: bool = False,
        spoken: str | None = None,
        kind: str | None = None,
    ) -> None:
        """Make ``value`` (any type, also nested) a secret of the call, in all its renderings.

        Args:
            value: The secret.
            llm_ok: The flow lets a model see it (``send_to_llm``): left in prompts only.
            spoken: What to say in its place; default ``SPOKEN_MASK``.
            kind: The slot type it came from, when known.

        """
        for leaf in leaves(value):
            c = canonical(str(leaf)[:512]) if not isinstance(leaf, dt.date) else ""
            if c:
                self._exact[c] = self._exact.get(c, True) and llm_ok
        for c in renderings(value, kind):
            old = self._secrets.get(c)
            if old is not None:
                old.llm_ok = old.llm_ok and llm_ok
                continue
            aligned = len(c) < _LONG or c.isalpha()
            self._secrets[c] = _Secret(c, aligned, llm_ok, spoken or SPOKEN_MASK)
            self._exact.setdefault(c, llm_ok)
            self._prefixes = None
            self._longest = max(self._longest, len(c))
        self._cache.clear()

    def export(self) -> dict[str, Any]:
        """Everything the masker knows, JSON-safe, for a call record (seal it: it is PII)."""
        return {
            "secrets": [[s.canon, s.aligned, s.llm_ok, s.spoken] for s in self._secrets.values()],
            "exact": [[c, ok] for c, ok in self._exact.items()],
            "longest": self._longest,
        }

    def load(self, data: Mapping[str, Any]) -> None:
        """Replace what the masker knows with ``export()``'s output (a restored call).

        In place: a log filter that already holds this masker masks the restored secrets.
        """
        self._secrets = {
            str(canon): _Secret(str(canon), bool(aligned), bool(llm_ok), str(spoken))
            for canon, aligned, llm_ok, spoken in data["secrets"]
        }
        self._exact = {str(c): bool(ok) for c, ok in data["exact"]}
        self._longest = int(data["longest"])
        self._prefixes = None
        self._cache.clear()

    # ------------------------------------------------------------------ text
    def _hits(self, text: str, *, for_llm: bool) -> list[tuple[int, int, str]]:
        proj = project(text)
        p = proj.text
        hits: list[tuple[int, int, str]] = []
        for sec in self._secrets.values():
            if for_llm and sec.llm_ok:
                continue
            i = p.find(sec.canon)
            while i != -1:
                j = i + len(sec.canon)
                if not sec.aligned or proj.aligned(i, j):
                    start, end = proj.span(i, j)
                    hits.append((start, end, sec.spoken))
                i = p.find(sec.canon, i + 1)
        return hits

    def mask(self, text: str, *, spoken: bool = False, for_llm: bool = False) -> str:
        """``text`` with every secret replaced (by its spoken form when ``spoken``).

        ``for_llm``: a prompt — values the flow lets the model see stay.
        """
        if not self._secrets or not text:
            return text
        key = (text, spoken, for_llm)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._mask(text, spoken=spoken, for_llm=for_llm)
            if len(self._cache) >= 64:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def _mask(self, text: str, *, spoken: bool, for_llm: bool) -> str:
        hits = self._hits(text, for_llm=for_llm)
        if not hits:
            return text
        hits.sort()
        merged: list[list[Any]] = []
        for start, end, say in hits:
            glued = _FRACTION.match(text, end)
            if glued is not None:  # "[redacted].0" would still show the number's shape
                end = glued.end()
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end, say])
        out: list[str] = []
        last = 0
        for start, end, say in merged:
            out.append(text[last:start])
            out.append(say if spoken else REDACTED)
            last = end
        out.append(text[last:])
        return "".join(out)

    def is_secret(self, value: Any, *, for_llm: bool = False) -> bool:
        """Whether a scalar equals a secret (in any rendering), however short it is."""
        if isinstance(value, bool) or value is None:
            return False
        c = canonical(str(json_safe(value))[:512])
        if not c:
            return False
        llm_ok = self._exact.get(c)
        if llm_ok is None:
            return False
        return not (for_llm and llm_ok)

    # ------------------------------------------------------------------ data
    def mask_data(self, value: Any, *, for_llm: bool = False) -> Any:
        """A JSON-ready copy of ``value`` with every secret masked, of any type, at any depth."""
        return self._mask_data(json_safe(value), for_llm)

    def _mask_data(self, value: Any, for_llm: bool) -> Any:
        if isinstance(value, dict):
            return {k: self._mask_data(v, for_llm) for k, v in value.items()}
        if isinstance(value, list):
            return [self._mask_data(v, for_llm) for v in value]
        if value is None or isinstance(value, bool) or not self._exact:
            return value
        if self.is_secret(value, for_llm=for_llm):
            return REDACTED
        text = value if isinstance(value, str) else str(value)
        masked = self.mask(text, for_llm=for_llm)
        if masked == text:
            return value
        # a number is one value: a secret in any part of it masks all of it (no "-[redacted].5")
        return REDACTED if not isinstance(value, str) or _NUMBER.fullmatch(text.strip()) else masked

    # ------------------------------------------------------------------ streaming
    def prefixes(self) -> frozenset[str]:
        """Every prefix of every secret's projection (for streaming hold-back)."""
        if self._prefixes is None:
            self._prefixes = frozenset(c[:n] for c in self._secrets for n in range(1, len(c) + 1))
        return self._prefixes

    def stream(self, *, spoken: bool = True) -> StreamMasker:
        """A masker for text that arrives in chunks (model tokens)."""
        return StreamMasker(self, spoken=spoken)

    @property
    def longest(self) -> int:
        """Length of the longest secret projection."""
        return self._longest


class StreamMasker:
    """Masks a token stream: holds back only what could still become a secret.

    A chunk is released at once unless its tail could be the start of a
    secret (a digit run, a number word, letters that begin a secret name or
    id): that tail waits for the next chunk. ``flush()`` releases the rest.
    """

    __slots__ = ("_buf", "_masker", "_spoken")

    def __init__(self, masker: Masker, *, spoken: bool) -> None:
        self._masker = masker
        self._spoken = spoken
        self._buf = ""

    def feed(self, chunk: str) -> str:
        """Add a chunk; return what may be spoken now (masked)."""
        self._buf += chunk
        hold = self._hold_point()
        out, self._buf = self._buf[:hold], self._buf[hold:]
        return self._masker.mask(out, spoken=self._spoken)

    def flush(self) -> str:
        """The end of the stream: release (masked) whatever is held."""
        out, self._buf = self._buf, ""
        return self._masker.mask(out, spoken=self._spoken)

    def _hold_point(self) -> int:
        buf = self._buf
        if not buf:
            return 0
        hold = end = len(buf)
        if buf[-1].isalnum():  # the last word may go on in the next chunk
            start = end
            while start > 0 and buf[start - 1].isalnum():
                start -= 1
            word = buf[start:].lower()
            if word in _VOCAB_PREFIXES or word.isdigit():
                # it may become a number word or a connector that continues what came before
                hold = end = start
        proj = project(buf[:end])
        if proj.open_from is not None:  # "twenty" may still become "twenty one"
            hold = end = proj.open_from
            proj = project(buf[:end])
        p = proj.text
        prefixes = self._masker.prefixes()
        for i in range(max(0, len(p) - self._masker.longest + 1), len(p)):
            if p[i:] in prefixes:
                hold = min(hold, proj.pieces[proj.owner(i)][1])
                break
        # a secret that is complete but whose end may still grow is held whole
        if hold < len(buf):
            for start, stop, _ in self._masker._hits(buf, for_llm=False):
                if start < hold < stop:
                    hold = start
        return hold
