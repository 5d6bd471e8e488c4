"""`orj.map` and `orj.amap`: one prompt over many rows, concurrently, resumably, on a budget.

A run is planned first (every row's request body rendered and hashed, so a bad
template fails before anything is sent, identical rows are sent once, and the
store and the budget see the whole run), then `concurrency` workers take the
distinct requests in order. Every request start passes the shared `Limiter`
(`rpm`, and one pause for all after a 429); 5xx and connection errors are
retried per row with backoff; a row that still fails is recorded and the run
goes on. Stop, an interrupt or a task cancel stop starting rows, cancel those
in flight and return what finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..chat.loop import DEFAULT_MAX_TURNS, DEFAULT_MODEL, DEFAULT_TOOL_TIMEOUT, ToolLoop
from ..client import ledger
from ..client.clients import DEFAULT_TIMEOUT, AsyncClient, Client
from ..client.retry import MAX_RETRY_AFTER, backoff, retryable
from ..kept.cache import request_key
from ..protocol import (
    APIError,
    BudgetExceededError,
    MissingAPIKeyError,
    RateLimitError,
    Response,
)
from ..protocol.items import user_message
from .budget import BudgetError, estimate_cost, price_of
from .limits import Limiter
from .progress import UPDATES_PER_SECOND, NoProgress, Tally, TextProgress
from .result import RowResult, to_frame
from .rows import is_dask_frame, is_frame, render, rows_of
from .store import Store

__all__ = ["Control", "amap", "map"]

DEFAULT_RETRIES = 3
MAX_RATE_LIMITED = 30  # 429s one row may meet before it is recorded as failed


@dataclass
class _Plan:
    keys: list[Any]
    bodies: list[dict[str, Any]]
    hashes: list[str]
    frame: bool
    groups: list[str] | None = None  # each row's group in the progress (`group_by`)


@dataclass
class _Run:
    """The state of one run, shared by its workers (all on one event loop)."""

    plan: _Plan
    client: AsyncClient
    limiter: Limiter
    tally: Tally
    results: list[RowResult]
    schema: Any
    tools: dict[str, Any]
    retries: int
    max_cost: float | None
    store: Store | None
    stopping: str | None = None
    workers: list[asyncio.Task] = field(default_factory=list)

    def stop(self, reason: str, cancel: bool = True) -> None:
        """Start no more rows; with `cancel`, also cancel those in flight."""
        if self.stopping is None:
            self.stopping = self.tally.stopped = reason
        if cancel:
            for task in self.workers:
                task.cancel()


class Control:
    """A handle on a run from another thread: `stop()` and the live `tally`."""

    def __init__(self) -> None:
        self.tally: Tally | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._run: _Run | None = None
        self._stop_asked = False

    def attach(self, run: _Run) -> None:
        self._loop, self._run, self.tally = asyncio.get_running_loop(), run, run.tally
        if self._stop_asked:
            run.stop("stopped")

    def stop(self) -> None:
        """Stop the run as the Stop button does (safe from any thread)."""
        self._stop_asked = True
        if self._loop is not None and self._run is not None:
            self._loop.call_soon_threadsafe(self._run.stop, "stopped")


def map(
    data: Any,
    template: str | Callable[[Any], Any],
    *,
    model: str | None = None,
    schema: Any = None,
    instructions: str | None = None,
    tools: Any = None,
    reasoning: Any = None,
    concurrency: int = 16,
    rpm: float | None = None,
    max_cost: float | None = None,
    store: str | None = None,
    retries: int = DEFAULT_RETRIES,
    client: Client | AsyncClient | None = None,
    progress: Any = True,
    force: bool = False,
    **params: Any,
) -> Any:
    """Run `template` over every row of `data`; a DataFrame (same index) or a list of `RowResult`.

    The run happens on its own event loop in a worker thread, so it works the same
    in a script and in a notebook (whose loop is already running); this thread
    draws the progress and turns Ctrl-C / the kernel's interrupt into a clean stop.
    See `amap` for the arguments.
    """
    options = dict(
        model=model,
        schema=schema,
        instructions=instructions,
        tools=tools,
        reasoning=reasoning,
        concurrency=concurrency,
        rpm=rpm,
        max_cost=max_cost,
        store=store,
        retries=retries,
        client=client,
        force=force,
        params=params,
    )
    if is_dask_frame(data):
        raise TypeError("a Dask DataFrame is lazy: orj.map maps its partitions (a lazy result)")
    return run_blocking(data, template, options, progress)


def run_blocking(data: Any, template: Any, options: dict[str, Any], progress: Any) -> Any:
    """`map`'s run: on its own event loop in a worker thread, progress drawn from this one.

    `options` are `map`'s keywords, with the request fields under `params`;
    `orj.evaluate` adds `per_row`, `group_by`, `name` and `also_priced` (see `_plan`
    and `_check_budget`).
    """
    reporter = reporter_for(progress)
    control = Control()
    outcome: dict[str, Any] = {}
    finished = threading.Event()  # not `thread.is_alive()`: an interrupted join can misreport it

    def work() -> None:
        loop = asyncio.new_event_loop()
        try:
            outcome["result"] = loop.run_until_complete(_amap(data, template, options, control))
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc
        finally:
            loop.close()
            finished.set()

    context = contextvars.copy_context()  # the ledger's source (a cell's, the form's) goes too
    thread = threading.Thread(target=context.run, args=(work,), name="orj.map", daemon=True)
    thread.start()
    started = False
    while not finished.is_set():
        try:
            finished.wait(1 / UPDATES_PER_SECOND)
            if control.tally is not None:
                if not started:
                    reporter.start(control.stop)
                    started = True
                reporter.update(control.tally)
            reporter.poll()
        except KeyboardInterrupt:
            control.stop()
    if started:  # also when the run failed: the Stop button goes, the summary stays
        reporter.finish(control.tally)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


async def amap(
    data: Any,
    template: str | Callable[[Any], Any],
    *,
    model: str | None = None,
    schema: Any = None,
    instructions: str | None = None,
    tools: Any = None,
    reasoning: Any = None,
    concurrency: int = 16,
    rpm: float | None = None,
    max_cost: float | None = None,
    store: str | None = None,
    retries: int = DEFAULT_RETRIES,
    client: Client | AsyncClient | None = None,
    progress: Any = True,
    force: bool = False,
    control: Control | None = None,
    **params: Any,
) -> Any:
    """Run `template` over every row of `data` on the running event loop.

    `data`: a pandas DataFrame, a list of dicts or a list of strings. `template`:
    `{field}` text (`{}` / `{item}` for strings) or a callable row -> input.
    `schema` (pydantic model or JSON Schema) asks for structured output and gives
    one column per top-level field. `tools` run per row in a tool loop.
    `concurrency` bounds requests in flight, `rpm` request starts per minute.
    `max_cost` (dollars) refuses a run estimated above it (unless `force=True`)
    and stops starting rows once the actual cost reaches it. `store` (a SQLite
    path) saves each finished row; a re-run sends only the rest. `retries`: tries
    after the first for 5xx and connection errors. `client`: the client whose key,
    address and headers to use (default: `AsyncClient()`). Other keyword
    arguments go into every request (`max_output_tokens`, `temperature`, ...).
    `progress`: True (the notebook's display or the terminal's line), False, or a
    reporter (see `progress.NoProgress`). `control`: a `Control`, to stop the run
    from another thread.
    """
    options = dict(
        model=model,
        schema=schema,
        instructions=instructions,
        tools=tools,
        reasoning=reasoning,
        concurrency=concurrency,
        rpm=rpm,
        max_cost=max_cost,
        store=store,
        retries=retries,
        client=client,
        force=force,
        params=params,
    )
    if is_dask_frame(data):
        raise TypeError("a Dask DataFrame is lazy: use orj.map, which returns a lazy result")
    return await run_awaiting(data, template, options, progress, control)


async def run_awaiting(
    data: Any, template: Any, options: dict[str, Any], progress: Any, control: Control | None
) -> Any:
    """`amap`'s run, on the running loop (see `run_blocking` for `options`)."""
    reporter = reporter_for(progress)
    control = control or Control()

    async def tick() -> None:
        while control.tally is None:
            await asyncio.sleep(0.01)
        reporter.start(control.stop)
        while True:
            reporter.update(control.tally)
            await asyncio.sleep(1 / UPDATES_PER_SECOND)

    ticker = asyncio.create_task(tick())
    try:
        return await _amap(data, template, options, control)
    finally:
        ticker.cancel()
        if control.tally is not None:  # also when the run failed: the summary stays
            reporter.finish(control.tally)


