"""MCP servers as tools: a real MCP server (tests/helpers/mcp_server.py, written with the
`mcp` SDK) over stdio and over streamable HTTP on 127.0.0.1, its tools called directly and
by the emulator's assistant through a Conversation; crashes, hangs, garbage, removal."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.tools.mcp_servers import McpServerError, ServerHub, ServerSpec
from or_jupyter.tools.mcp_tools import mcp_tools, tool_name

pytestmark = pytest.mark.slow  # each server is a process of its own

SERVER = str(Path(__file__).parents[1] / "helpers" / "mcp_server.py")
STDIO = [sys.executable, SERVER, "stdio"]


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone(pid: int) -> bool:
    """Whether the process has ended, waiting up to 10 s for it (no timing asserted)."""
    for _ in range(100):
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def hub():
    hub = ServerHub()
    yield hub
    hub.shutdown()


@pytest.fixture(scope="module")
def tools(hub):
    return {t.remote_name: t for t in mcp_tools("test", STDIO, approve="auto", hub=hub)}


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


def test_a_servers_tools_are_offered_as_valid_unique_function_names_with_its_schemas(tools):
    add = tools["add"]
    assert add.name == "test__add"
    schema = add.schema
    assert schema["type"] == "function" and schema["strict"] is False
    assert schema["parameters"]["properties"].keys() == {"a", "b"}
    assert schema["parameters"]["required"] == ["a", "b"]
    assert "Add two integers." in schema["description"] and "'test'" in schema["description"]
    assert {t.name for t in tools.values()} == {f"test__{n}" for n in tools}
    assert add.label == "test › add"  # what its cards show


def test_a_label_keeps_only_printable_characters_of_the_servers_tool_name(tools):
    from or_jupyter.tools.mcp_tools import McpTool

    hostile = McpTool.__new__(McpTool)
    hostile.server, hostile.remote_name = "test", "add\x1b[2J\x07" + "x" * 200
    assert hostile.label == ("test › add[2J" + "x" * 200)[:100]


def test_tool_names_are_sanitised_capped_and_kept_unique():
    taken = {"my_server__get_time"}
    assert tool_name("my server", "get.time", taken) == "my_server__get_time_2"
    long = tool_name("s" * 40, "t" * 40, set())
    assert len(long) == 64 and long.startswith("s" * 40 + "__")
    assert tool_name("", "!!!", set()) == "mcp_tool"


def test_a_call_returns_the_servers_text(tools):
    result = tools["add"].invoke('{"a": 2, "b": 3}', call_id="c1")
    assert (result.status, result.output, result.call_id) == ("done", "5", "c1")
    assert result.model_output == "5"


def test_images_go_back_to_the_model_as_input_image_parts(tools):
    result = tools["picture"].invoke("{}")
    assert result.status == "done"
    text, image = result.model_output
    assert text == {"type": "input_text", "text": "a red pixel"}
    assert image["type"] == "input_image" and image["detail"] == "auto"
    assert image["image_url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert result.output == "a red pixel\n[image image/png]"  # what the card shows


def test_a_garbage_result_is_an_error_for_the_model_and_one_line(tools):
    result = tools["bad_picture"].invoke("{}")
    assert result.status == "error"
    assert result.output.startswith("Error: MCP server 'test' returned a malformed result")
    assert "\n" not in result.error


def test_a_tool_error_from_the_server_is_an_error_output(tools):
    result = tools["fail"].invoke("{}")
    assert result.status == "error" and result.output.startswith("Error: ")
    assert result.error.startswith("test/fail reported an error")


def test_arguments_that_are_not_json_never_reach_the_server(tools):
    result = tools["add"].invoke("{not json")
    assert result.status == "error" and "not valid JSON" in result.output


def test_a_hanging_call_times_out_and_the_server_keeps_answering(tools):
    result = tools["sleep"].invoke('{"seconds": 30}', default_timeout=0.5)
    assert result.status == "timeout"
    assert "did not answer sleep within 0.5 s" in result.output
    assert tools["add"].invoke('{"a": 1, "b": 1}').output == "2"


def test_the_emulator_calls_a_tool_the_prompt_names_and_answers_from_its_result(tools, emu):
    client = orj.Client(base_url=emu.base_url, api_key="k")
    chat = orj.Conversation(model="emulator/assistant", tools=list(tools.values()), client=client)
    chat.send("Use the test server's add with a=20, b=22.")
    calls = [item for item in chat.history if item["type"] == "function_call"]
    outputs = [item for item in chat.history if item["type"] == "function_call_output"]
    assert [c["name"] for c in calls] == ["test__add"]
    assert json.loads(calls[0]["arguments"]) == {"a": 20, "b": 22}
    assert outputs[0]["output"] == "42"
    assert "42" in chat.history[-1]["content"][0]["text"]


def test_a_server_that_crashes_mid_call_is_an_error_and_its_process_is_gone(hub):
    tools = {t.remote_name: t for t in mcp_tools("crashy", STDIO, approve="auto", hub=hub)}
    pid = int(tools["pid"].invoke("{}").output)
    result = tools["crash"].invoke("{}")
    assert result.status == "error"
    assert result.output == (
        "Error: MCP server 'crashy' has stopped (its last words: test-server: crashing on purpose)"
    )
    assert gone(pid)
    again = tools["add"].invoke('{"a": 1, "b": 1}')
    assert again.status == "error" and "add it again" in again.output
    assert not hub.servers["crashy"].running


def test_remove_stops_the_server_process(hub):
    [pid_tool] = mcp_tools("short-lived", STDIO, only=["pid"], approve="auto", hub=hub)
    pid = int(pid_tool.invoke("{}").output)
    assert alive(pid)
    assert hub.remove("short-lived") is True and hub.remove("short-lived") is False
    assert gone(pid)  # (the kernel test in tests/notebook/test_mcp_magic.py: shutdown)


def test_a_server_that_cannot_start_is_one_line_and_leaves_nothing(hub, tools):
    with pytest.raises(McpServerError) as info:
        hub.add(
            ServerSpec("broken", command=sys.executable, args=("-c", "import sys; sys.exit(2)"))
        )
    message = str(info.value)
    assert message.startswith("MCP server 'broken' (") and "could not start" in message
    assert "\n" not in message and "broken" not in hub.servers
    with pytest.raises(McpServerError, match="no tool 'nope'"):
        mcp_tools("test", only=["nope"], hub=hub)
    with pytest.raises(McpServerError, match="no MCP server named 'absent'"):
        mcp_tools("absent", hub=hub)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def http_server():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, SERVER, "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/mcp"
    process.kill()
    process.wait(10)


def test_a_server_over_streamable_http_with_a_header(hub, http_server):
    tools = mcp_tools(
        "web", url=http_server, headers={"X-Token": "let-me-in"}, approve="auto", hub=hub
    )
    by_name = {t.remote_name: t for t in tools}
    assert by_name["add"].invoke('{"a": 40, "b": 2}').output == "42"
    assert int(by_name["pid"].invoke("{}").output) != os.getpid()
    hub.remove("web")


def test_with_approve_ask_a_call_needs_the_users_approval(hub, http_server, emu):
    headers = {"X-Token": "let-me-in"}
    [add] = mcp_tools("asks", url=http_server, headers=headers, only=["add"], hub=hub)
    assert add.confirm is True  # approve="ask" is the default
    [again] = mcp_tools("asks", only=["add"], hub=hub)  # the running server, reused
    assert again.confirm is True
    client = orj.Client(base_url=emu.base_url, api_key="k")
    chat = orj.Conversation(model="emulator/assistant", tools=[add], client=client)
    chat.send("Use add with a=1, b=2.")  # no observer: nobody can approve
    [output] = [i for i in chat.history if i["type"] == "function_call_output"]
    assert "not run" in output["output"] and "approval" in output["output"]

    class Approving(orj.Observer):
        def confirm(self, tool, call):
            return tool.name == "asks__add"

    chat.send("Use add with a=1, b=2.", observer=Approving())
    outputs = [i["output"] for i in chat.history if i["type"] == "function_call_output"]
    assert outputs[-1] == "3"
    hub.remove("asks")


def test_a_server_over_http_that_refuses_us_is_one_line(hub, http_server):
    with pytest.raises(McpServerError) as info:
        mcp_tools("locked", url=http_server, hub=hub)  # no token
    assert str(info.value).startswith(f"MCP server 'locked' at {http_server} could not connect")
    assert "\n" not in str(info.value)


def test_a_server_that_never_answers_at_start_times_out_and_is_stopped(hub, tmp_path):
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    with pytest.raises(McpServerError, match="MCP server 'mute' did not start within 1 s"):
        hub.add(ServerSpec("mute", command=sys.executable, args=("-c", code)), timeout=1)
    for _ in range(100):  # the process may not have written its pid yet
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.1)
    assert gone(int(pid_file.read_text())) and "mute" not in hub.servers
