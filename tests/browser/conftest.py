"""Fixtures for tests in a real JupyterLab or Notebook 7 driven by Playwright in Debian's Chromium.

- ``jupyter_server`` (session): one Jupyter server on 127.0.0.1 serving both JupyterLab
  (``/lab``) and Notebook 7 (``/notebooks/NAME.ipynb``), isolated in temporary
  config/data/settings/workspace/runtime directories, with the venv's Python as its kernel.
- ``jupyterlab`` (per test): that server seen through one frontend, JupyterLab; a test
  marked ``both_frontends`` runs twice, as ``[lab]`` and ``[notebook7]``.
- ``browser`` (session): headless Chromium from ``/usr/bin/chromium`` (installed by
  ``scripts/install_browser.sh``; Playwright's own browser download cannot work here).
- ``page`` (per test): a fresh browser context and page. When the test fails, a
  screenshot, the page HTML and the browser console go to ``tests/artifacts/``.

Missing Chromium, Playwright, JupyterLab or Notebook 7 make these tests fail (not skip): CI installs
them, so their absence is a broken setup, not an optional feature.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google's hosts, and the
# closed network here refuses them; the rest keep a headless run quiet and deterministic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SERVER_START_TIMEOUT = 60.0

# User settings written into the temporary JUPYTERLAB_SETTINGS_DIR.
LAB_SETTINGS = {
    # No "receive Jupyter news?" toast and no update check (both would go to the internet).
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # Keep every cell attached to the DOM, so cells can be addressed by index.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # The extension manager would query PyPI.
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}


FRONTENDS = ("lab", "notebook7")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: needs Chromium, Playwright and JupyterLab")
    config.addinivalue_line(
        "markers", "both_frontends: run the test in JupyterLab and in Notebook 7"
    )


def pytest_generate_tests(metafunc):
    """A test marked ``both_frontends`` runs once per frontend (``[lab]``, ``[notebook7]``)."""
    if metafunc.definition.get_closest_marker("both_frontends"):
        metafunc.parametrize("jupyterlab", FRONTENDS, indirect=True)


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser (``-m 'not browser'`` leaves them out) and run
    them last: Playwright's sync API keeps an event loop running in the main thread until
    the session ends, which would break every later test that starts a loop of its own."""
    here = Path(__file__).parent
    browser = [item for item in items if here in Path(item.fspath).parents]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if item not in browser] + browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``item.rep_call``), for the ``page`` fixture."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@dataclass
class JupyterLab:
    """A running Jupyter server: base ``url`` (no trailing slash), ``token``, notebook
    ``root`` directory, the server's ``log`` file, and the ``frontend`` the helpers in
    ``helpers/lab.py`` open notebooks in (``"lab"`` or ``"notebook7"``)."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen
    frontend: str = "lab"

    def api(self, method: str, path: str, body: dict | None = None):
        """Call the server's REST API (``path`` like ``/api/sessions``); return parsed JSON."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _require(module: str, hint: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed: {hint}", pytrace=False)


def _write_lab_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        path = settings_dir / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _wait_for_server(process: subprocess.Popen, runtime_dir: Path, token: str, log: Path) -> str:
    """Wait until the server has written its runtime file and answers ``/api/status``.

    The server picks its own free port (``--port=0``, no race with other processes) and
    reports it in ``jpserver-<pid>.json``. Returns the base URL.
    """
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    info_file = runtime_dir / f"jpserver-{process.pid}.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"JupyterLab exited with code {process.returncode}:\n{log.read_text()}",
                pytrace=False,
            )
        if info_file.exists():
            try:
                info = json.loads(info_file.read_text())
                url = f"http://127.0.0.1:{info['port']}"
                request = urllib.request.Request(
                    f"{url}/api/status", headers={"Authorization": f"token {token}"}
                )
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return url
            except (ValueError, KeyError, OSError):
                pass  # file half-written or server not listening yet
        time.sleep(0.1)  # polling another process: no event to wait on
    pytest.fail(f"JupyterLab did not start in {SERVER_START_TIMEOUT:.0f} s:\n{log.read_text()}")


