"""Random walks through every example flow, via the real Unpod Session, with faults.

The flows: ``flows/dental_booking``, ``flows/lost_card``, ``flows/support_triage`` (action
timeouts cut for speed) and ``pii_llm`` below, a model talking inside a PII state.

Each hypothesis example is one whole call. The caller's turns are drawn when
they are due, from the current state's vocabulary (meaningful answers, PII
canaries in PII states), built-in intents, silence and random junk, sometimes
barging in after a random chunk. Faults are drawn per call: model answers
(replies, tool calls choosing a state, HTTP 500/429, hang, cut stream, bad
JSON, unknown tool, malformed tool arguments, empty) by request number, and
every action of the flow either works, raises (with the PII it was given in
its message) or hangs past its timeout.

Every run must satisfy ``check_invariants`` (pause/resume alternate and
bracket exactly the PII states' speech, one terminal verb, last, nothing but
``text.end`` after it, recording on at the end, the trace agreeing with the
frames) and no planted canary may appear in any of our outputs
(``harness.surfaces``).

Bounded: ``EXAMPLES`` calls per flow, at most ``MAX_TURNS`` caller turns each,
action timeouts patched down to 0.25 s and model timeouts to 0.2-0.6 s, so
the whole file runs in well under 30 s.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.llm import aclose_clients
from superdialog.runtime.registry import registered_actions
from superdialog.testing.llm_server import ScriptedLLMServer
from superdialog_unpod.testing import Step

from .harness import FLOWS, Call, Canary, check_invariants, leaks, run_call, spoken_digits

EXAMPLES = 40
MAX_TURNS = 16

# ------------------------------------------------------------------ canaries

VISA, STRIPE, DECLINED = "4111111111111111", "4242424242424242", "4000000000000002"
CARDS = [Canary(f"card {n}", (n, " ".join(n[i:i + 4] for i in range(0, 16, 4)),
                              spoken_digits(n))) for n in (VISA, STRIPE, DECLINED)]
DOBS = [
    Canary("dob 1975", ("1975-03-12", "twelfth of march nineteen seventy five")),
    # lost_card's own reprompt gives "the fourth of July nineteen eighty" as an example,
    # so only the normalised value of this one is a canary
    Canary("dob 1980", ("1980-07-04",)),
]
LAST4S = [Canary("last4 1881", ("1881", "one eight eight one")),
          # not the last four of a card canary: a card's masked form ("ending in 4242")
          # may be shown, so a last-4 canary equal to one would be a false leak
          Canary("last4 7316", ("7316", "seven three one six"))]
ES_DIGITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
DE_DIGITS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]


def foreign(digits: str, words: list[str]) -> str:
    """``digits`` read out one by one in another language (a caller who switched)."""
    return " ".join(words[int(d)] for d in digits)


CARDS += [Canary(f"card {n} (de)", (foreign(n, DE_DIGITS),)) for n in (VISA, STRIPE)]
ACCOUNTS = [Canary("account", ("12345678", spoken_digits("12345678"),
                               foreign("12345678", ES_DIGITS)))]
ALL_CANARIES = [*CARDS, *DOBS, *LAST4S, *ACCOUNTS]

# ------------------------------------------------------------------ vocabulary

INTENTS = ["can I talk to a person", "operator", "bye", "say that again", "start over",
           "help", "pardon?"]
SILENCE = ["", "   "]
# What the caller may say, by the slot being asked (collect states) or by state.
# The first entry of each list is the answer that moves the call on; picks lean on it.
YES_NO = ["yes", "no", "I think so"]
VOCAB: dict[str, dict[str, list[str]]] = {
    "dental_booking": {
        "wants_booking": ["yes please", "no", "I'd like to book a check-up", "maybe"],
        "patient_name": ["Maria Lopez", "my name is John Smith", "next tuesday", "[inaudible]",
                         "my name is <unk>", "meine Karte ist " + foreign(STRIPE, DE_DIGITS),
                         "4242 4242", "4242 4242 thanks"],  # a card cut in two, in the name
        "visit_date": ["next tuesday", "next friday", "Saturday", "yesterday"],
        "visit_time": ["ten thirty", "at nine am", "midnight", "actually make it next wednesday"],
        "phone": ["two one two five five five zero one nine nine", "five five five"],
        "email": ["maria at example dot com", "john dot smith at mail dot com",
                  "I don't have one"],
        "card_number": [spoken_digits(VISA), spoken_digits(STRIPE), spoken_digits(DECLINED),
                        "my card is " + " ".join(VISA[i:i + 4] for i in range(0, 16, 4)),
                        "four one one one", "I don't have it on me"],
    },
    "lost_card": {
        "date_of_birth": ["the twelfth of march nineteen seventy five",
                          "the fourth of july nineteen eighty",
                          "twelfth of march nineteen seventy five and one eight eight one",
                          "I don't remember"],
        "card_last4": ["one eight eight one", "seven three one six", "one two"],
        "lost_or_stolen": ["it was stolen", "I lost it", "not sure"],
        "suspicious": ["no", "yes", "I think so"],
        "wants_replacement": ["yes please", "no thanks"],
    },
    "pii_llm": {
        "account": [spoken_digits("12345678"), "one two three", "I'd rather not say"],
        "account_help": ["what is my balance", "I'm done, thanks", "can you check a payment",
                         "I want a person", "mi cuenta es " + foreign("12345678", ES_DIGITS),
                         "...", "uh"],
    },
    "support_triage": {
        # the first ones need the model (no intent phrase matches them)
        "triage": ["I have a question about my account", "hello", "the internet is down",
                   "my bill is wrong", "I want to upgrade", "I was charged twice"],
        "router_restarted": ["no", "yes", "I did"],
        "restart_tip": ["it works now", "still not working", "hmm", "fixed"],
    },
}
JUNK = st.text(alphabet=string.ascii_letters + string.digits + " .,'?-", max_size=30).filter(
    lambda s: not any(c.found_in(s) for c in ALL_CANARIES)
)

# A turn is drawn up front as plain numbers and junk text, and only mapped to
# words when it is due (by the state the call is in then): the draws never
# depend on how the run went, so hypothesis can replay and shrink a failure.
TURN = st.tuples(
    st.sampled_from(["say"] * 16 + ["intent", "silence", "junk"]),
    st.one_of(st.just(0), st.just(0), st.just(0), st.integers(0, 999)),
    st.one_of(st.none(), st.none(), st.integers(1, 3)),
    JUNK,
)


def words_for(flow: str, m: superdialog.CallMachine) -> list[str]:
    """What makes sense now: the confirmation, the slot asked, else the state's words."""
    if m._confirming is not None:
        return YES_NO
    st_ = m.current
    missing = [s for s in st_.collect if s not in m.slots]
    vocab = VOCAB[flow]
    if missing and missing[0] in vocab:
        return vocab[missing[0]]
    return vocab.get(m.node) or YES_NO


