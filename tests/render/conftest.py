"""Fixtures for diagram tests: example flows, small flows, SVG parsing helpers."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import superdialog
from superdialog.flow import Flow
from superdialog.render import clear_cache

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"
SVG = "{http://www.w3.org/2000/svg}"

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="Graphviz 'dot' is not installed (scripts/setup.sh installs it; CI must have it)",
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


@pytest.fixture(scope="session")
def dental() -> Flow:
    return superdialog.load(FLOWS / "dental_booking.yaml")


@pytest.fixture(scope="session")
def triage() -> Flow:
    return superdialog.load(FLOWS / "support_triage.yaml")


@pytest.fixture(scope="session")
def lost_card() -> Flow:
    return superdialog.load(FLOWS / "lost_card.yaml")


SMALL = """
flow: small
description: A small flow with every edge kind & some <awkward> "text".
llm: {model: test}
slots:
  name: {type: name}
  card: {type: card_number, pii: true}
intents:
  billing: {phrases: [my bill]}
global:
  - {intent: human, goto: agent}
start: hello
on_error: agent
states:
  hello:
    say: "Hi <there> & welcome to \\"Acme\\" {{ slots.name }}!"
    next: ask
  ask:
    collect: [name]
    retries: 1
    on_fail: agent
    next: decide
  decide:
    transitions:
      - {if: "slots.name == 'Ann' and 1 < 2", to: talk}
      - {to: pay}
  talk:
    llm: Chat about anything the caller likes & keep it < 2 sentences.
    transitions:
      - {intent: billing, to: pay}
      - {to: pay, when: "the caller wants to pay & asks whether the price is < 10 or > 5 dollars"}
      - {to: bye, when: the caller is done}
    on_error: agent
  pay:
    pii: true
    pause_reason: card
    collect: [card]
    next: charge
  charge:
    action: {call: charge_it, timeout: 3}
    next: bye
    on_error: agent
  bye: {say: "Bye!", end: completed}
  agent:
    say: "Connecting you."
    transfer: {agent: helper-bot, mode: warm, announcement: "Caller needs help."}
"""


@pytest.fixture(scope="session")
def small() -> Flow:
    return superdialog.loads(SMALL, "small.yaml")


@dataclass
class Svg:
    """A parsed SVG with the lookups the tests need."""

    root: ET.Element

    def groups(self, cls: str) -> list[ET.Element]:
        return [g for g in self.root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]

    def by_id(self, ident: str) -> ET.Element:
        for g in self.root.iter(f"{SVG}g"):
            if g.get("id") == ident:
                return g
        raise KeyError(ident)

    @staticmethod
    def text(g: ET.Element) -> str:
        words = " ".join((t.text or "") for t in g.iter(f"{SVG}text"))
        return " ".join(words.replace("\xa0", " ").split())

    def all_text(self) -> str:
        return self.text(self.root)

    @staticmethod
    def shapes(g: ET.Element) -> list[ET.Element]:
        return [e for e in g.iter() if e.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse")]


def parse_svg(data: bytes | str) -> Svg:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return Svg(ET.fromstring(data))


_POINT = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def bbox(g: ET.Element) -> tuple[float, float, float, float]:
    """Bounding box of every polygon and path point inside a group."""
    xs: list[float] = []
    ys: list[float] = []
    for e in g.iter():
        pts = e.get("points") or e.get("d") or ""
        for x, y in _POINT.findall(pts):
            xs.append(float(x))
            ys.append(float(y))
    assert xs, "no geometry"
    return min(xs), min(ys), max(xs), max(ys)
