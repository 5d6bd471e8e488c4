"""Views under hostile input: any event, endless answers, huge arguments, terminal escapes."""

from __future__ import annotations

import io
import time
from types import SimpleNamespace

import pytest
from helpers.hostile_events import hostile_events
from hypothesis import HealthCheck, given, settings

from or_jupyter.protocol import Event
from or_jupyter.render import LiveView, TerminalView
from or_jupyter.render.panes import MAX_DRAWN_CHARS


class RecordingSurface:
    """A surface that keeps what was published, as a frontend would receive it."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, int]] = []
        self.latest: dict[int, str] = {}

    def show(self, html: str, text: str):
        key = len(self.latest)
        self.latest[key] = html
        self.sent.append((time.monotonic(), len(html) + len(text)))
        return SimpleNamespace(update=lambda h, t, key=key: self._update(key, h, t))

    def show_widget(self, widget):
        return SimpleNamespace(update=lambda h, t: None)

    def _update(self, key: int, html: str, text: str) -> None:
        self.latest[key] = html
        self.sent.append((time.monotonic(), len(html) + len(text)))

    def html(self) -> str:
        return "".join(self.latest.values())


def delta(text: str) -> Event:
    return Event("response.output_text.delta", {"output_index": 0, "delta": text})


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_events)
def test_no_event_can_make_a_view_raise(events):
    live, terminal = LiveView(RecordingSurface(), interval=0), TerminalView(io.StringIO())
    for view in (live, terminal):
        view.begin(model="m")
        for event in events:
            view.on_event(event)
            view.tick()
        view.finish(None, None)


def test_an_endless_answer_is_drawn_up_to_a_limit_and_says_where_the_rest_is():
    surface = RecordingSurface()
    view = LiveView(surface, interval=0, max_bytes_per_second=10**12)
    view.begin(model="m")
    chunk = "word " * 2000 + "\n\n"
    for _ in range(2 * MAX_DRAWN_CHARS // len(chunk)):
        view.on_event(delta(chunk))
        view.tick()
    view.finish(None, None)
    html = surface.html()
    assert "too long to draw" in html and "--out" in html
    assert len(html) < 3 * MAX_DRAWN_CHARS  # the drawing stops growing at the limit


def test_publishing_waits_when_the_bytes_per_second_budget_is_spent():
    surface = RecordingSurface()
    budget = 20_000
    view = LiveView(surface, interval=0, max_bytes_per_second=budget)
    view.begin(model="m")
    start = time.monotonic()
    for i in range(3000):  # one never-ending paragraph: the tail is re-drawn whole each time
        view.on_event(delta(f"token{i} "))
        view.tick()
    elapsed = time.monotonic() - start
    sent = sum(size for _, size in surface.sent)
    biggest = max(size for _, size in surface.sent)
    assert sent <= budget * (int(elapsed) + 2) + biggest


def test_huge_tool_arguments_are_capped_in_the_card():
    surface = RecordingSurface()
    view = LiveView(surface, interval=0)
    view.begin(model="m")
    item = {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f"}
    view.on_event(Event("response.output_item.added", {"output_index": 0, "item": item}))
    view.on_event(
        Event(
            "response.function_call_arguments.delta",
            {"output_index": 0, "delta": '{"x": "' + "a" * 500_000 + '"}'},
        )
    )
    view.tick()
    assert 0 < len(surface.html()) < 40_000
    assert "more characters not shown" in surface.html()


def test_the_terminal_view_strips_escape_sequences_from_model_and_tool_text():
    out = io.StringIO()
    view = TerminalView(out, color=False)
    view.begin(model="m")
    view.on_event(delta("clip\x1b]52;c;ZXZpbA==\x07 clear\x1b[2J bell\x07 ok\n"))
    call = SimpleNamespace(name="t\x1b[31m", arguments='{"a": "\x1b]0;title\x07"}')
    view.on_tool_start(call)
    result = SimpleNamespace(name="t", status="done", duration=0.1, output="\x1b[?1049h!")
    view.on_tool_finish(result)
    view.finish(None, None)
    written = out.getvalue()
    assert "\x1b" not in written and "\x07" not in written
    assert "clip clear bell ok" in written and "!" in written


def test_the_terminal_view_names_a_labelled_tool_by_its_label_and_strips_it_too():
    out = io.StringIO()
    view = TerminalView(out, color=False)
    view.label_tools({"time__now": "time › now\x1b[2J"})
    view.begin(model="m")
    view.on_tool_start(SimpleNamespace(name="time__now", arguments="{}"))
    view.on_tool_finish(SimpleNamespace(name="time__now", status="done", duration=0.1, output="12"))
    view.finish(None, None)
    written = out.getvalue()
    assert written.count("[tool] time › now") == 2 and "time__now" not in written
    assert "\x1b" not in written
