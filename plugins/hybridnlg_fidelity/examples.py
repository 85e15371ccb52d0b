"""Training examples for the fidelity model: data/text pairs, and negatives made from them by perturbing the data.

Perturbing the data, never the text, keeps every text a human (or the reference) wrote:
- drop a fact the text expresses            -> the text *adds* something  (asked with no focus)
- add a fact from another record            -> that fact is *missing*     (asked about it)
- swap a value for another of the predicate -> that fact is *wrong*       (asked about it)
- swap a relation's subject and object      -> that fact is *wrong*       (asked about it)
- two relations exchange their objects      -> both facts are *wrong*     (asked about each): the text, unchanged,
  writes each value by the other relation's words, the error a data-to-text model makes most on entries of several
  relations
Real labels are used where they exist: E2E's cleaned CSVs keep the original annotation (`orig_mr`) of each human
text and whether the cleaning found it wrong (`fixed`); the difference between the two annotations says which facts
the text leaves out, adds or changes.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hybridnlg import surface_form
from hybridnlg_gpt2.data import parse_mr

from .facts import FactItem, items_from_record, items_from_value, query


@dataclass(frozen=True)
class Source:
    """A text and the facts it expresses; `annotated` is an older, wrong annotation of the same text if known."""

    items: tuple[FactItem, ...]
    text: str
    annotated: tuple[FactItem, ...] | None = None


@dataclass(frozen=True)
class Example:
    """One question to the model: about `focus` (or, with none, about additions), given `data` and `text`."""

    focus: FactItem | None
    data: tuple[FactItem, ...]
    source_text: str
    label: int  # index into facts.LABELS
    kind: str  # how it was made, for the dev metrics

    @property
    def text(self) -> str:
        """The model's input (facts.query)."""
        return query(self.focus, self.data, self.source_text)


@dataclass(frozen=True)
class Case:
    """Every question about one data/text pair at once, for the single-pass format: a label per data item (faithful,
    missing or wrong) and whether the text adds something (faithful or added)."""

    data: tuple[FactItem, ...]
    text: str
    labels: tuple[int, ...]
    added: int
    kind: str


def _example(focus: FactItem | None, data: Sequence[FactItem], text: str, label: int, kind: str) -> Example:
    return Example(focus, tuple(data), text, label, kind)


def read_sources(path: Path | str, limit: int | None = None) -> list[Source]:
    """E2E CSV (`mr,ref[,fixed,orig_mr]`), WebNLG JSONL (`triples`, `texts`), or JSONL of `{"data"|"record": {...},
    "text": "..."}`."""
    path = Path(path)
    rows = _jsonl(path) if path.suffix.lower() in {".jsonl", ".json"} else _csv(path)
    sources: list[Source] = []
    for number, row in rows:
        sources += _from_row(row, f"{path}:{number}")
        if limit and len(sources) >= limit:
            return sources[:limit]
    if not sources:
        raise ValueError(f"{path}: no data/text pairs")
    return sources


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield number, json.loads(line)


def _csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from enumerate(csv.DictReader(handle), 2)


def _mr_items(mr: str) -> tuple[FactItem, ...]:
    return tuple(FactItem(name, surface_form(value), None, name) for name, value in parse_mr(mr).items())


def _from_row(row: dict[str, Any], where: str) -> list[Source]:
    if "mr" in row and "ref" in row:
        annotated = _mr_items(row["orig_mr"]) if str(row.get("fixed", "0")).strip() == "1" and row.get("orig_mr") \
            else None
        return [Source(_mr_items(row["mr"]), row["ref"].strip(), annotated)]
    if "triples" in row and "texts" in row:
        items = tuple(items_from_value("triples", row["triples"]))
        return [Source(items, str(text).strip()) for text in row["texts"] if str(text).strip()]
    data = row.get("data", row.get("record"))
    if isinstance(data, dict) and "text" in row:
        return [Source(tuple(items_from_record(data)), str(row["text"]).strip())]
    raise ValueError(f"{where}: expected mr,ref (E2E), triples,texts (WebNLG) or data/record,text; "
                     f"got {', '.join(row)}")


