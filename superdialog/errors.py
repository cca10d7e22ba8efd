"""SuperDialog's exception tree.

Every error the library raises on purpose is one of these, so callers can catch
``SuperDialogError`` and know they have seen everything::

    SuperDialogError
    ├── FlowError            a flow file is wrong; carries every located problem at once
    ├── RuntimeFlowError     something failed inside a live call (has ``state``)
    │   ├── TemplateError    a template failed to render at run time
    │   └── ActionError      a registered callable or HTTP action failed or timed out
    ├── LLMError             the model endpoint failed (has ``retryable``)
    │   ├── LLMTimeoutError
    │   ├── LLMConnectionError
    │   ├── LLMStatusError   HTTP status from the endpoint (``status_code``)
    │   └── LLMProtocolError the endpoint answered something we cannot read
    ├── SlotTypeError        an unknown slot type, or a bad custom registration
    └── RenderError          graphviz is missing, timed out or failed

Errors that are *for the model or the caller* (a slot value that does not
validate, a tool call with bad arguments) are not exceptions of this tree:
they are ordinary results the runtime turns into a reprompt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ActionError",
    "FlowError",
    "HostGone",
    "LLMConnectionError",
    "LLMError",
    "LLMProtocolError",
    "LLMStatusError",
    "LLMTimeoutError",
    "Location",
    "Problem",
    "RenderError",
    "RuntimeFlowError",
    "SlotTypeError",
    "SuperDialogError",
    "TemplateError",
]


class SuperDialogError(Exception):
    """Base class of every error SuperDialog raises on purpose."""


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a flow file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a flow file, with an optional hint."""

    location: Location
    message: str
    hint: str | None = None

    @property
    def file(self) -> str:
        """File the problem is in."""
        return self.location.file

    @property
    def line(self) -> int:
        """1-based line."""
        return self.location.line

    @property
    def column(self) -> int:
        """1-based column."""
        return self.location.column

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class FlowError(SuperDialogError):
    """A flow could not be loaded; ``problems`` lists every located problem.

    The first problem's ``file``/``line``/``column`` are exposed directly so
    editors and the CLI can jump to it.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.file, p.line, p.column, p.message))
        )
        if not self.problems:
            raise ValueError("FlowError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Alias of ``problems``."""
        return self.problems

    @property
    def file(self) -> str:
        """File of the first problem."""
        return self.problems[0].file

    @property
    def line(self) -> int:
        """Line of the first problem."""
        return self.problems[0].line

    @property
    def column(self) -> int:
        """Column of the first problem."""
        return self.problems[0].column


class RuntimeFlowError(SuperDialogError):
    """Something failed during a live call, in ``state``."""

    def __init__(self, message: str, *, state: str | None = None) -> None:
        super().__init__(message if state is None else f"[{state}] {message}")
        self.state = state


class HostGone(RuntimeFlowError):
    """The host's connection is closed (the caller hung up): no control verb can reach it.

    Not a failure of the flow: the call is over, as a hang-up. Raised in place
    of the transport's own error so the turn stops without taking the error
    path (which would speak an apology and send ``end("error")`` into a closed
    socket, and report an ending nobody received).
    """

    def __init__(self, verb: str) -> None:
        super().__init__(f"the host's connection is closed ({verb} not sent)")


class TemplateError(RuntimeFlowError):
    """A template or expression failed to render at run time."""


class ActionError(RuntimeFlowError):
    """An action (registered callable or HTTP call) failed or timed out."""

    def __init__(self, message: str, *, state: str | None = None, timed_out: bool = False) -> None:
        super().__init__(message, state=state)
        self.timed_out = timed_out


class LLMError(SuperDialogError):
    """The model endpoint failed. ``retryable`` says whether trying again may help."""

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class LLMTimeoutError(LLMError):
    """Connect, first-token or total timeout."""

    retryable = True


class LLMConnectionError(LLMError):
    """The endpoint could not be reached, or the stream was cut."""

    retryable = True


class LLMStatusError(LLMError):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message, retryable=status_code == 429 or status_code >= 500)
        self.status_code = status_code


class LLMProtocolError(LLMError):
    """The endpoint answered something that is not a valid chat completion."""


class SlotTypeError(SuperDialogError):
    """Unknown slot type, or an invalid custom slot type registration."""


class RenderError(SuperDialogError):
    """A diagram could not be rendered (``dot`` missing, timed out or failed)."""

    def __init__(self, message: str, *, dot_source: str | None = None) -> None:
        super().__init__(message)
        self.dot_source = dot_source
