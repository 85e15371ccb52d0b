"""For a session lent a GPU: the GPT-2 realizer's GPU correctness and throughput, in one short command.

    PYTHONPATH=.:plugins python benchmarks/gpu_check.py [--segments 1024]

1. Correctness on CUDA: batched greedy output equals one-by-one greedy output (float32), and bf16 batched
   output is checked for placeholders and validated like any candidate.
2. Throughput: `gpt2_batching.py` on CUDA with 1024 segments (bf16): ratio against the naive loop and tokens/s.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gpt2_common import dev_records, make_segment  # noqa: E402

from hybridnlg import Failure  # noqa: E402
from hybridnlg_gpt2.realizer import GPT2Realizer  # noqa: E402


def texts(results: list) -> list[str | None]:
    return [None if isinstance(r, Failure) else r[0].text for r in results]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=1024)
    args = parser.parse_args()
    import torch

    report: dict = {"cuda": torch.cuda.is_available()}
    if not report["cuda"]:
        print(json.dumps(report))
        return
    report["gpu"] = torch.cuda.get_device_name(0)
    try:
        records = [data for data, _ in dev_records(limit=64)]
    except FileNotFoundError:  # ../shared does not travel to a device machine: the pack's sample records do
        sample = HERE.parent / "templates" / "e2e" / "records.jsonl"
        records = [json.loads(line) for line in sample.read_text().splitlines() if line.strip()] * 16
    segments = [make_segment(data, i) for i, data in enumerate(records)]
    fp32 = GPT2Realizer(GPT2Realizer.Config(model="e2e-small", device="cuda", dtype="float32", batch_size=64), None)
    batched = texts(fp32.realize(segments))
    single = [texts(fp32.realize([segment]))[0] for segment in segments]
    same = sum(a == b for a, b in zip(batched, single, strict=True))
    report["fp32_batched_equals_one_by_one"] = f"{same}/{len(segments)}"
    bf16 = GPT2Realizer(GPT2Realizer.Config(model="e2e-small", device="cuda", dtype="bfloat16", batch_size=256), None)
    half = texts(bf16.realize(segments))
    report["bf16_texts"] = sum(t is not None for t in half)
    report["bf16_same_as_fp32"] = f"{sum(a == b for a, b in zip(batched, half, strict=True))}/{len(segments)}"
    done = subprocess.run([sys.executable, str(HERE / "gpt2_batching.py"), "--model", "e2e-small", "--device", "cuda",
                           "--segments", str(args.segments), "--batch-size", "256"], capture_output=True, text=True)
    report["throughput"] = json.loads(done.stdout) if done.returncode == 0 else done.stderr[-2000:]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
