"""What the fidelity model reads: facts as (subject, predicate, value) items, linearised with the text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hybridnlg import as_triple, relation_triples, surface_form

LABELS = ("faithful", "missing", "added", "wrong")
FOCUS, FACTS, TEXT, NONE = "<focus>", "<facts>", "<text>", "<none>"
SPECIAL_TOKENS = [FOCUS, FACTS, TEXT, NONE]


@dataclass(frozen=True)
class FactItem:
    """One fact: `predicate = value` for a flat record, `subject | predicate | value` for a relation."""

    predicate: str
    value: str
    subject: str | None = None
    name: str | None = None  # the engine's fact name, for the trace

    def linear(self) -> str:
        if self.subject is None:
            return f"{self.predicate} = {self.value}"
        return f"{self.subject} | {self.predicate} | {self.value}"


def items_from_value(name: str, value: Any) -> list[FactItem]:
    """A record field as fact items: a list of relations ([subject, predicate, object] or their mapping form), a
    mapping (one item per key), a list (one item per element), or a single value."""
    if (triples := relation_triples(value)) is not None:
        return [FactItem(surface_form(t[1]), surface_form(t[2]), surface_form(t[0]), name) for t in triples]
    if isinstance(value, Mapping):
        if (one := as_triple(value)) is not None:
            return [FactItem(surface_form(one[1]), surface_form(one[2]), surface_form(one[0]), name)]
        return [item for key, inner in value.items() for item in items_from_value(f"{name}.{key}", inner)]
    if isinstance(value, (list, tuple, set)):
        return [FactItem(name, surface_form(v), None, name) for v in value if v is not None]
    return [FactItem(name, surface_form(value), None, name)]


def items_from_record(record: Mapping[str, Any]) -> list[FactItem]:
    return [item for name, value in record.items() if value is not None for item in items_from_value(name, value)]


def query(focus: FactItem | None, items: Iterable[FactItem], text: str) -> str:
    """The model's input. About one fact (is it expressed, left out or contradicted?) the model reads that fact and
    the text; with no focus (does the text say anything the data does not?) it reads every fact and the text."""
    if focus is not None:
        return f"{FOCUS} {focus.linear()} {TEXT} {text.strip()}"
    facts = " ; ".join(item.linear() for item in items)
    return f"{FOCUS} {NONE} {FACTS} {facts} {TEXT} {text.strip()}"
