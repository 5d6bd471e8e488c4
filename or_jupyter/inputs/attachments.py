"""Images and files as parts of a user message: `input_image` and `input_file`.

What a prompt may hold besides text: a matplotlib Figure or a PIL Image (sent as PNG), a
`pathlib.Path` to an image or a PDF, or the bytes of one. Each becomes a content part with
a base64 data URL, in the place it has in the prompt. The type comes from the content's
first bytes, never from a file's suffix alone. matplotlib and Pillow are imported only by
the objects that come from them, so neither is a dependency.

Limits, each a one-line `AttachmentError`: a type outside `ALLOWED`, more than `MAX_BYTES`,
a path that does not exist.
"""

from __future__ import annotations

import base64
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..protocol.images import decode_data_url, image_size, image_type
from .datatable import is_table, markdown_table

__all__ = [
    "ALLOWED",
    "MAX_BYTES",
    "Attachment",
    "AttachmentError",
    "as_input",
    "attachment",
    "content_parts",
    "describe_content",
    "wants_attaching",
    "part_label",
]

MAX_BYTES = 20 * 1024 * 1024  # OpenRouter's providers take images up to about 20 MB
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}
SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf")
ALLOWED = "PNG, JPEG, GIF or WebP images and PDF files"
PART_TYPES = ("input_text", "input_image", "input_file")
_PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I")  # others (CMYK, HSV...) are converted


class AttachmentError(ValueError):
    """An image or file that cannot be attached: unknown type, too big, or missing."""


@dataclass(frozen=True)
class Attachment:
    """An image or file to send: its bytes, its media type and a name to show."""

    data: bytes
    media_type: str
    name: str

    @property
    def is_image(self) -> bool:
        return self.media_type in IMAGE_TYPES

    def part(self) -> dict[str, Any]:
        """The content part: `input_image` (detail auto) or `input_file`, with a data URL."""
        url = f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"
        if self.is_image:
            return {"type": "input_image", "detail": "auto", "image_url": url}
        return {"type": "input_file", "filename": self.name, "file_data": url}


def sniff(data: bytes) -> str | None:
    """The media type the first bytes announce (PNG, JPEG, GIF, WebP, PDF), or None."""
    return "application/pdf" if data.startswith(b"%PDF-") else image_type(data)


def wants_attaching(value: Any) -> bool:
    """Whether a value met in prompt text is meant as an attachment: a Figure, a PIL Image,
    a Path named like an image or PDF, or bytes that are one. Other paths and bytes are text."""
    if isinstance(value, Path):
        return value.suffix.lower() in SUFFIXES
    if isinstance(value, (bytes, bytearray, memoryview)):
        return sniff(bytes(value[:16])) is not None
    return _is_figure(value) or _is_pil(value)


def attachment(value: Any, name: str | None = None) -> Attachment:
    """`value` (Figure, PIL Image, Path, bytes) as an `Attachment`, checked against the limits.

    Raises `AttachmentError` past a limit, `TypeError` for a value of another kind."""
    if _is_figure(value):
        buffer = io.BytesIO()
        value.savefig(buffer, format="png", bbox_inches="tight")
        return _checked(buffer.getvalue(), name or "figure.png")
    if _is_pil(value):
        image = value if value.mode in _PNG_MODES else value.convert("RGBA")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return _checked(buffer.getvalue(), name or "image.png")
    if isinstance(value, Path):
        return _from_path(value, name)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _checked(bytes(value), name)
    raise TypeError(
        f"cannot send a {type(value).__name__} in a prompt: send text, a DataFrame, or attach "
        f"a Path, bytes, a matplotlib Figure or a PIL Image ({ALLOWED})"
    )


