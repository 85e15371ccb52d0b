"""The single-pass format: one forward pass per text gives a verdict on every fact.

`<text> TEXT <facts> FACT_1 <focus> FACT_2 <focus> ... <none>`. GPT-2 reads left to right, so the text comes first
and each fact's verdict is read at the `<focus>` after it, which has seen the text and that fact; whether the text adds
something is read at the closing `<none>`, which has seen every fact. The per-fact format asks one question per fact,
each re-reading the whole text: this one reads it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .facts import FACTS, FOCUS, NONE, SPECIAL_TOKENS, TEXT, FactItem

FORMAT = "text-facts-markers"
IGNORE = -100  # torch's cross-entropy skips this label


def _clean(text: str) -> str:
    """A text or value that spells a marker would add a question of its own."""
    for token in SPECIAL_TOKENS:
        text = text.replace(token, token.strip("<>"))
    return text.strip()


@dataclass(frozen=True)
class Encoded:
    """One forward pass: token ids, where each fact's verdict is read, and where the `added` verdict is read (None
    when the facts took more than one pass: it is read after the last fact, in the last pass)."""

    ids: list[int]
    facts: list[int]  # indices into the item list, in order
    markers: list[int]  # token positions of their <focus>
    added_at: int | None
    text_cut: bool  # the text was shortened to leave room for the facts


def encode(tokenizer: Any, items: Sequence[FactItem], text: str, max_length: int) -> list[Encoded]:
    """The passes that ask about every item: one unless the text and facts need more than `max_length` tokens."""
    pieces = [f"{TEXT} {_clean(text)}", f" {FACTS}", f" {NONE}",
              *[f" {_clean(item.linear())} {FOCUS}" for item in items]]
    encoded = tokenizer(pieces, add_special_tokens=False)["input_ids"]
    text_ids, head, tail, fact_ids = encoded[0], encoded[1], encoded[2], encoded[3:]
    budget = max_length - len(head) - len(tail)
    needed = sum(len(ids) for ids in fact_ids)
    cap = max(budget - needed, budget // 2)
    cut = len(text_ids) > cap
    text_ids = text_ids[:cap]
    room = budget - len(text_ids)
    chunks: list[list[int]] = [[]]
    used = 0
    for index, ids in enumerate(fact_ids):
        if chunks[-1] and used + len(ids) > room:
            chunks.append([])
            used = 0
        chunks[-1].append(index)
        used += len(ids)
    passes: list[Encoded] = []
    for number, chunk in enumerate(chunks):
        ids = list(text_ids) + list(head)
        markers: list[int] = []
        for index in chunk:
            ids += fact_ids[index][-room:] if len(fact_ids[index]) > room else fact_ids[index]
            markers.append(len(ids) - 1)
        last = number == len(chunks) - 1
        added_at = None
        if last:
            ids += tail
            added_at = len(ids) - 1
        passes.append(Encoded(ids, list(chunk), markers, added_at, cut))
    return passes


def label_ids(encoded: Encoded, fact_labels: Sequence[int], added: int) -> list[int]:
    """Training targets: a label at each marker, IGNORE elsewhere."""
    labels = [IGNORE] * len(encoded.ids)
    for index, position in zip(encoded.facts, encoded.markers, strict=True):
        labels[position] = fact_labels[index]
    if encoded.added_at is not None:
        labels[encoded.added_at] = added
    return labels


def pad(rows: Sequence[Sequence[int]], value: int) -> list[list[int]]:
    width = max(len(row) for row in rows)
    return [list(row) + [value] * (width - len(row)) for row in rows]


def forward(model: Any, passes: Sequence[Encoded], pad_id: int, device: str) -> Any:
    """Label logits of a batch of passes, one row per token (right-padded)."""
    import torch

    ids = torch.tensor(pad([p.ids for p in passes], pad_id), device=device)
    mask = torch.tensor(pad([[1] * len(p.ids) for p in passes], 0), device=device)
    return model(input_ids=ids, attention_mask=mask).logits.float()


@dataclass(frozen=True)
class Verdicts:
    """Label probabilities per fact (in item order) and for the `added` question; `partial`: the `added` verdict saw
    only the last pass's facts, `text_cut`: the text was shortened."""

    facts: list[list[float]]
    added: list[float] | None
    partial: bool
    text_cut: bool


def classify(model: Any, tokenizer: Any, questions: Sequence[tuple[Sequence[FactItem], str]], max_length: int,
             device: str, batch_size: int = 64) -> list[Verdicts]:
    """Every fact of every (items, text) question, in as few forward passes as the texts allow."""
    import torch

    work = [(q, p) for q, (items, text) in enumerate(questions) for p in encode(tokenizer, items, text, max_length)]
    order = sorted(range(len(work)), key=lambda i: len(work[i][1].ids))
    facts: list[list[list[float]]] = [[[] for _ in items] for items, _ in questions]
    added: list[list[float] | None] = [None] * len(questions)
    passes_per_question = [0] * len(questions)
    cut = [False] * len(questions)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = [work[i] for i in order[start:start + batch_size]]
            probabilities = torch.softmax(forward(model, [p for _, p in chunk], tokenizer.pad_token_id, device), -1)
            for row, (question, encoded) in enumerate(chunk):
                passes_per_question[question] += 1
                cut[question] = cut[question] or encoded.text_cut
                for index, position in zip(encoded.facts, encoded.markers, strict=True):
                    facts[question][index] = probabilities[row, position].tolist()
                if encoded.added_at is not None:
                    added[question] = probabilities[row, encoded.added_at].tolist()
    return [Verdicts(facts[q], added[q], passes_per_question[q] > 1, cut[q]) for q in range(len(questions))]
