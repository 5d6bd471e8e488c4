"""The HTTP plumbing: a threaded standard-library server speaking OpenRouter's API.

One thread per connection (many clients at once), HTTP/1.1 keep-alive, chunked
transfer encoding for streams. Routes: ``POST /api/v1/responses``,
``GET /api/v1/models`` and the account's ``GET /api/v1/credits``, ``/key`` and
``/generation`` (``account.py``); anything else gets a JSON 404 or 405. No request can
crash it: every failure becomes a JSON error in OpenRouter's shape.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import json
import math
import random
import re
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from ..kept import cassette_format
from ..kept.replay import Player, ReplayMissError
from . import (
    account,
    behaviours,
    catalogue,
    context,
    events,
    faults,
    framing,
    grading,
    prefixes,
    routing,
    schemas,
)
from .behaviours import Plan
from .request import Request, parse

API_PREFIX = "/api/v1"
ROUTES = {
    "/responses": "POST",
    "/models": "GET",
    "/credits": "GET",
    "/key": "GET",
    "/generation": "GET",
}
ACCOUNT_ROUTES = ("/credits", "/key", "/generation")
MAX_BODY = 8 * 1024 * 1024
DRAIN_LIMIT = 64 * 1024 * 1024
STALL_SECONDS = 600.0
MAX_CONNECTIONS = 64  # handler threads at once; past that a connection gets a quick 503
CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
MAX_DEPTH = 100  # nesting levels of a request body; real requests use fewer than 20
TOO_DEEP = f"Invalid JSON body: nested more than {MAX_DEPTH} levels deep"
WILDCARDS = ("", "0.0.0.0", "::")
HOST_PORT = re.compile(r"(:[0-9]{1,5})?")
MIN_TPS, MAX_TPS = routing.MIN_TPS, routing.MAX_TPS  # slower than 1 token in 100 s: a mistake


@functools.lru_cache(maxsize=256)
def is_loopback(host: str) -> bool:
    """Whether a host name or address reaches only this machine (``localhost``, 127/8, ::1)."""
    name = host.strip().lower().removeprefix("[").removesuffix("]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_allowed(header: str | None, bound: str) -> bool:
    """Whether a request's ``Host`` header names this server (against DNS rebinding).

    Loopback names and addresses pass with any port, and so does the host the
    server was started on. Bound to every interface, IP addresses and this
    machine's name pass too: a rebinding page always arrives under a foreign
    *name*. Without ``Host`` (HTTP/1.0) a request cannot come from a browser.
    """
    if header is None:
        return True
    header = header.strip().lower()
    if header.startswith("["):
        name, closed, port = header[1:].partition("]")
        if not closed:
            return False
    else:
        name, colon, port = header.partition(":")
        port = colon + port
    if not name or not HOST_PORT.fullmatch(port):
        return False
    bound = bound.lower().removeprefix("[").removesuffix("]")
    if is_loopback(name) or name == bound:
        return True
    if bound in WILDCARDS:
        return _is_address(name) or name == socket.gethostname().lower()
    return False


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def pace(value: Any, name: str) -> float:
    """Tokens per second from ``value``: 0 (unpaced) or a finite number in range.

    Raises ValueError naming ``name`` for anything else (``nan``, ``inf``, ``-1``,
    ``1e-300``, whose 1/tps seconds between tokens would overflow a timer).
    """
    tps = math.nan
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        with contextlib.suppress(ValueError, OverflowError):
            tps = float(value)
    if tps == 0 or MIN_TPS <= tps <= MAX_TPS:  # False for nan
        return tps
    raise ValueError(
        f"Invalid {name}: {value!r}; send tokens per second, a number from "
        f"{MIN_TPS:g} to {MAX_TPS:g}, or 0 for no pacing"
    )


def _depth(body: Any, known: prefixes.Seen | None) -> int:
    """How deeply a body nests, its first input items measured before (`known`)."""
    if known is None:
        return prefixes.depth(body)
    rest = prefixes.depth({**body, "input": body["input"][known.count :]})
    return max(rest, 2 + known.depth)  # the body, its input list, then each item


class EmulatorServer(ThreadingHTTPServer):
    """The listening server and the state its requests share (pacing, replay queue, flaky,
    burst counts)."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        tps: float = 0.0,
        replay: Iterable[str | Path] = (),
        max_body: int = MAX_BODY,
        log: bool = False,
        fast: bool = False,
    ):
        super().__init__(address, Handler)
        self.bound_host = address[0]
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.tps = pace(tps, "tps")
        self.max_body = max_body
        self.log = log
        self.stopping = threading.Event()
        self.flaky = faults.Flaky()
        self.burst = faults.Burst()
        self.account = account.Account()
        self._replay: deque[Path] = deque()
        self._replay_lock = threading.Lock()
        self.cassette: Player | None = None  # answers every request when set
        self.fast = fast  # serve a cassette at once rather than at its recorded pace
        try:
            self.add_replay(replay)
        except Exception:  # a bad cassette: do not leave the socket listening
            self.server_close()
            raise

    def add_replay(self, paths: Iterable[str | Path]) -> None:
        """Queue recorded bodies; each later POST /responses gets the next one, in order.

        A cassette (`docs/cassette.md`) among them is not queued: from then on it answers
        every request it holds, and any other request gets a 404 naming the closest one."""
        paths = [Path(path) for path in paths]
        tapes = [path for path in paths if cassette_format.is_cassette(path)]
        with self._replay_lock:
            self._replay.extend(path for path in paths if path not in tapes)
            if tapes:
                exchanges = [ex for tape in tapes for ex in cassette_format.load(tape)]
                source = ", ".join(str(tape) for tape in tapes)
                self.cassette = Player(exchanges, fast=self.fast, source=source)

    def next_replay(self) -> Path | None:
        with self._replay_lock:
            return self._replay.popleft() if self._replay else None

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection on its own thread, or refuse it when all slots are taken."""
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        """Answer 503 and hang up, never waiting on the client: this runs on the accept loop."""
        error = faults.error(
            503,
            f"Emulator busy: {MAX_CONNECTIONS} connections are open; retry when one closes",
            headers={"Retry-After": str(faults.RETRY_AFTER_SECONDS)},
        )
        body = error.encoded()
        head = (
            f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: {faults.RETRY_AFTER_SECONDS}\r\n"
            "Connection: close\r\n\r\n"
        )
        with contextlib.suppress(OSError):
            request.setblocking(False)
            request.send(head.encode() + body)  # small enough for an empty socket buffer
            request.recv(1 << 16)  # what the client sent already, so closing sends FIN, not RST
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up; report anything else."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """One connection's requests."""

    protocol_version = "HTTP/1.1"
    server_version = "or_jupyter-emulator/0.1"
    # TCP_NODELAY: without it each small write after the first waited for the client's
    # delayed ACK (about 40 ms a request on a kept-alive connection)
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: EmulatorServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        if self.server.log:
            super().log_message(format, *args)

    # -- routing ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        self._started = False  # whether this request's response headers went out
        path = self.path.split("?", 1)[0].rstrip("/")
        route = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else None
        try:
            if not host_allowed(self.headers.get("Host"), self.server.bound_host):
                self.close_connection = True
                self._send_error(
                    faults.error(
                        403,
                        f"Host {self.headers['Host'][:100]!r} is not this emulator: it answers "
                        "only to localhost, 127.0.0.1 or [::1] (or the host it was started on)",
                    )
                )
            elif route in ROUTES and self.server.cassette is not None:
                self._from_cassette(route)
            elif route not in ROUTES:
                self._discard_body()
                self._send_error(faults.error(404, f"Not found: {self.command} {path or '/'}"))
            elif self.command != ROUTES[route]:
                self._discard_body()
                allowed = ROUTES[route]
                self._send_error(
                    faults.error(
                        405,
                        f"Method {self.command} not allowed on {path}; use {allowed}",
                        headers={"Allow": allowed},
                    )
                )
            elif route == "/models":
                self._discard_body()
                self._send_json(200, json.dumps(catalogue.listing()).encode())
            elif route in ACCOUNT_ROUTES:
                self._discard_body()
                self._account(route)
            else:
                self._responses()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # never let a request take the server down
            self.close_connection = True
            if not self._started:
                self._send_error(faults.error(500, f"Emulator error: {exc!r}"))
            raise

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    # -- GET /credits, /key, /generation ----------------------------------------------------

    def _account(self, route: str) -> None:
        key = (self.headers.get("Authorization") or "").partition(" ")[2]
        if not self._authorized():
            self._send_error(faults.error(401, "No auth credentials found"))
        elif route != "/generation" and "limited" in key:
            self._send_error(faults.error(403, account.FORBIDDEN))
        elif route == "/credits":
            self._send_json(200, json.dumps(self.server.account.credits()).encode())
        elif route == "/key":
            self._send_json(200, json.dumps(self.server.account.key()).encode())
        else:
            query = parse_qs(self.path.partition("?")[2])
            wanted = (query.get("id") or [""])[0]
            found = self.server.account.generation(wanted) if wanted else None
            if found is None:
                problem = f"Generation {wanted[:100]!r} not found" if wanted else "id is required"
                self._send_error(faults.error(404 if wanted else 400, problem))
            else:
                self._send_json(200, json.dumps(found).encode())

    # -- POST /responses -------------------------------------------------------------------

    def _responses(self) -> None:
        raw = self._read_body()
        if raw is None:
            return
        if not self._authorized():
            self._send_error(
                faults.error(
                    401,
                    "No auth credentials found: send 'Authorization: Bearer <key>' "
                    "(the emulator accepts any non-empty key)",
                )
            )
            return
        recorded = self.server.next_replay()
        if recorded is not None:
            self._replay(recorded)
            return
        try:
            body = json.loads(raw)
        except RecursionError:
            self._send_error(faults.error(400, TOO_DEEP))
            return
        except ValueError as exc:  # also UnicodeDecodeError
            self._send_error(faults.error(400, f"Invalid JSON body: {exc}"))
            return
        try:
            data = prefixes.encoded(body.get("input")) if isinstance(body, dict) else None
            known = prefixes.find(data)
            count = known.count if known is not None else 0
            too_deep = _depth(body, known) > MAX_DEPTH
            problem = TOO_DEEP if too_deep else schemas.request_problem(body, count)
        except RecursionError:
            problem = TOO_DEEP
        if problem:
            self._send_error(faults.error(400, problem))
            return
        requested = body.get("model") if isinstance(body.get("model"), str) else ""
        if requested.startswith("@preset/"):
            model = account.preset_model(requested)
            if model is None:
                presets = ", ".join(f"@preset/{slug}" for slug in account.PRESETS)
                self._send_error(
                    faults.error(
                        404, f"Preset {requested[:100]!r} not found (emulator presets: {presets})"
                    )
                )
                return
            body = {**body, "model": model}
        request = parse(body, known)
        if data is not None and request.seen is not None:
            prefixes.remember(data, request.seen)
        tried = routing.candidates(body, request.model)
        for model in tried:
            if not behaviours.known(model):
                known = ", ".join(sorted(catalogue.EMULATOR_MODELS))
                self._send_error(
                    faults.error(
                        400,
                        f"{model} is not a valid model ID (emulator models: {known}, "
                        "emulator/pace-<TPS>tps[-ttft<MS>ms], emulator/burst-429-<N>, "
                        "emulator/grader-<P>pct[-<MS>ms])",
                    )
                )
                return
        try:
            tps = self._tps(request)
        except ValueError as exc:
            self._send_error(faults.error(400, str(exc)))
            return
        failures: list[tuple[str, int]] = []
        fitted = body
        for model in tried:
            fault = faults.model_fault(model)
            if fault is None and model == "emulator/flaky":
                fault = self.server.flaky.fault(raw)
            if fault is None:
                fault = self.server.burst.fault(model)
            if fault is None:
                fitted, fault = context.fit(body, model)  # a small window: refuse or truncate
            if fault is None:
                break
            failures.append((model, fault.status))
        else:
            self._send_error(fault)  # every candidate failed: the last one's error
            return
        request = replace(parse(fitted) if fitted is not body else request, model=model)
        meta = (
            routing.metadata(tried, failures, model)
            if routing.wants_metadata(self.headers)
            else None
        )
        self._answer(request, tps, meta, requested)

    def _answer(
        self, request: Request, tps: float, meta: dict | None = None, requested: str = ""
    ) -> None:
        plan = behaviours.plan(request)
        ids = events.Ids(random.Random(request.seed))
        draft = events.new_draft(request, ids, catalogue.pricing(request.model))
        draft.cached_tokens = min(
            self.server.account.cached_tokens(request.body), draft.input_tokens
        )
        if meta is not None:
            draft.body["openrouter_metadata"] = meta
        pace = routing.pace_of(request.model)
        grader = grading.grader_of(request.model)
        if grader and grader[1] and self.server.stopping.wait(grader[1]):  # its latency
            self.close_connection = True
            return
        ttft = pace.ttft if pace is not None else 0.0
        tps = pace.tps if pace is not None else tps
        encrypted = request.wants_encrypted_reasoning
        if request.stream:
            stream = events.stream(plan, draft, ids, encrypted)
            self._stream(self._counted(stream, requested), plan, tps, ttft)
        elif plan.fault == "stall":
            self._stall()
        elif plan.fault == "midstream-error":
            self._send_error(
                faults.error(
                    502,
                    "Provider returned error",
                    {"provider_name": "Emulator", "raw": "provider disconnected (emulator)"},
                )
            )
        else:
            cut = plan.fault == "truncated"  # the whole answer, then only half of it is sent
            whole = replace(plan, fault=None) if cut else plan
            final = events.final_response(whole, draft, ids, encrypted)
            if pace is not None and not self._take(pace, final):
                self.close_connection = True
                return
            self._send_json(200, json.dumps(final).encode(), cut=cut)
            if not cut:
                self.server.account.finished(final, requested, streamed=False)

    def _counted(self, stream: Iterable[Any], requested: str) -> Iterable[Any]:
        """The stream's events, its terminal response counted in the account as it passes."""
        for event in stream:
            if isinstance(event, dict) and event.get("type") in events.TERMINAL_TYPES:
                self.server.account.finished(event.get("response"), requested, streamed=True)
            yield event

    def _stream(
        self, stream: Iterable[dict | events.Cut], plan: Plan, tps: float, ttft: float = 0.0
    ) -> None:
        self._started = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        out = framing.ChunkedWriter(self.wfile)
        out.write(framing.KEEPALIVE)
        out.flush()
        if plan.fault == "stall":
            self._stall()
            return
        pacer = framing.Pacer(tps, self.server.stopping, first=ttft)
        for event in stream:
            if isinstance(event, events.Cut):
                data = framing.sse(event.event)
                out.write(data[: len(data) // 2])
                out.flush()
                self.close_connection = True
                return
            if pacer.active and event["type"].endswith(".delta"):
                out.flush()
                if not pacer.wait():
                    self.close_connection = True
                    return
            out.write(framing.sse(event))
        out.write(framing.DONE)
        out.end()

    def _take(self, pace: routing.Pace, final: dict) -> bool:
        """Wait as long as streaming the answer at ``pace`` would: ttft + output tokens / tps.

        Only this connection's thread waits, so other requests go on meanwhile.
        False if the server stopped while waiting.
        """
        delay = pace.ttft + (final.get("usage") or {}).get("output_tokens", 0) / pace.tps
        return not self.server.stopping.wait(delay)

    def _stall(self) -> None:
        """Hold the connection, sending nothing, until the client leaves or the server stops."""
        self.close_connection = True
        deadline = time.monotonic() + STALL_SECONDS
        while not self.server.stopping.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.1)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return  # the client hung up
                except OSError:
                    return
                self.server.stopping.wait(0.1)

    def _from_cassette(self, route: str) -> None:
        """Answer from the cassette, at its recorded pace unless `fast`; a miss is a 404."""
        raw = self._read_body() if self.command == "POST" else (self._discard_body() or b"")
        if raw is None:
            return
        if route == "/responses" and not self._authorized():
            self._send_error(faults.error(401, "No auth credentials found"))
            return
        player = self.server.cassette
        try:
            found = player.answer(self.command, route, json.loads(raw) if raw else None)
        except ReplayMissError as exc:
            meta = {"closest": exc.closest, "differences": exc.differences}
            self._send_error(faults.error(404, exc.message, meta))
            return
        except ValueError as exc:
            self._send_error(faults.error(400, f"Invalid JSON body: {exc}"))
            return
        self._started = True
        self.send_response(found.status)
        for name, value in found.headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        out, started = framing.ChunkedWriter(self.wfile), time.monotonic()
        for ms, data in found.events:
            wait = started + ms / 1000 - time.monotonic()
            if not player.fast and wait > 0:
                out.flush()
                if self.server.stopping.wait(wait):
                    return
            out.write(data)
        out.end()

    def _replay(self, path: Path) -> None:
        """Send a recorded body byte for byte, with the status recorded next to it."""
        data = path.read_bytes()
        meta_path = path.with_name(
            path.name.replace(".response.sse", ".meta.json").replace(".response.json", ".meta.json")
        )
        meta = json.loads(meta_path.read_text()) if meta_path != path and meta_path.exists() else {}
        is_sse = path.suffix == ".sse"
        content_type = meta.get("content_type") or (
            "text/event-stream" if is_sse else "application/json"
        )
        status = int(meta.get("status", 200))
        self._started = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if is_sse:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            out = framing.ChunkedWriter(self.wfile)
            out.write(data)
            out.end()
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    # -- helpers ---------------------------------------------------------------------------

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests too broken to route (bad request line or headers) get JSON errors too."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.1"  # always answer with a status line and headers
        self._send_error(faults.error(code, message or explain or "Bad request"))

    def _authorized(self) -> bool:
        scheme, _, key = (self.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and bool(key.strip())

    def _tps(self, request: Request) -> float:
        """Tokens per second: ``X-Emulator-TPS``, ``metadata.emulator_tps`` or the server's.

        Raises ValueError naming the header or field when its value is not a pace.
        """
        header = self.headers.get("X-Emulator-TPS")
        if header is not None:
            return pace(header.strip(), "X-Emulator-TPS header")
        metadata = request.body.get("metadata")
        if isinstance(metadata, dict) and "emulator_tps" in metadata:
            return pace(metadata["emulator_tps"], "metadata.emulator_tps")
        return self.server.tps

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering 400/413 for a bad or huge one."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self._send_error(faults.error(400, "Invalid Content-Length header"))
            return None
        if length > self.server.max_body:
            self._too_large(length)
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes | None:
        body = bytearray()
        while True:
            size = self._chunk_size()
            if size is None:
                return self._malformed_chunks("a chunk size must be 1 to 16 hex digits")
            if size == 0:
                while self.rfile.readline(1000).strip():  # trailers
                    pass
                return bytes(body)
            if len(body) + size > self.server.max_body:
                self._too_large(None)
                return None
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(10) not in (b"\r\n", b"\n"):
                return self._malformed_chunks("a chunk is shorter than its size")
            body += chunk

    def _chunk_size(self) -> int | None:
        """The next chunk's size, or None unless its line is hex digits (and extensions)."""
        line = self.rfile.readline(100)
        digits = line.split(b";", 1)[0].strip(b" \t\r\n")
        if not line.endswith(b"\n") or not CHUNK_SIZE.fullmatch(digits):
            return None
        return int(digits, 16)

    def _malformed_chunks(self, why: str) -> None:
        self.close_connection = True
        self._send_error(faults.error(400, f"Malformed chunked request body: {why}"))

    def _too_large(self, length: int | None) -> None:
        """Answer 413, reading (and dropping) a body of reasonable size so the client sees it."""
        if length is not None and length <= DRAIN_LIMIT:
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                remaining -= len(chunk)
        self.close_connection = True
        self._send_error(
            faults.error(413, f"Request body too large: the limit is {self.server.max_body} bytes")
        )

    def _discard_body(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit() and int(length) <= DRAIN_LIMIT:
            self.rfile.read(int(length))
        elif length or self.headers.get("Transfer-Encoding"):
            self.close_connection = True

    def _send_error(self, error: faults.HTTPError) -> None:
        self._send_json(error.status, error.encoded(), error.headers)

    def _send_json(
        self, status: int, data: bytes, headers: dict[str, str] | None = None, cut: bool = False
    ) -> None:
        """A JSON answer; ``cut`` sends only half the promised body, then hangs up."""
        self._started = True
        if cut:
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data[: len(data) // 2] if cut else data)
