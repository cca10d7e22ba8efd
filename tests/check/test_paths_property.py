"""The path check agrees with walking the flow: on random flows, a results read the load
accepts never fails in the deep walk, and one it refuses fails on some walked path."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.compile.check.deep import deep_walk
from superdialog.errors import FlowError

N = 6


@st.composite
def flows(draw: st.DrawFn) -> str:
    names = [f"s{i}" for i in range(N)]
    states: dict[str, object] = {}
    for i, name in enumerate(names):
        nxt = names[i + 1] if i + 1 < N else "bye"
        if draw(st.booleans()):
            states[name] = {
                "action": {"call": "f", "result": f"r{i}"},
                "next": draw(st.sampled_from([nxt, "bye"])),
                "on_error": draw(st.sampled_from([*names[i + 1 :], "bye"])),
            }
        else:
            read = draw(st.sampled_from(["", *(f"r{k}" for k in range(N))]))
            guard = draw(st.booleans())
            say = "Hi"
            if read:
                say = (
                    f"{{% if results.{read} is defined %}}{{{{ results.{read} }}}}{{% endif %}}"
                    if guard
                    else f"Got {{{{ results.{read} }}}}"
                )
            states[name] = {"say": say, "listen": True, "next": nxt}
    states["bye"] = {"say": "Bye", "end": "completed"}
    doc: dict[str, object] = {"flow": "p", "start": "s0", "states": states}
    if draw(st.booleans()):
        doc["global"] = [{"intent": "human", "goto": draw(st.sampled_from(names))}]
    return yaml.safe_dump(doc, sort_keys=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows())
def test_path_check_agrees_with_the_walk(text: str) -> None:
    try:
        flow = superdialog.loads(text, "p.yaml", run_code=False)
    except FlowError as exc:
        messages = [p.message for p in exc.problems]
        about_results = [m for m in messages if "reads results." in m or "no action stores" in m]
        assume(len(about_results) == len(messages))  # other mistakes (unreachable): not here
        # refused for a results read: walking every outcome finds a path where it fails
        report = deep_walk(_load_unchecked(text), per_state=1_000)
        assert report.complete
        assert any("has no attribute" in f.message for f in report.findings), messages
        return
    report = deep_walk(flow, per_state=1_000)
    assert report.complete
    assert report.findings == []


def _load_unchecked(text: str) -> superdialog.Flow:
    """Load without the path check, to walk a flow the check refuses."""
    import superdialog.compile.compiler as compiler
    from superdialog.compile.check import Findings

    saved = compiler.check_reads
    compiler.check_reads = lambda *a, **k: Findings()  # type: ignore[assignment]
    try:
        return superdialog.loads(text + "\n# unchecked\n", "p.yaml", run_code=False)
    finally:
        compiler.check_reads = saved
