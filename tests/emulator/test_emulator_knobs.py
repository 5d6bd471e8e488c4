"""The emulator's knobs for batch work, over real HTTP: paced models hold back non-streamed
answers as long as their stream would take, and burst models rate-limit their first N requests."""

from __future__ import annotations

import threading
import time

import pytest
from helpers.emulator import post

from or_jupyter import emulator
from or_jupyter.emulator import schemas


@pytest.fixture
def emu():
    with emulator.start() as handle:
        yield handle


def test_a_non_streamed_paced_answer_takes_at_least_ttft_plus_its_tokens_over_tps(emu):
    # Lower bound only: 200 ms to the first token, then 20 tokens at 50 tokens/s = 0.6 s.
    body = {"model": "emulator/pace-50tps-ttft200ms", "input": "hi", "max_output_tokens": 20}
    started = time.monotonic()
    reply = post(emu.base_url, body)
    took = time.monotonic() - started
    assert reply.status_code == 200
    final = reply.json()
    assert final["usage"]["output_tokens"] == 20
    assert final["status"] == "completed"
    assert took >= 0.6 * 0.9


@pytest.mark.slow
def test_a_waiting_paced_answer_does_not_hold_up_other_requests(emu):
    slow = {"model": "emulator/pace-1tps-ttft0ms", "input": "hi", "max_output_tokens": 5}
    outcome = {}

    def send_slow() -> None:
        outcome["slow"] = post(emu.base_url, slow)
        outcome["slow_done"] = time.monotonic()

    thread = threading.Thread(target=send_slow)
    thread.start()
    time.sleep(0.2)
    quick = post(emu.base_url, {"model": "emulator/echo", "input": "meanwhile"})
    quick_done = time.monotonic()
    thread.join(30)
    assert quick.json()["output_text"] == "meanwhile"
    assert outcome["slow"].status_code == 200
    assert quick_done < outcome["slow_done"]  # the echo was answered while the pace waited


def test_a_burst_model_answers_exactly_n_429s_then_like_the_assistant(emu):
    replies = [
        post(emu.base_url, {"model": "emulator/burst-429-3", "input": f"{i}+3"}) for i in range(5)
    ]
    assert [r.status_code for r in replies] == [429, 429, 429, 200, 200]
    for limited in replies[:3]:
        assert limited.headers["Retry-After"] == "1"
        error = limited.json()["error"]
        assert error["code"] == 429
        assert error["metadata"]["provider_name"] == "Emulator"
        assert "emulator/burst-429-3" in error["metadata"]["raw"]
    answer = replies[3].json()
    assert answer["model"] == "emulator/burst-429-3"
    assert answer["output_text"] == "`3+3` = **6**"  # the assistant, on the fourth request
    assert schemas.problems("OpenResponsesResult", answer) == []


def test_burst_counts_are_per_model_id_and_per_server(emu):
    assert post(emu.base_url, {"model": "emulator/burst-429-1", "input": "a"}).status_code == 429
    assert post(emu.base_url, {"model": "emulator/burst-429-2", "input": "a"}).status_code == 429
    assert post(emu.base_url, {"model": "emulator/burst-429-1", "input": "a"}).status_code == 200
    assert post(emu.base_url, {"model": "emulator/burst-429-0", "input": "a"}).status_code == 200
    with emulator.start() as fresh:  # a new server counts from zero
        assert (
            post(fresh.base_url, {"model": "emulator/burst-429-1", "input": "a"}).status_code == 429
        )


def test_a_burst_model_within_its_burst_falls_through_to_the_next_candidate(emu):
    body = {"model": "emulator/burst-429-1", "models": ["emulator/echo"], "input": "fallback"}
    reply = post(emu.base_url, body)
    assert reply.status_code == 200
    assert reply.json()["model"] == "emulator/echo"
    assert post(emu.base_url, {**body, "input": "direct"}).json()["model"] == "emulator/burst-429-1"


def test_a_burst_model_with_too_large_a_burst_is_not_a_model(emu):
    reply = post(emu.base_url, {"model": "emulator/burst-429-99999", "input": "a"})
    assert reply.status_code == 400
    assert "emulator/burst-429-<N>" in reply.json()["error"]["message"]
