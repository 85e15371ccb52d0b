"""How knowledge-graph values read in text: one place for templates, neural realizers and validators.

DBpedia-style data writes entities with underscores (`Aarhus_Airport`), literals in quotes (`"Aarhus, Denmark"`),
typed literals (`"1963-03-20"^^xsd:date`), numbers with a unit in parentheses (`"52.0"(minutes)`) and predicates in
camelCase (`elevationAboveTheSeaLevel`). These functions give the plain written form; they are linear in the input
and leave ordinary values ("The Eagle", 42) as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TYPED = re.compile(r'^"?(.*?)"?\^\^\S*$', re.DOTALL)
_UNIT = re.compile(r'^"([^"]*)"\s*\(([^)]*)\)$')
_WIKI_EMPHASIS = re.compile("'{2,3}")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def surface_form(value: Any) -> str:
    """`Aarhus_Airport` -> 'Aarhus Airport'; `"Aarhus, Denmark"` -> 'Aarhus, Denmark'; `"52.0"(minutes)` ->
    '52.0 minutes'; `"1963-03-20"^^xsd:date` -> '1963-03-20'; booleans as yes/no; 3.0 -> '3'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if match := _UNIT.match(text):
        text = f"{match.group(1)} {match.group(2)}"
    if match := _TYPED.match(text):
        text = match.group(1)
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    text = _WIKI_EMPHASIS.sub("", text)  # the two or three apostrophes of wiki italics and bold
    return " ".join(text.replace("_", " ").split())


def predicate_words(name: Any) -> str:
    """`elevationAboveTheSeaLevel` -> 'elevation above the sea level'; `ISBN_number` -> 'ISBN number'."""
    words = _CAMEL.sub(" ", str(name).replace("_", " ")).split()
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)


Triple = tuple[Any, Any, Any]
_TRIPLE_KEYS = ("subject", "predicate", "object")


def as_triple(value: Any) -> Triple | None:
    """`[subject, predicate, object]` or `{"subject", "predicate", "object"}` (WebNLG's two shapes), else None."""
    if isinstance(value, Mapping) and set(value) == set(_TRIPLE_KEYS):
        value = [value[key] for key in _TRIPLE_KEYS]
    if isinstance(value, (list, tuple)) and len(value) == 3 and all(isinstance(v, (str, int, float)) for v in value):
        return value[0], value[1], value[2]
    return None


def relation_triples(value: Any) -> list[Triple] | None:
    """A fact value that is a non-empty list of relations, as (subject, predicate, object) tuples; else None."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    triples = [as_triple(item) for item in value]
    return None if any(t is None for t in triples) else [t for t in triples if t is not None]
