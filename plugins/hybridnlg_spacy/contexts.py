"""Which relation the words before a value say, mined from data/text pairs (part of `hybridnlg lexicon mine`).

A text can write every subject and object of a record and every predicate's words, and still give a value to the
wrong predicate: "Aaron S. Daggett was born in Maine and died in Purple Heart. … was awarded the West Roxbury". The
words right before a value tell which relation it belongs to: in WebNLG's training texts, what follows "died in" is
a death place (or the subject of another relation), never an award. Mining counts, for every value a training text
writes, the last one to three words before it (within its sentence, after any other value), by the predicates the
value is the object of (or `@subject`). A text then misplaces a value when the words before it were seen mostly
before another relation of the same record and almost never before its own: the check needs no hand-written rule,
and a predicate seen too rarely in training is not judged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hybridnlg import surface_form

from .entities import Span, find_entity, fold
from .literals import find_literal, literal
from .numbers import NumberReader

SUBJECT = "@subject"
MAX_WORDS = 3
MIN_COUNT = 8  # a context seen fewer times says nothing
MIN_PLACED = 10  # a predicate whose values were found fewer times is not judged
KEEP_SHARE = 0.02
# words nearly always (FOREIGN_SHARE) before one predicate's values, seen often (FOREIGN_COUNT), and next to never
# (FOREIGN_OWN) before the value's own: they say that predicate even when the record does not have it
FOREIGN_SHARE = 0.8
FOREIGN_COUNT = 20
FOREIGN_OWN = 0.01  # smaller shares of a context are not stored (they read as none)
_WORD = re.compile(r"[a-z]+")
_BOUNDARY = re.compile(r"[.!?;:,]\s|\(|\)")


class ContextCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    total: float = Field(ge=0, description="How often a value followed these words.")
    of: dict[str, float] = Field(default_factory=dict, description="How often it was the object of each predicate "
                                                                   "(`@subject`: a relation's subject).")


class ValueContexts(BaseModel):
    """The mined tables: words before names and before numbers and dates (what follows "was born in" is a place
    if it is a name, a birth date or year if it is a date), and how often each predicate's values were found."""

    model_config = ConfigDict(extra="forbid")
    placed: dict[str, int] = Field(default_factory=dict)
    contexts: dict[str, ContextCounts] = Field(default_factory=dict, description="before names")
    literal_contexts: dict[str, ContextCounts] = Field(default_factory=dict, description="before numbers and dates")


def words_before(text: str, start: int, others: Sequence[Span]) -> list[str]:
    """The last words (lower case, accents folded, at most three) before `start`, within its sentence and after the
    last other value written before it; shortest first ('in', 'died in', 'and died in')."""
    cut = max([0, *(b for a, b in others if b <= start)])
    before = text[cut:start]
    if boundaries := list(_BOUNDARY.finditer(before)):
        before = before[boundaries[-1].end():]
    words = _WORD.findall(fold(before).lower())[-MAX_WORDS:]
    return [" ".join(words[-n:]) for n in range(1, len(words) + 1)]


def _occurrences(text: str, ends: list[str], reader: NumberReader) -> dict[str, list[Span]]:
    """Where the text writes each end (a name up to three times, a number or a date once, as the validator finds
    them), the longer names first so that 'Aarhus' is not found inside 'Aarhus Airport'."""
    found: dict[str, list[Span]] = {}
    taken: list[Span] = []
    mentions = reader.read(text)
    for end in sorted(ends, key=len, reverse=True):
        is_literal, span = find_literal(text, end, mentions, reader, ("en_US",), rounding=True)
        spans: list[Span] = [span] if span is not None else []
        while not is_literal and len(spans) < 3 and (span := find_entity(text, end, taken)) is not None:
            spans.append(span)
            taken.append(span)
        found[end] = spans
    return found


