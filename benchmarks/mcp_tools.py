"""MCP tools: what `McpTool` adds to a call of an MCP server's tool, against the SDK alone.

The published `mcp-server-time` runs over stdio. Timed: starting it and listing its tools
(`mcp_tools`); then `--calls` calls of `get_current_time`, each the median of
- the SDK's own `Client.call_tool`, awaited on the hub's loop (what any MCP client pays);
- `McpTool.invoke`, as the tool loop runs it (its thread, the hub's loop, the result's
  conversion), from a plain thread;
and the difference, our overhead per call.

    .venv/bin/python benchmarks/mcp_tools.py [--calls 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from or_jupyter.tools.mcp_servers import ServerHub
from or_jupyter.tools.mcp_tools import mcp_tools

ARGUMENTS = {"timezone": "Europe/Paris"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    calls = parser.parse_args().calls
    hub = ServerHub()
    start = time.perf_counter()
    command = [sys.executable, "-m", "mcp_server_time", "--local-timezone", "UTC"]
    tools = mcp_tools("time", command, approve="auto", only=["get_current_time"], hub=hub)
    started = time.perf_counter() - start
    [tool] = tools
    server = hub.get("time")
    tool.invoke(ARGUMENTS)  # warm both paths once

    def sdk_call() -> float:
        async def call() -> float:
            began = time.perf_counter()
            await server.client.call_tool("get_current_time", ARGUMENTS)
            return time.perf_counter() - began

        return hub.wait(call(), 30)

    def ours() -> float:
        began = time.perf_counter()
        result = tool.invoke(ARGUMENTS)
        assert result.status == "done", result.output
        return time.perf_counter() - began

    sdk = statistics.median(sdk_call() for _ in range(calls))
    wrapped = statistics.median(ours() for _ in range(calls))
    hub.shutdown()
    print(f"start mcp-server-time and list its tools: {started:.2f} s")
    print(f"one call, median of {calls}:")
    print(f"  the SDK's call_tool on the hub's loop : {sdk * 1000:7.2f} ms")
    print(f"  McpTool.invoke (as the tool loop)     : {wrapped * 1000:7.2f} ms")
    print(f"  overhead per call                     : {(wrapped - sdk) * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
