"""or_jupyter: OpenRouter's Responses API in Jupyter.

`%load_ext or_jupyter` for the `%%responses` magic; `Client`, `AsyncClient`,
`Conversation`, `compare` and `tool` for Python code; `map` / `amap` for one prompt
over many rows (`orj.map` shadows the builtin only as an attribute of this package).
"""

from ._version import __version__
from .batch import BudgetError, RowResult, TemplateError, amap, map
from .cache import CacheError
from .cassette import CassetteError, ReplayMissError
from .client import AsyncClient, Client
from .compare import acompare, compare
from .conversation import BranchError, Comparison, Conversation
from .observer import Observer, SendObserver
from .offline_mode import offline
from .protocol import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Event,
    EventTooLargeError,
    FunctionCall,
    InsufficientCreditsError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    RedirectError,
    RequestTimeoutError,
    Response,
    ResponseFailedError,
    ResponseTooLargeError,
    SecretInRequestError,
    ServerError,
    StreamError,
    StreamTimeoutError,
    UnexpectedContentError,
)
from .saved import responses_in
from .stream import AsyncResponseStream, ResponseStream
from .tools import Tool, ToolResult, tool

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "BranchError",
    "BudgetError",
    "CacheError",
    "CassetteError",
    "ChatForm",
    "Client",
    "Comparison",
    "Conversation",
    "Event",
    "EventTooLargeError",
    "FunctionCall",
    "InsufficientCreditsError",
    "MissingAPIKeyError",
    "NotFoundError",
    "Observer",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RedirectError",
    "ReplayMissError",
    "RequestTimeoutError",
    "Response",
    "ResponseFailedError",
    "ResponseStream",
    "ResponseTooLargeError",
    "RowResult",
    "SecretInRequestError",
    "SendObserver",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "TemplateError",
    "Tool",
    "ToolResult",
    "UnexpectedContentError",
    "acompare",
    "amap",
    "compare",
    "map",
    "offline",
    "responses_in",
    "tool",
    "__version__",
]


def load_ipython_extension(ipython):
    """`%load_ext or_jupyter`: the `%%responses` and `%responses` magics."""
    from .notebook import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str):
    # ChatForm pulls in ipywidgets: load it only when asked for.
    if name == "ChatForm":
        from .notebook import ChatForm

        return ChatForm
    raise AttributeError(f"module 'or_jupyter' has no attribute {name!r}")