async def _amap(
    data: Any,
    template: Any,
    options: dict[str, Any],
    control: Control,
) -> Any:
    concurrency = options["concurrency"]
    if not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a positive integer, not {concurrency!r}")
    schema, registry = options["schema"], _registry(options["tools"])
    client, http = _batch_client(options["client"], concurrency)
    # Offline, the emulator's port changes with every session: its results stay valid.
    address = "offline emulator" if client.offline else client.base_url
    plan = _plan(data, template, options, registry, address)
    store = Store(options["store"]) if options["store"] else None
    try:
        stored = store.get_many(plan.hashes) if store else {}
        if options["max_cost"] is not None and not options["force"]:
            await _check_budget(
                client, plan, stored, options["max_cost"], options.get("also_priced")
            )
        left = ledger.remaining()
        if left is not None and not options["force"]:  # the session's budget (orj.set_budget)
            await _check_budget(
                client, plan, stored, left, options.get("also_priced"), session=True
            )
        run = _Run(
            plan=plan,
            client=client,
            limiter=Limiter(options["rpm"]),
            tally=Tally(total=len(plan.keys), name=options.get("name", "orj.map")),
            results=[RowResult(key=key) for key in plan.keys],
            schema=schema,
            tools=registry,
            retries=options["retries"],
            max_cost=options["max_cost"],
            store=store,
        )
        groups = _groups(plan.hashes)
        for digest, positions in list(groups.items()):
            if digest in stored:
                _fill(run, positions, dict(stored[digest]), cached_first=True)
                del groups[digest]
        control.attach(run)
        await _work(run, list(groups.items()), concurrency)
    finally:
        if store:
            store.close()
        if http is not None:
            await http.aclose()
    run.tally.ended = time.monotonic()
    if plan.frame:
        return to_frame(run.results, plan.keys, schema)
    return run.results


