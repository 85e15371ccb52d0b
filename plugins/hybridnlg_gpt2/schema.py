"""What a model's input scheme is read from the training data: verbatim slots, entity count, relation predicates,
context length."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from hybridnlg import relation_triples, relations_in, surface_form

from .data import Pair
from .formatting import value_text, written_variants

# A slot is copied verbatim (a name) when it has many distinct string values and the texts nearly always repeat them.
VERBATIM_MIN_VALUES = 15
VERBATIM_MIN_SHARE = 0.8
# Room above the longest training pair, for a longer input or text at run time.
LENGTH_ROOM = 1.25
LENGTH_STEP = 32


def infer_verbatim(pairs: Sequence[Pair]) -> list[str]:
    """String slots with at least 15 distinct values, written as they are in at least 80% of the texts."""
    values: dict[str, set[str]] = {}
    seen: dict[str, int] = {}
    copied: dict[str, int] = {}
    for pair in pairs:
        lowered = pair.text.lower()
        for slot, value in pair.data.items():
            if not isinstance(value, str) or relation_triples(value) is not None:
                continue
            text = value_text(value)
            values.setdefault(slot, set()).add(text)
            seen[slot] = seen.get(slot, 0) + 1
            copied[slot] = copied.get(slot, 0) + any(v.lower() in lowered for v in written_variants(text))
    return [slot for slot in values
            if len(values[slot]) >= VERBATIM_MIN_VALUES and copied[slot] >= VERBATIM_MIN_SHARE * seen[slot]]


def max_entities(pairs: Sequence[Pair]) -> int:
    """The most distinct entities (subjects and objects, as written) of relation facts in one pair."""
    most = 0
    for pair in pairs:
        written: set[str] = set()
        for value in pair.data.values():
            for subject, _, obj in relations_in(value) or []:
                written |= {surface_form(subject), surface_form(obj)}
        most = max(most, len(written))
    return most


def relation_predicates(pairs: Sequence[Pair]) -> list[str]:
    """Every predicate of the relation facts in the pairs, sorted: what the model has learnt to say."""
    return sorted({str(predicate) for pair in pairs for value in pair.data.values()
                   for _, predicate, _ in relations_in(value) or []})


def context_length(tokenizer: Any, texts: Sequence[str]) -> int:
    """Model positions for (input, text) pairs given as alternating texts: the longest pair + EOS, with 25% room,
    rounded up to a multiple of 32."""
    ids = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    longest = max((len(ids[i]) + len(ids[i + 1]) + 1 for i in range(0, len(ids) - 1, 2)), default=1)
    return LENGTH_STEP * math.ceil(longest * LENGTH_ROOM / LENGTH_STEP)
