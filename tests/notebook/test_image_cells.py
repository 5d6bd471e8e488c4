"""Images, files and tables in `%%responses` cells, and images out, in a real IPython shell."""

from __future__ import annotations

import base64
import json
import re

import pytest
from helpers.magic_shell import scripted_shell
from helpers.scripted_server import Reply, sse

from or_jupyter.emulator.images import png
from or_jupyter.inputs.attachments import MAX_BYTES

KEY = "sk-or-v1-test-key-images"
IMG = re.compile(r'<img src="(data:image/png;base64,[^"]+)"')


def completed_reply(output=None) -> Reply:
    body = {"id": "r1", "status": "completed", "output": output or []}
    return Reply(200, sse({"type": "response.completed", "sequence_number": 0, "response": body}))


@pytest.fixture
def scripted(monkeypatch, server):
    """A shell whose magics talk to the scripted server (to read the request bodies)."""
    with scripted_shell(monkeypatch, server.base_url, KEY) as shell:
        yield shell


def sent(server) -> dict:
    (seen,) = [s for s in server.seen if s.method == "POST"]
    return seen.json()


def user_content(server) -> list[dict]:
    (message,) = sent(server)["input"]
    return message["content"]


def usage_error(shell, capsys, cell: str) -> str:
    result = shell.run_cell(cell)
    err = capsys.readouterr().err
    assert not result.success
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_a_figure_in_the_prompt_is_an_input_image_part_at_its_place(scripted, server):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1), dpi=40)
    fig.add_subplot().plot([0, 1], [1, 0])
    scripted.user_ns["fig"] = fig
    server.queue(completed_reply())
    scripted.run_cell("%%responses\nWhat does {fig} show? Answer in one line.")
    content = user_content(server)
    assert [p["type"] for p in content] == ["input_text", "input_image", "input_text"]
    assert content[0]["text"] == "What does "
    assert content[2]["text"] == " show? Answer in one line."
    assert content[1]["image_url"].startswith("data:image/png;base64,")
    assert content[1]["detail"] == "auto"


