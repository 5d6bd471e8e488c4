"""A conversation's size: measured, held to the model's context, trimmed by whole turns.

Over real HTTP on 127.0.0.1: the emulator (whose `emulator/small-context` has a
4,096-token window and answers OpenRouter's context-length error past it) and the
scripted server (to count requests and read the bodies sent).
"""

from __future__ import annotations

import json

import pytest
from helpers.scripted_server import Reply, completed_reply

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat import context_size
from or_jupyter.chat.context_size import (
    Size,
    drop_oldest,
    estimate_tokens,
    history_limit_value,
    whole_turns,
)
from or_jupyter.chat.conversation import Conversation
from or_jupyter.emulator.context import SMALL_CONTEXT, SMALL_CONTEXT_MODEL

SMALL = SMALL_CONTEXT_MODEL


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


class Notes(orj.Observer):
    """Records notices and requests, in order."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    def on_request(self, params):
        self.log.append(("request", params.get("model")))

    def on_notice(self, text):
        self.log.append(("notice", text))

    def notices(self) -> list[str]:
        return [text for kind, text in self.log if kind == "notice"]


def words(count: int, word: str = "lorem") -> str:
    """A prompt of about `count` tokens for the emulator's counting (one per word)."""
    return " ".join([word] * count)


def user(text):
    return {"type": "message", "role": "user", "content": text}


def call(call_id):
    return {
        "type": "function_call",
        "id": call_id,
        "call_id": call_id,
        "name": "f",
        "arguments": "{}",
    }


def output(call_id):
    return {"type": "function_call_output", "id": f"o{call_id}", "call_id": call_id, "output": "1"}


REASONING = {"type": "reasoning", "id": "rs", "summary": [], "encrypted_content": "x"}
ANSWER = {"type": "message", "role": "assistant", "id": "m", "status": "completed", "content": []}


# -- pure: turns, estimates, settings ---------------------------------------------------


def test_whole_turns_start_at_user_messages_and_never_split_calls_or_reasoning():
    history = [
        {"type": "message", "role": "system", "content": "be brief"},  # before any user message
        user("a"),
        REASONING,
        call("1"),
        user("typed while the call was open"),  # not a cut: call 1 has no output yet
        output("1"),
        ANSWER,
        user("b"),
        REASONING,
        user("c follows a reasoning item"),  # not a cut: reasoning goes with what follows
        ANSWER,
        user("d"),
    ]
    turns = whole_turns(history)
    assert [len(t) for t in turns] == [1, 6, 4, 1]
    assert [item for turn in turns for item in turn] == history
    for turn in turns:
        calls = {i["call_id"] for i in turn if i["type"] == "function_call"}
        outputs = {i["call_id"] for i in turn if i["type"] == "function_call_output"}
        assert calls == outputs


def test_drop_oldest_drops_whole_turns_until_the_excess_is_shed():
    history = [user("a"), call("1"), output("1"), ANSWER, user("b"), ANSWER, user("c"), ANSWER]
    kept, dropped = drop_oldest(history, excess=5, size_of=len)
    assert [len(t) for t in dropped] == [4, 2]  # 4 items shed 4 of 5: one more turn goes
    assert kept == [user("c"), ANSWER]
    kept, dropped = drop_oldest(history, excess=0, size_of=len)
    assert (kept, dropped) == (history, [])


def test_an_embedded_image_counts_as_an_image_not_as_its_base64_length():
    image = {"type": "input_image", "image_url": "data:image/png;base64," + "A" * 4_000_000}
    text = {"type": "input_text", "text": "x" * 4_000}
    assert estimate_tokens([image]) < 1_100
    assert 1_000 <= estimate_tokens([text]) < 1_100


@pytest.mark.parametrize(
    ("given", "kept"),
    [(None, None), ("auto", "auto"), (5000, 5000), ("5000", 5000), ("12_000", 12000)],
)
def test_history_limit_takes_tokens_or_auto(given, kept):
    assert history_limit_value(given) == kept


@pytest.mark.parametrize("bad", [0, -3, "lots", 2.5, True, "auto "])
def test_history_limit_refuses_anything_else_in_one_line(bad):
    with pytest.raises(ValueError, match="history_limit must be") as caught:
        history_limit_value(bad)
    assert "\n" not in str(caught.value)
    with pytest.raises(ValueError, match="history_limit must be"):
        Conversation(history_limit=bad)


def test_the_limit_is_80_percent_of_the_context_else_a_byte_limit():
    known = Size(tokens=3300, bytes=1, model="m", context_length=4096)
    assert (known.unit, known.limit, known.over) == ("tokens", 3276, True)
    unknown = Size(tokens=10**9, bytes=100, model="m")
    assert (unknown.unit, unknown.limit, unknown.over) == ("bytes", context_size.BYTE_LIMIT, False)
    chosen = Size(tokens=600, bytes=1, model="m", context_length=4096, history_limit=500)
    assert (chosen.limit, chosen.over) == (500, True)


