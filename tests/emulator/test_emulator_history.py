"""The emulator validates each distinct input item once, so a long conversation's turns
cost the same; a body that fails is still refused naming its true path."""

from __future__ import annotations

import httpx
import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.emulator import schemas

MODEL = "emulator/assistant"


@pytest.fixture(scope="module")
def handle():
    with emulator.start() as running:
        yield running


@pytest.fixture
def validated(monkeypatch):
    """Counts the input items handed to the schema validator, request by request."""
    counts: list[int] = []
    original = Draft202012Validator.iter_errors

    def counting(self, instance, *args, **kwargs):
        if isinstance(instance, dict) and isinstance(instance.get("input"), list):
            counts.append(len(instance["input"]))
        return original(self, instance, *args, **kwargs)

    monkeypatch.setattr(Draft202012Validator, "iter_errors", counting)
    return counts


def test_a_growing_conversation_validates_each_input_item_once(handle, validated):
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=handle.base_url))
    for number in range(1, 31):
        chat.send(f"History check {number}: what is {number}*3?")
    assert len(validated) == 30
    assert validated == [1] + [2] * 29  # the new prompt, and the answer before it
    assert sum(validated) == len(chat.history) - 1  # not 1 + 3 + 5 + ... (900 items)


def test_the_validated_item_count_grows_with_the_new_items_only(handle):
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=handle.base_url))
    chat.send("Count check: what is 2*2?")
    before = schemas.validated_items()
    for number in range(20):
        chat.send(f"Count check {number}: what is {number}*2?")
    assert schemas.validated_items() - before == 40


def _invalid_after(history: list[dict]) -> dict:
    bad = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": 5}]}
    return {"model": MODEL, "input": [*history, bad]}


def test_an_invalid_item_after_a_validated_history_is_refused_naming_its_index(handle):
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=handle.base_url))
    for number in range(5):
        chat.send(f"Invalid check {number}: what is {number}+1?")
    body = _invalid_after(chat.history)
    whole = schemas._describe(best_match(schemas.validator("ResponsesRequest").iter_errors(body)))
    answer = httpx.post(
        f"{handle.base_url}/responses", json=body, headers={"Authorization": "Bearer k"}
    )
    assert answer.status_code == 400
    message = answer.json()["error"]["message"]
    assert message == whole  # what validating the whole body says
    assert message.startswith(f"input[{len(chat.history)}]")
    assert schemas.request_problem(body) == message  # and again when sent again


def test_a_valid_item_once_seen_does_not_excuse_a_changed_copy(handle):
    item = {"type": "message", "role": "user", "content": "fine"}
    assert schemas.request_problem({"model": MODEL, "input": [item]}) is None
    changed = {**item, "content": 5}
    problem = schemas.request_problem({"model": MODEL, "input": [item, changed]})
    assert problem is not None and problem.startswith("input[1]")
