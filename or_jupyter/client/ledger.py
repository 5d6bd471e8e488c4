"""The session ledger: what every response this process received cost, and the budget.

Every client records each response it finishes here (`record`), whoever made the client:
the magic, the ChatForm, a comparison, `orj.map` / `evaluate`, `fix` / `explain`, an
agent's steps. Each response is labelled with a `source`: the notebook sets it to the
cell being run (`set_cell`), the ChatForm to "form" (`as_source`); plain Python is
"python".

Memory stays bounded however long the session or large the batch: the ledger keeps one
line per (source, model, provider, served locally), summing its requests, tokens and
cost, rather than one line per response (a batch of 100,000 rows in one cell is one line
per model). Past `MAX_LINES` lines, new ones fold into the source "other".

A response served from the response cache or a cassette spent nothing: it is counted
with cost 0 and `local=True`, and the cost it had when it was first asked goes in `saved`.

The budget (`set_budget`) is checked before each request is sent (`check`): once the
spend has reached it, a send is refused with `BudgetExceededError` and nothing goes out.
"""

from __future__ import annotations

import contextvars
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from .. import running
from ..protocol import BudgetExceededError, Response
from ..protocol.routing import served_provider

__all__ = [
    "BudgetWarning",
    "Line",
    "as_source",
    "budget",
    "check",
    "current_source",
    "lines",
    "record",
    "remaining",
    "reset",
    "set_budget",
    "set_cell",
    "spend_line",
    "spent",
    "usage",
]

MAX_LINES = 10_000
WARN_AT = 0.8  # of the budget: one warning when the spend passes it
T = TypeVar("T")

_source: contextvars.ContextVar[str | None] = contextvars.ContextVar("orj_source", default=None)


class BudgetWarning(UserWarning):
    """The session's spend passed 80% of its budget."""


@dataclass
class Line:
    """The responses of one source and model (and provider, and whether served locally), summed."""

    source: str
    model: str
    provider: str
    local: bool  # served from the response cache or a cassette: nothing spent
    first: float  # time.time() of the first and the last response
    last: float
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0  # input tokens the provider read from its prompt cache
    cost: float = 0.0  # dollars spent (0 when served locally)
    saved: float = 0.0  # dollars the locally served answers cost when first asked


class _Ledger:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lines: dict[tuple[str, str, str, bool], Line] = {}
        self.spent = 0.0
        self.budget: float | None = None
        self.warned = False


_LEDGER = _Ledger()


def set_cell(number: int | None) -> None:
    """The notebook runs cell `number` now: responses without a source of their own are its."""
    running.cell = number


def current_source() -> str:
    """The source a response started here is recorded under: its own (the form's), else
    the notebook cell running (threads started by the cell count as it), else "python"."""
    source = _source.get()
    if source is not None:
        return source
    return "python" if running.cell is None else f"cell {running.cell}"


def as_source(source: str, func: Callable[..., T], *args: Any) -> T:
    """Run `func(*args)` with its responses recorded under `source` (e.g. "form")."""
    token = _source.set(source)
    try:
        return func(*args)
    finally:
        _source.reset(token)


def record(response: Response, source: str | None = None) -> None:
    """Add one finished response (its usage, if it has one) to the ledger."""
    usage = response.usage
    if not isinstance(usage, dict):
        return
    cost = _number(usage.get("cost"))
    local = bool(response.cached)
    key = (
        source or current_source(),
        response.model or "?",
        served_provider(response.openrouter_metadata) or "",
        local,
    )
    now = time.time()
    ledger = _LEDGER
    with ledger.lock:
        line = ledger.lines.get(key)
        if line is None:
            if len(ledger.lines) >= MAX_LINES:
                key = ("other", *key[1:])
                line = ledger.lines.get(key)
            if line is None:
                line = ledger.lines[key] = Line(*key, first=now, last=now)
        line.last = now
        line.requests += 1
        line.input_tokens += int(_number(usage.get("input_tokens")))
        line.output_tokens += int(_number(usage.get("output_tokens")))
        line.reasoning_tokens += int(_detail(usage, "output_tokens_details", "reasoning_tokens"))
        line.cached_tokens += int(_detail(usage, "input_tokens_details", "cached_tokens"))
        if local:
            line.saved += cost
        else:
            line.cost += cost
            ledger.spent += cost