def utterance(flow: str, m: superdialog.CallMachine,
              turn: tuple[str, int, int | None, str]) -> Step:
    """The planned turn as words, in the state the call is in now."""
    kind, pick, barge, junk = turn
    pool = {"say": words_for(flow, m), "intent": INTENTS, "silence": SILENCE,
            "junk": [junk]}[kind]
    return Step(pool[pick % len(pool)], interrupt_after=barge,
                heard=None if barge is None else "…")


# ------------------------------------------------------------------ faults

GOTOS: dict[str, list[dict[str, Any]]] = {
    "support_triage": [
        {"reply": "Sure, billing can help.", "goto": "billing_agent"},
        {"reply": "Let's look at your connection.", "goto": "tech_check"},
        {"reply": "Sales can help with plans.", "goto": "sales_agent"},
        {"goto": "human_queue"},
    ],
    "pii_llm": [
        {"reply": "Your balance is forty dollars.", "goto": "bye"},
        {"reply": "A colleague can look at that.", "goto": "agent"},
        {"reply": "Your balance is forty dollars. Anything else?"},
    ],
}
MODEL_ANSWERS: list[dict[str, Any]] = [
    {"reply": "Could you tell me a bit more about that?"},
    {"fault": "500"}, {"fault": "429"}, {"fault": "hang"}, {"fault": "bad_json"},
    {"fault": "empty"}, {"fault": "unknown_tool"},
    {"fault": "cut", "reply": "Let me check that for you right away."},
    {"reply": "Okay.", "tool": {"name": "goto_tech_check", "arguments": "{not json"}},
]


