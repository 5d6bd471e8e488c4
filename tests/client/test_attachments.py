"""Images, files and DataFrames in prompts: the parts that reach the server, over real HTTP."""

from __future__ import annotations

import base64
import io
import json

import pytest
from helpers.scripted_server import Reply, sse

from or_jupyter import Client, Conversation
from or_jupyter.emulator.images import png
from or_jupyter.inputs.attachments import (
    MAX_BYTES,
    AttachmentError,
    as_input,
    attachment,
    describe_content,
)
from or_jupyter.inputs.datatable import markdown_table

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Count 3 >> endobj\n"
    b"3 0 obj << /Type /Page >> endobj\n4 0 obj << /Type /Page >> endobj\n"
    b"5 0 obj << /Type /Page >> endobj\n%%EOF\n"
)


def completed() -> Reply:
    done = {
        "type": "response.completed",
        "sequence_number": 0,
        "response": {"id": "r1", "status": "completed", "output": []},
    }
    return Reply(body=sse(done))


def answered() -> Reply:
    body = {"id": "r1", "status": "completed", "output": []}
    return Reply(body=json.dumps(body).encode(), content_type="application/json")


def figure():
    """A small matplotlib figure (matplotlib loads here: most tests never need it)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot().plot([1, 2, 3], [3, 1, 2])
    return fig


def decoded(url: str) -> bytes:
    head, _, data = url.partition(",")
    assert head.endswith(";base64")
    return base64.b64decode(data)


def sent_content(server) -> list[dict]:
    (message,) = server.seen[-1].json()["input"]
    assert message["role"] == "user"
    return message["content"]


def test_a_matplotlib_figure_is_an_input_image_part_where_it_stands_in_the_prompt(server):
    server.queue(completed())
    chat = Conversation(model="m", client=Client(api_key="k", base_url=server.base_url))
    chat.send(["Explain this chart:", figure(), "Be brief."])
    content = sent_content(server)
    assert [p["type"] for p in content] == ["input_text", "input_image", "input_text"]
    assert content[0]["text"] == "Explain this chart:"
    assert content[2]["text"] == "Be brief."
    image = content[1]
    assert image["detail"] == "auto"
    assert image["image_url"].startswith("data:image/png;base64,")
    assert decoded(image["image_url"]).startswith(b"\x89PNG\r\n\x1a\n")


def test_a_pil_image_is_sent_as_png_of_its_size(server):
    from PIL import Image

    server.queue(answered())
    picture = Image.new("CMYK", (30, 20), (0, 255, 0, 0))  # a mode PNG cannot hold
    Client(api_key="k", base_url=server.base_url).create(model="m", input=picture)
    (part,) = sent_content(server)
    assert part["type"] == "input_image"
    sent = Image.open(io.BytesIO(decoded(part["image_url"])))
    assert (sent.format, sent.size) == ("PNG", (30, 20))


def test_a_path_to_a_png_and_one_to_a_pdf_become_image_and_file_parts(server, tmp_path):
    server.queue(completed())
    picture, report = tmp_path / "chart.png", tmp_path / "report.pdf"
    picture.write_bytes(png(7, size=(640, 480)))
    report.write_bytes(PDF)
    chat = Conversation(model="m", client=Client(api_key="k", base_url=server.base_url))
    chat.send(["Compare", picture, "with", report])
    content = sent_content(server)
    assert [p["type"] for p in content] == ["input_text", "input_image", "input_text", "input_file"]
    assert decoded(content[1]["image_url"]) == picture.read_bytes()
    assert content[3]["filename"] == "report.pdf"
    assert content[3]["file_data"].startswith("data:application/pdf;base64,")
    assert decoded(content[3]["file_data"]) == PDF


def test_jpeg_bytes_are_an_image_part_typed_by_their_content(server):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buffer, format="JPEG")
    server.queue(answered())
    Client(api_key="k", base_url=server.base_url).create(
        model="m", input=["see", buffer.getvalue()]
    )
    content = sent_content(server)
    assert content[1]["image_url"].startswith("data:image/jpeg;base64,")
    assert decoded(content[1]["image_url"]) == buffer.getvalue()


def test_a_dataframe_in_the_input_is_sent_as_a_markdown_table(server):
    import pandas as pd

    server.queue(answered())
    frame = pd.DataFrame({"city": ["Paris", "Oslo"], "temp": [21, 12]})
    Client(api_key="k", base_url=server.base_url).create(model="m", input=["Summarise", frame])
    (part,) = sent_content(server)
    assert part["type"] == "input_text"
    assert "| city | temp |" in part["text"]
    assert "| 1 | Oslo | 12 |" in part["text"]


def test_plain_strings_and_item_lists_are_sent_as_before(server):
    server.queue(answered(), answered())
    client = Client(api_key="k", base_url=server.base_url)
    client.create(model="m", input="hello")
    assert server.seen[-1].json()["input"] == "hello"
    items = [{"type": "message", "role": "user", "content": "hi"}]
    client.create(model="m", input=items)
    assert server.seen[-1].json()["input"] == items


def test_a_long_dataframe_is_cut_with_a_note_of_what_was_left_out():
    import pandas as pd

    frame = pd.DataFrame({f"c{i}": range(120) for i in range(25)})
    table = markdown_table(frame)
    lines = [line for line in table.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + 50
    assert lines[0].count("|") == 1 + 1 + 20  # the index and 20 columns
    assert "70 more rows and 5 more columns not shown" in table
    assert "120 × 25" in table


def test_table_cells_escape_pipes_and_newlines():
    import pandas as pd

    table = markdown_table(pd.Series(["a|b", "line1\nline2"], name="text"))
    assert "| 0 | a\\|b |" in table
    assert "| 1 | line1<br>line2 |" in table
    assert "note" not in table and "not shown" not in table


def test_a_file_of_unknown_type_is_refused_naming_its_suffix_and_the_allowed_types(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04 not a pdf")
    with pytest.raises(AttachmentError) as caught:
        attachment(path)
    message = str(caught.value)
    assert "notes.docx" in message and ".docx" in message
    assert "PNG, JPEG, GIF or WebP images and PDF files" in message
    assert "\n" not in message


def test_a_file_over_the_limit_is_refused_stating_the_limit_and_its_size(tmp_path):
    path = tmp_path / "huge.png"
    with path.open("wb") as handle:
        handle.write(png(1))
        handle.truncate(MAX_BYTES + 5 * 1024 * 1024)
    with pytest.raises(AttachmentError, match=r"huge.png is 25 MB: .* at most 20 MB"):
        attachment(path)


def test_a_path_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(AttachmentError, match=r"missing.png: no such file"):
        as_input(["look", tmp_path / "missing.png"])


def test_history_names_attachments_instead_of_their_base64(tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(PDF)
    (message,) = as_input(["Read", png(3, size=(640, 480)), path])
    described = describe_content(message["content"])
    assert described == "Read [image: PNG 640×480, 8 KB] [file: r.pdf, 206 B]"
    assert "base64" not in json.dumps(described)


def test_modalities_from_python_reach_the_request_body(server):
    server.queue(completed())
    chat = Conversation(model="m", client=Client(api_key="k", base_url=server.base_url))
    chat.send("Draw a cat", modalities=["image", "text"])
    assert server.seen[-1].json()["modalities"] == ["image", "text"]


def test_paths_and_bytes_that_are_not_images_stay_text_in_a_cell_prompt(tmp_path):
    from or_jupyter.notebook import interpolate

    namespace = {"where": tmp_path / "notes.txt", "blob": b"plain bytes"}
    assert interpolate("See {where} and {blob}", namespace) == (
        f"See {tmp_path / 'notes.txt'} and b'plain bytes'"
    )


def test_to_pil_without_pillow_is_a_clear_import_error(monkeypatch):
    import sys

    from or_jupyter.protocol import decode_image

    image = decode_image(base64.b64encode(png(1)).decode())
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    with pytest.raises(ImportError, match="needs Pillow: pip install pillow"):
        image.to_pil()
    assert image.data == png(1)


def test_a_value_that_is_neither_text_nor_an_attachment_is_a_type_error():
    with pytest.raises(TypeError, match="cannot send a set in a prompt"):
        as_input(["look", {"a set"}])
