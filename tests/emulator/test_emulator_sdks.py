"""Conformance: clients nobody here wrote (the official openai and openrouter SDKs) and our own
`Client` consume every emulator model over real HTTP, and agree on the final result."""

from __future__ import annotations

import json
import sys
from types import ModuleType

import httpx
import pytest
from helpers.emulator import CLOCK, WEATHER, calls_of, stream, terminal, text_of
from helpers.lazy import lazy_module

import or_jupyter as orj
from or_jupyter import emulator

openai = lazy_module("openai")
openrouter = lazy_module("openrouter")
errors = lazy_module("openrouter.errors")
utils = lazy_module("openrouter.utils")

pytestmark = pytest.mark.slow  # every emulator model through three clients: many seconds

HOSTILE = '<img src=x onerror="alert(7)"><script>alert(8)</script> & é 🎉\r\nend'
SCENARIOS = {
    "assistant": {"model": "emulator/assistant", "input": "What is 6*7?"},
    "reasoning": {
        "model": "emulator/assistant",
        "input": "Hello",
        "reasoning": {"effort": "medium"},
    },
    "summary": {
        "model": "emulator/assistant",
        "input": "Hello",
        "reasoning": {"effort": "low", "summary": "auto"},
    },
    "tools": {
        "model": "emulator/assistant",
        "input": "get_weather location=Paris and get_time",
        "tools": [WEATHER, CLOCK],
        "reasoning": {"effort": "low"},
    },
    "echo": {"model": "emulator/echo", "input": HOSTILE},
    "long": {"model": "emulator/long", "input": "go", "max_output_tokens": 800},
    "incomplete": {"model": "emulator/incomplete", "input": "Tell me a story"},
    "failed": {"model": "emulator/failed", "input": "Tell me a story"},
    "midstream-error": {"model": "emulator/midstream-error", "input": "Tell me a story"},
}
COMPLETED = ("assistant", "reasoning", "summary", "tools", "echo", "long")
HTTP_FAULTS = {  # the error each client raises: openai's, openrouter's, ours
    400: ("BadRequestError", "BadRequestResponseError", "BadRequestError"),
    401: ("AuthenticationError", "UnauthorizedResponseError", "AuthenticationError"),
    402: ("APIStatusError", "PaymentRequiredResponseError", "InsufficientCreditsError"),
    403: ("PermissionDeniedError", "ForbiddenResponseError", "PermissionDeniedError"),
    404: ("NotFoundError", "NotFoundResponseError", "NotFoundError"),
    408: ("APIStatusError", "RequestTimeoutResponseError", "RequestTimeoutError"),
    429: ("RateLimitError", "TooManyRequestsResponseError", "RateLimitError"),
    500: ("InternalServerError", "InternalServerResponseError", "ServerError"),
    502: ("InternalServerError", "BadGatewayResponseError", "ServerError"),
    503: ("InternalServerError", "ServiceUnavailableResponseError", "ServerError"),
}


def raised(status: int, client: int) -> type[Exception]:
    """The error class `client` (0 openai, 1 openrouter, 2 or_jupyter) raises for `status`."""
    return getattr((openai, errors, orj)[client], HTTP_FAULTS[status][client])


def no_retry():
    return utils.RetryConfig("none", utils.BackoffStrategy(1, 1, 1.0, 1), False)


@pytest.fixture(scope="module")
def url():
    with emulator.start() as handle:
        yield handle.base_url


@pytest.fixture(scope="module")
def expected(url):
    """What each scenario streams, read with plain httpx (the reference for the SDKs)."""
    return {name: stream(url, body) for name, body in SCENARIOS.items()}


def openai_client(url, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="test-key", **{"max_retries": 0, **kwargs})


def openrouter_client(url, **kwargs) -> openrouter.OpenRouter:
    return openrouter.OpenRouter(
        api_key="test-key", server_url=url, retry_config=no_retry(), **kwargs
    )


def same_id(first: str, second: str) -> bool:
    """Two requests' response ids match apart from the time in them (gen-<unix>-<rand>)."""
    return first.split("-")[2] == second.split("-")[2]


def calls_as_tuples(items) -> list[tuple[str, str, str]]:
    return [(item["name"], item["call_id"], item["arguments"]) for item in items]


# -- the openai SDK -------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCENARIOS)
def test_openai_create_stream_consumes_every_model(url, expected, name):
    evts = list(openai_client(url).responses.create(stream=True, **SCENARIOS[name]))
    reference = expected[name]
    assert [e.type for e in evts] == [e["type"] for e in reference]
    assert [e.sequence_number for e in evts] == list(range(len(reference)))
    deltas = "".join(e.delta for e in evts if e.type == "response.output_text.delta")
    assert deltas == text_of(reference)
    last = evts[-1]
    if name == "midstream-error":
        assert last.type == "error" and last.code == "server_error"
    else:
        assert last.response.status == terminal(reference)["status"]
        assert last.response.output_text == terminal(reference)["output_text"]


