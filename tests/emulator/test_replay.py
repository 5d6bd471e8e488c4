"""The emulator serves a cassette over HTTP (`--replay FILE`): the official openai SDK gets
the recorded answers; a request not in it is a 404 naming the closest recorded one."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import REPO

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.kept import cassette

MODEL = "openai/gpt-5-mini"


@pytest.fixture(scope="module")
def tape(tmp_path_factory):
    """A cassette recorded from a scripted emulator: one streamed, one plain answer, the models."""
    path = tmp_path_factory.mktemp("tape") / "session.jsonl"
    with emulator.start() as source:
        client = orj.Client(api_key="k", base_url=source.base_url)
        cassette.record(path)
        try:
            with client.stream(model=MODEL, input="What is 12*7?") as stream:
                for _ in stream:
                    pass
            plain = client.create(model=MODEL, input="What is 6*7?")
            client.models()
        finally:
            cassette.stop_recording()
    return path, stream.response.output_text, plain.output_text


def sdk(url):
    import openai  # loaded by the tests that use it only: it takes a second

    return openai.OpenAI(base_url=url, api_key="any-key", max_retries=0)


@pytest.mark.slow
def test_the_openai_sdk_streams_the_recorded_answer(tape):
    path, streamed, _ = tape
    with emulator.start(replay=[path], fast=True) as em:
        events = list(
            sdk(em.base_url).responses.create(model=MODEL, input="What is 12*7?", stream=True)
        )
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == streamed and "84" in streamed
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == streamed


def test_the_openai_sdk_gets_the_recorded_plain_answer_and_models(tape):
    path, _, plain = tape
    with emulator.start(replay=[path], fast=True) as em:
        client = sdk(em.base_url)
        response = client.responses.create(model=MODEL, input="What is 6*7?", stream=False)
        listed = client.models.list()
    assert response.output_text == plain and "42" in plain
    assert any(model.id == MODEL for model in listed.data)


def test_a_request_not_in_the_cassette_is_a_404_naming_the_closest(tape):
    import openai

    path, _, _ = tape
    with emulator.start(replay=[path], fast=True) as em, pytest.raises(openai.NotFoundError) as e:
        sdk(em.base_url).responses.create(model=MODEL, input="What is 12*8?", stream=True)
    body = e.value.body
    assert (
        "closest recorded request is POST /responses with input 'What is 12*7?'"
        in (body["message"])
    )
    assert body["metadata"]["differences"] == [
        'input: recorded "What is 12*7?", asked "What is 12*8?"'
    ]


def test_our_client_through_the_replaying_emulator_paced_gets_the_same_text(tape):
    path, streamed, _ = tape
    with emulator.start(replay=[path]) as em:
        client = orj.Client(api_key="k", base_url=em.base_url)
        with client.stream(model=MODEL, input="What is 12*7?") as stream:
            for _ in stream:
                pass
    assert stream.response.output_text == streamed


@pytest.mark.slow
def test_python_m_emulator_replay_serves_the_cassette(tape):
    path, streamed, _ = tape
    process = subprocess.Popen(
        [sys.executable, "-m", "or_jupyter.emulator", "--replay", str(path), "--fast", "--quiet"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        events = list(
            sdk(base_url).responses.create(model=MODEL, input="What is 12*7?", stream=True)
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert events[-1].response.output_text == streamed


def test_a_bad_cassette_is_refused_and_leaves_no_socket_listening(tmp_path):
    import socket

    from or_jupyter.kept.cassette import CassetteError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"or_jupyter_cassette": 1}\n{"method": "POST", "status": "x"}\n')
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CassetteError) as caught:
        emulator.start(port=port, replay=[bad])
    assert caught.traceback  # held, as a caller's handler would hold it: the server too
    with pytest.raises(ConnectionRefusedError):  # nothing listens on the port any more
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
