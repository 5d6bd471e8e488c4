"""Notebook functions as tools the model can call.

``@tool`` turns a Python function into a Responses API function tool: a JSON Schema built by
pydantic from the type hints, descriptions read by docstring-parser from the docstring, and
``invoke``/``ainvoke``, which parse, validate and run one call from the model and turn whatever
happens (bad JSON, invalid arguments, an exception, a timeout) into a ``ToolResult`` -- never an
exception in the user's cell.  ``run_calls``/``arun_calls`` run all the calls of one turn
concurrently: plain functions in threads, ``async def`` tools on an event loop.
"""

from .output import MAX_OUTPUT_CHARS, format_output
from .run import arun_calls, run_calls
from .schema import base_schema, strict_schema
from .tool import Status, Tool, ToolResult, as_tool, as_tools, tool

__all__ = [
    "MAX_OUTPUT_CHARS",
    "Tool",
    "ToolResult",
    "Status",
    "arun_calls",
    "base_schema",
    "as_tool",
    "as_tools",
    "format_output",
    "run_calls",
    "strict_schema",
    "tool",
]
