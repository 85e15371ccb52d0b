"""A sentence per relation: a segment of many relations split into single-relation segments for the model (the
size of input it writes most reliably), and the sentences joined back per subject ("X is A. X has B." as
"X is A and has B.")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from hybridnlg import (
    Candidate,
    Failure,
    Segment,
    as_triple,
    by_subject,
    relations_in,
    surface_form,
    without_disambiguator,
)

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
    return [replace(segment, id=f"{segment.id}#{n}", facts={name: replace(fact, value=[item])}, parts=[], notes=[],
                    context=_alone(segment.context, fact.path, [item]))
            for n, item in enumerate(ordered)]


def _alone(context: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """The context with the relation list replaced by one relation where a template reads it: a top-level field of
    the record (elsewhere the context stays whole and `context_is_alone` says so)."""
    return {**context, path: value} if path.isidentifier() and path in context else context


def context_is_alone(part: Segment) -> bool:
    """Whether a template rendering this part sees its relation alone (see `_alone`)."""
    (fact,) = part.facts.values()
    return bool(part.context.get(fact.path) == fact.value)


def _matches(item: Any, subject: Any, relation: dict[str, Any]) -> bool:
    return as_triple(item) == (subject, relation["predicate"], relation["object"])


def _triples(part: Segment) -> list[tuple[Any, Any, Any]]:
    (fact,) = part.facts.values()
    return relations_in(fact.value) or []


def subject_of(part: Segment) -> str:
    """The part's subject as a text writes it (what a realizer's placeholder or the template's `prose` gives)."""
    triples = _triples(part)
    return without_disambiguator(surface_form(triples[0][0])) if triples else ""


def names_in(parts: Sequence[Segment]) -> list[str]:
    """Every subject and object of the parts as a text writes it."""
    return list(dict.fromkeys(without_disambiguator(surface_form(end)) for part in parts
                              for s, _, o in _triples(part) for end in (s, o)))


def join_sentences(sentences: Sequence[tuple[str, str]], names: Sequence[str] = ()) -> str:
    """(subject, sentence) pairs in order; a run of single sentences that each begin with the same subject (or
    "The " and it) becomes one: the first whole, the others without their subject, joined by commas and "and", and
    neighbouring predicates that differ only in the name they end on written once ("was born in A and B"). Then
    a sentence that ends on the next one's subject takes it as a relative clause ("A is in B. B is part of C." as
    "A is in B, which is part of C."), once per sentence, as the template does. `names`: the entities' written
    forms, whose full stops ("Albert B. White", "Inc.") end no sentence."""
    runs = _runs(sentences, names)
    out: list[str] = []
    index = 0
    while index < len(runs):
        (_, text), after = runs[index], runs[index + 1] if index + 1 < len(runs) else None
        if after is not None and ", which " not in text and text.endswith(f" {after[0]}.") \
                and (rest := _predicate_after(after[1], after[0], names)) is not None:
            out.append(f"{text[:-1]}, which {rest}.")
            index += 2
            continue
        out.append(text)
        index += 1
    return " ".join(out)


def _runs(sentences: Sequence[tuple[str, str]], names: Sequence[str]) -> list[tuple[str, str]]:
    """(subject, text) per run of sentences about one subject, each run joined into one sentence where it can be."""
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(sentences):
        subject, first = sentences[index][0], sentences[index][1].strip()
        rests: list[str] = []
        index += 1
        own = _predicate_after(first, subject, names)
        if own is not None:
            while index < len(sentences) and sentences[index][0] == subject:
                rest = _predicate_after(sentences[index][1].strip(), subject, names)
                if rest is None:
                    break
                rests.append(rest)
                index += 1
        if own is None or not rests:
            out.append((subject, first))
            continue
        out.append((subject, f"{first[:len(first) - 1 - len(own)]}{_listed(_merged([own, *rests], names))}."))
    return out


def _merged(predicates: Sequence[str], names: Sequence[str]) -> list[str]:
    """Neighbouring predicates that differ only in the name they end on ("plays for A", "plays for the B") as one
    ("plays for A and the B")."""
    out: list[tuple[str, list[str]]] = []
    for predicate in predicates:
        verb, name = _ending_name(predicate, names)
        if out and verb and out[-1][0] == verb:
            out[-1][1].append(name)
        else:
            out.append((verb, [name]) if verb else ("", [predicate]))
    return [f"{verb} {_listed(objects)}" if verb else objects[0] for verb, objects in out]


