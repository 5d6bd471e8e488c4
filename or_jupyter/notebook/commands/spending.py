"""`%responses usage`, `credits` and `generation ID`: what this kernel spent, what the
account has left, and one generation's stats. The budget is a setting (`config budget=`)."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from ...client import ledger
from ...protocol import APIError, AuthenticationError, PermissionDeniedError
from ..session import Session
from ..tables import show_table

__all__ = ["credits", "generation", "set_budget", "usage"]

COSTLIEST = 10  # cells shown in the by-cell table
NO_RIGHT = (
    "this key may not read {what} (HTTP {status}): OpenRouter answers {what} to a "
    "management key only; see openrouter.ai/settings/keys"
)


def usage(session: Session, rest: str) -> None:
    """`%responses usage [reset]`: the session's spend: totals, by model, the costliest cells."""
    if rest == "reset":
        ledger.reset()
        print("session spend reset to $0 (the budget stays)")
        return
    if rest:
        raise UsageError("usage: %responses usage [reset]")
    lines = ledger.lines()
    if not lines:
        print("nothing spent yet: no response has been received in this kernel")
        return
    spent, saved = ledger.spent(), sum(line.saved for line in lines)
    totals = [
        ["spent", f"${spent:.6f}"],
        ["requests", f"{sum(line.requests for line in lines):,}"],
        [
            "served locally (cache, cassette)",
            f"{sum(line.requests for line in lines if line.local):,}",
        ],
        ["saved by local answers", f"${saved:.6f}"],
    ]
    if ledger.budget() is not None:
        totals.append(["budget", ledger.spend_line() or ""])
    show_table(["session", ""], totals)
    show_table(
        ["model", *_FIGURES], [[key, *_figures(group)] for key, group in _by(lines, "model")]
    )
    cells = sorted(_by(lines, "source"), key=lambda pair: -_cost(pair[1]))[:COSTLIEST]
    show_table(["source", *_FIGURES], [[key, *_figures(group)] for key, group in cells])


def set_budget(value: str) -> float | None:
    """`config budget=DOLLARS` (or `off` / empty for none): set the session's budget."""
    if value.strip().lower() in ("", "none", "off"):
        ledger.set_budget(None)
        return None
    try:
        dollars = float(value.strip().lstrip("$"))
        ledger.set_budget(dollars)
    except ValueError:
        raise UsageError(
            f"budget: expected dollars (e.g. budget=5.00) or off, not {value!r}"
        ) from None
    return dollars


def credits(session: Session, rest: str) -> None:
    """`%responses credits`: the account's credits and the key's limit and usage."""
    client = session.client
    rows = []
    try:
        found = client.credits()
        rows += [
            ["total credits", _dollars(found.get("total_credits"))],
            ["total usage", _dollars(found.get("total_usage"))],
            ["remaining", _dollars(found.get("remaining"))],
        ]
    except APIError as exc:
        rows.append(["credits", _refusal(exc, "credits")])
    try:
        key = client.key_info()
        rows += _key_rows(key)
    except APIError as exc:
        rows.append(["key", _refusal(exc, "key information")])
    show_table(["account", ""], rows)


def generation(session: Session, rest: str) -> None:
    """`%responses generation ID`: a generation's stats (model, provider, tokens, cost)."""
    if not rest or " " in rest:
        raise UsageError("usage: %responses generation ID (a response's id, gen-...)")
    try:
        found = session.client.generation(rest)
    except APIError as exc:
        print(f"generation {rest}: {_refusal(exc, 'generations')}")
        return
    shown = (
        "model",
        "provider_name",
        "native_tokens_prompt",
        "native_tokens_completion",
        "native_tokens_reasoning",
        "native_tokens_cached",
        "latency",
        "generation_time",
        "total_cost",
        "finish_reason",
        "streamed",
        "created_at",
    )
    show_table(["generation", rest], [[name, _text(found.get(name))] for name in shown])


_FIGURES = ["requests", "in", "cached in", "out", "reasoning", "cost", "saved"]


def _by(lines: list[ledger.Line], field: str) -> list[tuple[str, list[ledger.Line]]]:
    groups: dict[str, list[ledger.Line]] = {}
    for line in lines:
        groups.setdefault(getattr(line, field), []).append(line)
    return list(groups.items())


def _cost(lines: list[ledger.Line]) -> float:
    return sum(line.cost for line in lines)


def _figures(lines: list[ledger.Line]) -> list[str]:
    def total(name: str) -> int:
        return sum(getattr(line, name) for line in lines)

    counts = ("requests", "input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens")
    return [
        *(f"{total(name):,}" for name in counts),
        f"${_cost(lines):.6f}",
        f"${sum(line.saved for line in lines):.6f}",
    ]


def _key_rows(key: dict[str, Any]) -> list[list[str]]:
    limit = key.get("limit")
    rate = key.get("rate_limit") if isinstance(key.get("rate_limit"), dict) else {}
    requests = rate.get("requests")
    return [
        ["key", _text(key.get("label"))],
        ["key limit", "none" if limit is None else _dollars(limit)],
        ["key limit remaining", _dollars(key.get("limit_remaining"))],
        ["key usage", _dollars(key.get("usage"))],
        ["key usage today", _dollars(key.get("usage_daily"))],
        ["free tier", "yes" if key.get("is_free_tier") else "no"],
        [
            "rate limit",
            "none"
            if not isinstance(requests, int) or requests < 0
            else f"{requests} requests / {rate.get('interval')}",
        ],
    ]


def _refusal(error: APIError, what: str) -> str:
    """One line for an error reading the account: a 401/403 says which right is missing."""
    if isinstance(error, PermissionDeniedError) and error.status_code == 403:
        return NO_RIGHT.format(what=what, status=403)
    if isinstance(error, AuthenticationError) and error.status_code == 401:
        return f"the key was refused (HTTP 401): {error.hint}"
    return f"could not read {what}: {error}"


def _dollars(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"${value:,.4f}"
    return "?" if value is None else str(value)[:100]


def _text(value: Any) -> str:
    return "" if value is None else str(value)[:200]
