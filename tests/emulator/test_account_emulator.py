"""The emulator's account: `/credits`, `/key` and `/generation` as the spec's schemas say,
deterministic; presets resolve to the model that serves; hinted prompts read a cache."""

from __future__ import annotations

import httpx
import pytest
from helpers.emulator import events, post
from helpers.recordings import openapi_spec

from or_jupyter import emulator


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


def answer_validator(path: str):
    """A validator for the 200 answer of `GET path` in the spec."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource(
        "urn:openrouter", DRAFT202012.create_resource(openapi_spec())
    )
    pointer = f"/paths/~1{path}/get/responses/200/content/application~1json/schema"
    return Draft202012Validator({"$ref": f"urn:openrouter#{pointer}"}, registry=registry)


def get(emu, path: str, key: str = "test-key") -> httpx.Response:
    return httpx.get(f"{emu.base_url}{path}", headers={"Authorization": f"Bearer {key}"})


def test_credits_key_and_generation_validate_against_the_spec_and_add_up(emu):
    before = get(emu, "/credits").json()["data"]["total_usage"]
    answer = post(emu.base_url, {"model": "emulator/echo", "input": "spend a little"}).json()
    streamed = events(
        post(emu.base_url, {"model": "emulator/echo", "input": "and more", "stream": True}).content
    )[-1]["response"]
    for path in ("credits", "key"):
        reply = get(emu, f"/{path}")
        assert reply.status_code == 200
        assert list(answer_validator(path).iter_errors(reply.json())) == []
    cost = answer["usage"]["cost"] + streamed["usage"]["cost"]
    assert get(emu, "/credits").json()["data"]["total_usage"] == pytest.approx(before + cost)
    for response, was_streamed in ((answer, False), (streamed, True)):
        reply = get(emu, f"/generation?id={response['id']}")
        assert list(answer_validator("generation").iter_errors(reply.json())) == []
        data = reply.json()["data"]
        assert (data["id"], data["streamed"]) == (response["id"], was_streamed)
        assert data["total_cost"] == response["usage"]["cost"]
        assert data["native_tokens_prompt"] == response["usage"]["input_tokens"]


def test_an_unknown_generation_is_404_and_a_missing_id_400(emu):
    assert get(emu, "/generation?id=gen-none").status_code == 404
    assert get(emu, "/generation").status_code == 400


def test_account_reads_need_a_key_and_a_limited_key_gets_403(emu):
    assert httpx.get(f"{emu.base_url}/credits").status_code == 401
    refused = get(emu, "/credits", key="limited-key")
    assert refused.status_code == 403 and "management" in refused.json()["error"]["message"]
    assert get(emu, "/key", key="limited-key").status_code == 403


def test_a_preset_is_served_by_its_model_and_an_unknown_one_is_404(emu):
    answer = post(emu.base_url, {"model": "@preset/emulator-echo", "input": "echo this"}).json()
    assert answer["model"] == "emulator/echo"
    assert answer["output"][0]["content"][0]["text"] == "echo this"
    stats = get(emu, f"/generation?id={answer['id']}").json()["data"]
    assert stats["preset_id"] == "emulator-echo"
    missing = post(emu.base_url, {"model": "@preset/nope", "input": "x"})
    assert missing.status_code == 404 and "@preset/emulator-echo" in missing.text


def test_a_hinted_prompt_seen_before_reports_cached_tokens_at_a_discount(emu):
    body = {
        "model": "emulator/echo",
        "input": [{"type": "message", "role": "user", "content": "a long shared prefix " * 20}],
        "cache_control": {"type": "ephemeral", "ttl": "5m"},
    }
    first = post(emu.base_url, body).json()["usage"]
    again = post(emu.base_url, body).json()["usage"]
    unhinted = {key: value for key, value in body.items() if key != "cache_control"}
    plain = post(emu.base_url, unhinted).json()["usage"]
    assert first["input_tokens_details"]["cached_tokens"] == 0
    assert again["input_tokens_details"]["cached_tokens"] == again["input_tokens"]
    assert again["cost"] < first["cost"]
    assert plain["input_tokens_details"]["cached_tokens"] == 0
    keyed = {**unhinted, "prompt_cache_key": "nb-1"}
    post(emu.base_url, keyed)
    turn = {
        **keyed,
        "input": [*body["input"], {"type": "message", "role": "user", "content": "next"}],
    }
    cached = post(emu.base_url, turn).json()["usage"]["input_tokens_details"]["cached_tokens"]
    assert 0 < cached < post(emu.base_url, turn).json()["usage"]["input_tokens"]
