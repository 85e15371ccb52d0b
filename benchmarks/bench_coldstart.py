"""Cold start: a template-only `hybridnlg render` vs `python -c "import jinja2, spacy, pydantic, pluggy"`.

    python benchmarks/bench_coldstart.py [--repeat 5]

Both run as fresh processes, alternating, the median of each kept.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDER = [sys.executable, "-m", "hybridnlg.cli", "render", str(ROOT / "templates" / "business" / "config.yaml"),
          str(ROOT / "templates" / "business" / "record.json")]
BASELINE = [sys.executable, "-c", "import jinja2, spacy, pydantic, pluggy"]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    timed(RENDER), timed(BASELINE)  # warm the file cache for both
    render, base = [], []
    for _ in range(args.repeat):
        render.append(timed(RENDER))
        base.append(timed(BASELINE))
    r, b = statistics.median(render), statistics.median(base)
    print(json.dumps({"benchmark": "cold_start", "render_s": round(r, 3), "baseline_s": round(b, 3),
                      "ratio": round(r / b, 3), "target": "<= 1.3"}))


if __name__ == "__main__":
    main()
