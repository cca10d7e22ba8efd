"""JSON Schema of the flow language, for editors (yaml-language-server) and docs."""

from __future__ import annotations

import json
from typing import Any

from superdialog.spec.models import FlowSpec

__all__ = ["flow_json_schema", "flow_json_schema_text"]


def flow_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every flow file validates against."""
    schema = FlowSpec.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "SuperDialog flow"
    schema["description"] = (
        "A SuperDialog conversation flow. Reference: docs/flow-language.md. "
        "Put '# yaml-language-server: $schema=flow.schema.json' at the top of a flow file."
    )
    return schema


def flow_json_schema_text() -> str:
    """The schema as stable, indented JSON text."""
    return json.dumps(flow_json_schema(), indent=2, sort_keys=True) + "\n"
