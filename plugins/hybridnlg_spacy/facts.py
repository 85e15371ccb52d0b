"""Fact checks: every expected fact expressed, nothing unsupported added, no wrong values."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import groupby
from typing import TYPE_CHECKING, Any

from hybridnlg import Fact, Issue, Segment, predicate_words, relations_in, surface_form, without_disambiguator

from .aliases import EntityNames, find_alias
from .bridges import bridged
from .clauses import said_of, said_of_itself
from .contexts import SUBJECT, Misplaced
from .dates import as_date, find_date
from .entities import explained_by, find_entity, find_scattered, initials, name_variants, plain
from .fluency import DANGLING, VERB_WORDS
from .lexicon import Lexicon, LexiconMatch, Reading, value_key
from .literals import find_literal, literal, states_literal
from .numbers import NumberMention, NumberReader, agrees, as_number, currency_symbols, numbers_in
from .predicates import PredicateLexicon, cue_spans
from .stems import STOP_WORDS, stems
from .trends import TREND_WORDS, Direction, direction_before, trend_direction

if TYPE_CHECKING:
    from spacy.tokens import Doc

Span = tuple[int, int]

# Capitalised words the blank pipeline should not read as names.
_NOT_NAMES = frozenset(
    "i i'm i've i'd january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday mr mrs ms dr near next close beside behind along "
    "around opposite located situated".split()
) | VERB_WORDS | DANGLING
# Capitalised by mistake or by position, but not names: "It is Located near", "customer Rating".
_NOT_NAME_POS = frozenset({"VERB", "AUX", "ADP", "ADV", "PRON", "DET", "CCONJ", "SCONJ", "PART", "NUM"})
_ORDINAL = re.compile(r"(?<![\w.,])(\d+)(?:st|nd|rd|th)(?!\w)", re.IGNORECASE)
_NEGATION_BEFORE = re.compile(r"(?:\b(?:not|never|no|non)|n't)[\s\-]+(?:(?:a|an|the|very|really)\s+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class FactSettings:
    tolerance: float
    rounding: bool
    check_added_numbers: bool
    check_entities: bool
    entity_labels: frozenset[str]
    flat_tolerance: float
    locales: tuple[str, ...]
    check_topics: bool = True


@dataclass
class _State:
    """What one candidate's check has found so far."""

    text: str
    segment: Segment
    consumed: list[Span] = field(default_factory=list)
    record_strings: list[Span] = field(default_factory=list)  # names and strings of the record, mentioned
    status: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)

    def free(self, span: Span) -> bool:
        return self.free_of_facts(span) and not any(a < span[1] and span[0] < b for a, b in self.record_strings)

    def free_of_facts(self, span: Span) -> bool:
        """Not taken by a fact: a record string mentioned there may still be this fact's value."""
        return not any(a < span[1] and span[0] < b for a, b in self.consumed)

    def inside(self, span: Span) -> bool:
        return any(a <= span[0] and span[1] <= b for a, b in (*self.consumed, *self.record_strings))

    def express(self, name: str, span: Span | None = None) -> None:
        if self.status.get(name) != "wrong":
            self.status[name] = "expressed"
        if span is not None:
            self.consumed.append(span)

    def wrong(self, name: str, message: str, span: Span | None) -> None:
        self.status[name] = "wrong"
        self.issues.append(Issue("wrong_value", message, fact=name, span=span, category="fact"))
        if span is not None:
            self.consumed.append(span)

    def added(self, message: str, span: Span, fact: str | None = None) -> None:
        self.issues.append(Issue("added_fact", message, fact=fact, span=span, category="fact"))
        self.consumed.append(span)


def _absent(value: Any) -> bool:
    """No value to express: None, NaN, an empty string or collection."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return isinstance(value, (str, list, tuple, set, dict)) and not (value.strip() if isinstance(value, str) else value)


def leaves(value: Any) -> Iterator[Any]:
    """Every scalar in a value; a string also as it is written when that differs (`Aarhus_Airport`: Aarhus Airport)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from leaves(item)
    else:
        yield value
        if isinstance(value, str) and (written := surface_form(value)) != value:
            yield written


def record_spans(text: str, segment: Segment) -> list[Span]:
    """Where the text writes the record's strings of more than one word (names, titles), as given or as written."""
    spans: set[Span] = set()
    for value in (segment.context, segment.fact_values()):
        for leaf in leaves(value):
            if isinstance(leaf, str) and len(leaf.split()) > 1 and not longer_than(leaf, text):
                spans.update(find_phrase(text, leaf))
    return sorted(spans)


@lru_cache(maxsize=4096)
def phrase_pattern(value: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-‐–]+", value.strip().replace("’", "'")) if w]
    return re.compile(r"(?<!\w)" + r"[\s\-‐–]+".join(words) + r"(?!\w)", re.IGNORECASE)


_SEPARATORS = re.compile(r"[\s\-‐–]+")


def longer_than(value: str, text: str) -> bool:
    """Whether `value`'s words alone are longer than `text`, so no phrase match is possible.

    Checked before building a pattern: a long record string (often in a field no segment uses) would otherwise
    compile a regex as large as itself for every candidate (a 1 MB string took 29 s)."""
    return len(value) > 4 * len(text) + 64 and len(_SEPARATORS.sub("", value)) > len(text)


