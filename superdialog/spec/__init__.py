"""The flow language: pydantic models of what users write, and the located loader."""

from superdialog.spec.loader import parse_flow
from superdialog.spec.models import FlowSpec, SlotSpec, StateSpec

__all__ = ["FlowSpec", "SlotSpec", "StateSpec", "parse_flow"]
