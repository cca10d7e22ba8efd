"""The ``unpod`` test host: conversation tests played through the real SDK ``Session``.

``superdialog test --host unpod`` (or ``host: unpod`` in a ``*.test.yaml``)
plays each caller turn as the speech worker would send it, over a
``LoopbackBridge``, and the SDK's own ``Session.run()`` loop drives the flow:
the test then also proves the host contract (one terminal verb, nothing sent
after it, completion left to the session). Registered with SuperDialog under
the ``superdialog.test_hosts`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from unpod.connectivity.session import Session

from superdialog.runtime.clock import VirtualTime, clock_of
from superdialog.testing.conversation_runner import Observer, Run
from superdialog.testing.conversation_spec import Conversation, LoadedTestFile
from superdialog.testing.hosts import TestHost
from superdialog_unpod.host import attach, run_session
from superdialog_unpod.testing.bridge import LoopbackBridge, Step

__all__ = ["HOST", "play_unpod"]


async def play_unpod(
    test: LoadedTestFile, conv: Conversation, run: Run, llm: Mapping[str, Any] | None
) -> None:
    """The ``unpod`` host: the SDK's own ``Session.run()`` drives the call over a loopback."""
    steps: list[Step | str] = [
        Step(
            t.text,
            t.barge_in.after_chunks if t.barge_in else None,
            t.barge_in.heard if t.barge_in else None,
            t.wait,
            t.language,
        )
        for t in conv.turns
    ]
    holder: dict[str, Any] = {}

    class _TurnBridge(LoopbackBridge):
        """The loopback worker, cutting a turn record at each ``text.end`` or silence's end."""

        def on_wait_over(self, step: Step) -> None:
            obs: Observer | None = holder.get("obs")
            index = len(run.turns)
            if obs is None or index > len(conv.turns):
                return
            said = [f.text for f in self.frames[obs.verb_mark :] if f.kind == "say"]
            prev = run.turns[-1].node
            obs.cut(index, "", test.flow.states[prev].pii, [" ".join(said)] if said else [])

        async def send_verb(self, verb: Any) -> None:
            if type(verb).__name__ == "AgentTextEndEvent" and "obs" in holder:
                obs: Observer = holder["obs"]
                index = len(run.turns)
                if index <= len(conv.turns):
                    turn = conv.turns[index - 1]
                    prev = run.turns[-1].node
                    mark = obs.verb_mark
                    deltas = [f.text for f in self.frames[mark:] if f.kind == "delta"]
                    after = turn.barge_in.after_chunks if turn.barge_in else None
                    obs.cut(
                        index,
                        turn.text,
                        test.flow.states[prev].pii,
                        deltas,
                        barge_after=after,
                        barged=after is not None and len(deltas) >= after,
                    )
            await super().send_verb(verb)

    time = VirtualTime()  # silence passes in virtual time: nobody sleeps
    bridge = _TurnBridge(steps, time=time)
    session = Session(bridge=cast(Any, bridge))  # duck-typed: send_verb / recv_event
    session.data.update({**test.spec.session, **conv.session})
    machine = attach(session, test.flow, llm=llm, trace=True, scheduler=time)
    obs = Observer(machine, lambda: bridge.frames, run)
    try:
        await machine.start()
        opening = [f.text for f in bridge.frames if f.kind == "say"]
        obs.cut(0, None, False, opening)
        holder["obs"] = obs
        if not machine.finished:
            bridge.begin(clock_of(machine))
            await run_session(session, machine)
    finally:
        obs.close()


HOST = TestHost("unpod", play_unpod, "the real unpod Session over a loopback bridge")
