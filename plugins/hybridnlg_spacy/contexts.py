"""Which relation the words by a value say, mined from data/text pairs (part of `hybridnlg lexicon mine`).

A text can write every subject and object of a record and every predicate's words, and still give a value to the
wrong predicate: "Aaron S. Daggett was born in Maine and died in Purple Heart. … was awarded the West Roxbury". The
words right by a value tell which relation it belongs to: in WebNLG's training texts, what follows "died in" is a
death place (or the subject of another relation), never an award. Mining counts, for every value a training text
writes, the one to three words right before and right after it (within its clause, short of any other value), by the
predicates the value is the object of (or `@subject`), names apart from numbers and dates. A text misplaces a value
when the words by it were seen mostly by another relation's values of the same record, or nearly always by one
predicate the record lacks (or by subjects, for a value that is no subject here), or nearly always by predicates the
record lacks taken together ("who are located in General Motors" for an employer), and almost never by its own.
Mining also counts the words right before each subject by the predicates it is the subject of: a subject of the
record after words that nearly always precede the subject of a predicate the record gives to another subject ("Boris
Johnson is the leader of Alfred Garth Jones", when London is the one led) is given the wrong relation too. No
rule is written by hand, and a predicate seen too rarely in training is not judged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hybridnlg import predicate_words, surface_form

from .bridges import BridgeCounter, Bridges
from .entities import Span, find_entity, fold
from .fluency import UNITS
from .literals import find_literal, literal
from .numbers import NumberReader
from .stems import STOP_WORDS, stems

SUBJECT = "@subject"
MAX_WORDS = 3
MIN_COUNT = 8  # a context seen fewer times says nothing
MIN_PLACED = 3  # a predicate whose values were found fewer times is not judged
KEEP_SHARE = 0.02  # smaller shares of a context are not stored (they read as none)
# words mostly (RIVAL_SHARE) by another relation's values of the record, almost never (OWN_AT_MOST) by the value's own
RIVAL_SHARE = 0.5
OWN_AT_MOST = 0.05
# words nearly always (FOREIGN_SHARE) by one predicate's values, seen often (FOREIGN_COUNT), and next to never
# (FOREIGN_OWN) by the value's own: they say that predicate even when the record does not have it
FOREIGN_SHARE = 0.8
FOREIGN_COUNT = 20
FOREIGN_OWN = 0.01
# words (two or more, not a subject's) that stood by values of predicates the record lacks this often, in all, and
# next to never (FOREIGN_OWN) by the value's own: 'who are located in General Motors' for an employer
FAMILY_SHARE = 0.97
FAMILY_TOP = 0.5  # and one of them has most: words that say something ('located in'), not any ('and has')
# words by a value that stood this often by one predicate's values say that predicate
SAYS_SHARE = 0.5
_WORD = re.compile(r"[a-z]+")
_BOUNDARY = re.compile(r"[.!?;:,]\s|\(|\)")
# after a value, a conjunction starts the next clause: what follows is another relation's ('was awarded the
# Military Cross and ended his career')
_NEXT_CLAUSE = frozenset({"and", "but", "or"})
Side = Literal["before", "after"]


class ContextCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    total: float = Field(ge=0, description="How often a value stood by these words.")
    of: dict[str, float] = Field(default_factory=dict, description="How often it was the object of each predicate "
                                                                   "(`@subject`: a relation's subject).")


class ContextTables(BaseModel):
    """Words by names, and words by numbers and dates (what follows "was born in" is a place if it is a name, a
    birth date or year if it is a date)."""

    model_config = ConfigDict(extra="forbid")
    names: dict[str, ContextCounts] = Field(default_factory=dict)
    literals: dict[str, ContextCounts] = Field(default_factory=dict)


class ValueContexts(BaseModel):
    """The mined tables: the words right before and right after values, and how often each predicate's values were
    found at all."""

    model_config = ConfigDict(extra="forbid")
    placed: dict[str, int] = Field(default_factory=dict)
    before: ContextTables = Field(default_factory=ContextTables)
    after: ContextTables = Field(default_factory=ContextTables)
    subjects: dict[str, ContextCounts] = Field(default_factory=dict, description="The words right before the names "
                                               "that are relations' subjects, by those relations' predicates ('the "
                                               "leader of' before the subject of a leader).")
    bridges: Bridges = Field(default_factory=Bridges, description="The words between relations' subjects and "
                             "objects, by predicate (bridges.py): 'in' joins a city's ends.")

    def update(self, other: ValueContexts) -> None:
        self.placed.update(other.placed)
        self.subjects.update(other.subjects)
        self.bridges.update(other.bridges)
        for mine, theirs in ((self.before, other.before), (self.after, other.after)):
            mine.names.update(theirs.names)
            mine.literals.update(theirs.literals)


def words_by(text: str, span: Span, others: Sequence[Span], side: Side) -> list[str]:
    """The words (lower case, accents folded, at most three) right before or right after a value at `span`, within
    its clause and short of any other value; nearest first: 'in', 'died in', 'and died in' before, 'as', 'as its',
    'as its engine' after."""
    if side == "before":
        cut = max([0, *(b for a, b in others if b <= span[0])])
        part = text[cut:span[0]]
        if boundaries := list(_BOUNDARY.finditer(part)):
            part = part[boundaries[-1].end():]
        words = _WORD.findall(fold(part).lower())[-MAX_WORDS:]
        return [" ".join(words[-n:]) for n in range(1, len(words) + 1)]
    cut = min([len(text), *(a for a, b in others if a >= span[1])])
    part = text[span[1]:cut]
    if boundary := _BOUNDARY.search(part):
        part = part[:boundary.start()]
    words = _WORD.findall(fold(part).lower())[:MAX_WORDS]
    if words and words[0] in _NEXT_CLAUSE:
        return []
    return [" ".join(words[:n]) for n in range(1, len(words) + 1)]


_CONJUNCTION = re.compile(r"\s+(?:and|&)\s+(?:(?:the|a|an)\s+)?", re.IGNORECASE)
_CLAUSE_VERB = re.compile(r",?\s+(?:is|are|was|were|has|have|had)\b", re.IGNORECASE)


def _conjunct_words(text: str, span: Span, others: Sequence[Span], side: Side) -> list[str]:
    """The words by a value; a value joined to the value before it by "and" stands by that value's words ("created
    by Jerry Ordway and Americans": 'created by' is before both). A comma is no such joint: "Manchester, United
    Kingdom" qualifies a place."""
    if side == "before":
        previous = max((other for other in others if other[1] <= span[0]), default=None, key=lambda o: o[1])
        following = min((o[0] for o in others if o[0] >= span[1]), default=len(text))
        if previous is not None and previous[1] < span[0] and _CONJUNCTION.fullmatch(text[previous[1]:span[0]]) \
                and not _CLAUSE_VERB.match(text, span[1]) and not re.fullmatch(r",\s*", text[span[1]:following]):
            # not the subject of a new clause ("Austin and Spanish is spoken"), nor a word qualifying the name after
            # it ("by Walt Simonson and the American, Karl Kesel")
            return words_by(text, previous, [o for o in others if o != previous], side)
    return words_by(text, span, others, side)


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


