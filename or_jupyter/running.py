"""Which notebook cell is running now: set by the magics before each cell (a `pre_run_cell`
hook), read by the session ledger (`client/ledger.py`) to label what the cell spends.

It imports nothing, so the hook costs nothing in a cell that makes no request."""

cell: int | None = None  # the number of the cell being run; None outside a notebook
