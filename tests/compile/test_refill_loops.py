"""A loop back to a collect state whose slots are already filled spins without waiting.

Found writing fresh flows: "we're closed at weekends" → back to a state that
collects the same date slot. A collect state only asks for empty slots and no
flow key empties one, so the second time round the state passed straight on,
the loop spun, and the call ended with an error after six passes. It
validated, even with ``--deep``.
"""

from __future__ import annotations

import pytest

import superdialog

LOOP = """\
flow: f
slots:
  day: {type: date}
start: ask
states:
  ask:
    collect: [day]
    next: route
  route:
    transitions:
      - {if: "slots.day.weekday() >= 5", to: weekend}
      - {to: done}
  weekend: {say: "We're closed at weekends.", next: BACK}
  again: {collect: [day], next: route}
  done: {say: bye, end: completed}
"""


@pytest.mark.parametrize("back", ["ask", "again"])
def test_loop_back_to_a_filled_collect_state_is_refused(back: str) -> None:
    text = LOOP.replace("BACK", back)
    if back == "ask":
        text = text.replace("  again: {collect: [day], next: route}\n", "")
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(text, name="f.yaml")
    message = str(err.value)
    assert "loop without waiting" in message
    assert f"'{back}' collects day, already filled" in message
    assert "validator on 'day'" in message
    assert "clear: [day]" in message  # the way to ask again
    assert err.value.line > 1


async def test_a_transition_that_clears_the_slot_asks_for_it_again() -> None:
    text = LOOP.replace("  again: {collect: [day], next: route}\n", "").replace(
        "next: BACK", "transitions: [{to: ask, clear: [day]}]"
    )
    flow = superdialog.loads(text, name="f.yaml")
    machine = flow.build(trace=True)
    await machine.start()
    said = await machine.turn("saturday the 5th of december 2026")
    assert said.startswith("We're closed at weekends.")
    assert "day" not in machine.slots and machine.node == "ask"  # asked again, waiting
    assert await machine.turn("monday the 7th of december 2026") == "bye"
    assert "slot_cleared" in [e.kind for e in machine.trace]


CONFIRM = """flow: booking
slots:
  name: {type: name, prompt: "Your name?"}
  day: {type: date, prompt: "Which day?"}
  ok: {type: yes_no, prompt: "So {{ slots.name }} on {{ slots.day | spoken }}. Right?"}
start: ask_name
states:
  ask_name: {collect: [name], next: ask_day}
  ask_day: {collect: [day], next: confirm}
  confirm:
    collect: [ok]
    transitions:
      - {if: slots.ok, to: booked}
      - {to: ask_name, say: "Okay, let's start again.", clear: CLEAR}
  booked: {say: "Booked.", end: completed}
"""


async def test_a_read_back_the_caller_refuses_starts_over() -> None:
    # the pattern a newcomer writes first: before clear: it was refused (it spun on "no")
    flow = superdialog.loads(CONFIRM.replace("CLEAR", "[name, day, ok]"), name="b.yaml")
    machine = flow.build()
    assert await machine.start() == "Your name?"
    await machine.turn("Ana Lopez")
    await machine.turn("december 9th 2026")
    said = await machine.turn("no")
    assert said == "Okay, let's start again. Your name?"
    assert machine.slots == {}
    await machine.turn("Ana Lopes")
    await machine.turn("december 10th 2026")
    assert await machine.turn("yes") == "Booked."
    assert machine.slots["name"] == "Ana Lopes"


def test_a_clear_that_leaves_the_loop_filled_is_still_refused() -> None:
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(CONFIRM.replace("CLEAR", "[]"), name="b.yaml")
    assert "loop without waiting" in str(err.value)


def test_clearing_an_unknown_slot_is_located_with_a_suggestion() -> None:
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(CONFIRM.replace("CLEAR", "[name, dya, ok]"), name="b.yaml")
    (problem,) = [p for p in err.value.problems if "unknown slot 'dya'" in p.message]
    assert problem.location is not None and problem.location.line == 14
    assert "day" in (problem.hint or "")


def test_a_loop_through_an_optional_slot_is_left_alone() -> None:
    # a collect state with an optional slot may still ask: not certain to spin
    text = (
        LOOP.replace("BACK", "again")
        .replace(
            "  day: {type: date}", "  day: {type: date}\n  note: {type: text, required: false}"
        )
        .replace("again: {collect: [day]", "again: {collect: [day, note]")
    )
    superdialog.loads(text, name="f.yaml")


def test_a_loop_that_waits_elsewhere_is_fine() -> None:
    text = (
        LOOP.replace("BACK", "ask")
        .replace("  again: {collect: [day], next: route}\n", "")
        .replace(
            'weekend: {say: "We\'re closed at weekends.", next: ask}',
            'weekend:\n    say: "We\'re closed at weekends. Another day?"\n'
            "    listen: true\n    next: ask",
        )
    )
    superdialog.loads(text, name="f.yaml")


DEAD = """\
flow: f
slots:
  n: {type: number}
global:
  - {intent: goodbye, goto: bye}
start: ask
states:
  ask:
    collect: [n]
    NEXT
  thanks:
    say: "Thanks!"
  bye: {say: bye, end: completed}
"""


@pytest.mark.parametrize(
    ("rest", "state"),
    [
        ("next: thanks", "thanks"),  # a speak state that forgot its end: (found by mutation)
        ("on_fail: bye", "ask"),  # a collect state with nowhere to go once filled
    ],
)
def test_a_dead_end_is_one_even_when_a_global_rule_could_leave_it(rest: str, state: str) -> None:
    # the flow-wide goodbye rule used to count as a way out of every state, so no flow
    # with a global goto: ever had a dead end; at run time: "no transition applies"
    text = DEAD.replace("NEXT", rest)
    if state == "ask":
        text = text.replace('    say: "Thanks!"\n', '    say: "Thanks!"\n    end: completed\n')
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(text, name="f.yaml")
    assert any(
        p.message.startswith(f"state '{state}' is a dead end") for p in err.value.problems
    ), err.value


def test_a_listening_state_left_only_by_global_rules_is_fine() -> None:
    text = DEAD.replace("NEXT", "next: thanks").replace(
        '    say: "Thanks!"\n',
        '    say: "Anything else? Say goodbye when done."\n    listen: true\n',
    )
    superdialog.loads(text, name="f.yaml")


@pytest.mark.parametrize("loop", [False, True])
def test_a_chain_of_thousands_of_states_is_checked_without_recursion(loop: bool) -> None:
    # a 14,000-state chain (580 KB, under the 2 MiB limit) was an internal RecursionError
    n = 12_000
    lines = ["flow: big", "start: s0", "states:"]
    lines += [f"  s{i}: {{say: 'l{i}', next: s{i + 1}}}" for i in range(n - 1)]
    lines.append(f"  s{n - 1}: {{say: bye, {'next: s0' if loop else 'end: completed'}}}")
    text = "\n".join(lines) + "\n"
    if not loop:
        assert len(superdialog.loads(text, name="big.yaml").states) == n
        return
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(text, name="big.yaml")
    [problem] = err.value.problems
    assert f"… {n - 11} more …" in problem.message and len(problem.message) < 400
