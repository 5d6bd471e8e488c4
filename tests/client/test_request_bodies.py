"""Request bodies the client sends validate against OpenRouter's `ResponsesRequest` schema."""

from __future__ import annotations

import pytest
from helpers.recordings import recorded, spec_validator
from helpers.scripted_server import Reply, sse

import or_jupyter as orj

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
    "strict": None,
}

HISTORY = [
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
    {
        "type": "function_call",
        "id": "fc_tmp_1",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    },
    {"type": "function_call_output", "id": "fco_1", "call_id": "call_1", "output": '{"temp":21}'},
]

BODIES = {
    "plain text": dict(model="openai/gpt-5-mini", input="Hi"),
    "reasoning shorthand": dict(model="openai/o4-mini", input="Hi", reasoning="high"),
    "reasoning with summary": dict(
        model="openai/o4-mini",
        input="Hi",
        reasoning={"effort": "medium", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    ),
    "tools, named tool_choice": dict(
        model="m/x",
        input="Hi",
        tools=[WEATHER],
        tool_choice="get_weather",
        parallel_tool_calls=True,
    ),
    "tool_choice required": dict(model="m/x", input="Hi", tools=[WEATHER], tool_choice="required"),
    "tool_choice none": dict(model="m/x", input="Hi", tools=[WEATHER], tool_choice="none"),
    "history with tool output": dict(
        model="m/x",
        input=HISTORY,
        tools=[WEATHER],
        instructions="Be brief",
        max_output_tokens=200,
        temperature=0.2,
    ),
    "structured output": dict(
        model="m/x",
        input="Hi",
        text={
            "format": {
                "type": "json_schema",
                "name": "answer",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"a": {"type": "integer"}},
                    "required": ["a"],
                    "additionalProperties": False,
                },
            }
        },
    ),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_sent_body_validates_against_the_spec(server, name):
    server.queue(
        Reply(
            200,
            sse(
                {
                    "type": "response.completed",
                    "response": {"id": "g", "status": "completed", "output": []},
                }
            ),
        )
    )
    orj.Client(api_key="k", base_url=server.base_url).stream(**BODIES[name]).until_done()
    body = server.seen[0].json()
    errors = [e.message[:200] for e in spec_validator("ResponsesRequest").iter_errors(body)]
    assert errors == []
    assert body["stream"] is True and "store" not in body


def test_the_validator_rejects_a_function_call_output_without_id():
    """OpenAI's recorded follow-up omits the id OpenRouter requires: the check is real."""
    _, request, _ = recorded("openai-tool-call-roundtrip.1")
    assert list(spec_validator("ResponsesRequest").iter_errors(request["body"]))


def test_bare_tool_name_becomes_a_forced_function_choice(server):
    server.queue(Reply(200, sse()))
    orj.Client(api_key="k", base_url=server.base_url).stream(
        model="m", input="x", tools=[WEATHER], tool_choice="get_weather"
    ).until_done()
    assert server.seen[0].json()["tool_choice"] == {"type": "function", "name": "get_weather"}