def find_phrase(text: str, value: str) -> list[Span]:
    if not value.strip() or longer_than(value, text):
        return []
    return [m.span() for m in phrase_pattern(value).finditer(text)]


class FactChecker:
    def __init__(self, lexicon: Lexicon, reader: NumberReader, settings: FactSettings,
                 predicates: PredicateLexicon | None = None, names: EntityNames | None = None) -> None:
        self.lexicon = lexicon
        self.reader = reader
        self.settings = settings
        self.predicates = predicates or PredicateLexicon({}, 1.0)
        names = names or EntityNames()
        self.aliases = names.aliases  # entity written form -> other names texts use for it (`alias_files`)
        self.related = names.related  # entity written form -> words for its people ('American')
        self.class_words = names.class_words  # last words a name may be written without ('music' of Rock_music)

    def check(self, text: str, doc: Doc, segment: Segment, statistical: bool) -> tuple[list[Issue], dict[str, str]]:
        """Issues and a status per fact (expressed / missing / wrong) for one candidate text."""
        state = _State(text, segment, sentences=[(sent.start_char, sent.end_char) for sent in doc.sents])
        facts = {name: fact for name, fact in segment.facts.items() if not _absent(fact.value)}
        kinds = {name: self._kind(fact) for name, fact in facts.items()}
        for name, fact in facts.items():
            if kinds[name] == "string":
                self._string_fact(state, fact)
        self._context_strings(state)
        self._lexicon(state, facts)
        if self.settings.check_topics:
            self._topics(state, facts)
        for name, fact in facts.items():
            kind = kinds[name]
            if kind == "date":
                self._date_fact(state, fact)
            elif kind == "trend":
                self._trend_fact(state, fact)
            elif kind == "boolean":
                self._boolean_fact(state, fact)
        # Only numbers inside a name ("The Six Bells") or a matched value ("5 out of 5") are spoken for; "USD 5" is not.
        mentions = [m for m in self.reader.read(text) if not state.inside(m.span)]
        used = self._number_facts(state, facts, kinds, mentions)
        for name, fact in facts.items():
            if kinds[name] == "composite":
                self._composite_fact(state, fact, mentions)
        if self.settings.check_added_numbers:
            self._added_numbers(state, [m for m in mentions if m.span not in used and not state.inside(m.span)])
            self._added_ordinals(state)
        if self.settings.check_entities:
            self._entities(state, doc, statistical)
            self._added_values(state)
        self._missing(state, facts)
        return state.issues, state.status

    @staticmethod
    def _missing(state: _State, facts: dict[str, Fact]) -> None:
        """Every fact nothing has expressed or contradicted is missing."""
        for name in facts:
            if name not in state.status:
                state.status[name] = "missing"
                message = f"{name} = {facts[name].value!r} is not expressed"
                state.issues.append(Issue("missing_fact", message, fact=name, span=None, category="fact"))

    # kinds --------------------------------------------------------------------------------------------------------

    def _kind(self, fact: Fact) -> str:
        value = fact.value
        if fact.name in self.lexicon.slots and not isinstance(value, (Mapping, list, tuple)):
            return "lexicon"
        if isinstance(value, bool):
            return "boolean"
        if as_number(value) is not None:
            return "number"
        if as_date(value) is not None:
            return "date"
        if trend_direction(value) is not None:
            return "trend"
        if isinstance(value, (Mapping, list, tuple, set)):
            return "composite"
        return "string"

    # strings ------------------------------------------------------------------------------------------------------

    def _string_fact(self, state: _State, fact: Fact) -> None:
        value = str(fact.value)
        spans = [s for form in dict.fromkeys((value, surface_form(value))) for s in find_phrase(state.text, form)
                 if state.free(s)]
        if spans:
            for span in spans:
                state.express(fact.name, span)
            return
        context = state.segment.context
        ref, full = context.get("ref"), context.get("ref_full")
        if isinstance(ref, str) and full == fact.value and (ref_spans := find_phrase(state.text, ref)):
            state.express(fact.name, ref_spans[0])
            return
        # Numeric strings ("12.5%", "$1.2M", "Q3 2026") are expressed when all their numbers are.
        wanted = self.reader.read(value)
        if wanted and re.fullmatch(r"[\W\d\s]*(?:[A-Za-z]{0,3}[\W\d\s]*)", value):
            mentions = [m for m in self.reader.read(state.text) if state.free(m.span)]
            found = [next((m for m in mentions if self._agrees(m, w.value)), None) for w in wanted]
            if all(found):
                for m in found:
                    assert m is not None
                    state.express(fact.name, m.span)

    def _context_strings(self, state: _State) -> None:
        """Names and other strings from the record: mentioning them adds nothing, and hides their inner words."""
        lexicon_slots = self.lexicon.slots
        for key, value in state.segment.context.items():
            if key in lexicon_slots:
                continue
            for leaf in leaves(value):
                if not isinstance(leaf, str) or len(leaf.strip()) < 2 or longer_than(leaf, state.text):
                    continue
                if not re.search(r"[^\W\d_]", leaf):
                    continue
                if self.lexicon.knows_surface(leaf) or trend_direction(leaf) is not None:
                    continue
                for span in find_phrase(state.text, leaf):
                    if state.free(span):
                        state.record_strings.append(span)

    # categorical values -------------------------------------------------------------------------------------------

    def _lexicon(self, state: _State, facts: dict[str, Fact]) -> None:
        context = state.segment.context
        expected = {name: value_key(f.value) for name, f in facts.items() if name in self.lexicon.slots}
        for match in self.lexicon.find(state.text):
            if not state.free(match.span):
                continue
            readings = [self.lexicon.resolve(r, match.negated) for r in match.readings]
            self._reading(state, match, readings, expected, context)
        for name in expected:
            if name in state.status:
                continue
            if not self.lexicon.surfaces_of(name, facts[name].value):
                for span in find_phrase(state.text, str(facts[name].value)):
                    if state.free_of_facts(span):
                        state.express(name, span)

    def _reading(
        self,
        state: _State,
        match: LexiconMatch,
        readings: list[Reading],
        expected: dict[str, str],
        context: Mapping[str, Any],
    ) -> None:
        span, said = match.span, match.text
        hit = next((r for r in readings if expected.get(r.slot) == value_key(r.value)), None)
        if hit is not None:
            if match.negated and not self.lexicon.is_boolean(hit.slot):
                state.wrong(hit.slot, f"{hit.slot} is {hit.value!r} but the text negates it: 'not … {said}'", span)
            else:
                state.express(hit.slot, span)
            return
        if any(r.generic for r in readings):
            state.consumed.append(span)
            return
        if any(r.slot not in expected and value_key(context.get(r.slot)) == value_key(r.value) for r in readings):
            state.consumed.append(span)
            return
        clash = next((r for r in readings if r.slot in expected), None)
        if clash is not None:
            want = state.segment.facts[clash.slot].value
            state.wrong(clash.slot, f"{clash.slot} is {want!r} but the text says {said!r} ({clash.value})", span)
            return
        in_context = next((r for r in readings if context.get(r.slot) is not None), None)
        if in_context is not None:
            want = context[in_context.slot]
            message = f"{in_context.slot} is {want!r} but the text says {said!r} ({in_context.value})"
            state.wrong(in_context.slot, message, span)
            return
        slots = ", ".join(sorted({r.slot for r in readings}))
        state.added(f"{said!r} states {slots}, which is not among the facts", span, fact=readings[0].slot)

    def _topics(self, state: _State, facts: dict[str, Fact]) -> None:
        """A yes/no slot the record has no value for, talked about in words no paraphrase covers ("a great place to
        take your family"): an added fact. With a value in the record, the missing or matched value says it all."""
        for slot in self.lexicon.topics:
            if slot in facts or not _absent(state.segment.context.get(slot)):
                continue
            spans = [span for span in self.lexicon.topic_mentions(slot, state.text) if state.free(span)]
            if spans:
                said = state.text[spans[0][0] : spans[0][1]]
                state.added(f"{said!r} speaks of {slot}, which is not among the facts", spans[0], fact=slot)
                state.consumed += spans[1:]

    # dates, trends, booleans --------------------------------------------------------------------------------------

    def _date_fact(self, state: _State, fact: Fact) -> None:
        day = as_date(fact.value)
        assert day is not None
        span = find_date(state.text, day, self.settings.locales)
        if span is not None:
            state.express(fact.name, span)

    def _trend_fact(self, state: _State, fact: Fact) -> None:
        want = trend_direction(fact.value)
        found: dict[Direction, Span] = {}
        for direction, pattern in TREND_WORDS.items():
            for m in pattern.finditer(state.text):
                if state.free(m.span()):
                    found.setdefault(direction, m.span())
        if want in found:
            state.express(fact.name, found[want])
            return
        if found:
            direction, span = min(found.items(), key=lambda item: item[1])
            said = state.text[span[0] : span[1]]
            state.wrong(fact.name, f"{fact.name} is {fact.value!r} but the text says {said!r}", span)

    def _boolean_fact(self, state: _State, fact: Fact) -> None:
        words = re.sub(r"(?<=[a-z])(?=[A-Z])|_", " ", fact.name).lower()
        for span in find_phrase(state.text, words):
            if not state.free(span):
                continue
            negated = bool(_NEGATION_BEFORE.search(state.text[max(0, span[0] - 30) : span[0]]))
            if negated == bool(fact.value):
                state.wrong(fact.name, f"{fact.name} is {fact.value!r} but the text says the opposite", span)
            else:
                state.express(fact.name, span)
            return

    # numbers ------------------------------------------------------------------------------------------------------

    def _number_facts(
        self, state: _State, facts: dict[str, Fact], kinds: dict[str, str], mentions: list[NumberMention]
    ) -> set[Span]:
        used: set[Span] = set()
        symbols = self._currency_symbols(state.segment.context)
        for name, fact in facts.items():
            if kinds[name] != "number":
                continue
            value = as_number(fact.value)
            assert value is not None
            match = next((m for m in mentions if m.span not in used and self._agrees(m, value)), None)
            if match is None:
                match = next((m for m in mentions if self._agrees(m, value)), None)
            if match is None:
                # "Revenue held steady": a change this small is expressed by saying there was none.
                if abs(value) <= self.settings.flat_tolerance and (flat := self._flat_word(state)) is not None:
                    state.express(name, flat)
                continue
            used.add(match.span)
            state.express(name, match.span)
            if symbols and match.currency and match.currency not in symbols:
                message = f"{name} is in {'/'.join(sorted(symbols))} but the text writes {match.currency!r}"
                state.wrong(name, message, match.span)
            if match.value >= 0 and value != 0:
                said = direction_before(state.text, *match.span)
                if said is not None and said[0] != ("up" if value > 0 else "down"):
                    word = state.text[said[1][0] : said[1][1]]
                    state.wrong(name, f"{name} is {fact.value!r} but the text says {word!r} {match.text!r}", said[1])
        return used

    @staticmethod
    def _flat_word(state: _State) -> Span | None:
        found = TREND_WORDS["flat"].search(state.text)
        return found.span() if found else None

    def _agrees(self, mention: NumberMention, value: float) -> bool:
        return agrees(mention, value, self.settings.tolerance, self.settings.rounding)

    def _currency_symbols(self, context: Mapping[str, Any]) -> set[str]:
        code = context.get("currency")
        if isinstance(code, str) and re.fullmatch(r"[A-Za-z]{3}", code):
            return currency_symbols(code, (*self.settings.locales, "en_US"))
        return set()

    def _composite_fact(self, state: _State, fact: Fact, mentions: list[NumberMention]) -> None:
        if (triples := relations_in(fact.value)) is not None:
            self._relations(state, fact.name, triples, mentions)
            return
        for leaf in leaves(fact.value):
            if isinstance(leaf, str) and len(leaf) > 1 and find_phrase(state.text, leaf):
                state.express(fact.name)
                return
        size = len(fact.value)
        if any(self._agrees(m, size) for m in mentions):
            state.express(fact.name)

    def _relations(self, state: _State, name: str, triples: list[tuple[Any, Any, Any]],
                   mentions: list[NumberMention]) -> None:
        """Each relation is expressed when its subject and object are written and the text says its predicate (by
        the predicate lexicon); a predicate the lexicon cannot check is listed as unchecked, never failed."""
        text_stems = stems(state.text)
        spans: list[Span] = []
        problems: list[str] = []
        objects: dict[int, Span] = {}
        where: dict[str, Span] = {}
        unsaid: dict[int, str] = {}
        written = sorted({surface_form(end) for s, _, o in triples for end in (s, o)})
        outer = {end: _outer_spans(state.text, end, written) for end in written}
        for index, (subject, predicate, obj) in enumerate(triples):
            label = f"{surface_form(subject)} | {predicate_words(predicate)} | {surface_form(obj)}"
            ends = self._ends(state, (surface_form(subject), surface_form(obj)), mentions, outer)
            absent = [written for written, span in ends.items() if span is None]
            spans += [span for span in ends.values() if span is not None]
            where.update({end: span for end, span in ends.items() if span is not None and end not in where})
            if (found := ends.get(surface_form(obj))) is not None:
                objects[index] = found
            if absent:
                problems.append(f"{name}[{index}] ({label}): {' and '.join(map(repr, absent))} not in the text")
            elif (why := self._unsaid(state, f"{name}[{index}]", str(predicate), (text_stems, ends, mentions),
                                      triples, written)) is not None:
                unsaid[index] = f"{name}[{index}] ({label}): {why}"
                problems.append(unsaid[index])
        for index, how in self._said_by_contexts(state.text, triples, unsaid, where).items():
            problems.remove(unsaid[index])
            state.status[f"{name}[{index}]"] = f"predicate said by {how}"
        wrong = not problems and self._wrong_values(state, name, triples, objects, spans, where)
        for span in spans:
            state.consumed.append(span)
        if not problems:
            if not wrong:
                state.express(name)
            return
        state.status[name] = "missing"
        for problem in problems:
            state.issues.append(Issue("missing_fact", f"{problem}", fact=name, span=None, category="fact"))

    def _unsaid(self, state: _State, key: str, predicate: str,
                seen: tuple[set[str], dict[str, Span | None], list[NumberMention]],
                triples: list[tuple[Any, Any, Any]], written: list[str]) -> str | None:
        """Why the text does not say the relation's predicate, or None: said, or not checkable (the status says
        so). `seen`: the text's stems, the relation's ends where written, the number mentions."""
        text_stems, ends, mentions = seen
        verdict = self.predicates.judge(predicate, text_stems)
        if verdict.expressed is False:
            return verdict.why
        if verdict.expressed and not self._said_by(state, predicate, ends, mentions):
            return f"no sentence that writes its subject or object says {predicate_words(predicate)!r}"
        if verdict.expressed is None:
            if (other := self._foreign(state, predicate, triples, written)) is not None:
                return f"nothing says {predicate_words(predicate)!r}, but {other}, which the data does not give"
            state.status[key] = f"unchecked predicate: {verdict.why}"
        return None

    def _foreign(self, state: _State, predicate: str, triples: list[tuple[Any, Any, Any]], written: list[str]
                 ) -> str | None:
        """For a text of one relation whose predicate the lexicon cannot check, when no word outside the names may
        say it: the first word that names another predicate ('the colour of Indonesia' for a language). Only for one
        relation: a text of several writes words for them that no lexicon lists (27% of faithful WebNLG texts would
        be flagged instead of 20%)."""
        if len(triples) != 1:
            return None
        outside = _outside_names(state.text, written)
        if self.predicates.cues_of(predicate) & stems(outside):
            return None
        found = self.predicates.foreign_words(outside, {str(p) for _, p, _ in triples})
        word, other = next(iter(found.items()), (None, None))
        return None if word is None else f"{word!r} names the predicate {predicate_words(other)!r}"

    def _said_by_contexts(self, text: str, triples: list[tuple[Any, Any, Any]], unsaid: dict[int, str],
                          where: dict[str, Span]) -> dict[int, str]:
        """The relations no cue says whose object stands by words that, in the training texts, stood mostly by
        that predicate's values ('the prime minister is David Cameron' for a leader; see contexts.py), or whose ends
        are joined by words that often joined that predicate's ('the Acharya Institute of Technology in Bangalore'
        for a city; see bridges.py); with how the trace says it."""
        table = self.predicates.contexts
        if table is None:
            return {}
        said: dict[int, str] = {}
        subjects = frozenset(surface_form(s) for s, _, _ in triples)
        for index in unsaid:
            if (words := table.say(text, triples[index], where, subjects)) is not None:
                said[index] = f"the words by its object: {words!r}"
            elif (words := bridged(table.mined.bridges, text, triples[index], where)) is not None:
                said[index] = f"the words between its subject and object: {words!r}"
        return said

    def _wrong_values(self, state: _State, name: str, triples: list[tuple[Any, Any, Any]], objects: dict[int, Span],
                      spans: list[Span], where: dict[str, Span]) -> bool:
        """Values written by the wrong relation (every end written, every predicate said): swapped between two
        predicates' words, by words that say another relation (the value contexts), or in a clause about another
        entity. Reports them; True when there was one."""
        swaps = self._swapped(state.text, triples, objects, spans)
        table = self.predicates.contexts
        misplaced = table.misplaced(state.text, triples, where) if table else []
        subjects = table.wrong_subjects(state.text, triples, where) if table else []
        said_of_other = said_of(state.text, triples, where)
        # an entity of one relation only: one of two relations may be written by each mention ('is part of the
        # United States and is located in the United States')
        once = Counter(e for s, _, o in triples for e in (surface_form(s), surface_form(o)) if not literal(e))
        itself = said_of_itself(state.text, sorted(e for e, n in once.items() if n == 1), sorted(once))
        for i, j in swaps:
            (_, p_i, o_i), (_, p_j, o_j) = triples[i], triples[j]
            message = (f"{name}[{i}] and {name}[{j}]: {surface_form(o_i)!r} is written by what says "
                       f"{predicate_words(p_j)!r}, and {surface_form(o_j)!r} by what says {predicate_words(p_i)!r}: "
                       f"the values look swapped")
            state.wrong(name, message, objects[i])
        self._misplaced(state, name, triples, objects, misplaced)
        for index, head, pronoun in said_of_other:
            subject, predicate, obj = triples[index]
            state.wrong(name, f"{name}[{index}]: {surface_form(obj)!r} ({predicate_words(predicate)}) is written in a "
                              f"clause about {head!r} ('{head} {pronoun} …'), but the data gives it to "
                              f"{surface_form(subject)!r}", objects.get(index))
        for end, span in itself:
            state.wrong(name, f"{end!r} is written twice around words that relate it to itself "
                              f"({state.text[span[0]:span[1]]!r}): no relation of the data does", span)
        for end, words, predicate in subjects:
            owners = sorted({surface_form(s) for s, p, _ in triples if str(p) == predicate})
            state.wrong(name, f"{end!r} follows {words!r}, which in the training texts comes before the subject of a "
                              f"{predicate_words(predicate)!r}, but the data gives that to "
                              f"{' and '.join(map(repr, owners))}", where.get(end))
        return bool(swaps or misplaced or said_of_other or itself or subjects)

    @staticmethod
    def _misplaced(state: _State, name: str, triples: list[tuple[Any, Any, Any]], objects: dict[int, Span],
                   misplaced: list[Misplaced]) -> None:
        for wrong in misplaced:
            _, predicate, obj = triples[wrong.index]
            other = "" if wrong.rival is None else f" (here {surface_form(triples[wrong.rival][2])!r})"
            by, near = ("follows", "before") if wrong.side == "before" else ("is followed by", "after")
            says = "a relation's subject" if wrong.says == SUBJECT else f"a {predicate_words(wrong.says)!r}"
            message = (f"{name}[{wrong.index}]: {surface_form(obj)!r} ({predicate_words(predicate)}) {by} "
                       f"{wrong.words!r}, which in the training texts comes {near} {says}{other}, almost never "
                       f"{near} a {predicate_words(predicate)!r}: the value looks given to the wrong relation")
            state.wrong(name, message, objects.get(wrong.index))

    def _said_by(self, state: _State, predicate: str, ends: dict[str, Span | None],
                 mentions: list[NumberMention]) -> bool:
        """A checked predicate's words in a sentence that writes its subject or its object ("Agra Airport is located in
        167.94. The airport is Bundelkhand metres above sea level" does not say that 167.94 is its elevation); a word
        of either end's name, written there, is none."""
        cues = self.predicates.checked_cues(predicate)
        if not cues:
            return True
        found = [span for span in ends.values() if span is not None]
        written: list[Span] = []
        names: list[Span] = []
        for end, span in ends.items():
            occurrences = [span] if span is not None else []
            while occurrences and len(occurrences) < 8:
                more = self._end(state, end, mentions, avoid=found + occurrences)
                if more is None or more in occurrences:
                    break
                occurrences.append(more)
            written += occurrences
            names += [] if literal(end) else occurrences
        sentences = _joined(state.sentences, names)

        def sentence(span: Span) -> int:
            return next((i for i, (a, b) in enumerate(sentences) if a <= span[0] < b), -1)

        inside = [(span, stems(end)) for end, span in ends.items() if span is not None]
        said = {sentence(c) for c in cue_spans(state.text, cues)
                if not any(a <= c[0] and c[1] <= b and stems(state.text[c[0]:c[1]]) <= words
                           for (a, b), words in inside)}
        return any(sentence(span) in said for span in written)

    def _swapped(self, text: str, triples: list[tuple[Any, Any, Any]], objects: dict[int, Span],
                 ends: list[Span]) -> list[tuple[int, int]]:
        """Pairs of relations whose objects each sit by the other's predicate words ("serves the city of 2702.0 and
        has a runway length of Aarhus"): every end written, every predicate said, and still a wrong value. Two names
        count only by the words of predicates the lexicon checks; a literal and a name ("located in 1533.0 … a
        runway length of Maple Ridge Township") by any predicate's words too, since a literal by a name's
        predicate is wrong whatever the wording. A word inside a name is no predicate word."""
        checked = self._pairs(text, triples, objects, ends, self.predicates.checked_cues)
        loose = self._pairs(text, triples, objects, ends, self.predicates.cues_of)
        mixed = [(i, j) for i, j in loose if literal(triples[i][2]) != literal(triples[j][2])]
        return sorted(set(checked) | set(mixed))

    @staticmethod
    def _pairs(text: str, triples: list[tuple[Any, Any, Any]], objects: dict[int, Span], ends: list[Span],
               cues_for: Callable[[str], set[str] | None]) -> list[tuple[int, int]]:
        """Relations whose objects are each nearest the other's predicate words (`cues_for`)."""
        cues: dict[int, list[Span]] = {}
        for index, (_, predicate, _) in enumerate(triples):
            stems_of = cues_for(str(predicate))
            if stems_of and index in objects:
                cues[index] = [c for c in cue_spans(text, stems_of)
                               if not any(a <= c[0] and c[1] <= b for a, b in ends)]

        def nearest(index: int) -> int | None:
            a0, a1 = objects[index]
            gaps = [(max(0, max(a0, c0) - min(a1, c1)), other != index, other)
                    for other, spans in cues.items() for c0, c1 in spans]
            return min(gaps)[2] if gaps else None

        near = {index: nearest(index) for index in cues}
        return [(i, j) for i in cues for j in cues
                if i < j and near[i] == j and near[j] == i and triples[i][1] != triples[j][1]
                and surface_form(triples[i][2]) != surface_form(triples[j][2])]

    def _end(self, state: _State, end: str, mentions: list[NumberMention], avoid: list[Span]) -> Span | None:
        """Where a relation's subject or object is written, outside the other end's span ('Aarhus' in 'Aarhus
        Airport' is not Aarhus): as a name the way prose writes it (see entities.py), or a number or a date in any
        common form ('2702.0' as 2,702 or 2702 metres; '1963-03-20' as March 20, 1963), or by one of its mined
        aliases ('U.S.' for United States, see aliases.py), or a word for its people ('an American' for a nationality,
        see related_names.py)."""
        if (found := find_entity(state.text, end, avoid)) is not None:
            return found
        for aliases in (self.aliases.get(end), self.related.get(end)):
            if aliases and (found := find_alias(state.text, aliases, avoid)) is not None:
                return found
        words = end.split()
        if len(words) >= 2 and words[-1].lower() in self.class_words:
            if (found := find_entity(state.text, " ".join(words[:-1]), avoid)) is not None:
                return found
        is_literal, found = find_literal(state.text, end, mentions, self.reader, self.settings.locales,
                                         self.settings.rounding)
        return found if is_literal else self._list_end(state, end, mentions, avoid)

    def _ends(self, state: _State, pair: tuple[str, str], mentions: list[NumberMention],
              outer: dict[str, list[Span]]) -> dict[str, Span | None]:
        """Where a relation's subject and object are written, the longer first (its span is off limits to the other),
        never only inside a longer name of the record (`outer`, see `_outer_spans`); an end not written as such may
        be one the other makes plain (`_in_context`)."""
        ends: dict[str, Span | None] = {}
        # a list-valued end last: its span runs from its first item to its last, and may hold the other end
        for end in sorted(set(pair), key=lambda e: (bool(_LIST_SEPARATORS.search(e)), -len(e))):
            other = pair[1] if end == pair[0] else pair[0]
            avoid = [s for s in ends.values() if s is not None] + outer.get(end, [])
            ends[end] = self._end(state, end, mentions, avoid=avoid)
            if ends[end] is None:
                ends[end] = self._in_context(state.text, end, other, ends.get(other))
            if ends[end] is None and (found := find_scattered(state.text, end, avoid)) is not None:
                # the words of "Felipe VI of Spain" in "Spain is led by Felipe VI" are the two ends, not one
                if find_entity(state.text[found[0]:found[1]], other, []) is None:
                    ends[end] = found
        return ends

    @staticmethod
    def _in_context(text: str, end: str, other: str, other_span: Span | None) -> Span | None:
        """An end the other end makes plain: a place that qualifies the other's name ("Alabama" in "Lee County,
        Alabama", written once for both), or a name that only says "of" the other ("President of the United States"
        for the United States' leader title, written "President"; "Native Americans in the United States")."""
        if other_span is not None:
            for variant in name_variants(other):
                if "," in variant and find_entity(variant.split(",", 1)[1], end, []) is not None:
                    found = find_entity(text[other_span[0]:other_span[1]], end, [])
                    if found is not None:
                        return other_span[0] + found[0], other_span[0] + found[1]
        for variant in name_variants(other):
            if (head := _head(end, of=variant)) is not None:
                return find_entity(text, head, [other_span] if other_span else [])
        return None

    def _list_end(self, state: _State, end: str, mentions: list[NumberMention], avoid: list[Span]) -> Span | None:
        """A list-valued end ("Bread, almonds, garlic, water, olive oil"; "A919 HA; 1927 WB") is written when every
        item is, in any order and with any joining words ("… water and olive oil")."""
        items = [item.strip() for item in _LIST_SEPARATORS.split(end) if item.strip()]
        if len(items) < 2:
            return None
        spans: list[Span] = []
        for item in items:
            found = self._end(state, item, mentions, avoid + spans) if not _LIST_SEPARATORS.search(item) else None
            if found is None:
                return None
            spans.append(found)
        return min(a for a, _ in spans), max(b for _, b in spans)

    def _added_numbers(self, state: _State, mentions: list[NumberMention]) -> None:
        # A relation list's numbers are exact literals, never sizes: its triples are three long, which said nothing.
        values = [*state.segment.context.values(), *state.segment.fact_values().values()]
        relational = [value for value in values if relations_in(value) is not None]
        supported = [n for value in values if relations_in(value) is None for n in numbers_in(value, self.reader)]
        literals = [n for value in relational for s, _, o in relations_in(value) or [] for end in (s, o)
                    for n in numbers_in(end, self.reader)]
        supported += [float(n) for value in relational for n in _counts(value)]
        for mention in mentions:
            if mention.weak or any(self._agrees(mention, n) for n in supported):
                continue
            if any(states_literal(mention, n, self.settings.rounding) for n in literals):
                continue
            state.added(f"the number {mention.text!r} is not in the data", mention.span)

    @staticmethod
    def _added_ordinals(state: _State) -> None:
        """An ordinal in digits ("a 1st runway") is a number too: one the data has nowhere, in a value or a
        predicate's words ("4thRunwaySurfaceType"), is added. Dates the text writes for the data are spoken for."""
        data = (state.segment.context, state.segment.fact_values())
        strings = [str(leaf) for v in data for leaf in leaves(v)]
        strings += [predicate_words(t[1]) for v in data[1].values() for t in relations_in(v) or []]
        known = {int(n) for text in strings for n in re.findall(r"\d+", text)}
        for match in _ORDINAL.finditer(state.text):
            if int(match.group(1)) not in known and not state.inside(match.span()):
                state.added(f"the number {match.group(0)!r} is not in the data", match.span())

    # entities -----------------------------------------------------------------------------------------------------

    def _entities(self, state: _State, doc: Doc, statistical: bool) -> None:
        data = (state.segment.context, state.segment.fact_values())
        blob = " | ".join(str(leaf).lower() for v in data for leaf in leaves(v) if isinstance(leaf, str))
        # a relation's predicate is data too ("its OCLC number"), and names are compared without accents
        predicates = [predicate_words(t[1]) for v in data[1].values() for t in relations_in(v) or []]
        # and so are an entity's mined aliases ("UK"), the words for its people ("American") and its initials ("USAF"
        # for United States Air Force)
        ends = [surface_form(end) for v in data[1].values() for t in relations_in(v) or [] for end in (t[0], t[2])]
        others = [alias for end in ends for alias in [*self.aliases.get(end, []), *self.related.get(end, [])]]
        others += [short for end in ends if (short := initials(end))]
        blob = plain(" | ".join([blob, *predicates, *others]).lower())
        data_words = set(re.findall(r"[^\W\d_]{4,}", blob))
        blob += " | " + self.lexicon.vocabulary
        blob += " | " + _DOTTED.sub(lambda m: m.group(0).replace(".", ""), blob)  # "A.C. Milan" is written AC Milan
        blob_words = set(re.findall(r"[^\W\d_]{4,}", blob))
        for tokens in self._name_candidates(doc, statistical, state):
            words = [
                t
                for t in tokens
                if t.is_alpha and t.text[:1].isupper() and not t.is_stop and t.pos_ not in _NOT_NAME_POS
                and state.free((t.idx, t.idx + len(t)))
            ]
            if not words:
                continue
            if all(explained_by(plain(t.lower_), blob, blob_words) or _misspelt(plain(t.lower_), data_words)
                   for t in words):
                continue  # "Californian" for California, "Swedish" for Sweden, "Karnatka" for Karnataka
            span = (words[0].idx, words[-1].idx + len(words[-1]))
            state.added(f"{state.text[span[0]:span[1]]!r} is not in the data", span)

    def _added_values(self, state: _State) -> None:
        """Relation values the training texts write in lower case ('jazz', 'a test pilot'), written here where the
        record has no such value (see common_values.py)."""
        common = self.predicates.common
        triples = [t for v in state.segment.fact_values().values() for t in relations_in(v) or []]
        if common is None or not triples:
            return
        ends = sorted({surface_form(end) for s, _, o in triples for end in (s, o)})
        said = stems(" ".join(ends)).union(*(self.predicates.cues_of(str(p)) for _, p, _ in triples))
        for added in common.added(state.text, ends, said, [*state.consumed, *state.record_strings]):
            what = " or ".join(map(predicate_words, added.predicates))
            state.added(f"{state.text[added.span[0]:added.span[1]]!r} is not in the data (a {what} in the training "
                        f"texts)", added.span)

    def _name_candidates(self, doc: Doc, statistical: bool, state: _State) -> Iterator[list[Any]]:
        if not statistical:
            yield from _capitalised_runs(doc)
            return
        for ent in doc.ents:
            if ent.label_ in self.settings.entity_labels:
                yield list(ent)
        # Names the recogniser missed ("the Suburban Legends band"): runs of capitalised proper nouns outside any
        # entity it did find.
        for proper, run in groupby(doc, key=lambda t: t.pos_ == "PROPN" and t.is_alpha and t.text[:1].isupper()
                                   and not t.ent_type_ and t.lower_ not in _NOT_NAMES):
            if proper:
                yield list(run)


