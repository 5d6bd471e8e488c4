"""The emulator's streams over real HTTP: schema validity, framing, and each model's behaviour."""

from __future__ import annotations

import json
import re
import socket
import time

import pytest
from helpers.emulator import (
    CLOCK,
    WEATHER,
    calls_of,
    events,
    frames,
    post,
    schema_errors,
    stream,
    terminal,
    text_of,
)

from or_jupyter import emulator
from or_jupyter.emulator import catalogue


@pytest.fixture(scope="module")
def url():
    with emulator.start() as handle:
        yield handle.base_url


TOOL_HISTORY = [
    {"type": "message", "role": "user", "content": "What is the weather in Paris?"},
    {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"location": "Paris", "unit": "celsius"}',
    },
    {
        "type": "function_call_output",
        "id": "fco_1",
        "call_id": "call_1",
        "output": '{"temperature": 21, "sky": "clear"}',
    },
]

CASES = {
    "assistant": {"model": "emulator/assistant", "input": "Hello there"},
    "assistant-reasoning": {
        "model": "emulator/assistant",
        "input": "What is 3*4?",
        "reasoning": {"effort": "high"},
    },
    "assistant-summary": {
        "model": "emulator/assistant",
        "input": "Hi",
        "reasoning": {"effort": "medium", "summary": "detailed"},
        "include": ["reasoning.encrypted_content"],
    },
    "assistant-tools": {
        "model": "emulator/assistant",
        "input": "Use get_weather and get_time",
        "tools": [WEATHER, CLOCK],
        "reasoning": {"effort": "low"},
    },
    "assistant-tool-result": {
        "model": "emulator/assistant",
        "input": TOOL_HISTORY,
        "tools": [WEATHER],
    },
    "catalogue-model": {
        "model": "openai/o4-mini",
        "input": "2+2",
        "reasoning": {"effort": "low"},
        "instructions": "Be brief.",
        "temperature": 0.2,
        "metadata": {"a": "b"},
    },
    "echo": {"model": "emulator/echo", "input": "<b>bold</b> & <script>x</script>"},
    "long": {"model": "emulator/long", "input": "go", "max_output_tokens": 600},
    "incomplete": {"model": "emulator/incomplete", "input": "Tell me a story"},
    "failed": {"model": "emulator/failed", "input": "Tell me a story"},
    "midstream-error": {"model": "emulator/midstream-error", "input": "Tell me a story"},
    "web-search": {
        "model": "emulator/assistant",
        "input": "What is new in streaming?",
        "tools": [{"type": "openrouter:web_search", "parameters": {"max_results": 2}}],
        "reasoning": {"effort": "low"},
    },
    "refuse": {"model": "emulator/refuse", "input": "Help me with something bad"},
}
TERMINAL = {
    "incomplete": "response.incomplete",
    "failed": "response.failed",
    "midstream-error": "error",
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_every_event_validates_against_stream_events(url, case):
    evts = stream(url, CASES[case])
    problems = [problem for event in evts for problem in schema_errors(event)]
    assert problems == []
    assert [e["sequence_number"] for e in evts] == list(range(len(evts)))
    assert evts[0]["type"] == "response.created"
    assert evts[-1]["type"] == TERMINAL.get(case, "response.completed")


def test_framing_is_openrouters(url):
    raw = post(url, {**CASES["assistant"], "stream": True}).content
    assert raw.startswith(b": OPENROUTER PROCESSING\n\n")
    assert raw.endswith(b"\n\ndata: [DONE]\n\n")
    body = frames(raw)[1:]
    assert all(frame.startswith(b"data: ") and b"\n" not in frame for frame in body)
    assert b"\nevent:" not in raw


def test_ids_look_like_openrouters(url):
    evts = stream(url, CASES["assistant-tools"] | {"input": "get_weather please"})
    ids = {e["response"]["id"] for e in evts if "response" in e}
    assert len(ids) == 1 and re.fullmatch(r"gen-\d{10}-[A-Za-z0-9]{20}", ids.pop())
    items = [e["item"] for e in evts if e["type"] == "response.output_item.done"]
    kinds = {item["type"]: item for item in items}
    assert re.fullmatch(r"rs_tmp_[a-z0-9]{11}", kinds["reasoning"]["id"])
    assert re.fullmatch(r"fc_tmp_[a-z0-9]{11}", kinds["function_call"]["id"])
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", kinds["function_call"]["call_id"])
    message = stream(url, CASES["assistant"])[2]["item"]
    assert re.fullmatch(r"msg_tmp_[a-z0-9]{11}", message["id"])


def test_text_events_come_in_canonical_order(url):
    types = [e["type"] for e in stream(url, CASES["assistant"])]
    deltas = types.count("response.output_text.delta")
    assert deltas > 5
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]


