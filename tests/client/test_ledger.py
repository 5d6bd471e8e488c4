"""The session ledger over real HTTP: every response a client finishes is counted once, with
its source, model, provider and tokens; a budget refuses a send before it is sent; the
account (credits, key, generation) is read, and its refusals are typed, without the key."""

from __future__ import annotations

import asyncio
import json
import warnings

import pytest
from helpers.scripted_server import Reply, completed_body, completed_reply

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.client import ledger

KEY = "sk-or-v1-" + "5" * 40


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


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


def json_reply(**extra) -> Reply:
    """A non-streamed answer (what `create` reads)."""
    body = json.dumps(completed_body(**extra)).encode()
    return Reply(200, body, content_type="application/json")


def usage(cost: float, cached: int = 0, reasoning: int = 0) -> dict:
    return {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": 4,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": 14,
        "cost": cost,
    }


def test_streamed_and_created_responses_are_each_counted_once_with_their_tokens(server):
    server.queue(
        completed_reply("a", usage=usage(0.25, cached=6, reasoning=2)),
        Reply(
            200,
            json.dumps(completed_body("b", usage=usage(0.5))).encode(),
            content_type="application/json",
        ),
    )
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)
    with client.stream(model="openai/gpt-5-mini", input="hi") as stream:
        for _ in stream:
            pass
        assert stream.response.output_text == "a"  # reading it again counts nothing more
    client.create(model="openai/gpt-5-mini", input="hi")
    [line] = ledger.lines()
    assert (line.requests, line.input_tokens, line.output_tokens) == (2, 20, 8)
    assert (line.cached_tokens, line.reasoning_tokens) == (6, 2)
    assert line.cost == pytest.approx(0.75) and ledger.spent() == pytest.approx(0.75)
    assert (line.source, line.model, line.local) == ("python", "openai/gpt-5-mini", False)


def test_a_source_labels_the_responses_started_under_it(server):
    server.queue(completed_reply(usage=usage(0.1)), completed_reply(usage=usage(0.2)))
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)
    ledger.set_cell(7)
    try:
        with client.stream(model="openai/gpt-5-mini", input="hi") as stream:
            stream.until_done()
        ledger.as_source("form", lambda: client.stream(model="m/x", input="hi").until_done())
    finally:
        ledger.set_cell(None)
    costs = {line.source: line.cost for line in ledger.lines()}
    assert costs == {"cell 7": pytest.approx(0.1), "form": pytest.approx(0.2)}


def test_answers_served_by_the_cache_count_nothing_spent_and_what_they_saved(server, tmp_path):
    server.queue(completed_reply(usage=usage(0.4)))
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0, cache=tmp_path / "c")
    for _ in range(2):
        with client.stream(model="openai/gpt-5-mini", input="same") as stream:
            stream.until_done()
    assert len(server.seen) == 1
    by_local = {line.local: line for line in ledger.lines()}
    assert by_local[False].cost == pytest.approx(0.4)
    assert by_local[True].cost == 0 and by_local[True].saved == pytest.approx(0.4)
    assert ledger.spent() == pytest.approx(0.4)


def test_a_send_after_the_budget_is_spent_is_refused_and_the_server_sees_nothing(server):
    server.queue(json_reply(usage=usage(1.0)))
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)
    orj.set_budget(1.0)
    client.create(model="openai/gpt-5-mini", input="hi")  # starts under the budget
    with pytest.raises(orj.BudgetExceededError) as refused:
        client.stream(model="openai/gpt-5-mini", input="again")
    with pytest.raises(orj.BudgetExceededError):
        asyncio.run(client.to_async().create(model="openai/gpt-5-mini", input="again"))
    assert len(server.seen) == 1
    assert "$1.0000 of $1.00" in str(refused.value) and "budget=" in str(refused.value)
    orj.set_budget(2.0)  # raised: sends go again
    server.queue(json_reply(usage=usage(0.1)))
    client.create(model="openai/gpt-5-mini", input="again")
    assert len(server.seen) == 2


