"""A row's tool loop is the conversation's (chat/loop.py): call ids a provider reuses are made
unique, and a forced tool_choice goes back to "auto" once the call is made."""

from __future__ import annotations

import json

from helpers.scripted_server import Reply, completed_body

import or_jupyter as orj

KEY = "sk-or-v1-row-tool-loop-0123456789"


def call_reply(call_id: str, city: str, rid: str) -> Reply:
    item = {"type": "function_call", "id": f"fc_{rid}", "call_id": call_id,
            "name": "weather", "arguments": f'{{"city": "{city}"}}', "status": "completed"}  # fmt: skip
    done = {"id": rid, "object": "response", "model": "m", "status": "completed",
            "output": [item], "usage": {"input_tokens": 5, "output_tokens": 5, "cost": 0.001}}  # fmt: skip
    return as_json(done)


def as_json(body: dict) -> Reply:
    return Reply(200, json.dumps(body).encode(), content_type="application/json")


def weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_a_row_with_a_forced_tool_and_reused_call_ids_gets_a_valid_history(server):
    server.queue(
        call_reply("call_0", "Lima", "resp_A"),
        call_reply("call_0", "Quito", "resp_B"),  # the provider numbers calls afresh
        as_json(completed_body("Both sunny.")),
    )
    client = orj.AsyncClient(api_key=KEY, base_url=server.base_url)
    (row,) = orj.map(["Lima then Quito"], "{}", tools=[weather], tool_choice="required",
                     client=client, progress=False)  # fmt: skip
    assert row.status == "done" and row.output == "Both sunny.", row.error
    bodies = [seen.json() for seen in server.seen]
    assert [body.get("tool_choice") for body in bodies] == ["required", "auto", "auto"]
    last = bodies[-1]["input"]
    calls = [item["call_id"] for item in last if item["type"] == "function_call"]
    outputs = [item for item in last if item["type"] == "function_call_output"]
    assert calls == ["call_0", "resp_B:call_0"]
    assert [o["call_id"] for o in outputs] == calls
    assert [o["output"] for o in outputs] == ["sunny in Lima", "sunny in Quito"]
    assert len({o["id"] for o in outputs}) == 2