def action_fakes(flow: str, draw: Callable[[st.SearchStrategy[Any]], Any]
                 ) -> dict[str, Callable[..., Any]]:
    """Each action of the flow: the real one (fast), raising, or hanging past its timeout."""
    real = registered_actions()
    names = {"dental_booking": ["check_availability", "charge_deposit"],
             "lost_card": ["verify_identity", "block_card", "order_replacement"],
             "support_triage": [], "pii_llm": []}[flow]
    out: dict[str, Callable[..., Any]] = {}
    for name in names:
        mode = draw(st.sampled_from(["ok", "ok", "ok", "ok", "raise", "hang"]))
        out[name] = _fake(name, mode, real[name])
    return out


def _fake(name: str, mode: str, real: Callable[..., Any]) -> Callable[..., Any]:
    async def action(**kwargs: Any) -> Any:
        if mode == "raise":  # a careless message quoting the (clear) PII arguments
            raise RuntimeError(f"{name} failed for {kwargs}")
        if mode == "hang":
            await asyncio.sleep(30)
        if name == "block_card":  # the real one sleeps 0.7 s for the demo
            return {"blocked": True, "reason": kwargs.get("reason")}
        return await real(**kwargs)

    return action


# ------------------------------------------------------------------ flows, patched for speed

# Beside the example flows: a model that talks inside a PII state, so barge-ins and model
# faults also land in the middle of a paused, streaming reply.
PII_LLM = """
flow: pii_llm
start: greet
persona: "You are Kim from the bank."
slots:
  account: {type: digits, pii: true, mask: last4, min_length: 8, max_length: 8,
            prompt: "Your account number?"}
global:
  - {intent: human, goto: agent}
  - {intent: goodbye, goto: bye}
  - {intent: start_over, goto: greet}
on_error: agent
states:
  greet: {say: "Hello, this is Kim.", next: verify}
  verify:
    pii: true
    pause_reason: account
    say: "This part is not recorded."
    collect: [account]
    next: account_help
  account_help:
    pii: true
    llm: "Help the caller with account {{ slots.account }}."
    transitions:
      - {when: the caller wants a person, to: agent}
      - {when: the caller is done, to: bye}
  agent:
    say: "Let me get a colleague."
    transfer: {queue: accounts, mode: warm, announcement: "Account {{ slots.account }}."}
  bye: {say: "Bye!", end: completed}
"""


def fast_copy(name: str, tmp: Path) -> superdialog.Flow:
    """The example flow with action timeouts cut to 0.25 s (and holding lines sooner)."""
    text = (FLOWS / name).read_text()
    text = re.sub(r"(\n\s+timeout:) \d+(\.\d+)?", r"\1 0.25", text)
    text = re.sub(r"(\n\s+holding_after:) \d+(\.\d+)?", r"\1 0.05", text)
    if not (tmp / "python").exists():  # flow code must sit in the flow's folder
        shutil.copytree(FLOWS / "python", tmp / "python")
    (tmp / "shared").mkdir(exist_ok=True)
    (tmp / "shared" / "contact_details.yaml").write_text(
        (FLOWS / "shared" / "contact_details.yaml").read_text())
    path = tmp / name
    path.write_text(text)
    return superdialog.load(path)


# ------------------------------------------------------------------ the property


