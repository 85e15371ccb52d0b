"""Data masking: the values of named record fields are replaced by `[redacted]` in traces, notes and logs.

A field is a data path from the record's root (`customer.email`, `rows[0].name`) or, without a dot or bracket, a key
name matched at any depth (`email` masks every `email` in the record, inside lists too). A value is masked where it
appears as written in the record (strings case-insensitively, numbers also with thousands separators), as a whole
word; a template that rewrites a value (an abbreviation, a currency filter) can write a form this does not know."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from .paths import PathError, leaves, resolve

MASK = "[redacted]"


def _by_key(data: Any, key: str) -> Iterator[Any]:
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key:
                yield value
            else:
                yield from _by_key(value, key)
    elif isinstance(data, list):
        for item in data:
            yield from _by_key(item, key)


def _forms(value: Any) -> list[str]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [str(value), f"{value:,}"]
    if isinstance(value, float):
        whole = [str(int(value)), f"{int(value):,}"] if value.is_integer() else []
        return [repr(value), f"{value:,}", *whole]
    text = str(value).strip()
    return [text] if text else []


def redacted_values(record: Any, fields: Iterable[str]) -> list[str]:
    """Every written form of the values the fields name in the record."""
    forms: set[str] = set()
    for field in fields:
        if "." in field or "[" in field:
            try:
                found: Iterable[Any] = [resolve(record, field)]
            except PathError:
                found = []
        else:
            found = _by_key(record, field)
        for value in found:
            for leaf in leaves(value):
                forms.update(_forms(leaf))
    return sorted(forms, key=len, reverse=True)


class Redactor:
    """Masks a fixed set of values in strings and, recursively, in JSON-like data (dict keys included)."""

    def __init__(self, values: Iterable[str]) -> None:
        values = [v for v in values if v]
        # longest first, so a value containing another is masked whole; \w boundaries keep "no" out of "north"
        self.pattern = re.compile("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in values), re.IGNORECASE) \
            if values else None

    @classmethod
    def for_record(cls, record: Any, fields: Iterable[str]) -> Redactor | None:
        values = redacted_values(record, fields)
        return cls(values) if values else None

    def text(self, value: str) -> str:
        return self.pattern.sub(MASK, value) if self.pattern is not None else value

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int | float) and self.pattern is not None and self.pattern.fullmatch(str(value)):
            return MASK  # a number fact in the trace
        return value
