"""Values that texts write as common nouns, mined from data/text pairs (part of `hybridnlg lexicon mine`).

The added-fact check finds names by their capitals, so a text that adds "jazz", "a test pilot" or "peritonitis" to
the data passes it. Mining lists the relation values the training texts write in lower case (in at least
`min_count` texts and in most of the texts whose data holds them), with the predicates they were values of; a text
that writes one of them where the data has no such value adds a fact. A value whose words say something the record
has (one of its names, a predicate's words or cues: "retired" for a date of retirement, "capital city" for a
capital) is not counted against it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hybridnlg import surface_form

from .entities import Span, find_entity, fold
from .literals import literal
from .stems import stems

MIN_LENGTH = 4
MAX_PREDICATES = 3
_WORDS = re.compile(r"[^\W\d_]+(?:[\s\-'][^\W\d_]+)*")  # words only: no numbers, codes or addresses


def _written_lower(text: str, value: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(fold(value).lower()) + r"(?:e?s)?(?![\w-])", fold(text)) is not None


def mine_common_values(pairs: Iterable[tuple[list[Any], str]], min_count: int = 3) -> dict[str, list[str]]:
    """Relation objects written in lower case in at least `min_count` texts and in at least half of the texts whose
    data holds them (numbers, dates and short values aside), each with its most frequent predicates."""
    held: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    predicates: dict[str, Counter[str]] = defaultdict(Counter)
    for triples, text in pairs:
        for value in {surface_form(o) for _, _, o in triples}:
            if len(value) < MIN_LENGTH or literal(value) or not _WORDS.fullmatch(value):
                continue
            held[value] += 1
            lower[value] += _written_lower(text, value)
        for _, predicate, obj in triples:
            predicates[surface_form(obj)][str(predicate)] += 1
    common = [v for v, n in held.items() if lower[v] >= min_count and lower[v] >= 0.5 * n]
    return {v: [p for p, _ in predicates[v].most_common(MAX_PREDICATES)] for v in sorted(common)}


@dataclass(frozen=True)
class AddedValue:
    value: str
    span: Span
    predicates: tuple[str, ...]


class CommonValues:
    def __init__(self, mined: dict[str, list[str]]) -> None:
        self.mined = mined
        self.order = sorted(mined, key=len, reverse=True)  # 'alternative rock' before 'rock'

    def added(self, text: str, ends: Sequence[str], said: set[str], taken: Sequence[Span]) -> list[AddedValue]:
        """The common values the text writes in lower case outside `taken` and every place it writes an end of the
        record, whose words are none of `said` (the stems of the record's names, predicate words and cues)."""
        avoid = list(taken)
        for end in ends:
            while len(avoid) < len(taken) + 64 and (span := find_entity(text, end, avoid)) is not None:
                avoid.append(span)
        lowered = {end.lower() for end in ends}
        found: list[AddedValue] = []
        for value in self.order:
            if value.lower() in lowered or stems(value) & said or not _written_lower(text, value):
                continue
            span = find_entity(text, value, avoid)
            if span is not None and text[span[0]].islower():
                found.append(AddedValue(value, span, tuple(self.mined[value])))
                avoid.append(span)
        return found
