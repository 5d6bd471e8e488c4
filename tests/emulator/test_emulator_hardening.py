"""The emulator against hostile requests: broken chunking, deep JSON, bad pacing, foreign hosts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack

import httpx
import pytest
from helpers import REPO

from or_jupyter import emulator


@pytest.fixture(scope="module")
def handle():
    with emulator.start() as running:
        yield running


def exchange(handle, data: bytes, end_input: bool = False) -> tuple[int, dict]:
    """Send raw bytes, read until the server hangs up: the status and the JSON body."""
    with socket.create_connection((handle.host, handle.port), timeout=10) as raw:
        raw.sendall(data)
        if end_input:
            raw.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def chunked(*lines: bytes) -> bytes:
    return (
        b"POST /api/v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer k\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + b"".join(lines)
    )


ECHO = json.dumps({"model": "emulator/echo", "input": "chunky"}).encode()


@pytest.mark.parametrize(
    "size",
    [b"-1", b"-0", b"+5", b"0x5", b"zz", b"1" * 17, b"", b" ", b"5 5"],
    ids=[
        "negative",
        "minus-zero",
        "signed",
        "0x-prefix",
        "non-hex",
        "17-digits",
        "missing",
        "blank",
        "two-numbers",
    ],
)
def test_an_invalid_chunk_size_is_a_400_not_a_read_to_end_of_stream(handle, size):
    status, body = exchange(handle, chunked(size + b"\r\n", ECHO, b"\r\n0\r\n\r\n"), end_input=True)
    assert status == 400
    assert "chunk size" in body["error"]["message"]


def test_a_chunk_shorter_than_its_size_is_a_400(handle):
    status, body = exchange(handle, chunked(b"%X\r\n" % (len(ECHO) + 10), ECHO), end_input=True)
    assert status == 400
    assert "shorter than its size" in body["error"]["message"]


def test_chunks_past_the_body_limit_are_a_413(handle):
    size = handle.server.max_body + 1
    status, body = exchange(handle, chunked(b"%X\r\n" % size), end_input=True)
    assert status == 413
    assert str(handle.server.max_body) in body["error"]["message"]


def test_a_chunk_size_with_an_extension_is_still_read(handle):
    status, body = exchange(
        handle, chunked(b"%x;name=value\r\n" % len(ECHO), ECHO, b"\r\n0\r\n\r\n")
    )
    assert status == 200
    assert body["output_text"] == "chunky"


def post(handle, body: bytes | str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        f"{handle.base_url}/responses",
        content=body,
        headers={"Authorization": "Bearer k", **(headers or {})},
        timeout=30,
    )


def nested(levels: int, inner: object = 1) -> object:
    for _ in range(levels):
        inner = [inner]
    return inner


DEEP_BODIES = {
    "100000 brackets": "[" * 100000,
    "100000 closed brackets": "[" * 100000 + "]" * 100000,
    "deep schema": json.dumps(
        {
            "model": "emulator/echo",
            "input": "hi",
            "text": {"format": {"type": "json_schema", "name": "x", "schema": {"a": nested(900)}}},
        }
    ),
    "deep input": json.dumps(
        {"model": "emulator/echo", "input": [{"role": "user", "content": nested(900)}]}
    ),
}


@pytest.mark.parametrize("raw", DEEP_BODIES.values(), ids=DEEP_BODIES)
def test_a_deeply_nested_body_is_a_400_naming_the_nesting(handle, raw):
    response = post(handle, raw)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "nested more than" in message and "Recursion" not in message
    assert post(handle, json.dumps({"model": "emulator/echo", "input": "ok"})).status_code == 200


def test_a_body_nested_up_to_the_limit_is_answered(handle):
    schema = {"type": "object", "properties": {"a": nested(emulator.server.MAX_DEPTH - 6)}}
    body = {
        "model": "emulator/echo",
        "input": "deep enough",
        "text": {"format": {"type": "json_schema", "name": "x", "schema": schema}},
    }
    response = post(handle, json.dumps(body))
    assert response.status_code == 200, response.text
    assert response.json()["output_text"] == "deep enough"


BAD_PACES = ["1e-300", "nan", "inf", "-inf", "-1", "abc", "", "1e7", "0.001"]
STREAM = {"model": "emulator/echo", "input": "one two three", "stream": True}


@pytest.mark.parametrize("value", BAD_PACES)
def test_a_bad_tps_header_is_a_400_naming_the_header(handle, value):
    response = post(handle, json.dumps(STREAM), headers={"X-Emulator-TPS": value})
    assert response.status_code == 400
    assert "X-Emulator-TPS" in response.json()["error"]["message"]


@pytest.mark.parametrize("value", [*BAD_PACES, -1, 1e-300, True, None, ["5"]])
def test_a_bad_metadata_tps_is_a_400_naming_the_field(handle, value):
    body = {**STREAM, "metadata": {"emulator_tps": value}}
    response = post(handle, json.dumps(body))
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "emulator_tps" in message and "Recursion" not in message


@pytest.mark.parametrize("value", ["0", "1000000", "5000", "0.5e4"])
def test_a_pace_from_0_to_a_million_streams_the_whole_answer(handle, value):
    response = post(handle, json.dumps(STREAM), headers={"X-Emulator-TPS": value})
    assert response.status_code == 200
    assert b'"type":"response.completed"' in response.content


@pytest.mark.parametrize("tps", [float("nan"), float("inf"), -1.0, 1e-300])
def test_start_refuses_a_server_pace_out_of_range(tps):
    with pytest.raises(ValueError, match="tps"):
        emulator.start(tps=tps)


LOOPBACK_HOSTS = ["localhost", "LocalHost:8080", "127.0.0.1", "127.9.8.7:1", "[::1]", "[::1]:80"]
FOREIGN_HOSTS = [
    "evil.example",
    "evil.example:80",
    "localhost.evil.example",
    "127.0.0.1.evil.example",
    "10.0.0.1",
    "localhost:abc",
    "[::1",
    "",
]


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
def test_a_loopback_host_header_with_any_port_is_served(handle, host):
    response = httpx.get(f"{handle.base_url}/models", headers={"Host": host})
    assert response.status_code == 200


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_a_foreign_host_header_is_a_403_against_dns_rebinding(handle, host):
    body = json.dumps({"model": "emulator/echo", "input": "hi"})
    response = post(handle, body, headers={"Host": host})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == 403
    assert "localhost" in response.json()["error"]["message"]
    assert post(handle, body).status_code == 200


def test_a_request_without_host_cannot_come_from_a_browser_and_is_served(handle):
    status, body = exchange(handle, b"GET /api/v1/models HTTP/1.0\r\n\r\n")
    assert status == 200 and body["data"]


@pytest.mark.parametrize(
    ("header", "bound", "allowed"),
    [
        ("192.168.1.5:8080", "192.168.1.5", True),
        ("myhost.lan", "myhost.lan", True),
        ("localhost", "192.168.1.5", True),
        ("evil.example", "192.168.1.5", False),
        ("192.168.1.6", "192.168.1.5", False),
        ("192.168.1.5:8080", "0.0.0.0", True),
        ("[fe80::1]:80", "::", True),
        ("evil.example", "0.0.0.0", False),
    ],
)
def test_a_server_started_on_another_host_also_answers_to_that_host(header, bound, allowed):
    assert emulator.server.host_allowed(header, bound) is allowed


def run_command_line(*args: str) -> str:
    """Start ``python -m or_jupyter.emulator``, wait for its URL, stop it: its stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "or_jupyter.emulator", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
    )
    try:
        assert process.stdout.readline().startswith(b"http://")
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    return stderr.decode()


