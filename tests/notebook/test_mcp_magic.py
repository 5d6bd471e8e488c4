"""`%responses mcp ...` and `-t mcp:NAME` in a real IPython shell, and in a real kernel the
published `mcp-server-time` started over stdio, called by the emulator's assistant, and gone
with the kernel."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from IPython.core.error import UsageError

SERVER = str(Path(__file__).parents[1] / "helpers" / "mcp_server.py")


def proc_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_mcp_add_list_tools_a_cell_and_remove_in_a_shell(ip, capsys):
    from or_jupyter.tools.mcp_servers import DEFAULT_HUB

    ip.run_line_magic(
        "responses", f"mcp add calc --approve auto -- {sys.executable} {SERVER} stdio"
    )
    try:
        said = capsys.readouterr().out
        assert "MCP server 'calc' started" in said and "add, pid" in said
        assert "Offer them with -t mcp:calc; calls run without asking." in said
        ip.run_line_magic("responses", "mcp list")
        listing = ip.publisher.html()
        assert "<td>calc</td>" in listing and "<td>running</td>" in listing
        ip.run_line_magic("responses", "mcp tools calc")
        assert "<td>calc__add</td>" in ip.publisher.html()
        ip.publisher.reset()
        ip.run_cell("%%responses -t mcp:calc/add\nUse the calc server's add with a=2, b=40.")
        html = ip.publisher.html()
        assert "calc__add" in html and "42" in html
        history = ip.magics_manager.registry["Responses"].chats["default"].history
        assert [i["name"] for i in history if i["type"] == "function_call"] == ["calc__add"]
        offered = ip.magics_manager.registry["Responses"].session.offered["default"]
        assert list(offered.last) == ["calc__add"]  # one tool of the server, as asked
    finally:
        ip.run_line_magic("responses", "mcp remove calc")
    assert "calc" not in DEFAULT_HUB.servers
    assert "MCP server 'calc' stopped" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("mcp", "usage: %responses mcp add NAME"),
        ("mcp start x", "usage: %responses mcp add NAME"),
        ("mcp add x", "give a command after -- or --url URL"),
        ("mcp add x --url http://h/mcp -- cmd", "give a command after -- or --url URL"),
        ("mcp add x --header nokey -- cmd", "--header takes KEY=VALUE"),
        ("mcp add x --approve maybe -- cmd", "--approve must be ask or auto"),
        ("mcp add x --port 3 -- cmd", "unexpected '--port'"),
        ("mcp remove nobody", "no MCP server named 'nobody'"),
        ("mcp tools nobody", "no MCP server named 'nobody'"),
    ],
)
def test_mcp_subcommand_mistakes_are_one_line(ip, line, message):
    with pytest.raises(UsageError) as raised:
        ip.run_line_magic("responses", line)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_cell_offering_a_server_never_added_is_one_line(ip):
    with pytest.raises(UsageError, match=r"--tools mcp:absent: no MCP server named 'absent'"):
        ip.run_cell_magic("responses", "-t mcp:absent", "hello")


@pytest.mark.kernel
@pytest.mark.slow
def test_the_published_time_server_in_a_kernel_is_called_and_gone_after_shutdown():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        out: list[str] = []

        def keep(message):
            content = message["content"]
            out.append(content.get("text", "") + str(content.get("data", {}).get("text/html", "")))

        reply = client.execute_interactive(
            "%load_ext or_jupyter\n%responses offline on\n"
            f"%responses mcp add time --approve auto -- {sys.executable} -m mcp_server_time "
            "--local-timezone UTC",
            timeout=120,
            output_hook=keep,
        )
        assert reply["content"]["status"] == "ok", "".join(out)
        assert "get_current_time" in "".join(out)
        out.clear()
        reply = client.execute_interactive(
            "%%responses -m emulator/assistant -t mcp:time\n"
            "Use the time server's get_current_time with timezone=Europe/Paris.",
            timeout=120,
            output_hook=keep,
        )
        shown = "".join(out)
        assert reply["content"]["status"] == "ok", shown
        assert "time › get_current_time" in shown and "Europe/Paris" in shown  # its card
        out.clear()
        client.execute_interactive(
            "import pathlib\n"
            "kids = [p for t in pathlib.Path('/proc/self/task').iterdir()"
            " for p in (t / 'children').read_text().split()]\n"
            "print(*[p for p in kids if b'mcp_server_time' in"
            " pathlib.Path(f'/proc/{p}/cmdline').read_bytes()])",
            timeout=60,
            output_hook=keep,
        )
        [pid] = [int(p) for p in "".join(out).split()]
        assert proc_alive(pid)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)  # a clean shutdown: the kernel's exit stops it
    for _ in range(100):
        if not proc_alive(pid):
            break
        time.sleep(0.1)
    assert not proc_alive(pid)
