"""Per-call counters: what a call cost, for hosts' dashboards and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CallMetrics"]


@dataclass(slots=True)
class CallMetrics:
    """Counters for one call; ``turn_*`` fields cover the turn in progress."""

    turns: int = 0
    llm_calls: int = 0
    llm_ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    llm_failures: int = 0
    turn_llm_calls: int = 0
    turn_llm_ms: float = 0.0
    turn_tokens_in: int = 0
    turn_tokens_out: int = 0

    def add_llm_call(self, *, latency_ms: float, tokens_in: int, tokens_out: int, ok: bool) -> None:
        """Count one model call."""
        self.llm_calls += 1
        self.llm_ms += latency_ms
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.turn_llm_calls += 1
        self.turn_llm_ms += latency_ms
        self.turn_tokens_in += tokens_in
        self.turn_tokens_out += tokens_out
        if not ok:
            self.llm_failures += 1

    def close_turn(self) -> None:
        """Reset the per-turn counters."""
        self.turn_llm_calls = 0
        self.turn_llm_ms = 0.0
        self.turn_tokens_in = 0
        self.turn_tokens_out = 0

    @property
    def llm_calls_per_turn(self) -> float:
        """Average model calls per caller turn."""
        return self.llm_calls / self.turns if self.turns else 0.0