Counts = dict[str, dict[str, float]]


def mine_contexts(pairs: Iterable[tuple[list[Any], str]], reader: NumberReader | None = None) -> ValueContexts:
    reader = reader or NumberReader()
    counts: dict[tuple[Side, bool], Counts] = {
        (side, kind): defaultdict(lambda: defaultdict(float)) for side in ("before", "after") for kind in (False, True)}
    placed: dict[str, int] = defaultdict(int)
    subjects: Counts = defaultdict(lambda: defaultdict(float))
    bridges = BridgeCounter()
    for triples, text in pairs:
        roles = _roles(triples)
        subject_of = _subject_of(triples)
        kinds = {surface_form(end): literal(end) for s, _, o in triples for end in (s, o)}
        found = _occurrences(text, list(roles), reader)
        bridges.add(text, triples, found)
        spans = [span for spans in found.values() for span in spans]
        for end, end_spans in found.items():
            labels = sorted(roles[end])
            for span in end_spans:
                for label in labels:
                    placed[label] += 1
                for side in ("before", "after"):
                    for context in words_by(text, span, [s for s in spans if s != span], side):
                        for label in labels:
                            counts[side, kinds[end]][context][label] += 1 / len(labels)
                if (of := subject_of.get(end)) and not kinds[end]:
                    # each predicate counts in full: the share is how often what follows the words is a subject of it
                    for context in words_by(text, span, [s for s in spans if s != span], "before"):
                        subjects[context][""] += 1
                        for predicate in of:
                            subjects[context][predicate] += 1
    return ValueContexts(
        placed=dict(sorted((p, n) for p, n in placed.items() if p != SUBJECT)),
        before=ContextTables(names=_table(counts["before", False]), literals=_table(counts["before", True])),
        after=ContextTables(names=_table(counts["after", False]), literals=_table(counts["after", True])),
        subjects=_subject_table(subjects), bridges=bridges.table())


