"""The response cache and cassettes against hostile files and a flaky disk: a bad cache
file is a `CacheError` naming it, a damaged entry is a miss, a locked or vanished file
never breaks an answer, a wrong-typed cassette line is a `CassetteError` naming the line
and the field, and the key is never kept, even when a server echoes it back."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import zlib

import httpx
import pytest
from helpers.display_capture import shell_with_capture
from helpers.hostile_html import assert_safe
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.client.clients import MIN_SECRET_LENGTH
from or_jupyter.kept import cache as cache_module
from or_jupyter.kept import cassette
from or_jupyter.kept.cache import Cache, CacheError
from or_jupyter.notebook import DisplaySurface, run_send
from or_jupyter.render import TerminalView
from or_jupyter.render.live import LiveView

KEY = "sk-or-v1-hostile-cache-secret-0123456789abcdef"
MODEL = "openai/gpt-5-mini"
HEADER = '{"or_jupyter_cassette": 1}\n'


def completed(text: str = "Hello there") -> bytes:
    item = {"type": "message", "id": "msg_1", "role": "assistant",
            "content": [{"type": "output_text", "text": text}]}  # fmt: skip
    return sse(
        {"type": "response.created", "response": {"id": "r1", "model": MODEL, "output": []}},
        {"type": "response.output_text.delta", "output_index": 0, "delta": text},
        {"type": "response.completed", "response": {"id": "r1", "model": MODEL,
         "status": "completed", "output": [item], "usage": {"cost": 0.001}}},
    )  # fmt: skip


def ask(client, text="hi"):
    with client.stream(model=MODEL, input=text) as stream:
        for _ in stream:
            pass
    return stream.response


# -- the cache file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b"not a database " * 100), "not a SQLite file"),
        (lambda p: p.mkdir(), "a directory"),
        (lambda p: None, "does not exist"),  # its folder is missing
    ],
    ids=["junk-file", "directory", "missing-folder"],
)
def test_a_cache_path_that_cannot_be_a_cache_is_a_cache_error_naming_the_file(
    tmp_path, make, reason
):
    path = tmp_path / "cache.sqlite" if reason != "does not exist" else tmp_path / "no" / "c.db"
    make(path)
    with pytest.raises(CacheError, match=reason) as caught:
        orj.Client(api_key=KEY, base_url="http://127.0.0.1:9", cache=path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, sqlite3.Error)


def test_an_unwritable_location_is_a_cache_error_naming_the_file():
    path = "/proc/or_jupyter_cache.sqlite"  # /proc takes no new files, even as root
    with pytest.raises(CacheError, match="or_jupyter_cache.sqlite"):
        Cache(path)


def test_a_sqlite_file_with_another_responses_table_is_a_cache_error(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE responses (id INTEGER, text TEXT)")
    with pytest.raises(CacheError, match="other.sqlite"):
        Cache(path)


def _damage(path, **columns):
    with sqlite3.connect(path) as db:
        for name, value in columns.items():
            db.execute(f"UPDATE responses SET {name} = ?", (value,))


@pytest.mark.parametrize(
    "columns",
    [
        {"events": b"definitely not zlib"},
        {"events": zlib.compress(b"{not json")},
        {"events": zlib.compress(b'{"a": 1}')},
        {"events": zlib.compress(b"[[1, 2]]")},
        {"events": zlib.compress(b'[["soon", "data: {}\\n\\n"]]')},
        {"events": zlib.compress(b"7")},
        {"status": "two hundred"},
        {"status": 99999},
        {"headers": "[1, 2]"},
        {"headers": "not json"},
    ],
    ids=lambda c: next(iter(c)) + ":" + repr(next(iter(c.values())))[:24],
)
def test_a_damaged_entry_is_a_miss_and_the_fresh_answer_replaces_it(server, tmp_path, columns):
    path = tmp_path / "cache.sqlite"
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=path)
    server.queue(Reply(200, completed("first")))
    ask(client)
    _damage(path, **columns)
    server.queue(Reply(200, completed("second")))
    again = ask(client)
    assert len(server.seen) == 2 and not again.cached
    assert again.output_text == "second"
    third = ask(client)  # the damaged entry was replaced by the fresh answer
    assert third.cached and third.output_text == "second" and len(server.seen) == 2


@pytest.fixture
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_MS", 50)


def _lock(path):
    """Another process's write transaction on the file, held until closed."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    return other


