"""The tool loop without I/O: requests, calls, outputs and the history it builds, turn by turn."""

from __future__ import annotations

import pytest

from or_jupyter.chat import ToolLoop
from or_jupyter.protocol import response_from_json
from or_jupyter.protocol.items import user_message

PROMPT = [user_message("weather in Lima and Quito?")]


def call(call_id: str, name: str = "get_weather", arguments: str = '{"city": "Lima"}') -> dict:
    return {"type": "function_call", "id": f"fc_{call_id}", "call_id": call_id, "name": name,
            "arguments": arguments, "status": "completed"}  # fmt: skip


def message(text: str) -> dict:
    return {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip


def answer(*output: dict, status: str = "completed", rid: str = "resp_1"):
    return response_from_json({"id": rid, "status": status, "output": list(output)})


def test_an_answer_without_calls_ends_the_loop_after_one_request():
    loop = ToolLoop([], list(PROMPT), {"model": "m"})
    request = loop.next_request()
    assert request == {"model": "m", "input": PROMPT}
    assert loop.receive(answer(message("Sunny."))) == []
    assert loop.next_request() is None and loop.done and not loop.exhausted
    assert [item["type"] for item in loop.turn] == ["message", "message"]


def test_calls_are_answered_with_outputs_that_carry_their_call_id_and_a_unique_id():
    earlier = [user_message("hi"), message("Hello.")]
    loop = ToolLoop(earlier, list(PROMPT), {"model": "m"})
    calls = loop.receive(answer(call("c1"), call("c2", arguments='{"city": "Quito"}')))
    assert [c.call_id for c in calls] == ["c1", "c2"]
    assert loop.next_request() is None, "no request while calls wait for their outputs"
    loop.add_results([("c1", "17 C"), ("c2", "12 C")])
    request = loop.next_request()
    sent = request["input"]
    assert sent[:2] == earlier and sent[2] == PROMPT[0]
    outputs = [item for item in sent if item["type"] == "function_call_output"]
    assert [(o["call_id"], o["output"]) for o in outputs] == [("c1", "17 C"), ("c2", "12 C")]
    assert all(o["id"].startswith("fco_") for o in outputs)
    assert outputs[0]["id"] != outputs[1]["id"]
    calls_sent = [item for item in sent if item["type"] == "function_call"]
    assert [c["id"] for c in calls_sent] == ["fc_c1", "fc_c2"]


@pytest.mark.parametrize(
    ("choice", "after"),
    [
        ("required", "auto"),
        ({"type": "function", "name": "get_weather"}, "auto"),
        ("auto", "auto"),
        ("none", "none"),
    ],  # fmt: skip
)
def test_a_forced_tool_choice_applies_to_the_first_turn_only(choice, after):
    loop = ToolLoop([], list(PROMPT), {"model": "m", "tool_choice": choice})
    assert loop.next_request()["tool_choice"] == choice
    loop.receive(answer(call("c1")))
    loop.add_results([("c1", "17 C")])
    assert loop.next_request()["tool_choice"] == after


def test_a_call_id_a_provider_reuses_is_qualified_with_the_response_id():
    loop = ToolLoop([], list(PROMPT), {"model": "m"})
    loop.receive(answer(call("call_0"), rid="resp_A"))
    loop.add_results([("call_0", "17 C")])
    (second,) = loop.receive(answer(call("call_0", arguments='{"city": "Quito"}'), rid="resp_B"))
    assert second.call_id == "resp_B:call_0"
    loop.add_results([(second.call_id, "12 C")])
    ids = [item["call_id"] for item in loop.turn if item["type"] == "function_call"]
    assert ids == ["call_0", "resp_B:call_0"]
    outputs = [item["call_id"] for item in loop.turn if item["type"] == "function_call_output"]
    assert outputs == ids


def test_max_turns_ends_the_loop_with_every_call_answered():
    loop = ToolLoop([], list(PROMPT), {"model": "m"}, max_turns=2)
    for number in range(2):
        assert loop.next_request() is not None
        loop.receive(answer(call(f"c{number}")))
        loop.add_results([(f"c{number}", "again")])
    assert loop.next_request() is None and loop.exhausted and not loop.done
    assert loop.turn[-1]["type"] == "function_call_output"


def test_a_cancelled_response_keeps_its_messages_and_drops_a_half_made_call():
    loop = ToolLoop([], list(PROMPT), {"model": "m"})
    calls = loop.receive(answer(message("Let me che"), call("c1"), status="cancelled"))
    assert calls == [] and loop.done and not loop.exhausted
    assert [item["type"] for item in loop.turn] == ["message", "message"]
    assert loop.turn[-1]["status"] == "incomplete"


def test_stop_ends_the_loop_after_the_outputs_are_in():
    loop = ToolLoop([], list(PROMPT), {"model": "m"})
    loop.receive(answer(call("c1")))
    loop.add_results([("c1", "cancelled")])
    loop.stop()
    assert loop.next_request() is None and not loop.exhausted
    assert loop.turn[-1]["type"] == "function_call_output"
