"""Representative values for the deep walk: one plausible value per slot type and result.

Slot values come from the slot type's own parser run on a sample answer (so a
``date`` slot holds what a call would hold), moved inside ``min``/``max`` when
the flow bounds it. A result with a declared ``returns:`` shape is built from
the shape; one without is :class:`Anything`, which answers every attribute,
key and comparison, so templates over it render (they cannot be verified).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from superdialog.compile.model import CompiledSlot
from superdialog.slots import get_type
from superdialog.slots.base import ExtractContext

__all__ = ["Anything", "result_value", "slot_value"]

_SAMPLES = {
    "number": "7",
    "amount": "twenty dollars",
    "digits": "1234",
    "phone": "415 555 0100",
    "email": "sam.lee@example.com",
    "date": "next friday",
    "time": "3pm",
    "datetime": "next friday at 3pm",
    "yes_no": "yes",
    "name": "my name is Sam Lee",
    "card_number": "4242 4242 4242 4242",
    "postal_code": "94103",
    "text": "something",
}


_MARKERS = frozenset({"unsafe_callable", "alters_data", "jinja_pass_arg", "jinja_async_variant"})


class Anything:
    """A value of unknown shape: every attribute, key and operation gives another one."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Anything:
        if name.startswith("_") or name in _MARKERS:  # jinja's markers: not a callable's flags
            raise AttributeError(name)
        return self

    def __getitem__(self, key: object) -> Anything:
        return self

    def __call__(self, *args: object, **kwargs: object) -> Anything:  # noqa: D102 - any method
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 1

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return "something"

    def __contains__(self, item: object) -> bool:
        return True

    def __lt__(self, other: object) -> bool:
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __add__(self, other: object) -> Anything:
        return self

    __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __add__
    __rtruediv__ = __floordiv__ = __mod__ = __add__


_LEAVES: dict[str, Any] = {
    "text": "sample",
    "str": "sample",
    "string": "sample",
    "number": 7,
    "int": 7,
    "integer": 7,
    "float": 7.5,
    "boolean": True,
    "bool": True,
    "null": None,
    "date": date(2030, 1, 31),
    "time": time(9, 30),
    "datetime": datetime(2030, 1, 31, 9, 30),
}


def result_value(shape: Any) -> Any:
    """A value of a declared ``returns:`` shape (``Anything`` where it says ``any``)."""
    if shape is None:
        return Anything()
    if isinstance(shape, dict):
        return {k: result_value(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [result_value(shape[0])] if shape else []
    if isinstance(shape, str):
        if shape in ("list",):
            return []
        if shape in ("mapping", "dict", "object"):
            return {}
        return _LEAVES.get(shape, Anything())
    return Anything()


def slot_value(slot: CompiledSlot, ctx: ExtractContext) -> Any:
    """What a filled slot plausibly holds on a call."""
    spec = slot.spec
    if spec.type == "enum" and slot.choices:
        return slot.choices[0][0]
    if slot.choices:
        return slot.choices[0][0]
    try:
        kind = get_type(spec.type)
    except Exception:  # an unknown type is reported elsewhere
        return "sample"
    value: Any = None
    for raw in (spec.min, spec.max):  # inside the bounds: the lowest allowed, else the highest
        if value is None and raw is not None:
            try:
                value = kind.bound(raw, ctx)
            except Exception:  # reported by the constraint checks
                value = None
    if value is None:
        sample = _SAMPLES.get(spec.type)
        value = kind.extract(sample, ctx) if sample is not None else None
    return value if value is not None else "sample"
