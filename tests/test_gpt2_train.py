"""`train`: data loading, a few real optimisation steps end to end, and the result loading as a realizer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gpt2_fixtures import RECORDS, build_tiny_model, fake_engine, segment, write_e2e_csv

from hybridnlg import Failure

pytest.importorskip("torch")

from hybridnlg_gpt2.data import load_pairs, parse_mr  # noqa: E402
from hybridnlg_gpt2.realizer import GPT2Realizer  # noqa: E402
from hybridnlg_gpt2.train import train  # noqa: E402


def test_parse_e2e_mr_normalises_slot_names() -> None:
    mr = "name[The Eagle], eatType[coffee shop], customer rating[5 out of 5], priceRange[less than £20], near[Café Sicilia]"
    assert parse_mr(mr) == {"name": "The Eagle", "eatType": "coffee shop", "customerRating": "5 out of 5",
                            "priceRange": "less than £20", "near": "Café Sicilia"}


def test_load_pairs_from_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "pairs.jsonl"
    jsonl.write_text(json.dumps({"data": {"name": "Zizzi", "family friendly": "yes"}, "text": "Zizzi is fine."})
                     + "\n\n", encoding="utf-8")
    [pair] = load_pairs(jsonl)
    assert pair.data == {"name": "Zizzi", "familyFriendly": "yes"} and pair.text == "Zizzi is fine."
    assert len(load_pairs(write_e2e_csv(tmp_path / "e2e.csv", copies=2))) == 10
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected columns mr,ref or data,text"):
        load_pairs(bad)


def test_train_from_scratch_end_to_end_loads_as_realizer(tmp_path: Path) -> None:
    import torch
    from safetensors import safe_open

    pairs = write_e2e_csv(tmp_path / "train.csv")
    out = tmp_path / "models" / "tiny-e2e"
    result = train(pairs, "scratch:tiny", out, epochs=2, lr=3e-3, batch_size=4, warmup=2, dev=pairs, seed=1,
                   vocab_size=300, quiet=True)
    assert result.steps == 10 and result.epochs_completed == 2 and result.best_dev_loss is not None
    assert [h["at"] for h in result.history] == ["epoch 1", "epoch 2"]
    meta = json.loads((out / "hybridnlg_meta.json").read_text(encoding="utf-8"))
    assert meta["verbatim"] == ["name", "near"] and meta["separator"] == "<sep>" and meta["format"] == "data"
    assert meta["slot_order"][:3] == ["name", "eatType", "food"] and "customerRating" in meta["slot_order"]
    with safe_open(str(out / "model.safetensors"), "pt") as weights:
        assert {weights.get_tensor(key).dtype for key in weights.keys()} == {torch.float16}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "best dev loss" in card and "batch_size" in card
    realizer = GPT2Realizer(GPT2Realizer.Config(model="models/tiny-e2e", max_new_tokens=10, local_files_only=True),
                            fake_engine(tmp_path))
    assert realizer.check() == []
    results = realizer.realize([segment(record, index=i) for i, record in enumerate(RECORDS[:3])])
    assert len(results) == 3 and all(isinstance(r, (list, Failure)) for r in results)


def test_lora_fine_tunes_a_local_pretrained_model(tmp_path: Path) -> None:
    base = build_tiny_model(tmp_path / "base")
    out = tmp_path / "lora"
    result = train(write_e2e_csv(tmp_path / "train.csv"), str(base), out, epochs=1, lr=1e-3, batch_size=8,
                   warmup=1, lora=True, max_steps=2, save_dtype="float32", quiet=True)
    assert result.steps == 2 and result.stopped == "max steps"
    weights = (out / "model.safetensors").read_bytes()
    assert b"lora_" not in weights[:20000]  # adapters merged into the base weights before saving
    realizer = GPT2Realizer(GPT2Realizer.Config(model=str(out), max_new_tokens=6, local_files_only=True))
    assert realizer.check() == []


def test_train_rejects_lora_on_scratch(tmp_path: Path) -> None:
    import click

    with pytest.raises(click.BadParameter, match="lora"):
        train(write_e2e_csv(tmp_path / "train.csv"), "scratch:tiny", tmp_path / "x", lora=True, quiet=True)


def test_time_budget_stops_training_and_keeps_a_checkpoint(tmp_path: Path) -> None:
    pairs = write_e2e_csv(tmp_path / "train.csv")
    result = train(pairs, "scratch:tiny", tmp_path / "budget", epochs=50, batch_size=4, dev=pairs, vocab_size=300,
                   max_minutes=0.01, quiet=True)
    assert result.stopped == "time budget" and result.steps < 50 * 5
    assert (tmp_path / "budget" / "model.safetensors").is_file()


def test_train_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hybridnlg_gpt2.train import train_command

    out = tmp_path / "cli-model"
    args = ["--pairs", str(write_e2e_csv(tmp_path / "train.csv")), "--base", "scratch:tiny", "--out", str(out),
            "--max-steps", "2", "--batch-size", "4", "--vocab-size", "300", "--verbatim", "name"]
    result = CliRunner().invoke(train_command, args)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "hybridnlg_meta.json").read_text(encoding="utf-8"))["verbatim"] == ["name"]
    assert "hybridnlg train --pairs" in (out / "README.md").read_text(encoding="utf-8")
