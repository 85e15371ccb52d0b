"""Relation predicates and the words that say them, mined from data/text pairs (`hybridnlg lexicon mine`).

A relation fact (subject, predicate, object) is expressed when its subject and object are written and something
in the text says the predicate. For a predicate nobody wrote a lexicon entry for, the cue words are mined from
training pairs: the words that occur far more often in texts whose data holds the predicate than in texts overall.
A predicate is checked only when its cues cover enough of its own training texts (`coverage`): one without cues,
or whose texts say it too many ways, is left unchecked, and the trace says so.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hybridnlg import ConfigError, Context, predicate_words, read_yaml, relation_triples, surface_form

from .common_values import CommonValues
from .contexts import ContextTable, ValueContexts
from .entities import fold
from .stems import STOP_WORDS, WORD, stem, stems

MAX_CUES = 8
MIN_LIFT = 3.0
MIN_SHARE = 0.03


class PredicateEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cues: list[str] = Field(min_length=1)
    coverage: float = Field(1.0, ge=0, le=1, description="Share of the predicate's training texts with a cue.")
    texts: int = Field(0, ge=0, description="How many training texts the cues were mined from.")


class PredicateFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = None
    licence: str | None = None
    credit: list[str] = Field(default_factory=list)
    predicates: dict[str, PredicateEntry]
    value_contexts: ValueContexts | None = Field(None, description="The words before each predicate's values "
                                                                   "(contexts.py): finds values given to the wrong "
                                                                   "relation.")
    common_values: dict[str, list[str]] = Field(default_factory=dict, description="Values the training texts write "
                                                "in lower case, with their predicates (common_values.py): finds "
                                                "added facts that are no names.")


@dataclass(frozen=True)
class PredicateVerdict:
    """`expressed` None: not checked (`why` says why)."""

    expressed: bool | None
    why: str = ""


class PredicateLexicon:
    def __init__(self, entries: dict[str, PredicateEntry], min_coverage: float,
                 contexts: ContextTable | None = None, common: CommonValues | None = None) -> None:
        self.entries = entries
        self.min_coverage = min_coverage
        self.contexts = contexts
        self.common = common
        self.cue_stems = {name: {stem(word) for cue in e.cues for word in cue.split()} for name, e in entries.items()}
        self._named_by: dict[str, str] = {}  # a word of a predicate's name -> the (first) predicate named by it
        for name in sorted(entries):
            for word in stems(predicate_words(name)):
                self._named_by.setdefault(word, name)

    def judge(self, predicate: str, text_stems: set[str]) -> PredicateVerdict:
        entry = self.entries.get(predicate)
        if entry is None:
            return PredicateVerdict(None, f"no lexicon entry for predicate {predicate!r}")
        if entry.coverage < self.min_coverage:
            return PredicateVerdict(None, f"predicate {predicate!r} is said too many ways to check (its cues cover "
                                          f"{entry.coverage:.0%} of its training texts)")
        cues = self.cue_stems[predicate] | stems(predicate_words(predicate))  # its own words always say it
        return PredicateVerdict(bool(cues & text_stems),
                                f"nothing says {predicate_words(predicate)!r} (cues: {', '.join(entry.cues)})")


    def checked_cues(self, predicate: str) -> set[str] | None:
        """The stems that say a checked predicate (its cues and its own words); None when it is not checked."""
        entry = self.entries.get(predicate)
        if entry is None or entry.coverage < self.min_coverage:
            return None
        return self.cue_stems[predicate] | stems(predicate_words(predicate))

    def foreign_words(self, text: str, predicates: set[str]) -> dict[str, str]:
        """Words of the text (its names blanked out) that are the very words of a lexicon predicate other than
        `predicates` and say none of them: {word: that predicate}. "The Indonesian language is the colour of
        Indonesia" says 'colour', not 'language'."""
        own = set().union(*(self.cues_of(p) for p in predicates)) if predicates else set()
        found: dict[str, str] = {}
        for match in WORD.finditer(text):
            word = stem(match.group())
            if len(match.group()) > 2 and word not in own and word not in STOP_WORDS \
                    and (other := self._named_by.get(word)) is not None:
                found.setdefault(match.group(), other)
        return found

    def cues_of(self, predicate: str) -> set[str]:
        """The stems that may say a predicate, checked or not: its mined cues, if any, and its own words."""
        return self.cue_stems.get(predicate, set()) | stems(predicate_words(predicate))


def cue_spans(text: str, cues: set[str]) -> list[tuple[int, int]]:
    """Where the text has a word whose stem is one of `cues`."""
    return [m.span() for m in WORD.finditer(text) if len(m.group()) > 2 and stem(m.group()) in cues]


