"""The agent: the kernel as a tool (`kernel_tools`), and `%%responses --agent` cells."""

from .capture import Step, interrupt_step, run_code
from .kernel_tools import kernel_tools

__all__ = ["Step", "interrupt_step", "kernel_tools", "run_code"]
