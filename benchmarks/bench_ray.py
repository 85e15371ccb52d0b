"""The Ray runner with 2 workers vs 1 on a template-only batch (validated by spaCy), in one process.

    python benchmarks/bench_ray.py [--records 1500]

Ray is started once with 2 CPUs; each run builds its actors (engine + spaCy) before the timed map.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import ray

from hybridnlg.runtime.ray_runner import run_ray

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "templates" / "business" / "config.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1500)
    parser.add_argument("--window", type=int, default=64)
    args = parser.parse_args()
    record = json.loads((ROOT / "templates" / "business" / "record.json").read_text())
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    timings = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        lines = (json.dumps({**record, "revenue": record["revenue"] + i}) + "\n" for i in range(args.records))
        src.write_text("".join(lines))
        run_ray(str(CONFIG), src, Path(tmp) / "warm.jsonl", workers=2, window=args.window)  # imports, file cache
        for workers in (1, 2):
            started = time.perf_counter()
            run_ray(str(CONFIG), src, Path(tmp) / f"out{workers}.jsonl", workers=workers, window=args.window)
            timings[workers] = time.perf_counter() - started
    ray.shutdown()
    print(json.dumps({"benchmark": "ray_2_vs_1_workers", "records": args.records, "one_worker_s": round(timings[1], 2),
                      "two_workers_s": round(timings[2], 2), "speedup": round(timings[1] / timings[2], 3),
                      "target": ">= 1.8"}))


if __name__ == "__main__":
    main()