def test_an_answer_the_cache_holds_is_served_after_the_budget_is_spent(server, tmp_path):
    server.queue(json_reply(usage=usage(1.0)))
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0, cache=tmp_path / "c")
    orj.set_budget(1.0)
    first = client.create(model="openai/gpt-5-mini", input="kept")  # spends the budget
    with pytest.warns(ledger.BudgetWarning) as warned:  # free: from the cache
        again = client.create(model="openai/gpt-5-mini", input="kept")
    assert warned[0].filename == __file__  # shown at the caller's line, not inside the client
    assert (again.output_text, again.cached) == (first.output_text, True)
    with pytest.raises(orj.BudgetExceededError):  # a new question still costs: refused
        client.create(model="openai/gpt-5-mini", input="new")
    assert len(server.seen) == 1
    assert ledger.spent() == pytest.approx(1.0)


def test_passing_80_percent_of_the_budget_warns_once(server):
    server.queue(json_reply(usage=usage(0.85)), json_reply(usage=usage(0.01)))
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)
    orj.set_budget(1.0)
    client.create(model="openai/gpt-5-mini", input="hi")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.create(model="openai/gpt-5-mini", input="hi")
        server.queue(json_reply(usage=usage(0.01)))
        client.create(model="openai/gpt-5-mini", input="hi")
    budget_warnings = [w for w in caught if issubclass(w.category, ledger.BudgetWarning)]
    assert len(budget_warnings) == 1
    assert "of $1.00 budget (85%)" in str(budget_warnings[0].message)


def test_a_bad_budget_is_refused():
    for bad in (-1, float("nan"), "lots"):
        with pytest.raises(ValueError):
            orj.set_budget(bad)
    assert ledger.budget() is None


def test_the_ledger_keeps_one_line_per_source_and_model_however_many_responses(server):
    body = completed_body(usage=usage(0.001))
    for _ in range(50):
        ledger.record(orj.Response(model="m/a", usage=body["usage"]), "cell 1")
    ledger.record(orj.Response(model="m/b", usage=body["usage"]), "cell 1")
    assert [(line.model, line.requests) for line in ledger.lines()] == [("m/a", 50), ("m/b", 1)]
    assert ledger.spent() == pytest.approx(0.051)


def test_usage_is_a_frame_that_writes_csv(server, tmp_path):
    server.queue(json_reply(usage=usage(0.3)))
    orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0).create(
        model="openai/gpt-5-mini", input="hi"
    )
    frame = orj.usage()
    frame.to_csv(tmp_path / "spend.csv")
    text = (tmp_path / "spend.csv").read_text()
    assert "openai/gpt-5-mini" in text and "0.3" in text
    assert list(frame.columns)[:4] == ["source", "model", "provider", "local"]


def test_credits_key_and_generation_are_read_from_the_emulator(emu):
    client = orj.Client(api_key="emulator-key", base_url=emu.base_url)
    response = client.create(model="emulator/echo", input="count me")
    credits = client.credits()
    assert credits["total_credits"] == 10.0
    assert credits["total_usage"] >= response.usage["cost"] > 0  # this module's answers so far
    assert credits["remaining"] == pytest.approx(10.0 - credits["total_usage"])
    key = client.key_info()
    assert key["label"] == "emulator key" and key["limit"] == 5.0
    stats = client.generation(response.id)
    assert stats["id"] == response.id and stats["model"] == "emulator/echo"
    assert stats["native_tokens_prompt"] == response.usage["input_tokens"]
    assert stats["total_cost"] == response.usage["cost"]
    with pytest.raises(orj.NotFoundError):
        client.generation("gen-unknown")


def test_a_key_without_the_right_gets_a_typed_403_without_the_key(emu):
    key = "limited-" + "7" * 40
    client = orj.Client(api_key=key, base_url=emu.base_url)
    for read in (client.credits, client.key_info):
        with pytest.raises(orj.PermissionDeniedError) as refused:
            read()
        assert refused.value.status_code == 403 and key not in str(refused.value)


def test_a_refused_key_gets_a_typed_401_without_the_key(server):
    server.queue(
        Reply(
            401,
            b'{"error":{"code":401,"message":"User not found."}}',
            content_type="application/json",
        )
    )
    with pytest.raises(orj.AuthenticationError) as refused:
        orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0).credits()
    assert refused.value.status_code == 401 and KEY not in repr(refused.value)
    assert server.seen[0].path == "/api/v1/credits"


def test_async_credits_and_key_match_the_sync_ones(emu):
    async def read():
        async with orj.AsyncClient(api_key="emulator-key", base_url=emu.base_url) as client:
            return await client.credits(), await client.key_info()

    credits, key = asyncio.run(read())
    assert credits["total_credits"] == 10.0 and "remaining" in credits
    assert key["is_free_tier"] is False