def test_a_cache_locked_by_another_writer_never_breaks_an_answer(
    server, tmp_path, short_busy_timeout
):
    path = tmp_path / "cache.sqlite"
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=path)
    other = _lock(path)
    try:
        server.queue(Reply(200, completed("all of it")))
        with pytest.warns(RuntimeWarning, match="cache.sqlite.*could not keep this answer"):
            response = ask(client)
    finally:
        other.close()
    assert response.status == "completed" and response.output_text == "all of it"
    assert Cache(path).stats()["entries"] == 0


def test_a_hit_is_served_while_another_writer_holds_the_file(server, tmp_path, short_busy_timeout):
    path = tmp_path / "cache.sqlite"
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=path)
    server.queue(Reply(200, completed("kept")))
    ask(client)
    other = _lock(path)
    try:
        hit = ask(client)  # the hit count cannot be written: the answer is served anyway
    finally:
        other.close()
    assert hit.cached and hit.output_text == "kept" and len(server.seen) == 1


def test_a_cache_whose_table_another_program_dropped_is_a_miss_with_a_warning(server, tmp_path):
    path = tmp_path / "cache.sqlite"
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=path)
    server.queue(Reply(200, completed("kept")))
    ask(client)
    with sqlite3.connect(path) as other:
        other.execute("DROP TABLE responses")
    server.queue(Reply(200, completed("fresh")))
    with pytest.warns(RuntimeWarning, match="cache.sqlite") as warned:
        response = ask(client)
    assert response.output_text == "fresh" and not response.cached
    assert {"be read", "keep this answer"} <= {m for w in warned for m in
                                               ("be read", "keep this answer") if m in str(w.message)}  # fmt: skip


# 12 characters, the shortest key the client guards: every copy must hide it as errors do.
SHORT_KEY = "sk-or-v1-x7q"


@pytest.mark.parametrize("key", [KEY, SHORT_KEY], ids=["long-key", "shortest-guarded-key"])
def test_a_key_a_server_echoes_in_a_completed_answer_is_not_kept_in_the_cache(
    server, tmp_path, key
):
    path = tmp_path / "cache.sqlite"
    client = orj.Client(api_key=key, base_url=server.base_url, cache=path)
    server.queue(Reply(200, completed(f"your key is {key}")))
    ask(client)
    for name in os.listdir(tmp_path):
        assert key.encode() not in (tmp_path / name).read_bytes()
    with sqlite3.connect(path) as db:
        (events,) = db.execute("SELECT events FROM responses").fetchone()
    kept = zlib.decompress(events).decode()
    assert "[API key hidden]" in kept and key not in kept


# -- recording -------------------------------------------------------------------------


@pytest.mark.parametrize("key", [KEY, SHORT_KEY], ids=["long-key", "shortest-guarded-key"])
def test_a_key_a_server_echoes_in_an_error_is_not_recorded(server, tmp_path, key):
    tape = tmp_path / "t.jsonl"
    cassette.record(tape)
    body = json.dumps({"error": {"message": f"Invalid key {key}", "code": 401}}).encode()
    server.queue(Reply(401, body, content_type="application/json"))
    server.queue(Reply(302, b"", headers={"Location": f"https://evil.example/?k={key}"}))
    client = orj.Client(api_key=key, base_url=server.base_url, max_retries=0)
    with pytest.raises(orj.APIError) as first:
        ask(client)
    with pytest.raises(orj.APIError):
        ask(client)
    text = tape.read_text()
    assert len(SHORT_KEY) == MIN_SECRET_LENGTH
    assert key not in text and key not in str(first.value)
    assert text.count("[API key hidden]") == 2


def test_a_key_typed_into_the_body_is_refused_before_anything_is_sent_or_recorded(server, tmp_path):
    tape = tmp_path / "t.jsonl"
    cassette.record(tape)
    client = orj.Client(api_key=KEY, base_url=server.base_url)
    with pytest.raises(orj.SecretInRequestError):
        client.create(model=MODEL, input="hi", instructions=f"remember {KEY}")
    assert server.seen == [] and KEY not in tape.read_text()


def test_replaying_a_key_typed_into_the_body_is_refused_not_named_in_a_miss(tmp_path):
    tape = tmp_path / "t.jsonl"
    tape.write_text(HEADER)
    cassette.replay(tape, fast=True)
    client = orj.Client(api_key=KEY, base_url="http://127.0.0.1:9")
    with pytest.raises(orj.SecretInRequestError) as caught:
        client.create(model=MODEL, input=f"my key is {KEY}")
    assert KEY not in str(caught.value) and KEY not in repr(caught.value.__cause__)