def spent() -> float:
    """Dollars this process has spent on responses so far."""
    return _LEDGER.spent


def lines() -> list[Line]:
    """The ledger's lines (copies), in the order they were first recorded."""
    with _LEDGER.lock:
        return [Line(**asdict(line)) for line in _LEDGER.lines.values()]


def usage() -> Any:
    """The ledger as a pandas DataFrame (one row per line), or a list of dicts without pandas."""
    records = [asdict(line) for line in lines()]
    for entry in records:
        for key in ("first", "last"):
            entry[key] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry[key]))
    try:
        import pandas
    except ImportError:
        return records
    return pandas.DataFrame(records, columns=list(Line.__dataclass_fields__))


def reset() -> None:
    """Forget every line and the spend (the budget stays)."""
    with _LEDGER.lock:
        _LEDGER.lines.clear()
        _LEDGER.spent = 0.0
        _LEDGER.warned = False


def set_budget(dollars: float | None) -> None:
    """Refuse sends once this process has spent `dollars` (None: no budget)."""
    if dollars is not None:
        dollars = float(dollars)
        if not dollars >= 0:  # also NaN
            raise ValueError(f"a budget is a number of dollars, 0 or more, not {dollars!r}")
    with _LEDGER.lock:
        _LEDGER.budget = dollars
        _LEDGER.warned = False


def budget() -> float | None:
    """The budget in dollars, or None."""
    return _LEDGER.budget


def remaining() -> float | None:
    """Dollars left before the budget (None: no budget)."""
    limit = _LEDGER.budget
    return None if limit is None else max(0.0, limit - _LEDGER.spent)


def check(free: Callable[[], bool] | None = None) -> None:
    """Before a request is sent: refuse it if the spend has reached the budget, unless
    `free()` says it costs nothing (the cache holds its answer); warn once past 80%."""
    ledger = _LEDGER
    limit = ledger.budget
    if limit is None:
        return
    if ledger.spent >= limit and not (free is not None and free()):
        raise BudgetExceededError(
            f"the session budget is spent: {_money(ledger.spent)} of {_money(limit, 2, exact=True)}; nothing was "
            "sent (raise it with `%responses config budget=DOLLARS` or `orj.set_budget(DOLLARS)`)"
        )
    if ledger.spent >= WARN_AT * limit and not ledger.warned:
        ledger.warned = True
        warnings.warn(BudgetWarning(spend_line()), stacklevel=4)  # at create()'s caller


def spend_line() -> str | None:
    """ "$0.12 of $5.00 budget" (with the share once past 80%), or None without a budget."""
    limit, total = _LEDGER.budget, _LEDGER.spent
    if limit is None:
        return None
    share = f" ({total / limit:.0%})" if limit and total >= WARN_AT * limit else ""
    return f"{_money(total)} of {_money(limit, 2, exact=True)} budget{share}"


def _money(dollars: float, places: int = 4, exact: bool = False) -> str:
    """Dollars with `places` decimals, more (up to 8) for an amount that would show as 0
    or, `exact`, for one that has more (a budget shows as it was set)."""

    def short(p: int) -> bool:
        return round(dollars, p) != round(dollars, 8) if exact else round(dollars, p) == 0

    while places < 8 and dollars and short(places):
        places += 1
    return f"${dollars:,.{places}f}"


def _number(value: Any) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
    return float(value) if ok else 0.0


def _detail(usage: dict[str, Any], group: str, key: str) -> float:
    details = usage.get(group)
    return _number(details.get(key)) if isinstance(details, dict) else 0.0
