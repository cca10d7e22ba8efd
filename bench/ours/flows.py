"""Our side of the equivalent flows: the peers' abstract flows (bench/peers/_common.py) written
in OUR flow language, plus the loopback server rules that make the same model answer them.

The abstract flows are imported from the peers' module, never copied, so a change to a flow shape
or to the reference conversation reaches every framework at once.

* `chain_yaml(n)`: `_common.chain_flow(n)` state for state. Every state is an LLM state (`llm:` =
  the prompt) whose transitions are `when:` edges (judged by the model as tool calls
  `goto_<state>`); the final state is an LLM state too, whose only way out is its `next:` edge to
  an `end: completed` state (our language has no "final LLM state": ending is its own state
  kind). Same persona, same prompts, same transition conditions.
* `booking_yaml()`: `_common.BOOKING_STATES` as a SuperDialog author writes it: the greeting is a
  `say:` line, `triage` is the one LLM state (two `when:` edges), the name and the day are typed
  slots (`name`, `date`) filled without a model call, the read-back is a `yes_no` slot, and
  goodbye is the built-in global intent. Same states, same path, same caller turns.
* `rules_chain` / `rules_booking`: the peers' rules with our tool names. A model answering our
  chain flow does what it does for the peers: on the caller's turn it calls the transition tool
  (no text), and on entering the next state it speaks the default reply.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

PEERS = Path(__file__).resolve().parents[1] / "peers"
if str(PEERS) not in sys.path:
    sys.path.insert(0, str(PEERS))

import _common as C  # noqa: E402

MODEL = "gpt-4.1-mini"


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, width=10_000)


def chain_doc(n: int) -> dict[str, Any]:
    """`_common.chain_flow(n)` as one of our flow documents."""
    states: dict[str, Any] = {}
    for s in C.chain_flow(n):
        st: dict[str, Any] = {"llm": s["prompt"]}
        trans = [{"to": t["to"], "when": t["when"]} for t in s["transitions"]]
        if trans:
            st["transitions"] = trans
        if s["final"]:
            st["next"] = "done"
        states[s["id"]] = st
    states["done"] = {"end": "completed"}
    return {
        "flow": f"chain_{n}",
        "llm": {"model": MODEL, "temperature": 0.3},
        "persona": C.PERSONA,
        "start": "s0",
        "states": states,
    }


def chain_yaml(n: int) -> str:
    return _dump(chain_doc(n))


def booking_doc() -> dict[str, Any]:
    """`_common.BOOKING_STATES` in our language (see the module docstring)."""
    by_id = {s["id"]: s for s in C.BOOKING_STATES}
    triage = by_id["triage"]
    return {
        "flow": "booking_reference",
        "llm": {"model": MODEL, "temperature": 0.3},
        "persona": C.PERSONA,
        "slots": {
            "name": {"type": "name", "prompt": "Can I have your full name, please?"},
            "date": {"type": "date", "prompt": "Which day would you like to come in?"},
            "confirmed": {
                "type": "yes_no",
                "prompt": "So that's {{ slots.name }} on {{ slots.date | spoken }}. Is that right?",
            },
        },
        "global": [{"intent": "goodbye", "goto": "bye"}, {"intent": "human", "goto": "handoff"}],
        "start": "greet",
        "states": {
            "greet": {"say": "Hi, this is Alex from Bright Smile Dental. How can I help?",
                      "next": "triage"},
            "triage": {
                "llm": triage["prompt"],
                "transitions": [
                    {"to": "ask_name" if t["to"] == "ask_name" else t["to"], "when": t["when"]}
                    for t in triage["transitions"]
                ],
            },
            "ask_name": {"collect": ["name"], "next": "ask_date"},
            "ask_date": {"collect": ["date"], "next": "confirm"},
            "confirm": {
                "collect": ["confirmed"],
                "transitions": [
                    {"if": "slots.confirmed", "to": "booked"},
                    # "wrong details": ask again (the peers' flows go back to ask_name too)
                    {"to": "ask_name", "clear": ["name", "date", "confirmed"]},
                ],
            },
            "booked": {
                "say": "You're booked for {{ slots.date | spoken }}. Is there anything else?",
                "listen": True,
                "next": "bye",
            },
            "bye": {"say": "Thanks for calling Bright Smile Dental. Goodbye!", "end": "completed"},
            "handoff": {"say": "Let me connect you with a colleague.",
                        "transfer": {"queue": "front-desk"}},
        },
    }


def booking_yaml() -> str:
    return _dump(booking_doc())


def _tool_rule(state: str, user: str, tool: str) -> dict[str, Any]:
    # `state` (our x-superdialog-state header) pins the rule to one state: in the chain flow
    # every fifth state also offers a way back, whose tool is another state's "advance".
    return {"state": state, "user": user, "tools": tool, "tool": {"name": tool}}


def rules_chain(n: int, latency: dict[str, Any] | None = None,
                reply: str = C.REPLY) -> dict[str, Any]:
    rules = [_tool_rule(f"s{i}", ".", f"goto_s{i + 1}") for i in range(n - 1)]
    return {"latency": latency or {"ttft_ms": 0}, "default": reply, "rules": rules}


def rules_booking() -> dict[str, Any]:
    peer = C.rules_booking()
    return {"latency": peer["latency"], "default": peer["default"],
            "rules": [_tool_rule("triage", "book", "goto_ask_name")]}
