"""The emulator examines (validates, counts, measures, hashes) only the input items past a
prefix it already answered, so a long conversation's turns cost the same; a body that
fails is still refused naming its true path."""

from __future__ import annotations

import hashlib
import json
import random

import httpx
import pytest

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.emulator import prefixes, request, schemas, tokens

MODEL = "emulator/assistant"


@pytest.fixture(scope="module")
def handle():
    with emulator.start() as running:
        yield running


@pytest.fixture
def validated(monkeypatch):
    """Counts the input items handed to the schema validator, request by request."""
    counts: list[int] = []
    original = schemas.is_valid

    def counting(name, instance):
        if isinstance(instance, dict) and isinstance(instance.get("input"), list):
            counts.append(len(instance["input"]))
        return original(name, instance)

    monkeypatch.setattr(schemas, "is_valid", counting)
    return counts


def test_a_growing_conversation_validates_each_input_item_once(handle, validated):
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=handle.base_url))
    for number in range(1, 31):
        chat.send(f"History check {number}: what is {number}*3?")
    assert len(validated) == 30
    assert validated == [1] + [2] * 29  # the new prompt, and the answer before it
    assert sum(validated) == len(chat.history) - 1  # not 1 + 3 + 5 + ... (900 items)


def test_the_validated_item_count_grows_with_the_new_items_only(handle, monkeypatch):
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=handle.base_url))
    chat.send("Count check: what is 2*2?")
    counted: list[int] = []  # the count is the process's: keep only this test's requests
    original = schemas._schema_problem

    def counting(body, items):
        before = schemas.validated_items()
        problem = original(body, items)
        if "Count check" in json.dumps(body.get("input")):
            counted.append(schemas.validated_items() - before)
        return problem

    monkeypatch.setattr(schemas, "_schema_problem", counting)
    for number in range(20):
        chat.send(f"Count check {number}: what is {number}*2?")
    assert counted == [2] * 20


def test_a_conversation_measures_only_the_items_past_what_was_answered_before(handle, monkeypatch):
    measured: list[int] = []  # values whose depth is measured (the rest of a body, new items)
    original = prefixes.depth

    def counting(value):
        measured.append(1)
        return original(value)

    monkeypatch.setattr(prefixes, "depth", counting)
    monkeypatch.setattr(request, "depth", counting)
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=handle.base_url))
    per_send = []
    for number in range(25):
        before = len(measured)
        chat.send(f"Depth check {number}: what is {number}*5?")
        per_send.append(len(measured) - before)
    # the first: the body and its one item; then the body's rest and the two new items
    assert per_send == [2] + [3] * 24


def test_a_prefix_is_found_only_where_an_item_of_the_input_ends():
    seen = request.parse({"input": [{"n": 1234567}]}).seen
    assert seen is not None and seen.count == 1
    prefixes.remember(prefixes.encoded([{"n": 1234567}]), seen)
    assert prefixes.find(prefixes.encoded([{"n": 1234567}, {"n": 2}])) == seen
    assert prefixes.find(prefixes.encoded([{"n": 12345678}])) is None
    assert prefixes.find(prefixes.encoded([{"n": 1234567.5}])) is None
    assert prefixes.find(prefixes.encoded([{"n": 123456}])) is None


def test_prefixes_of_other_conversations_ending_inside_an_item_do_not_hide_the_true_one():
    first = [{"role": "user", "content": "first question"}]
    items = [*first, {"role": "assistant", "content": "an answer, with, commas, in, it"}]
    seen = request.parse({"input": first}).seen
    prefixes.remember(prefixes.encoded(first), seen)
    text = prefixes.encoded(items).text
    inner = [at for at in range(len(text)) if text[at : at + 1] == b","][-6:]  # inside item 2
    for length in inner:  # inputs of other conversations, as long as those commas are far
        other = [{"c": "x" * (length - len('[{"c":""}'))}]
        assert len(prefixes.encoded(other).text) - 1 == length
        prefixes.remember(prefixes.encoded(other), request.parse({"input": other}).seen)
    assert prefixes.find(prefixes.encoded(items)) is seen


def test_the_least_recent_prefixes_are_forgotten_and_found_no_more():
    first = prefixes.encoded([{"kept": "the first"}])
    prefixes.remember(first, request.parse({"input": [{"kept": "the first"}]}).seen)
    for number in range(prefixes.MAX_KEPT):
        other = [{"kept": f"other {number}"}]
        prefixes.remember(prefixes.encoded(other), request.parse({"input": other}).seen)
    assert prefixes.find(prefixes.encoded([{"kept": "the first"}, {"n": 1}])) is None
    assert len(prefixes._kept) == prefixes.MAX_KEPT == sum(prefixes._lengths.values())


def test_an_answer_continuing_a_known_prefix_has_the_seed_and_count_of_a_fresh_one():
    items = [{"type": "message", "role": "user", "content": f"seed {n}"} for n in range(4)]
    body = {"model": MODEL, "input": items, "instructions": "Be brief", "include": ["x"]}
    fresh = request.parse(body)
    for cut in range(1, 4):
        known = request.parse({**body, "input": items[:cut]}).seen
        continued = request.parse(body, known)
        assert (continued.seed, continued.input_tokens) == (fresh.seed, fresh.input_tokens)
    assert fresh.input_tokens == tokens.input_count(body)
    whole = hashlib.sha256(request.seed_text(body).encode()).digest()  # the text, hashed at once
    assert fresh.seed == int.from_bytes(whole[:8], "big")


def _invalid_after(history: list[dict]) -> dict:
    bad = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": 5}]}
    return {"model": MODEL, "input": [*history, bad]}


def test_an_invalid_item_after_a_validated_history_is_refused_naming_its_index(handle):
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=handle.base_url))
    for number in range(5):
        chat.send(f"Invalid check {number}: what is {number}+1?")
    from jsonschema.exceptions import best_match

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


def test_input_tokens_count_each_history_item_once(handle, monkeypatch):
    counted: list[int] = []
    original = tokens.count

    def counting(text):
        counted.append(len(text))
        return original(text)

    monkeypatch.setattr(tokens, "count", counting)
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=handle.base_url))
    chat.send("Token check: what is 9*9?")
    sizes = []
    for number in range(15):
        before = len(counted)
        chat.send(f"Token check {number}: what is {number}*9?")
        sizes.append(sum(counted[before:]))
    assert max(sizes) < 3 * min(sizes)  # characters tokenised per turn: not the whole history


def _value(rnd: random.Random, level: int = 0):
    words = ["hello", "12345", "true", "a b", "é", "\u2028", "  ", "{", '"', "abcdefghijklmnop"]
    kind = rnd.random()
    if level > 3 or kind < 0.3:
        return rnd.choice([rnd.choice(words), rnd.randint(-99999, 99999), rnd.random(), None])
    if kind < 0.6:
        return [_value(rnd, level + 1) for _ in range(rnd.randint(0, 3))]
    return {rnd.choice(words): _value(rnd, level + 1) for _ in range(rnd.randint(0, 3))}


def test_input_tokens_counted_by_item_equal_the_count_of_the_whole_json():
    rnd = random.Random(19)
    for _ in range(500):
        items = [_value(rnd) for _ in range(rnd.randint(0, 5))]
        body = {"input": items if rnd.random() < 0.9 else _value(rnd)}
        body |= {"instructions": rnd.choice([None, "Be brief"]), "tools": rnd.choice([None, []])}
        whole = json.dumps([body["input"], body["instructions"], body["tools"]])
        assert tokens.input_count(body) == tokens.count(whole), body
