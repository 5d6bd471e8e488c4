"""Generated images in the accumulated response: `Response.images`, robust to what servers send."""

from __future__ import annotations

import base64

from or_jupyter.emulator.images import png
from or_jupyter.protocol import Accumulator, Event, Response, decode_image

PICTURE = base64.b64encode(png(9)).decode()


def feed(*events: tuple[str, dict]) -> Response:
    accumulator = Accumulator()
    for kind, data in events:
        accumulator.add(Event(kind, {"type": kind, **data}))
    return accumulator.response()


def test_an_image_streamed_in_output_item_done_survives_a_final_output_without_it():
    item = {"type": "image_generation_call", "id": "ig_1", "status": "completed"}
    response = feed(
        ("response.output_item.done", {"output_index": 0, "item": {**item, "result": PICTURE}}),
        (
            "response.completed",
            {"response": {"status": "completed", "output": [{**item, "result": None}]}},
        ),
    )
    (image,) = response.images
    assert image.data == png(9) and image.media_type == "image/png"


def test_images_come_from_image_items_only_and_only_when_they_are_images():
    svg = base64.b64encode(b"<svg/>").decode()
    response = Response(
        output=[
            {"type": "message", "content": [{"type": "output_text", "text": PICTURE}]},
            {"type": "image_generation_call", "id": "a", "status": "completed", "result": svg},
            {"type": "image_generation_call", "id": "b", "status": "failed", "result": None},
            {"type": "openrouter:image_generation", "status": "completed", "imageB64": PICTURE},
            {
                "type": "image_generation_call",
                "id": "c",
                "result": "data:image/png;base64," + PICTURE,
            },
        ]
    )
    assert [image.data for image in response.images] == [png(9), png(9)]


def test_decode_image_refuses_what_is_not_a_png_jpeg_gif_or_webp():
    assert decode_image(PICTURE).data_url == "data:image/png;base64," + PICTURE
    for bad in ["javascript:alert(1)", "data:text/html;base64," + PICTURE, "%%%", None, 42]:
        assert decode_image(bad) is None
