"""Scripts from YAML, rule validation, the sync form, reset and the CLI."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from llm_helpers import collect
from pydantic import ValidationError

from superdialog.errors import FlowError
from superdialog.llm import LLMConfig, TextDelta, ToolCall, aclose_clients
from superdialog.testing.llm_server import Rule, Script, ScriptedLLMServer

ROOT = Path(__file__).resolve().parents[2]

EXAMPLE = """\
latency: {ttft_ms: 200, tokens_per_s: 40}
default: "Could you tell me a bit more?"
rules:
  - {state: triage, user: "book|appointment", reply: "Sure, let's get you booked.", goto: details}
  - {state: details, tools: goto_handoff, fault: 500, times: 1}
"""


def tool(name: str) -> dict[str, object]:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}


def test_the_documented_example_loads(tmp_path: Path):
    path = tmp_path / "script.yaml"
    path.write_text(EXAMPLE)
    script = Script.from_file(path)
    assert script.latency.ttft_s == pytest.approx(0.2)
    assert script.latency.tokens_per_s == 40
    assert script.default == "Could you tell me a bit more?"
    assert [r.state for r in script.rules] == ["triage", "details"]
    assert script.rules[0].tool_call == ("goto_details", "{}")
    assert (script.rules[1].fault, script.rules[1].times) == ("500", 1)


async def test_a_yaml_script_drives_a_conversation(tmp_path: Path, llm_config: LLMConfig):
    path = tmp_path / "script.yaml"
    path.write_text(EXAMPLE.replace("ttft_ms: 200, tokens_per_s: 40", "ttft_ms: 5"))
    async with ScriptedLLMServer.from_file(path) as server:
        config = LLMConfig(**{**_fields(llm_config), "base_url": server.base_url})
        booked = await collect(
            config,
            [{"role": "user", "content": "Can I book a cleaning?"}],
            tools=[tool("goto_details")],
            node_id="triage",
        )
        text = "".join(e.text for e in booked if isinstance(e, TextDelta))
        calls = [e.name for e in booked if isinstance(e, ToolCall)]
        assert (text, calls) == ("Sure, let's get you booked.", ["goto_details"])
        # details offers goto_handoff: the first answer is a 500, retried to the default.
        details = await collect(
            config,
            [{"role": "user", "content": "My name is Ada"}],
            tools=[tool("goto_handoff")],
            node_id="details",
        )
        text = "".join(e.text for e in details if isinstance(e, TextDelta))
        assert text == "Could you tell me a bit more?"
        assert [r.state for r in server.requests] == ["triage", "details", "details"]
        await aclose_clients(server.base_url)


def _fields(config: LLMConfig) -> dict[str, object]:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}


def test_unknown_rule_key_is_a_located_error(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - state: triage\n    reply: hi\n    colour: red\n")
    with pytest.raises(FlowError) as info:
        Script.from_file(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.column) == (str(path), 4, 5)
    assert problem.message == "unknown key 'colour' in rules.0"
    assert problem.hint is not None and "state" in problem.hint and "fault" in problem.hint


def test_unknown_top_level_and_latency_keys(tmp_path: Path):
    with pytest.raises(FlowError) as info:
        Script.from_yaml("latnecy: {ttft_ms: 1}\nrules: []\n", source="s.yaml")
    assert "unknown key 'latnecy'" in str(info.value)
    with pytest.raises(FlowError) as info:
        Script.from_yaml("latency: {ttft: 1}\n", source="s.yaml")
    assert "unknown key 'ttft' in latency" in str(info.value)
    assert "ttft_ms" in str(info.value)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{user: '(unclosed', reply: x}", "invalid regular expression"),
        ("{reply: x, tool: {name: a}, goto: b}", "either tool or goto"),
        ("{fault: 500, reply: x}", "fault 500 sends no reply"),
        ("{fault: explode}", "rules.0.fault"),
        ("{state: triage}", "needs reply, tool, goto or fault"),
        ("{reply: x, cut_after: 2}", "cut_after only goes with fault: cut"),
        ("{goto: x, times: 0}", "rules.0.times"),
    ],
)
def test_invalid_rules_are_reported(rule: str, message: str):
    with pytest.raises(FlowError, match=message):
        Script.from_yaml(f"rules:\n  - {rule}\n", source="s.yaml")


def test_invalid_yaml_is_located():
    with pytest.raises(FlowError) as info:
        Script.from_yaml("rules:\n  - {reply: [unclosed\n", source="s.yaml")
    assert info.value.line >= 2
    assert "invalid YAML" in str(info.value)


def test_a_bare_list_is_a_list_of_rules():
    script = Script.from_yaml("- {reply: hi}\n- {fault: hang}\n")
    assert [r.fault for r in script.rules] == [None, "hang"]


def test_rules_in_python():
    assert Rule(fault=500).fault == "500"
    with pytest.raises(ValidationError, match="Extra inputs"):
        Rule(reply="x", colour="red")
    server = ScriptedLLMServer()
    assert server.add_rule({"reply": "a"}) == Rule(reply="a")
    assert server.add_rule(reply="b", times=2).times == 2
    assert server.add_rule(Rule(reply="c"), state="s").state == "s"
    assert [r.reply for r in server.rules] == ["a", "b", "c"]


async def test_reset_forgets_requests_counters_and_optionally_rules(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(call=1, reply="first", times=1)
    user = [{"role": "user", "content": "x"}]
    first = await collect(llm_config, user)
    second = await collect(llm_config, user)
    assert [e.text for e in first if isinstance(e, TextDelta)] == ["first"]
    assert "first" not in [e.text for e in second if isinstance(e, TextDelta)]
    llm_server.reset()
    assert llm_server.requests == []
    again = await collect(llm_config, user)
    assert [e.text for e in again if isinstance(e, TextDelta)] == ["first"]
    llm_server.reset(rules=True)
    assert llm_server.rules == ()


def _post(base_url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_sync_context_manager_runs_the_server_on_its_own_thread():
    with ScriptedLLMServer([{"user": "hello", "reply": "hi from a thread"}]) as server:
        assert server.base_url.endswith("/v1")
        answer = _post(
            server.base_url, {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
        )
        assert answer["choices"][0]["message"]["content"] == "hi from a thread"
        server.add_rule(user="stream", reply="streamed too")

        async def stream() -> list[str]:
            config = LLMConfig(base_url=server.base_url, first_token_timeout_s=2.0)
            try:
                events = await collect(config, [{"role": "user", "content": "stream"}])
            finally:
                await aclose_clients(server.base_url)
            return [e.text for e in events if isinstance(e, TextDelta)]

        assert asyncio.run(stream()) == ["streamed", " too"]
        assert [r.call for r in server.requests] == [1, 2]
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_serves_a_script_until_terminated(tmp_path: Path):
    path = tmp_path / "script.yaml"
    path.write_text("default: nothing matched\nrules:\n  - {user: ping, reply: pong}\n")
    port = _free_port()
    command = [sys.executable, "-m", "superdialog.testing.llm_server", "--rules", str(path)]
    process = subprocess.Popen(
        [*command, "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url == f"http://127.0.0.1:{port}/v1"
        answer = _post(base_url, {"model": "m", "messages": [{"role": "user", "content": "ping"}]})
        assert answer["choices"][0]["message"]["content"] == "pong"
        with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
            assert json.loads(response.read())["object"] == "list"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()


def test_cli_rejects_an_invalid_script(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - {reply: x, colour: red}\n")
    result = subprocess.run(
        [sys.executable, "-m", "superdialog.testing.llm_server", "--rules", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "unknown key 'colour'" in result.stderr
    assert f"{path}:2:" in result.stderr
