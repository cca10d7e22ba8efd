"""Generated reference material must match the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_schema_and_key_reference_are_current() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_reference.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr + "\nrun: make docs"


def test_every_schema_key_is_documented() -> None:
    from superdialog.spec.schema import flow_json_schema

    doc = (ROOT / "docs" / "flow-language.md").read_text(encoding="utf-8")
    schema = flow_json_schema()
    keys = set(schema["properties"])
    for definition in schema["$defs"].values():
        keys |= set(definition.get("properties", {}))
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert not missing, f"undocumented keys: {missing}"
