"""What a session spends, in a real IPython shell against the emulator: the ledger adds up
across a cell, a comparison, a batch and a form turn; the budget refuses before sending;
`%responses usage`, `credits` and `generation`; presets; cached tokens; caching hints."""

from __future__ import annotations

import html
import re

import pytest
from helpers.scripted_server import completed_reply

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.client import ledger
from or_jupyter.client.offline_mode import emulator_endpoint
from or_jupyter.notebook.chatform import ChatForm

KEY = "sk-or-v1-" + "9" * 40


@pytest.fixture(autouse=True)
def fresh_ledger():
    """No spend, no budget and no notebook cell running, before and after."""
    clean_ledger()
    yield
    clean_ledger()


def clean_ledger() -> None:
    ledger.reset()
    ledger.set_budget(None)
    ledger.set_cell(None)


def emulator_client() -> orj.Client:
    base_url, key = emulator_endpoint()
    return orj.Client(api_key=key, base_url=base_url)


def shown(shell) -> str:
    return html.unescape(shell.publisher.html())


def footers(shell) -> list[str]:
    found = re.findall(r'orj-footer">(.*?)</div>', shell.publisher.html())
    return [html.unescape(f) for f in found]


def test_the_ledger_adds_up_across_a_cell_a_comparison_a_batch_and_a_form_turn(ip):
    account = emulator_client()
    before = account.credits()["total_usage"]
    cell = ip.execution_count
    ip.run_cell("%%responses -o one\nWhat is 12*7?", store_history=True)
    ip.run_cell(
        "%%responses -m emulator/assistant,emulator/echo -o both\nSay hi", store_history=True
    )
    ip.run_cell(
        "import or_jupyter as orj\n"
        "rows = orj.map(['a', 'b', 'c'], 'Say {}', model='emulator/echo', progress=False)",
        store_history=True,
    )
    form = ChatForm(model="@preset/emulator-echo", client=account)  # a preset, in the form
    form.prompt.value = "a form turn"
    form.send_button.click()
    assert form.wait(20)
    assert form.response.model == "emulator/echo"
    ns = ip.user_ns
    costs = [ns["one"].usage["cost"], *(r.usage["cost"] for r in ns["both"].values())]
    costs += [row.cost for row in ns["rows"]] + [form.response.usage["cost"]]
    assert ledger.spent() == pytest.approx(sum(costs), rel=1e-9)
    # what the server counted is what the ledger counted
    assert account.credits()["total_usage"] - before == pytest.approx(ledger.spent(), rel=1e-9)
    by_source = {}
    for line in ledger.lines():
        by_source[line.source] = by_source.get(line.source, 0) + line.requests
    assert by_source == {f"cell {cell}": 1, f"cell {cell + 1}": 2, f"cell {cell + 2}": 3, "form": 1}


def test_usage_draws_totals_models_and_cells(ip):
    ip.run_cell("%%responses\nWhat is 12*7?")
    ip.publisher.reset()
    ip.run_line_magic("responses", "usage")
    text = shown(ip)
    assert "spent" in text and "emulator/assistant" in text and "cell " in text
    assert f"${ledger.spent():.6f}" in text


def test_a_cell_after_the_budget_is_spent_is_refused_in_one_line_and_nothing_is_sent(
    monkeypatch, server, capsys
):
    from helpers.magic_shell import scripted_shell

    server.queue(completed_reply(usage={"input_tokens": 3, "output_tokens": 1, "cost": 0.02}))
    with scripted_shell(monkeypatch, server.base_url, KEY) as shell:
        shell.run_line_magic("responses", "config budget=0.02")
        shell.run_cell("%%responses -m openai/gpt-5-mini\nfirst")
        assert "$0.0200 of $0.02 budget" in footers(shell)[-1]
        capsys.readouterr()
        result = shell.run_cell("%%responses -m openai/gpt-5-mini\nsecond")
        err = capsys.readouterr().err
    assert not result.success and "Traceback" not in err
    assert "session budget is spent: $0.0200 of $0.02" in err and "budget=" in err
    assert len(server.seen) == 1  # the refused cell sent nothing


