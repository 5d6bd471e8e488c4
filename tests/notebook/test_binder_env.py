"""binder/ is enough: a fresh environment built from it alone opens and runs the quickstart.

The slow test does what repo2docker does on mybinder.org, with a virtual environment in
place of the image: `pip install -r binder/requirements.txt` into a brand-new venv, run
`binder/postBuild` from a copy of the repository, then start through `binder/start` (no
key in the environment) and execute notebooks/01-quickstart.ipynb with that venv's nbclient
and kernel. pip's cache is reused between runs; the venv is always new.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

BINDER = REPO / "binder"
BAD_KEY = "sk-or-v1-not-a-real-key"

# Run inside the new venv, through binder/start: execute the quickstart as a visitor would.
RUNNER = r"""
import json, os, sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read("notebooks/01-quickstart.ipynb", as_version=4)
for cell in nb.cells:
    if cell.cell_type == "code":
        cell.outputs = []
nb.cells.append(nbformat.v4.new_code_cell(
    "import sys, ipywidgets, or_jupyter\n"
    "print(sys.executable, ipywidgets.__version__, or_jupyter.__file__, sep='\\n')"))
NotebookClient(nb, timeout=120, kernel_name="python3",
               resources={"metadata": {"path": "notebooks"}}).execute(env=dict(os.environ))
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
print(json.dumps({
    "offline_env": os.environ.get("OR_JUPYTER_OFFLINE"),
    "errors": [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"],
    "stderr": [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"],
    "text": "\n".join(o.get("text", "") + o.get("data", {}).get("text/html", "")
                      + o.get("data", {}).get("text/plain", "") for o in outputs),
}))
"""


def pins() -> dict[str, str]:
    """binder/requirements.txt as {normalised name: version}."""
    result = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"not pinned with ==: {line!r}"
            result[re.sub(r"[-_.]+", "-", name.lower())] = version
    return result


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode:
        noise = re.compile(r"^WARNING: Location .* is ignored")
        tail = "\n".join(
            line for line in (done.stdout + done.stderr).splitlines() if not noise.match(line)
        )[-3000:]
        pytest.fail(f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{tail}")
    return done


def test_requirements_pin_the_front_end_and_every_package_dependency():
    pinned = pins()
    assert pinned["ipywidgets"] == "8.1.8"  # 8.1.9 widgets do not render in VS Code
    assert pinned["jupyterlab"].startswith("4.")
    runtime = [r for r in importlib.metadata.requires("or_jupyter") or [] if "extra ==" not in r]
    assert runtime, "or_jupyter's metadata lists no dependencies"
    for requirement in runtime:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", requirement)[0].lower())
        assert name in pinned, f"{name} (a dependency in pyproject.toml) is not pinned for Binder"
    assert "-e" not in (BINDER / "requirements.txt").read_text().split()


def test_start_goes_offline_only_without_a_key():
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENROUTER_API_KEY", "OR_JUPYTER_OFFLINE")
    }
    without = run(["bash", str(BINDER / "start"), "env"], env=env).stdout
    assert "OR_JUPYTER_OFFLINE=1" in without.splitlines()
    with_key = run(
        ["bash", str(BINDER / "start"), "env"], env={**env, "OPENROUTER_API_KEY": BAD_KEY}
    ).stdout
    assert "OR_JUPYTER_OFFLINE" not in with_key


@pytest.mark.timeout(900)
def test_fresh_binder_environment_runs_the_quickstart(tmp_path):
    checkout = tmp_path / "repo"  # what Binder clones: the package, binder/ and notebooks/
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".ipynb_checkpoints")
    for name in ("or_jupyter", "binder", "notebooks"):
        shutil.copytree(REPO / name, checkout / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, checkout / name)

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    fresh = subprocess.run([str(python), "-c", "import ipywidgets"], capture_output=True)
    assert fresh.returncode != 0, "the new venv should start empty"
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(checkout / "binder" / "requirements.txt"),
        ]
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "OPENROUTER_API_KEY",
            "OR_JUPYTER_OFFLINE",
            "PYTHONPATH",
            "VIRTUAL_ENV",
            "JUPYTER_PATH",
            "JUPYTER_DATA_DIR",
        )
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")
    run(["bash", "binder/postBuild"], cwd=checkout, env=env)

    installed = json.loads(
        run(
            [
                str(python),
                "-c",
                (
                    "import json, importlib.metadata as m; print(json.dumps({d.metadata['Name'].lower()"
                    ".replace('_', '-'): d.version for d in m.distributions()}))"
                ),
            ],
            env=env,
        ).stdout
    )
    for name, version in pins().items():
        assert installed.get(name) == version, f"{name}: {installed.get(name)} != {version}"
    assert installed["or-jupyter"] == "0.1.0"
    extensions = run([str(venv / "bin" / "jupyter"), "labextension", "list"], env=env)
    listing = re.sub(r"\x1b\[[0-9;]*m", "", extensions.stdout + extensions.stderr)
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled OK", listing), listing

    done = run(["bash", "binder/start", str(python), "-c", RUNNER], cwd=checkout, env=env)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["offline_env"] == "1", "binder/start did not switch to offline mode"
    assert report["errors"] == [] and report["stderr"] == []
    text = report["text"]
    assert "offline mode on" in text and "<strong>84</strong>" in text
    assert "<strong>8760</strong>" in text and 'class="orj-footer"' in text
    executable, widgets_version, package = text.strip().splitlines()[-3:]
    assert Path(executable).parent == venv / "bin"
    assert widgets_version == "8.1.8"
    assert Path(package).is_relative_to(venv), f"or_jupyter imported from {package}"
