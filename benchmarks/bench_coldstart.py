"""Cold start of the `hybridnlg` command, as fresh processes, alternating with a plain baseline; medians kept.

    python benchmarks/bench_coldstart.py [--repeat 5]

- template: `hybridnlg render` of the business pack (templates only) vs `python -c "import jinja2, spacy, pydantic,
  pluggy"`;
- gpt2: `hybridnlg render` of the E2E pack (GPT-2 beams, spaCy validation, template fallback) for one record vs
  `python -c "import torch; from transformers import GPT2LMHeadModel"`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKS = ROOT / "templates"
CLI = [sys.executable, "-m", "hybridnlg.cli", "render"]
PAIRS = {
    "template": (CLI + [str(PACKS / "business" / "config.yaml"), str(PACKS / "business" / "record.json")],
                 [sys.executable, "-c", "import jinja2, spacy, pydantic, pluggy"]),
    "gpt2": (CLI + [str(PACKS / "e2e" / "config.yaml"), str(PACKS / "e2e" / "record.json")],
             [sys.executable, "-c", "import torch; from transformers import GPT2LMHeadModel"]),
}
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=ENV)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for name, (render_cmd, base_cmd) in PAIRS.items():
        timed(render_cmd), timed(base_cmd)  # warm the file cache for both
        render, base = [], []
        for _ in range(args.repeat):
            render.append(timed(render_cmd))
            base.append(timed(base_cmd))
        r, b = statistics.median(render), statistics.median(base)
        print(json.dumps({"benchmark": f"cold_start_{name}", "render_s": round(r, 3), "baseline_s": round(b, 3),
                          "ratio": round(r / b, 3), "target": "<= 1.3"}), flush=True)


if __name__ == "__main__":
    main()