def _stop_server(lab: JupyterLab) -> None:
    """Shut down cleanly through the API (which also stops kernels), then make sure."""
    with contextlib.suppress(OSError, urllib.error.URLError):
        lab.api("POST", "/api/shutdown")
    try:
        lab.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        lab.process.terminate()
        try:
            lab.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            lab.process.kill()
            lab.process.wait()


@pytest.fixture(scope="session")
def jupyter_server():
    """Start one isolated Jupyter server (JupyterLab and Notebook 7) for the session; yield
    a :class:`JupyterLab`."""
    _require("jupyterlab", "pip install jupyterlab (see the test extras)")
    _require("notebook", "pip install notebook (see the test extras)")
    tmp = Path(tempfile.mkdtemp(prefix="orj-lab-"))
    root = tmp / "notebooks"
    dirs = {
        "JUPYTER_CONFIG_DIR": tmp / "config",
        "JUPYTER_DATA_DIR": tmp / "data",
        "JUPYTER_RUNTIME_DIR": tmp / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": tmp / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": tmp / "workspaces",
    }
    for path in [root, *dirs.values()]:
        path.mkdir(parents=True)
    _write_lab_settings(dirs["JUPYTERLAB_SETTINGS_DIR"])

    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update({k: str(v) for k, v in dirs.items()})
    # Kernelspecs and lab extensions are still found under sys.prefix (the venv); the
    # kernelspec's "python" resolves to the venv's Python, first on PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"

    token = secrets.token_hex(16)
    log = tmp / "server.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        # window.jupyterapp: lets helpers run commands and read kernel state robustly.
        "--LabApp.expose_app_in_browser=True",
        "--JupyterNotebookApp.expose_app_in_browser=True",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.terminals_enabled=False",
    ]
    if os.geteuid() == 0:  # CI machines run as root
        command.append("--allow-root")
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    lab = None
    try:
        url = _wait_for_server(process, dirs["JUPYTER_RUNTIME_DIR"], token, log)
        lab = JupyterLab(url=url, token=token, root=root, log=log, process=process)
        yield lab
    finally:
        if lab is not None:
            _stop_server(lab)
        elif process.poll() is None:
            process.kill()
            process.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def jupyterlab(request, jupyter_server):
    """The session's server, with notebooks opened in JupyterLab, or in the frontend the
    test is parametrised with (``both_frontends``)."""
    return dataclasses.replace(jupyter_server, frontend=getattr(request, "param", "lab"))


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (never a Playwright browser download)."""
    _require("playwright", "pip install playwright (see the test extras)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run scripts/install_browser.sh", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(request, browser, jupyterlab):
    """A fresh page per test. On failure, saves ``tests/artifacts/<test>.png``, ``.html``
    and ``.console.txt``. Afterwards, shuts down the kernels the test started."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            _save_artifacts(request.node.name, page, console, jupyterlab)
        context.close()
        _shutdown_sessions(jupyterlab)


def _save_artifacts(test_name: str, page, console: list[str], lab: JupyterLab) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
    try:
        page.screenshot(path=f"{stem}.png", full_page=True)
        Path(f"{stem}.html").write_text(page.content())
    except Exception as error:  # a crashed page must not hide the test's own failure
        console.append(f"(could not save the page: {error})")
    console.append(f"\n--- JupyterLab server log (tail) ---\n{lab.log_tail()}")
    Path(f"{stem}.console.txt").write_text("\n".join(console))


def _shutdown_sessions(lab: JupyterLab) -> None:
    """Stop every kernel session, so each test starts from fresh kernels."""
    try:
        for session in lab.api("GET", "/api/sessions"):
            lab.api("DELETE", f"/api/sessions/{session['id']}")
    except (OSError, urllib.error.URLError):
        pass