def check_grid_budget(data: Any, template: Any, options: dict[str, Any]) -> None:
    """A run's budget check alone (`BudgetError` when over), for runs that go elsewhere
    (Dask's workers). `options` as `run_blocking`'s; a client factory is called here."""
    client = options["client"]
    if client is not None and not isinstance(client, (Client, AsyncClient)):
        client = client()
    outcome: dict[str, BaseException] = {}

    async def check() -> None:
        batch_client, http = _batch_client(client, 1)
        try:
            plan = _plan(data, template, options, _registry(options["tools"]), "budget")
            await _check_budget(
                batch_client, plan, {}, options["max_cost"], options.get("also_priced")
            )
        finally:
            if http is not None:
                await http.aclose()

    def work() -> None:  # on its own loop: the caller's may be running (a notebook)
        try:
            asyncio.run(check())
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="orj.budget", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]


def reporter_for(progress: Any) -> Any:
    """The reporter `progress=` asks for: True the terminal's line (`orj.map`, one layer up,
    turns True into the notebook's display inside a kernel), False none, else as given."""
    if progress is False or progress is None:
        return NoProgress()
    return TextProgress() if progress is True else progress


def _batch_client(
    client: Client | AsyncClient | None, concurrency: int
) -> tuple[AsyncClient, httpx.AsyncClient | None]:
    """An `AsyncClient` with the given client's key, address and headers, without its retries,
    and the connections opened for it (the batch closes them), if any.

    Retries are the batch's own (one shared pause after a 429, not one per row).
    An `AsyncClient` made with your own `http_client` is used as it is (your
    proxies, your transport). Otherwise the batch opens its own connections on
    aiohttp (`batch_http`), which costs a quarter of httpx's CPU per request.
    """
    if client is not None and not isinstance(client, (Client, AsyncClient)):
        raise TypeError(f"client must be an or_jupyter Client or AsyncClient, not {client!r}")
    if isinstance(client, AsyncClient) and not client._owns_http:
        return client.with_options(max_retries=0), None
    timeout = DEFAULT_TIMEOUT if client is None else client.timeout
    from .transport import batch_http  # aiohttp: imported only when a batch runs

    http = batch_http(timeout, concurrency)
    if client is None:
        return AsyncClient(http_client=http, max_retries=0), http
    convert = client.with_options if isinstance(client, AsyncClient) else client.to_async
    return convert(http_client=http, max_retries=0), http


