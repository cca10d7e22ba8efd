"""Looking up slot types by name, and registering custom ones.

Built-in types live in their own modules and are imported the first time
they are asked for, so ``import superdialog.slots`` stays cheap and a flow
that only asks yes/no never loads the date or phone code.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any, get_origin, overload

from superdialog.errors import SlotTypeError

from .base import ExtractContext, Match, SlotType

__all__ = ["CustomType", "builtin_types", "get_type", "register_type", "registered_types"]

# name -> (module, class): imported on first use.
_BUILTINS: dict[str, tuple[str, str]] = {
    "number": ("numeric", "NumberType"),
    "amount": ("money", "AmountType"),
    "digits": ("codes", "DigitsType"),
    "phone": ("contact", "PhoneType"),
    "email": ("contact", "EmailType"),
    "date": ("dates", "DateType"),
    "time": ("times", "TimeType"),
    "datetime": ("moments", "DateTimeType"),
    "yes_no": ("answers", "YesNoType"),
    "enum": ("answers", "EnumType"),
    "name": ("names", "NameType"),
    "card_number": ("codes", "CardNumberType"),
    "postal_code": ("codes", "PostalCodeType"),
    "text": ("answers", "TextType"),
}
_loaded: dict[str, SlotType] = {}
_custom: dict[str, SlotType] = {}
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def builtin_types() -> tuple[str, ...]:
    """Names of the built-in slot types."""
    return tuple(_BUILTINS)


def registered_types() -> tuple[str, ...]:
    """Names of every type ``get_type`` knows: built-in, then custom."""
    return tuple(_BUILTINS) + tuple(sorted(_custom))


def get_type(name: str) -> SlotType:
    """The slot type called ``name``.

    Raises:
        SlotTypeError: for an unknown name, with the closest known name as a
            hint ("did you mean 'phone'?") because the name usually comes from
            a hand-written flow file.

    """
    if not isinstance(name, str):
        raise SlotTypeError(f"slot type name must be a string, not {type(name).__name__}")
    custom = _custom.get(name)
    if custom is not None:
        return custom
    loaded = _loaded.get(name)
    if loaded is not None:
        return loaded
    where = _BUILTINS.get(name)
    if where is None:
        raise SlotTypeError(_unknown(name))
    module = importlib.import_module(f"{__package__}.{where[0]}")
    slot_type: SlotType = getattr(module, where[1])()
    _loaded[name] = slot_type
    return slot_type


def _unknown(name: str) -> str:
    """Message for an unknown type name, with a did-you-mean hint."""
    import difflib

    known = registered_types()
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    if close:
        return f"unknown slot type {name!r}; did you mean {close[0]!r}?"
    return f"unknown slot type {name!r}; known types: {', '.join(known)}"


class CustomType(SlotType):
    """A slot type registered from Python with :func:`register_type`.

    Custom parsers see the whole utterance and cannot say where the value
    is, so a plain value is reported as spanning the stripped text; a parser
    that knows better may return a :class:`Match` itself.
    """

    #: A custom parser sees the utterance as said; it may apply repairs itself.
    repair_markers = None

    def __init__(
        self,
        name: str,
        parse: Callable[[str, ExtractContext], Any],
        *,
        speak: Callable[[Any], str] | None = None,
        description: str | None = None,
    ) -> None:
        self.name = name
        self.description = description or f"custom slot type {name}"
        self._parse = parse
        self._speak = speak

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """Run the parser on the (bounded) utterance.

        An exception inside it is left to :meth:`SlotType.find`, which logs the
        type and the exception's class (not its message: a parser's error often
        quotes what it was given) and counts it as "no value". A returned
        ``Match`` whose span lies outside the text counts as "no value" too.
        """
        if not text.strip():
            return None
        value = self._parse(text, ctx)
        if isinstance(value, Match):
            inside = 0 <= value.start <= value.end <= len(text)
            return value if inside else None
        if value is None:
            return None
        start = len(text) - len(text.lstrip())
        return Match(value, start, len(text.rstrip()))

    def spoken(self, value: Any) -> str:
        """The registered read-back, else ``str(value)``."""
        if self._speak is None:
            return str(value)
        return self._speak(value)

    def bound(self, raw: Any, ctx: ExtractContext) -> Any | None:
        """Custom values are compared as given."""
        return raw


def _is_type_like(parser: Any) -> bool:
    """True for things pydantic validates: classes, ``Annotated[...]``, ``Literal[...]``."""
    if isinstance(parser, type) or get_origin(parser) is not None:
        return True
    return type(parser).__name__ == "TypeAdapter"


def _pydantic_parser(target: Any) -> Callable[[str, ExtractContext], Any]:
    """A parser validating the stripped utterance with pydantic.

    A ``BaseModel`` with one required field gets ``{field: text}``; a
    ``RootModel`` or any other type gets the text itself; a model with
    several fields gets the text as JSON. Validation errors mean "no value".
    """
    from pydantic import BaseModel, RootModel, TypeAdapter, ValidationError

    validate: Callable[[str], Any]
    if isinstance(target, TypeAdapter):
        validate = target.validate_python
    elif isinstance(target, type) and issubclass(target, RootModel):
        validate = target.model_validate
    elif isinstance(target, type) and issubclass(target, BaseModel):
        model = target
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        fields = required or list(model.model_fields)
        if len(fields) == 1:
            field = fields[0]

            def validate(text: str) -> Any:
                return model.model_validate({field: text})

        else:
            validate = model.model_validate_json
    else:
        try:
            validate = TypeAdapter(target).validate_python
        except Exception as exc:
            raise SlotTypeError(f"pydantic cannot validate {target!r}: {exc}") from exc

    def parse(text: str, ctx: ExtractContext) -> Any:
        stripped = text.strip()
        if not stripped:
            return None
        try:
            return validate(stripped)
        except (ValidationError, ValueError, TypeError):
            return None

    return parse


@overload
def register_type[P](
    name: str,
    parser: None = None,
    *,
    spoken: Callable[[Any], str] | None = None,
    description: str | None = None,
) -> Callable[[P], P]: ...


@overload
def register_type[P](
    name: str,
    parser: P,
    *,
    spoken: Callable[[Any], str] | None = None,
    description: str | None = None,
) -> P: ...


def register_type(
    name: str,
    parser: Any = None,
    *,
    spoken: Callable[[Any], str] | None = None,
    description: str | None = None,
) -> Any:
    """Register a custom slot type; usable directly or as a decorator.

    Args:
        name: The name flows use (``type: order_id``). Built-in names cannot
            be replaced; registering a custom name again replaces it.
        parser: ``(text, ctx) -> value | None`` (or a :class:`Match`), or a
            pydantic ``BaseModel`` subclass / type pydantic can validate, which
            is checked against the stripped utterance.
        spoken: ``value -> str`` read-back; defaults to ``str``.
        description: One line for docs and listings.

    Returns:
        ``parser`` unchanged, so the decorator form leaves the function usable.

    Raises:
        SlotTypeError: bad name, built-in name, or a parser that is neither
            callable nor validatable.

    """
    if parser is None:

        def decorator[F](fn: F) -> F:
            return register_type(name, fn, spoken=spoken, description=description)

        return decorator
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise SlotTypeError(f"bad slot type name {name!r}: use letters, digits and underscores")
    if name in _BUILTINS:
        raise SlotTypeError(f"{name!r} is a built-in slot type and cannot be re-registered")
    if spoken is not None and not callable(spoken):
        raise SlotTypeError(f"spoken= for {name!r} must be callable")
    if _is_type_like(parser):
        parse = _pydantic_parser(parser)
    elif callable(parser):
        parse = parser
    else:
        raise SlotTypeError(f"parser for {name!r} must be callable or a pydantic-validatable type")
    _custom[name] = CustomType(name, parse, speak=spoken, description=description)
    return parser
