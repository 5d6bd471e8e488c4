"""Running the agent's code like a cell: in the notebook's namespace, on the thread that runs
cells, everything it prints or displays captured in order (the value of a last expression,
new matplotlib figures as PNG, an exception's traceback), and a way to interrupt it.

The step must run on the kernel's main thread (the caller's job: see `Tool(main_thread=True)`):
there `KeyboardInterrupt` reaches it from a kernel interrupt, and from `interrupt_step`,
which the Stop button calls from the kernel's shell-channel thread while the main thread is
busy with the step.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import concurrent.futures
import io
import linecache
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from IPython.core.displaypub import DisplayPublisher

from ...render.ansi import strip_controls

__all__ = ["Step", "interrupt_step", "main_loop", "on_main_thread", "run_code"]

T = TypeVar("T")
_running = threading.Lock()  # held while a step runs
_state = {"count": 0, "interrupted": False}


@dataclass
class Step:
    """One run of the agent's code: the code, what it produced (plain dicts, in order, as
    `render/steps.py` draws them) and how it ended: done, error or interrupted."""

    code: str
    outputs: list[dict[str, Any]] = field(default_factory=list)
    status: str = "done"
    duration: float = 0.0
    started: float = 0.0  # perf_counter when the code began (for the benchmark)
    ended: float = 0.0


def interrupt_step() -> bool:
    """Raise KeyboardInterrupt in the step running now, if one is (from any thread)."""
    if not _running.locked() or _state["interrupted"]:
        return False
    _state["interrupted"] = True
    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    return True


def main_loop() -> asyncio.AbstractEventLoop | None:
    """The kernel's event loop, when called from a cell on the main thread (else None)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def on_main_thread(fn: Callable[[], T], loop: asyncio.AbstractEventLoop | None) -> T:
    """`fn()` on the main thread: here if this is it, else on the kernel's idle event loop
    `loop` (ChatForm's sends run in a thread of their own while the kernel waits)."""
    if threading.current_thread() is threading.main_thread() or loop is None or loop.is_closed():
        return fn()
    answer: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        try:
            answer.set_result(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            answer.set_exception(exc)

    loop.call_soon_threadsafe(run)
    return answer.result()


def run_code(shell: Any, code: str) -> Step:
    """Run `code` in `shell`'s namespace, here, and return what happened."""
    _state["count"] += 1
    filename = f"<agent step {_state['count']}>"
    step = Step(code)
    sink = _Sink(step.outputs)
    before = _figure_numbers()
    saved = sys.stdout, sys.stderr, getattr(shell, "display_pub", None)
    sys.stdout, sys.stderr = sink.stream("stdout"), sink.stream("stderr")
    if saved[2] is not None:
        shell.display_pub = sink.publisher(shell)
    main = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if main else None
    if main:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # an idle kernel ignores it
    step.started = time.perf_counter()
    try:
        with _running:
            _state["interrupted"] = False
            try:
                value = _execute(shell, code, filename)
                if value is not None:
                    sink.display(shell, value)
                _show_new_figures(sink, before)
            except KeyboardInterrupt:
                step.status = "interrupted"
                sink.error("KeyboardInterrupt: interrupted by the user\n")
            except BaseException as exc:  # noqa: BLE001 - the step's failure, told to the model
                step.status = "error"
                sink.error(_traceback(exc, filename))
            _state["interrupted"] = False
    finally:
        step.ended = time.perf_counter()
        if main:
            signal.signal(signal.SIGINT, handler)
        sys.stdout, sys.stderr = saved[0], saved[1]
        if saved[2] is not None:
            shell.display_pub = saved[2]
    step.duration = step.ended - step.started
    return step


def _execute(shell: Any, code: str, filename: str) -> Any:
    """Run the statements; return the value of a last expression (None if there is none)."""
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename)
    namespace = shell.user_ns
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 - the approved code
    if last is None:
        return None
    expression = ast.Expression(last.value)
    value = eval(compile(expression, filename, "eval"), namespace)  # noqa: S307
    return None if _ends_with_semicolon(code) else value


def _ends_with_semicolon(code: str) -> bool:
    return code.rstrip().endswith(";")


def _traceback(exc: BaseException, filename: str) -> str:
    """The traceback from the step's own first frame (not this module's), ANSI stripped."""
    frames = exc.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename != filename:
        frames = frames.tb_next
    if isinstance(exc, SyntaxError):
        frames = None
    lines = traceback.format_exception(type(exc), exc, frames)
    return strip_controls("".join(lines))


def _figure_numbers() -> set[int]:
    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot is not None else set()


def _show_new_figures(sink: _Sink, before: set[int]) -> None:
    """Figures the step opened and left open, as PNG outputs, then closed (they are shown
    here, not again at the end of the cell)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    for number in pyplot.get_fignums():
        if number in before:
            continue
        figure = pyplot.figure(number)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        pyplot.close(figure)
        png = base64.b64encode(buffer.getvalue()).decode()
        sink.outputs.append({"kind": "display", "data": {"image/png": png}})


class _Sink:
    """Where the step's outputs go, in the order they come."""

    def __init__(self, outputs: list[dict[str, Any]]) -> None:
        self.outputs = outputs

    def write(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.get("kind") == "stream" and last.get("name") == name:
            last["text"] += text
        else:
            self.outputs.append({"kind": "stream", "name": name, "text": text})

    def error(self, text: str) -> None:
        self.outputs.append({"kind": "error", "text": text})

    def stream(self, name: str) -> _Stream:
        return _Stream(self, name)

    def publisher(self, shell: Any) -> DisplayPublisher:
        return _Publisher(self, shell=shell)

    def display(self, shell: Any, value: Any) -> None:
        data, _ = shell.display_formatter.format(value)
        if data:
            self.outputs.append({"kind": "display", "data": dict(data)})


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr during a step."""

    def __init__(self, sink: _Sink, name: str) -> None:
        self._sink, self._name = sink, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._sink.write(self._name, str(text))
        return len(text)

    def isatty(self) -> bool:
        return False


class _Publisher(DisplayPublisher):
    """The shell's display publisher during a step: `display()` lands in the step."""

    def __init__(self, sink: _Sink, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._sink = sink

    def publish(self, data: Any, *args: Any, **kwargs: Any) -> None:
        self._sink.outputs.append({"kind": "display", "data": dict(data or {})})

    def clear_output(self, wait: bool = False) -> None:
        self._sink.outputs.clear()
