"""Images in and out of the emulator: it says what it sees, and ``emulator/image`` draws.

Inputs: every ``input_image`` and ``input_file`` part of the last user message is
acknowledged in a sentence read from the data itself ("I see a 640×480 PNG image", "I see
a PDF with 3 pages"), so a test can tell that the bytes arrived whole. Only data URLs are
read; a remote URL is named, never fetched.

Output: a small deterministic PNG (made with zlib and struct, no imaging library), seeded
by the request, streamed as an ``image_generation_call`` item: ``in_progress``,
``generating``, ``PARTIALS`` partial images (the picture filling in from the top), and
``completed``, as the spec's ``response.image_generation_call.*`` events have it.
"""

from __future__ import annotations

import base64
import random
import re
import struct
import zlib
from collections.abc import Iterator
from typing import Any

from ..protocol.images import decode_data_url, image_size

IMAGE_MODEL = "emulator/image"
SIZE = (64, 48)  # width, height of the generated image
PARTIALS = 2
_KINDS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


# -- what the emulator sees ---------------------------------------------------------------


def acknowledgements(items: list[dict[str, Any]]) -> list[str]:
    """One sentence per image or file part of the last user message, in order."""
    for item in reversed(items):
        if item.get("role") == "user" and item.get("type", "message") == "message":
            content = item.get("content")
            parts = content if isinstance(content, list) else []
            return [s for p in parts if isinstance(p, dict) and (s := _seen(p))]
    return []


def _seen(part: dict[str, Any]) -> str | None:
    kind = part.get("type")
    if kind == "input_image":
        media_type, data = decode_data_url(part.get("image_url"))
        if data is None:
            return f"I see an image at {part.get('image_url')!s:.80} (not fetched)."
        size = image_size(data)
        shape = f"{size[0]}×{size[1]} " if size else ""
        label = _KINDS.get(media_type, media_type)
        return f"I see a {shape}{label} image ({len(data):,} bytes)."
    if kind == "input_file":
        name = part.get("filename") or "a file"
        media_type, data = decode_data_url(part.get("file_data"))
        if data is None:
            return f"I see the file {name} (not read)."
        if data.startswith(b"%PDF-"):
            pages = len(_PAGE.findall(data))
            return f"I see a PDF with {pages} page{'s' if pages != 1 else ''} ({name})."
        return f"I see the file {name} ({media_type}, {len(data):,} bytes)."
    return None


# -- what emulator/image draws --------------------------------------------------------------


def png(seed: int, rows: int | None = None, size: tuple[int, int] = SIZE) -> bytes:
    """A deterministic RGB PNG: a diagonal gradient in colours drawn from `seed`.

    With `rows`, only the top `rows` lines are painted (the rest white): a partial image.
    """
    width, height = size
    rng = random.Random(seed)
    base = [rng.randrange(256) for _ in range(3)]
    lines = []
    for y in range(height):
        if rows is not None and y >= rows:
            lines.append(b"\x00" + b"\xff" * (3 * width))
            continue
        line = bytearray(b"\x00")
        for x in range(width):
            shade = (x * 255 // max(width - 1, 1) + y * 255 // max(height - 1, 1)) // 2
            line += bytes((c + shade) % 256 for c in base)
        lines.append(bytes(line))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(lines), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def partials(seed: int) -> list[bytes]:
    """The partial images streamed before the final one: the picture filling in."""
    height = SIZE[1]
    return [png(seed, rows=height * (n + 1) // (PARTIALS + 1)) for n in range(PARTIALS)]


def generation_events(seed: int, draft: Any, item_id: str) -> Iterator[dict[str, Any]]:
    """The events of one ``image_generation_call`` item, the final PNG in its ``result``."""
    index = len(draft.output)
    added = {
        "type": "image_generation_call",
        "id": item_id,
        "status": "in_progress",
        "result": None,
    }
    yield draft.event("response.output_item.added", output_index=index, item=added)
    at = {"output_index": index, "item_id": item_id}
    yield draft.event("response.image_generation_call.in_progress", **at)
    yield draft.event("response.image_generation_call.generating", **at)
    for number, partial in enumerate(partials(seed)):
        yield draft.event(
            "response.image_generation_call.partial_image",
            **at,
            partial_image_b64=base64.b64encode(partial).decode("ascii"),
            partial_image_index=number,
        )
    yield draft.event("response.image_generation_call.completed", **at)
    result = base64.b64encode(png(seed)).decode("ascii")
    item = {**added, "status": "completed", "result": result}
    draft.output.append(item)
    yield draft.event("response.output_item.done", output_index=index, item=item)