def _from_path(path: Path, name: str | None) -> Attachment:
    """The file's bytes, read only from a regular file and at most `MAX_BYTES` + 1 of them.

    Opened without blocking and checked on the open descriptor, so a path that is, or
    turns into, a FIFO or a device (`/dev/zero`) is refused instead of hanging or being
    read forever; a file that grows after its size was checked is still cut at the limit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise AttachmentError(f"{path}: no such file") from None
    except OSError as exc:
        raise AttachmentError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise AttachmentError(f"{path}: not a file")
        if info.st_size > MAX_BYTES:
            raise AttachmentError(_too_big(path.name, info.st_size))
        data = b""
        while len(data) <= MAX_BYTES and (chunk := os.read(fd, MAX_BYTES + 1 - len(data))):
            data += chunk
    finally:
        os.close(fd)
    return _checked(data, name or path.name, suffix=path.suffix)


def _checked(data: bytes, name: str | None, suffix: str = "") -> Attachment:
    label = name or "bytes"
    if len(data) > MAX_BYTES:
        raise AttachmentError(_too_big(label, len(data)))
    media_type = sniff(data)
    if media_type is None:
        kind = f"a {suffix} file" if suffix else f"of unknown type (starting {data[:8]!r})"
        raise AttachmentError(f"{label} is {kind}: only {ALLOWED} can be attached")
    if name is None:
        name = "image" + _suffix(media_type)
    return Attachment(data, media_type, name)


def _too_big(name: str, size: int) -> str:
    return f"{name} is {size_text(size)}: attachments may be at most {size_text(MAX_BYTES)}"


def _suffix(media_type: str) -> str:
    return "." + {"image/jpeg": "jpg", "application/pdf": "pdf"}.get(
        media_type, media_type.split("/")[1]
    )


def size_text(size: int) -> str:
    """A byte count as people read it: `812 B`, `34 KB`, `20 MB`, `25.3 MB`."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    megabytes = size / 1024 / 1024
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"


def _is_figure(value: Any) -> bool:
    return type(value).__module__.startswith("matplotlib") and hasattr(value, "savefig")


def _is_pil(value: Any) -> bool:
    return type(value).__module__.startswith("PIL") and hasattr(value, "save")


# -- whole messages ----------------------------------------------------------------------


def content_parts(pieces: list[Any]) -> list[dict[str, Any]]:
    """Message content from pieces in order: text runs become `input_text`, rich objects
    their image or file part, DataFrames a Markdown table, part dicts stay as they are."""
    parts: list[dict[str, Any]] = []
    text: list[str] = []

    def flush() -> None:
        joined = "".join(text)
        if joined.strip():
            parts.append({"type": "input_text", "text": joined})
        text.clear()

    for piece in pieces:
        if isinstance(piece, str):
            text.append(piece)
        elif is_table(piece):
            text.append(markdown_table(piece))
        elif isinstance(piece, dict) and piece.get("type") in PART_TYPES:
            flush()
            parts.append(piece)
        elif isinstance(piece, Attachment):
            flush()
            parts.append(piece.part())
        else:
            flush()
            parts.append(attachment(piece).part())
    flush()
    return parts


def as_input(value: Any) -> str | list[dict[str, Any]]:
    """A request's `input` from what a user passes: a string stays a string, a list of
    input items stays as it is; anything else (an image, a file, a DataFrame, or a list
    mixing them with text) becomes one user message whose content is their parts."""
    if isinstance(value, str) or _is_items(value):
        return value
    pieces = list(value) if isinstance(value, (list, tuple)) else [value]
    return [{"type": "message", "role": "user", "content": content_parts(pieces)}]


def _is_items(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        isinstance(item, dict) and item.get("type") not in PART_TYPES for item in value
    )


# -- naming attachments where history is shown ------------------------------------------------


def part_label(part: dict[str, Any]) -> str:
    """A content part as one line: its text, or `[image: PNG 640×480, 34 KB]` for an image
    and `[file: report.pdf, 120 KB]` for a file (never the base64)."""
    kind = part.get("type")
    if kind == "input_image":
        media_type, data = decode_data_url(part.get("image_url"))
        if data is None:
            return f"[image: {_shown(part.get('image_url'))}]"
        size = image_size(data)
        shape = f" {size[0]}×{size[1]}" if size else ""
        return f"[image: {IMAGE_TYPES.get(media_type, media_type)}{shape}, {size_text(len(data))}]"
    if kind == "input_file":
        name = _shown(part.get("filename") or "file")
        _, data = decode_data_url(part.get("file_data"))
        return f"[file: {name}, {size_text(len(data))}]" if data is not None else f"[file: {name}]"
    return str(part.get("text") or part.get("refusal") or "")


def _shown(value: Any, limit: int = 80) -> str:
    """A name or URL from a message as one short printable line."""
    text = "".join(c if c.isprintable() else "?" for c in str(value)[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_content(content: Any) -> str:
    """A message's content as text, attachments named by `part_label`."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return " ".join(part_label(p) for p in content if isinstance(p, dict))
