"""Every speed and memory benchmark, each a ratio against a plain baseline measured in the same run.

    python benchmarks/run_all.py --quick          # a few minutes on 2 cores
    python benchmarks/run_all.py                  # larger sizes

Prints a Markdown table and writes the JSON summary to benchmarks/out/summary.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

SUITES = {
    "quick": [
        ("gpt2_batching.py", ["--model", "e2e-small", "--segments", "64"]),
        ("bench_pipeline.py", ["--records", "400"]),
        ("bench_coldstart.py", ["--repeat", "3"]),
        ("hybrid_vs_bare.py", ["--limit", "200"]),
        ("bench_memory.py", ["--small", "10000", "--large", "100000", "--hybrid", "200", "--requests", "100"]),
        ("bench_ray.py", ["--records", "2400"]),
    ],
    "full": [
        ("gpt2_batching.py", ["--model", "e2e-small", "--segments", "256"]),
        ("bench_pipeline.py", ["--records", "2000"]),
        ("bench_coldstart.py", ["--repeat", "7"]),
        ("hybrid_vs_bare.py", []),
        ("bench_memory.py", ["--small", "10000", "--large", "100000"]),
        ("bench_ray.py", ["--records", "4000"]),
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=None, help="Run only scripts whose name contains this.")
    args = parser.parse_args()
    results = []
    for script, extra in SUITES["quick" if args.quick else "full"]:
        if args.only and args.only not in script:
            continue
        print(f"running {script} {' '.join(extra)}", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, str(HERE / script), *extra], capture_output=True, text=True)
        if done.returncode != 0:
            results.append({"benchmark": script, "error": done.stderr.strip().splitlines()[-1:]})
            continue
        if script == "gpt2_batching.py":  # its own report (one indented object); name it like the others
            row = json.loads(done.stdout)
            rows = [{"benchmark": "gpt2_batched_vs_naive_generate",
                     "speedup": row["wall_time_ratio_naive_over_batched"],
                     "target": ">= 10 (64 segments, 2 CPU cores)", "segments": row["segments"],
                     "naive_tokens_per_s": row["naive_tokens_per_s"],
                     "batched_tokens_per_s": row["batched_tokens_per_s"],
                     "identical_outputs": row["identical_outputs"], "device": row["device"]}]
        else:  # one JSON object per line, one line per measurement
            rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        results += [{"script": script, **row} for row in rows]
    out = HERE / "out" / "summary.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print("| benchmark | measured | ratio | target |\n|---|---|---|---|")
    for row in results:
        ratio = row.get("ratio", row.get("speedup", row.get("error")))
        detail = {k: v for k, v in row.items() if k not in {"benchmark", "script", "ratio", "speedup", "target"}}
        print(f"| {row.get('benchmark')} | {json.dumps(detail)} | {ratio} | {row.get('target', '')} |")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
