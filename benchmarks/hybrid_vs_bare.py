"""The hybrid vs bare generation: the same E2E dev records through plain transformers `generate` and through the
E2E pack (GPT-2 + validation + template fallback), in one process, one run, the same model and decoding settings.

    python benchmarks/hybrid_vs_bare.py [--limit N] [--validate all|lazy]

Both sides load their model before the clock starts. Bare: batches of 64 in input order, left padding, the
pack's beams and n-best, the project's linearisation; its text is the top beam whose placeholders restore. Hybrid:
`hybridnlg batch`'s own code (JSONL in and out, windows of 64). Reports wall time, the ratio, BLEU and the
independent slot error rate of both.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import sacrebleu
from gpt2_common import ROOT, dev_records, slot_errors

from hybridnlg import Engine
from hybridnlg.runtime.batch import read_jsonl, run_batch
from hybridnlg_gpt2.formatting import ModelMeta, linearise, restore
from hybridnlg_gpt2.loading import LoadedModel, load_model

CONFIG = ROOT / "templates" / "e2e" / "config.yaml"


def bare(loaded: LoadedModel, records: list[dict[str, Any]], settings: dict[str, Any], batch: int) -> list[str]:
    import torch

    meta = loaded.meta or ModelMeta()
    tokenizer = loaded.tokenizer
    tokenizer.padding_side = "left"
    eos = tokenizer.convert_tokens_to_ids(meta.eos)
    verbatim = settings.get("verbatim", ["name", "near"])
    beams, returned = settings.get("num_beams", 1), settings.get("num_candidates", 1)
    texts: list[str] = []
    for start in range(0, len(records), batch):
        inputs = [linearise(record, meta, verbatim) for record in records[start:start + batch]]
        encoded = [tokenizer(text, add_special_tokens=False)["input_ids"] for text, _ in inputs]
        width = max(len(ids) for ids in encoded)
        ids = torch.tensor([[eos] * (width - len(row)) + row for row in encoded], device=loaded.device)
        mask = torch.tensor([[0] * (width - len(row)) + [1] * len(row) for row in encoded], device=loaded.device)
        with torch.inference_mode():
            out = loaded.model.generate(input_ids=ids, attention_mask=mask, num_beams=beams, do_sample=False,
                                        num_return_sequences=returned, eos_token_id=eos, pad_token_id=eos,
                                        max_new_tokens=settings.get("max_new_tokens", 80))
        for i, (_, mapping) in enumerate(inputs):
            text = ""
            for row in out[i * returned:(i + 1) * returned, width:].tolist():
                row = row[: row.index(eos)] if eos in row else row
                restored, _ = restore(tokenizer.decode(row, skip_special_tokens=True).strip(), mapping)
                if restored:
                    text = restored
                    break
            texts.append(text)
    return texts


def quality(records: list[dict[str, Any]], texts: list[str], references: list[list[str]]) -> dict[str, Any]:
    width = max(len(refs) for refs in references)
    streams = [[refs[i] if i < len(refs) else None for refs in references] for i in range(width)]
    names = {r[k] for r in records for k in ("name", "near") if k in r}
    slots = missing = added = 0
    for record, text in zip(records, texts, strict=True):
        s, m, a = slot_errors(record, text, names)
        slots, missing, added = slots + s, missing + m, added + a
    return {"bleu": round(sacrebleu.corpus_bleu(texts, streams).score, 2),
            "slot_error_rate": round((missing + added) / slots, 4), "missing": missing, "added": added}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="First N distinct dev MRs only (quick runs).")
    parser.add_argument("--validate", choices=["lazy", "all"], default=None,
                        help="Override the pack's decision.validate (default: the pack's setting).")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "hybrid_vs_bare.json")
    args = parser.parse_args()
    pairs = dev_records(limit=args.limit)
    records = [data for data, _ in pairs]
    references = [refs for _, refs in pairs]
    engine = Engine.from_config(CONFIG, validate=args.validate)
    settings = dict(engine.config.realizers["gpt2"])
    engine.get_realizer("gpt2"), engine.get_realizer("template")
    for name in engine.validators:
        engine.get_validator(name)
    loaded = load_model(settings["model"], CONFIG.parent, "auto", "auto", True)

    started = time.perf_counter()
    bare_texts = bare(loaded, records, settings, 64)
    bare_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "records.jsonl", Path(tmp) / "out.jsonl"
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        started = time.perf_counter()
        run_batch(engine, read_jsonl(source), out, window=64)  # what `hybridnlg batch` runs
        hybrid_s = time.perf_counter() - started
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    hybrid_texts = [line.get("text", "") for line in lines]
    result = {
        "benchmark": "hybrid_batch_vs_bare_generate", "records": len(records),
        "bare_s": round(bare_s, 2), "hybrid_s": round(hybrid_s, 2),
        "ratio": round(hybrid_s / bare_s, 3), "target": "<= 1.25",
        "validate": engine.config.decision.validate_,
        "bare": quality(records, bare_texts, references), "hybrid": quality(records, hybrid_texts, references),
        "same_text": sum(a == b for a, b in zip(bare_texts, hybrid_texts, strict=True)),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
