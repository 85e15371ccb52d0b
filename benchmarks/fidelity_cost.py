"""What the fidelity validator costs in the E2E hybrid: spaCy alone vs spaCy + fidelity, in the same run.

    python benchmarks/fidelity_cost.py                                   # the shipped e2e-fidelity
    python benchmarks/fidelity_cost.py --model e2e-fidelity --model runs/other-checkpoint --dtype int8

Every configuration renders the same E2E dev records (one per distinct MR) with the pack's hybrid (`auto`). Each is
warmed up first (models loaded, one window rendered), then timed `--rounds` times, the configurations taking turns so
that a busy machine slows them alike; the best round counts. Reported per configuration: seconds per record, the ratio
to spaCy alone (issue 12's target: at most 1.3x), BLEU, the independent slot error rate, the GPT-2 share and the
segments that fell back to the template.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_hybrid import CONFIG, ROOT, independent_ser
from gpt2_common import dev_records

from hybridnlg import Engine
from hybridnlg.cli.evaluate import summarize
from hybridnlg.config import read_config


def engines(models: list[str], dtype: str) -> dict[str, Engine]:
    config, base = read_config(CONFIG)
    spacy = dict(config.validators or {})
    out = {"spaCy alone": Engine(config, base)}
    for model in models:
        path = Path(model)
        name = str(path.resolve()) if path.exists() else model
        validators = {**spacy, "fidelity": {"model": name, "dtype": dtype}}
        out[f"spaCy + fidelity ({path.name}, {dtype})"] = Engine(
            config.model_copy(update={"validators": validators}), base, trusted=True)  # a checkpoint of ours
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=None, help="Fidelity checkpoint (repeatable).")
    parser.add_argument("--dtype", choices=["auto", "int8"], default="auto")
    parser.add_argument("--limit", type=int, default=None, help="First N distinct MRs only.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "fidelity_cost.json")
    args = parser.parse_args()
    pairs = dev_records(limit=args.limit)
    records = [data for data, _ in pairs]
    references = [refs for _, refs in pairs]
    runs = engines(args.model or ["e2e-fidelity"], args.dtype)
    for engine in runs.values():
        list(engine.render_many(records[:16], realizer=None, errors="record"))  # loads every model
    best: dict[str, float] = {}
    outputs: dict[str, list[Any]] = {}
    for _ in range(args.rounds):
        for label, engine in runs.items():
            started = time.perf_counter()
            outputs[label] = list(engine.render_many(records, realizer=None, errors="record"))
            best[label] = min(best.get(label, float("inf")), time.perf_counter() - started)
    baseline = best["spaCy alone"]
    results: dict[str, Any] = {}
    for label in runs:
        metrics = summarize(outputs[label], references, best[label])
        results[label] = {"seconds_per_record": round(best[label] / len(records), 4),
                          "ratio_to_spacy_alone": round(best[label] / baseline, 2), "bleu": metrics["bleu"],
                          "independent_slot_error_rate": independent_ser(records, outputs[label])["slot_error_rate"],
                          "gpt2_share": metrics["realizer_share"].get("gpt2", 0.0),
                          "fallbacks": metrics["fallbacks"]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"records": len(records), "rounds": args.rounds, "runs": results}, indent=2) + "\n")
    print(f"{len(records)} records, best of {args.rounds} rounds")
    print("| validators | s/record | vs spaCy alone | BLEU | independent slot errors | GPT-2 share | fallbacks |")
    print("|---|---|---|---|---|---|---|")
    for label, m in results.items():
        print(f"| {label} | {m['seconds_per_record']:.3f} | {m['ratio_to_spacy_alone']:.2f}x | {m['bleu']:.1f} | "
              f"{m['independent_slot_error_rate']:.2%} | {m['gpt2_share']:.0%} | {m['fallbacks']} |")


if __name__ == "__main__":
    main()