def test_final_response_matches_the_deltas_and_has_usage_with_cost(url):
    evts = stream(url, CASES["assistant"])
    final = terminal(evts)
    text = text_of(evts)
    assert final["status"] == "completed"
    assert final["output_text"] == text == final["output"][0]["content"][0]["text"]
    assert isinstance(final["completed_at"], int) and final["completed_at"] >= final["created_at"]
    usage = final["usage"]
    deltas = sum(e["type"] == "response.output_text.delta" for e in evts)
    assert usage["output_tokens"] == deltas
    assert usage["input_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["input_tokens_details"] == {"cached_tokens": 0}
    assert usage["output_tokens_details"] == {"reasoning_tokens": 0}
    price = catalogue.EMULATOR_PRICING
    expected = usage["input_tokens"] * float(price["prompt"]) + deltas * float(price["completion"])
    assert usage["cost"] == pytest.approx(expected)


def test_catalogue_models_are_priced_and_echo_the_request(url):
    final = terminal(stream(url, CASES["catalogue-model"]))
    assert final["model"] == "openai/o4-mini"
    assert final["instructions"] == "Be brief." and final["temperature"] == 0.2
    assert final["metadata"] == {"a": "b"}
    usage = final["usage"]
    assert usage["cost"] == pytest.approx(
        usage["input_tokens"] * 1.1e-6 + usage["output_tokens"] * 4.4e-6
    )


def test_same_request_same_answer(url):
    first, second = stream(url, CASES["assistant-summary"]), stream(url, CASES["assistant-summary"])
    strip = [{k: v for k, v in e.items() if k != "response"} for e in first]
    assert strip == [{k: v for k, v in e.items() if k != "response"} for e in second]
    assert terminal(first)["id"].split("-")[2] == terminal(second)["id"].split("-")[2]
    other = stream(url, CASES["assistant-summary"] | {"input": "Hello"})
    assert text_of(other) != text_of(first) or terminal(other)["id"] != terminal(first)["id"]


def reasoning_text(evts):
    return "".join(e["delta"] for e in evts if e["type"] == "response.reasoning_text.delta")


def test_reasoning_streams_first_and_grows_with_effort(url):
    lengths = []
    for effort in ("minimal", "low", "medium", "high", "xhigh", "max"):
        evts = stream(
            url, {"model": "emulator/assistant", "input": "Hi", "reasoning": {"effort": effort}}
        )
        text = reasoning_text(evts)
        done = next(e for e in evts if e["type"] == "response.reasoning_text.done")
        assert done["text"] == text
        assert evts[2]["item"]["type"] == "reasoning"
        first_message = next(
            i for i, e in enumerate(evts) if e["type"].startswith("response.output_text")
        )
        last_reasoning = max(i for i, e in enumerate(evts) if "reasoning" in e["type"])
        assert last_reasoning < first_message
        final = terminal(evts)
        assert final["output"][0]["content"] == [{"type": "reasoning_text", "text": text}]
        deltas = sum(e["type"] == "response.reasoning_text.delta" for e in evts)
        assert final["usage"]["output_tokens_details"]["reasoning_tokens"] == deltas
        lengths.append(len(text))
    assert lengths == sorted(lengths) and len(set(lengths)) == len(lengths)


def test_no_reasoning_without_effort_or_with_none(url):
    for reasoning in (None, {"effort": "none"}):
        body = {"model": "emulator/assistant", "input": "Hi", "reasoning": reasoning}
        evts = stream(url, body)
        assert not any("reasoning" in e["type"] for e in evts)
        assert [item["type"] for item in terminal(evts)["output"]] == ["message"]


def test_reasoning_enabled_without_effort_reasons(url):
    evts = stream(
        url, {"model": "emulator/assistant", "input": "Hi", "reasoning": {"enabled": True}}
    )
    assert reasoning_text(evts)


@pytest.mark.parametrize("verbosity, parts", [("concise", 1), ("auto", 2), ("detailed", 3)])
def test_reasoning_summary_events(url, verbosity, parts):
    evts = stream(
        url,
        {
            "model": "emulator/assistant",
            "input": "Hi",
            "reasoning": {"effort": "high", "summary": verbosity},
        },
    )
    types = [e["type"] for e in evts]
    assert "response.reasoning_text.delta" not in types
    assert types.count("response.reasoning_summary_part.added") == parts
    assert types.count("response.reasoning_summary_part.done") == parts
    for index in range(parts):
        deltas = "".join(
            e["delta"]
            for e in evts
            if e["type"] == "response.reasoning_summary_text.delta" and e["summary_index"] == index
        )
        done = next(
            e
            for e in evts
            if e["type"] == "response.reasoning_summary_text.done" and e["summary_index"] == index
        )
        assert deltas and done["text"] == deltas and deltas.startswith("**")
    summary = terminal(evts)["output"][0]["summary"]
    assert len(summary) == parts and all(part["type"] == "summary_text" for part in summary)


def test_encrypted_reasoning_only_when_included(url):
    with_blob = terminal(stream(url, CASES["assistant-summary"]))["output"][0]
    without = terminal(stream(url, CASES["assistant-summary"] | {"include": []}))["output"][0]
    assert with_blob["encrypted_content"] and "encrypted_content" not in without


@pytest.mark.parametrize(
    "prompt, value",
    [
        ("What is 10*5?", "50"),
        ("Compute (2 + 3) ^ 2", "25"),
        ("and 7/2?", "3.5"),
        ("12 * 7 - 4", "80"),
        ("2**10", "1024"),
        ("1/0", "undefined (division by zero)"),
    ],
)
def test_arithmetic_is_answered_correctly(url, prompt, value):
    text = text_of(stream(url, {"model": "emulator/assistant", "input": prompt}))
    assert f"**{value}**" in text


def test_several_sums_become_a_list(url):
    text = text_of(stream(url, {"model": "emulator/assistant", "input": "1+1 and 6*7"}))
    assert "- `1+1` = **2**" in text and "- `6*7` = **42**" in text


def test_plain_prompt_gets_a_markdown_answer_saying_it_is_scripted(url):
    text = text_of(stream(url, {"model": "emulator/assistant", "input": "Tell me about Jupyter"}))
    assert text.startswith("### ") and "> Tell me about Jupyter" in text
    assert "scripted" in text and "\n- " in text


HOSTILE = (
    '<img src=x onerror="alert(7)"><script>alert(8)</script>\r\n'
    "tabs\tand  spaces  \n\n```js\nx</code>\n``` é 漢字 🎉 \\u0000 &amp; 'quotes\""
)


def test_echo_is_byte_for_byte(url):
    evts = stream(url, {"model": "emulator/echo", "input": HOSTILE})
    assert text_of(evts) == HOSTILE
    assert terminal(evts)["output_text"] == HOSTILE
    assert len([e for e in evts if e["type"] == "response.output_text.delta"]) > 20


def test_echo_uses_the_last_user_message(url):
    items = [
        {"type": "message", "role": "user", "content": "first"},
        {
            "type": "message",
            "role": "assistant",
            "id": "msg_1",
            "status": "completed",
            "content": [{"type": "output_text", "text": "reply", "annotations": []}],
        },
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "<i>last</i>"}],
        },
        {"type": "message", "role": "system", "content": "not this"},
    ]
    assert text_of(stream(url, {"model": "emulator/echo", "input": items})) == "<i>last</i>"