@pytest.mark.parametrize("name", COMPLETED)
def test_openai_stream_helper_final_response(url, expected, name):
    with openai_client(url).responses.stream(**SCENARIOS[name]) as events:
        seen = [event.type for event in events]
        final = events.get_final_response()
    reference = terminal(expected[name])
    assert seen[-1] == "response.completed"
    assert same_id(final.id, reference["id"]) and final.status == "completed"
    assert final.output_text == text_of(expected[name])
    calls = [item.to_dict() for item in final.output if item.type == "function_call"]
    assert calls_as_tuples(calls) == calls_as_tuples(calls_of(expected[name]))
    assert final.usage.total_tokens == reference["usage"]["total_tokens"]
    assert (
        final.usage.output_tokens_details.reasoning_tokens
        == (reference["usage"]["output_tokens_details"]["reasoning_tokens"])
    )


def test_openai_sdk_sees_the_echo_byte_for_byte(url):
    final = openai_client(url).responses.create(model="emulator/echo", input=HOSTILE)
    assert final.output_text == HOSTILE


def test_openai_tool_round_trip(url):
    client = openai_client(url)
    first = client.responses.create(
        model="emulator/assistant", tools=[WEATHER], input="get_weather location=Lima unit=celsius"
    )
    call = next(item for item in first.output if item.type == "function_call")
    assert json.loads(call.arguments) == {"location": "Lima", "unit": "celsius"}
    history = [
        {"role": "user", "content": "get_weather location=Lima unit=celsius"},
        call.to_dict(),
        {
            "type": "function_call_output",
            "id": "fco_1",
            "call_id": call.call_id,
            "output": "17 degrees and drizzle",
        },
    ]
    second = client.responses.create(model="emulator/assistant", tools=[WEATHER], input=history)
    assert "17 degrees and drizzle" in second.output_text
    assert not [item for item in second.output if item.type == "function_call"]


def test_openai_truncated_and_stall_raise(url):
    client = openai_client(url, timeout=0.4)  # a plain number: the SDK's HTTP library is its own
    with pytest.raises(openai.APIConnectionError):
        list(client.responses.create(model="emulator/truncated", input="story", stream=True))
    with pytest.raises(openai.APITimeoutError):
        list(client.responses.create(model="emulator/stall", input="hi", stream=True))


@pytest.mark.parametrize("status", HTTP_FAULTS)
def test_openai_fault_models_raise_the_right_error(url, status):
    with pytest.raises(raised(status, 0)) as caught:
        openai_client(url).responses.create(
            model=f"emulator/error-{status}", input="hi", stream=True
        )
    assert caught.value.status_code == status
    assert caught.value.body["code"] == status


def test_openai_retries_flaky_and_succeeds(url):
    client = openai_client(url, max_retries=2)
    final = client.responses.create(model="emulator/flaky", input="flaky via openai")
    assert final.status == "completed" and final.output_text


# -- the openrouter SDK ---------------------------------------------------------------------


@pytest.mark.parametrize("name", SCENARIOS)
def test_openrouter_send_stream_consumes_every_model(url, expected, name):
    evts = list(openrouter_client(url).responses.send(stream=True, **SCENARIOS[name]))
    reference = expected[name]
    assert [e.type for e in evts] == [e["type"] for e in reference]
    deltas = "".join(e.delta for e in evts if e.type == "response.output_text.delta")
    assert deltas == text_of(reference)
    last = evts[-1]
    if name == "midstream-error":
        assert last.type == "error" and last.message
        return
    final = last.response
    assert final.status == terminal(reference)["status"]
    assert same_id(final.id, terminal(reference)["id"])
    calls = [item.model_dump() for item in final.output if item.type == "function_call"]
    assert calls_as_tuples(calls) == calls_as_tuples(calls_of(reference))
    if name in COMPLETED:
        assert final.usage.total_tokens == terminal(reference)["usage"]["total_tokens"]


def test_openrouter_beta_alias_and_non_streaming(url, expected):
    client = openrouter_client(url)
    evts = list(client.beta.responses.send(stream=True, **SCENARIOS["assistant"]))
    assert evts[-1].type == "response.completed"
    whole = client.responses.send(**SCENARIOS["tools"])
    calls = [item.model_dump() for item in whole.output if item.type == "function_call"]
    assert calls_as_tuples(calls) == calls_as_tuples(calls_of(expected["tools"]))


@pytest.mark.parametrize("status", HTTP_FAULTS)
def test_openrouter_fault_models_raise_the_right_error(url, status):
    with pytest.raises(raised(status, 1)) as caught:
        openrouter_client(url).responses.send(
            model=f"emulator/error-{status}", input="hi", stream=True
        )
    assert caught.value.status_code == status


def sdk_http_library(client: openrouter.OpenRouter) -> ModuleType:
    """The HTTP library the openrouter SDK was built on (it lets that library's errors through)."""
    return sys.modules[type(client.sdk_configuration.client).__module__.split(".")[0]]


