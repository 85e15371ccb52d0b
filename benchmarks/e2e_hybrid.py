"""Template only vs GPT-2 only vs hybrid `auto` on the E2E development set, side by side.

    python benchmarks/e2e_hybrid.py [--limit N] [--out benchmarks/out/e2e_hybrid.json]
    python benchmarks/e2e_hybrid.py --only hybrid --fidelity e2e-fidelity   # with the learned validator too
    python benchmarks/e2e_hybrid.py --only hybrid --fidelity e2e-fidelity --fidelity-dtype int8

One record per distinct MR of ../shared/data/e2e/devset.csv with all its references. Per run: BLEU (sacrebleu,
multi-reference), the validator's fact error rate, an independent lexicon-based slot error rate
(benchmarks/gpt2_common.py, not the validator), the share of segments per realizer, fallbacks and time per record.
A fourth run publishes GPT-2's top beam with no validator, to show what the validator keeps out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpt2_common import dev_records, slot_errors

from hybridnlg import Engine
from hybridnlg.cli.evaluate import summarize
from hybridnlg.config import read_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "templates" / "e2e" / "config.yaml"
RUNS = {"template": "template", "gpt2": "gpt2", "hybrid (auto)": None}
UNVALIDATED = "gpt2 top beam, no validator"  # what the validator keeps out: GPT-2's first beam, published unchecked


def independent_ser(records: list[dict], outputs: list) -> dict[str, float]:
    names = {r[key] for r in records for key in ("name", "near") if key in r}
    slots = missing = added = 0
    for record, report in zip(records, outputs, strict=True):
        text = report.plain_text if not isinstance(report, dict) else ""
        s, m, a = slot_errors(record, text, names)
        slots, missing, added = slots + s, missing + m, added + a
    return {"slots": slots, "missing": missing, "added": added, "slot_error_rate": round((missing + added) / slots, 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="First N distinct MRs only (quick runs).")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "e2e_hybrid.json")
    parser.add_argument("--num-beams", type=int, default=None, help="Override the pack's GPT-2 beams (1: greedy).")
    parser.add_argument("--num-candidates", type=int, default=None, help="Override the pack's n-best.")
    parser.add_argument("--fidelity", default=None, metavar="MODEL",
                        help="Add the fidelity validator with this checkpoint (e.g. e2e-fidelity) beside spaCy.")
    parser.add_argument("--fidelity-dtype", choices=["auto", "int8"], default="auto",
                        help="The fidelity model's dtype (int8: dynamic quantisation on the CPU).")
    parser.add_argument("--only", default=None, help="Run only the runs whose label contains this (e.g. hybrid).")
    args = parser.parse_args()
    pairs = dev_records(limit=args.limit)
    records = [data for data, _ in pairs]
    references = [refs for _, refs in pairs]
    config, base = read_config(CONFIG)
    gpt2 = dict(config.realizers["gpt2"])
    for key in ("num_beams", "num_candidates"):
        if getattr(args, key) is not None:
            gpt2[key] = getattr(args, key)
    validators = dict(config.validators or {})
    if args.fidelity:
        validators["fidelity"] = {"model": args.fidelity, "dtype": args.fidelity_dtype}
    engine = Engine(config.model_copy(update={"realizers": {"gpt2": gpt2}, "validators": validators}), base)
    top = {**gpt2, "num_candidates": 1}
    unchecked = Engine(config.model_copy(update={"validators": {}, "realizers": {"gpt2": top}}), base)
    print(f"gpt2 settings: num_beams={gpt2.get('num_beams', 1)}, num_candidates={gpt2.get('num_candidates', 1)}")
    results = {}
    for label, realizer in [*RUNS.items(), (UNVALIDATED, "gpt2")]:
        if args.only and args.only not in label:
            continue
        started = time.perf_counter()
        runner = unchecked if label == UNVALIDATED else engine
        outputs = list(runner.render_many(records, realizer=realizer, errors="record"))
        elapsed = time.perf_counter() - started
        metrics = summarize(outputs, references, elapsed)
        metrics["independent"] = independent_ser(records, outputs)
        metrics["wall_s"] = round(elapsed, 1)
        results[label] = metrics
        print(f"{label}: BLEU {metrics['bleu']}, validator fact errors {metrics['fact_error_rate']:.2%}, "
              f"independent SER {metrics['independent']['slot_error_rate']:.2%}, share {metrics['realizer_share']}",
              flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"records": len(records), "runs": results}, indent=2))
    print()
    print("| run | BLEU | validator fact error rate | independent slot error rate | GPT-2 share | fallbacks "
          "| s/record |")
    print("|---|---|---|---|---|---|---|")
    for label, m in results.items():
        share = m["realizer_share"].get("gpt2", 0.0)
        checked = f"{m['fact_error_rate']:.2%}" if m["validated_segments"] else "n/a"
        print(f"| {label} | {m['bleu']:.1f} | {checked} | {m['independent']['slot_error_rate']:.2%} "
              f"| {share:.0%} | {m['fallbacks']} | {m['seconds_per_record']:.3f} |")


if __name__ == "__main__":
    main()