def _registry(tools: Any) -> dict[str, Any]:
    """The tools by name. The tool machinery (and pydantic under it) loads only when a
    batch has tools: a first batch without them starts a tenth of a second sooner."""
    if tools is None:
        return {}
    from ..tools import as_tools

    return as_tools(tools)


def _text_format(schema: Any) -> dict[str, Any] | None:
    """The request's `text` for a schema (pydantic loads only when there is one)."""
    if schema is None:
        return None
    from ..chat.structured import text_format

    return text_format(schema)


def _plan(
    data: Any, template: Any, options: dict[str, Any], registry: dict[str, Any], address: str
) -> _Plan:
    keys, rows = rows_of(data)
    common = {
        "model": options["model"] or DEFAULT_MODEL,
        "instructions": options["instructions"],
        "reasoning": options["reasoning"],
        "tools": [t.schema for t in registry.values()] or None,
        "text": _text_format(options["schema"]),
        **options["params"],
    }
    common = {name: value for name, value in common.items() if value is not None}
    per_row = options.get("per_row") or (lambda row: {})
    bodies = [
        {**common, **per_row(row), "input": render(template, row, key)}
        for key, row in zip(keys, rows, strict=True)
    ]
    hashes = [request_key(address, "/responses", body) for body in bodies]
    group_by = options.get("group_by")
    groups = [str(row[group_by]) for row in rows] if group_by else None
    return _Plan(keys, bodies, hashes, is_frame(data), groups)


def _groups(hashes: list[str]) -> dict[str, list[int]]:
    """Row positions by request hash, in the order of each hash's first row."""
    groups: dict[str, list[int]] = {}
    for position, digest in enumerate(hashes):
        groups.setdefault(digest, []).append(position)
    return groups


async def _check_budget(
    client: AsyncClient,
    plan: _Plan,
    stored: dict[str, Any],
    max_cost: float,
    also_priced: Any = None,
    session: bool = False,
) -> None:
    """Refuse a run whose estimated cost exceeds `max_cost` (with `session`, what is left of
    the session's budget), before anything is sent.

    Each model's requests are priced at its own `/models` price. `also_priced`
    (`orj.evaluate`'s judge) turns the pending bodies into more bodies to price. A run on a
    session budget whose cost cannot be estimated goes ahead: its sends stop when the
    budget is spent.
    """
    distinct = {d: b for d, b in zip(plan.hashes, plan.bodies, strict=True) if d not in stored}
    pending = list(distinct.values())  # twin rows are sent once
    if not pending:
        return
    pending += also_priced(pending) if also_priced else []
    try:
        catalogue = await client.models()
    except APIError as exc:
        if session:
            return
        raise BudgetError(
            f"cannot estimate the cost: the model list did not load ({exc}); "
            "pass force=True to run anyway (the run still stops at max_cost)"
        ) from None
    by_model: dict[str, list[dict[str, Any]]] = {}
    for body in pending:
        by_model.setdefault(body["model"], []).append(body)
    estimate = 0.0
    for model, bodies in by_model.items():
        price = price_of(catalogue, model)
        if price is None and session:
            return
        if price is None:
            raise BudgetError(
                f"cannot estimate the cost: {model!r} has no price in /models; "
                "pass force=True to run anyway (the run still stops at max_cost)"
            )
        estimate += estimate_cost(bodies, price)
    counts = ", ".join(f"{len(b)} to {m}" for m, b in by_model.items())
    if estimate > max_cost and session:
        raise BudgetError(
            f"the estimated cost of {len(pending)} requests ({counts}) is ${estimate:.4f}, "
            f"over the ${max_cost:.4f} left of the session budget ({ledger.spend_line()}); "
            "nothing was sent (raise it with `%responses config budget=DOLLARS` or "
            "`orj.set_budget(DOLLARS)`; force=True runs anyway, stopping when it is spent)"
        )
    if estimate > max_cost:
        raise BudgetError(
            f"the estimated cost of {len(pending)} requests ({counts}) is ${estimate:.4f}, "
            f"over max_cost=${max_cost:.4f}; nothing was sent (force=True runs anyway and "
            "still stops starting rows at max_cost)"
        )


