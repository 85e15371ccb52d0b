"""Training examples as token ids: encoding pairs, length-bucketed batches, padding, dev loss."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .data import Pair
from .formatting import ModelMeta, delexicalise_text, linearise


@dataclass
class Encoded:
    ids: list[int]
    labels: list[int]


def encode(pairs: Sequence[Pair], tokenizer: Any, meta: ModelMeta) -> list[Encoded]:
    """Source + delexicalised target + EOS, cut to meta.max_length; the loss covers the target only."""
    sources: list[str] = []
    targets: list[str] = []
    for pair in pairs:
        source, mapping = linearise(pair.data, meta, draft=pair.draft if meta.format == "template-guided" else None)
        sources.append(source)
        targets.append(" " + delexicalise_text(pair.text, mapping))
    source_ids = tokenizer(sources, add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(targets, add_special_tokens=False)["input_ids"]
    eos = tokenizer.convert_tokens_to_ids(meta.eos)
    encoded = []
    for src, tgt in zip(source_ids, target_ids, strict=True):
        ids = (src + tgt + [eos])[: meta.max_length]
        labels = ([-100] * len(src) + tgt + [eos])[: meta.max_length]
        encoded.append(Encoded(ids, labels))
    return encoded


def batches(examples: list[Encoded], batch_size: int, rng: random.Random, shuffle: bool) -> list[list[Encoded]]:
    """Length-bucketed batches: shuffle, sort within chunks of 50 batches, shuffle the batches."""
    order = list(examples)
    if shuffle:
        rng.shuffle(order)
    chunk = batch_size * 50
    result: list[list[Encoded]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda example: len(example.ids))
        result += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    if shuffle:
        rng.shuffle(result)
    return result


def collate(batch: list[Encoded], pad_id: int, device: str = "cpu") -> dict[str, Any]:
    """Right-padded input ids, labels (-100 on padding) and attention mask, on `device`."""
    import torch

    width = max(len(example.ids) for example in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, example in enumerate(batch):
        ids[row, : len(example.ids)] = torch.tensor(example.ids)
        labels[row, : len(example.labels)] = torch.tensor(example.labels)
        mask[row, : len(example.ids)] = 1
    return {"input_ids": ids.to(device), "labels": labels.to(device), "attention_mask": mask.to(device)}


def dev_loss(model: Any, dev_batches: list[list[Encoded]], pad_id: int, device: str = "cpu") -> float:
    """Mean loss per target token over the dev batches (model left in training mode)."""
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in dev_batches:
            inputs = collate(batch, pad_id, device)
            tokens = int((inputs["labels"][:, 1:] != -100).sum())
            total += float(model(**inputs).loss) * tokens
            count += tokens
    model.train()
    return total / max(count, 1)