def test_openrouter_truncated_and_stall_raise(url):
    client = openrouter_client(url, timeout_ms=400)
    http = sdk_http_library(client)
    with pytest.raises(http.RemoteProtocolError):
        list(client.responses.send(model="emulator/truncated", input="story", stream=True))
    with pytest.raises(http.ReadTimeout):
        list(client.responses.send(model="emulator/stall", input="hi", stream=True))


# -- our Client agrees with the openai SDK --------------------------------------------------


def our_client(url, **kwargs) -> orj.Client:
    return orj.Client(api_key="test-key", base_url=url, **{"max_retries": 0, **kwargs})


def agree(ours: orj.Response, theirs: openai.types.responses.Response) -> None:
    """Our `Response` says what the openai SDK's final object says."""
    assert same_id(ours.id, theirs.id) and ours.model == theirs.model
    assert ours.status == theirs.status
    assert ours.output_text == theirs.output_text
    their_calls = [item for item in theirs.output if item.type == "function_call"]
    assert [(c.name, c.call_id, c.id, c.arguments) for c in ours.function_calls] == [
        (c.name, c.call_id, c.id, c.arguments) for c in their_calls
    ]
    their_reasoning = [item for item in theirs.output if item.type == "reasoning"]
    texts = [part.text for item in their_reasoning for part in (item.content or [])]
    texts += [part.text for item in their_reasoning for part in item.summary]
    for text in texts:
        assert text in ours.reasoning_text
    if theirs.usage is not None:
        assert ours.usage["total_tokens"] == theirs.usage.total_tokens
        assert ours.usage["cost"] == pytest.approx(theirs.usage.cost)


@pytest.mark.parametrize("name", (*COMPLETED, "incomplete"))
def test_our_client_stream_agrees_with_openai_sdk(url, name):
    with our_client(url).stream(**SCENARIOS[name]) as events:
        types = [event.type for event in events]
        ours = events.response
    with openai_client(url).responses.stream(**SCENARIOS[name]) as events:
        for event in events:
            last = event
    theirs = events.get_final_response() if name in COMPLETED else last.response
    assert types[-1] == ("response.completed" if name in COMPLETED else "response.incomplete")
    agree(ours, theirs)


@pytest.mark.parametrize("name", COMPLETED)
def test_our_client_create_agrees_with_openai_sdk(url, name):
    ours = our_client(url).create(**SCENARIOS[name])
    theirs = openai_client(url).responses.create(**SCENARIOS[name])
    agree(ours, theirs)


@pytest.mark.parametrize("name", ("failed", "midstream-error"))
def test_our_client_keeps_what_arrived_before_a_stream_fault(url, expected, name):
    with pytest.raises(orj.StreamError) as caught, our_client(url).stream(**SCENARIOS[name]) as s:
        for _ in s:
            pass
    partial = text_of(expected[name])
    assert partial and caught.value.response.output_text == partial
    assert "emulator/" + name in str(caught.value)


def test_our_client_tool_round_trip(url):
    client = our_client(url)
    first = client.create(
        model="emulator/assistant",
        tools=[WEATHER, CLOCK],
        input="get_weather location=Rome unit=celsius and get_time zone=CET",
    )
    calls = first.function_calls
    assert [call.name for call in calls] == ["get_weather", "get_time"]
    history = [
        {
            "type": "message",
            "role": "user",
            "content": "get_weather location=Rome unit=celsius and get_time zone=CET",
        }
    ]
    history += first.output
    outputs = {"get_weather": "28 and sunny", "get_time": "14:05"}
    history += [
        {
            "type": "function_call_output",
            "id": f"fco_{n}",
            "call_id": call.call_id,
            "output": outputs[call.name],
        }
        for n, call in enumerate(calls)
    ]
    with client.stream(model="emulator/assistant", tools=[WEATHER, CLOCK], input=history) as s:
        final = s.until_done()
    assert final.status == "completed" and final.function_calls == []
    for call in calls:
        assert outputs[call.name] in final.output_text and call.call_id in final.output_text


@pytest.mark.parametrize("status", HTTP_FAULTS)
def test_our_client_fault_models_raise_the_right_error(url, status):
    with (
        pytest.raises(raised(status, 2)) as caught,
        our_client(url).stream(model=f"emulator/error-{status}", input="hi") as s,
    ):
        list(s)
    assert caught.value.status_code == status
    if status == 429:
        assert caught.value.retry_after == 1


def test_our_client_truncated_and_stall(url):
    client = our_client(url, timeout=httpx.Timeout(5, read=0.4))
    with (
        pytest.raises(orj.StreamError) as caught,
        client.stream(model="emulator/truncated", input="Tell me a story") as s,
    ):
        list(s)
    assert caught.value.response.output_text
    with (
        pytest.raises(orj.StreamTimeoutError),
        client.stream(model="emulator/stall", input="hi") as s,
    ):
        list(s)


def test_our_client_retries_flaky_and_reads_the_catalogue(url):
    client = our_client(url, max_retries=1)
    assert client.create(model="emulator/flaky", input="flaky via ours").status == "completed"
    ids = [model["id"] for model in client.models()]
    assert "emulator/assistant" in ids and "openai/o4-mini" in ids