def _subject_table(counts: Counts) -> dict[str, ContextCounts]:
    table: dict[str, ContextCounts] = {}
    for context, of in sorted(counts.items()):
        total = of.pop("")
        if total >= MIN_COUNT:
            kept = {label: round(n, 1) for label, n in sorted(of.items()) if n >= KEEP_SHARE * total}
            table[context] = ContextCounts(total=total, of=kept)
    return table


def _telling(words: str) -> bool:
    """Words that can say which relation a value has: two or more, or one content word that is no unit ('long',
    not 'to' or 'metres', which a value of any length or duration takes)."""
    return " " in words or (words not in STOP_WORDS and words not in UNITS)


def _subject_of(triples: Iterable[tuple[Any, Any, Any]]) -> dict[str, set[str]]:
    """The predicates each end (by its written form) is the subject of."""
    of: dict[str, set[str]] = defaultdict(set)
    for subject, predicate, _ in triples:
        of[surface_form(subject)].add(str(predicate))
    return of


def _roles(triples: Iterable[tuple[Any, Any, Any]]) -> dict[str, set[str]]:
    """Each end's roles (by its written form): the predicates it is the object of, and `@subject`."""
    roles: dict[str, set[str]] = defaultdict(set)
    for subject, predicate, obj in triples:
        roles[surface_form(obj)].add(str(predicate))
        roles[surface_form(subject)].add(SUBJECT)
    return roles


def _table(counts: Counts) -> dict[str, ContextCounts]:
    table: dict[str, ContextCounts] = {}
    for context, of in sorted(counts.items()):
        total = sum(of.values())
        if total >= MIN_COUNT:
            kept = {label: round(n, 1) for label, n in sorted(of.items()) if n >= KEEP_SHARE * total}
            table[context] = ContextCounts(total=round(total, 1), of=kept)
    return table


def _inside_longer_name(text: str, span: Span, written: str, where: Mapping[str, Span]) -> bool:
    """Whether `span` lies inside a place where the text writes a longer end of the record, or inside another end's
    own span."""
    for end, other in where.items():
        if end == written:
            continue
        if other[0] <= span[0] and span[1] <= other[1]:
            return True
        if written.lower() in end.lower():
            taken: list[Span] = []
            while len(taken) < 5 and (found := find_entity(text, end, taken)) is not None:
                if found[0] <= span[0] and span[1] <= found[1]:
                    return True
                taken.append(found)
    return False


def _names_next(text: str, span: Span, others: Sequence[Span]) -> bool:
    """Whether another value's name follows right after the value, with nothing but a space between."""
    return any(text[span[1]:a].isspace() for a, _ in others if a > span[1])


def _qualifies(text: str, span: Span, others: Sequence[Span]) -> bool:
    """Whether the value follows another value's name after a comma: a place qualifying it ('Auburn, Pierce County,
    Washington')."""
    return any(re.fullmatch(r",\s*", text[b:span[0]]) for _, b in others if b <= span[0])


@dataclass(frozen=True)
class Misplaced:
    """Relation `index`'s object stands by `words` (on `side`), which say `says`: the predicate of relation `rival`
    of the same record, or (rival None) a predicate the record does not have."""

    index: int
    side: Side
    words: str
    says: str
    rival: int | None


