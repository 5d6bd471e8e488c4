"""Test helpers: servers on 127.0.0.1, recorded traffic, display capture, hostile inputs."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPO = FIXTURES.parent.parent
