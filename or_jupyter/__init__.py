"""or_jupyter: OpenRouter's Responses API in Jupyter.

`%load_ext or_jupyter` for the `%%responses` magic; `Client`, `AsyncClient`,
`Conversation`, `compare` and `tool` for Python code; `map` / `amap` for one prompt
over many rows (`orj.map` shadows the builtin only as an attribute of this package).
"""

from typing import TYPE_CHECKING

from ._version import __version__
from .lazy import lazy_exports

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncConversation",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "BranchError",
    "BudgetError",
    "BudgetExceededError",
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
    "aevaluate",
    "amap",
    "compare",
    "evaluate",
    "kernel_tools",
    "map",
    "mcp_tools",
    "offline",
    "responses_in",
    "set_budget",
    "tool",
    "usage",
    "__version__",
]

# Each public name and the module it lives in: the package imports a module only when one of
# its names is first used, so `import or_jupyter` stays instant (httpx, pydantic, ipywidgets,
# aiohttp and jsonschema load with the feature that needs them).
_EXPORTS = {
    "aevaluate": ".evaluation",
    "evaluate": ".evaluation",
    "amap": ".over_data",
    "BudgetError": ".batch",
    "map": ".over_data",
    "RowResult": ".batch",
    "TemplateError": ".batch",
    "CacheError": ".kept.cache",
    "CassetteError": ".kept.cassette",
    "ReplayMissError": ".kept.cassette",
    "AsyncClient": ".client.clients",
    "Client": ".client.clients",
    "acompare": ".chat.compare",
    "compare": ".chat.compare",
    "AsyncConversation": ".chat.async_conversation",
    "BranchError": ".chat.conversation",
    "Comparison": ".chat.conversation",
    "Conversation": ".chat.conversation",
    "Observer": ".chat.observer",
    "SendObserver": ".chat.observer",
    "offline": ".client.offline_mode",
    "APIConnectionError": ".protocol",
    "APIError": ".protocol",
    "APITimeoutError": ".protocol",
    "AuthenticationError": ".protocol",
    "BadRequestError": ".protocol",
    "Event": ".protocol",
    "EventTooLargeError": ".protocol",
    "FunctionCall": ".protocol",
    "InsufficientCreditsError": ".protocol",
    "MissingAPIKeyError": ".protocol",
    "NotFoundError": ".protocol",
    "PermissionDeniedError": ".protocol",
    "ProtocolError": ".protocol",
    "RateLimitError": ".protocol",
    "RedirectError": ".protocol",
    "RequestTimeoutError": ".protocol",
    "Response": ".protocol",
    "ResponseFailedError": ".protocol",
    "ResponseTooLargeError": ".protocol",
    "SecretInRequestError": ".protocol",
    "ServerError": ".protocol",
    "StreamError": ".protocol",
    "StreamTimeoutError": ".protocol",
    "UnexpectedContentError": ".protocol",
    "responses_in": ".notebook.saved",
    "AsyncResponseStream": ".client.stream",
    "ResponseStream": ".client.stream",
    "Tool": ".tools",
    "tool": ".tools",
    "ToolResult": ".tools",
    "mcp_tools": ".tools.mcp_tools",
    "ChatForm": ".notebook",
    "BudgetExceededError": ".protocol",
    "set_budget": ".client.ledger",
    "usage": ".client.ledger",
    "kernel_tools": ".notebook.agent",
}

if TYPE_CHECKING:  # what editors and type checkers see
    from .batch import BudgetError, RowResult, TemplateError
    from .chat.async_conversation import AsyncConversation
    from .chat.compare import acompare, compare
    from .chat.conversation import BranchError, Comparison, Conversation
    from .chat.observer import Observer, SendObserver
    from .client.clients import AsyncClient, Client
    from .client.ledger import set_budget, usage
    from .client.offline_mode import offline
    from .client.stream import AsyncResponseStream, ResponseStream
    from .evaluation import aevaluate, evaluate
    from .kept.cache import CacheError
    from .kept.cassette import CassetteError, ReplayMissError
    from .notebook import ChatForm
    from .notebook.agent import kernel_tools
    from .notebook.saved import responses_in
    from .over_data import amap, map
    from .protocol import (
        APIConnectionError,
        APIError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        BudgetExceededError,
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
    from .tools import Tool, ToolResult, tool
    from .tools.mcp_tools import mcp_tools


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


def load_ipython_extension(ipython):
    """`%load_ext or_jupyter`: the `%%responses` and `%responses` magics."""
    from .notebook import load_ipython_extension as load

    load(ipython)
