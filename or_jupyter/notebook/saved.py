"""Answers kept in a saved notebook: the record a `%%responses` output carries, read back.

Why: a reopened notebook shows its answers, but the `--out` variables and the
conversations were only in the kernel's memory. The magic stores each cell's final
`Response` (one per model when comparing) as JSON in the metadata of the cell's output,
with the conversation items the cell added; `responses_in` reads a saved notebook and
rebuilds both, reading the file only: no request is sent, no key is needed or kept.

The answer is stored once (record version 2): each response without the fields derived
from others (`output_text`, `provider`) or empty (null), and each turn without the items
that repeat the record's `prompt` (`starts_with_prompt`) or its response's output
(`ends_with_output`), when they are exactly what the reader rebuilds from those; reading
puts all of it back, so `Restored.cells` holds whole records. Version-1 records (every
copy stored) are read as they are.

Version 3 (what is written now) is version 2 with what the reader can put back left
out, since the record goes to the frontend with every answer and a short answer's
record was four times its HTML: fields at their defaults (`kind` "send", `chat`
"default", no `out`, `models` those of the responses, empty `turns`, true
`starts_with_prompt` and `ends_with_output`), a response's `status` when "completed"
and its `usage` details at their defaults or derived (`USAGE_DEFAULTS`, `total_tokens`;
those it lacks are named in `absent`); an
output message of one plain text part as `{"id", "text"}`; and of the routing record
(`openrouter_metadata`) only the provider's name (`provider`).
"""

from __future__ import annotations

import copy
import json
import reprlib
from pathlib import Path
from typing import Any

from ..chat.conversation import DEFAULT_MODEL, Comparison, Conversation, input_items, user_message
from ..protocol import Response, response_from_json
from ..protocol.routing import served_provider

__all__ = ["METADATA_KEY", "Restored", "cell_record", "responses_in"]

METADATA_KEY = "or_jupyter"
VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
DERIVED = ("output_text", "provider")  # Response fields rebuilt from the others on reading
RESPONSE_FIELDS = (*Response().to_dict(), "created_at")  # what a whole record's responses hold
RECORD_DEFAULTS = {"kind": "send", "chat": "default", "new": False, "out": None, "schema": None}
USAGE_DEFAULTS: dict[str, Any] = {  # what usage holds unless it says otherwise
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens_details": {"reasoning_tokens": 0},
    "is_byok": False,
    "cost_details": {"upstream_inference_cost": None},
}
_TEXT_PART = {"type": "output_text", "annotations": []}  # and its "text"
_MESSAGE = {"type": "message", "role": "assistant", "status": "completed"}  # "id", "content"


def cell_record(
    result: Response | Comparison,
    chat: Conversation,
    *,
    name: str,
    prompt: str,
    out: str | None = None,
    new: bool = False,
    schema: str | None = None,
) -> dict[str, Any]:
    """The output metadata for one cell's `result` in conversation `chat` (called `name`).

    `turns` holds, for each response, the items the cell added to its history (for a
    comparison, to each model's branch), so the conversation can be rebuilt cell by cell;
    less the first items where `starts_with_prompt` says they are the prompt's, and the
    last where `ends_with_output` says they are the response's output.
    """
    if isinstance(result, Comparison):
        models = list(result)
        responses = list(result.values())
        turns = [  # a model that failed added nothing to its branch
            [] if model in result.errors else _last_turn(_branch_history(chat, model))
            for model in models
        ]
    else:
        models = [result.model or chat.model]
        responses = [result]
        turns = [_last_turn(chat.history)]
    saved = [_saved_response(r) for r in responses]
    ends = [_ends_with_output(turn, response) for turn, response in zip(turns, saved, strict=True)]
    turns = [turn[: len(turn) - n] for turn, n in zip(turns, ends, strict=True)]
    asked = _prompt_items(prompt)
    starts = [bool(asked) and turn[: len(asked)] == asked for turn in turns]
    turns = [
        turn[len(asked) :] if first else turn for turn, first in zip(turns, starts, strict=True)
    ]
    record = {
        "version": VERSION,
        "kind": "compare" if isinstance(result, Comparison) else "send",
        "chat": name,
        "new": new,
        "out": out,
        "schema": schema,
        "model": models[0] if len(models) == 1 else None,
        "models": models,
        "prompt": prompt,
        "responses": saved,
        "turns": turns,
        "starts_with_prompt": starts,
        "ends_with_output": [bool(n) for n in ends],
    }
    return {METADATA_KEY: _compact(record)}