def _misspelt(word: str, data_words: set[str]) -> bool:
    """A word a letter off a word of the data's names ('Karnatka', 'Deryshire' for Derbyshire): a misspelling, not
    another name ('Iran' is not 'Iraq', 'Austria' not 'Australia'), nor a word made from the data's with an ending
    ('Texans' for the people of Texas, which is a fact of its own)."""
    if len(word) < 4:
        return False
    base = word[:-1] if word.endswith("s") else word
    return any(abs(len(word) - len(other)) <= 1 and not (len(base) >= len(other) and base.startswith(other[:-1]))
               and SequenceMatcher(None, word, other).ratio() >= MISSPELT for other in data_words)


def _joined(sentences: list[Span], names: list[Span]) -> list[Span]:
    """Sentences, rejoined where the parser broke one inside a name or right after a name's closing full stop ("has
    Am. J. Math. as its abbreviation")."""
    out: list[Span] = []
    for start, end in sentences:
        if out and any(a < start <= b + 1 for a, b in names):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _capitalised_runs(doc: Doc) -> Iterator[list[Any]]:
    """Name candidates of the blank pipeline, which tags nothing: runs of capitalised words."""
    run: list[Any] = []
    for token in doc:
        capitalised = token.is_alpha and token.text[:1].isupper() and token.lower_ not in _NOT_NAMES
        if capitalised and not token.is_sent_start:
            run.append(token)
            continue
        # A sentence-initial word is only part of a name when another capitalised word follows ("John Smith").
        following = doc[token.i + 1] if token.i + 1 < len(doc) else None
        if capitalised and not token.is_stop and following is not None and following.text[:1].isupper():
            if run:
                yield run
            run = [token]
            continue
        if run:
            yield run
        run = []
    if run:
        yield run