# -- over HTTP: the emulator's small context ----------------------------------------------


def test_the_emulator_lists_a_small_context_and_refuses_an_input_larger_than_it(emu):
    client = orj.Client(base_url=emu.base_url, api_key="k", max_retries=0)
    entry = client.model_entry(SMALL)
    assert entry is not None and entry["context_length"] == SMALL_CONTEXT
    with pytest.raises(orj.BadRequestError) as caught:
        client.create(model=SMALL, input=words(SMALL_CONTEXT))
    error = caught.value
    assert error.status_code == 400 and "maximum context length is 4096 tokens" in error.message
    assert "%responses reset" in error.hint and "truncation" in error.hint


def test_the_emulator_truncates_the_oldest_items_when_asked(emu):
    client = orj.Client(base_url=emu.base_url, api_key="k", max_retries=0)
    items = [user(words(1500, "old")), user(words(1500, "older")), user(words(1500, "newest"))]
    response = client.create(model=SMALL, input=items, truncation="auto")
    assert response.status == "completed"
    assert 1500 <= response.usage["input_tokens"] <= SMALL_CONTEXT
    with pytest.raises(orj.BadRequestError):
        client.create(model=SMALL, input=items, truncation="disabled")


def test_a_conversation_warns_before_the_request_that_passes_80_percent_of_the_context(emu):
    chat = Conversation(model=SMALL, client=orj.Client(base_url=emu.base_url, api_key="k"))
    notes = Notes()
    chat.send(words(1600), observer=notes)
    assert notes.notices() == []
    chat.send(words(1600), observer=notes)  # about 3,400 tokens in all: past 3,276
    [warning] = notes.notices()
    assert "past 80% of emulator/small-context's 4,096-token context" in warning
    assert "reset()" in warning and "history_limit" in warning and "truncation='auto'" in warning
    assert notes.log.index(("notice", warning)) < len(notes.log) - 1  # before the request
    assert notes.log[-1] == ("request", SMALL)  # and the request went anyway
    assert chat.responses[-1].status == "completed"


def test_size_is_measured_from_the_last_answers_usage(emu):
    chat = Conversation(model=SMALL, client=orj.Client(base_url=emu.base_url, api_key="k"))
    response = chat.send(words(200))
    usage = response.usage
    assert chat.size().tokens == usage["input_tokens"] + usage["output_tokens"]
    assert chat.size(words(100)).tokens > chat.size().tokens


def test_history_limit_auto_drops_the_oldest_whole_turns_with_a_notice(emu):
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    client = orj.Client(base_url=emu.base_url, api_key="k")
    chat = Conversation(model=SMALL, client=client, tools=[add], history_limit="auto")
    notes = Notes()
    chat.send("add a=2 b=3", observer=notes)  # a turn with a call and its output
    assert any(item["type"] == "function_call_output" for item in chat.history)
    for _ in range(4):  # each about 1,000 tokens: the window (4,096) would overflow
        chat.send(words(1000), observer=notes)
    assert all(r.status == "completed" for r in chat.responses)
    dropped = [n for n in notes.notices() if n.startswith("Dropped the")]
    assert dropped and "oldest turn" in dropped[0] and "history_limit=auto" in dropped[0]
    assert not any("may refuse" in n for n in notes.notices())
    first = chat.history[0]
    assert first["type"] == "message" and first["role"] == "user"
    calls = {i["call_id"] for i in chat.history if i["type"] == "function_call"}
    outputs = {i["call_id"] for i in chat.history if i["type"] == "function_call_output"}
    assert calls == outputs
    assert chat.responses[-1].usage["input_tokens"] <= SMALL_CONTEXT


def test_without_a_limit_the_same_conversation_meets_the_providers_context_error(emu):
    chat = Conversation(model=SMALL, client=orj.Client(base_url=emu.base_url, api_key="k"))
    for _ in range(3):
        chat.send(words(1000))
    before = list(chat.history)
    with pytest.raises(orj.BadRequestError) as caught:
        chat.send(words(1000))
    assert "context length" in str(caught.value)
    assert chat.history == before  # a refused request leaves the history as it was


def test_a_token_history_limit_needs_no_catalogue(server):
    measured = {"input_tokens": 450, "output_tokens": 5}
    server.queue(completed_reply("one", usage=measured), completed_reply("two"))
    client = orj.Client(base_url=server.base_url, api_key="k", max_retries=0)
    chat = Conversation(model="some/model", client=client, history_limit=50)
    notes = Notes()
    chat.send(words(300), observer=notes)
    chat.send("short", observer=notes)
    assert [seen.method for seen in server.seen] == ["POST", "POST"]
    assert any(n.startswith("Dropped the 1 oldest turn") for n in notes.notices())
    assert server.seen[-1].json()["input"][0]["content"] == "short"


