"""Helpers for the emulator tests: raw HTTP calls and SSE parsing, nothing mocked."""

from __future__ import annotations

import json
from typing import Any

import httpx

from or_jupyter.client.tls import tls_context
from or_jupyter.emulator import schemas

KEY = {"Authorization": "Bearer test-key"}

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather in a location.",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City, e.g. Paris"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location", "unit"],
    },
}
CLOCK = {
    "type": "function",
    "name": "get_time",
    "description": "The current time in a time zone.",
    "parameters": {
        "type": "object",
        "properties": {"zone": {"type": "string", "examples": ["Europe/Paris"]}},
        "required": ["zone"],
    },
}


def post(
    base_url: str, body: Any, headers: dict[str, str] | None = None, timeout: float = 30
) -> httpx.Response:
    """POST /responses with the test key (unless ``headers`` overrides it)."""
    return httpx.post(
        f"{base_url}/responses",
        json=body,
        headers={**KEY, **(headers or {})},
        timeout=timeout,
        verify=tls_context(),  # a fresh connection, without loading the certificates again
    )


def frames(raw: bytes) -> list[bytes]:
    """The SSE frames (blocks separated by a blank line) of a body."""
    return [frame for frame in raw.split(b"\n\n") if frame]


def events(raw: bytes) -> list[dict[str, Any]]:
    """The JSON events of an SSE body (comments and ``[DONE]`` left out)."""
    found = []
    for frame in frames(raw):
        for line in frame.split(b"\n"):
            if line.startswith(b"data: ") and line != b"data: [DONE]":
                found.append(json.loads(line[6:]))
    return found


def stream(base_url: str, body: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    """The events of a streamed request (which must answer 200)."""
    response = post(base_url, {**body, "stream": True}, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return events(response.content)


def schema_errors(event: dict[str, Any], full: bool = True) -> list[str]:
    """Why an event fails the spec's ``StreamEvents`` (or just its own type's schema)."""
    name = "StreamEvents" if full else schemas.event_schema(event["type"])
    assert name is not None, f"unknown event type {event['type']}"
    return [f"{event['type']}: {problem}" for problem in schemas.problems(name, event)]


def text_of(evts: list[dict[str, Any]]) -> str:
    """The answer text gathered from ``output_text`` deltas."""
    return "".join(e["delta"] for e in evts if e["type"] == "response.output_text.delta")


def terminal(evts: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``response`` object of the last lifecycle event."""
    return next(e["response"] for e in reversed(evts) if "response" in e)


def calls_of(evts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The finished function-call items, in output order."""
    return [
        e["item"]
        for e in evts
        if e["type"] == "response.output_item.done" and e["item"]["type"] == "function_call"
    ]
