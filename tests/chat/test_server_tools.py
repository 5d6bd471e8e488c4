"""OpenRouter's server tools (`--server-tool`, `server_tools=`) and remote MCP servers
(`--mcp-remote`): the entries sent, the emulator's scripted datetime, web fetch and remote
MCP server, their cards, and the approval round trip of a remote MCP call."""

from __future__ import annotations

import json

import httpx
import pytest
from IPython.core.error import UsageError

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.client.tls import tls_context
from or_jupyter.notebook.request import CellDefaults, read_cell
from or_jupyter.protocol.server_tools import remote_mcp_tool, server_tool, split_server_tools
from or_jupyter.render.items import item_card

DEFAULTS = CellDefaults(model="emulator/assistant")


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


class Recorder:
    """A client over real HTTP keeping every request body it sends."""

    def __init__(self, base_url: str) -> None:
        self.bodies: list[dict] = []
        http = httpx.Client(verify=tls_context(), event_hooks={"request": [self._keep]}, timeout=30)
        self.client = orj.Client(api_key="k", base_url=base_url, http_client=http, max_retries=0)

    def _keep(self, request: httpx.Request) -> None:
        if request.method == "POST":
            self.bodies.append(json.loads(request.content))


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("openrouter:datetime", {"type": "openrouter:datetime"}),
        ("datetime", {"type": "openrouter:datetime"}),
        (
            'openrouter:web_fetch:{"max_uses": 2}',
            {"type": "openrouter:web_fetch", "parameters": {"max_uses": 2}},
        ),
        ("search_models", {"type": "openrouter:experimental__search_models"}),
        ("openrouter:image_generation:", {"type": "openrouter:image_generation"}),
    ],
)
def test_a_server_tool_is_read_as_its_tools_entry(text, entry):
    assert server_tool(text) == entry


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("openrouter:teleport", "unknown server tool 'openrouter:teleport'; known: web_search"),
        ("openrouter:datetime:{nope", "openrouter:datetime: its parameters are not valid JSON"),
        ("openrouter:datetime:[1]", "its parameters must be a JSON object"),
    ],
)
def test_a_wrong_server_tool_is_one_line(text, message):
    with pytest.raises(ValueError) as raised:
        server_tool(text)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_server_tools_split_at_commas_and_spaces_outside_their_json():
    text = 'datetime, web_fetch:{"allowed_domains": ["a.com", "b.org"]} image_generation'
    assert split_server_tools(text) == [
        "datetime",
        'web_fetch:{"allowed_domains": ["a.com", "b.org"]}',
        "image_generation",
    ]


def test_the_cell_options_add_server_tools_and_remote_mcp_servers():
    line = (
        "--server-tool openrouter:datetime "
        """--server-tool 'web_fetch:{"max_uses": 1}' --mcp-remote docs=https://mcp.example.com/mcp"""
    )
    defaults = CellDefaults(model="emulator/assistant", server_tools="openrouter:image_generation")
    request = read_cell(line, "hi", defaults, {})
    assert request.overrides["server_tools"] == [
        {"type": "openrouter:image_generation"},
        {"type": "openrouter:datetime"},
        {"type": "openrouter:web_fetch", "parameters": {"max_uses": 1}},
        {
            "type": "mcp",
            "server_label": "docs",
            "server_url": "https://mcp.example.com/mcp",
            "require_approval": "always",
        },
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--server-tool nope", "--server-tool: unknown server tool 'nope'"),
        ("--server-tool 'datetime:{'", "--server-tool: openrouter:datetime: its parameters"),
        ("--mcp-remote docs", "--mcp-remote takes LABEL=URL"),
        ("--mcp-remote docs=ftp://x", "is not an http(s) URL"),
        ("--mcp-remote 'a b=https://x'", "use letters, digits"),
    ],
)
def test_wrong_server_tool_options_are_one_line_usage_errors(line, message):
    with pytest.raises(UsageError) as raised:
        read_cell(line, "hi", DEFAULTS, {})
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_the_server_tools_setting_is_checked_when_set(ip):
    with pytest.raises(UsageError, match="server_tools: unknown server tool 'teleport'"):
        ip.run_line_magic("responses", "config server_tools=teleport")
    ip.run_line_magic("responses", "config server_tools=openrouter:datetime")
    assert ip.magics_manager.registry["Responses"].server_tools == "openrouter:datetime"
    ip.run_line_magic("responses", "config server_tools=")


def test_the_emulator_tells_the_time_from_its_fixed_clock_in_the_tools_timezone(emu):
    recorder = Recorder(emu.base_url)
    tool = server_tool('datetime:{"timezone": "Asia/Tokyo"}')
    chat = orj.Conversation(model="emulator/assistant", client=recorder.client)
    response = chat.send("What time is it?", server_tools=[tool])
    [item] = [i for i in response.output if i["type"] == "openrouter:datetime"]
    assert item["datetime"] == "2026-03-12T23:30:00.000+09:00"
    assert (item["timezone"], item["status"]) == ("Asia/Tokyo", "completed")
    assert "23:30 on Thursday 12 March 2026 in Asia/Tokyo" in response.output_text
    assert recorder.bodies[0]["tools"] == [tool]
    html, text = item_card(item)
    assert "🕒" in html and "2026-03-12T23:30:00.000+09:00 Asia/Tokyo" in text