def _ending_name(predicate: str, names: Sequence[str]) -> tuple[str, str]:
    """(what comes before, the name) when the predicate ends on one of the names (or "the" and it), else ("", "")."""
    for name in sorted(names, key=len, reverse=True):
        for written in (f"the {name}", name):
            if predicate.endswith(" " + written) and len(predicate) > len(written) + 1:
                return predicate[:-len(written) - 1], written
    return "", ""


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _predicate_after(sentence: str, subject: str, names: Sequence[str] = ()) -> str | None:
    """What a single sentence says after beginning with `subject` (without its full stop), else None."""
    masked = _without(sentence, [subject, *names])
    # two sentences, or one that ends on a name's own full stop ("Caterpillar Inc."): nothing to join onto
    if not subject or not _ONE_SENTENCE.fullmatch(sentence) or ". " in masked or not masked.endswith("."):
        return None
    for start in (subject, f"The {subject}"):
        if sentence.startswith(start + " "):
            rest = sentence[len(start) + 1:-1].strip()
            # "X and Y are …", "X, …", "X's …", "X Stadium …" (a longer name): not the sentence's whole subject
            longer = any(sentence[len(start) - len(subject):].startswith(name + " ") for name in names
                         if name.startswith(subject + " "))
            return None if not rest or longer or rest.startswith(_NOT_A_PREDICATE) else rest
    return None


def _without(text: str, names: Sequence[str]) -> str:
    """The text with the names that hold a full stop blanked out (longest first)."""
    for name in sorted((n for n in names if "." in n), key=len, reverse=True):
        text = text.replace(name, "_" * len(name))
    return text


def compose(parts: Sequence[Segment], results: Sequence[list[Candidate] | Failure], realizer: str,
            fallbacks: Sequence[Candidate | None] | None = None) -> list[Candidate] | Failure:
    """Candidates for the whole segment: every relation's first text; one relation at a time with its other texts
    (so that one relation's text the validators reject does not cost the others theirs); the k-th text of every
    relation. `fallbacks`: per relation, another realizer's sentence for it (the template's), tried after the
    model's texts of that relation and in their place when there are none; a candidate of fallback sentences only is
    not made (that realizer writes the whole segment better). The score is the mean of the model's texts' scores, a
    fallback sentence counting as its relation's lowest (the decision validates candidates in score order). A
    relation with neither fails the whole segment."""
    backups = list(fallbacks) if fallbacks is not None else [None] * len(parts)
    choices: list[list[Candidate]] = []
    floors: list[float | None] = []
    for part, result, backup in zip(parts, results, backups, strict=True):
        texts = result if isinstance(result, list) else []
        if not texts and backup is None:
            reason = result.reason if isinstance(result, Failure) else "no candidate"
            return Failure(f"sentence per relation: no text for relation {part.id.rpartition('#')[2]}: {reason}")
        choices.append([*texts, *([backup] if backup is not None else [])])
        floors.append(min((c.score or 0.0 for c in texts), default=None))
    if all(len(c) == 1 and c[0] is b for c, b in zip(choices, backups, strict=True)):
        return Failure("sentence per relation: the model wrote no relation (" + "; ".join(
            r.reason for r in results if isinstance(r, Failure)) + ")")
    subjects = [subject_of(part) for part in parts]
    names = names_in(parts)
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for ranks in _rank_choices([len(c) for c in choices]):
        chosen = [c[k] for c, k in zip(choices, ranks, strict=True)]
        own = [c is not b for c, b in zip(chosen, backups, strict=True)]
        if not any(own):
            continue
        text = join_sentences(list(zip(subjects, (c.text for c in chosen), strict=True)), names)
        if text in seen:
            continue
        seen.add(text)
        scores = [(c.score or 0.0) if mine else floor for c, mine, floor in zip(chosen, own, floors, strict=True)]
        counted = [score for score in scores if score is not None]
        meta = {"ranks": list(ranks), "sentences": [c.text for c in chosen],
                "format": next(c for c, mine in zip(chosen, own, strict=True) if mine).meta.get("format"),
                "split": f"a sentence per relation ({len(parts)}), joined per subject"}
        if not all(own):
            meta["sources"] = [realizer if mine else c.realizer for c, mine in zip(chosen, own, strict=True)]
        candidates.append(Candidate(realizer, text, round(sum(counted) / len(counted), 4), meta,
                                    parts=list(zip(parts, chosen, strict=True))))
    return candidates


def _rank_choices(sizes: Sequence[int]) -> list[tuple[int, ...]]:
    """Which candidate of each relation, for each candidate `compose` makes (no repeats)."""
    first = tuple(0 for _ in sizes)
    choices = [first]
    for index, size in enumerate(sizes):
        choices += [first[:index] + (rank,) + first[index + 1:] for rank in range(1, size)]
    choices += [tuple(min(k, size - 1) for size in sizes) for k in range(1, max(sizes))]
    return list(dict.fromkeys(choices))
