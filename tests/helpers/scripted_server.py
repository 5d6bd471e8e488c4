"""A scripted HTTP server on 127.0.0.1 for client tests.

Each queued `Reply` answers one request: a status, headers and a body written
as HTTP/1.1 chunks exactly as scripted, with optional pauses, a stall, or an
abrupt close in the middle. Requests are recorded for assertions.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    chunks: list[bytes] | None = None  # body split as scripted; default: one chunk
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/event-stream"
    pause: float = 0.0  # seconds between chunks
    stall: float = 0.0  # seconds to sit silent after the last chunk, before finishing
    abort: bool = False  # close the socket after the chunks, without the final chunk
    stalled_out: bool = False  # set by the server once the stall has run its full length


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def sse(*events: dict[str, Any] | str, done: bool = True) -> bytes:
    """An SSE body from event dicts (data-only framing) and raw strings."""
    out = []
    for event in events:
        out.append(event if isinstance(event, str) else f"data: {json.dumps(event)}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def completed_body(text: str = "Hi", model: str = "openai/gpt-5-mini", **extra: Any) -> dict:
    """A completed response with one message of `text` (and any extra top-level fields)."""
    message = {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    return {
        "id": "gen-1",
        "object": "response",
        "model": model,
        "status": "completed",
        "output": [message],
        "usage": {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4},
        **extra,
    }


def completed_reply(text: str = "Hi", model: str = "openai/gpt-5-mini", **extra: Any) -> Reply:
    """A stream of just `response.completed` carrying `completed_body(...)`."""
    body = completed_body(text, model, **extra)
    return Reply(200, sse({"type": "response.completed", "response": body}))


class QuietHandler(BaseHTTPRequestHandler):
    """A test server's handler base: HTTP/1.1 keep-alive, and no request log on stderr."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass


def serve_locally(
    handler: type[BaseHTTPRequestHandler], poll_interval: float = 0.02
) -> tuple[ThreadingHTTPServer, str]:
    """Serve `handler` on a free port of 127.0.0.1 from a daemon thread: the server (its
    `shutdown()` waits up to one `poll_interval`) and its base URL, ending in ``/api/v1``."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
    ).start()
    host, port = httpd.server_address[:2]
    return httpd, f"http://{host}:{port}/api/v1"


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: queue.Queue[Reply] = queue.Queue()
        self.seen: list[Seen] = []
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                try:
                    reply = server.replies.get_nowait()
                except queue.Empty:
                    reply = Reply(500, b'{"error":{"code":500,"message":"no reply scripted"}}')
                self._write(reply)

            def _write(self, reply: Reply) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Transfer-Encoding", "chunked")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                chunks = reply.chunks if reply.chunks is not None else [reply.body]
                try:
                    if reply.pause:
                        for chunk in chunks:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            self.wfile.flush()
                            time.sleep(reply.pause)
                    else:
                        framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c)
                        self.wfile.write(framed)
                        self.wfile.flush()
                    if reply.stall:
                        time.sleep(reply.stall)
                        reply.stalled_out = True
                    if reply.abort:
                        self.close_connection = True
                        return
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self._httpd, self.base_url = serve_locally(Handler, poll_interval=0.5)

    def queue(self, *replies: Reply) -> None:
        for reply in replies:
            self.replies.put(reply)

    def reset(self) -> None:
        self.seen.clear()
        while not self.replies.empty():
            self.replies.get_nowait()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
