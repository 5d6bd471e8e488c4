"""Routing, pure: `--provider` text to the spec's `ProviderPreferences`, and reading the metadata."""

from __future__ import annotations

import pytest
from helpers.recordings import spec_validator

from or_jupyter.protocol import (
    PROVIDER_KEYS,
    Accumulator,
    Event,
    Response,
    fallback_models,
    parse_provider,
    response_from_json,
)
from or_jupyter.protocol.routing import attempt_count, served_provider

SPEC_EXAMPLE = {
    "attempt": 1,
    "endpoints": {
        "available": [{"model": "openai/gpt-4o", "provider": "OpenAI", "selected": True}],
        "total": 1,
    },
    "is_byok": False,
    "region": "iad",
    "requested": "openai/gpt-4o",
    "strategy": "direct",
    "summary": "available=1, selected=OpenAI",
}
FELL_BACK = {
    **SPEC_EXAMPLE,
    "strategy": "fallback",
    "attempt": 2,
    "attempts": [
        {"provider": "Anthropic", "model": "anthropic/claude-sonnet-4.5", "status": 429},
        {"provider": "OpenAI", "model": "openai/gpt-4o", "status": 200},
    ],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sort=price", {"sort": "price"}),
        ("sort=throughput,zdr", {"sort": "throughput", "zdr": True}),
        (
            "only=openai|azure, ignore=deepinfra",
            {"only": ["openai", "azure"], "ignore": ["deepinfra"]},
        ),
        (
            "order=anthropic|google-vertex,allow_fallbacks=false",
            {
                "order": ["anthropic", "google-vertex"],
                "allow_fallbacks": False,
            },
        ),
        ("zdr=no,require_parameters", {"zdr": False, "require_parameters": True}),
        (
            "max_price.prompt=1,max_price.completion=2.5",
            {"max_price": {"prompt": "1", "completion": "2.5"}},
        ),
        (
            "data_collection=deny,quantizations=fp8|bf16",
            {
                "data_collection": "deny",
                "quantizations": ["fp8", "bf16"],
            },
        ),
        (
            "preferred_max_latency=2,preferred_min_throughput=50.5",
            {
                "preferred_max_latency": 2,
                "preferred_min_throughput": 50.5,
            },
        ),
        ("", {}),
    ],
)
def test_provider_text_becomes_the_specs_provider_preferences(text, expected):
    provider = parse_provider(text)
    assert provider == expected
    assert list(spec_validator("ProviderPreferences").iter_errors(provider)) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("cheapest", "unknown provider key 'cheapest'; keys: sort, order, only, ignore"),
        ("sort=cheapest", "provider sort must be one of price, throughput, latency, exacto"),
        ("zdr=maybe", "provider zdr must be true or false"),
        ("only=", "provider only needs at least one name"),
        ("only", "provider key only needs a value"),
        ("max_price.prompt=free", "provider max_price.prompt must be a number >= 0"),
        ("max_price.tip=1", "unknown provider key 'max_price.tip'"),
        ("max_price=1", "unknown provider key 'max_price'"),
        ("preferred_max_latency=-1", "must be a number >= 0"),
        ("preferred_max_latency=inf", "must be a number >= 0"),
        ("quantizations=fp8|fp7", "provider quantizations must be one of int4"),
        ("data_collection=sometimes", "must be one of allow, deny"),
    ],
)
def test_bad_provider_text_is_a_one_line_error_naming_what_is_valid(text, says):
    with pytest.raises(ValueError) as caught:
        parse_provider(text)
    message = str(caught.value)
    assert says in message
    assert "\n" not in message


def test_the_unknown_key_message_lists_every_key():
    with pytest.raises(ValueError) as caught:
        parse_provider("bogus=1")
    assert all(key in str(caught.value) for key in PROVIDER_KEYS)


def test_fallback_models_start_with_the_model_and_name_each_once():
    assert fallback_models("a/x", ["b/y", "a/x", "c/z", "b/y"]) == ["a/x", "b/y", "c/z"]


def test_the_specs_example_metadata_names_its_provider_and_one_attempt():
    assert served_provider(SPEC_EXAMPLE) == "OpenAI"
    assert attempt_count(SPEC_EXAMPLE) == 1


def test_a_fallback_counts_every_attempt_and_names_the_provider_that_served():
    assert list(spec_validator("OpenRouterMetadata").iter_errors(FELL_BACK)) == []
    only_attempts = {"attempts": FELL_BACK["attempts"]}
    assert served_provider(only_attempts) == "OpenAI"
    assert attempt_count(only_attempts) == 2
    assert attempt_count(FELL_BACK) == 2


HOSTILE = [
    None,
    "enabled",
    42,
    [],
    ["OpenAI"],
    {},
    {"attempt": "2", "attempts": "many", "endpoints": "all"},
    {"attempt": True, "attempts": [None, 3, "x"], "endpoints": {"available": "OpenAI"}},
    {"attempt": -3, "endpoints": {"available": [{"selected": True, "provider": 7}]}},
    {"endpoints": {"available": [{"selected": "yes", "provider": "OpenAI"}]}},
    {"endpoints": [], "attempts": [{"status": 200, "provider": ""}]},
    {"attempt": 10**30},
]


@pytest.mark.parametrize("metadata", HOSTILE)
def test_wrong_typed_metadata_never_raises_and_names_no_provider(metadata):
    assert served_provider(metadata) is None
    count = attempt_count(metadata)
    assert count is None or (type(count) is int and count > 0)


@pytest.mark.parametrize("metadata", HOSTILE)
def test_a_response_with_hostile_metadata_still_reads(metadata):
    body = {"id": "gen-1", "model": "m/x", "status": "completed", "output": []}
    response = response_from_json({**body, "openrouter_metadata": metadata})
    assert response.provider is None
    assert response.to_dict()["provider"] is None
    stream = Accumulator()
    stream.add(Event("response.completed", {"response": {**body, "openrouter_metadata": metadata}}))
    assert stream.response().status == "completed"
    assert stream.response().provider is None


def test_metadata_from_the_terminal_event_lands_on_the_response():
    stream = Accumulator()
    stream.add(Event("response.created", {"response": {"id": "gen-1", "model": "openai/gpt-4o"}}))
    assert stream.response().openrouter_metadata is None
    final = {"id": "gen-1", "model": "openai/gpt-4o", "openrouter_metadata": FELL_BACK}
    stream.add(Event("response.completed", {"response": final}))
    response = stream.response()
    assert response.openrouter_metadata == FELL_BACK
    assert (response.provider, response.attempts) == ("OpenAI", 2)
    assert response.to_dict()["openrouter_metadata"] == FELL_BACK


def test_a_response_without_metadata_has_no_provider():
    assert (Response().provider, Response().attempts, Response().openrouter_metadata) == (
        None,
        None,
        None,
    )
