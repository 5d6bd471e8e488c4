"""The rows of `orj.map`'s data and the prompt each row becomes.

Data is a pandas DataFrame (rows by index; pandas is never imported here), a list
of dicts, or a list of strings. A template string takes `{field}` (also
`{field.attr}` and `{field:fmt}`, `{{`/`}}` for literal braces, as in the magic);
a string row is `{}` or `{item}`. Unlike the magic, where an unknown name stays as
typed, an unknown field is an error before anything is sent: a typo in a template
would otherwise be paid for on every row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["TemplateError", "is_dask_frame", "is_frame", "render", "rows_of"]

_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?(?::([^{}]*))?\}")


class TemplateError(ValueError):
    """A template names a field a row does not have, or cannot format a value."""


def is_frame(data: Any) -> bool:
    """Whether `data` is a pandas DataFrame (checked without importing pandas)."""
    kind = type(data)
    return kind.__name__ == "DataFrame" and kind.__module__.split(".")[0] == "pandas"


def rows_of(data: Any) -> tuple[list[Any], list[Any]]:
    """(keys, rows): a DataFrame's index and its rows as dicts; a list's positions and items."""
    if is_frame(data):
        return list(data.index), data.to_dict("records")
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise TypeError(
            "orj.map takes a pandas DataFrame, a list of dicts or a list of strings, "
            f"not {type(data).__name__}"
        )
    rows = list(data)
    for position, row in enumerate(rows):
        if not isinstance(row, (dict, str)):
            raise TypeError(
                f"row {position} is a {type(row).__name__}: orj.map takes dicts or strings"
            )
    return list(range(len(rows))), rows


def render(template: str | Callable[[Any], Any], row: Any, key: Any) -> Any:
    """The input of one row: the template filled in, or what the callable returns."""
    if callable(template):
        return template(row)
    if not isinstance(template, str):
        raise TypeError(f"a template is a string or a callable, not {type(template).__name__}")
    return _FIELD.sub(lambda match: _field(match, row, key), template)


def _field(match: re.Match, row: Any, key: Any) -> str:
    whole, path, spec = match.group(0), match.group(1), match.group(2)
    if whole in ("{{", "}}"):
        return whole[0]
    head, *attrs = (path or "").split(".")
    if isinstance(row, str):
        if head not in ("", "item"):
            raise TemplateError(f"row {key!r} is a string: use {{}} or {{item}}, not {whole}")
        value: Any = row
    elif head == "":
        raise TemplateError(f"row {key!r} has fields: name one, e.g. {{{next(iter(row), 'x')}}}")
    elif head not in row:
        raise TemplateError(
            f"row {key!r} has no field {head!r} (it has {', '.join(map(str, row))})"
        )
    else:
        value = row[head]
    try:
        for attr in attrs:
            value = getattr(value, attr)
        return format(value, spec or "")
    except (AttributeError, ValueError, TypeError) as exc:
        raise TemplateError(f"row {key!r}: cannot fill {whole}: {exc}") from None


def is_dask_frame(data: Any) -> bool:
    """Whether `data` is a Dask DataFrame (checked without importing dask)."""
    kind = type(data)
    return kind.__module__.split(".")[0] == "dask" and hasattr(data, "map_partitions")