def test_long_is_long_and_follows_max_output_tokens(url):
    raw = post(
        url, {"model": "emulator/long", "input": "go", "stream": True, "max_output_tokens": 20000}
    ).content
    evts = events(raw)
    text = text_of(evts)
    deltas = sum(e["type"] == "response.output_text.delta" for e in evts)
    assert deltas >= 10_000 and len(text.encode()) >= 50_000
    for marker in ("\n## Section", "\n| --- |", "\n```python\n", "\n- **", "\n1. ", "\n> "):
        assert marker in text
    final = terminal(evts)
    assert final["status"] == "completed" and final["usage"]["output_tokens"] <= 20000
    assert final["output_text"] == text
    sample = evts[:50] + evts[-50:] + evts[::997]
    assert [p for event in sample for p in schema_errors(event, full=False)] == []
    small = text_of(
        stream(url, {"model": "emulator/long", "input": "go", "max_output_tokens": 500})
    )
    assert 500 < len(small) < len(text) / 10


def test_tool_calls_for_every_named_tool_in_order(url):
    evts = stream(
        url,
        {
            "model": "emulator/assistant",
            "tools": [WEATHER, CLOCK],
            "input": "First get_time, then get_weather location=Paris unit=fahrenheit",
        },
    )
    calls = calls_of(evts)
    assert [c["name"] for c in calls] == ["get_time", "get_weather"]
    assert json.loads(calls[0]["arguments"]) == {"zone": "Europe/Paris"}
    assert json.loads(calls[1]["arguments"]) == {"location": "Paris", "unit": "fahrenheit"}
    assert len({c["call_id"] for c in calls}) == 2
    assert not any(e["type"].startswith("response.output_text") for e in evts)
    for call in calls:
        streamed = "".join(
            e["delta"]
            for e in evts
            if e["type"] == "response.function_call_arguments.delta" and e["item_id"] == call["id"]
        )
        assert streamed == call["arguments"]
    assert terminal(evts)["output"] == calls


