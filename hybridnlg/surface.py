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
_UNIT = re.compile(r'^"([^"]*)"\s*\(([^)]*)\)$|^(-?\d[\d.,]*)\s*\(([^)]*)\)$')
_WIKI_EMPHASIS = re.compile("'{2,3}")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DISAMBIGUATOR = re.compile(r"\s*\([^)]*\)$")


def surface_form(value: Any) -> str:
    """`Aarhus_Airport` -> 'Aarhus Airport'; `"Aarhus, Denmark"` -> 'Aarhus, Denmark'; `"52.0"(minutes)` ->
    '52.0 minutes' (and `2368.05 (days)` -> '2368.05 days'); `"1963-03-20"^^xsd:date` -> '1963-03-20'; booleans as
    yes/no; 3.0 -> '3'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if match := _UNIT.match(text):  # "52.0"(minutes) and 2368.05 (days): a number and its unit
        number, unit = (match.group(1), match.group(2)) if match.group(1) is not None else match.group(3, 4)
        text = f"{number} {_CAMEL.sub(' ', unit).lower()}"
    if match := _TYPED.match(text):
        text = match.group(1)
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    text = _WIKI_EMPHASIS.sub("", text)  # the two or three apostrophes of wiki italics and bold
    return " ".join(text.replace("_", " ").split())


def without_disambiguator(text: str) -> str:
    """'Stuart Parker (footballer)' -> 'Stuart Parker': the trailing parenthetical prose leaves out (a unit in
    parentheses is no disambiguator: surface_form has already made it part of the text)."""
    return _DISAMBIGUATOR.sub("", text) or text


def predicate_words(name: Any) -> str:
    """`elevationAboveTheSeaLevel` -> 'elevation above the sea level'; `ISBN_number` -> 'ISBN number'."""
    words = _CAMEL.sub(" ", str(name).replace("_", " ")).split()
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)


Triple = tuple[Any, Any, Any]
_TRIPLE_KEYS = ("subject", "predicate", "object")


def as_triple(value: Any) -> Triple | None:
    """`[subject, predicate, object]` or `{"subject", "predicate", "object"}` (WebNLG's two shapes), else None. The
    predicate is a non-empty string; subject and object are non-empty strings or numbers."""
    return None if triple_problem(value) else _ends(value)


def _ends(value: Any) -> Triple:
    if isinstance(value, Mapping):
        return value["subject"], value["predicate"], value["object"]
    return value[0], value[1], value[2]


def triple_problem(value: Any) -> str | None:
    """Why `value` is not a relation, or None when it is one."""
    if isinstance(value, Mapping):
        if set(value) != set(_TRIPLE_KEYS):
            return f"expected the keys subject, predicate, object; got {', '.join(map(str, value)) or 'none'}"
    elif not isinstance(value, (list, tuple)) or len(value) != 3:
        return f"expected [subject, predicate, object] or {{subject, predicate, object}}; got {type(value).__name__}"
    subject, predicate, obj = _ends(value)
    if not isinstance(predicate, str) or not predicate.strip():
        return f"the predicate must be a non-empty string; got {predicate!r}"
    for role, end in (("subject", subject), ("object", obj)):
        blank = isinstance(end, str) and not end.strip()
        if isinstance(end, bool) or not isinstance(end, (str, int, float)) or blank:
            return f"the {role} must be a non-empty string or a number; got {end!r}"
    return None


def relation_triples(value: Any) -> list[Triple] | None:
    """A fact value that is a non-empty list of relations, as (subject, predicate, object) tuples; else None."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    triples = [as_triple(item) for item in value]
    return None if any(t is None for t in triples) else [t for t in triples if t is not None]


def by_subject(value: Any) -> list[dict[str, Any]]:
    """A relation list grouped per subject (as written), tree order: subjects no other relation points at first, each
    followed by the subjects its objects name. Each group: `{"subject": ..., "relations": [{"predicate", "object"}]}`
    with the values as given. Raises ValueError naming the first item that is not a relation."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"expected a non-empty list of triples ([subject, predicate, object] or "
                         f"{{subject, predicate, object}}); got {type(value).__name__ if value else 'an empty list'}")
    for index, item in enumerate(value):
        if (problem := triple_problem(item)) is not None:
            raise ValueError(f"item {index}: {problem}")
    triples = [_ends(item) for item in value]
    groups: dict[str, dict[str, Any]] = {}
    for subject, predicate, obj in triples:
        group = groups.setdefault(surface_form(subject), {"subject": subject, "relations": []})
        group["relations"].append({"predicate": predicate, "object": obj})
    objects = {surface_form(obj) for _, _, obj in triples}
    order = [name for name in groups if name not in objects] or list(groups)[:1]
    for name in order:  # grows while it is read: breadth-first over the objects that are subjects too
        for relation in groups[name]["relations"]:
            written = surface_form(relation["object"])
            if written in groups and written not in order:
                order.append(written)
    order += [name for name in groups if name not in order]  # a cycle with no root
    return [groups[name] for name in order]


def relations_in(value: Any) -> list[Triple] | None:
    """The relations a fact value holds: a relation list, or one `{subject, predicate, object}` mapping (a `foreach`
    item); None for anything else (a three-item list of other things is not taken for a relation)."""
    if isinstance(value, Mapping):
        one = as_triple(value)
        return None if one is None else [one]
    return relation_triples(value)
