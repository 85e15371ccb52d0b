"""E2E dev-set quality of a gpt2 realizer model: multi-reference BLEU (sacrebleu) and slot error rate.

    python benchmarks/gpt2_e2e_dev.py --model e2e-small --num-beams 4 [--write-card]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpt2_common import E2E, dev_records, make_segment, slot_errors

from hybridnlg import Failure
from hybridnlg_gpt2.loading import resolve
from hybridnlg_gpt2.modelcard import update_metrics
from hybridnlg_gpt2.realizer import GPT2Realizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="e2e-small")
    parser.add_argument("--dev", type=Path, default=E2E / "devset.csv")
    parser.add_argument("--num-beams", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="Write hypotheses here, one per line.")
    parser.add_argument("--write-card", action="store_true", help="Record the metrics in the model card.")
    args = parser.parse_args()
    import sacrebleu
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    records = dev_records(args.dev, args.limit)
    realizer = GPT2Realizer(GPT2Realizer.Config(model=args.model, num_beams=args.num_beams, batch_size=args.batch_size,
                                                max_new_tokens=90, local_files_only=True, seed=0))
    if problems := realizer.check():
        sys.exit("; ".join(problems))
    started = time.perf_counter()
    results = realizer.realize([make_segment(data, i) for i, (data, _) in enumerate(records)])
    seconds = time.perf_counter() - started
    hypotheses = [r[0].text if not isinstance(r, Failure) and r else "" for r in results]
    failures = sum(isinstance(r, Failure) for r in results)
    width = max(len(refs) for _, refs in records)
    streams = [[refs[k] if k < len(refs) else None for _, refs in records] for k in range(width)]
    metric = sacrebleu.BLEU()
    bleu = metric.corpus_score(hypotheses, streams)
    names = {data[slot] for data, _ in records for slot in ("name", "near") if slot in data}
    slots = missing = added = 0
    for (data, _), text in zip(records, hypotheses, strict=True):
        total, miss, add = slot_errors(data, text, names)
        slots, missing, added = slots + total, missing + miss, added + add
    decoding = "greedy" if args.num_beams == 1 else f"beam {args.num_beams}"
    report = {
        "model": args.model, "dev": str(args.dev), "records": len(records), "decoding": decoding,
        "bleu": round(bleu.score, 2), "bleu_signature": str(metric.get_signature()),
        "slot_error_rate_pct": round(100 * (missing + added) / slots, 2), "slots": slots, "missing": missing,
        "added": added, "failed_segments": failures, "seconds": round(seconds, 1),
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    if args.write_card:
        folder = Path(resolve(args.model, Path.cwd())[0])
        update_metrics(folder, {
            f"E2E dev BLEU ({decoding}, {len(records)} distinct MRs of devset.csv, all references, sacrebleu)":
                report["bleu"],
            f"E2E dev slot error rate ({decoding}, lexicon check, missing+added / slots)":
                f"{report['slot_error_rate_pct']}% ({missing} missing, {added} added of {slots} slots)",
        })


if __name__ == "__main__":
    main()
