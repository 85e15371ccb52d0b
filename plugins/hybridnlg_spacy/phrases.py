"""Verb phrases per relation predicate, mined from data/text pairs, for templates.

A sentence of a training text that reads `SUBJECT <words> OBJECT.` (nothing but the two entities of one relation,
the subject first, the object last) gives `<words>` as a way to say that predicate after its subject: "is located
in", "has a runway length of". The most frequent such phrase per predicate, seen in at least `min_count` texts, is the
predicate's phrase; a template joins a subject's phrases into one sentence ("X is located in Y and has a runway
length of Z."). Predicates without one are left to the template's own reading of the predicate's words.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from hybridnlg import surface_form

from .entities import find_entity

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
_WORDS = re.compile(r"^[A-Za-z][A-Za-z\- ,']*[A-Za-z]$")
MAX_WORDS = 8
_COPULAS = frozenset({"is", "are", "was", "were"})


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def _phrase(sentence: str, subject: str, obj: str, others: list[str]) -> str | None:
    """The words between the subject (at the start, maybe after "The") and the object (at the end), or None."""
    body = sentence.rstrip(" .!?")
    subject_span = find_entity(body, subject, [])
    if subject_span is None or body[:subject_span[0]].strip().lower() not in ("", "the"):
        return None
    object_span = find_entity(body, obj, [subject_span])
    if object_span is None or object_span[0] < subject_span[1] or body[object_span[1]:].strip(" .,;"):
        return None
    middle = " ".join(body[subject_span[1]:object_span[0]].split()).strip(" ,")
    words = middle.split()
    if not words or len(words) > MAX_WORDS or not _WORDS.match(middle) or words[0][0].isupper():
        return None
    if words[-1] in _COPULAS and words[0] not in _COPULAS:
        return None  # "X runway name is Y": a possessive reading with its "'s" lost, no verb phrase to join
    if any(find_entity(middle, other, []) for other in others):
        return None  # the middle names a third entity: not a phrase of this relation alone
    return middle


def mine_phrases(pairs: Iterable[tuple[list[Any], str]], min_count: int = 3) -> dict[str, str]:
    """The most frequent `SUBJECT phrase OBJECT.` phrase per predicate, seen in at least `min_count` sentences."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for triples, text in pairs:
        ends = {surface_form(end) for s, _, o in triples for end in (s, o)}
        for sentence in _sentences(text):
            for subject, predicate, obj in triples:
                s_form, o_form = surface_form(subject), surface_form(obj)
                if s_form == o_form:
                    continue
                phrase = _phrase(sentence, s_form, o_form, sorted(ends - {s_form, o_form}))
                if phrase:
                    counts[str(predicate)][phrase] += 1
    mined = {}
    for predicate, phrases in counts.items():
        phrase, count = min(phrases.items(), key=lambda item: (-item[1], len(item[0]), item[0]))
        if count >= min_count:
            mined[predicate] = phrase
    return dict(sorted(mined.items()))
