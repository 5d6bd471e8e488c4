"""The Responses protocol, pure: SSE decoding, events, accumulation and errors.

Nothing here does I/O or knows about notebooks; the client and the emulator
build on it.
"""

from .accumulator import Accumulator, response_from_json
from .errors import *  # noqa: F403
from .errors import __all__ as _errors
from .events import *  # noqa: F403
from .events import __all__ as _events
from .images import PARTIAL_IMAGE, GeneratedImage, decode_image, item_image
from .request import request_body, tool_choice_param
from .response import FunctionCall, Response, Status
from .routing import PROVIDER_KEYS, fallback_models, parse_provider
from .sse import SSEDecoder, SSEMessage

__all__ = [
    "Accumulator",
    "FunctionCall",
    "GeneratedImage",
    "PARTIAL_IMAGE",
    "PROVIDER_KEYS",
    "Response",
    "SSEDecoder",
    "SSEMessage",
    "Status",
    "decode_image",
    "fallback_models",
    "item_image",
    "parse_provider",
    "request_body",
    "response_from_json",
    "tool_choice_param",
    *_events,
    *_errors,
]
