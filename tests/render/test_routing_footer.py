"""Footers name the provider that served and the routing attempts, safely."""

from __future__ import annotations

import pytest
from helpers.hostile_html import PAYLOADS, assert_safe

from or_jupyter.protocol import Response
from or_jupyter.render.html import footer
from or_jupyter.render.view import SendStats, View


def served(model, metadata):
    return Response(model=model, status="completed", openrouter_metadata=metadata)


FALLBACK = {
    "attempt": 2,
    "attempts": [
        {"provider": "Anthropic", "model": "anthropic/claude-sonnet-4.5", "status": 429},
        {"provider": "Google Vertex", "model": "google/gemini-2.5-flash", "status": 200},
    ],
}


def test_the_footer_names_the_model_that_served_its_provider_and_attempts():
    view = View()
    view.on_request({"model": "anthropic/claude-sonnet-4.5"})
    view.on_response(served("google/gemini-2.5-flash", FALLBACK))
    assert (view.stats.provider, view.stats.attempts) == ("Google Vertex", 2)
    assert view.stats.footer_text().startswith(
        "google/gemini-2.5-flash · via Google Vertex · 2 attempts"
    )


def test_one_attempt_is_not_mentioned_and_no_metadata_shows_no_provider():
    assert SendStats(model="m/x", provider="OpenAI", attempts=1).footer_text() == "m/x · via OpenAI"
    view = View()
    view.on_response(served("m/x", None))
    assert view.stats.footer_text() == "m/x"


def test_a_later_turn_without_metadata_keeps_the_provider_seen():
    view = View()
    view.on_response(served("m/x", FALLBACK))
    view.on_response(served("m/x", {"attempts": "junk"}))
    assert view.stats.provider == "Google Vertex"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hostile_provider_name_is_escaped_in_the_html_footer(payload):
    metadata = {"endpoints": {"available": [{"provider": payload, "selected": True}]}}
    view = View()
    view.on_response(served("m/x", metadata))
    html = footer(view.stats)
    assert_safe(html)
    assert "via " in html