def _saved_response(response: Response) -> dict[str, Any]:
    data = {**response.to_dict(), "created_at": response.created_at}
    return {k: v for k, v in data.items() if k not in DERIVED and v is not None}


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """A version-2 record as version 3 writes it: less what `_expanded` puts back."""
    saved = record["responses"]
    defaults = {
        **RECORD_DEFAULTS,
        "model": None,
        "models": [r.get("model") for r in saved],
        "turns": [[] for _ in saved],
        "starts_with_prompt": [True] * len(saved),
        "ends_with_output": [True] * len(saved),
    }
    compact = {k: v for k, v in record.items() if k not in defaults or v != defaults[k]}
    compact.pop("model", None)  # the one model's name: models[0]
    return {**compact, "responses": [_compact_response(r) for r in saved]}


def _compact_response(saved: dict[str, Any]) -> dict[str, Any]:
    data = dict(saved)
    if data.get("status") == "completed":
        del data["status"]
    provider = served_provider(data.pop("openrouter_metadata", None))
    if provider is not None:
        data["provider"] = provider
    if isinstance(data.get("usage"), dict):
        data["usage"] = _compact_usage(data["usage"])
    data["output"] = [_compact_item(item) for item in data.get("output") or []]
    return data


def _compact_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Usage less its details at their defaults (`USAGE_DEFAULTS`, one level deep) and
    `total_tokens` when it is the sum; the defaults it lacks are named in `absent`."""
    compact, absent = {}, []
    for key, value in usage.items():
        default = USAGE_DEFAULTS.get(key, ...)
        if isinstance(default, dict) and isinstance(value, dict):
            value = {k: v for k, v in value.items() if default.get(k, ...) != v}
            absent += [f"{key}.{k}" for k in default if k not in usage[key]]
            if value:
                compact[key] = value
        elif value != default:
            compact[key] = value
    absent += [key for key in USAGE_DEFAULTS if key not in usage]
    total = _total(usage)
    if total is not None and usage.get("total_tokens") == total:
        del compact["total_tokens"]
    elif total is not None and "total_tokens" not in usage:
        absent.append("total_tokens")
    return {**compact, "absent": absent} if absent else compact


def _expanded_usage(compact: dict[str, Any]) -> dict[str, Any]:
    absent = compact.get("absent") if isinstance(compact.get("absent"), list) else []
    usage = {k: v for k, v in compact.items() if k != "absent"}
    for key, default in USAGE_DEFAULTS.items():
        if isinstance(default, dict) and isinstance(usage.get(key, {}), dict):
            usage[key] = {**default, **usage.get(key, {})}
            for name in default:
                if f"{key}.{name}" in absent:
                    del usage[key][name]
        elif key not in usage:
            usage[key] = default
    total = _total(usage)
    if "total_tokens" not in usage and total is not None:
        usage["total_tokens"] = total
    return {k: v for k, v in usage.items() if k not in absent}


def _total(usage: dict[str, Any]) -> int | None:
    """Input plus output tokens, when both are counts."""
    pair = usage.get("input_tokens"), usage.get("output_tokens")
    return pair[0] + pair[1] if all(type(n) is int for n in pair) else None  # type: ignore[operator]


def _compact_item(item: Any) -> Any:
    """An output message of one plain text part as `{"id", "text"}`; any other as it is."""
    if not isinstance(item, dict) or set(item) != {*_MESSAGE, "id", "content"}:
        return item
    parts = item["content"]
    if any(item[k] != v for k, v in _MESSAGE.items()) or not isinstance(parts, list):
        return item
    if len(parts) != 1 or not isinstance(parts[0], dict) or set(parts[0]) != {*_TEXT_PART, "text"}:
        return item
    if any(parts[0][k] != v for k, v in _TEXT_PART.items()) or not isinstance(item["id"], str):
        return item
    return {"id": item["id"], "text": parts[0]["text"]}


def _prompt_items(prompt: Any) -> list[dict[str, Any]]:
    """The items a cell's prompt opens its turn with (as `Conversation.send` makes them)."""
    if isinstance(prompt, str):
        return [user_message(prompt)]
    return list(prompt) if _is_list_of(prompt, dict) else []