def load_predicates(names: Iterable[str], context: Context, min_coverage: float) -> PredicateLexicon:
    """Predicate files (YAML or JSON, as `hybridnlg lexicon mine` writes them), resolved inside the config's folder."""
    entries: dict[str, PredicateEntry] = {}
    contexts = ValueContexts()
    common: dict[str, list[str]] = {}
    for name in names:
        path = context.resolve(name, "predicate lexicon")
        try:
            document = PredicateFile.model_validate(read_yaml(path, "predicate lexicon"))
        except ValidationError as exc:
            problems = [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]]
            raise ConfigError([f"predicate_files: {p}" for p in problems]) from None
        entries.update(document.predicates)
        if document.value_contexts is not None:  # a later file's tables add to an earlier one's
            contexts.update(document.value_contexts)
        common.update(document.common_values)
    return PredicateLexicon(entries, min_coverage, ContextTable(contexts) if contexts.placed else None,
                            CommonValues(common) if common else None)


# Mining -----------------------------------------------------------------------------------------------------------


def read_relation_pairs(path: Path, hold_out: frozenset[str] = frozenset()) -> Iterator[tuple[list[Any], str]]:
    """(triples, text) from WebNLG JSONL (`{"triples", "texts"}`) or JSONL `{"data": {...}, "text"}` whose data
    holds relation lists. A malformed line is a ValueError naming the file and line."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or row.get("category") in hold_out:
                continue
            if "triples" in row and isinstance(row.get("texts"), list):
                triples, texts = relation_triples(row["triples"]), row["texts"]
            elif isinstance(row.get("data"), dict) and isinstance(row.get("text"), str):
                found = [relation_triples(v) for v in row["data"].values()]
                triples, texts = [t for f in found if f for t in f] or None, [row["text"]]
            else:
                raise ValueError(f"{path}:{number}: expected {{triples, texts}} or {{data, text}}")
            if triples is None:
                raise ValueError(f"{path}:{number}: no [subject, predicate, object] list in the data")
            for text in texts:
                if isinstance(text, str) and text.strip():
                    yield list(triples), text


def mine(pairs: Iterable[tuple[list[Any], str]], min_texts: int = 5) -> dict[str, PredicateEntry]:
    """Cue words per predicate: greedy cover of the predicate's texts (those about it alone, when there are enough)
    by words with a lift of at least 3 over their rate in the texts without the predicate; the predicate's own words
    always count. Entity words (subject, object) are not cues."""
    total = 0
    overall: Counter[str] = Counter()
    texts_of: dict[str, list[set[str]]] = {}
    alone: dict[str, list[set[str]]] = {}  # texts whose data has this predicate only: their words are its words
    for triples, text in pairs:
        written_names = " ".join(surface_form(end) for s, _, o in triples for end in (s, o))
        names = stems(written_names) | stems(fold(written_names))  # Göttingen is often written Gottingen
        words = stems(text) - names
        total += 1
        overall.update(words)
        predicates = {str(p) for _, p, _ in triples}
        for predicate in predicates:
            texts_of.setdefault(predicate, []).append(words)
            if len(predicates) == 1:
                alone.setdefault(predicate, []).append(words)
    entries: dict[str, PredicateEntry] = {}
    for predicate, texts in sorted(texts_of.items()):
        own = alone.get(predicate, [])
        source = own if len(own) >= min_texts else texts
        # the reference rate is that of the texts without the predicate: a word common in its many multi-relation
        # texts ("led" for leader) is still its word
        with_it = Counter(word for words in texts for word in words)
        elsewhere = Counter({w: n - with_it[w] for w, n in overall.items()})
        others = max(total - len(texts), 1)
        if len(source) >= min_texts and (entry := _cues(predicate, source, elsewhere, others)) is not None:
            entries[predicate] = entry
    return entries


def _cues(predicate: str, texts: list[set[str]], overall: Counter[str], total: int) -> PredicateEntry | None:
    counts = Counter(word for words in texts for word in words)
    own = sorted(w for w in stems(predicate_words(predicate)) if counts[w])
    candidates = [w for w, n in counts.items()
                  if n >= MIN_SHARE * len(texts) and (n / len(texts)) / (max(overall[w], 1) / total) >= MIN_LIFT]
    chosen = list(dict.fromkeys(own))
    covered = [bool(words & set(chosen)) for words in texts]
    while len(chosen) < MAX_CUES:
        gains = {w: sum(1 for words, done in zip(texts, covered, strict=True) if not done and w in words)
                 for w in candidates if w not in chosen}
        best = min(gains, key=lambda w: (-gains[w], w), default=None)  # ties: alphabetical, so runs agree
        if best is None or gains[best] < max(2, 0.01 * len(texts)):
            break
        chosen.append(best)
        covered = [done or best in words for words, done in zip(texts, covered, strict=True)]
    if not chosen:
        return None
    return PredicateEntry(cues=chosen, coverage=round(sum(covered) / len(texts), 3), texts=len(texts))
