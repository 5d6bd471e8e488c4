"""`--fallback`, `--provider` and `%responses config provider=` in a real IPython shell."""

from __future__ import annotations

import json

import pytest
from helpers.magic_shell import magic_shell
from helpers.recordings import spec_validator
from helpers.scripted_server import completed_reply
from IPython.core.error import UsageError

import or_jupyter as orj

KEY = "sk-or-v1-test-routing-key-0123456789"


def _shell(monkeypatch, offline: bool):
    shell = magic_shell(monkeypatch, offline=offline)
    return shell, shell.magics_manager.registry["Responses"], shell.publisher


@pytest.fixture
def scripted(monkeypatch, server):
    """A shell whose magics talk to the scripted server."""
    shell, magics, publisher = _shell(monkeypatch, offline=False)
    magics.session.set_client(orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0))
    yield shell
    magics.provider = None
    magics.session.set_client(None)
    publisher.reset()


@pytest.fixture
def offline(monkeypatch):
    shell, magics, publisher = _shell(monkeypatch, offline=True)
    yield shell, publisher
    magics.provider = None
    publisher.reset()


def sent(server):
    (seen,) = [s for s in server.seen if s.method == "POST"]
    body = seen.json()
    assert [e.message for e in spec_validator("ResponsesRequest").iter_errors(body)] == []
    return body


def test_fallback_and_provider_options_become_models_and_provider(scripted, server):
    server.queue(completed_reply())
    result = scripted.run_cell(
        "%%responses -m anthropic/claude-sonnet-4.5 --fallback openai/gpt-5-mini,google/gemini-2.5-flash"
        " --provider sort=price,only=openai|azure,zdr,allow_fallbacks=false,max_price.prompt=1\nhi"
    )
    assert result.success
    body = sent(server)
    assert body["model"] == "anthropic/claude-sonnet-4.5"
    assert body["models"] == [
        "anthropic/claude-sonnet-4.5",
        "openai/gpt-5-mini",
        "google/gemini-2.5-flash",
    ]
    assert body["provider"] == {
        "sort": "price",
        "only": ["openai", "azure"],
        "zdr": True,
        "allow_fallbacks": False,
        "max_price": {"prompt": "1"},
    }


def test_a_cell_without_routing_options_sends_neither_field(scripted, server):
    server.queue(completed_reply())
    assert scripted.run_cell("%%responses\nhi").success
    body = sent(server)
    assert "models" not in body and "provider" not in body


def test_the_provider_setting_is_the_default_and_the_cell_adds_to_it(scripted, server):
    scripted.run_line_magic("responses", "config provider=sort=throughput,ignore=deepinfra")
    server.queue(completed_reply(), completed_reply())
    assert scripted.run_cell("%%responses\nhi").success
    assert scripted.run_cell("%%responses --provider sort=latency,zdr\nagain").success
    first, second = [s.json() for s in server.seen if s.method == "POST"]
    assert first["provider"] == {"sort": "throughput", "ignore": ["deepinfra"]}
    assert second["provider"] == {"sort": "latency", "ignore": ["deepinfra"], "zdr": True}
    scripted.run_line_magic("responses", "config provider=")
    assert scripted.magics_manager.registry["Responses"].provider is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--provider sort=cheapest", "--provider: provider sort must be one of price, throughput"),
        ("--provider bogus=1", "--provider: unknown provider key 'bogus'; keys: sort, order"),
        ("--provider zdr=perhaps", "provider zdr must be true or false"),
        ("--provider max_price.prompt=lots", "must be a number >= 0"),
        ("--fallback ,", "--fallback needs model ids"),
    ],
)
def test_bad_routing_options_give_one_line_of_help(scripted, server, capsys, line, message):
    result = scripted.run_cell(f"%%responses {line}\nhello")
    err = capsys.readouterr().err
    assert not result.success
    assert message in err
    assert "Traceback" not in err
    assert len([row for row in err.strip().splitlines() if row.strip()]) <= 2
    assert server.seen == []


def test_a_bad_provider_setting_is_refused_and_not_kept(scripted):
    scripted.run_line_magic("responses", "config provider=sort=price")
    with pytest.raises(UsageError) as caught:
        scripted.run_line_magic("responses", "config provider=sort=fastest")
    assert "provider: provider sort must be one of" in str(caught.value)
    assert scripted.magics_manager.registry["Responses"].provider == "sort=price"


def test_the_footer_names_the_fallback_that_served_and_its_provider(offline):
    shell, publisher = offline
    result = shell.run_cell("%%responses -m emulator/error-503 --fallback emulator/echo\nhello")
    assert result.success
    footers = [o for o in publisher.outputs() if 'class="orj-footer"' in o.get("text/html", "")]
    assert len(footers) == 1
    text = footers[0]["text/plain"]
    assert text.splitlines()[-1].startswith("emulator/echo · via Emulator · 2 attempts · ")
    assert "emulator/echo · via Emulator · 2 attempts" in footers[0]["text/html"]


def test_out_holds_the_routing_metadata(offline):
    shell, _ = offline
    cell = "%%responses -m emulator/error-429 --fallback emulator/assistant -o answer\n2+2"
    assert shell.run_cell(cell).success
    answer = shell.user_ns["answer"]
    assert (answer.model, answer.provider, answer.attempts) == ("emulator/assistant", "Emulator", 2)
    assert json.dumps(answer.openrouter_metadata)


def test_the_cell_help_documents_the_routing_options_readably():
    from or_jupyter.notebook.magics import Responses

    doc = " ".join(Responses.responses_cell.__doc__.split())
    assert "--fallback FALLBACK Comma-separated models OpenRouter tries in order" in doc
    assert "sort=price,only=openai|azure,zdr" in doc
    assert "(%responses config provider=...)" in doc
    assert "option_strings" not in doc
