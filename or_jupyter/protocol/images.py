"""Images a response carries: `image_generation_call` items and their partial images.

A generated image arrives as base64 in an item's `result` (OpenRouter's
`openrouter:image_generation` items also say `imageB64`), and while it is drawn as
`partial_image_b64` in `response.image_generation_call.partial_image` events. Only
base64 that decodes to a PNG, JPEG, GIF or WebP of at most `MAX_IMAGE_BYTES` counts: the
type is read from the bytes, never taken from the server, so nothing else (SVG, HTML, a
`javascript:` URL) can pass for an image.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
from dataclasses import dataclass
from typing import Any

__all__ = [
    "IMAGE_ITEM_TYPES",
    "MAX_IMAGE_BYTES",
    "PARTIAL_IMAGE",
    "GeneratedImage",
    "decode_data_url",
    "decode_image",
    "image_size",
    "item_image",
    "response_images",
]

PARTIAL_IMAGE = "response.image_generation_call.partial_image"
IMAGE_ITEM_TYPES = ("image_generation_call", "openrouter:image_generation")
MAX_IMAGE_BYTES = 20 * 1024 * 1024
_PREFIX = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,", re.IGNORECASE)
_DATA_URL = re.compile(r"data:([\w/+.-]+);base64,", re.ASCII)


@dataclass(frozen=True)
class GeneratedImage:
    """An image the model made: its bytes and media type (`image/png`, ...)."""

    data: bytes
    media_type: str

    @property
    def data_url(self) -> str:
        """The image as a `data:` URL, for an `<img src>`."""
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"

    def to_pil(self) -> Any:
        """The image as a `PIL.Image.Image` (needs Pillow: `pip install pillow`)."""
        try:
            from PIL import Image
        except ImportError:
            raise ImportError(
                "GeneratedImage.to_pil() needs Pillow: pip install pillow "
                "(the bytes are in .data without it)"
            ) from None
        return Image.open(io.BytesIO(self.data))

    def __repr__(self) -> str:
        return f"GeneratedImage({self.media_type}, {len(self.data):,} bytes)"


def image_type(data: bytes) -> str | None:
    """The media type of image bytes, from their first bytes (PNG, JPEG, GIF, WebP)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from a PNG, GIF or JPEG header; None if it cannot be read."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def decode_data_url(url: Any) -> tuple[str, bytes | None]:
    """A `data:TYPE;base64,...` URL of an image or file part as (TYPE, its bytes): ("", None)
    when it is no such URL, (TYPE, None) when its base64 does not decode."""
    match = _DATA_URL.match(url) if isinstance(url, str) else None
    if match is None:
        return "", None
    try:
        return match.group(1), base64.b64decode(url[match.end() :])
    except ValueError:  # binascii.Error is one
        return match.group(1), None


def decode_image(value: Any) -> GeneratedImage | None:
    """Base64 (bare or as a `data:image/...;base64,` URL) as an image, or None when it is
    not one: not a string, not base64, over `MAX_IMAGE_BYTES`, or not PNG/JPEG/GIF/WebP."""
    if not isinstance(value, str) or len(value) > MAX_IMAGE_BYTES * 4 // 3 + 64:
        return None
    match = _PREFIX.match(value)
    if match is None and value.startswith("data:"):
        return None
    encoded = value[match.end() :] if match else value
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    media_type = image_type(data)
    if media_type is None or len(data) > MAX_IMAGE_BYTES:
        return None
    return GeneratedImage(data, media_type)


def item_image(item: dict[str, Any]) -> GeneratedImage | None:
    """The image of one output item (`result`, or `imageB64`), None if it has none."""
    if item.get("type") not in IMAGE_ITEM_TYPES:
        return None
    return decode_image(item.get("result")) or decode_image(item.get("imageB64"))


def response_images(output: list[Any]) -> list[GeneratedImage]:
    """Every image in a response's output items, in order."""
    found = (item_image(item) for item in output if isinstance(item, dict))
    return [image for image in found if image is not None]
