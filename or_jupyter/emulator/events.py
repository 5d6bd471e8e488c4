"""Turn a ``Plan`` into the event dicts of a Responses stream, shaped like OpenRouter's.

The order is the canonical one: ``response.created``, ``response.in_progress``,
then for each output item ``output_item.added``, its parts and deltas, their
``.done`` events and ``output_item.done``, and finally ``response.completed``
(or ``.incomplete`` / ``.failed``). Every event carries ``sequence_number`` and
validates against the spec's ``StreamEvents`` schema. One deliberate difference
from real traffic: the spec's ``content_part.added`` admits no ``reasoning_text``
part, so reasoning items stream their deltas without content-part events.
"""

from __future__ import annotations

import base64
import json
import random
import string
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import images, tokens, websearch
from .behaviours import Plan
from .request import Request

CACHED_PRICE_SHARE = 0.1  # what a cached input token costs, as a share of the prompt price
TERMINAL_TYPES = ("response.completed", "response.incomplete", "response.failed")

ECHOED_FIELDS = (
    "max_output_tokens",
    "max_tool_calls",
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "instructions",
    "safety_identifier",
    "prompt_cache_key",
    "user",
)


class Ids:
    """OpenRouter-style identifiers drawn from a seeded generator (same request, same ids)."""

    def __init__(self, rng: random.Random):
        self._rng = rng

    def _pick(self, alphabet: str, size: int) -> str:
        return "".join(self._rng.choices(alphabet, k=size))

    def response(self, now: int) -> str:
        return f"gen-{now}-{self._pick(string.ascii_letters + string.digits, 20)}"

    def item(self, kind: str) -> str:
        """``msg_tmp_…``, ``rs_tmp_…`` or ``fc_tmp_…`` for kind ``msg``, ``rs`` or ``fc``."""
        return f"{kind}_tmp_{self._pick(string.ascii_lowercase + string.digits, 11)}"

    def call(self) -> str:
        return f"call_{self._pick(string.ascii_letters + string.digits, 24)}"


@dataclass
class Cut:
    """Where a truncated stream breaks: the server sends only the first half of ``event``."""

    event: dict[str, Any]


@dataclass
class ResponseDraft:
    """The response object while it is being streamed, and the numbering of its events.

    Not the protocol's ``Response``: this is the builder's state, from which
    each lifecycle event takes a snapshot and the terminal event the final object.
    """

    body: dict[str, Any]
    pricing: dict[str, str]
    input_tokens: int
    output: list[dict[str, Any]] = field(default_factory=list)
    sequence: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    searches: int = 0  # web search calls made
    cached_tokens: int = 0  # input tokens read from the emulated prompt cache
    copies: bool = True  # False: snapshots are the body itself (only the last one is kept)

    def event(self, type_: str, **fields: Any) -> dict[str, Any]:
        """The next event of the stream, numbered."""
        event = {"type": type_, **fields, "sequence_number": self.sequence}
        self.sequence += 1
        return event

    def snapshot(self) -> dict[str, Any]:
        """A copy of the response object as it stands, for lifecycle events."""
        return json.loads(json.dumps(self.body)) if self.copies else self.body

    def finish(self, status: str, **fields: Any) -> dict[str, Any]:
        """The response object in a terminal state, with output and usage."""
        self.body.update(
            status=status,
            completed_at=int(time.time()) if status == "completed" else None,
            output=self.output,
            output_text="".join(
                part["text"]
                for item in self.output
                if item["type"] == "message"
                for part in item["content"]
                if part["type"] == "output_text"
            ),
            usage=usage(
                self.input_tokens,
                self.output_tokens,
                self.reasoning_tokens,
                self.pricing,
                self.searches,
                self.cached_tokens,
            ),
            **fields,
        )
        return self.snapshot()


