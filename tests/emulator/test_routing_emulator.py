"""The emulator's routing over real HTTP: model fallbacks, routing metadata, provider
objects, and paced models."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from helpers.emulator import events, post

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.emulator import catalogue, routing, schemas
from or_jupyter.emulator.behaviours import plan
from or_jupyter.emulator.request import parse
from or_jupyter.emulator.tokens import count

METADATA = {"X-OpenRouter-Metadata": "enabled"}


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


def streamed(client: orj.Client, **params) -> orj.Response:
    """The final `Response` of a stream read to its end."""
    with client.stream(**params) as stream:
        for _ in stream:
            pass
    return stream.response


def completed(raw: bytes) -> dict:
    (last,) = [e for e in events(raw) if e["type"] == "response.completed"]
    return last["response"]


def test_a_failing_first_model_falls_through_to_the_next(emu):
    body = {"model": "emulator/error-503", "models": ["emulator/error-429", "emulator/echo"]}
    reply = post(emu.base_url, {**body, "input": "hello there", "stream": True}, METADATA)
    assert reply.status_code == 200
    final = completed(reply.content)
    assert final["model"] == "emulator/echo"
    assert final["output_text"] == "hello there"
    meta = final["openrouter_metadata"]
    assert meta["attempt"] == 3
    assert [(a["model"], a["status"]) for a in meta["attempts"]] == [
        ("emulator/error-503", 503),
        ("emulator/error-429", 429),
        ("emulator/echo", 200),
    ]
    assert meta["strategy"] == "fallback"
    assert meta["requested"] == "emulator/error-503"
    assert [e["selected"] for e in meta["endpoints"]["available"]] == [False, False, True]
    assert schemas.problems("OpenRouterMetadata", meta) == []
    assert schemas.problems("OpenResponsesResult", final) == []
    for event in events(reply.content):
        name = schemas.event_schema(event["type"])
        assert name is not None and schemas.is_valid(name, event), event["type"]


def test_a_models_list_without_a_model_is_tried_in_order(emu):
    body = {"models": ["emulator/error-502", "emulator/assistant"], "input": "2+2", "stream": False}
    reply = post(emu.base_url, body, METADATA)
    assert reply.status_code == 200
    assert reply.json()["model"] == "emulator/assistant"
    assert reply.json()["openrouter_metadata"]["attempt"] == 2
    assert schemas.problems("OpenResponsesResult", reply.json()) == []


def test_when_every_candidate_fails_the_last_ones_error_comes_back(emu):
    body = {"model": "emulator/error-503", "models": ["emulator/error-402"], "input": "hi"}
    reply = post(emu.base_url, body, METADATA)
    assert reply.status_code == 402
    assert "Insufficient credits" in reply.json()["error"]["message"]


def test_an_unknown_fallback_model_is_a_400_naming_it(emu):
    body = {"model": "emulator/echo", "models": ["emulator/nope"], "input": "hi"}
    reply = post(emu.base_url, body)
    assert reply.status_code == 400
    assert "emulator/nope is not a valid model ID" in reply.json()["error"]["message"]


def test_metadata_comes_only_when_asked_for(emu):
    body = {"model": "emulator/assistant", "input": "hi"}
    assert "openrouter_metadata" not in post(emu.base_url, body).json()
    legacy = post(emu.base_url, body, {"X-OpenRouter-Experimental-Metadata": "enabled"}).json()
    assert legacy["openrouter_metadata"]["strategy"] == "direct"
    assert legacy["openrouter_metadata"]["attempt"] == 1


def test_the_client_reads_who_served_and_how_many_attempts_it_took(emu):
    client = orj.Client(api_key="k", base_url=emu.base_url, max_retries=0)
    params = dict(model="emulator/error-500", models=["emulator/error-500", "emulator/echo"])
    response = streamed(client, input="fallback please", **params)
    assert (response.model, response.provider, response.attempts) == (
        "emulator/echo",
        "Emulator",
        2,
    )
    created = client.create(input="fallback please", **params)
    assert (created.model, created.provider, created.attempts) == ("emulator/echo", "Emulator", 2)


@pytest.mark.parametrize(
    "provider",
    [
        {"sort": "price", "only": ["openai"], "zdr": True},
        {"order": ["a", "b"], "allow_fallbacks": False, "max_price": {"prompt": "1"}},
        {"sort": {"by": "latency", "partition": "none"}},
        None,
    ],
)
def test_valid_provider_objects_are_accepted(emu, provider):
    body = {"model": "emulator/assistant", "input": "hi", "provider": provider}
    assert post(emu.base_url, body).status_code == 200


@pytest.mark.parametrize(
    ("provider", "path"),
    [
        ({"sort": 5}, "provider"),
        ({"only": "openai"}, "provider"),
        ({"zdr": "yes"}, "provider"),
        ({"cheapest": True}, "provider"),
        ({"max_price": {"prompt": 1}}, "provider"),
        ("price", "provider"),
    ],
)
def test_wrong_provider_objects_are_a_400(emu, provider, path):
    reply = post(emu.base_url, {"model": "emulator/assistant", "input": "hi", "provider": provider})
    assert reply.status_code == 400
    assert path in reply.json()["error"]["message"]


def test_a_models_entry_of_the_wrong_type_is_a_400(emu):
    reply = post(emu.base_url, {"model": "emulator/echo", "models": "emulator/echo", "input": "h"})
    assert reply.status_code == 400
    assert "models" in reply.json()["error"]["message"]


# -- paced models ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "pace"),
    [
        ("emulator/pace-40tps", routing.Pace(40.0, 0.0)),
        ("emulator/pace-80tps-ttft500ms", routing.Pace(80.0, 0.5)),
        ("emulator/pace-2.5tps-ttft0ms", routing.Pace(2.5, 0.0)),
        ("emulator/pace-0tps", None),
        ("emulator/pace-40", None),
        ("emulator/pace-40tps-ttft99999999ms", None),
        ("emulator/pace-9999999tps", None),
        ("openai/pace-40tps", None),
    ],
)
def test_a_paced_model_id_names_its_pace(model, pace):
    assert routing.pace_of(model) == pace


@pytest.mark.parametrize("limit", [None, 37, 600])
def test_a_paced_model_answers_exactly_its_token_budget(limit):
    body = {"model": "emulator/pace-150tps", "input": "Explain a monad."}
    if limit is not None:
        body["max_output_tokens"] = limit
    answer = plan(parse(body))
    assert count(answer.text or "") == (limit or routing.PACE_DEFAULT_TOKENS)
    assert not answer.incomplete
    reasoned = plan(parse({**body, "reasoning": {"effort": "low"}}))
    assert reasoned.reasoning
    assert count(reasoned.reasoning) + count(reasoned.text or "") == (limit or 600)


def test_the_catalogue_lists_paced_models_for_the_benchmark(emu):
    listed = {m["id"] for m in httpx.get(f"{emu.base_url}/models", timeout=10).json()["data"]}
    for model in (
        "emulator/pace-40tps-ttft800ms",
        "emulator/pace-80tps-ttft500ms",
        "emulator/pace-150tps-ttft300ms",
    ):
        assert model in catalogue.EMULATOR_MODELS
        assert model in listed
        assert routing.pace_of(model) is not None


def test_a_paced_stream_waits_for_its_first_token_then_spreads_its_deltas(emu):
    # Lower bounds only: the emulator sleeps at least this long, however slow the machine.
    body = {"model": "emulator/pace-20tps-ttft300ms", "input": "hi", "stream": True}
    started = time.monotonic()
    arrivals = []
    with httpx.stream(
        "POST",
        f"{emu.base_url}/responses",
        json={**body, "max_output_tokens": 8},
        headers={"Authorization": "Bearer k"},
        timeout=30,
    ) as reply:
        for line in reply.iter_lines():
            if line.startswith("data: ") and '"response.output_text.delta"' in line:
                arrivals.append(time.monotonic() - started)
    assert len(arrivals) == 8
    assert arrivals[0] >= 0.25
    assert arrivals[-1] - arrivals[0] >= 7 / 20 * 0.8


def test_three_paced_models_stream_at_once(emu):
    client = orj.Client(api_key="k", base_url=emu.base_url, max_retries=0)
    models = ["emulator/pace-400tps", "emulator/pace-800tps-ttft50ms", "emulator/pace-1500tps"]
    results: dict[str, orj.Response] = {}

    def run(model: str) -> None:
        results[model] = streamed(client, model=model, input="go", max_output_tokens=60)

    threads = [threading.Thread(target=run, args=(m,)) for m in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == sorted(models)
    for model, response in results.items():
        assert response.status == "completed"
        assert response.model == model
        assert response.usage["output_tokens"] == 60