async def _work(run: _Run, pending: list[tuple[str, list[int]]], concurrency: int) -> None:
    """`concurrency` workers over `groups`; a cancel of this task stops the run and returns."""

    async def worker(client: AsyncClient) -> None:
        for digest, positions in groups:
            if run.stopping:
                return
            try:
                await _row(run, client, digest, positions)
            except MissingAPIKeyError:
                run.stop("no API key", cancel=False)
                raise
            except BudgetExceededError:  # the rows in flight finish; no more start
                run.stop(f"session budget reached ({ledger.spend_line()})", cancel=False)
                return

    groups = iter(pending)  # shared: each worker takes the next request in order
    count = min(concurrency, len(pending))
    run.workers = [asyncio.create_task(worker(run.client)) for _ in range(count)]
    try:
        await asyncio.gather(*run.workers, return_exceptions=True)
    except asyncio.CancelledError:  # the caller's task was cancelled: stop, keep what finished
        run.stop("cancelled")
        await asyncio.gather(*run.workers, return_exceptions=True)
        current = asyncio.current_task()
        if current is not None and hasattr(current, "uncancel"):
            current.uncancel()
    errors = [t.exception() for t in run.workers if not t.cancelled() and t.exception()]
    if errors:
        raise errors[0]
    for result in run.results:
        if result.status == "not run" and run.stopping:
            result.error = run.stopping


async def _row(run: _Run, client: AsyncClient, digest: str, positions: list[int]) -> None:
    """Answer one distinct request and fill in every row that asked it."""
    body = run.plan.bodies[positions[0]]
    run.tally.running += 1
    started = time.monotonic()
    try:
        outcome = await _answer(run, client, body)
    except BudgetExceededError:
        raise  # refused before it was sent: its rows stay "not run"
    except (asyncio.CancelledError, MissingAPIKeyError):
        for position in positions:
            run.results[position].status = "cancelled"
            run.results[position].error = run.stopping or "cancelled"
        raise
    finally:
        run.tally.running -= 1
    outcome["seconds"] = round(time.monotonic() - started, 3)
    if run.store is not None and outcome["status"] != "failed":
        run.store.put(digest, outcome)
    _fill(run, positions, outcome, cached_first=False)
    if run.max_cost is not None and run.tally.cost >= run.max_cost:
        run.stop(f"max_cost ${run.max_cost:.4f} reached", cancel=False)


def _validate(output: Any, schema: dict[str, Any]) -> None:
    """Raise ValueError when `output` does not fit the JSON schema (jsonschema loaded here only)."""
    import jsonschema

    try:
        jsonschema.validate(output, schema)
    except jsonschema.ValidationError as exc:
        raise ValueError(exc.message) from None


