"""Each client has one chain of kept answers (player -> cache -> network): its own cassette
to replay or record when given one, the process's otherwise."""

from __future__ import annotations

import json

import pytest
from helpers.scripted_server import completed_reply

import or_jupyter as orj
from or_jupyter.kept import cassette

KEY = "sk-or-v1-kept-chain-0123456789"
MODEL = "openai/gpt-5-mini"


def ask(client, text="hi") -> orj.Response:
    with client.stream(model=MODEL, input=text) as stream:
        for _ in stream:
            pass
    return stream.response


def recorded(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()[1:]]


def test_a_client_given_a_cassette_replays_it_while_the_others_use_the_network(server, tmp_path):
    tape = tmp_path / "mine.jsonl"
    server.queue(completed_reply("recorded answer"))
    ask(orj.Client(api_key=KEY, base_url=server.base_url, record=tape))
    assert cassette.active_player() is None  # the process replays nothing
    replaying = orj.Client(base_url=server.base_url, replay=tape)  # no key needed to replay
    live = orj.Client(api_key=KEY, base_url=server.base_url)
    server.queue(completed_reply("live answer"))
    assert ask(replaying).output_text == "recorded answer" and ask(replaying).cached
    assert ask(live).output_text == "live answer"
    assert len(server.seen) == 2  # the recording and the live client, never the replaying one
    assert replaying.with_options(max_retries=0).kept.player is replaying.kept.player


def test_a_client_with_its_own_recorder_keeps_its_exchanges_out_of_the_process_cassette(
    server, tmp_path
):
    process_tape, own_tape = tmp_path / "process.jsonl", tmp_path / "own.jsonl"
    cassette.record(process_tape)
    own = orj.Client(api_key=KEY, base_url=server.base_url, record=own_tape)
    default = orj.Client(api_key=KEY, base_url=server.base_url)
    server.queue(completed_reply("one"), completed_reply("two"))
    ask(own, "to my own cassette")
    ask(default, "to the process's")
    assert [r["body"]["input"] for r in recorded(own_tape)] == ["to my own cassette"]
    assert [r["body"]["input"] for r in recorded(process_tape)] == ["to the process's"]


def test_a_replay_started_later_still_applies_to_a_client_made_before(server, tmp_path):
    tape = tmp_path / "t.jsonl"
    server.queue(completed_reply("kept"))
    ask(orj.Client(api_key=KEY, base_url=server.base_url, record=tape))
    early = orj.Client(api_key=KEY, base_url=server.base_url)
    cassette.replay(tape)
    assert ask(early).output_text == "kept" and len(server.seen) == 1


@pytest.mark.parametrize("value", [123, b"bytes", ["a.jsonl"]])
def test_replay_and_record_take_a_path_or_their_object_only(value):
    with pytest.raises(TypeError, match="replay= takes a cassette path or a Player"):
        orj.Client(api_key=KEY, replay=value)
    with pytest.raises(TypeError, match="record= takes a cassette path or a Recorder"):
        orj.Client(api_key=KEY, record=value)
