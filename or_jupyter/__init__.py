"""or_jupyter: OpenRouter's Responses API in Jupyter.

`%load_ext or_jupyter` for the `%%responses` magic; `Client`, `AsyncClient`,
`Conversation` and `tool` for Python code.
"""

__version__ = "0.1.0"

from .client import AsyncClient, Client  # noqa: E402
from .conversation import Conversation  # noqa: E402
from .observer import Observer, SendObserver  # noqa: E402
from .offline_mode import offline  # noqa: E402
from .protocol import (  # noqa: E402
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Event,
    FunctionCall,
    InsufficientCreditsError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    RequestTimeoutError,
    Response,
    ResponseFailedError,
    ServerError,
    StreamError,
    StreamTimeoutError,
)
from .stream import AsyncResponseStream, ResponseStream  # noqa: E402
from .tools import Tool, ToolResult, tool  # noqa: E402

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "Event",
    "FunctionCall",
    "InsufficientCreditsError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RequestTimeoutError",
    "Response",
    "ResponseFailedError",
    "ResponseStream",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "ChatForm",
    "Conversation",
    "Observer",
    "SendObserver",
    "Tool",
    "ToolResult",
    "offline",
    "tool",
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