def _fill(run: _Run, positions: list[int], outcome: dict[str, Any], cached_first: bool) -> None:
    """Record one request's outcome in its rows (twins after the first are free: cached)."""
    output, status, error = outcome.get("text"), outcome["status"], outcome.get("error")
    if status != "failed" and run.schema is not None:
        from ..chat.structured import parse_structured

        try:
            output = parse_structured(output or "", run.schema)
            if isinstance(run.schema, dict):
                _validate(output, run.schema)
        except ValueError as exc:  # pydantic's errors are ValueErrors, and so are ours
            status, error = "failed", f"the answer does not fit the schema: {_brief(exc)}"
    for number, position in enumerate(positions):
        cached = cached_first or number > 0 or outcome.get("cached", False)
        result = run.results[position]
        result.output, result.status, result.error = output, status, error
        result.cost = 0.0 if cached else outcome.get("cost", 0.0)
        result.input_tokens = outcome.get("input_tokens", 0)
        result.output_tokens = outcome.get("output_tokens", 0)
        result.reasoning_tokens = outcome.get("reasoning_tokens", 0)
        result.seconds = 0.0 if cached else outcome.get("seconds", 0.0)
        result.cached = cached
        tallies = [run.tally]
        if run.plan.groups is not None:
            tallies.append(run.tally.group(run.plan.groups[position]))
        for tally in tallies:
            tally.cost += result.cost
            tally.cached += cached
            if status == "failed":
                tally.failed += 1
            else:
                tally.done += 1
                tally.incomplete += status == "incomplete"


async def _answer(run: _Run, client: AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """One row's request and its tool loop: the text, status and usage summed over turns."""
    outcome: dict[str, Any] = {"cost": 0.0, "input_tokens": 0, "output_tokens": 0}
    prompt = body["input"]
    turn = [user_message(prompt)] if isinstance(prompt, str) else prompt  # a bad one fails below
    params = {key: value for key, value in body.items() if key != "input"}
    loop = ToolLoop([], turn, params, max_turns=DEFAULT_MAX_TURNS)
    try:
        while (request := loop.next_request()) is not None:
            response = await _send(run, client, request)
            _add_usage(outcome, response)
            calls = loop.receive(response)
            if calls and not run.tools:  # none were offered: the answer is what came
                break
            if calls:
                from ..tools import arun_calls

                results = await arun_calls(calls, run.tools, timeout=DEFAULT_TOOL_TIMEOUT)
                loop.add_results([(result.call_id, result.model_output) for result in results])
    except (MissingAPIKeyError, BudgetExceededError):
        raise
    except Exception as exc:  # an API error, or an input the request cannot carry
        return {**outcome, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    text = response.output_text
    if response.status == "completed":
        return {**outcome, "status": "done", "text": text}
    reason = (response.incomplete_details or {}).get("reason") or response.status
    return {**outcome, "status": "incomplete", "text": text, "error": f"incomplete: {reason}"}


def _brief(exc: Exception) -> str:
    text = str(getattr(exc, "message", None) or exc)
    return text if len(text) < 300 else text[:300] + "…"


def _add_usage(outcome: dict[str, Any], response: Response) -> None:
    """Sum a turn's tokens, and its cost unless the response cache answered it (free)."""
    usage = response.usage or {}
    outcome["cached"] = outcome.get("cached", True) and response.cached
    with contextlib.suppress(TypeError, ValueError):
        outcome["cost"] += 0.0 if response.cached else float(usage.get("cost") or 0)
    outcome["input_tokens"] += int(usage.get("input_tokens") or 0)
    outcome["output_tokens"] += int(usage.get("output_tokens") or 0)
    details = usage.get("output_tokens_details") or {}
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else 0
    outcome["reasoning_tokens"] = outcome.get("reasoning_tokens", 0) + int(reasoning or 0)


async def _send(run: _Run, client: AsyncClient, params: dict[str, Any]) -> Response:
    """One request through the limiter: a 429 pauses everyone, other failures back off here."""
    attempt = limited = 0
    while True:
        await run.limiter.wait()
        try:
            return await client.create(**params)
        except RateLimitError as exc:
            limited += 1
            if limited > MAX_RATE_LIMITED:
                raise
            wait = exc.retry_after if exc.retry_after is not None else backoff(limited - 1)
            run.limiter.pause(min(wait, MAX_RETRY_AFTER))
        except APIError as exc:
            if isinstance(exc, MissingAPIKeyError) or not retryable(exc):
                raise
            if attempt >= run.retries:
                raise
            await asyncio.sleep(backoff(attempt))
            attempt += 1
