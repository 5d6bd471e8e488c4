"""Attachments and tables against hostile paths and data: a directory, a FIFO, a device,
a symlink loop or an oversized file is a one-line `AttachmentError` at once (never a hang
or an endless read); table cells are capped and escaped, MultiIndex labels readable."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from helpers.lazy import lazy_module

from or_jupyter.inputs.attachments import MAX_BYTES, AttachmentError, attachment, part_label
from or_jupyter.inputs.datatable import MAX_CELL, markdown_table

pd = lazy_module("pandas")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def attach_in_thread(path: Path) -> BaseException | object:
    """`attachment(path)` in a thread: a hang shows as the thread still running."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(_outcome(path)), daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), f"attaching {path} hung"
    return result[0]


def _outcome(path):
    try:
        return attachment(path)
    except Exception as exc:  # noqa: BLE001 - the test inspects whatever it was
        return exc


def test_a_fifo_named_like_an_image_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    outcome = attach_in_thread(fifo)
    assert isinstance(outcome, AttachmentError) and "not a file" in str(outcome)


def test_dev_zero_is_refused_without_reading_it():
    outcome = attach_in_thread(Path("/dev/zero"))
    assert isinstance(outcome, AttachmentError) and "not a file" in str(outcome)


def test_a_directory_named_like_an_image_is_not_a_file(tmp_path):
    folder = tmp_path / "photos.png"
    folder.mkdir()
    with pytest.raises(AttachmentError, match="photos.png: not a file"):
        attachment(folder)


def test_a_symlink_loop_says_it_cannot_be_read_not_that_nothing_is_there(tmp_path):
    loop = tmp_path / "loop.png"
    loop.symlink_to(loop)
    with pytest.raises(AttachmentError, match="loop.png: cannot be read.*symbolic links"):
        attachment(loop)


def test_a_dangling_symlink_is_no_such_file(tmp_path):
    link = tmp_path / "gone.png"
    link.symlink_to(tmp_path / "missing.png")
    with pytest.raises(AttachmentError, match="gone.png: no such file"):
        attachment(link)


def test_a_file_over_the_limit_is_refused_from_its_size_before_reading(tmp_path):
    sparse = tmp_path / "huge.png"
    with sparse.open("wb") as handle:
        handle.write(PNG_MAGIC)
        handle.truncate(MAX_BYTES * 50)  # 1 GB that takes no disk: only stat can say so
    with pytest.raises(AttachmentError, match="huge.png is 1000 MB: attachments may be"):
        attachment(sparse)


def test_a_file_whose_size_says_zero_is_read_only_up_to_the_limit():
    # /proc files report size 0 yet have content: read, bounded, and typed by content
    with pytest.raises(AttachmentError, match="status is of unknown type"):
        attachment(Path("/proc/self/status"))


def test_truncated_bytes_with_png_magic_are_labelled_without_raising():
    part = attachment(PNG_MAGIC + b"\x00").part()
    assert part["type"] == "input_image"
    assert part_label(part) == "[image: PNG, 9 B]"


def test_a_hostile_non_data_image_url_or_file_name_is_labelled_short_and_printable():
    label = part_label({"type": "input_image", "image_url": "javascript:alert(1)" + "x" * 10_000})
    assert label.startswith("[image: javascript:alert(1)") and len(label) < 100
    name = part_label({"type": "input_file", "filename": "\x1b]0;pwned\x07" + "n" * 500})
    assert "\x1b" not in name and "\x07" not in name and len(name) < 100


def test_a_huge_cell_is_cut_and_the_table_stays_small():
    frame = pd.DataFrame({"text": ["x" * 1_000_000, "short"], "n": [1, 2]})
    table = markdown_table(frame)
    assert len(table) < 3 * MAX_CELL
    assert "x" * (MAX_CELL - 1) + "…" in table and "| short | 2 |" in table


def test_a_huge_column_name_is_cut_too():
    table = markdown_table(pd.DataFrame({"h" * 100_000: [1]}))
    assert len(table) < 3 * MAX_CELL


def test_multiindex_columns_and_rows_are_read_as_joined_levels_escaped():
    columns = pd.MultiIndex.from_tuples([("sales", "q1"), ("sales", "q|2")])
    index = pd.MultiIndex.from_tuples([("north", "a\nb")], names=["region", "shop"])
    table = markdown_table(pd.DataFrame([[1, 2]], columns=columns, index=index))
    lines = table.strip().splitlines()
    assert lines[0] == "| region, shop | sales / q1 | sales / q\\|2 |"
    assert lines[2] == "| north / a<br>b | 1 | 2 |"


def test_cells_with_pipes_newlines_and_html_keep_the_table_shape():
    frame = pd.DataFrame({"c": ["a|b", "line1\r\nline2", "<script>x</script>|\n"]})
    lines = markdown_table(frame).strip().splitlines()
    assert len(lines) == 5  # header, rule, three rows: nothing broke a row
    assert all(line.count(" | ") == 1 for line in lines)
    assert lines[4] == "| 2 | <script>x</script>\\|<br> |"
