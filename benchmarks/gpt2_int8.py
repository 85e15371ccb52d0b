"""Dynamic int8 vs float32 for the gpt2 realizer on E2E dev, in one process: speed ratio, BLEU and slot errors.

    OMP_NUM_THREADS=1 python benchmarks/gpt2_int8.py --limit 300 --threads 1 [--num-beams 1] [--rounds 3]

Both models load through the realizer (`dtype: float32` and `dtype: int8`, device cpu) and generate for the same MRs.
The timed runs alternate (fp32, int8, fp32, int8, ...) after one untimed warm-up each, so that a noisy neighbour
slows both alike; the ratio is the sum of the fp32 times over the sum of the int8 times.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpt2_common import E2E, dev_records, make_segment, slot_errors

from hybridnlg import Failure, Segment
from hybridnlg_gpt2.quantize import quantized_layers
from hybridnlg_gpt2.realizer import GPT2Realizer


def quality(records: list[tuple[dict[str, str], list[str]]], hypotheses: list[str]) -> dict[str, Any]:
    """Multi-reference BLEU (sacrebleu) and the lexicon slot error rate, as benchmarks/gpt2_e2e_dev.py counts them."""
    import sacrebleu

    width = max(len(refs) for _, refs in records)
    streams = [[refs[k] if k < len(refs) else None for _, refs in records] for k in range(width)]
    bleu = sacrebleu.BLEU().corpus_score(hypotheses, streams)
    names = {data[slot] for data, _ in records for slot in ("name", "near") if slot in data}
    slots = missing = added = 0
    for (data, _), text in zip(records, hypotheses, strict=True):
        total, miss, add = slot_errors(data, text, names)
        slots, missing, added = slots + total, missing + miss, added + add
    return {"bleu": round(bleu.score, 2), "slot_error_rate_pct": round(100 * (missing + added) / slots, 2),
            "missing": missing, "added": added, "slots": slots}


def realizer(model: str, dtype: str, num_beams: int, batch_size: int) -> GPT2Realizer:
    config = GPT2Realizer.Config(model=model, dtype=dtype, device="cpu", num_beams=num_beams, batch_size=batch_size,
                                 max_new_tokens=90, local_files_only=True, seed=0)
    loaded = GPT2Realizer(config)
    if problems := loaded.check():
        sys.exit("; ".join(problems))
    return loaded


def texts(realizer: GPT2Realizer, segments: list[Segment]) -> tuple[list[str], int, float]:
    started = time.perf_counter()
    results = realizer.realize(segments)
    seconds = time.perf_counter() - started
    failed = sum(isinstance(r, Failure) for r in results)
    return [r[0].text if not isinstance(r, Failure) and r else "" for r in results], failed, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="e2e-small")
    parser.add_argument("--dev", type=Path, default=E2E / "devset.csv")
    parser.add_argument("--limit", type=int, default=300, help="Distinct dev MRs (first-appearance order).")
    parser.add_argument("--num-beams", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="Timed runs per dtype, alternating.")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    records = dev_records(args.dev, args.limit)
    segments = [make_segment(data, i) for i, (data, _) in enumerate(records)]
    realizers = {dtype: realizer(args.model, dtype, args.num_beams, args.batch_size) for dtype in ("float32", "int8")}
    outputs: dict[str, tuple[list[str], int]] = {}
    for dtype, loaded in realizers.items():  # warm-up, untimed; these are the texts scored below
        hypotheses, failed, _ = texts(loaded, segments)
        outputs[dtype] = (hypotheses, failed)
    seconds = {dtype: 0.0 for dtype in realizers}
    for _ in range(args.rounds):
        for dtype, loaded in realizers.items():
            hypotheses, _, spent = texts(loaded, segments)
            assert hypotheses == outputs[dtype][0], f"{dtype}: greedy/beam outputs changed between runs"
            seconds[dtype] += spent
    int8_model = realizers["int8"].model
    fp32_texts, int8_texts = outputs["float32"][0], outputs["int8"][0]
    report = {
        "model": args.model, "records": len(records), "num_beams": args.num_beams, "batch_size": args.batch_size,
        "threads": torch.get_num_threads(), "rounds": args.rounds, "torch": torch.__version__,
        "quantized_engine": torch.backends.quantized.engine,
        "int8_quantized_linear_layers": quantized_layers(int8_model.model) if int8_model else 0,
        "seconds_per_round": {d: round(s / args.rounds, 2) for d, s in seconds.items()},
        "speedup_int8_vs_fp32": round(seconds["float32"] / seconds["int8"], 2),
        "float32": {**quality(records, fp32_texts), "failed_segments": outputs["float32"][1]},
        "int8": {**quality(records, int8_texts), "failed_segments": outputs["int8"][1]},
        "identical_texts": sum(a == b for a, b in zip(fp32_texts, int8_texts, strict=True)),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