def new_draft(request: Request, ids: Ids, pricing: dict[str, str]) -> ResponseDraft:
    """The response object in progress for a request, before any output."""
    body = request.body
    now = int(time.time())
    reasoning = body.get("reasoning")
    tier = {"fast": "priority"}.get(body.get("service_tier"), body.get("service_tier")) or "auto"
    initial = {
        "object": "response",
        "id": ids.response(now),
        "created_at": now,
        "completed_at": None,
        "status": "in_progress",
        "error": None,
        "output_text": "",
        "output": [],
        "model": request.model,
        "incomplete_details": None,
        **{name: body.get(name) for name in ECHOED_FIELDS},
        # The spec's response `tools` admits no `openrouter:*` server tool: echo the rest.
        "tools": [
            t
            for t in body.get("tools") or []
            if not str(t.get("type", "")).startswith("openrouter:")
        ],
        "tool_choice": body.get("tool_choice", "auto"),
        "parallel_tool_calls": request.parallel_tool_calls,
        "metadata": body.get("metadata") or {},
        "background": False,
        "previous_response_id": None,
        "service_tier": tier,
        "truncation": body.get("truncation") or "disabled",
        "store": False,
        "reasoning": (
            {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")}
            if isinstance(reasoning, dict)
            else None
        ),
        "text": body.get("text") or {"format": {"type": "text"}},
    }
    return ResponseDraft(initial, pricing, input_tokens=request.input_tokens)


def usage(
    input_tokens: int,
    output_tokens: int,
    reasoning_tokens: int,
    pricing: dict[str, str],
    searches: int = 0,
    cached_tokens: int = 0,
) -> dict[str, Any]:
    """OpenRouter's usage object, with ``cost`` in USD from the model's per-token prices
    (and ``websearch.SEARCH_PRICE`` per web search, counted in ``server_tool_use_details``);
    cached input tokens cost a tenth of the prompt price."""
    billed = input_tokens - cached_tokens * (1 - CACHED_PRICE_SHARE)
    input_cost = round(billed * float(pricing.get("prompt", 0)), 12)
    output_cost = round(output_tokens * float(pricing.get("completion", 0)), 12)
    search_cost = searches * websearch.SEARCH_PRICE
    result = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached_tokens},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": input_tokens + output_tokens,
        "cost": round(input_cost + output_cost + search_cost, 12),
        "is_byok": False,
        "cost_details": {
            "upstream_inference_cost": None,
            "upstream_inference_input_cost": input_cost,
            "upstream_inference_output_cost": output_cost,
        },
    }
    if searches:
        result["server_tool_use_details"] = {
            "web_search_requests": searches,
            "tool_calls_requested": searches,
            "tool_calls_executed": searches,
        }
    return result


def stream(
    plan: Plan, draft: ResponseDraft, ids: Ids, encrypted: bool = False
) -> Iterator[dict[str, Any] | Cut]:
    """Every event of the streamed response, ending with its terminal event (or a fault)."""
    yield draft.event("response.created", response=draft.snapshot())
    yield draft.event("response.in_progress", response=draft.snapshot())
    if plan.reasons:
        yield from _reasoning(plan, draft, ids.item("rs"), encrypted)
    for search in plan.searches:
        yield from websearch.search_events(search, draft, ids.item("ws"))
    for item in plan.items:
        yield from _server_item(item, draft, ids.item("st"))
    if plan.refusal is not None:
        yield from _refusal(plan.refusal, draft, ids.item("msg"))
    if plan.image_seed is not None:
        yield from images.generation_events(plan.image_seed, draft, ids.item("ig"))
    if plan.text is not None:
        broken = yield from _message(plan, draft, ids.item("msg"))
        if broken:
            return
    for call in plan.calls:
        yield from _call(call.name, call.arguments, draft, ids)
    if plan.incomplete:
        final = draft.finish("incomplete", incomplete_details={"reason": "max_output_tokens"})
        yield draft.event("response.incomplete", response=final)
    else:
        yield draft.event("response.completed", response=draft.finish("completed"))


def final_response(plan: Plan, draft: ResponseDraft, ids: Ids, encrypted: bool = False) -> dict:
    """The non-streaming answer: the ``response`` object of the stream's terminal event."""
    draft.copies = False  # the events before it are dropped: no need for their snapshots
    (last,) = deque(stream(plan, draft, ids, encrypted), maxlen=1)
    return last["response"]


def _reasoning(plan: Plan, draft: ResponseDraft, item_id: str, encrypted: bool) -> Iterator[dict]:
    index = len(draft.output)
    item: dict[str, Any] = {"type": "reasoning", "id": item_id, "summary": []}
    yield draft.event("response.output_item.added", output_index=index, item=dict(item))
    where = {"output_index": index, "item_id": item_id}
    if plan.summary:
        for number, text in enumerate(plan.summary):
            at = {**where, "summary_index": number}
            empty = {"type": "summary_text", "text": ""}
            yield draft.event("response.reasoning_summary_part.added", **at, part=empty)
            for piece in tokens.split(text):
                yield draft.event("response.reasoning_summary_text.delta", **at, delta=piece)
            yield draft.event("response.reasoning_summary_text.done", **at, text=text)
            part = {"type": "summary_text", "text": text}
            yield draft.event("response.reasoning_summary_part.done", **at, part=part)
            item["summary"].append(part)
        spent = sum(tokens.count(text) for text in plan.summary)
    else:
        at = {**where, "content_index": 0}
        for piece in tokens.split(plan.reasoning):
            yield draft.event("response.reasoning_text.delta", **at, delta=piece)
        yield draft.event("response.reasoning_text.done", **at, text=plan.reasoning)
        item["content"] = [{"type": "reasoning_text", "text": plan.reasoning}]
        spent = tokens.count(plan.reasoning)
    if encrypted:
        secret = json.dumps({"emulator": True, "reasoning": plan.reasoning or plan.summary})
        item["encrypted_content"] = base64.b64encode(secret.encode()).decode()
    draft.output_tokens += spent
    draft.reasoning_tokens += spent
    draft.output.append(item)
    yield draft.event("response.output_item.done", output_index=index, item=item)


