"""Which entity a relative clause is about: in "200 Public Square is located in Cleveland, which has 45 floors" the
45 floors are Cleveland's, whatever the data says. A relation's object written in a relative clause ("which",
"who", "whose", "where") that opens right after another entity of the record, with no other entity of the record
in between, is said of that entity; when the data relates the object to a different subject only, the text gives
the value to the wrong entity."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hybridnlg import surface_form

from .entities import Span

_RELATIVE = re.compile(r"\s*,?\s*(which|who|whose|where)\b", re.IGNORECASE)
_CHAIN = re.compile(r"\s*,?\s*(?:(?:in|and)\s+)?")
_CLAUSE_END = re.compile(r"[.;!?](?:\s|$)")


def said_of(text: str, triples: Sequence[tuple[Any, Any, Any]],
            where: Mapping[str, Span]) -> list[tuple[int, str, str]]:
    """(relation index, the entity its object is said of, the relative pronoun) for objects given to another entity
    than their subject; `where`: each end's span in the text, by its written form."""
    ordered = sorted((span, end) for end, span in where.items())
    pairs = {(surface_form(s), surface_form(o)) for s, _, o in triples}
    found: list[tuple[int, str, str]] = []
    for index, (subject, _, obj) in enumerate(triples):
        written, owner = surface_form(obj), surface_form(subject)
        span = where.get(written)
        if span is None:
            continue
        before = [(s, end) for s, end in ordered if s[1] <= span[0]]
        if not before:
            continue
        head_span, head = before[-1]  # the nearest: no other entity of the record in between
        relative = _RELATIVE.match(text, head_span[1])
        if relative is None or _CLAUSE_END.search(text, relative.end(), span[0]):
            continue
        # the clause may be about any name of a chain ('Cleveland, Cuyahoga County, Ohio which …'), and a person's
        # "who" about the one a class of the record describes ('Allen Forrest is a solo singer who performs …')
        heads = _chain(text, before)
        if relative.group(1).lower() in ("who", "whose"):
            heads |= {s for s, o in pairs if o in heads}
        if owner not in heads and not any((h, written) in pairs for h in heads) \
                and not any(_nested(where[h], where.get(owner)) for h in heads):
            found.append((index, head, relative.group(1)))
    return found


def _chain(text: str, before: list[tuple[Span, str]]) -> set[str]:
    """The last entity before a clause and those it follows with only a comma, "in" or "and" between."""
    heads = {before[-1][1]}
    for (span, end), (next_span, _) in zip(reversed(before[:-1]), reversed(before[1:]), strict=True):
        if not _CHAIN.fullmatch(text, span[1], next_span[0]):
            break
        heads.add(end)
    return heads


def _nested(a: Span, b: Span | None) -> bool:
    return b is not None and (a[0] <= b[0] < a[1] or b[0] <= a[0] < b[1])
