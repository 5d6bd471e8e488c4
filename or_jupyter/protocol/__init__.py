"""The Responses protocol, pure: SSE decoding, events, accumulation and errors.

Nothing here does I/O or knows about notebooks; the client and the emulator
build on it.
"""

from .accumulator import TERMINAL_TYPES, Accumulator, response_from_json
from .errors import *  # noqa: F403
from .errors import __all__ as _errors
from .events import ALIASES, DONE, Event, canonical_type, parse_message
from .request import request_body, tool_choice_param
from .response import FunctionCall, Response
from .sse import SSEDecoder, SSEMessage

__all__ = [
    "ALIASES",
    "DONE",
    "TERMINAL_TYPES",
    "Accumulator",
    "Event",
    "FunctionCall",
    "Response",
    "SSEDecoder",
    "SSEMessage",
    "canonical_type",
    "parse_message",
    "request_body",
    "response_from_json",
    "tool_choice_param",
    *_errors,
]