def test_the_emulator_fetches_its_fixed_pages_and_answers_404_for_others(emu):
    client = orj.Client(base_url=emu.base_url, api_key="k")
    tools = [server_tool("openrouter:web_fetch")]
    response = client.create(
        model="emulator/assistant", input="Read https://example.com/ please", server_tools=tools
    )
    [item] = [i for i in response.output if i["type"] == "openrouter:web_fetch"]
    assert (item["httpStatus"], item["title"]) == (200, "Example Domain")
    assert "This domain is for use in documentation examples." in response.output_text
    missing = client.create(
        model="emulator/assistant", input="Read https://nowhere.example/x", server_tools=tools
    )
    [item] = [i for i in missing.output if i["type"] == "openrouter:web_fetch"]
    assert (item["httpStatus"], item["status"]) == (404, "failed")
    assert "could not fetch https://nowhere.example/x" in missing.output_text


class Answering(orj.Observer):
    """Answers every approval request with `answer`, and keeps what it was asked."""

    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def confirm(self, tool, call):
        self.asked.append((tool.name, call.arguments))
        return self.answer


def test_a_remote_mcp_call_is_approved_by_the_user_and_runs(emu):
    recorder = Recorder(emu.base_url)
    remote = remote_mcp_tool("dictionary", "https://mcp.example.com/mcp")
    chat = orj.Conversation(model="emulator/assistant", client=recorder.client)
    observer = Answering(True)
    response = chat.send("Please lookup the word 'tea'.", server_tools=[remote], observer=observer)
    assert observer.asked == [
        ("dictionary/lookup (remote MCP)", json.dumps({"word": "Please lookup the word 'tea'."}))
    ]
    first, second = recorder.bodies
    assert first["tools"] == [remote]
    request_item = second["input"][-2]
    assert request_item["type"] == "mcp_approval_request" and request_item["name"] == "lookup"
    assert second["input"][-1] == {
        "type": "mcp_approval_response",
        "approval_request_id": request_item["id"],
        "approve": True,
    }
    [call] = [i for i in response.output if i["type"] == "mcp_call"]
    assert call["server_label"] == "dictionary" and "ran on dictionary" in call["output"]
    assert "ran `lookup` for me" in response.output_text


def test_a_remote_mcp_call_the_user_declines_does_not_run(emu):
    remote = remote_mcp_tool("dictionary", "https://mcp.example.com/mcp")
    client = orj.Client(base_url=emu.base_url, api_key="k")
    chat = orj.Conversation(model="emulator/assistant", client=client)
    response = chat.send("lookup tea", server_tools=[remote], observer=Answering(False))
    assert not [i for i in response.output if i["type"] == "mcp_call"]
    assert "You declined the call of lookup" in response.output_text
    kinds = [i["type"] for i in chat.history]
    assert kinds.count("mcp_approval_request") == kinds.count("mcp_approval_response") == 1


def test_a_remote_mcp_server_that_never_asks_runs_at_once(emu):
    remote = remote_mcp_tool("dictionary", "https://mcp.example.com/mcp", require_approval="never")
    client = orj.Client(base_url=emu.base_url, api_key="k")
    response = client.create(model="emulator/assistant", input="lookup tea", server_tools=[remote])
    kinds = [i["type"] for i in response.output]
    assert kinds[:2] == ["mcp_list_tools", "mcp_call"] and kinds[-1] == "message"


def test_remote_mcp_items_are_drawn_as_cards_that_escape_the_server():
    listed = {
        "type": "mcp_list_tools",
        "server_label": "docs",
        "tools": [
            {"name": "<b>search</b>", "input_schema": {}},
            {"name": "read", "input_schema": {}},
        ],
    }
    html, text = item_card(listed)
    assert text == "[mcp_list_tools] ?: docs · 2 tools"
    assert "&lt;b&gt;search&lt;/b&gt;" in html and "<b>search" not in html
    asked = {
        "type": "mcp_approval_request",
        "id": "a1",
        "server_label": "docs",
        "name": "delete",
        "arguments": '{"id": 3}',
    }
    html, text = item_card(asked)
    assert "docs · delete asks for approval" in text and "{&quot;id&quot;: 3}" in html


def test_a_cell_with_a_server_tool_draws_its_card_and_the_answer(ip):
    ip.run_cell(
        '%%responses --server-tool \'openrouter:datetime:{"timezone": "Europe/Paris"}\'\n'
        "What time is it?"
    )
    html = ip.publisher.html()
    assert "<code>openrouter:datetime</code>" in html
    assert "2026-03-12T15:30:00.000+01:00 Europe/Paris" in html
    assert "15:30 on Thursday 12 March 2026 in Europe/Paris" in html


def test_a_cell_with_a_remote_mcp_server_draws_its_items_and_declines_where_none_can_ask(ip):
    ip.run_cell("%%responses --mcp-remote docs=https://mcp.example.com/mcp\nlookup tea")
    html = ip.publisher.html()
    assert "<code>mcp_list_tools</code>" in html and "docs · 1 tool" in html
    assert "<code>mcp_approval_request</code>" in html and "docs · lookup asks for approval" in html
    assert "You declined the call of lookup" in html
