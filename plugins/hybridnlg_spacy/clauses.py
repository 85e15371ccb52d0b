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
from .literals import literal

_RELATIVE = re.compile(r"\s*,?\s*(which|who|whose|where)\b", re.IGNORECASE)
_CHAIN = re.compile(r"\s*,?\s*(?:(?:in|and)\s+)?")
_CLAUSE_END = re.compile(r"[.;!?](?:\s|$)")
_PREDICATIVE = re.compile(r"\b(?:is|are|was|were)\s+(?:(?:a|an|the)\s+)?$", re.IGNORECASE)


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
        if relative is None or _CLAUSE_END.search(text, relative.end(), span[0]) or literal(head):
            continue  # after a date or a number, "where" and "which" tell of the event ('in 1963, where he …')
        # the clause may be about any name of a chain ('Cleveland, Cuyahoga County, Ohio which …'), a person's "who"
        # about the one a class of the record describes ('Allen Forrest is a solo singer who performs …'), and a
        # clause after the class a subject is ('Aenir is a paperback which was written by …', in lower case: not
        # "… is the United States where …") about that subject
        heads = _chain(text, before)
        classed = _PREDICATIVE.search(text, 0, head_span[0]) and text[head_span[0]:head_span[1]][:1].islower()
        if relative.group(1).lower() in ("who", "whose") or classed:
            heads |= {s for s, o in pairs if o in heads}
        if owner not in heads and not any((h, written) in pairs for h in heads) \
                and not any(_nested(where[h], where.get(owner)) or _named_in(h, owner) or _named_in(written, h)
                            for h in heads):
            found.append((index, head, relative.group(1)))
    return found


def _named_in(name: str, longer: str) -> bool:
    """Whether one name holds the other, as a name of its own: 'Moscow' in 'Moscow, Russia' (a clause about Moscow,
    Russia is about Moscow), 'Netherlands' in 'Stellendam, Netherlands' (which restates where Stellendam is)."""
    return name != longer and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", longer) is not None


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


_SELF_GAP = re.compile(r"(?:\s+[^\W\d_]+){1,5}\s+")  # one to five words, no punctuation


def said_of_itself(text: str, ends: Sequence[str], names: Sequence[str]) -> list[tuple[str, Span]]:
    """Entities of the record written twice, exactly and each a name of its own, with one to five words and no
    punctuation between ("Boris Johnson is the leader of Boris Johnson", "Operation Enduring Freedom was part of the
    Operation Enduring Freedom"): a relation of an entity to itself, which no knowledge-graph record holds. Inside a
    longer name ("Abilene" in "Abilene Regional Airport"; `names`: all of the record's) an entity is not written on
    its own."""
    found: list[tuple[str, Span]] = []
    for end in ends:
        # inside a longer name of the record ("Oregon" in "Albany, Oregon", "Belgium" in "Philippe of Belgium")
        longer = [span for other in names if len(other) > len(end) and end in other
                  for span in _exactly(text, other)]
        spans = [span for span in _exactly(text, end)
                 if not any(a <= span[0] and span[1] <= b for a, b in longer)
                 and not _IN_NAME_AFTER.match(text, span[1]) and not _IN_NAME_BEFORE.search(text, 0, span[0])]
        for first, second in zip(spans, spans[1:], strict=False):
            if _SELF_GAP.fullmatch(text, first[1], second[0]):
                found.append((end, (first[0], second[1])))
                break
    return found


def _exactly(text: str, name: str) -> list[Span]:
    """Where the text writes `name` exactly, capitals too ("bacon" in a list of dishes is not the entity Bacon)."""
    return [m.span() for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]


_IN_NAME_AFTER = re.compile(r"\s+[A-Z]")  # "Abilene Regional …"
_IN_NAME_BEFORE = re.compile(r"(?<![\w-])(?!(?:The|A|An)\s)(?:[A-Z]\w*|\d+)\s+$")  # "… Regional Abilene", not "The …"
