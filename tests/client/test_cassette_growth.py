"""Cassette format 2: each request is written relative to the earlier one it extends, so a
long conversation's cassette grows linearly; version-1 files (every body whole) still replay."""

from __future__ import annotations

import json
import shutil

import pytest
from helpers import REPO

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.kept import cassette

KEY = "sk-or-v1-cassette-growth-secret-0123456789"
MODEL = "emulator/assistant"
V1 = REPO / "tests" / "fixtures" / "cassette-v1.jsonl"
V1_ANSWERS = ["`12*7` = **84**", "`6*7` = **42**", "`5*5` = **25**"]
HEADER = '{"or_jupyter_cassette": 2}\n'


def get_weather(location: str) -> str:
    """The weather.

    Args:
        location: a city
    """
    return f"Sunny in {location}"


@pytest.fixture(scope="module")
def em():
    with emulator.start() as handle:
        yield handle


@pytest.fixture(scope="module")
def long_tape(em, tmp_path_factory):
    """A cassette of one conversation of 12 cells, and the answers it recorded."""
    tape = tmp_path_factory.mktemp("growth") / "long.jsonl"
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key=KEY, base_url=em.base_url))
    cassette.record(tape)
    try:
        answers = [chat.send(f"What is {n}*7?").output_text for n in range(1, 13)]
    finally:
        cassette.stop_recording()
    return tape, answers, chat.history


def _lines(tape):
    return [json.loads(line) for line in tape.read_text().splitlines()[1:]]


def test_each_turn_stores_only_its_new_input_items(long_tape):
    tape, _, history = long_tape
    lines = _lines(tape)
    stored = [len(line["body"]["input"]) for line in lines]
    assert stored == [1] + [2] * 11  # the first prompt; then the last answer and the new prompt
    assert sum(stored) == len(history) - 1  # every item once (the last answer was never sent)
    assert "extends" not in lines[0] and all(len(line["extends"]) == 32 for line in lines[1:])


def test_recording_a_turn_hashes_only_its_new_input_items(em, tmp_path, monkeypatch):
    from or_jupyter.kept import cassette_format

    hashed: list[int] = []
    original = cassette_format.chain

    def counting(digest, item):
        hashed.append(1)
        return original(digest, item)

    monkeypatch.setattr(cassette_format, "chain", counting)
    chat = orj.Conversation(model=MODEL, client=orj.Client(api_key=KEY, base_url=em.base_url))
    cassette.record(tmp_path / "hashed.jsonl")
    per_turn = []
    try:
        for number in range(10):
            before = len(hashed)
            chat.send(f"Hash check {number}: what is {number}*3?")
            per_turn.append(len(hashed) - before)
    finally:
        cassette.stop_recording()
    assert per_turn == [1] + [2] * 9  # the prompt, then the answer before it and the prompt


def test_the_last_turn_costs_no_more_bytes_than_the_second(long_tape):
    tape, _, _ = long_tape
    sizes = [len(line.encode()) for line in tape.read_text().splitlines()[2:]]
    assert max(sizes) - min(sizes) < 200  # digits of the arithmetic, not the history


def test_a_chained_cassette_replays_the_whole_conversation(long_tape):
    tape, answers, _ = long_tape
    cassette.replay(tape, fast=True)
    try:
        nowhere = orj.Client(api_key=None, base_url="http://127.0.0.1:9/api/v1")
        chat = orj.Conversation(model=MODEL, client=nowhere)
        replayed = [chat.send(f"What is {n}*7?") for n in range(1, 13)]
    finally:
        cassette.stop_replay()
    assert [r.output_text for r in replayed] == answers and all(r.cached for r in replayed)


def test_loaded_bodies_are_whole_and_share_the_items_of_their_prefix(long_tape):
    tape, _, history = long_tape
    exchanges = cassette.load(tape)
    inputs = [ex.body["input"] for ex in exchanges]
    assert inputs[-1] == history[:-1]  # rebuilt whole, ids included
    distinct = {id(item) for items in inputs for item in items}
    assert len(distinct) == len(history) - 1  # one object per item: memory linear in the session


def test_a_miss_in_a_chained_cassette_names_the_closest_turn_and_what_differs(long_tape):
    tape, _, _ = long_tape
    cassette.replay(tape, fast=True)
    try:
        chat = orj.Conversation(model=MODEL, client=orj.Client(base_url="http://127.0.0.1:9"))
        chat.send("What is 1*7?")
        with pytest.raises(cassette.ReplayMissError) as caught:
            chat.send("What is 2*8?")
    finally:
        cassette.stop_replay()
    assert caught.value.closest["body"]["input"][-1]["content"] == "What is 2*7?"
    assert caught.value.differences == ['input: recorded "What is 2*7?", asked "What is 2*8?"']