class Loop:
    """One event loop and one scripted model server for all examples of a flow."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.server = ScriptedLLMServer()
        self.runner.run(self.server.start())

    def close(self) -> None:
        async def _stop() -> None:
            await aclose_clients()
            await self.server.stop()

        self.runner.run(_stop())
        self.runner.close()


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    lp = Loop()
    yield lp
    lp.close()


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, superdialog.Flow]:
    tmp = tmp_path_factory.mktemp("flows")
    out = {n: fast_copy(f"{n}.yaml", tmp) for n in VOCAB if n != "pii_llm"}
    out["pii_llm"] = superdialog.loads(PII_LLM, "pii_llm.yaml")
    return out


STATS: dict[str, dict[str, int]] = {}


def walk(loop: Loop, flow: superdialog.Flow, name: str, data: st.DataObject) -> Call:
    server = loop.server
    server.reset(rules=True)
    for n in range(1, 7):
        answers = MODEL_ANSWERS + GOTOS.get(name, []) * 2
        answer = data.draw(st.sampled_from(answers), label=f"model call {n}")
        server.add_rule(call=n, **answer)
    llm = {"base_url": server.base_url, "api_key": "x",
           "retries": data.draw(st.sampled_from([0, 0, 1]), label="retries"),
           "first_token_timeout_s": 0.2, "total_timeout_s": 0.6, "backoff_s": 0.01}
    actions = action_fakes(name, lambda s: data.draw(s))
    c1001 = {"customer_id": "C-1001"}  # the canaries 1975-03-12 and 1881 verify
    session_data = data.draw(st.sampled_from([c1001, c1001, c1001, {}]), label="data")
    plan = data.draw(st.lists(TURN, min_size=10, max_size=MAX_TURNS), label="turns")
    # a third of the calls start with the happy path, so the deep states are reached often
    happy = data.draw(st.sampled_from([0, 0, 12]), label="happy turns")
    plan = [("say", 0, None, "")] * happy + plan[happy:]
    # sometimes the caller falls silent from some turn on (until no_response ends it)
    mute_at = data.draw(st.one_of(st.none(), st.none(), st.integers(0, 8)), label="mute at")
    count = iter(range(MAX_TURNS + 4))

    def caller(m: superdialog.CallMachine) -> Step | None:
        i = next(count, None)
        if m.finished or i is None:
            return None  # the caller hangs up
        if mute_at is not None and i >= mute_at:
            return Step("") if i < mute_at + 4 else None
        return utterance(name, m, plan[i]) if i < len(plan) else None

    # half the calls send control verbs the way a websocket does (suspending), so a
    # barge-in can land inside one
    delay = data.draw(st.sampled_from([0.0, 0.002]), label="verb delay")
    return loop.runner.run(run_call(flow, policy=caller, llm=llm, actions=actions,
                                    data=session_data, server=server, verb_delay=delay,
                                    timeout=10))


@pytest.mark.parametrize("name", sorted(VOCAB))
# derandomized in the suite so CI is reproducible; SUPERDIALOG_PROPERTY_RANDOM=1 explores new
# calls (a run of --hypothesis-seed=334466024589236672155884269657806368927 found a false leak:
# a last-4 canary equal to the last four of a card canary, whose masked form may be shown)
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          derandomize=not os.environ.get("SUPERDIALOG_PROPERTY_RANDOM"),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_calls_keep_every_invariant(loop: Loop, flows: dict[str, superdialog.Flow],
                                           name: str, data: st.DataObject) -> None:
    c = walk(loop, flows[name], name, data)
    story = f"caller said {c.bridge.spoken}; frames {c.kinds()}; outcome {c.machine.outcome}"
    assert check_invariants(c) == [], story
    assert leaks(c, ALL_CANARIES) == [], story
    stats = STATS.setdefault(name, {})
    events = {e.kind for e in c.machine.trace}
    for key, present in (
        ("end:" + (c.machine.outcome or {}).get("reason", "?"), True),
        ("paused", "pause" in c.kinds()),
        ("error path", "error" in events),
        ("barge-in", c.bridge.barge_ins > 0),
        ("model call", bool(c.requests)),
    ):
        if present:
            stats[key] = stats.get(key, 0) + 1


def test_the_walks_reach_pii_states_and_every_kind_of_ending() -> None:
    """A sanity check on the property above: the walks went where they should."""
    if set(STATS) != set(VOCAB):
        pytest.skip("run with the property test")
    print("walk statistics:", STATS)
    seen = {k for s in STATS.values() for k in s}
    assert {"end:completed", "end:transferred", "end:no_response"} <= seen, STATS
    for name in VOCAB:
        assert STATS[name].get("error path"), STATS
    assert sum(s.get("barge-in", 0) for s in STATS.values()) >= EXAMPLES // 4, STATS
    assert STATS["dental_booking"].get("paused") and STATS["lost_card"].get("paused"), STATS
    assert STATS["support_triage"].get("model call", 0) >= EXAMPLES // 4, STATS
