"""Names said with more around them: booking cues, spelling notes, a clause of its own."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.slots import get_type
from superdialog.slots.base import ExtractContext

CTX = ExtractContext(now=datetime(2026, 12, 1, 10, 0))
NAME = get_type("name")


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("I'd like to book it under Jane Doe", "Jane Doe"),
        ("put it under Smith", "Smith"),
        ("can you put me under Okafor please", "Okafor"),
        ("it's Karen Smith, spelled with a K", "Karen Smith"),
        ("Omar Haddad, my social is 521-41-6701", "Omar Haddad"),
        ("Omar Haddad and my card is 4111 1111 1111 1111", "Omar Haddad"),
        ("Ana Ruiz and I'm calling about a table", "Ana Ruiz"),
        ("да", None),
        ("はい", None),
        ("oui", None),
        ("put it under the window", None),
        ("Ana and Ruiz", None),
        ("my name is spelled with a K", None),
    ],
)
def test_rows(said: str, name: str | None) -> None:
    found = NAME.scan(said, CTX)
    assert (found.value if found else None) == name


CLAUSES = ["my social is 521-41-6701", "my card is 4111 1111 1111 1111",
           "I'm calling about a table", "we're four people", "my number is 555 0100"]  # fmt: skip
NAMES = ["Jane Doe", "Omar Haddad", "Priya Raman", "Lars Nilsson", "Kofi Mensah"]


@settings(max_examples=100, derandomize=True, deadline=None)
@given(name=st.sampled_from(NAMES), clause=st.sampled_from(CLAUSES),
       joint=st.sampled_from([", ", " and ", ", and ", ". "]))  # fmt: skip
def test_a_name_then_a_clause_of_its_own_is_the_name(name: str, clause: str, joint: str) -> None:
    found = NAME.scan(f"{name}{joint}{clause}", CTX)
    assert found is not None and found.value == name
