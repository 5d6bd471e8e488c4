"""Conversations: the tool loop (one, without I/O) and what drives it."""

from .loop import DEFAULT_MAX_TURNS, DEFAULT_TOOL_TIMEOUT, ToolLoop, is_forced

__all__ = ["DEFAULT_MAX_TURNS", "DEFAULT_TOOL_TIMEOUT", "ToolLoop", "is_forced"]
