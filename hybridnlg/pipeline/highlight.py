"""Where a candidate text says its facts: character spans for the trace view, from issue spans and surface forms.

Validators report spans for what is wrong (a wrong value, an added fact); for facts they found expressed they report
a status only, so an expressed fact is located by searching the text for its value as written (`surface_form`,
case-insensitive, on word boundaries). A value written differently ("$12.5 million" for 12500000) is then not
located: the trace view still lists the fact with its status.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..paths import leaves
from ..surface import surface_form


@dataclass(frozen=True)
class Mark:
    """A span of a text to highlight: a fact's value (`fact`) or a validator's issue (`issue`)."""

    start: int
    end: int
    kind: str  # "fact" | "issue"
    label: str  # shown on hover: "food = Japanese", "wrong_value: ..."


def written_forms(value: Any) -> list[str]:
    """Ways a fact's value may appear verbatim in a text, longest first."""
    forms: set[str] = set()
    # yes/no slots are said in words, never as "True"
    for scalar in (leaf for leaf in leaves(value) if leaf is not None and not isinstance(leaf, bool)):
        forms.update({str(scalar).strip(), surface_form(scalar)})
        if isinstance(scalar, int) and abs(scalar) >= 1000:
            forms.add(f"{scalar:,}")
    return sorted((form for form in forms if form), key=lambda form: (-len(form), form))


def _occurrences(text: str, form: str) -> Iterable[tuple[int, int]]:
    pattern = (r"\b" if form[0].isalnum() else "") + re.escape(form) + (r"\b" if form[-1].isalnum() else "")
    for match in re.finditer(pattern, text, flags=re.IGNORECASE):
        yield match.start(), match.end()


def fact_marks(text: str, facts: Mapping[str, Any], skip: Iterable[str] = ()) -> list[Mark]:
    """Every occurrence of each fact's written forms (facts named in `skip` left out)."""
    left_out = set(skip)
    marks = []
    for name, value in facts.items():
        if name in left_out:
            continue
        for form in written_forms(value):
            marks += [Mark(start, end, "fact", f"{name} = {form}") for start, end in _occurrences(text, form)]
    return marks


def issue_marks(text: str, issues: Sequence[Mapping[str, Any]]) -> list[Mark]:
    """Issues that carry a span inside the text."""
    marks = []
    for issue in issues:
        span = issue.get("span")
        if (isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(i, int) for i in span)
                and 0 <= span[0] < span[1] <= len(text)):
            marks.append(Mark(span[0], span[1], "issue", f"{issue.get('code')}: {issue.get('message')}"))
    return marks


def non_overlapping(marks: Iterable[Mark]) -> list[Mark]:
    """Issues first, then longer spans first; a mark overlapping one already kept is dropped. Sorted by position."""
    kept: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.kind != "issue", m.start - m.end, m.start)):
        if all(mark.end <= other.start or other.end <= mark.start for other in kept):
            kept.append(mark)
    return sorted(kept, key=lambda m: m.start)
