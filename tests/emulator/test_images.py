"""The emulator and images: it says what it sees in image and file inputs, and
`emulator/image` streams a PNG with partial images, every event valid per the spec."""

from __future__ import annotations

import base64
import io

import httpx
import pytest
from helpers.emulator import KEY, post, schema_errors, stream, terminal, text_of
from PIL import Image

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.emulator import schemas
from or_jupyter.emulator.images import PARTIALS, SIZE, png


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


def data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def message(*parts: dict) -> list[dict]:
    return [{"type": "message", "role": "user", "content": list(parts)}]


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_the_assistant_tells_the_size_and_type_of_an_image_it_is_sent(emu):
    image = {
        "type": "input_image",
        "detail": "auto",
        "image_url": data_url("image/jpeg", jpeg(320, 200)),
    }
    body = {
        "model": "emulator/assistant",
        "input": message({"type": "input_text", "text": "What is this?"}, image),
    }
    text = text_of(stream(emu.base_url, body))
    assert text.startswith("I see a 320×200 JPEG image")


def test_the_assistant_counts_the_pages_of_a_pdf_it_is_sent(emu):
    pdf = b"%PDF-1.4\n<< /Type /Pages /Count 2 >>\n<< /Type /Page >>\n<< /Type /Page >>\n%%EOF"
    part = {
        "type": "input_file",
        "filename": "two.pdf",
        "file_data": data_url("application/pdf", pdf),
    }
    body = {"model": "emulator/assistant", "input": message(part)}
    answer = post(emu.base_url, body).json()
    assert answer["output"][0]["content"][0]["text"].startswith(
        "I see a PDF with 2 pages (two.pdf)."
    )


def test_a_remote_image_is_named_never_fetched(emu):
    image = {"type": "input_image", "detail": "auto", "image_url": "http://192.0.2.1/cat.png"}
    text = text_of(stream(emu.base_url, {"model": "emulator/assistant", "input": message(image)}))
    assert "http://192.0.2.1/cat.png (not fetched)" in text


def test_the_image_model_streams_partial_images_then_the_final_item_all_valid(emu):
    body = {"model": "emulator/image", "input": "A red boat", "modalities": ["image", "text"]}
    events = stream(emu.base_url, body)
    assert [e for e in events for problem in schema_errors(e)] == []
    kinds = [e["type"] for e in events]
    start = kinds.index("response.output_item.added")
    assert kinds[start : start + 5 + PARTIALS] == [
        "response.output_item.added",
        "response.image_generation_call.in_progress",
        "response.image_generation_call.generating",
        *["response.image_generation_call.partial_image"] * PARTIALS,
        "response.image_generation_call.completed",
        "response.output_item.done",
    ]
    partials = [e for e in events if e["type"].endswith(".partial_image")]
    assert [e["partial_image_index"] for e in partials] == list(range(PARTIALS))
    final = terminal(events)
    assert schemas.problems("OpenResponsesResult", final) == []
    item = final["output"][0]
    assert item["type"] == "image_generation_call" and item["status"] == "completed"
    picture = Image.open(io.BytesIO(base64.b64decode(item["result"])))
    assert (picture.format, picture.size) == ("PNG", SIZE)
    assert "Here is a generated image for: A red boat" in text_of(events)


def test_response_images_hold_exactly_the_bytes_the_emulator_sent(emu):
    body = {"model": "emulator/image", "input": "A green hill"}
    raw = terminal(stream(emu.base_url, body))["output"][0]["result"]
    client = orj.Client(api_key="k", base_url=emu.base_url)
    with client.stream(**body) as streamed:
        for _ in streamed:
            pass
    (image,) = streamed.response.images
    assert image.data == base64.b64decode(raw)
    assert image.to_pil().size == SIZE
    assert client.create(**body).images[0].data == image.data  # not streamed: the same image


def test_the_generated_png_is_deterministic_and_valid_without_pillow_in_the_emulator():
    assert png(42) == png(42) != png(43)
    assert Image.open(io.BytesIO(png(42, size=(10, 7)))).size == (10, 7)


def test_the_catalogue_lists_the_image_model_with_image_output(emu):
    listing = httpx.get(f"{emu.base_url}/models", headers=KEY).json()
    (entry,) = [m for m in listing["data"] if m["id"] == "emulator/image"]
    assert entry["architecture"]["output_modalities"] == ["image", "text"]
    assert "image" in entry["architecture"]["input_modalities"]
    assert schemas.problems("ModelsListResponse", listing) == []


def test_any_model_asked_for_images_draws_one_as_the_image_model_does(emu):
    client = orj.Client(api_key="k", base_url=emu.base_url, max_retries=0)
    asked = client.create(
        model="google/gemini-2.5-flash-image", input="a red square", modalities=["image", "text"]
    )
    plain = client.create(model="google/gemini-2.5-flash-image", input="a red square")
    assert len(asked.images) == 1 and asked.images[0].media_type == "image/png"
    assert plain.images == []