def _message(plan: Plan, draft: ResponseDraft, item_id: str) -> Iterator[dict | Cut]:
    """The message item's events; returns True when a fault broke the stream."""
    index = len(draft.output)
    text = plan.text or ""
    added = {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    yield draft.event("response.output_item.added", output_index=index, item=added)
    at = {"output_index": index, "item_id": item_id, "content_index": 0}
    empty = {"type": "output_text", "annotations": [], "text": ""}
    yield draft.event("response.content_part.added", **at, part=empty)
    pieces = tokens.split(text)
    halfway = len(pieces) // 2 if plan.fault else len(pieces)
    for piece in pieces[:halfway]:
        yield draft.event("response.output_text.delta", logprobs=[], **at, delta=piece)
    draft.output_tokens += halfway
    if plan.fault:
        partial = "".join(pieces[:halfway])
        yield from _fault(
            plan.fault,
            draft,
            {
                **added,
                "status": "incomplete",
                "content": [{"type": "output_text", "annotations": [], "text": partial}],
            },
            at,
        )
        return True
    status = "incomplete" if plan.incomplete else "completed"
    for number, annotation in enumerate(plan.annotations):
        yield draft.event(
            "response.output_text.annotation.added",
            **at,
            annotation_index=number,
            annotation=annotation,
        )
    yield draft.event("response.output_text.done", **at, text=text, logprobs=[])
    part = {"type": "output_text", "annotations": list(plan.annotations), "text": text}
    yield draft.event("response.content_part.done", **at, part=part)
    item = {**added, "status": status, "content": [part]}
    draft.output.append(item)
    yield draft.event("response.output_item.done", output_index=index, item=item)
    return False


def _refusal(text: str, draft: ResponseDraft, item_id: str) -> Iterator[dict]:
    """A message whose one part is a refusal, streamed as ``response.refusal.delta``."""
    index = len(draft.output)
    added = {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress"}
    yield draft.event(
        "response.output_item.added", output_index=index, item={**added, "content": []}
    )
    at = {"output_index": index, "item_id": item_id, "content_index": 0}
    yield draft.event("response.content_part.added", **at, part={"type": "refusal", "refusal": ""})
    for piece in tokens.split(text):
        yield draft.event("response.refusal.delta", **at, delta=piece)
    yield draft.event("response.refusal.done", **at, refusal=text)
    part = {"type": "refusal", "refusal": text}
    yield draft.event("response.content_part.done", **at, part=part)
    item = {**added, "status": "completed", "content": [part]}
    draft.output_tokens += tokens.count(text)
    draft.output.append(item)
    yield draft.event("response.output_item.done", output_index=index, item=item)


def _fault(fault: str, draft: ResponseDraft, partial: dict, at: dict) -> Iterator[dict | Cut]:
    if fault == "midstream-error":
        yield draft.event(
            "error",
            code="server_error",
            param=None,
            message="Provider disconnected mid-stream (emulator/midstream-error)",
        )
    elif fault == "failed":
        draft.output.append(partial)
        error = {
            "code": "server_error",
            "message": "The model failed while generating (emulator/failed)",
        }
        yield draft.event("response.failed", response=draft.finish("failed", error=error))
    elif fault == "truncated":
        yield Cut(
            draft.event("response.output_text.delta", logprobs=[], **at, delta=" the rest was lost")
        )


def _call(name: str, arguments: str, draft: ResponseDraft, ids: Ids) -> Iterator[dict]:
    index = len(draft.output)
    item_id = ids.item("fc")
    added = {
        "type": "function_call",
        "id": item_id,
        "call_id": ids.call(),
        "name": name,
        "arguments": "",
        "status": "in_progress",
    }
    yield draft.event("response.output_item.added", output_index=index, item=added)
    at = {"item_id": item_id, "output_index": index}
    for piece in tokens.split(arguments):
        yield draft.event("response.function_call_arguments.delta", **at, delta=piece)
    yield draft.event("response.function_call_arguments.done", **at, name=name, arguments=arguments)
    item = {**added, "arguments": arguments, "status": "completed"}
    draft.output_tokens += tokens.count(arguments)
    draft.output.append(item)
    yield draft.event("response.output_item.done", output_index=index, item=item)


def _server_item(item: dict[str, Any], draft: ResponseDraft, item_id: str) -> Iterator[dict]:
    """A server tool's item: added (in progress), then done as planned."""
    index = len(draft.output)
    done = {**item, "id": item_id}
    added = {**done, "status": "in_progress"} if "status" in item else done
    yield draft.event("response.output_item.added", output_index=index, item=added)
    draft.output.append(done)
    yield draft.event("response.output_item.done", output_index=index, item=done)