def _ends_with_output(turn: list[dict[str, Any]], saved: dict[str, Any]) -> int:
    """How many of the turn's last items are the saved response's output as the history
    keeps it, rebuilt exactly on reading (0 when they are not: a message the client gave
    a made-up id, a failed model's empty turn)."""
    items = input_items(response_from_json(saved))
    return len(items) if items and turn[len(turn) - len(items) :] == items else 0


class Restored(dict[str, Any]):
    """`{out name: Response or Comparison}` from a saved notebook, in cell order.

    `chats` maps each conversation's name to its rebuilt `Conversation` (no client yet:
    one is made on its next send); `cells` lists every record found, `--out` or not.
    """

    def __init__(self) -> None:
        super().__init__()
        self.chats: dict[str, Conversation] = {}
        self.cells: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        return f"Restored(outs={list(self)}, chats={list(self.chats)}, cells={len(self.cells)})"


def responses_in(notebook: str | Path | dict[str, Any]) -> Restored:
    """The `--out` values and conversations of a saved notebook (a path or its JSON).

    Raises `ValueError` (one line) for a file that is not a notebook, a record of an
    unknown version (from a newer or_jupyter), or a record whose fields are not of the
    types the magic writes (a hand-made or hostile notebook). Reading never runs anything.
    """
    try:
        return _restored(notebook if isinstance(notebook, dict) else _read(Path(notebook)))
    except RecursionError:
        raise ValueError("not a notebook or_jupyter can read: nested too deeply") from None


def _restored(data: dict[str, Any]) -> Restored:
    restored = Restored()
    histories: dict[str, _History] = {}
    for record in _records(data):
        result = _result(record)
        restored.cells.append(record)
        if record.get("out"):
            restored[record["out"]] = result
        name = record.get("chat") or "default"
        if record.get("new") or name not in histories:
            histories[name] = _History()
        histories[name].add(record)
    restored.chats = {name: history.conversation() for name, history in histories.items()}
    return restored