def test_the_emulator_serves_a_chained_cassette(long_tape):
    tape, answers, _ = long_tape
    with emulator.start(replay=[tape], fast=True) as replaying:
        client = orj.Client(api_key="any", base_url=replaying.base_url)
        chat = orj.Conversation(model=MODEL, client=client)
        assert [chat.send(f"What is {n}*7?").output_text for n in range(1, 4)] == answers[:3]


def test_branches_and_tool_loops_extend_their_own_prefix(em, tmp_path):
    tape = tmp_path / "t.jsonl"
    client = orj.Client(api_key=KEY, base_url=em.base_url)
    chat = orj.Conversation(model=MODEL, tools=[get_weather], client=client)
    cassette.record(tape)
    chat.send("What is 3*3?")
    chat.send("Call get_weather with location=Paris")
    compared = chat.compare("And 4*4?", models=["emulator/echo", MODEL])
    cassette.stop_recording()
    stored = [len(line["body"]["input"]) for line in _lines(tape)]
    assert stored[:3] == [1, 2, 2]  # the call's request; then the tool output and the call
    assert stored[3:] == [2, 0]  # both models are sent the same history: the second adds none
    cassette.replay(tape, fast=True)
    try:
        again = orj.Conversation(model=MODEL, tools=[get_weather], client=client)
        again.send("What is 3*3?")
        assert "Sunny in Paris" in again.send("Call get_weather with location=Paris").output_text
        replayed = again.compare("And 4*4?", models=["emulator/echo", MODEL])
    finally:
        cassette.stop_replay()
    assert {m: r.output_text for m, r in replayed.items()} == {
        m: r.output_text for m, r in compared.items()
    }


# -- version 1 ---------------------------------------------------------------------------


def test_a_version_1_cassette_still_replays_a_conversation_and_a_tool_loop(tmp_path):
    assert json.loads(V1.read_text().splitlines()[0])["or_jupyter_cassette"] == 1
    tape = shutil.copy(V1, tmp_path / "v1.jsonl")
    cassette.replay(tape, fast=True)
    try:
        client = orj.Client(base_url="http://127.0.0.1:9/api/v1")
        chat = orj.Conversation(model=MODEL, client=client)
        answers = [chat.send(p).output_text for p in ("What is 12*7?", "And 6*7?", "And 5*5?")]
        tools = orj.Conversation(model=MODEL, tools=[get_weather], client=client)
        called = tools.send("Call get_weather with location=Paris").output_text
    finally:
        cassette.stop_replay()
    assert answers == V1_ANSWERS and "Sunny in Paris" in called


def test_a_version_1_cassette_loads_with_its_prefixes_shared():
    exchanges = cassette.load(V1)
    first, second, third = (ex.body["input"] for ex in exchanges[:3])
    assert len(third) == 5 and third[:3] == second
    assert all(a is b for a, b in zip(third, second, strict=False))
    assert first[0] is second[0]


def test_python_m_emulator_replay_serves_a_version_1_cassette():
    with emulator.start(replay=[V1], fast=True) as replaying:
        chat = orj.Conversation(
            model=MODEL, client=orj.Client(api_key="any", base_url=replaying.base_url)
        )
        assert chat.send("What is 12*7?").output_text == V1_ANSWERS[0]


# -- hostile lines -----------------------------------------------------------------------

GOOD = {"method": "POST", "path": "/responses", "status": 200,
        "headers": {"content-type": "text/event-stream"}, "events": [[0, "data: {}\n\n"]]}  # fmt: skip
FIRST = {**GOOD, "body": {"input": [{"type": "message", "role": "user", "content": "hi"}]}}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({**GOOD, "extends": "0" * 32, "body": {"input": []}}, "no earlier line holds"),
        ({**GOOD, "extends": "xyz", "body": {"input": []}}, "extends must be 32 hex digits"),
        ({**GOOD, "extends": 7, "body": {"input": []}}, "extends must be 32 hex digits"),
        ({**GOOD, "extends": "0" * 32, "body": {"input": "hi"}}, "must hold an input list"),
        ({**GOOD, "extends": "0" * 32, "body": None}, "must hold an input list"),
    ],
    ids=["unknown", "not-hex", "not-text", "input-text", "no-body"],
)
def test_a_line_extending_what_is_not_there_is_a_cassette_error_naming_it(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(HEADER + json.dumps(FIRST) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(cassette.CassetteError, match="line 3 is not an exchange") as caught:
        cassette.load(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_version_1_file_ignores_extends_as_version_1_readers_did(tmp_path):
    path = tmp_path / "v1.jsonl"
    line = {**FIRST, "extends": "0" * 32}
    path.write_text('{"or_jupyter_cassette": 1}\n' + json.dumps(line) + "\n")
    (exchange,) = cassette.load(path)
    assert exchange.body == FIRST["body"]
