"""requirements/lock.txt is the one list of versions: pyproject.toml's ranges, Binder and the
environment `make test` built all agree with it (refresh it with `make lock`)."""

from __future__ import annotations

import importlib.metadata
import re
import sys

import tomllib
from helpers import REPO
from packaging.requirements import Requirement

LOCK = REPO / "requirements" / "lock.txt"
# Made by `python -m venv` or the installer, not by the lock.
NOT_LOCKED = {"pip", "setuptools", "wheel", "or-jupyter"}
BINDER_PYTHON = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(path, environment: dict[str, str] | None = None) -> dict[str, str]:
    """{name: version} for the lines of a pip requirements file whose markers fit `environment`."""
    result = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{path.name}: not pinned with ==: {line!r}"
        name = canonical(requirement.name)
        assert name not in result, f"{path.name}: {name} pinned twice for one Python"
        result[name] = spec.version
    return result


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    return [Requirement(line) for line in lines]


def test_every_requirement_of_pyproject_is_locked_within_its_range():
    locked = pinned(LOCK)
    for requirement in declared():
        if requirement.marker and not requirement.marker.evaluate():
            continue
        name = canonical(requirement.name)
        assert name in locked, f"{name} (pyproject.toml) is not in the lock: run make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"the lock pins {name}=={locked[name]}, outside pyproject.toml's {requirement}: "
            "run make lock"
        )


def test_held_back_pins_are_in_the_lock():
    held = pinned(REPO / "requirements" / "pins.in")
    assert held, "requirements/pins.in holds nothing back"
    locked = pinned(LOCK)
    for name, version in held.items():
        assert locked.get(name) == version


def test_the_test_environment_is_exactly_the_lock():
    """What `make test` installed: every package at its locked version, and nothing unlocked
    (a package missing from the lock would have come in at whatever version was newest)."""
    locked = pinned(LOCK)
    installed = {
        canonical(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }
    strays = sorted(set(installed) - set(locked) - NOT_LOCKED)
    assert not strays, f"installed but not locked: {strays} (run make lock)"
    wrong = {
        name: (installed[name], version)
        for name, version in locked.items()
        if name in installed and installed[name] != version
    }
    assert not wrong, f"installed != locked: {wrong} (make test reinstalls from the lock)"
    missing = sorted(set(locked) - set(installed))
    assert not missing, f"locked for this Python but not installed: {missing}"
    assert sys.prefix != sys.base_prefix, "the tests run in make's virtual environment"


def test_binder_installs_the_locked_versions_of_everything_the_tutorials_need():
    binder = pinned(REPO / "binder" / "requirements.txt", BINDER_PYTHON)
    locked = pinned(LOCK, BINDER_PYTHON)
    for name, version in binder.items():
        assert locked.get(name) == version, (
            f"binder pins {name}=={version}, the lock {locked.get(name)}"
        )
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    for line in project["dependencies"] + extras["lab"] + extras["tutorials"]:
        assert canonical(Requirement(line).name) in binder, f"{line} is not installed on Binder"
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{BINDER_PYTHON['python_version']}"
