"""Saved notebooks are data from anywhere: a record of wrong types, huge or deeply nested
is a one-line `ValueError`, and `%responses restore` sets only plain names, never a
dunder, a builtin, IPython's own names or a module, and runs nothing."""

from __future__ import annotations

import json

import pytest
from helpers.lazy import lazy_module
from helpers.magic_shell import magic_shell
from IPython.core.error import UsageError

from or_jupyter.notebook.restore import refused_name
from or_jupyter.notebook.saved import METADATA_KEY, responses_in

nbformat = lazy_module("nbformat")

GOOD_RESPONSE = {"id": "r1", "model": "emulator/echo", "status": "completed",
                 "output": [{"type": "message", "id": "m", "role": "assistant",
                             "content": [{"type": "output_text", "text": "{\"a\": 1}"}]}]}  # fmt: skip


def record(**fields):
    base = {"version": 1, "kind": "send", "chat": "default", "models": ["emulator/echo"],
            "responses": [GOOD_RESPONSE], "turns": [[]]}  # fmt: skip
    return {METADATA_KEY: {**base, **fields}}


def notebook(*records):
    nb = nbformat.v4.new_notebook()
    for metadata in records:
        cell = nbformat.v4.new_code_cell("%%responses")
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"text/plain": ""}, metadata=metadata)
        ]
        nb.cells.append(cell)
    return json.loads(nbformat.writes(nb))


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"out": ["a"]}, "out"),
        ({"out": 5}, "out"),
        ({"chat": ["x"]}, "chat"),
        ({"chat": {"a": 1}}, "chat"),
        ({"schema": ["Model"]}, "schema"),
        ({"kind": "exec"}, "kind"),
        ({"models": {"a": 1}}, "models"),
        ({"models": [["a"]]}, "models"),
        ({"responses": "abc"}, "responses"),
        ({"responses": [5]}, "responses"),
        ({"turns": 5}, "turns"),
        ({"turns": [5]}, "turns"),
        ({"turns": [["not an item"]]}, "turns"),
        ({"ends_with_output": "yes"}, "ends_with_output"),
        ({"ends_with_output": [1]}, "ends_with_output"),
        ({"starts_with_prompt": [None]}, "starts_with_prompt"),
        ({"out": ["x" * 1_000_000]}, "out"),
    ],
    ids=lambda v: json.dumps(v)[:30] if isinstance(v, dict) else v,
)
def test_a_record_of_wrong_types_is_a_one_line_error_naming_the_cell_and_field(fields, named):
    with pytest.raises(ValueError, match=f"cell 2: an or_jupyter record whose {named} is not"):
        responses_in(notebook(record(out="fine"), record(**fields)))
    try:
        responses_in(notebook(record(out="fine"), record(**fields)))
    except ValueError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 200


def test_a_huge_version_is_named_briefly():
    with pytest.raises(ValueError, match="version") as caught:
        responses_in(notebook(record(version="9" * 1_000_000)))
    assert len(str(caught.value)) < 200


def test_a_deeply_nested_notebook_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "deep.ipynb"
    path.write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(ValueError, match="nested too deeply"):
        responses_in(path)


def test_deeply_nested_turns_are_a_one_line_error_not_a_recursion_traceback():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    items = [{"type": "message", "role": "user", "content": deep}]
    outputs = [{"metadata": record(turns=[items])}, {"metadata": record(kind="compare")}]
    hostile = {"cells": [{"outputs": outputs}]}  # as loaded by a caller: no JSON round trip
    with pytest.raises(ValueError, match="nested too deeply"):
        responses_in(hostile)


def test_a_notebook_that_is_not_utf8_is_a_one_line_error_naming_the_file(tmp_path):
    path = tmp_path / "latin.ipynb"
    path.write_bytes('{"cells": ["caf\xe9"]}'.encode("latin-1"))
    with pytest.raises(ValueError, match="latin.ipynb: not a notebook"):
        responses_in(path)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("__builtins__", "dunder"),
        ("__class__", "dunder"),
        ("get_ipython", "IPython"),
        ("In", "IPython"),
        ("Out", "IPython"),
        ("exit", "IPython"),
        ("_", "IPython"),
        ("__", "dunder"),
        ("_i3", "IPython"),
        ("_12", "IPython"),
        ("print", "builtin"),
        ("open", "builtin"),
        ("a b", "not a Python name"),
        ("x; import os", "not a Python name"),
        ("class", "not a Python name"),
        ("", "not a Python name"),
    ],
)
def test_names_restore_refuses(name, why):
    assert why in refused_name(name, {})


def test_a_module_in_the_kernel_is_not_overwritten_but_a_plain_name_is():
    import os

    assert "module" in refused_name("os", {"os": os})
    assert refused_name("os", {}) == ""
    assert refused_name("answer", {"answer": 42}) == ""
    assert refused_name("_private", {}) == ""


def test_restore_sets_plain_names_and_skips_hostile_ones_naming_them(monkeypatch, tmp_path, capsys):
    shell = magic_shell(monkeypatch)
    shell.run_cell("import os")
    marker = tmp_path / "ran"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    outs = ["answer", "__builtins__", "get_ipython", "os", "print", code, "_"]
    path = tmp_path / "hostile.ipynb"
    path.write_text(json.dumps(notebook(*(record(out=o, prompt=code, chat=code) for o in outs))))
    before = {n: shell.user_ns.get(n) for n in ("__builtins__", "get_ipython", "os", "_")}
    capsys.readouterr()
    shell.run_line_magic("responses", f"restore {path}")
    printed = capsys.readouterr().out
    assert shell.user_ns["answer"].output_text == '{"a": 1}'
    assert {n: shell.user_ns.get(n) for n in before} == before
    assert "print" not in shell.user_ns
    assert "variables answer;" in printed and "skipped '__builtins__' (a dunder name)" in printed
    assert "skipped 'os' (it holds a module)" in printed and printed.count("\n") == 1
    assert not marker.exists()  # nothing in the notebook ran
    shell.run_cell("import os as again")  # the shell still works
    assert shell.user_ns["again"] is shell.user_ns["os"]


def test_restore_of_a_hostile_record_is_a_usage_error_of_one_line(monkeypatch, tmp_path):
    shell = magic_shell(monkeypatch)
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(notebook(record(out=["x"]))))
    with pytest.raises(UsageError, match="restore: cell 1: an or_jupyter record whose out"):
        shell.run_line_magic("responses", f"restore {path}")
