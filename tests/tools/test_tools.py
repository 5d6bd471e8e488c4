"""Notebook functions as tools: schemas, validation, calling, output, concurrent runs."""

import _thread
import asyncio
import dataclasses
import enum
import json
import threading
import time
from typing import Any, Literal, Optional

import pydantic
import pytest
from typing_extensions import TypedDict

from or_jupyter import tools as tools_module
from or_jupyter.tools import (
    Tool,
    ToolResult,
    arun_calls,
    as_tool,
    as_tools,
    format_output,
    run_calls,
    tool,
)


@dataclasses.dataclass
class Call:
    """Stands in for the client's FunctionCall: only these three fields are read."""

    name: str
    arguments: str = "{}"
    call_id: str = "call_1"


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(TypedDict):
    street: str
    number: int


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0


class Person(pydantic.BaseModel):
    name: str
    tags: list[str] = []


class Tree(pydantic.BaseModel):
    value: int
    children: list["Tree"] = []


def params(fn: Any) -> dict:
    return as_tool(fn).schema["parameters"]


def subschemas(node: Any):
    """Every dict in a schema, data included (good enough to look for keys anywhere)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from subschemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from subschemas(value)


# --- schema -----------------------------------------------------------------------------------


def test_schema_is_a_flat_responses_function_tool():
    @tool
    def get_weather(location: str) -> dict:
        """Get the weather."""

    assert get_weather.schema == {
        "type": "function",
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
        "strict": False,
    }


def test_schema_is_a_copy_the_caller_may_change():
    @tool
    def f(x: int): ...

    f.schema["parameters"]["properties"].clear()
    assert "x" in f.schema["parameters"]["properties"]


def test_scalar_hints_become_json_types():
    def f(s: str, i: int, x: float, b: bool): ...

    props = params(f)["properties"]
    assert {k: v["type"] for k, v in props.items()} == {
        "s": "string",
        "i": "integer",
        "x": "number",
        "b": "boolean",
    }
    assert params(f)["required"] == ["s", "i", "x", "b"]


def test_literal_and_enum_become_enums_with_defaults():
    def f(unit: Literal["c", "f"] = "c", color: Color = Color.RED): ...

    props = params(f)["properties"]
    assert props["unit"] == {"type": "string", "enum": ["c", "f"], "default": "c"}
    assert props["color"]["enum"] == ["red", "blue"]
    assert props["color"]["default"] == "red"
    assert "required" not in params(f)


def test_optional_is_nullable_and_not_required():
    def f(name: str, limit: Optional[int] = None, page: int | None = 1): ...  # noqa: UP045

    schema = params(f)
    assert schema["required"] == ["name"]
    assert schema["properties"]["limit"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert schema["properties"]["page"]["default"] == 1


def test_lists_and_dicts_become_arrays_and_objects():
    def f(names: list[str], scores: dict[str, float]): ...

    props = params(f)["properties"]
    assert props["names"] == {"type": "array", "items": {"type": "string"}}
    assert props["scores"] == {"type": "object", "additionalProperties": {"type": "number"}}


def test_typeddict_dataclass_and_model_become_inline_nested_objects():
    def f(address: Address, point: Point, person: Person): ...

    schema = params(f)
    props = schema["properties"]
    assert props["address"]["properties"] == {
        "street": {"type": "string"},
        "number": {"type": "integer"},
    }
    assert props["point"]["required"] == ["x"]
    assert props["point"]["properties"]["y"] == {"type": "number", "default": 0.0}
    assert props["person"]["properties"]["tags"]["items"] == {"type": "string"}
    assert "$defs" not in schema
    assert not [node for node in subschemas(schema) if "$ref" in node]


def test_recursive_model_keeps_only_its_own_definition():
    def f(tree: Tree, point: Point): ...

    schema = params(f)
    assert set(schema["$defs"]) == {"Tree"}
    assert schema["properties"]["tree"]["properties"]["value"] == {"type": "integer"}
    assert schema["$defs"]["Tree"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Tree"}


def test_no_title_noise_but_a_parameter_named_title_stays():
    def f(title: str, person: Person, json: int = 0): ...

    schema = params(f)
    assert set(schema["properties"]) == {"title", "person", "json"}
    assert not [
        node for node in subschemas(schema) if "title" in node and node is not schema["properties"]
    ]


def test_unannotated_parameter_accepts_anything():
    def f(anything, other=3): ...

    assert params(f)["properties"] == {"anything": {}, "other": {"default": 3}}
    assert as_tool(f).invoke('{"anything": [1, {"a": null}]}').status == "done"


def test_star_args_and_kwargs_are_left_out():
    def f(x: int, *args: int, **kwargs: str):
        return [x, args, kwargs]

    assert list(params(f)["properties"]) == ["x"]
    assert as_tool(f).invoke('{"x": 1}').output == "[1,[],{}]"


GOOGLE = """Get the weather.

    Reads a forecast service.

    Args:
        location: The city, e.g. Paris.
        unit: Temperature unit.
    """
NUMPY = """Get the weather.

    Reads a forecast service.

    Parameters
    ----------
    location : str
        The city, e.g. Paris.
    unit : str
        Temperature unit.
    """
REST = """Get the weather.

    Reads a forecast service.

    :param location: The city, e.g. Paris.
    :param unit: Temperature unit.
    :returns: the weather
    """


@pytest.mark.parametrize("docstring", [GOOGLE, NUMPY, REST], ids=["google", "numpy", "rest"])
def test_docstring_gives_description_and_parameter_descriptions(docstring):
    def get_weather(location: str, unit: str = "c"): ...

    get_weather.__doc__ = docstring
    schema = as_tool(get_weather).schema
    assert schema["description"] == "Get the weather.\n\nReads a forecast service."
    assert schema["parameters"]["properties"]["location"]["description"] == "The city, e.g. Paris."
    assert schema["parameters"]["properties"]["unit"]["description"] == "Temperature unit."


def test_name_and_description_options_win():
    @tool(name="weather", description="Custom.")
    def get_weather(location: str):
        """Docstring.

        Args:
            location: The city.
        """

    assert (get_weather.name, get_weather.description) == ("weather", "Custom.")
    assert get_weather.schema["parameters"]["properties"]["location"]["description"] == "The city."


def test_function_without_docstring_has_empty_description():
    def f(): ...

    assert as_tool(f).schema["description"] == ""
    assert as_tool(f).schema["parameters"] == {"type": "object", "properties": {}}


def test_decorated_function_is_still_the_function():
    @tool
    def add(a: int, b: int = 1) -> int:
        """Add."""
        return a + b

    @tool(timeout=5, confirm=True)
    async def later(x: int) -> int:
        return x * 2

    assert add(2, b=3) == 5
    assert add.__name__ == "add" and add.__doc__ == "Add."
    assert asyncio.run(later(4)) == 8
    assert (later.timeout, later.confirm, later.strict) == (5, True, False)
    assert later.func.__name__ == "later"


def test_as_tool_wraps_plain_functions_and_returns_tools_as_is():
    def f(x: int): ...

    decorated = tool(f)
    assert as_tool(decorated) is decorated
    assert isinstance(as_tool(f), Tool) and as_tool(f).name == "f"


def test_as_tool_rejects_what_is_not_callable():
    with pytest.raises(TypeError, match="tools must be functions or Tool objects, not int"):
        as_tool(3)


def test_unusable_names_are_rejected_with_a_hint():
    with pytest.raises(ValueError, match="name="):
        as_tool(lambda x: x)
    assert tool(name="double")(lambda x: 2 * x).invoke({"x": 2}).output == "4"


def test_parameter_type_without_a_schema_is_a_clear_type_error():
    class Opaque: ...

    def f(thing: Opaque): ...

    with pytest.raises(TypeError, match="cannot build the schema of tool 'f'"):
        as_tool(f)


def test_as_tools_maps_names_and_refuses_duplicates_and_mismatches():
    def f(): ...

    assert set(as_tools([f, tool(name="g")(f)])) == {"f", "g"}
    assert as_tools({"other": f})["other"].name == "other"
    with pytest.raises(ValueError, match="two tools are named 'f'"):
        as_tools([f, f])
    with pytest.raises(ValueError, match="another name"):
        as_tools({"x": tool(f)})


# --- strict mode ------------------------------------------------------------------------------


def strict_weather(
    location: str,
    unit: Literal["c", "f"] = "c",
    point: Point | None = None,
    people: list[Person] = (),
    address: Address | None = None,
):  # noqa: UP045
    return {"unit": unit, "point": point, "people": people, "address": address}


def test_strict_schema_closes_every_object_and_requires_every_property():
    schema = tool(strict=True)(strict_weather).schema
    objects = [node for node in subschemas(schema["parameters"]) if "properties" in node]
    assert schema["strict"] is True
    assert len(objects) == 4  # the arguments, point, person (in people) and address
    for node in objects:
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])
    assert not [node for node in subschemas(schema) if "default" in node]


def test_strict_schema_makes_optional_properties_nullable():
    props = tool(strict=True)(strict_weather).schema["parameters"]["properties"]
    assert props["location"] == {"type": "string"}
    assert props["unit"]["anyOf"] == [{"type": "string", "enum": ["c", "f"]}, {"type": "null"}]
    assert props["unit"]["description"] == '(default: "c")'
    point = props["point"]["anyOf"][0]
    assert point["properties"]["y"]["anyOf"][1] == {"type": "null"}
    assert {"type": "null"} in props["address"]["anyOf"]


def test_strict_null_means_the_default():
    weather = tool(strict=True)(strict_weather)
    args = {
        "location": "Oslo",
        "unit": None,
        "point": {"x": 1, "y": None},
        "people": None,
        "address": None,
    }
    result = weather.invoke(json.dumps(args))
    assert result.status == "done", result.output
    assert json.loads(result.output) == {
        "unit": "c",
        "point": {"x": 1, "y": 0.0},
        "people": [],
        "address": None,
    }
    nested = weather.invoke({"location": "Oslo", "people": [{"name": "Ann", "tags": None}]})
    assert json.loads(nested.output)["people"] == [{"name": "Ann", "tags": []}]


@pytest.mark.parametrize("annotation", [dict, dict[str, int], Any])
def test_strict_mode_refuses_what_it_cannot_describe(annotation):
    def f(x): ...

    f.__annotations__["x"] = annotation
    with pytest.raises(TypeError, match="strict=False"):
        tool(strict=True)(f)
    assert tool(f).strict is False


# --- invoke -----------------------------------------------------------------------------------


def test_arguments_are_validated_and_coerced():
    @tool
    def f(n: int, code: str, point: Point, color: Color = Color.RED):
        return [n, code, point, color]

    result = f.invoke('{"n": "3", "code": 75001, "point": {"x": "2"}, "color": "blue"}')
    assert result.status == "done" and result.error is None
    assert result.output == '[3,"75001",{"x":2,"y":0.0},"blue"]'


def test_arguments_may_be_a_dict_and_empty_means_none():
    @tool
    def f(x: int = 7):
        return x

    assert f.invoke("").output == "7"
    assert f.invoke("  ").output == "7"
    assert f.invoke({"x": 1}).output == "1"


def test_invalid_json_is_an_error_for_the_model():
    result = as_tool(strict_weather).invoke('{"location": ')
    assert result.status == "error"
    assert result.output.startswith("Error: invalid arguments for strict_weather: not valid JSON")
    assert result.traceback is None


def test_arguments_that_are_not_an_object_are_refused():
    result = as_tool(strict_weather).invoke("[1, 2]")
    assert result.output == (
        "Error: invalid arguments for strict_weather: expected a JSON object, got list"
    )


def test_missing_wrong_and_extra_arguments_are_named():
    result = as_tool(strict_weather).invoke('{"unit": "k", "city": "Oslo"}')
    assert result.status == "error"
    assert result.output.startswith("Error: invalid arguments for strict_weather: ")
    assert "location: Field required" in result.output
    assert "unit: Input should be 'c' or 'f'" in result.output
    assert "city: Extra inputs are not permitted" in result.output
    assert result.error.startswith("InvalidArguments: ")


def test_raising_tool_reports_type_and_message_and_keeps_the_traceback():
    @tool
    def explode(x: int):
        raise ValueError(f"boom {x}")

    result = explode.invoke('{"x": 1}', call_id="c9")
    assert (result.status, result.output, result.error) == (
        "error",
        "Error: ValueError: boom 1",
        "ValueError: boom 1",
    )
    assert result.call_id == "c9" and result.name == "explode"
    assert 'raise ValueError(f"boom {x}")' in result.traceback
    assert result.traceback.splitlines()[1].endswith("in explode")  # starts at the user's code


def test_slow_tool_times_out_without_waiting_for_it():
    release, finished = threading.Event(), threading.Event()

    @tool(timeout=0.2)
    def slow():
        release.wait(30)
        finished.set()

    result = slow.invoke()
    assert not finished.is_set()  # invoke returned while the tool still ran
    release.set()
    assert result.status == "timeout"
    assert result.output == "Error: slow did not finish within 0.2 s and was abandoned."
    assert result.duration >= 0.2  # it did wait out its timeout


def test_slow_async_tool_is_cancelled_at_its_timeout():
    cancelled = threading.Event()

    @tool(timeout=0.1)
    async def slow():
        try:
            await asyncio.sleep(2)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    assert slow.invoke().status == "timeout"
    assert cancelled.wait(10)


def test_a_timeout_error_raised_by_the_tool_is_an_error_not_a_timeout():
    @tool(timeout=5)
    def f():
        raise TimeoutError("upstream")

    result = f.invoke()
    assert (result.status, result.output) == ("error", "Error: TimeoutError: upstream")


def test_async_tool_is_awaited():
    @tool
    async def fetch(n: int):
        await asyncio.sleep(0)
        return {"n": n}

    assert fetch.invoke('{"n": "2"}').output == '{"n":2}'


def test_invoke_works_while_an_event_loop_runs_in_this_thread():
    @tool
    async def fetch(n: int):
        await asyncio.sleep(0.01)
        return n + 1

    async def notebook_cell():  # IPython runs cells inside a running loop
        return fetch.invoke('{"n": 1}')

    assert asyncio.run(notebook_cell()).output == "2"


def test_ainvoke_runs_async_tools_on_the_callers_loop_and_plain_ones_in_threads():
    seen = {}

    @tool
    async def on_loop():
        seen["loop"] = asyncio.get_running_loop()

    @tool
    def in_thread():
        seen["thread"] = threading.current_thread()

    async def main():
        await on_loop.ainvoke()
        await in_thread.ainvoke()
        return asyncio.get_running_loop()

    assert asyncio.run(main()) is seen["loop"]
    assert seen["thread"] is not threading.current_thread()


# --- output -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Reading:
    city: str
    temp: float


class Opaque:
    def __repr__(self):
        return "<Opaque thing>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain text", "plain text"),
        ({"city": "Zürich", "temp": 3}, '{"city":"Zürich","temp":3}'),
        ([1, 2.5, True, None], "[1,2.5,true,null]"),
        (None, "null"),
        (42, "42"),
        (Reading("Oslo", -2.0), '{"city":"Oslo","temp":-2.0}'),
        (Person(name="Ann", tags=["x"]), '{"name":"Ann","tags":["x"]}'),
        (Opaque(), "<Opaque thing>"),
    ],
    ids=["str", "dict", "list", "none", "int", "dataclass", "model", "repr"],
)
def test_return_values_become_output_text(value, expected):
    assert format_output(value) == expected
    assert tool(name="f")(lambda: value).invoke().output == expected


def test_pandas_objects_become_plain_text_tables():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"city": ["Oslo", "Rome"], "temp": [-2, 18]})
    assert format_output(frame).splitlines() == [
        "   city  temp",
        "0  Oslo    -2",
        "1  Rome    18",
    ]
    assert format_output(frame["temp"]) == "0    -2\n1    18"
    long = format_output(pd.DataFrame({"n": range(10_000)}))
    assert "..." in long and len(long.splitlines()) < 250


def test_long_output_is_truncated_with_a_note():
    @tool(max_output_chars=10)
    def chatty():
        return "x" * 1_010

    assert chatty.invoke().output == "x" * 10 + "\n… [truncated 1,000 more characters]"


def test_default_output_limit_is_configurable(monkeypatch):
    monkeypatch.setattr(tools_module.output, "MAX_OUTPUT_CHARS", 5)
    output = tool(name="f")(lambda: "abcdefgh").invoke().output
    assert output == "abcde\n… [truncated 3 more characters]"
    assert format_output("abcdefgh") == output
    assert format_output("abcdefgh", limit=7) == "abcdefg\n… [truncated 1 more character]"


# --- run_calls --------------------------------------------------------------------------------


def test_unknown_tool_is_an_error_naming_the_available_tools():
    def secret(): ...

    def get_time(): ...

    [result] = run_calls([Call("secret", call_id="c1")], [get_time])
    assert result.status == "error" and result.call_id == "c1"
    assert result.output == "Error: there is no tool named 'secret'. Available tools: get_time."


def test_confirm_tool_is_refused_without_a_callback():
    ran = []

    @tool(confirm=True)
    def delete_files():
        ran.append(1)

    [result] = run_calls([Call("delete_files")], [delete_files])
    assert result.status == "denied"
    assert "needs the user's approval" in result.output and "notebook frontend" in result.output
    assert ran == []


@pytest.mark.parametrize("approve", [True, False])
def test_confirm_callback_decides(approve):
    asked = []

    @tool(confirm=True)
    def delete_files(pattern: str):
        return f"deleted {pattern}"

    def confirm(t, call):
        asked.append((t.name, call.arguments))
        return approve

    call = Call("delete_files", '{"pattern": "*.tmp"}')
    [result] = run_calls([call], [delete_files], confirm=confirm)
    assert asked == [("delete_files", '{"pattern": "*.tmp"}')]
    if approve:
        assert (result.status, result.output) == ("done", "deleted *.tmp")
    else:
        assert (result.status, result.output) == (
            "denied",
            "Error: the user declined to run delete_files.",
        )


def sleep_sync(seconds: float) -> str:
    time.sleep(seconds)
    return f"slept {seconds}"


async def sleep_async(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return f"slept {seconds}"


def meeting(size: int) -> tuple[Any, Any]:
    """A sync and an async function, each returning "met" once ``size`` calls are inside at
    once, or "alone" after 10 s: only calls that run concurrently can all meet."""
    inside = []

    def met() -> bool:
        return len(inside) >= size

    def meet_sync(name: str) -> str:
        inside.append(name)
        deadline = time.monotonic() + 10
        while not met() and time.monotonic() < deadline:
            time.sleep(0.01)
        return "met" if met() else "alone"

    async def meet_async(name: str) -> str:
        inside.append(name)
        deadline = time.monotonic() + 10
        while not met() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return "met" if met() else "alone"

    return meet_sync, meet_async


@pytest.mark.parametrize("kind", [0, 1], ids=["threads", "event-loop"])
def test_two_calls_run_concurrently(kind):
    fn = meeting(2)[kind]
    first, second = tool(name="first")(fn), tool(name="second")(fn)
    calls = [Call("first", '{"name": "a"}', "a"), Call("second", '{"name": "b"}', "b")]
    results = run_calls(calls, [first, second])
    assert [r.output for r in results] == ["met", "met"]


def test_results_come_back_in_call_order_with_callbacks_in_order():
    events = []
    calls = [
        Call("sleep_sync", '{"seconds": 0.3}', "slow"),
        Call("sleep_async", '{"seconds": 0.1}', "fast"),
        Call("nope", "{}", "bad"),
    ]
    results = run_calls(
        calls,
        [sleep_sync, sleep_async],
        on_start=lambda call: events.append(("start", call.call_id, threading.current_thread())),
        on_finish=lambda r: events.append(("finish", r.call_id, threading.current_thread())),
    )
    assert [r.call_id for r in results] == ["slow", "fast", "bad"]
    assert [r.status for r in results] == ["done", "done", "error"]
    assert [(kind, cid) for kind, cid, _ in events] == [
        ("start", "slow"),
        ("start", "fast"),
        ("start", "bad"),
        ("finish", "bad"),
        ("finish", "fast"),
        ("finish", "slow"),
    ]
    assert {thread for *_, thread in events} == {threading.current_thread()}


def test_calls_may_be_dicts_and_empty_lists_are_fine():
    item = {
        "type": "function_call",
        "name": "sleep_sync",
        "call_id": "x",
        "arguments": '{"seconds": 0}',
    }
    [result] = run_calls([item], {"sleep_sync": sleep_sync})
    assert (result.call_id, result.output) == ("x", "slept 0.0")
    assert run_calls([], [sleep_sync]) == []


def test_a_failing_callback_reaches_the_caller():
    def broken(call):
        raise RuntimeError("ui bug")

    with pytest.raises(RuntimeError, match="ui bug"):
        run_calls([Call("sleep_sync", '{"seconds": 0}')], [sleep_sync], on_start=broken)


def test_arun_calls_for_async_callers():
    finished: list[ToolResult] = []

    async def main():
        return await arun_calls(
            [Call("sleep_async", '{"seconds": 0.01}', "a"), Call("sleep_sync", "", "b")],
            [sleep_async, sleep_sync],
            on_finish=finished.append,
        )

    results = asyncio.run(main())
    assert results[0].output == "slept 0.01"
    assert results[1].status == "error" and "seconds: Field required" in results[1].output
    assert sorted(r.call_id for r in finished) == ["a", "b"]


def test_interrupting_run_calls_returns_at_once_and_cancels_async_calls():
    started, cancelled, finished = threading.Event(), threading.Event(), []

    @tool
    async def slow():
        started.set()
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        finished.append(True)

    def interrupt() -> None:
        if started.wait(30):
            _thread.interrupt_main()  # what a kernel interrupt does

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        run_calls([Call("slow")], [slow])
    assert not finished  # run_calls returned without waiting out the 5 s sleep
    assert cancelled.wait(10)


def test_an_interrupt_just_as_the_calls_start_still_stops_them(monkeypatch):
    """The interrupt lands right after the worker thread starts, before the first wait."""
    import concurrent.futures

    from or_jupyter.tools import threads

    started_threads, finished = [], []

    @tool
    async def slow():
        await asyncio.sleep(3)
        finished.append(True)

    def start_then_interrupt(fn):
        future = real_in_thread(fn)
        started_threads.append(future)
        _thread.interrupt_main()  # delivered at the caller's next instruction
        return future

    real_in_thread = threads.in_thread
    monkeypatch.setattr(threads, "in_thread", start_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_calls([Call("slow")], [slow])
    concurrent.futures.wait(started_threads, timeout=30)  # the private loop has ended
    assert started_threads[0].done() and not finished  # cancelled, not run to its end