def test_arguments_fall_back_to_the_schema(url):
    calls = calls_of(
        stream(
            url, {"model": "emulator/assistant", "tools": [WEATHER], "input": "call get_weather"}
        )
    )
    assert json.loads(calls[0]["arguments"]) == {"location": "example", "unit": "celsius"}


def test_parallel_tool_calls_false_makes_one_call(url):
    calls = calls_of(
        stream(
            url,
            {
                "model": "emulator/assistant",
                "tools": [WEATHER, CLOCK],
                "parallel_tool_calls": False,
                "input": "get_weather and get_time",
            },
        )
    )
    assert [c["name"] for c in calls] == ["get_weather"]


def test_forced_tool_choice_calls_that_tool(url):
    calls = calls_of(
        stream(
            url,
            {
                "model": "emulator/assistant",
                "tools": [WEATHER, CLOCK],
                "tool_choice": {"type": "function", "name": "get_time"},
                "input": "What is the weather? get_weather",
            },
        )
    )
    assert [c["name"] for c in calls] == ["get_time"]


def test_required_tool_choice_without_a_name_calls_the_first_tool(url):
    calls = calls_of(
        stream(
            url,
            {
                "model": "emulator/assistant",
                "tools": [CLOCK, WEATHER],
                "tool_choice": "required",
                "input": "Hello",
            },
        )
    )
    assert [c["name"] for c in calls] == ["get_time"]


def test_tool_choice_none_answers_in_text(url):
    evts = stream(
        url,
        {
            "model": "emulator/assistant",
            "tools": [WEATHER],
            "tool_choice": "none",
            "input": "get_weather location=Paris",
        },
    )
    assert calls_of(evts) == [] and text_of(evts)


def test_tool_round_trip_quotes_each_output(url):
    tools = [WEATHER, CLOCK]
    first = stream(
        url,
        {
            "model": "emulator/assistant",
            "tools": tools,
            "input": "get_weather location=Oslo and get_time zone=UTC",
        },
    )
    calls = calls_of(first)
    assert len(calls) == 2
    history = [
        {
            "type": "message",
            "role": "user",
            "content": "get_weather location=Oslo and get_time zone=UTC",
        }
    ]
    outputs = {"get_weather": '{"temperature": -3}', "get_time": "12:00\nUTC"}
    for call in calls:
        history.append({k: call[k] for k in ("type", "id", "call_id", "name", "arguments")})
    for n, call in enumerate(calls):
        history.append(
            {
                "type": "function_call_output",
                "id": f"fco_{n}",
                "call_id": call["call_id"],
                "output": outputs[call["name"]],
            }
        )
    second = stream(url, {"model": "emulator/assistant", "tools": tools, "input": history})
    assert calls_of(second) == []
    text = text_of(second)
    for call in calls:
        assert outputs[call["name"]] in text
        assert call["call_id"] in text and call["name"] in text