def test_a_cassette_whose_folder_vanished_warns_and_the_answer_is_whole(server, tmp_path):
    folder = tmp_path / "tapes"
    folder.mkdir()
    cassette.record(folder / "t.jsonl")
    (folder / "t.jsonl").unlink()
    folder.rmdir()
    server.queue(Reply(200, completed("whole answer")))
    with pytest.warns(RuntimeWarning, match="t.jsonl.*could not record"):
        response = ask(orj.Client(api_key=KEY, base_url=server.base_url))
    assert response.output_text == "whole answer"


# -- reading cassettes -----------------------------------------------------------------

GOOD = {"method": "POST", "path": "/responses", "body": {"input": "hi"}, "status": 200,
        "headers": {"content-type": "text/event-stream"}, "events": [[0, "data: {}\n\n"]]}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "200"}, "status"),
        ({"status": True}, "status"),
        ({"status": 99999}, "status"),
        ({"status": 200.5}, "status"),
        ({"events": "12"}, "events"),
        ({"events": {"0": "x"}}, "events"),
        ({"events": ["12"]}, "an event must be"),
        ({"events": [[-1, "x"]]}, "ms"),
        ({"events": [[1.5, "x"]]}, "ms"),
        ({"events": [[10**15, "x"]]}, "ms"),
        ({"events": [[0, 7]]}, "an event is a text"),
        ({"events": [[0, {"base64": "!!notbase64"}]]}, "line 2"),
        ({"headers": ["content-type"]}, "headers"),
        ({"headers": {"content-type": "text/plain\r\nSet-Cookie: a=b"}}, "one line"),
        ({"headers": {"location": 5}}, "one line"),
        ({"method": 5}, "method"),
        ({"method": "PO ST"}, "method"),
        ({"path": ["/responses"]}, "path"),
        ({"path": "responses"}, "path"),
        ({"path": "/responses\x1b[2J"}, "control characters"),
    ],
    ids=lambda v: json.dumps(v)[:40] if isinstance(v, dict) else v,
)
def test_a_wrong_typed_field_is_a_cassette_error_naming_the_line_and_field(tmp_path, change, field):
    path = tmp_path / "bad.jsonl"
    path.write_text(HEADER + json.dumps({**GOOD, **change}) + "\n")
    with pytest.raises(cassette.CassetteError, match="line 2") as caught:
        cassette.replay(path)
    assert field in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "line",
    [
        '{"method":"POST","path":"/responses","status":200,"events":[[NaN,"x"]]}',
        '{"method":"POST","path":"/responses","status":200,"events":[[Infinity,"x"]]}',
        '{"method":"POST","path":"/responses","status":200,"events":[[1e400,"x"]]}',
        "[1, 2]",
        "null",
        '"a string"',
        "[" * 100_000 + "]" * 100_000,
        '{"method":"POST","path":"/responses","status":200,"events":[[0,"\\ud800"]]}',
    ],
    ids=["nan", "infinity", "1e400", "list", "null", "string", "deep", "lone-surrogate"],
)
def test_lines_that_are_no_exchange_are_a_cassette_error_not_a_traceback(tmp_path, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(HEADER + line + "\n")
    with pytest.raises(cassette.CassetteError, match="line 2 is not an exchange"):
        cassette.load(path)


def test_a_huge_garbage_line_gives_a_short_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(HEADER + json.dumps({**GOOD, "status": "x" * 5_000_000}) + "\n")
    with pytest.raises(cassette.CassetteError) as caught:
        cassette.load(path)
    assert len(str(caught.value)) < 500


def test_a_huge_recorded_event_replays_whole(tmp_path):
    text = "y" * 3_000_000
    path = tmp_path / "big.jsonl"
    path.write_text(HEADER + json.dumps({**GOOD, "events": [[0, text]]}) + "\n")
    (exchange,) = cassette.load(path)
    assert exchange.content == text.encode()


def test_headers_other_than_the_kept_ones_are_ignored_on_replay(tmp_path):
    path = tmp_path / "t.jsonl"
    headers = {"Content-Type": "text/event-stream", "Set-Cookie": "session=stolen"}
    path.write_text(HEADER + json.dumps({**GOOD, "headers": headers}) + "\n")
    (exchange,) = cassette.load(path)
    assert exchange.headers == {"content-type": "text/event-stream"}


@pytest.mark.parametrize("kind", ["directory", "fifo", "dev-zero", "empty", "latin-1"])
def test_a_cassette_that_is_no_regular_utf8_file_is_a_cassette_error_at_once(tmp_path, kind):
    path = tmp_path / "t.jsonl"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # reading it would wait for a writer forever
    elif kind == "dev-zero":
        path = "/dev/zero"  # reading it would never end
    elif kind == "empty":
        path.write_text("")
    else:
        path.write_bytes(HEADER.encode() + '{"body": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(cassette.CassetteError, match="cassette"):
        cassette.replay(path)


def test_a_miss_message_caps_a_huge_hostile_recorded_input(tmp_path):
    path = tmp_path / "t.jsonl"
    hostile = "\x1b]0;pwned\x07" + "z" * 100_000
    path.write_text(HEADER + json.dumps({**GOOD, "body": {"input": hostile}}) + "\n")
    cassette.replay(path, fast=True)
    client = orj.Client(base_url="http://127.0.0.1:9")
    with pytest.raises(cassette.ReplayMissError) as caught:
        client.create(model=MODEL, input="other")
    message = str(caught.value)
    assert len(message) < 1000 and "\x1b" not in message and "\x07" not in message


def test_script_and_terminal_escapes_in_a_replayed_answer_are_sanitised_when_drawn(
    server, tmp_path
):
    text = "<script>alert(1)</script><img src=x onerror=alert(2)>\x1b]0;pwned\x07 done"
    path = tmp_path / "t.jsonl"
    delta = {"type": "response.output_text.delta", "output_index": 0, "delta": text}
    event = f"data: {json.dumps(delta)}\n\n"
    final = {"type": "response.completed", "response": {"id": "r", "model": MODEL,
             "status": "completed", "output": [{"type": "message", "id": "m",
             "role": "assistant", "content": [{"type": "output_text", "text": text}]}]}}  # fmt: skip
    events = [[0, event], [1, f"data: {json.dumps(final)}\n\n"]]
    _, publisher = shell_with_capture()

    def draw(client, view=None):
        chat = Conversation(model="emulator/assistant", client=client)
        view = view or LiveView(DisplaySurface())
        view.begin(model=chat.model)
        run_send(chat, "q", view, poll_ui=False)

    try:
        server.queue(Reply(200, b"data: {}\n\n"))
        draw(orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0))
        body = server.seen[0].json()  # the very request the cell sends
        path.write_text(HEADER + json.dumps({**GOOD, "events": events, "body": body}) + "\n")
        cassette.replay(path, fast=True)
        publisher.reset()
        draw(orj.Client(base_url="http://127.0.0.1:9"))
        html = re.sub(r"<style>.*?</style>", "", publisher.html(), flags=re.S)
        terminal = io.StringIO()
        draw(orj.Client(base_url="http://127.0.0.1:9"), TerminalView(terminal, color=False))
    finally:
        publisher.reset()
    assert "done" in html
    assert_safe(html)
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    # HTML is inert to terminal escapes (and escapes markup); a terminal gets them stripped
    assert " done" in terminal.getvalue() and "\x1b" not in terminal.getvalue()
    assert "\x07" not in terminal.getvalue()


def test_is_cassette_never_blocks_on_a_fifo_or_reads_a_device_forever(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert not cassette.is_cassette(fifo) and not cassette.is_cassette("/dev/zero")
    huge_first_line = tmp_path / "one-line.jsonl"
    huge_first_line.write_text("x" * 1_000_000)
    assert not cassette.is_cassette(huge_first_line)


def test_the_emulator_refuses_a_cassette_that_would_inject_headers(tmp_path):
    path = tmp_path / "t.jsonl"
    headers = {"content-type": "text/event-stream\r\nSet-Cookie: session=stolen"}
    path.write_text(HEADER + json.dumps({**GOOD, "headers": headers}) + "\n")
    with pytest.raises(cassette.CassetteError, match="line 2.*one line"):
        emulator.start(replay=[path])


def test_the_emulator_replaying_a_cassette_sends_only_the_kept_headers(tmp_path):
    path = tmp_path / "t.jsonl"
    headers = {"Content-Type": "text/event-stream", "Set-Cookie": "session=stolen",
               "Transfer-Encoding": "identity"}  # fmt: skip
    path.write_text(HEADER + json.dumps({**GOOD, "headers": headers}) + "\n")
    with emulator.start(replay=[path], fast=True) as em:
        answer = httpx.post(f"{em.base_url}/responses", json={"input": "hi"},
                            headers={"Authorization": "Bearer k"})  # fmt: skip
    assert answer.status_code == 200 and answer.text == "data: {}\n\n"
    assert "set-cookie" not in answer.headers
    assert answer.headers["transfer-encoding"] == "chunked"
