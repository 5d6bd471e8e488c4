"""Cassettes: exchanges recorded as plain-text JSON Lines, replayed through the real parser,
in this process or a fresh one, with zero HTTP; a request not in it is a named error."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from helpers import REPO
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.kept import cassette

KEY = "sk-or-v1-cassette-test-secret-0123456789"
MODEL = "openai/gpt-5-mini"


@pytest.fixture(scope="module")
def em():
    with emulator.start() as handle:
        yield handle


def ask(client, text):
    with client.stream(model=MODEL, input=text) as stream:
        events = [(event.type, event.data) for event in stream]
    return events, stream.response


def test_a_cassette_is_a_versioned_header_then_one_exchange_per_line(em, tmp_path):
    tape = tmp_path / "t.jsonl"
    client = orj.Client(api_key=KEY, base_url=em.base_url)
    cassette.record(tape)
    ask(client, "What is 12*7?")
    client.models()
    assert cassette.stop_recording().count == 2
    first, *lines = tape.read_text().splitlines()
    assert json.loads(first)["or_jupyter_cassette"] == 2
    posted, listed = (json.loads(line) for line in lines)
    assert (posted["method"], posted["path"], posted["status"]) == ("POST", "/responses", 200)
    assert posted["body"] == {"model": MODEL, "input": "What is 12*7?", "stream": True}
    assert posted["headers"]["content-type"].startswith("text/event-stream")
    times = [ms for ms, _ in posted["events"]]
    assert times == sorted(times) and all(text.endswith("\n\n") for _, text in posted["events"])
    assert any('"response.completed"' in text for _, text in posted["events"])
    assert (listed["method"], listed["path"]) == ("GET", "/models")


def test_the_key_is_never_in_a_cassette(em, tmp_path):
    tape = tmp_path / "t.jsonl"
    cassette.record(tape)
    ask(orj.Client(api_key=KEY, base_url=em.base_url), "What is 2+2?")
    cassette.stop_recording()
    assert KEY.encode() not in tape.read_bytes()
    assert b"Bearer" not in tape.read_bytes()


def test_replay_gives_the_same_events_without_a_key_or_a_server(em, tmp_path):
    tape = tmp_path / "t.jsonl"
    cassette.record(tape)
    live_events, live = ask(orj.Client(api_key=KEY, base_url=em.base_url), "What is 12*7?")
    cassette.stop_recording()
    cassette.replay(tape, fast=True)
    nowhere = orj.Client(api_key=None, base_url="http://127.0.0.1:9/api/v1")  # nothing listens
    events, replayed = ask(nowhere, "What is 12*7?")
    assert events == live_events
    assert replayed.output_text == live.output_text and "84" in live.output_text
    assert replayed.cached is True and replayed.usage == live.usage


@pytest.mark.slow  # a subprocess
def test_record_then_replay_in_a_fresh_process_sends_nothing_upstream(server, tmp_path):
    """The upstream is the counting scripted server: one request while recording, none after."""
    tape = tmp_path / "t.jsonl"
    answer = sse(
        {"type": "response.output_text.delta", "output_index": 0, "delta": "Forty-two"},
        {
            "type": "response.completed",
            "response": {
                "id": "r",
                "model": MODEL,
                "status": "completed",
                "output": [
                    {
                        "type": "message",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": "Forty-two"}],
                    }
                ],
                "usage": {"input_tokens": 1, "output_tokens": 1, "cost": 0.001},
            },
        },
    )
    server.queue(Reply(body=answer))
    cassette.record(tape)
    _, live = ask(orj.Client(api_key=KEY, base_url=server.base_url), "The answer?")
    cassette.stop_recording()
    script = textwrap.dedent(
        """
        import sys, or_jupyter as orj
        client = orj.Client(base_url=sys.argv[1])
        with client.stream(model="openai/gpt-5-mini", input="The answer?") as stream:
            for _ in stream:
                pass
        print(stream.response.output_text, stream.response.cached, stream.response.cost)
        """
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "OR_JUPYTER_REPLAY": str(tape)}
    done = subprocess.run(
        [sys.executable, "-c", script, server.base_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [live.output_text, "True", "0.001"]
    assert len(server.seen) == 1  # the recording's only


def test_a_request_not_in_the_cassette_names_the_closest_and_what_differs(em, tmp_path):
    tape = tmp_path / "t.jsonl"
    cassette.record(tape)
    client = orj.Client(api_key=KEY, base_url=em.base_url)
    ask(client, "What is 12*7?")
    client.create(model="emulator/assistant", input="Something else entirely")
    cassette.stop_recording()
    cassette.replay(tape, fast=True)
    with pytest.raises(cassette.ReplayMissError) as caught:
        ask(client, "What is 12*8?")
    error = caught.value
    assert isinstance(error, orj.APIError)
    assert error.closest["body"]["input"] == "What is 12*7?"
    assert error.differences == ['input: recorded "What is 12*7?", asked "What is 12*8?"']
    assert "closest recorded request is POST /responses with input 'What is 12*7?'" in str(error)


def test_a_tool_loop_replays_although_the_client_makes_up_new_ids(em, tmp_path):
    def get_weather(location: str) -> str:
        """The weather.

        Args:
            location: a city
        """
        return f"Sunny in {location}"

    tape = tmp_path / "t.jsonl"
    cassette.record(tape)
    client = orj.Client(api_key=KEY, base_url=em.base_url)
    live = orj.Conversation(model="emulator/assistant", tools=[get_weather], client=client)
    first = live.send("Call get_weather with location=Paris")
    assert cassette.stop_recording().count == 2  # the call, then the answer
    cassette.replay(tape, fast=True)
    again = orj.Conversation(model="emulator/assistant", tools=[get_weather], client=client)
    replayed = again.send("Call get_weather with location=Paris")
    assert replayed.output_text == first.output_text and "Sunny in Paris" in first.output_text


def test_a_retried_request_gets_the_recorded_answers_in_order(server, tmp_path):
    tape = tmp_path / "t.jsonl"
    limited = b'{"error":{"code":429,"message":"slow down"}}'
    server.queue(
        Reply(429, limited, headers={"Retry-After": "0"}, content_type="application/json"),
        Reply(body=sse({"type": "response.completed", "response": {"status": "completed"}})),
    )
    cassette.record(tape)
    ask(orj.Client(api_key=KEY, base_url=server.base_url), "hi")
    assert cassette.stop_recording().count == 2
    cassette.replay(tape, fast=True)
    _, response = ask(orj.Client(api_key=KEY, base_url=server.base_url), "hi")
    assert response.status == "completed" and len(server.seen) == 2
    cassette.replay(tape, fast=True)
    with pytest.raises(orj.RateLimitError):  # max_retries=0: the recorded 429 itself
        ask(orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0), "hi")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"not": "a cassette"}\n', "is not an or_jupyter cassette"),
        ('{"or_jupyter_cassette": 3}\n', "is cassette format 3; this or_jupyter reads 1 and 2"),
        ('{"or_jupyter_cassette": 2}\n{"method": "POST"}\n', "line 2 is not an exchange"),
        ('{"or_jupyter_cassette": 1}\n{"method": "POST"}\n', "line 2 is not an exchange"),
    ],
)
def test_a_file_that_is_not_a_readable_cassette_is_a_typed_error(tmp_path, text, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(cassette.CassetteError, match=message):
        cassette.replay(path)
