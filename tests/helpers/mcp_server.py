"""A small MCP server for the tests, written with the `mcp` SDK's server API (`MCPServer`).

    python tests/helpers/mcp_server.py stdio          # over stdin/stdout
    python tests/helpers/mcp_server.py http PORT      # streamable HTTP on 127.0.0.1:PORT/mcp

Its tools: `add`, `pid` (its process id), `picture` (text and a PNG), `bad_picture`
(an image whose data is not base64: garbage), `sleep` (hangs for a while), `crash` (the
process dies mid-call) and `fail` (the tool reports an error). Over HTTP it answers only
requests carrying the header `X-Token: let-me-in`.
"""

from __future__ import annotations

import base64
import os
import sys
import time

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TOKEN = "let-me-in"


def server():
    from mcp.server.mcpserver import Image, MCPServer
    from mcp.types import ImageContent

    app = MCPServer("test-server")

    @app.tool(description="Add two integers.")
    def add(a: int, b: int) -> int:
        return a + b

    @app.tool(description="The server's process id.")
    def pid() -> str:
        return str(os.getpid())

    @app.tool(description="A one-pixel picture, with a caption.")
    def picture() -> list:
        return ["a red pixel", Image(data=PNG, format="png")]

    @app.tool(description="A picture whose data is garbage.")
    def bad_picture() -> list:
        return [ImageContent(type="image", data="%%% not base64 %%%", mimeType="image/png")]

    @app.tool(description="Sleep for some seconds.")
    def sleep(seconds: float) -> str:
        time.sleep(seconds)
        return "awake"

    @app.tool(description="Die in the middle of the call.")
    def crash() -> str:
        sys.stderr.write("test-server: crashing on purpose\n")
        sys.stderr.flush()
        os._exit(3)

    @app.tool(description="Report an error.")
    def fail() -> str:
        raise ValueError("the tool failed on purpose")

    return app


def _guarded(asgi):
    """The ASGI app, answering 401 to requests without the token header."""

    async def app(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"x-token") != TOKEN.encode():
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"no token"})
                return
        await asgi(scope, receive, send)

    return app


def main() -> None:
    mode = sys.argv[1]
    if mode == "stdio":
        server().run("stdio")
        return
    import uvicorn

    app = server().streamable_http_app(host="127.0.0.1")
    uvicorn.run(_guarded(app), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")


if __name__ == "__main__":
    main()
