"""Peak memory (resident set of the command's own process) of `hybridnlg batch` and `hybridnlg serve`.

    python benchmarks/bench_memory.py [--small 10000] [--large 100000] [--hybrid 547]

- template-only batch at `large` records vs `small` (streaming keeps it flat; no validator, so 100k records stay
  within a couple of minutes on 2 cores);
- the E2E pack (GPT-2 + spaCy + templates) on `hybrid` E2E dev records vs four times as many (the same records
  repeated): windows are rendered and written one at a time, so memory must not grow with the input;
- `hybridnlg serve` with the E2E pack after 200 /render requests, 8 at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gpt2_common import ROOT, dev_records

CONFIG = """\
validators: {}
segments:
  - id: a
    template: "{{ name }} sold {{ units | number }} units in {{ region }}, {{ change | percent }} on last year."
    facts: [name, units, change]
    compute:
      change: {op: percent_change, of: [units, units_prev]}
"""
E2E = ROOT / "templates" / "e2e" / "config.yaml"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
HYBRIDNLG = [sys.executable, "-m", "hybridnlg.cli"]


# A child's ru_maxrss counts the pages it shared with its parent at fork, so the command is started from a small
# interpreter that imports nothing else: its own size, not this script's, is the floor of the measurement.
MEASURE = ("import resource, subprocess, sys\n"
           "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def batch_peak(config: Path, data: Path, out: Path) -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, *HYBRIDNLG, "batch", str(config), str(data), "--out",
                           str(out)], env=ENV, check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1]) / 1024, time.perf_counter() - started  # KiB on Linux


def vm_hwm_mb(pid: int) -> float:
    """The peak resident set of a running process since it started its program (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc: Linux only")


def write_jsonl(path: Path, records: Iterable[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return path


def serve_peak(requests: int) -> float:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([*HYBRIDNLG, "serve", str(E2E), "--port", str(port)], env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    records = [data for data, _ in dev_records(limit=requests)]

    def call(record: dict[str, object]) -> int:
        body = json.dumps({"record": record}).encode()
        request = urllib.request.Request(f"{base}/render", body, {"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            return int(answer.status)

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(call, records))
    assert all(status == 200 for status in statuses), statuses
    peak = vm_hwm_mb(process.pid)
    process.send_signal(2)  # SIGINT: uvicorn shuts down gracefully
    process.wait(timeout=60)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--hybrid", type=int, default=547, help="E2E dev records in the smaller hybrid batch.")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "config.yaml"
        config.write_text(CONFIG)
        sizes = {}
        for n in (args.small, args.large):
            rows = ({"name": f"Store {i}", "units": 1000 + i, "units_prev": 900 + i % 200,
                     "region": ["North", "South"][i % 2]} for i in range(n))
            sizes[n] = batch_peak(config, write_jsonl(folder / f"in-{n}.jsonl", rows), folder / "out.jsonl")
        print(json.dumps({"benchmark": "batch_peak_memory", "small_records": args.small, "large_records": args.large,
                          "small_mb": round(sizes[args.small][0], 1), "large_mb": round(sizes[args.large][0], 1),
                          "ratio": round(sizes[args.large][0] / sizes[args.small][0], 3),
                          "small_s": round(sizes[args.small][1], 1), "large_s": round(sizes[args.large][1], 1),
                          "target": "<= 1.1"}), flush=True)
        dev = [data for data, _ in dev_records(limit=args.hybrid)]
        one, _ = batch_peak(E2E, write_jsonl(folder / "dev.jsonl", dev), folder / "out.jsonl")
        four, _ = batch_peak(E2E, write_jsonl(folder / "dev4.jsonl", dev * 4), folder / "out.jsonl")
        print(json.dumps({"benchmark": "hybrid_batch_peak_memory", "records": len(dev), "mb": round(one, 1),
                          "records_x4": 4 * len(dev), "mb_x4": round(four, 1), "ratio": round(four / one, 3),
                          "target": "<= 1.1"}), flush=True)
    print(json.dumps({"benchmark": "serve_peak_memory", "requests": args.requests,
                      "mb": round(serve_peak(args.requests), 1)}), flush=True)


if __name__ == "__main__":
    main()
