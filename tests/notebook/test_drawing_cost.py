"""What drawing an answer costs: a short answer is plain HTML published once or twice, a
long one streams in widgets; counted as the messages a kernel sends (JSON bytes)."""

from __future__ import annotations

import json
import os

import pytest

WIDGET = "application/vnd.jupyter.widget-view+json"


def test_a_short_answer_publishes_at_most_five_times_its_final_html(ip):
    for number in (6, 7, 8):
        ip.publisher.reset()
        result = ip.run_cell(f"%%responses\nWhat is {number}*7? One sentence.")
        assert result.success, result.error_in_exec
        html = ip.publisher.html()
        assert "orj-footer" in html and str(number * 7) in html
        assert ip.publisher.total_bytes() <= 5 * len(html), (number, ip.publisher.total_bytes())
        opens = sum(m.kind == "comm_open" for m in ip.publisher.comms)
        assert opens == sum(m.kind == "comm_close" for m in ip.publisher.comms)


def test_a_long_answer_still_streams_in_widgets_and_closes_every_one(ip):
    result = ip.run_cell("%%responses -m emulator/long --max-output-tokens 3000\nwrite")
    assert result.success, result.error_in_exec
    comms = ip.publisher.comms
    opened = [m.data.get("state", {}).get("_model_name") for m in comms if m.kind == "comm_open"]
    assert "HTMLModel" in opened and "VBoxModel" in opened
    assert sum(m.kind == "comm_close" for m in comms) == len(opened)
    outputs = [o for o in ip.publisher.outputs() if o.get("text/html")]
    assert len(outputs) == 1 and WIDGET not in outputs[0]  # sealed as one static output


def _wire(message: dict) -> int:
    """Bytes of a message's parts as the kernel sends them (jupyter_client's json_packer)."""
    parts = ("header", "parent_header", "metadata", "content")
    return sum(len(json.dumps(message[p], default=str, ensure_ascii=False).encode()) for p in parts)


def _outputs(messages: list[dict]) -> list[dict]:
    """The cell's outputs as a frontend holds them: displays appended, updates applied."""
    outputs: list[dict] = []
    shown: dict[str, int] = {}
    for m in messages:
        display_id = (m["content"].get("transient") or {}).get("display_id")
        if m["msg_type"] == "display_data":
            outputs.append(m["content"])
            if display_id:
                shown[display_id] = len(outputs) - 1
        elif m["msg_type"] == "update_display_data" and display_id in shown:
            outputs[shown[display_id]] = m["content"]
    return outputs


@pytest.mark.kernel
def test_in_a_kernel_a_short_answer_publishes_at_most_five_times_its_final_html():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(
        kernel_name="python3", env={**os.environ, "OR_JUPYTER_OFFLINE": "1"}
    )
    try:
        client.execute_interactive("%load_ext or_jupyter", timeout=60)
        client.execute_interactive("%%responses\nHello.", timeout=60)  # warm: imports, emulator
        for number in (6, 7):
            messages = []
            client.execute_interactive(
                f"%%responses\nWhat is {number}*7? One sentence.",
                timeout=60,
                output_hook=messages.append,
            )
            published = [m for m in messages if m["msg_type"] not in ("status", "execute_input")]
            outputs = _outputs(published)
            html = "".join(output["data"].get("text/html", "") for output in outputs)
            assert f"{number * 7}" in html and "orj-footer" in html
            # one output, displayed once when the answer is whole: no placeholder before it
            assert [m["msg_type"] for m in published] == ["display_data"]
            assert len(outputs) == 1 and outputs[0]["metadata"]["or_jupyter"]["version"] == 3
            # everything sent, the restore record included, against the HTML alone (the
            # stylesheet went out once, with the first answer of the session)
            size = sum(_wire(m) for m in published)
            assert size <= 5 * len(html.encode()), (number, size, len(html.encode()))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