def test_with_the_cache_on_a_cell_it_holds_runs_after_the_budget_is_spent_and_a_new_one_not(
    monkeypatch, server, capsys, tmp_path
):
    from helpers.magic_shell import scripted_shell

    server.queue(completed_reply(usage={"input_tokens": 3, "output_tokens": 1, "cost": 0.02}))
    with scripted_shell(monkeypatch, server.base_url, KEY) as shell:
        shell.run_line_magic("responses", f"cache on {tmp_path / 'cache.sqlite'}")
        session = shell.magics_manager.registry["Responses"].session
        cache = session.response_cache  # the scripted server's client, with the cache
        session.set_client(orj.Client(api_key=KEY, base_url=server.base_url, cache=cache))
        shell.run_line_magic("responses", "config budget=0.02")
        shell.run_cell("%%responses -m openai/gpt-5-mini --new\nfirst")
        with pytest.warns(ledger.BudgetWarning):  # at 100%: warned once, and it still runs
            again = shell.run_cell("%%responses -m openai/gpt-5-mini --new\nfirst")
        assert "cached · original cost $0.020000 · nothing spent" in footers(shell)[-1]
        shell.publisher.reset()
        capsys.readouterr()
        shell.run_cell("%%responses -m openai/gpt-5-mini --new\nsecond")
        err, box = capsys.readouterr().err, shown(shell)
        shell.run_line_magic("responses", "cache off")
    assert again.success and len(server.seen) == 1  # answered from the cache, free
    assert "Traceback" not in err
    assert "session budget is spent: $0.0200 of $0.02" in box  # the send's error box
    assert len(server.seen) == 1  # the new question was not sent


def test_a_batch_estimated_over_what_is_left_is_refused_before_sending(ip):
    account = emulator_client()
    before = account.credits()["total_usage"]
    orj.set_budget(0.000001)
    with pytest.raises(orj.BudgetError, match="left of the session budget"):
        orj.map(
            [f"row {n}" for n in range(5)],
            "Say {}",
            model="emulator/assistant",
            progress=False,
            client=account,
        )
    assert account.credits()["total_usage"] == before  # nothing was sent


def test_a_batch_stops_starting_rows_once_the_budget_is_spent(ip):
    account = emulator_client()
    rows = [f"row {n}" for n in range(6)]
    first = orj.map(rows[:1], "Say {}", model="emulator/echo", progress=False, client=account)
    orj.set_budget(first[0].cost * 2.5)  # two more rows start, the third would go over
    with pytest.warns(ledger.BudgetWarning, match="budget"):
        results = orj.map(
            rows[1:],
            "Say {}",
            model="emulator/echo",
            progress=False,
            client=account,
            concurrency=1,
            force=True,
        )
    assert [r.status for r in results] == ["done", "done", "not run", "not run", "not run"]
    assert "session budget reached" in results[-1].error
    assert sum(line.requests for line in ledger.lines()) == 3


def test_config_budget_takes_dollars_or_off_and_refuses_words(ip, capsys):
    ip.run_line_magic("responses", "config budget=$5")
    assert ledger.budget() == 5.0
    ip.run_line_magic("responses", "config budget=off")
    assert ledger.budget() is None
    result = ip.run_cell("%responses config budget=lots")
    assert not result.success and "budget: expected dollars" in capsys.readouterr().err


def test_credits_draw_the_account_and_a_forbidden_key_is_one_line(ip, monkeypatch):
    from helpers.magic_shell import scripted_shell

    ip.run_line_magic("responses", "credits")
    text = shown(ip)
    assert "total credits" in text and "$10.0000" in text and "key limit" in text
    key = "limited-" + "3" * 40
    with emulator.start() as emu, scripted_shell(monkeypatch, emu.base_url, key) as shell:
        shell.run_line_magic("responses", "credits")
        text = shown(shell)
    assert "this key may not read credits (HTTP 403)" in text
    assert "this key may not read key information (HTTP 403)" in text
    assert key not in text and "Traceback" not in text


