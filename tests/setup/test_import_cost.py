"""`import or_jupyter` and `%load_ext or_jupyter` load only what they need: the optional
engines (aiohttp, jsonschema, pandas, Dask, PIL, matplotlib, mcp) and the emulator come with the
feature that uses them. Figures: benchmarks/import_time.py (no time bound here)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import types

import pytest

import or_jupyter

OPTIONAL = [
    "aiohttp",
    "jsonschema",
    "pandas",
    "dask",
    "PIL",
    "matplotlib",
    "mcp",
    "or_jupyter.emulator",
]

LOADED_AFTER = """
import json, sys
{setup}
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(setup: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED_AFTER.format(setup=setup)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))  # after whatever the setup printed


@pytest.mark.slow  # a fresh interpreter
def test_import_loads_no_optional_engine_and_not_even_the_http_stack():
    loaded = modules_after("import or_jupyter")
    assert "or_jupyter" in loaded
    for name in [*OPTIONAL, "httpx", "pydantic", "ipywidgets", "IPython"]:
        assert name not in loaded, f"import or_jupyter loaded {name}"


@pytest.mark.slow  # a fresh interpreter
def test_load_ext_loads_no_optional_engine():
    loaded = modules_after(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'or_jupyter')\n"
        "assert 'responses' in shell.magics_manager.magics['cell']"
    )
    assert "or_jupyter.notebook.magics" in loaded
    for name in OPTIONAL:
        assert name not in loaded, f"%load_ext or_jupyter loaded {name}"


@pytest.mark.slow  # a fresh interpreter
def test_load_ext_registers_without_the_http_widget_and_render_stacks():
    loaded = modules_after(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'or_jupyter')\n"
        "assert 'responses' in shell.magics_manager.magics['line']"
    )
    for name in ["httpx", "ipywidgets", "pydantic", "markdown_it", "or_jupyter.client.clients"]:
        assert name not in loaded, f"%load_ext or_jupyter loaded {name}"


@pytest.mark.slow  # a fresh interpreter
def test_the_first_cell_loads_what_registering_left_out():
    loaded = modules_after(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'or_jupyter')\n"
        "shell.run_line_magic('config', 'Responses.frontend = \"terminal\"')\n"
        "shell.run_line_magic('responses', 'offline on')\n"
        "shell.run_cell_magic('responses', '-m emulator/echo', 'Hi')"
    )
    assert {"httpx", "or_jupyter.client.clients", "or_jupyter.notebook.cell"} <= loaded


@pytest.mark.slow  # a fresh interpreter
def test_using_a_name_loads_its_module():
    loaded = modules_after("import or_jupyter\nor_jupyter.Client")
    assert "or_jupyter.client.clients" in loaded and "httpx" in loaded
    assert "or_jupyter.batch" not in loaded and "aiohttp" not in loaded


def test_every_public_name_resolves_to_what_it_names_even_after_every_submodule_loads():
    for name in or_jupyter.__all__:
        assert getattr(or_jupyter, name) is not None
    for module in pkgutil.walk_packages(or_jupyter.__path__, "or_jupyter."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)  # binds each submodule's name on its package
    for name in or_jupyter.__all__:
        value = getattr(or_jupyter, name)
        assert not isinstance(value, types.ModuleType), f"or_jupyter.{name} is a module"
    assert set(or_jupyter.__all__) <= set(dir(or_jupyter))


def test_an_unknown_name_is_an_attribute_error():
    try:
        or_jupyter.Clinet  # noqa: B018
    except AttributeError as exc:
        assert "Clinet" in str(exc)
    else:
        raise AssertionError("or_jupyter.Clinet resolved")


OFFLINE_CHAT = """
import or_jupyter as orj
from or_jupyter import emulator
with emulator.start() as em:
    client = orj.Client(api_key="k", base_url=em.base_url)
    chat = orj.Conversation(model="emulator/assistant", client=client)
    chat.send("What is 2+2?")
    chat.send("And 3+3?")
    {then}
"""
INVALID = """try:
        client.create(model="emulator/echo", input=[{"type": "message", "content": 5}])
    except orj.BadRequestError as e:
        assert "input[0]" in str(e), str(e)"""


@pytest.mark.slow  # fresh interpreters
def test_an_offline_conversation_loads_no_jsonschema_until_a_request_is_invalid():
    """The emulator's verdicts come from fastjsonschema; jsonschema (seconds to import where
    JupyterLab is installed) only words an error."""
    valid_only = modules_after(OFFLINE_CHAT.format(then="pass"))
    assert {"or_jupyter.emulator.schemas", "fastjsonschema"} <= valid_only
    assert "jsonschema" not in valid_only
    assert "jsonschema" in modules_after(OFFLINE_CHAT.format(then=INVALID))
