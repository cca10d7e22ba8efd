"""Generate large, valid flows for diagram scale tests.

Every section of ten states uses every state kind and every edge kind (next,
if, else, intent, when, fail, error), a PII state and back edges from
listening states, so a generated flow stresses the layout the way a real,
grown call script does.
"""

from __future__ import annotations

import yaml

KINDS_PER_SECTION = 10


def big_flow_spec(states: int = 300) -> dict[str, object]:
    """A flow spec (as a dict) with ``states`` states (a multiple of ten)."""
    assert states % KINDS_PER_SECTION == 0
    sections = states // KINDS_PER_SECTION
    slots: dict[str, object] = {}
    body: dict[str, object] = {}
    for k in range(sections):
        p = f"s{k:02d}"
        nxt = f"s{k + 1:02d}_say" if k + 1 < sections else f"{p}_end"
        back = f"s{k - 1:02d}_ask" if k else f"{p}_say"
        slots[f"name_{k}"] = {"type": "name"}
        slots[f"card_{k}"] = {"type": "card_number", "pii": True}
        slots[f"ok_{k}"] = {"type": "yes_no"}
        body[f"{p}_say"] = {"say": f"Section {k}: let's get a few details from you.",
                            "next": f"{p}_ask"}
        body[f"{p}_ask"] = {"collect": [f"name_{k}"], "retries": 1, "on_fail": f"{p}_xfer",
                            "next": f"{p}_route"}
        body[f"{p}_route"] = {"transitions": [
            {"if": f"slots.name_{k} == 'Ann'", "to": f"{p}_ai"},
            {"to": f"{p}_act"},
        ]}
        body[f"{p}_ai"] = {
            "llm": f"Section {k}: find out whether the caller wants to go on, go back or stop.",
            "transitions": [
                {"to": f"{p}_pii", "when": "the caller wants to go on with the payment step"},
                {"to": back, "when": "the caller wants to change an earlier answer"},
                {"to": f"{p}_xfer", "when": "the caller wants something we cannot do here"},
            ],
            "on_error": f"{p}_xfer",
        }
        body[f"{p}_act"] = {
            "action": {"call": f"act_{k}", "timeout": 2, "result": f"r_{k}"},
            "transitions": [{"if": f"results.r_{k}.ok", "to": f"{p}_pii"}, {"to": f"{p}_xfer"}],
            "on_error": f"{p}_xfer",
        }
        body[f"{p}_pii"] = {"pii": True, "say": "This part is not recorded.",
                            "collect": [f"card_{k}"], "on_fail": f"{p}_xfer",
                            "next": f"{p}_confirm"}
        body[f"{p}_confirm"] = {"collect": [f"ok_{k}"], "transitions": [
            {"intent": "again", "to": f"{p}_ask"},
            {"if": f"slots.ok_{k}", "to": f"{p}_done"},
            {"to": f"{p}_end"},
        ]}
        body[f"{p}_done"] = {"say": f"Section {k} is done.", "next": nxt}
        body[f"{p}_end"] = {"say": "Thanks, goodbye!", "end": "completed"}
        body[f"{p}_xfer"] = {"say": "Let me get a colleague.",
                             "transfer": {"queue": f"queue-{k}", "mode": "warm"}}
    return {
        "flow": "generated_big",
        "description": f"A generated flow with {states} states.",
        "slots": slots,
        "intents": {"again": {"phrases": ["start this part again", "again please"]}},
        "global": [{"intent": "human", "goto": "s00_xfer"},
                   {"intent": "goodbye", "goto": "s00_end"}],
        "start": "s00_say",
        "on_error": "s00_xfer",
        "states": body,
    }


def big_flow_yaml(states: int = 300) -> str:
    """The generated flow as YAML text for ``superdialog.loads``."""
    return yaml.safe_dump(big_flow_spec(states), sort_keys=False, allow_unicode=True)
