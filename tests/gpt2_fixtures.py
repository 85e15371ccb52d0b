"""Tiny, local GPT-2 models for the gpt2 plugin's tests: random weights, a tokenizer trained in the test."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hybridnlg import Candidate, ComponentConfig, Context, Fact, Realizer, RealizeResult, Segment

SENTENCES = [
    "__name__ is a pub near __near__ in the riverside area.",
    "__name__ is a cheap Chinese restaurant in the city centre.",
    "There is a family friendly coffee shop called __name__ near __near__.",
    "__name__ serves Italian food and has a high customer rating.",
    "name[__name__] eatType[pub] food[English] area[riverside] near[__near__] <sep>",
    "name[__name__] priceRange[cheap] customerRating[5 out of 5] familyFriendly[yes] <sep>",
]

E2E_ROWS = [
    ("name[The Eagle], eatType[pub], food[Chinese], area[riverside], near[Burger King]",
     "The Eagle is a Chinese pub in the riverside area near Burger King."),
    ("name[The Mill], eatType[coffee shop], priceRange[cheap], familyFriendly[yes]",
     "The Mill is a cheap, family friendly coffee shop."),
    ("name[Alimentum], area[city centre], familyFriendly[no]",
     "Alimentum is in the city centre and is not family friendly."),
    ("name[Loch Fyne], food[French], customer rating[high], near[The Rice Boat]",
     "Loch Fyne serves French food near The Rice Boat and has a high customer rating."),
    ("name[Zizzi], eatType[restaurant], priceRange[more than £30], area[riverside]",
     "Zizzi is an expensive restaurant by the riverside, more than £30."),
]


E2E_SLOTS = ["name", "eatType", "food", "priceRange", "customerRating", "area", "familyFriendly", "near"]


def e2e_meta(**changes: Any) -> Any:
    """The input scheme `hybridnlg train` reads from E2E data: names copied verbatim, E2E's slot order."""
    from hybridnlg_gpt2.formatting import ModelMeta

    return ModelMeta(**{"verbatim": ["name", "near"], "slot_order": list(E2E_SLOTS), **changes})


def build_tiny_model(folder: Path, *, n_positions: int = 128, seed: int = 0) -> Path:
    """Save a 2-layer, 32-wide GPT-2 with random weights and a BPE tokenizer trained here; return the folder."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from hybridnlg_gpt2.tokenizer import train_bpe

    meta = e2e_meta(max_length=n_positions)
    tokenizer = train_bpe(SENTENCES * 5, meta, vocab_size=300)
    eos = tokenizer.convert_tokens_to_ids(meta.eos)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=n_positions, n_layer=2, n_embd=32, n_head=2,
                        bos_token_id=eos, eos_token_id=eos, pad_token_id=eos)
    model = GPT2LMHeadModel(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    meta.write(folder)
    return folder


def write_e2e_csv(path: Path, copies: int = 4) -> Path:
    """An E2E-style mr,ref CSV with len(E2E_ROWS) * copies rows."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mr", "ref"])
        for _ in range(copies):
            writer.writerows(E2E_ROWS)
    return path


def segment(facts: dict[str, Any], *, verbatim: tuple[str, ...] = ("name", "near"), index: int = 0,
            options: dict[str, dict[str, Any]] | None = None) -> Segment:
    return Segment(
        id=f"s{index}", spec_id="intro", record_index=index,
        facts={name: Fact(name, value, f"$.{name}", verbatim=name in verbatim) for name, value in facts.items()},
        context=dict(facts), template="intro.j2", realizer="gpt2", options=options or {},
    )


RECORDS: list[dict[str, Any]] = [
    {"name": "The Eagle", "eatType": "pub", "food": "Chinese", "area": "riverside", "near": "Burger King"},
    {"name": "The Mill", "priceRange": "cheap"},
    {"name": "Alimentum", "area": "city centre", "familyFriendly": False},
    {"name": "Loch Fyne", "food": "French", "customerRating": "high", "near": "The Rice Boat",
     "eatType": "restaurant", "priceRange": "more than £30", "area": "riverside"},
    {"eatType": "coffee shop"},
    {"name": "Zizzi", "food": "Italian", "eatType": "pub"},
    {"name": "Cotto", "near": "The Portland Arms", "area": "city centre"},
    {"customerRating": "5 out of 5", "familyFriendly": True},
]


class DraftRealizer(Realizer[ComponentConfig]):
    """Stands in for the template realizer: the draft is the facts joined by commas."""

    name = "template"

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        return [[Candidate("template", ", ".join(str(v) for v in s.fact_values().values()) + ".")] for s in segments]


def draft_context(config_dir: Path, seed: int = 3) -> Context:
    """A context without an engine whose `template` realizer writes the drafts."""
    return Context.standalone(config_dir, seed=seed, realizers={"template": DraftRealizer(ComponentConfig())})