class ContextTable:
    def __init__(self, mined: ValueContexts) -> None:
        self.mined = mined

    def misplaced(self, text: str, triples: Sequence[tuple[Any, Any, Any]],
                  where: Mapping[str, Span]) -> list[Misplaced]:
        """Relations whose object stands by words seen almost never by its own predicate's values (nor, where it is
        also a subject, by subjects), but mostly by another relation's of the same record, or nearly always by those
        of one predicate the record does not have (or, for an object that is no subject here, by subjects).
        `where`: the span of each end (by its written form) in the text. Predicates seen too rarely are not judged,
        nor an object written inside a longer name of the record."""
        roles = _roles(triples)
        found = []
        for index, (_, predicate, obj) in enumerate(triples):
            written = surface_form(obj)
            if (span := where.get(written)) is None or self.mined.placed.get(str(predicate), 0) < MIN_PLACED:
                continue
            others = [other for end, other in where.items() if end != written]
            if _inside_longer_name(text, span, written, where):
                continue  # 'Indiana' in 'Anderson, Indiana': the words by it are that name's
            own_words = stems(predicate_words(predicate))
            sides: dict[Side, list[str]] = {side: _conjunct_words(text, span, others, side)
                                            for side in ("before", "after")}
            own_before = words_by(text, span, others, "before")
            after = sides["after"]
            if sides["before"] != own_before and (
                    self._says_own(str(predicate), "after", after, literal(obj))
                    or (own_words and after and len(stems(after[-1]) & own_words) >= min(2, len(own_words)))):
                continue  # joined by "and" to a value of another relation, but followed by words that say its own
                # ('its runway length is 2194.0 and 546 m above sea level', 'a straight-four engine and a 2160 mm
                # wheelbase'); a name that holds them does not ('plays for FC Tom Tomsk and Russian Football
                # National League')
            for side, contexts in sides.items():
                if own_words and contexts and len(stems(contexts[-1]) & own_words) >= min(2, len(own_words)):
                    continue  # the text names the predicate by its value ('has a building start date of 1927'; one
                    # shared word is not enough: 'a total area of 686.0' for its area of land)
                if side == "before" and _names_next(text, span, others):
                    continue  # a title or qualifier of the name right after it: 'led by Prime Minister Klaus
                    # Iohannis'; the words before are that name's
                wrong = self._judge(index, triples, roles, side, contexts, literal(obj))
                if wrong is not None and wrong.says == SUBJECT and side == "after" \
                        and ((own_before and _telling(own_before[-1])) or _qualifies(text, span, others)):
                    continue  # the value ends a phrase about the subject before it, and the words after it are that
                    # subject's: 'Adare Manor designed by Augustus Pugin is located in', 'Auburn, Pierce County,
                    # Washington is located in'
                if wrong is not None:
                    found.append(wrong)
                    break
        return found

    def _says_own(self, predicate: str, side: Side, contexts: list[str], is_literal: bool) -> bool:
        counts = self._counts(side, contexts, is_literal)
        return counts is not None and _telling(counts[0]) and counts[1].get(predicate, 0.0) / counts[2] >= SAYS_SHARE

    def wrong_subjects(self, text: str, triples: Sequence[tuple[Any, Any, Any]],
                       where: Mapping[str, Span]) -> list[tuple[str, str, str]]:
        """(entity, words, predicate) for a subject of the record that stands after words which, in the training
        texts, stood nearly always before the subject of one predicate (FOREIGN_SHARE, seen FOREIGN_COUNT times),
        where the record has that predicate for other subjects only: 'Boris Johnson is the leader of Alfred Garth
        Jones' when London is the one led."""
        subject_of = _subject_of(triples)
        found = []
        for end, of in subject_of.items():
            if where.get(end) is None or literal(end):
                continue
            others = [other for name, other in where.items() if name != end]
            spans: list[Span] = []  # every place it is written: "… died in London. X is the leader of Alfred …"
            while len(spans) < 5 and (span := find_entity(text, end, [*spans, *others])) is not None:
                spans.append(span)
                if (wrong := self._subject_words(text, span, others, of, triples)) is not None:
                    found.append((end, wrong[0], wrong[1]))
                    break
        return found

    def _subject_words(self, text: str, span: Span, others: list[Span], of: set[str],
                       triples: Sequence[tuple[Any, Any, Any]]) -> tuple[str, str] | None:
        for words in reversed(words_by(text, span, others, "before")):
            if (entry := self.mined.subjects.get(words)) is None or entry.total < FOREIGN_COUNT:
                continue
            top, count = max(entry.of.items(), key=lambda item: item[1])
            if count / entry.total >= FOREIGN_SHARE and top not in of and " " in words \
                    and any(str(p) == top for _, p, _ in triples):
                return words, top
            return None
        return None

    def say(self, text: str, triple: tuple[Any, Any, Any], where: Mapping[str, Span],
            subjects: frozenset[str]) -> str | None:
        """The words by the object that, in the training texts, stood mostly (SAYS_SHARE) by this predicate's values:
        they say the predicate even where none of its cue words is in the text ('the prime minister is David
        Cameron' for a leader). `subjects`: the record's subjects, by written form. None when there are none."""
        written = surface_form(triple[2])
        if (span := where.get(written)) is None or self.mined.placed.get(str(triple[1]), 0) < MIN_PLACED:
            return None
        others = [other for end, other in where.items() if end != written]
        for side in ("before", "after"):
            counts = self._counts(side, _conjunct_words(text, span, others, side), literal(triple[2]))
            if counts is None:
                continue
            # the words by a value that is no subject here are read by the values they stood by that were no
            # subjects either ('home to Asian Americans': ethnic groups, or subjects of other relations)
            total = counts[2] - (0.0 if written in subjects else counts[1].get(SUBJECT, 0.0))
            if total >= MIN_COUNT and counts[1].get(str(triple[1]), 0.0) / total >= SAYS_SHARE:
                return counts[0]
        return None

    def _judge(self, index: int, triples: Sequence[tuple[Any, Any, Any]], roles: dict[str, set[str]], side: Side,
               contexts: list[str], is_literal: bool) -> Misplaced | None:
        counts = self._counts(side, contexts, is_literal)
        if counts is None:
            return None
        words, of, total = counts
        written = surface_form(triples[index][2])
        own = sum(of.get(p, 0.0) for p in roles[written]) / total
        rivals = [(of.get(str(p), 0.0) / total, j) for j, (_, p, o) in enumerate(triples)
                  if str(p) not in roles[written] and surface_form(o) != written]
        share, rival = max(rivals, default=(0.0, -1))
        if share >= RIVAL_SHARE and own <= OWN_AT_MOST:
            return Misplaced(index, side, words, str(triples[rival][1]), rival)
        top, top_count = max(of.items(), key=lambda item: item[1], default=(SUBJECT, 0.0))
        # a subject's words count against a value only when it is no subject here ('Mauricio Macri is from Argentina'
        # for Argentina's leader)
        present = {str(p) for _, p, _ in triples} | ({SUBJECT} if SUBJECT in roles[written] else set())
        foreign = top not in present
        if foreign and total >= FOREIGN_COUNT and top_count / total >= FOREIGN_SHARE and own <= FOREIGN_OWN:
            return Misplaced(index, side, words, top, None)
        # taken together: words that stand by other predicates' values, one of them most, next to never by its own
        others = sum(n for label, n in of.items() if label not in roles[written]) / total
        if total >= FOREIGN_COUNT and own <= FOREIGN_OWN and others >= FAMILY_SHARE and top != SUBJECT \
                and top_count / total >= FAMILY_TOP and _telling(words):
            return Misplaced(index, side, words, top, None if foreign else next(
                (j for j, (_, p, _) in enumerate(triples) if str(p) == top), None))
        return None

    def _counts(self, side: Side, contexts: list[str], is_literal: bool) -> tuple[str, dict[str, float], float] | None:
        """The longest context seen by values of the object's kind (a name, or a number or date), or often by the
        other kind only (words of two or more that stand by numbers, before a name); else by any value."""
        tables = self.mined.before if side == "before" else self.mined.after
        own = tables.literals if is_literal else tables.names
        other = tables.names if is_literal else tables.literals
        for words in reversed(contexts):
            if (entry := own.get(words)) is not None and entry.total > 0:
                return words, entry.of, entry.total
            if " " in words and (entry := other.get(words)) is not None and entry.total >= FOREIGN_COUNT:
                return words, entry.of, entry.total  # 'has a ship beam of Cruise ship': words for numbers only
        for words in reversed(contexts):
            entries = [entry for entry in (own.get(words), other.get(words)) if entry is not None]
            of: dict[str, float] = defaultdict(float)
            for entry in entries:
                for label, n in entry.of.items():
                    of[label] += n
            total = sum(entry.total for entry in entries)
            if total >= MIN_COUNT:
                return words, dict(of), total
        return None