# -- the catalogue: read once per client, and only when it matters -------------------------


def catalogue(context: int) -> Reply:
    entry = {"id": "big/model", "context_length": context}
    return Reply(200, json.dumps({"data": [entry]}).encode(), content_type="application/json")


def test_a_small_conversation_never_asks_for_the_catalogue(server):
    server.queue(*(completed_reply(f"answer {n}") for n in range(3)))
    chat = Conversation(model="big/model", client=orj.Client(base_url=server.base_url, api_key="k"))
    for n in range(3):
        chat.send(f"question {n}")
    assert [seen.method for seen in server.seen] == ["POST"] * 3


def test_the_catalogue_is_read_once_per_client_however_many_sends(server):
    replies = [
        completed_reply(f"answer {n}", usage={"input_tokens": 5000 * n, "output_tokens": 9})
        for n in range(1, 5)
    ]
    server.queue(catalogue(1_000_000), *replies)
    client = orj.Client(base_url=server.base_url, api_key="k", max_retries=0)
    chat = Conversation(model="big/model", client=client)
    notes = Notes()
    for _ in range(4):
        chat.send(words(4000), observer=notes)
    assert [s.method for s in server.seen] == ["GET", "POST", "POST", "POST", "POST"]
    assert server.seen[0].path.endswith("/models")
    assert notes.notices() == []  # 1,000,000 tokens of context: far from full


def test_a_model_the_catalogue_lacks_is_held_to_the_byte_limit(server, monkeypatch):
    monkeypatch.setattr(context_size, "BYTE_LIMIT", 20_000)
    server.queue(catalogue(1_000_000), completed_reply("ok"))
    client = orj.Client(base_url=server.base_url, api_key="k", max_retries=0)
    chat = Conversation(model="unlisted/model", client=client)
    notes = Notes()
    chat.send(words(4000), observer=notes)  # about 24 KB
    [warning] = notes.notices()
    assert "bytes, past the 20,000-byte limit for a model of unknown context" in warning
    assert chat.size().unit == "bytes"


def test_truncation_is_sent_in_the_request_body(server):
    server.queue(completed_reply("ok"))
    client = orj.Client(base_url=server.base_url, api_key="k", max_retries=0)
    Conversation(model="some/model", client=client, truncation="auto").send("hi")
    assert server.seen[-1].json()["truncation"] == "auto"


def test_with_truncation_auto_no_warning_is_given(emu):
    client = orj.Client(base_url=emu.base_url, api_key="k")
    chat = Conversation(model=SMALL, client=client, truncation="auto")
    notes = Notes()
    for _ in range(5):
        chat.send(words(1000), observer=notes)
    assert notes.notices() == []
    assert all(r.status == "completed" for r in chat.responses)
    assert chat.responses[-1].usage["input_tokens"] <= SMALL_CONTEXT


def test_history_limit_survives_save_and_load(tmp_path):
    chat = Conversation(model="m/x", history_limit=12_000)
    chat.save(tmp_path / "chat.json")
    assert Conversation.load(tmp_path / "chat.json").history_limit == 12_000


@pytest.mark.anyio
async def test_the_async_client_reads_the_catalogue_once_too(server):
    server.queue(catalogue(2048))
    async with orj.AsyncClient(base_url=server.base_url, api_key="k", max_retries=0) as client:
        first = await client.model_entry("big/model")
        again = await client.model_entry("big/model:online")  # a variant: its base model
        missing = await client.model_entry("other/model")
    assert first == again == {"id": "big/model", "context_length": 2048}
    assert missing is None
    assert [s.method for s in server.seen] == ["GET"]


def test_a_413_from_the_server_names_the_remedies_and_keeps_the_history():
    with emulator.start(max_body=40_000) as small:
        chat = Conversation(
            model="emulator/assistant", client=orj.Client(base_url=small.base_url, api_key="k")
        )
        chat.send(words(2500))  # about 15 KB
        chat.send(words(2500))
        before = list(chat.history)
        with pytest.raises(orj.BadRequestError) as caught:
            chat.send(words(2500))  # the body passes 40,000 bytes
    error = caught.value
    assert error.status_code == 413
    assert "%responses reset" in error.hint and "`-n`" in error.hint and "truncation" in error.hint
    assert chat.history == before


def test_the_size_bookkeeping_adds_up_to_a_full_count(emu):
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    chat = Conversation(
        model=SMALL, client=orj.Client(base_url=emu.base_url, api_key="k"), tools=[add]
    )
    chat.send("add a=1 b=2")  # two answers in one send: the call, then the text
    chat.send(words(50))
    chat.send("add a=3 b=4")
    measured = chat._measured
    assert measured is not None and measured.count == len(chat.history)
    assert measured.estimate == context_size.estimate_each(chat.history)