class _History:
    """A conversation being rebuilt: its model, history and branches, as plain data."""

    def __init__(self) -> None:
        self.model = DEFAULT_MODEL
        self.items: list[dict[str, Any]] = []
        self.branches: dict[str, list[dict[str, Any]]] = {}

    def add(self, record: dict[str, Any]) -> None:
        turns = record.get("turns") or []
        models = record.get("models") or []
        if record.get("kind") == "compare":
            for model, turn in zip(models, turns, strict=False):
                start = self.branches.get(model, copy.deepcopy(self.items))
                self.branches[model] = start + list(turn)
            return
        model = models[0] if models else self.model
        if self.branches:  # a send after a comparison continues that model's branch
            self.items = self.branches.get(model, self.items)
            self.branches = {}
        self.model = model
        self.items = self.items + [item for turn in turns for item in turn]

    def conversation(self) -> Conversation:
        chat = Conversation(model=self.model)
        chat.history = self.items
        for model, items in self.branches.items():
            branch = chat.fork()
            branch.model, branch.history = model, items
            chat.branches[model] = branch
        return chat


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a notebook (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a notebook (not JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError(f"{path}: not a notebook (no list of cells)")
    return data


def _records(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    cells = data.get("cells")
    for number, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        for output in outputs if isinstance(outputs, list) else []:
            metadata = output.get("metadata") if isinstance(output, dict) else None
            record = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
            if not isinstance(record, dict):
                continue
            version = record.get("version")
            if version not in READABLE_VERSIONS or type(version) is not int:
                raise ValueError(
                    f"an or_jupyter record of version {_short(version)} (this version reads "
                    f"{' and '.join(map(str, READABLE_VERSIONS))}): upgrade or_jupyter to read it"
                )
            wrong = _wrong_field(record)
            if wrong:
                raise ValueError(f"cell {number}: an or_jupyter record whose {wrong}")
            found.append(_whole(record))
    return found


def _whole(record: dict[str, Any]) -> dict[str, Any]:
    """A record with what version 2 leaves out put back: empty and derived response fields,
    and the items each turn opens with from the prompt and ends with from the output."""
    if record["version"] == 1:
        return record
    if record["version"] == 3:
        record = _expanded(record)
    responses = [response_from_json(r) for r in record.get("responses") or []]
    asked = _prompt_items(record.get("prompt"))
    starts, ends = record.get("starts_with_prompt") or [], record.get("ends_with_output") or []
    turns = []
    for i, turn in enumerate(record.get("turns") or []):
        first = asked if i < len(starts) and starts[i] else []
        last = input_items(responses[i]) if i < len(ends) and ends[i] and i < len(responses) else []
        turns.append([*first, *turn, *last])
    saved = [
        {
            **dict.fromkeys(RESPONSE_FIELDS),
            **data,
            "output_text": r.output_text,
            "provider": r.provider,
        }
        for data, r in zip(record.get("responses") or [], responses, strict=True)
    ]
    return {**record, "responses": saved, "turns": turns}


def _expanded(record: dict[str, Any]) -> dict[str, Any]:
    """A version-3 record as version 2 wrote it (`_compact` undone)."""
    saved = [_expanded_response(r) for r in record.get("responses") or []]
    whole = {
        **RECORD_DEFAULTS,
        "models": [r.get("model") for r in saved],
        "turns": [[] for _ in saved],
        "starts_with_prompt": [True] * len(saved),
        "ends_with_output": [True] * len(saved),
        **record,
        "responses": saved,
    }
    models = whole["models"]
    return {**whole, "model": models[0] if len(models) == 1 else None}


def _expanded_response(data: dict[str, Any]) -> dict[str, Any]:
    data = {"status": "completed", **data}
    provider = data.pop("provider", None)
    if isinstance(provider, str):
        endpoint = {"provider": provider, "selected": True}
        data.setdefault("openrouter_metadata", {"endpoints": {"available": [endpoint]}})
    if isinstance(data.get("usage"), dict):
        data["usage"] = _expanded_usage(data["usage"])
    output = data.get("output")
    if isinstance(output, list):
        data["output"] = [_expanded_item(item) for item in output]
    return data


def _expanded_item(item: Any) -> Any:
    if not isinstance(item, dict) or "type" in item or set(item) != {"id", "text"}:
        return item
    part = {**_TEXT_PART, "text": item["text"]}
    return {"id": item["id"], **_MESSAGE, "content": [part]}


def _is_list_of(value: Any, kind: type) -> bool:
    return isinstance(value, list) and all(isinstance(v, kind) for v in value)


_FIELDS: dict[str, tuple[Any, str]] = {  # what the magic writes, and how to say it
    "kind": (lambda v: v in ("send", "compare"), '"send" or "compare"'),
    "chat": (lambda v: isinstance(v, str), "a name"),
    "out": (lambda v: isinstance(v, str), "a name"),
    "schema": (lambda v: isinstance(v, str), "a name"),
    "models": (lambda v: _is_list_of(v, str), "a list of model names"),
    "responses": (lambda v: _is_list_of(v, dict), "a list of response objects"),
    "turns": (
        lambda v: isinstance(v, list) and all(_is_list_of(t, dict) for t in v),
        "a list of lists of items",
    ),
    "starts_with_prompt": (lambda v: _is_list_of(v, bool), "a list of true or false"),
    "ends_with_output": (lambda v: _is_list_of(v, bool), "a list of true or false"),
}


def _wrong_field(record: dict[str, Any]) -> str:
    """What is wrong with a record's fields ("" if nothing): absent or null is fine."""
    for name, (good, what) in _FIELDS.items():
        value = record.get(name)
        if value is not None and not good(value):
            return f"{name} is not {what}: {_short(value)}"
    return ""


def _short(value: Any, limit: int = 60) -> str:
    text = reprlib.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _result(record: dict[str, Any]) -> Response | Comparison:
    responses = [response_from_json(r) for r in record.get("responses") or []]
    if record.get("kind") == "compare":
        models = record.get("models") or []
        pairs = dict(zip(models, responses, strict=False))
        return Comparison(pairs, turns={m: [r] for m, r in pairs.items()})
    return responses[0] if responses else Response()


def _last_turn(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of the last turn: from the last user message on (a send starts with one)."""
    for index in range(len(history) - 1, -1, -1):
        item = history[index]
        if item.get("type") == "message" and item.get("role") == "user":
            return history[index:]
    return []


def _branch_history(chat: Conversation, model: str) -> list[dict[str, Any]]:
    branch = chat.branches.get(model)
    return branch.history if branch is not None else []
