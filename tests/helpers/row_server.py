"""A row server for the batch tests: real HTTP on 127.0.0.1, answering each request by its
input (its fixtures are in tests/batch/conftest.py).

Unlike the scripted server's single queue, answers here depend on the request:
the text is `answer: <input>` (or `answer_for(input)`), `script[input]` lists
replies to give that input first (a 429 with Retry-After, a 503, ...), `delay`
holds every answer back, and the server records each arrival (time, input) and
the most requests it ever had in flight.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .scripted_server import QuietHandler, serve_locally

COST = 0.001  # dollars per answer


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class RowServer:
    def __init__(self) -> None:
        self.delay: Callable[[str], float] = lambda text: 0.0
        self.answer_for: Callable[[str], str] = lambda text: f"answer: {text}"
        self.script: dict[str, list[Scripted]] = {}
        self.arrivals: list[tuple[float, str]] = []
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.completed: list[str] = []
        self.limited_at: list[float] = []  # when each scripted 429 was sent
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                models = {
                    "data": [
                        {"id": "test/model", "pricing": {"prompt": "0.001", "completion": "0.002"}}
                    ]
                }
                self._send(200, json.dumps(models).encode(), {})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                text = _last_text(body["input"])
                with server.lock:
                    server.arrivals.append((time.monotonic(), text))
                    server.bodies.append(body)
                    server.headers.append(dict(self.headers))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    queued = server.script.get(text)
                    scripted = queued.pop(0) if queued else None
                try:
                    time.sleep(server.delay(text))
                    if scripted is not None:
                        error = {"error": {"code": scripted.status, "message": "scripted"}}
                        self._send(scripted.status, json.dumps(error).encode(), scripted.headers)
                        if scripted.status == 429:
                            server.limited_at.append(time.monotonic())
                    else:
                        self._send(200, json.dumps(_response(server.answer_for(text))).encode(), {})
                finally:
                    with server.lock:
                        server.in_flight -= 1
                        server.completed.append(text)

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client cancelled
                    self.close_connection = True

        self._httpd, self.base_url = serve_locally(Handler)

    def inputs(self) -> list[str]:
        return [text for _, text in self.arrivals]

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _last_text(items: Any) -> str:
    if isinstance(items, str):
        return items
    for item in reversed(items):
        if item.get("type") == "function_call_output":
            return f"tool said {item['output']}"
        if item.get("role") == "user":
            return item["content"]
    return ""


def _response(text: str) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "test/model",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15, "cost": COST},
    }


KEY = "sk-or-v1-" + "k3y" * 12  # long enough for the client to guard it as a secret
