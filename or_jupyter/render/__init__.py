"""The live view's building blocks: Markdown rendering (full and incremental) and sanitising."""