def test_generation_draws_a_responses_stats(ip, capsys):
    ip.run_cell("%%responses -o answer\nWhat is 12*7?")
    ip.publisher.reset()
    ip.run_line_magic("responses", f"generation {ip.user_ns['answer'].id}")
    text = shown(ip)
    assert "emulator/assistant" in text and "native_tokens_prompt" in text
    ip.run_line_magic("responses", "generation gen-missing")
    assert "generation gen-missing: could not read generations" in capsys.readouterr().out


def test_a_preset_answers_in_a_cell_a_comparison_and_a_batch_as_the_model_it_names(ip):
    ip.run_cell("%%responses -m @preset/emulator-echo\nsay exactly this")
    assert footers(ip)[-1].startswith("emulator/echo")
    ip.run_cell("%%responses -m @preset/emulator-echo,emulator/assistant -o both\nhello there")
    both = ip.user_ns["both"]
    assert both["@preset/emulator-echo"].output_text == "hello there"
    assert both["@preset/emulator-echo"].model == "emulator/echo"
    rows = orj.map(["one", "two"], "{}", model="@preset/emulator-echo", progress=False)
    assert [row.output for row in rows] == ["one", "two"]


def test_a_cache_hint_sends_cache_control_and_cached_tokens_show_in_footer_and_ledger(ip):
    prompt = "%%responses -n --cache-hint 1h,key=nb\n" + "A long shared question. " * 20
    ip.run_cell(prompt)
    ip.run_cell(prompt)
    first, again = footers(ip)[-2:]
    assert " cached" not in first
    assert re.search(r"\d[\d,]* cached", again), again
    assert sum(line.cached_tokens for line in ledger.lines()) > 0


def test_cached_tokens_show_in_the_comparison_table(ip):
    prompt = "--cache-hint 5m\n" + "The same long question for both. " * 20
    ip.run_cell("%%responses -m emulator/assistant,emulator/echo " + prompt)
    ip.publisher.reset()
    ip.run_cell("%%responses -n -m emulator/assistant,emulator/echo " + prompt)
    table = shown(ip).split('class="orj-compare"', 1)[1]
    assert re.search(r"<td>[\d,]+ \([\d,]+ cached\)</td>", table), table


def test_usage_is_a_list_of_records_without_pandas(monkeypatch):
    ledger.record(orj.Response(model="m/a", usage={"input_tokens": 2, "cost": 0.5}), "cell 3")
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)
    [record] = orj.usage()
    assert (record["source"], record["model"], record["cost"]) == ("cell 3", "m/a", 0.5)


def test_a_bad_cache_hint_is_one_line(ip, capsys):
    result = ip.run_cell("%%responses --cache-hint forever\nhi")
    assert not result.success
    assert "--cache-hint forever: expected 5m, 1h or key=NAME" in capsys.readouterr().err


@pytest.mark.kernel
def test_in_a_kernel_each_cells_spend_is_labelled_with_its_execution_count():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute_interactive("%load_ext or_jupyter\n%responses offline on", timeout=60)
        counts = []
        for source in (
            "%%responses\nWhat is 12*7?",
            "%%responses -m emulator/assistant,emulator/echo\nSay hi",
            "import or_jupyter as orj\nrows = orj.map(['a', 'b'], '{}', model='emulator/echo')",
        ):
            reply = client.execute_interactive(source, timeout=120)
            assert reply["content"]["status"] == "ok"
            counts.append(reply["content"]["execution_count"])
        printed = []
        client.execute_interactive(
            "from or_jupyter.client import ledger\n"
            "print(sorted((line.source, line.requests) for line in ledger.lines()))",
            timeout=60,
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
        )
        first, compared, batch = counts
        expected = sorted([(f"cell {first}", 1), (f"cell {batch}", 2)])
        expected += [(f"cell {compared}", 1)] * 2  # one line per model
        assert "".join(printed).strip() == str(sorted(expected))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
