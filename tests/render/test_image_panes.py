"""Generated images in the live view: partial images as they come, the final one, nothing else."""

from __future__ import annotations

import base64
import io

import pytest

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.notebook import run_send
from or_jupyter.render import TerminalView
from or_jupyter.render.live import LiveView


class Recorder:
    """A surface that keeps every HTML it is given, shown or updated, in order."""

    def __init__(self) -> None:
        self.published: list[str] = []

    def show(self, html: str, text: str) -> Recorder:
        self.published.append(html)
        return self

    def update(self, html: str, text: str) -> None:
        self.published.append(html)

    def show_widget(self, widget):
        return self


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


def drawn(recorder: Recorder) -> list[bytes]:
    """The images drawn, in order, decoded from their data URLs."""
    found = []
    for html in recorder.published:
        for src in html.split('<img src="')[1:]:
            head, _, data = src.split('"', 1)[0].partition(",")
            assert head in ("data:image/png;base64", "data:image/jpeg;base64")
            found.append(base64.b64decode(data))
    return found


def test_partial_images_then_the_final_one_are_drawn_as_they_arrive(emu):
    recorder = Recorder()
    view = LiveView(recorder)
    view.begin(model="emulator/image")
    client = orj.Client(api_key="k", base_url=emu.base_url)
    with client.stream(model="emulator/image", input="A lighthouse") as stream:
        for event in stream:
            view.on_event(event)
            view.flush()  # as if the stream were slow enough for a redraw after each event
    response = stream.response
    view.on_response(response)
    view.finish(response)
    images = drawn(recorder)
    assert len(images) == 3  # two partial images, then the final one
    assert images[-1] == response.images[0].data
    assert images[0] != images[1] != images[2]
    html = " ".join(recorder.published)
    assert "partial image 1" in html and "partial image 2" in html
    assert "Generated image · image/png" in html


@pytest.mark.parametrize(
    "payload",
    [
        "javascript:alert(1)",
        "data:text/html;base64," + base64.b64encode(b"<script>alert(1)</script>").decode(),
        "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload=alert(1)/>").decode(),
        base64.b64encode(b"<svg onload=alert(1)/>").decode(),  # bare base64 of an SVG
        "https://example.com/tracker.png",
        'not base64 at all " onerror=alert(1) x="',
    ],
)
def test_an_image_that_is_not_png_jpeg_gif_or_webp_is_never_drawn(payload):
    recorder = Recorder()
    view = LiveView(recorder)
    view.begin(model="m")
    item = {"type": "image_generation_call", "id": "ig", "status": "completed", "result": payload}
    partial = {"output_index": 0, "item_id": "ig", "partial_image_b64": payload}
    for kind, data in [
        ("response.output_item.added", {"output_index": 0, "item": {**item, "result": None}}),
        ("response.image_generation_call.partial_image", {**partial, "partial_image_index": 0}),
        ("response.output_item.done", {"output_index": 0, "item": item}),
    ]:
        view.on_event(orj.Event(kind, {"type": kind, **data}))
        view.flush()
    html = " ".join(recorder.published)
    assert "<img" not in html
    assert "onerror" not in html
    assert "javascript:" not in html and "<svg" not in html and "<script" not in html
    assert "not drawn" in html
    assert orj.Response(output=[item]).images == []


def test_the_terminal_view_names_each_generated_image():
    out = io.StringIO()
    with emulator.start() as server:
        client = orj.Client(api_key="k", base_url=server.base_url, max_retries=0)
        chat = Conversation(model="emulator/image", client=client)
        view = TerminalView(out, color=False)
        view.begin(model=chat.model)
        response = run_send(chat, "a red square", view, poll_ui=False)
    [image] = response.images
    assert f"[generated image: image/png, {len(image.data):,} bytes; response.images]" in (
        out.getvalue()
    )