class Perturber:
    """Makes labelled examples from sources; values to swap in come from the same sources."""

    def __init__(self, sources: Sequence[Source], seed: int = 0, faithful_per_pair: int = 2,
                 wrong_per_pair: int = 1) -> None:
        self.rng = random.Random(seed)
        self.exchange_rng = random.Random(seed + 1)  # its own draws: the other perturbations stay as they were
        self.sources = sources
        self.faithful_per_pair = faithful_per_pair
        self.wrong_per_pair = wrong_per_pair
        self.values: dict[str, list[str]] = defaultdict(list)
        for source in sources:
            for item in source.items:
                self.values[item.predicate].append(item.value)
        self.values = {p: sorted(set(v)) for p, v in self.values.items()}

    def examples(self, source: Source) -> list[Example]:
        items, text = list(source.items), source.text
        out = [_example(None, items, text, 0, "faithful")]
        for focus in self.rng.sample(items, min(self.faithful_per_pair, len(items))):
            out.append(_example(focus, items, text, 0, "faithful"))
        out += self._dropped(items, text) + self._added_to_data(items, text) + self._swapped(items, text)
        out += self._exchanged(items, text)
        if source.annotated is not None:
            out += self._annotated(source)
        return out

    def _dropped(self, items: list[FactItem], text: str) -> list[Example]:
        if len(items) < 2:
            return []
        gone = self.rng.choice(items)
        rest = [item for item in items if item is not gone]
        return [_example(None, rest, text, 2, "dropped")]

    def _added_to_data(self, items: list[FactItem], text: str) -> list[Example]:
        for _ in range(5):
            other = self.rng.choice(self.sources)
            extra = self.rng.choice(other.items)
            if extra in items or _mentions(text, extra.value):
                continue
            if extra.subject is None and any(item.predicate == extra.predicate for item in items):
                continue
            if extra.subject is not None:  # a relation about an entity of this record reads as plausible
                subject = self.rng.choice(items).subject or extra.subject
                extra = replace(extra, subject=subject)
            data = items + [extra]
            self.rng.shuffle(data)
            return [_example(extra, data, text, 1, "missing")]
        return []

    def _swapped(self, items: list[FactItem], text: str) -> list[Example]:
        out: list[Example] = []
        for target in self.rng.sample(items, min(self.wrong_per_pair, len(items))):
            choices = [v for v in self.values.get(target.predicate, []) if v != target.value
                       and not _mentions(text, v)]
            if not choices:
                continue
            changed = replace(target, value=self.rng.choice(choices))
            data = [changed if item is target else item for item in items]
            out.append(_example(changed, data, text, 3, "wrong value"))
            if self.rng.random() < 0.5 / self.wrong_per_pair:
                out.append(_example(None, data, text, 2, "wrong value (added)"))
        relations = [i for i in items if i.subject is not None and i.subject.lower() != i.value.lower()]
        if relations:
            target = self.rng.choice(relations)
            assert target.subject is not None
            swapped = replace(target, subject=target.value, value=target.subject)
            data = [swapped if item is target else item for item in items]
            out.append(_example(swapped, data, text, 3, "swapped relation"))
        return out

    def _exchanged(self, items: list[FactItem], text: str) -> list[Example]:
        """Two relations with different predicates and values, both values in the text, exchange their objects;
        never where a value would become its own subject or the exchange gives a fact the data already has."""
        relations = [i for i in items if i.subject is not None and _mentions(text, i.value)]
        pairs = [(a, b) for n, a in enumerate(relations) for b in relations[n + 1:]
                 if a.predicate != b.predicate and a.value.lower() != b.value.lower()
                 and str(a.subject).lower() != b.value.lower() and str(b.subject).lower() != a.value.lower()]
        if not pairs:
            return []
        a, b = self.exchange_rng.choice(pairs)
        new_a, new_b = replace(a, value=b.value), replace(b, value=a.value)
        if new_a in items or new_b in items:
            return []
        data = [new_a if item is a else new_b if item is b else item for item in items]
        return [_example(new_a, data, text, 3, "exchanged values"), _example(new_b, data, text, 3, "exchanged values")]

    def _annotated(self, source: Source) -> list[Example]:
        """Labels from the difference between a text's old annotation (the data here) and the corrected one."""
        assert source.annotated is not None
        data, truth = list(source.annotated), {item.predicate: item.value for item in source.items}
        out: list[Example] = []
        for item in data:
            if item.predicate not in truth:
                out.append(_example(item, data, source.text, 1, "annotated missing"))
            elif truth[item.predicate].lower() != item.value.lower():
                out.append(_example(item, data, source.text, 3, "annotated wrong"))
        if set(truth) - {item.predicate for item in data}:
            out.append(_example(None, data, source.text, 2, "annotated added"))
        return out


def _mentions(text: str, value: str) -> bool:
    return value.lower() in text.lower()


def make_examples(sources: Sequence[Source], seed: int = 0, wrong_per_pair: int = 1) -> list[Example]:
    perturber = Perturber(sources, seed, wrong_per_pair=wrong_per_pair)
    return [example for source in sources for example in perturber.examples(source)]


def cases_from(examples: Sequence[Example]) -> list[Case]:
    """The per-fact questions about the same data and text, as one case. A perturbation changes only the fact it asks
    about, so every other fact is faithful. The text adds something only when a question without focus says so: a wrong
    value is that fact's finding, and calling it an addition too made `added` the likeliest answer for any text."""
    groups: dict[tuple[tuple[FactItem, ...], str], list[Example]] = {}
    for example in examples:
        groups.setdefault((example.data, example.source_text), []).append(example)
    cases: list[Case] = []
    for (data, text), asked in groups.items():
        labels = [0] * len(data)
        added = 0
        for example in asked:
            if example.focus is not None:
                labels[data.index(example.focus)] = example.label
            elif example.kind != "wrong value (added)":  # there the wrong fact is the finding
                added = max(added, example.label)
        kind = next((e.kind for e in asked if e.label != 0 and "(added)" not in e.kind), "faithful")
        cases.append(Case(data, text, tuple(labels), added, kind))
    return cases
