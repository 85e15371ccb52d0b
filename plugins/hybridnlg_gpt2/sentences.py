"""A sentence per relation: a segment of many relations split into single-relation segments for the model (the
size of input it writes most reliably), and the sentences joined back per subject ("X is A. X has B." as
"X is A and has B.")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from hybridnlg import Candidate, Failure, Segment, as_triple, by_subject, relations_in, surface_form

# One sentence: no full stop followed by a space inside (names such as "A.S. Roma" keep theirs), one at the end.
_ONE_SENTENCE = re.compile(r"[^\n]*[^.\s]\.")
_NOT_A_PREDICATE = ("and ", "or ", ",", "'s ", "' ", "(", "-", "–")


def split_relations(segment: Segment) -> list[Segment] | None:
    """The segment as single-relation segments in tree order (`by_subject`: a subject, then the subjects its
    objects name), each keeping the relation in the shape the data gave it; None unless the segment's only fact is
    a list of two or more relations."""
    if len(segment.facts) != 1:
        return None
    (name, fact), = segment.facts.items()
    items = fact.value
    if not isinstance(items, list) or len(items) < 2 or relations_in(items) is None:
        return None
    remaining = list(items)
    ordered: list[Any] = []
    for group in by_subject(items):
        for relation in group["relations"]:
            item = next(i for i in remaining if _matches(i, group["subject"], relation))
            remaining.remove(item)
            ordered.append(item)
    return [replace(segment, id=f"{segment.id}#{n}", facts={name: replace(fact, value=[item])}, parts=[], notes=[])
            for n, item in enumerate(ordered)]


def _matches(item: Any, subject: Any, relation: dict[str, Any]) -> bool:
    return as_triple(item) == (subject, relation["predicate"], relation["object"])


def subject_of(part: Segment) -> str:
    (fact,) = part.facts.values()
    triples = relations_in(fact.value) or []
    return surface_form(triples[0][0]) if triples else ""


def join_sentences(sentences: Sequence[tuple[str, str]]) -> str:
    """(subject, sentence) pairs in order; a run of single sentences that each begin with the same subject (or
    "The " and it) becomes one: the first whole, the others without their subject, joined by commas and "and". Then
    a sentence that ends on the next one's subject takes it as a relative clause ("A is in B. B is part of C." as
    "A is in B, which is part of C."), once per sentence, as the template does."""
    runs = _runs(sentences)
    out: list[str] = []
    index = 0
    while index < len(runs):
        (_, text), after = runs[index], runs[index + 1] if index + 1 < len(runs) else None
        if after is not None and ", which " not in text and text.endswith(f" {after[0]}.") \
                and (rest := _predicate_after(after[1], after[0])) is not None:
            out.append(f"{text[:-1]}, which {rest}.")
            index += 2
            continue
        out.append(text)
        index += 1
    return " ".join(out)


def _runs(sentences: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(subject, text) per run of sentences about one subject, each run joined into one sentence where it can be."""
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(sentences):
        subject, first = sentences[index][0], sentences[index][1].strip()
        rests: list[str] = []
        index += 1
        if _predicate_after(first, subject) is not None:
            while index < len(sentences) and sentences[index][0] == subject:
                rest = _predicate_after(sentences[index][1].strip(), subject)
                if rest is None:
                    break
                rests.append(rest)
                index += 1
        if not rests:
            out.append((subject, first))
            continue
        joined = ", ".join(rests[:-1])
        out.append((subject, f"{first[:-1]}{', ' + joined if joined else ''} and {rests[-1]}."))
    return out


def _predicate_after(sentence: str, subject: str) -> str | None:
    """What a single sentence says after beginning with `subject` (without its full stop), else None."""
    if not subject or not _ONE_SENTENCE.fullmatch(sentence) or ". " in sentence:
        return None
    for start in (subject, f"The {subject}"):
        if sentence.startswith(start + " "):
            rest = sentence[len(start) + 1:-1].strip()
            # "X and Y are …", "X, …", "X's …": the subject is not the sentence's whole subject
            return None if not rest or rest.startswith(_NOT_A_PREDICATE) else rest
    return None


def compose(parts: Sequence[Segment], results: Sequence[list[Candidate] | Failure], realizer: str
            ) -> list[Candidate] | Failure:
    """Candidates for the whole segment: every relation's first text; one relation at a time with its other texts
    (so that one relation's text the validators reject does not cost the others theirs); the k-th text of every
    relation. The score is the mean of the texts' scores (the decision validates candidates in score order). A
    relation with no candidate fails the whole segment."""
    for part, result in zip(parts, results, strict=True):
        if isinstance(result, Failure) or not result:
            reason = result.reason if isinstance(result, Failure) else "no candidate"
            return Failure(f"sentence per relation: no text for relation {part.id.rpartition('#')[2]}: {reason}")
    ready = [result for result in results if not isinstance(result, Failure)]
    subjects = [subject_of(part) for part in parts]
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for ranks in _rank_choices([len(r) for r in ready]):
        chosen = [r[k] for r, k in zip(ready, ranks, strict=True)]
        text = join_sentences(list(zip(subjects, (c.text for c in chosen), strict=True)))
        if text in seen:
            continue
        seen.add(text)
        score = sum(c.score or 0.0 for c in chosen) / len(chosen)
        meta = {"ranks": list(ranks), "sentences": [c.text for c in chosen], "format": chosen[0].meta.get("format"),
                "split": f"a sentence per relation ({len(parts)}), joined per subject"}
        candidates.append(Candidate(realizer, text, round(score, 4), meta))
    return candidates


def _rank_choices(sizes: Sequence[int]) -> list[tuple[int, ...]]:
    """Which candidate of each relation, for each candidate `compose` makes (no repeats)."""
    first = tuple(0 for _ in sizes)
    choices = [first]
    for index, size in enumerate(sizes):
        choices += [first[:index] + (rank,) + first[index + 1:] for rank in range(1, size)]
    choices += [tuple(min(k, size - 1) for size in sizes) for k in range(1, max(sizes))]
    return list(dict.fromkeys(choices))
