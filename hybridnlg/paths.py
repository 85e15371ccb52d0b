"""Data paths like `regions[2].revenue`: parse, resolve against a record, and qualify item paths."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class PathError(LookupError):
    def __init__(self, path: str, missing: str) -> None:
        self.path = path
        self.missing = missing
        super().__init__(f"'{path}': no field '{missing}'")


def split_path(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for name, index in _TOKEN.findall(path):
        steps.append(int(index) if index else name)
    return steps


def resolve(data: Any, path: str) -> Any:
    """Follow a data path; raises PathError naming the first missing step."""
    node = data
    for step in split_path(path):
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            raise PathError(path, str(step)) from None
    return node


def qualify(path: str, alias: str, prefix: str) -> str:
    """`item.revenue` inside `foreach: regions` item 2 becomes `regions[2].revenue`."""
    if path == alias:
        return prefix
    if path.startswith(alias + ".") or path.startswith(alias + "["):
        return prefix + path[len(alias):]
    return path


def leaves(value: Any) -> Iterator[Any]:
    """Every scalar inside a value: mapping values and list items, depth first, in order."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from leaves(item)
    else:
        yield value