def test_image_and_file_options_attach_variables_and_paths_after_the_text(
    scripted, server, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chart.png").write_bytes(png(5))
    scripted.user_ns["report"] = tmp_path / "report.pdf"
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n<< /Type /Page >>\n%%EOF")
    scripted.user_ns["raw"] = png(6)
    server.queue(completed_reply())
    scripted.run_cell("%%responses --image chart.png,raw --file report\nCompare them.")
    content = user_content(server)
    assert [p["type"] for p in content] == [
        "input_text",
        "input_image",
        "input_image",
        "input_file",
    ]
    assert base64.b64decode(content[1]["image_url"].split(",")[1]) == png(5)
    assert base64.b64decode(content[2]["image_url"].split(",")[1]) == png(6)
    assert content[3]["filename"] == "report.pdf"


def test_a_dataframe_in_the_prompt_is_a_markdown_table_with_a_truncation_note(scripted, server):
    import pandas as pd

    scripted.user_ns["df"] = pd.DataFrame({"n": range(60), "sq": [i * i for i in range(60)]})
    server.queue(completed_reply())
    scripted.run_cell("%%responses\nSummarise:\n{df}")
    prompt = sent(server)["input"][0]["content"]
    assert isinstance(prompt, str)  # text only: sent as before
    assert "|  | n | sq |" in prompt and "| 49 | 49 | 2401 |" in prompt
    assert "| 50 |" not in prompt
    assert "10 more rows not shown" in prompt
    assert "dtype" not in prompt and "DataFrame" not in prompt


def test_an_unknown_file_type_is_a_one_line_error_naming_it(ip, capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    ip.user_ns["notes"] = tmp_path / "notes.txt"
    line = usage_error(ip, capsys, "%%responses --file notes\nRead this.")
    assert "--file notes" in line and ".txt" in line
    assert "PNG, JPEG, GIF or WebP images and PDF files" in line


def test_a_file_over_the_limit_is_a_one_line_error_with_limit_and_size(ip, capsys, tmp_path):
    big = tmp_path / "big.png"
    with big.open("wb") as handle:
        handle.write(png(1))
        handle.truncate(MAX_BYTES + 1024 * 1024)
    ip.user_ns["big"] = big
    line = usage_error(ip, capsys, "%%responses\nLook at {big}")
    assert "big.png is 21 MB" in line and "at most 20 MB" in line


def test_a_missing_path_is_a_one_line_error(ip, capsys):
    line = usage_error(ip, capsys, "%%responses --image /nowhere/chart.png\nDescribe it.")
    assert "/nowhere/chart.png: no such file" in line


def test_the_emulator_says_what_it_sees_and_history_names_the_attachment(ip, capsys, tmp_path):
    (tmp_path / "chart.png").write_bytes(png(2, size=(640, 480)))
    ip.user_ns["chart"] = tmp_path / "chart.png"
    ip.run_cell("%%responses -o r\nWhat is in {chart}?")
    assert "I see a 640×480 PNG image" in ip.user_ns["r"].output_text
    ip.publisher.reset()
    ip.run_cell("%responses history")
    shown = ip.publisher.html()
    assert "[image: PNG 640×480, 8 KB]" in shown
    assert "base64" not in shown


def test_image_out_sends_modalities_image_and_text(scripted, server):
    server.queue(completed_reply())
    scripted.run_cell("%%responses --image-out\nDraw a cat.")
    assert sent(server)["modalities"] == ["image", "text"]


def test_a_generated_image_is_drawn_and_kept_in_the_final_static_html(ip):
    ip.run_cell("%%responses -m emulator/image --image-out -o r\nA sunset.")
    response = ip.user_ns["r"]
    (image,) = response.images
    assert image.media_type == "image/png"
    assert image.to_pil().size == (64, 48)
    final = ip.publisher.outputs()[-1]["text/html"]  # the sealed cell: one static HTML output
    drawn = IMG.findall(final)
    assert len(drawn) == 1
    assert base64.b64decode(drawn[0].split(",", 1)[1]) == image.data
    assert "Here is a generated image" in final


def test_an_image_that_is_not_a_data_image_is_never_drawn(scripted, server):
    svg = base64.b64encode(b"<svg onload=alert(1)></svg>").decode()
    partial = {
        "type": "response.image_generation_call.partial_image",
        "sequence_number": 1,
        "item_id": "ig_1",
        "output_index": 0,
        "partial_image_b64": "javascript:alert(1)",
        "partial_image_index": 0,
    }
    done = {
        "type": "response.output_item.done",
        "sequence_number": 2,
        "output_index": 0,
        "item": {
            "type": "image_generation_call",
            "id": "ig_1",
            "status": "completed",
            "result": svg,
        },
    }
    body = {"id": "r1", "status": "completed", "output": [done["item"]]}
    final = {"type": "response.completed", "sequence_number": 3, "response": body}
    server.queue(Reply(200, sse(partial, done, final)))
    scripted.run_cell("%%responses -o r\nDraw.")
    html = scripted.publisher.html()
    assert "<img" not in html
    assert "javascript:" not in html and "svg" not in html
    assert "not a PNG, JPEG, GIF or WebP: not drawn" in html
    assert scripted.user_ns["r"].images == []
    assert json.dumps(scripted.user_ns["r"].output)  # the item is kept as it came


def test_a_generated_image_is_drawn_when_the_answer_is_not_streamed(ip):
    ip.run_cell("%%responses -m emulator/image --no-stream -o r\nA field.")
    (image,) = ip.user_ns["r"].images
    drawn = IMG.findall(ip.publisher.outputs()[-1]["text/html"])
    assert [base64.b64decode(src.split(",", 1)[1]) for src in drawn] == [image.data]
