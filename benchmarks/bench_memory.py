"""Peak memory of `hybridnlg batch` at 100k records vs 10k (streaming keeps it flat).

    python benchmarks/bench_memory.py [--small 10000] [--large 100000]

Each size runs in a fresh process; peak RSS comes from getrusage of the child. The config is template-only with
no validator so that the 100k run stays within a couple of minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
validators: {}
segments:
  - id: a
    template: "{{ name }} sold {{ units | number }} units in {{ region }}, {{ change | percent }} on last year."
    facts: [name, units, change]
    compute:
      change: {op: percent_change, of: [units, units_prev]}
"""


def peak_rss_mb(config: Path, records: int, folder: Path) -> tuple[float, float]:
    data = folder / f"in-{records}.jsonl"
    with data.open("w") as handle:
        for i in range(records):
            handle.write(json.dumps({"name": f"Store {i}", "units": 1000 + i, "units_prev": 900 + i % 200,
                                     "region": ["North", "South"][i % 2]}) + "\n")
    code = (
        "import resource, sys\n"
        "from hybridnlg.cli import main\n"
        f"sys.argv = ['hybridnlg', 'batch', {str(config)!r}, {str(data)!r}, '--out', {str(folder / 'out.jsonl')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(done.stdout.strip().splitlines()[-1]) / 1024, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "config.yaml"
        config.write_text(CONFIG)
        small, small_s = peak_rss_mb(config, args.small, folder)
        large, large_s = peak_rss_mb(config, args.large, folder)
    print(json.dumps({"benchmark": "batch_peak_memory", "small_records": args.small, "large_records": args.large,
                      "small_mb": round(small, 1), "large_mb": round(large, 1), "ratio": round(large / small, 3),
                      "small_s": round(small_s, 1), "large_s": round(large_s, 1), "target": "<= 1.1"}))


if __name__ == "__main__":
    main()