@pytest.mark.slow
def test_the_command_line_warns_when_other_machines_can_reach_it():
    assert "reachable from other machines" in run_command_line("--host", "0.0.0.0")
    assert "reachable from other machines" not in run_command_line("--host", "127.0.0.1")


def request_models(host: str, port: int) -> bytes:
    """One raw ``GET /models``: whatever the server sent before it hung up."""
    with socket.create_connection((host, port), timeout=10) as raw:
        raw.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    return received


def test_past_64_open_connections_a_new_one_gets_a_quick_503_until_they_close():
    with emulator.start() as running, ExitStack() as idle:
        for _ in range(70):
            idle.enter_context(socket.create_connection((running.host, running.port), timeout=10))
        answer = request_models(running.host, running.port)
        assert answer.startswith(b"HTTP/1.1 503 ")
        error = json.loads(answer.partition(b"\r\n\r\n")[2])["error"]
        assert error["code"] == 503 and "64 connections" in error["message"]
        idle.close()  # the held connections' threads see end of stream and free their slots
        deadline = time.monotonic() + 30
        while (answer := request_models(running.host, running.port)).startswith(b"HTTP/1.1 503 "):
            assert time.monotonic() < deadline, "slots were never freed"
            time.sleep(0.05)
        assert answer.startswith(b"HTTP/1.1 200 ")