def _outer_spans(text: str, end: str, names: list[str]) -> list[Span]:
    """Where the text writes a longer name of the record (`names`) that holds `end`: 'Americans' inside 'Native
    Americans' (for Native_Americans_in_the_United_States) is not the demonym Americans. A place after a comma
    ('Ohio' of 'Cuyahoga County, Ohio'; 'Spain' of 'Galicia (Spain)') and a list's items do say the name they hold."""
    spans: list[Span] = []
    for longer in names:
        if len(longer) <= len(end) or _QUALIFIED.search(longer) or find_entity(longer, end, []) is None:
            continue
        for variant in [*name_variants(longer), *filter(None, [_head(longer)])]:
            if len(variant) > len(end) and (found := find_entity(text, variant, [])) is not None:
                spans.append(found)
    return spans


def _outside_names(text: str, names: list[str]) -> str:
    """The text with the names (as given or without their disambiguator) blanked out."""
    for name in sorted({v for end in names for v in (end, without_disambiguator(end))}, key=len, reverse=True):
        for a, b in reversed(find_phrase(text, name)):
            text = text[:a] + " " * (b - a) + text[b:]
    return text


def _head(name: str, of: str | None = None) -> str | None:
    """The part of a name before 'of', 'in' or 'at' ('Native Americans' of 'Native Americans in the United States');
    with `of`, only when that name follows ('President' of 'President of the United States', of United States)."""
    rest = rf"(?:the\s+)?{re.escape(of)}$" if of is not None else r"\S"
    match = re.match(rf"^(.+?)\s+(?:of|in|at)\s+{rest}", name, re.IGNORECASE)
    return match.group(1) if match and match.group(1).casefold() not in STOP_WORDS else None


def _counts(value: Any) -> set[int]:
    """How many of something a text may say the relations hold: objects of one subject's predicate ("two awards"),
    items of a list-valued object ("two of the main ingredients")."""
    triples = relations_in(value) or []
    per_predicate = Counter((surface_form(s), str(p)) for s, p, _ in triples)
    items = [len([i for i in _LIST_SEPARATORS.split(surface_form(o)) if i.strip()]) for _, _, o in triples]
    return {n for n in [*per_predicate.values(), *items] if n >= 2}


MISSPELT = 0.9  # the least similarity (difflib's ratio) of a misspelt word to the data's
_DOTTED = re.compile(r"\b(?:\w\.){2,}")
_LIST_SEPARATORS = re.compile(r"\s*[,;]\s*|\s+(?:and|&)\s+")
_QUALIFIED = re.compile(r"[,;(]|\s(?:and|&)\s")  # a list, a place after a comma, a disambiguator
