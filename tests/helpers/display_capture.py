"""A real IPython shell whose display publisher records every message it would send.

Each message is counted in bytes as the kernel would serialise it (JSON), and
updates are applied by display id, as a frontend or nbclient does, to give the
final list of outputs a saved notebook would hold. Widget traffic (comm messages:
a live answer is drawn in widgets until its cell ends) is recorded too, in `comms`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import comm
from comm.base_comm import BaseComm
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell


@dataclass
class Published:
    data: dict[str, Any]
    display_id: str | None
    update: bool
    size: int
    at: float
    clear: bool = False  # a clear_output: the cell's outputs so far are gone


@dataclass
class CommMessage:
    kind: str  # comm_open, comm_msg, comm_close
    data: dict[str, Any]
    size: int
    at: float


@dataclass
class CapturingPublisher(DisplayPublisher):
    messages: list[Published] = field(default_factory=list)
    comms: list[CommMessage] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        import time

        display_id = (transient or {}).get("display_id")
        message = {"data": data, "metadata": metadata or {}, "transient": transient or {}}
        size = len(json.dumps(message, default=str))
        self.messages.append(Published(data, display_id, update, size, time.monotonic()))

    def clear_output(self, wait=False):
        self.messages.append(Published({}, None, False, 20, 0.0, clear=True))

    def outputs(self) -> list[dict[str, Any]]:
        """The final outputs, updates applied in place by display id."""
        final: list[dict[str, Any]] = []
        where: dict[str, list[int]] = {}
        for m in self.messages:
            if m.clear:
                final, where = [], {}
                continue
            if m.update:
                for index in where.get(m.display_id, []):
                    final[index] = m.data
                continue
            if m.display_id:
                where.setdefault(m.display_id, []).append(len(final))
            final.append(m.data)
        return final

    def html(self) -> str:
        return "".join(o.get("text/html", "") for o in self.outputs())

    def total_bytes(self) -> int:
        return sum(m.size for m in self.messages) + sum(m.size for m in self.comms)

    def reset(self) -> None:
        self.messages.clear()
        self.comms.clear()


_current: list[CapturingPublisher] = []


class _CapturingComm(BaseComm):
    """A comm that records what it would send to the frontend (as a kernel's would)."""

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        import time

        if _current:
            message = {"data": data, "metadata": metadata or {}, "comm_id": self.comm_id}
            size = len(json.dumps(message, default=str))
            _current[-1].comms.append(CommMessage(msg_type, data or {}, size, time.monotonic()))


def shell_with_capture() -> tuple[InteractiveShell, CapturingPublisher]:
    shell = InteractiveShell.instance()
    publisher = CapturingPublisher()
    shell.display_pub = publisher
    _current[:] = [publisher]
    comm.create_comm = _CapturingComm
    return shell, publisher
