"""The emulator as an HTTP server: auth, bad requests, faults, replay, concurrency, lifecycle."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest
from helpers import FIXTURES, REPO
from helpers.emulator import KEY, events, post, stream, terminal, text_of

from or_jupyter import emulator
from or_jupyter.emulator import catalogue, schemas

ROOT = REPO


@pytest.fixture(scope="module")
def handle():
    with emulator.start() as running:
        yield running


@pytest.fixture(scope="module")
def url(handle):
    return handle.base_url


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body["error"]) >= {"code", "message"}
    assert body["error"]["code"] == response.status_code
    assert response.headers["content-type"] == "application/json"
    return body["error"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}]
)
def test_401_without_a_bearer_key(url, headers):
    response = httpx.post(
        f"{url}/responses", json={"model": "emulator/echo", "input": "hi"}, headers=headers
    )
    assert response.status_code == 401
    assert "Bearer" in error_of(response)["message"]


BAD_BODIES = {
    "function_call_output without id": (
        {
            "model": "emulator/assistant",
            "input": [
                {"type": "message", "role": "user", "content": "hi"},
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "c1",
                    "name": "f",
                    "arguments": "{}",
                },
                {"type": "function_call_output", "call_id": "c1", "output": "42"},
            ],
        },
        "input[2]: function_call_output requires 'id'",
    ),
    "unknown tool_choice": (
        {"model": "emulator/assistant", "input": "hi", "tool_choice": "sometimes"},
        "tool_choice: 'sometimes'",
    ),
    "tool_choice naming no offered tool": (
        {
            "model": "emulator/assistant",
            "input": "hi",
            "tool_choice": {"type": "function", "name": "ghost"},
        },
        "tool_choice: function 'ghost'",
    ),
    "input of the wrong type": ({"model": "emulator/assistant", "input": 5}, "input: 5"),
    "temperature not a number": (
        {"model": "emulator/assistant", "input": "hi", "temperature": "hot"},
        "temperature:",
    ),
    "unknown reasoning effort": (
        {"model": "emulator/assistant", "input": "hi", "reasoning": {"effort": "extreme"}},
        "reasoning.effort: 'extreme'",
    ),
    "tool without parameters": (
        {
            "model": "emulator/assistant",
            "input": "hi",
            "tools": [{"type": "function", "name": "f"}],
        },
        "tools[0]: 'parameters' is a required property",
    ),
    "store true": ({"model": "emulator/assistant", "input": "hi", "store": True}, "store:"),
    "previous_response_id": (
        {"model": "emulator/assistant", "input": "hi", "previous_response_id": "gen-1"},
        "previous_response_id: not supported",
    ),
    "not an object": (["model", "input"], "body: the request body must be a JSON object"),
    "unknown emulator model": (
        {"model": "emulator/nonsense", "input": "hi"},
        "emulator/nonsense is not a valid model ID",
    ),
}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_400_names_what_is_wrong(url, case):
    body, message = BAD_BODIES[case]
    for streamed in (False, True):
        sent = {**body, "stream": True} if streamed and isinstance(body, dict) else body
        response = post(url, sent)
        assert response.status_code == 400, response.text
        assert error_of(response)["message"].startswith(message)


def test_malformed_json_is_400(url):
    for raw in (b"{not json", b"", b"\xff\xfe", b'{"model": "x", "input": "hi"'):
        response = httpx.post(f"{url}/responses", content=raw, headers=KEY)
        assert response.status_code == 400
        assert error_of(response)["message"].startswith("Invalid JSON body")


def test_huge_body_is_413(url):
    response = httpx.post(f"{url}/responses", content=b"x" * (9 * 1024 * 1024), headers=KEY)
    assert response.status_code == 413
    assert "too large" in error_of(response)["message"]


def test_unknown_paths_are_404(url):
    base = url.removesuffix("/api/v1")
    for path in ("/api/v1/nope", "/api/v1/chat/completions", "/", "/responses"):
        response = httpx.get(base + path)
        assert response.status_code == 404
        assert path.rstrip("/") in error_of(response)["message"] or path == "/"


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("GET", "/responses", "POST"),
        ("DELETE", "/responses", "POST"),
        ("POST", "/models", "GET"),
        ("PUT", "/models", "GET"),
    ],
)
def test_wrong_methods_are_405(url, method, path, allowed):
    response = httpx.request(method, url + path, headers=KEY, json={"x": 1})
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert method in error_of(response)["message"]


def test_keep_alive_connection_survives_errors(url):
    responses = f"{url}/responses"
    with httpx.Client(headers=KEY) as client:
        statuses = [
            client.post(responses, content=b"{bad").status_code,
            client.post(
                responses,
                json={"model": "emulator/echo", "input": "a"},
                headers={"Authorization": ""},
            ).status_code,
            client.get(f"{url}/nothing").status_code,
            client.post(f"{url}/models", json={"big": "x" * 10000}).status_code,
            client.post(responses, json={"model": "emulator/error-500", "input": "a"}).status_code,
            client.post(responses, json={"model": "emulator/echo", "input": "ok"}).status_code,
        ]
    assert statuses == [400, 401, 404, 405, 500, 200]


def exchange(handle, data: bytes) -> bytes:
    """Send raw bytes, read the answer until the server closes the connection."""
    with socket.create_connection((handle.host, handle.port), timeout=5) as raw:
        raw.sendall(data)
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    return received


def test_garbage_on_the_socket_does_not_hurt(url, handle):
    answer = exchange(handle, b"\x00\x01GARBAGE NOT HTTP\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == 400
    answer = exchange(
        handle, b"POST /api/v1/responses HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Content-Length" in answer
    assert post(url, {"model": "emulator/echo", "input": "still here"}).status_code == 200


def test_chunked_request_bodies_are_read(handle):
    body = json.dumps({"model": "emulator/echo", "input": "chunky"}).encode()
    received = exchange(
        handle,
        b"POST /api/v1/responses HTTP/1.1\r\nHost: localhost\r\n"
        b"Authorization: Bearer k\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n"
        + b"5\r\n"
        + body[:5]
        + b"\r\n"
        + b"%X\r\n" % (len(body) - 5)
        + body[5:]
        + b"\r\n0\r\n\r\n",
    )
    assert received.startswith(b"HTTP/1.1 200")
    assert json.loads(received.split(b"\r\n\r\n", 1)[1])["output_text"] == "chunky"


FAULTS = {
    400: None,
    401: None,
    402: "credits",
    403: "moderation",
    404: "No endpoints",
    408: "Timed out",
    429: "rate-limited",
    500: None,
    502: "Provider returned error",
    503: "No instances",
}


@pytest.mark.parametrize("status", FAULTS)
def test_fault_models_answer_openrouter_errors(url, status):
    for streamed in (False, True):
        response = post(
            url, {"model": f"emulator/error-{status}", "input": "hi", "stream": streamed}
        )
        assert response.status_code == status
        error = error_of(response)
        assert response.json()["user_id"]
        if FAULTS[status]:
            assert FAULTS[status] in json.dumps(error)
        if status in (429, 503):
            assert response.headers["retry-after"] == "1"
            assert error["metadata"]["provider_name"] == "Emulator"
        else:
            assert "retry-after" not in response.headers


def test_fault_models_still_validate_the_body(url):
    response = post(url, {"model": "emulator/error-503", "input": 5})
    assert response.status_code == 400


def test_flaky_fails_once_per_body_then_succeeds(url):
    body = {"model": "emulator/flaky", "input": f"flaky {time.time()}"}
    first = post(url, body)
    assert first.status_code == 429 and first.headers["retry-after"] == "1"
    assert "retry" in error_of(first)["metadata"]["raw"]
    second = post(url, body)
    assert second.status_code == 200 and second.json()["status"] == "completed"
    assert post(url, {**body, "input": "another conversation"}).status_code == 429


def test_truncated_closes_the_connection_mid_event(url):
    received = b""
    body = {"model": "emulator/truncated", "input": "Tell me a story", "stream": True}
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", f"{url}/responses", json=body, headers=KEY) as response,
    ):
        for chunk in response.iter_raw():
            received += chunk
    assert received.startswith(b": OPENROUTER PROCESSING\n\n")
    assert b"response.output_text.delta" in received
    assert b"response.completed" not in received and b"[DONE]" not in received
    last = received.rsplit(b"\n\n", 1)[1]
    assert last.startswith(b"data: {")
    with pytest.raises(ValueError):
        json.loads(last[6:])


def test_truncated_without_streaming_cuts_the_body(url):
    with pytest.raises(httpx.RemoteProtocolError):
        post(url, {"model": "emulator/truncated", "input": "Tell me a story"})


def test_stall_sends_the_keep_alive_then_nothing(url):
    received = []
    body = {"model": "emulator/stall", "input": "hi", "stream": True}
    with (
        pytest.raises(httpx.ReadTimeout),
        httpx.stream(
            "POST", f"{url}/responses", json=body, headers=KEY, timeout=httpx.Timeout(5, read=0.4)
        ) as response,
    ):
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received.append(chunk)
    assert b"".join(received) == b": OPENROUTER PROCESSING\n\n"
    with pytest.raises(httpx.ReadTimeout):
        post(url, {"model": "emulator/stall", "input": "hi"}, timeout=0.3)
    assert post(url, {"model": "emulator/echo", "input": "alive"}).json()["output_text"] == "alive"


RECORDED = [
    "openrouter-gpt-oss-reasoning-text-stream.0.response.sse",
    "openai-reasoning-summary-stream.0.response.sse",
    "openrouter-429-json-error.0.response.json",
    "openrouter-prompt-cache.0.response.json",
]


def test_replay_serves_recorded_bodies_byte_for_byte_in_order():
    with emulator.start(replay=[FIXTURES / RECORDED[0], FIXTURES / RECORDED[1]]) as server:
        server.replay(FIXTURES / RECORDED[2], FIXTURES / RECORDED[3])
        answers = [
            post(server.base_url, {"model": "whatever", "input": str(n), "stream": True})
            for n in range(len(RECORDED))
        ]
        for name, answer in zip(RECORDED, answers, strict=True):
            assert answer.content == (FIXTURES / name).read_bytes()
        assert [a.status_code for a in answers] == [200, 200, 429, 200]
        assert answers[0].headers["content-type"] == "text/event-stream"
        assert answers[2].headers["content-type"] == "application/json"
        after = post(server.base_url, {"model": "emulator/echo", "input": "scripted again"})
        assert after.json()["output_text"] == "scripted again"


def test_replay_still_requires_auth():
    with emulator.start(replay=[FIXTURES / RECORDED[0]]) as server:
        assert post(server.base_url, {}, headers={"Authorization": ""}).status_code == 401
        assert post(server.base_url, {}).content == (FIXTURES / RECORDED[0]).read_bytes()


@pytest.mark.slow
def test_twenty_concurrent_streams_each_get_their_own_answer(url):
    def one(n: int) -> str:
        evts = stream(
            url,
            {"model": "emulator/echo", "input": f"client {n} " + "tok " * 20},
            headers={"X-Emulator-TPS": "100"},
        )
        return text_of(evts)

    with ThreadPoolExecutor(20) as pool:
        texts = list(pool.map(one, range(20)))
    assert texts == [f"client {n} " + "tok " * 20 for n in range(20)]


def test_streams_held_open_do_not_block_other_requests(url):
    body = {"model": "emulator/stall", "input": "hi", "stream": True}
    with ExitStack() as held:
        for _ in range(19):
            response = held.enter_context(
                httpx.stream("POST", f"{url}/responses", json=body, headers=KEY, timeout=10)
            )
            assert next(response.iter_raw()) == b": OPENROUTER PROCESSING\n\n"
        # a server answering one connection at a time would still be busy with the first stall
        assert (
            post(url, {"model": "emulator/echo", "input": "next"}).json()["output_text"] == "next"
        )


def test_models_catalogue(url):
    response = httpx.get(f"{url}/models")
    assert response.status_code == 200
    listing = response.json()
    assert schemas.problems("ModelsListResponse", listing) == []
    ids = [model["id"] for model in listing["data"]]
    assert set(catalogue.EMULATOR_MODELS) <= set(ids)
    for real in (
        "openai/gpt-5-mini",
        "openai/o4-mini",
        "anthropic/claude-sonnet-4.5",
        "deepseek/deepseek-r1",
        "google/gemini-2.5-flash",
        "openai/gpt-oss-20b",
    ):
        assert real in ids
    for model in listing["data"]:
        assert float(model["pricing"]["prompt"]) > 0 and float(model["pricing"]["completion"]) > 0
        assert {"tools", "reasoning"} <= set(model["supported_parameters"])
        assert model["context_length"] > 0 and model["name"] and model["description"]
    assert listing["total_count"] == len(ids)


@pytest.mark.slow
def test_every_catalogue_model_answers(url):
    skipped = ("emulator/flaky", "emulator/midstream-error", "emulator/truncated", "emulator/stall")
    answered = 0
    for model in catalogue.models():
        if model["id"].startswith("emulator/error-") or model["id"] in skipped:
            continue  # covered by the fault tests
        response = post(url, {"model": model["id"], "input": "2+3", "max_output_tokens": 20})
        assert response.status_code == 200, model["id"]
        assert response.json()["model"] == model["id"]
        answered += 1
    assert answered == len(catalogue.models()) - 10 - len(skipped)


def test_stop_releases_the_port_and_context_manager_stops():
    with emulator.start() as server:
        assert post(server.base_url, {"model": "emulator/echo", "input": "x"}).status_code == 200
        assert server.running
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/models", timeout=2)
    server.stop()  # stopping twice is harmless


def test_stop_ends_a_stalled_stream_promptly():
    server = emulator.start()
    body = {"model": "emulator/stall", "input": "hi", "stream": True}
    stalled = threading.Event()
    outcome = {}

    def read():
        try:
            with httpx.stream(
                "POST", f"{server.base_url}/responses", json=body, headers=KEY, timeout=10
            ) as response:
                for chunk in response.iter_raw():
                    outcome["body"] = outcome.get("body", b"") + chunk
                    stalled.set()  # the keep-alive came; the emulator now sits silent
        except httpx.HTTPError as exc:
            outcome["error"] = exc
        stalled.set()

    reader = threading.Thread(target=read)
    reader.start()
    assert stalled.wait(10)
    server.stop()
    reader.join()
    # Ended by the server's stop, not by the client giving up after its 10 s read timeout.
    assert not isinstance(outcome.get("error"), httpx.TimeoutException), outcome
    assert outcome.get("body", b"").startswith(b": OPENROUTER PROCESSING")


def test_shared_is_one_server_per_process():
    with ThreadPoolExecutor(8) as pool:
        handles = list(pool.map(lambda _: emulator.shared(), range(8)))
    assert all(h is handles[0] for h in handles)
    assert handles[0].running and handles[0].base_url.endswith("/api/v1")
    answer = post(handles[0].base_url, {"model": "emulator/echo", "input": "shared"})
    assert answer.json()["output_text"] == "shared"


@pytest.mark.slow
def test_command_line_prints_the_url_and_serves_until_interrupted():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "or_jupyter.emulator",
            "--port",
            "0",
            "--tps",
            "0",
            "--quiet",
            "--replay",
            str(FIXTURES / RECORDED[0]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        line = process.stdout.readline().decode().strip()
        assert line.startswith("http://127.0.0.1:") and line.endswith("/api/v1")
        replayed = post(line, {"model": "x", "input": "hi"})
        assert replayed.content == (FIXTURES / RECORDED[0]).read_bytes()
        evts = stream(line, {"model": "emulator/echo", "input": "from the CLI"})
        assert text_of(evts) == "from the CLI" and terminal(evts)["status"] == "completed"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


@pytest.mark.slow
def test_extracted_schemas_match_the_spec(tmp_path):
    from importlib import util

    spec = util.spec_from_file_location("extract_schemas", ROOT / "scripts" / "extract_schemas.py")
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "schemas.json"
    module.main(["extract", str(FIXTURES / "openrouter-openapi.yaml"), str(out)])
    assert out.read_bytes() == schemas.SCHEMA_FILE.read_bytes()
    assert schemas.SCHEMA_FILE.stat().st_size < 600 * 1024
    names = json.loads(out.read_text())["components"]["schemas"]
    assert {"ResponsesRequest", "StreamEvents", "OpenResponsesResult"} <= set(names)


def test_the_spec_alone_accepts_a_function_call_output_without_id():
    """Why the emulator adds its own rule: the schema makes `id` optional."""
    item = {"type": "function_call_output", "call_id": "c1", "output": "42"}
    body = {"model": "m", "input": [item]}
    assert schemas.is_valid("ResponsesRequest", body)
    assert schemas.request_problem(body) == "input[0]: function_call_output requires 'id'"
    assert schemas.request_problem({**body, "input": [{**item, "id": "fco_1"}]}) is None


def test_events_helper_reads_recorded_streams():
    """The SSE helper used above parses a real OpenRouter recording completely."""
    raw = (FIXTURES / RECORDED[0]).read_bytes()
    evts = events(raw)
    assert evts[0]["type"] == "response.created" and evts[-1]["type"] == "response.completed"
    assert len(evts) == 40