def mine_contexts(pairs: Iterable[tuple[list[Any], str]], reader: NumberReader | None = None) -> ValueContexts:
    reader = reader or NumberReader()
    counts: dict[bool, dict[str, dict[str, float]]] = {
        kind: defaultdict(lambda: defaultdict(float)) for kind in (False, True)}
    placed: dict[str, int] = defaultdict(int)
    for triples, text in pairs:
        roles: dict[str, set[str]] = defaultdict(set)
        kinds: dict[str, bool] = {}
        for subject, predicate, obj in triples:
            roles[surface_form(obj)].add(str(predicate))
            roles[surface_form(subject)].add(SUBJECT)
            kinds[surface_form(obj)] = literal(obj)
            kinds.setdefault(surface_form(subject), literal(subject))
        found = _occurrences(text, list(roles), reader)
        spans = [span for spans in found.values() for span in spans]
        for end, end_spans in found.items():
            labels = sorted(roles[end])
            for span in end_spans:
                for label in labels:
                    placed[label] += 1
                for context in words_before(text, span[0], spans):
                    for label in labels:
                        counts[kinds[end]][context][label] += 1 / len(labels)
    return ValueContexts(placed=dict(sorted((p, n) for p, n in placed.items() if p != SUBJECT)),
                         contexts=_table(counts[False]), literal_contexts=_table(counts[True]))


def _table(counts: dict[str, dict[str, float]]) -> dict[str, ContextCounts]:
    table: dict[str, ContextCounts] = {}
    for context, of in sorted(counts.items()):
        total = sum(of.values())
        if total >= MIN_COUNT:
            kept = {label: round(n, 1) for label, n in sorted(of.items()) if n >= KEEP_SHARE * total}
            table[context] = ContextCounts(total=round(total, 1), of=kept)
    return table


@dataclass(frozen=True)
class Misplaced:
    """Relation `index`'s object follows `words`, which say `says`: the predicate of relation `rival` of the same
    record, or (rival None) a predicate the record does not have."""

    index: int
    words: str
    says: str
    rival: int | None


class ContextTable:
    def __init__(self, mined: ValueContexts, dominant: float = 0.5, own_at_most: float = 0.05) -> None:
        self.mined = mined
        self.dominant = dominant
        self.own_at_most = own_at_most

    def misplaced(self, text: str, triples: Sequence[tuple[Any, Any, Any]], objects: dict[int, Span],
                  ends: Sequence[Span]) -> list[Misplaced]:
        """Relations whose object (at `objects[index]`) follows words seen almost never before its own predicate's
        values (nor, where it is also a subject, before subjects), but mostly before another relation's of the same
        record, or nearly always before those of one predicate the record does not have. Predicates seen too rarely
        are not judged."""
        roles: dict[str, set[str]] = defaultdict(set)
        for subject, predicate, obj in triples:
            roles[surface_form(obj)].add(str(predicate))
            roles[surface_form(subject)].add(SUBJECT)
        predicates = {str(p) for _, p, _ in triples}
        found = []
        for index, span in sorted(objects.items()):
            _, predicate, obj = triples[index]
            written = surface_form(obj)
            if self.mined.placed.get(str(predicate), 0) < MIN_PLACED:
                continue
            counts = self._counts(words_before(text, span[0], [e for e in ends if e != span]), literal(obj))
            if counts is None:
                continue
            words, of, total = counts
            own = sum(of.get(p, 0.0) for p in roles[written]) / total
            rivals = [(of.get(str(p), 0.0) / total, j) for j, (_, p, o) in enumerate(triples)
                      if str(p) not in roles[written] and surface_form(o) != written]
            share, rival = max(rivals, default=(0.0, -1))
            top, top_share = max(of.items(), key=lambda item: item[1], default=(SUBJECT, 0.0))
            if share >= self.dominant and own <= self.own_at_most:
                found.append(Misplaced(index, words, str(triples[rival][1]), rival))
            elif (top not in predicates and top != SUBJECT and total >= FOREIGN_COUNT
                  and top_share / total >= FOREIGN_SHARE and own <= FOREIGN_OWN):
                found.append(Misplaced(index, words, top, None))
        return found

    def _counts(self, contexts: list[str], is_literal: bool) -> tuple[str, dict[str, float], float] | None:
        """The longest context seen often enough before values of the object's kind (a name, or a number or date),
        else before any value."""
        own = self.mined.literal_contexts if is_literal else self.mined.contexts
        other = self.mined.contexts if is_literal else self.mined.literal_contexts
        for words in reversed(contexts):
            if (entry := own.get(words)) is not None and entry.total > 0:
                return words, entry.of, entry.total
        for words in reversed(contexts):
            first, second = own.get(words), other.get(words)
            if first is None and second is None:
                continue
            of: dict[str, float] = defaultdict(float)
            for entry in (first, second):
                for label, n in (entry.of.items() if entry else ()):
                    of[label] += n
            total = sum(entry.total for entry in (first, second) if entry)
            if total >= MIN_COUNT:
                return words, dict(of), total
        return None
