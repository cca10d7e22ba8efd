"""What the checks report: located errors (the flow would fail on a call) and warnings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from superdialog.errors import Location, Problem
from superdialog.spec.yaml_source import Path

__all__ = ["Findings", "Locate", "TemplateUse"]

Locate = Callable[[str | None, Path], Location]
"""Where ``path`` was written: in state ``state`` (possibly inlined), or at the top level."""


@dataclass(frozen=True, slots=True)
class TemplateUse:
    """One template or ``if:`` expression of a flow, where it was written.

    ``state`` is the (inlined) state it belongs to, ``None`` for the flow's
    own templates (persona, messages, global rules, slot prompts);
    ``path`` is its key path inside that state or the file.
    """

    source: str
    state: str | None
    path: Path
    expression: bool = False


@dataclass(slots=True)
class Findings:
    """Errors (a call would certainly fail) and warnings (it may), each located."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, where: Location, message: str, hint: str | None = None) -> None:
        """Record an error."""
        self.errors.append(Problem(where, message, hint))

    def warn(self, where: Location, message: str, hint: str | None = None) -> None:
        """Record a warning."""
        self.warnings.append(Problem(where, message, hint))

    def extend(self, other: Findings) -> None:
        """Add another check's findings."""
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
