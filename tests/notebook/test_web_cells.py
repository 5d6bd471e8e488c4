"""`--web` on `%%responses`, `web=` in Python and ChatForm's web search checkbox: the
request bodies the server receives, and one-line errors for wrong values."""

from __future__ import annotations

import pytest
from helpers.magic_shell import scripted_shell
from helpers.recordings import spec_validator
from helpers.scripted_server import completed_reply

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.emulator.websearch import PAGES
from or_jupyter.notebook.chatform import ChatForm

KEY = "sk-or-v1-test-web-key-0123456789abcdef"


@pytest.fixture
def scripted(monkeypatch, server):
    """A shell whose magics talk to the scripted server (to read the request bodies)."""
    with scripted_shell(monkeypatch, server.base_url, KEY) as shell:
        yield shell


def sent(server):
    (seen,) = [s for s in server.seen if s.method == "POST"]
    body = seen.json()
    assert [e.message for e in spec_validator("ResponsesRequest").iter_errors(body)] == []
    return body


@pytest.mark.parametrize(
    ("line", "tool"),
    [
        ("--web", {"type": "openrouter:web_search"}),
        (
            "--web --web-max-results 3 --web-domains a.com,b.org",
            {
                "type": "openrouter:web_search",
                "parameters": {"max_results": 3, "allowed_domains": ["a.com", "b.org"]},
            },
        ),
        (
            "--web-exclude spam.example",
            {"type": "openrouter:web_search", "parameters": {"excluded_domains": ["spam.example"]}},
        ),
    ],
)
def test_web_options_put_the_web_search_server_tool_in_the_body(scripted, server, line, tool):
    server.queue(completed_reply())
    result = scripted.run_cell(f"%%responses -m openai/gpt-5-mini {line}\nWhat is new?")
    assert result.success, result.error_in_exec
    assert sent(server)["tools"] == [tool]


def test_without_web_options_the_body_has_no_tools(scripted, server):
    server.queue(completed_reply())
    scripted.run_cell("%%responses -m openai/gpt-5-mini\nhello")
    assert "tools" not in sent(server)


def test_web_search_is_added_beside_notebook_function_tools(scripted, server):
    def get_time(zone: str) -> str:
        """The time in a zone."""
        return "noon"

    scripted.user_ns["get_time"] = get_time
    server.queue(completed_reply())
    scripted.run_cell("%%responses -m openai/gpt-5-mini --tools get_time --web\nhello")
    tools = sent(server)["tools"]
    assert [t.get("name", t["type"]) for t in tools] == ["get_time", "openrouter:web_search"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--web-max-results 0", "--web-max-results 0: web max_results must be at least 1"),
        ("--web-max-results lots", "argument --web-max-results: invalid int value: 'lots'"),
        ("--web-domains http://a.com/x", "is not a domain name like example.com"),
        (
            "--web-domains a.com --web-exclude b.com",
            "--web-domains and --web-exclude cannot be used together",
        ),
    ],
)
def test_bad_web_options_give_one_line_of_help(scripted, server, capsys, line, message):
    result = scripted.run_cell(f"%%responses {line}\nhello")
    err = capsys.readouterr().err
    assert not result.success
    assert message in err
    assert "Traceback" not in err
    assert len([row for row in err.strip().splitlines() if row.strip()]) <= 2
    assert server.seen == []


def test_web_in_python_reaches_the_body_from_conversation_and_client(server):
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)
    server.queue(completed_reply(), completed_reply())
    Conversation(model="openai/gpt-5-mini", client=client).send("hi", web={"max_results": 5})
    with client.stream(model="openai/gpt-5-mini", input="hi", web=True) as stream:
        for _ in stream:
            pass
    bodies = [s.json() for s in server.seen]
    for body in bodies:
        assert [e.message for e in spec_validator("ResponsesRequest").iter_errors(body)] == []
    assert bodies[0]["tools"] == [
        {"type": "openrouter:web_search", "parameters": {"max_results": 5}}
    ]
    assert bodies[1]["tools"] == [{"type": "openrouter:web_search"}]
    assert all("web" not in body for body in bodies)


@pytest.mark.parametrize(
    ("web", "error", "message"),
    [
        ("yes", TypeError, "web must be True, False or a dict of options, got str"),
        ({"max_results": "5"}, TypeError, "web max_results must be an integer"),
        ({"top": 1}, ValueError, "web: unknown option 'top'"),
        ({"engine": "google"}, ValueError, "web engine must be one of auto, native"),
    ],
)
def test_wrong_web_values_are_typed_errors_naming_the_option(server, web, error, message):
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)
    with pytest.raises(error, match=message):
        client.create(model="openai/gpt-5-mini", input="hi", web=web)
    assert server.seen == []


def test_the_chatform_web_search_checkbox_sends_a_cited_search():
    with emulator.start() as handle:
        client = orj.Client(api_key="k", base_url=handle.base_url)
        form = ChatForm(model="emulator/assistant", client=client)
        assert form.wait(10)
        assert "web" not in form.overrides()
        form.web.value = True
        assert form.overrides()["web"] is True
        form.prompt.value = "What is new?"
        form.send_button.click()
        assert form.wait(20)
    assert [c.url for c in form.response.citations] == [p[0] for p in PAGES[:3]]