def test_max_output_tokens_cuts_the_answer_to_incomplete(url):
    full = stream(url, {"model": "emulator/assistant", "input": "Tell me about Jupyter"})
    cut = stream(
        url,
        {"model": "emulator/assistant", "input": "Tell me about Jupyter", "max_output_tokens": 16},
    )
    assert cut[-1]["type"] == "response.incomplete"
    final = terminal(cut)
    assert final["status"] == "incomplete"
    assert final["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["output"][0]["status"] == "incomplete"
    assert final["usage"]["output_tokens"] == 16
    assert text_of(full).startswith(text_of(cut)) and text_of(cut) != text_of(full)


def test_stream_faults_break_after_half_the_text(url):
    full = text_of(stream(url, {"model": "emulator/assistant", "input": "Tell me a story"}))
    failed = stream(url, CASES["failed"])
    assert full.startswith(text_of(failed)) and 0 < len(text_of(failed)) < len(full)
    final = terminal(failed)
    assert final["status"] == "failed" and final["error"]["code"] == "server_error"
    assert final["output"][0]["status"] == "incomplete"
    error = stream(url, CASES["midstream-error"])[-1]
    assert error["type"] == "error" and error["code"] == "server_error" and error["message"]
    raw = post(url, {**CASES["midstream-error"], "stream": True}).content
    assert raw.endswith(b"data: [DONE]\n\n")
    assert not any(e["type"] == "response.completed" for e in events(raw))


def test_non_streaming_answers_validate(url):
    from or_jupyter.emulator import schemas

    for case in (
        "assistant-reasoning",
        "assistant-tools",
        "echo",
        "incomplete",
        "failed",
        "web-search",
    ):
        response = post(url, CASES[case])
        assert response.status_code == 200
        body = response.json()
        assert schemas.problems("OpenResponsesResult", body) == []
        status = {"incomplete": "incomplete", "failed": "failed"}.get(case, "completed")
        assert body["status"] == status
    echoed = post(url, CASES["echo"]).json()
    assert echoed["output_text"] == CASES["echo"]["input"]
    assert post(url, CASES["midstream-error"]).status_code == 502


def http_chunks(url: str, body: dict, headers: dict[str, str] | None = None) -> list[bytes]:
    """The HTTP chunks of a streamed answer, as the emulator wrote them to the socket."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    payload = json.dumps(body).encode()
    lines = [
        "POST /api/v1/responses HTTP/1.1",
        f"Host: {host}:{port}",
        "Authorization: Bearer k",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall("\r\n".join(lines).encode() + b"\r\n\r\n" + payload)
        received = b"".join(iter(lambda: raw.recv(65536), b""))
    rest = received.split(b"\r\n\r\n", 1)[1]
    chunks = []
    while True:
        size, rest = rest.split(b"\r\n", 1)
        if int(size, 16) == 0:
            return chunks
        chunks.append(rest[: int(size, 16)])
        rest = rest[int(size, 16) + 2 :]


def test_pacing_per_request(url):
    # Paced, the emulator sends each of the 20 deltas in its own chunk, at least 1/50 s apart
    # (a lower bound of its own sleeping); unpaced, it sends them all in one chunk.
    body = {"model": "emulator/echo", "input": " ".join(["word"] * 20), "stream": True}
    started = time.monotonic()
    by_header = http_chunks(url, body, headers={"X-Emulator-TPS": "50"})
    assert time.monotonic() - started >= 0.35
    started = time.monotonic()
    by_metadata = http_chunks(url, {**body, "metadata": {"emulator_tps": "50"}})
    assert time.monotonic() - started >= 0.35
    unpaced = http_chunks(url, body)

    def with_deltas(chunks: list[bytes]) -> list[int]:
        return [
            chunk.count(b'"response.output_text.delta"') for chunk in chunks if b"delta" in chunk
        ]

    assert with_deltas(by_header) == with_deltas(by_metadata) == [1] * 20
    assert with_deltas(unpaced) == [20]


def test_paced_stream_arrives_gradually():
    with emulator.start(tps=40) as handle:
        import httpx

        arrivals = []
        body = {"model": "emulator/echo", "input": "one two three four five six", "stream": True}
        with httpx.stream(
            "POST", f"{handle.base_url}/responses", json=body, headers={"Authorization": "Bearer k"}
        ) as response:
            for chunk in response.iter_raw():
                if b"output_text.delta" in chunk:
                    arrivals.append(time.monotonic())
        assert len(arrivals) >= 4
        assert arrivals[-1] - arrivals[0] >= 0.08


def test_structured_output_follows_the_json_schema(url):
    from jsonschema import Draft202012Validator

    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "city": {"type": "string"},
            "rain": {"type": "boolean"},
            "days": {"type": "array", "items": {"type": "integer"}},
            "unit": {"enum": ["C", "F"]},
        },
        "required": ["city", "rain", "days", "unit"],
    }
    body = {
        "model": "emulator/assistant",
        "input": "Forecast for city=Bergen, rain=yes",
        "text": {
            "format": {"type": "json_schema", "name": "forecast", "schema": schema, "strict": True}
        },
    }
    answer = json.loads(text_of(stream(url, body)))
    assert list(Draft202012Validator(schema).iter_errors(answer)) == []
    assert answer == {"city": "Bergen", "rain": True, "days": [], "unit": "C"}
    plain = json.loads(text_of(stream(url, {**body, "text": {"format": {"type": "json_object"}}})))
    assert plain == {"answer": "Forecast for city=Bergen, rain=yes", "scripted": True}
