"""Batched generation in the gpt2 realizer vs a naive `model.generate` loop per segment (same model, same run).

    python benchmarks/gpt2_batching.py --model e2e-small --segments 64 [--batch-size 64] [--device auto]
    python benchmarks/gpt2_batching.py --tiny        # a random 2-layer model built on the fly
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from gpt2_common import E2E, dev_records, make_segment

from hybridnlg import Context, Failure
from hybridnlg_gpt2.formatting import ModelMeta
from hybridnlg_gpt2.prompts import data_input
from hybridnlg_gpt2.realizer import GPT2Realizer


def naive_loop(loaded: Any, prompts: list[str], max_new_tokens: int, eos_id: int) -> tuple[list[str], int]:
    """The per-segment baseline: one generate call per prompt, no padding, no batching."""
    import torch

    texts, tokens = [], 0
    for prompt in prompts:
        ids = loaded.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"].to(loaded.device)
        with torch.inference_mode():
            out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                        do_sample=False, num_beams=1, eos_token_id=eos_id, pad_token_id=eos_id)
        new = out[0, ids.shape[1]:].tolist()
        new = new[: new.index(eos_id) + 1] if eos_id in new else new
        tokens += len(new)
        texts.append(loaded.tokenizer.decode(new, skip_special_tokens=True).strip())
    return texts, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="e2e-small")
    parser.add_argument("--tiny", action="store_true", help="Use a random tiny model (no checkpoint needed).")
    parser.add_argument("--segments", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=60)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    model, context = args.model, None
    if args.tiny:
        from gpt2_fixtures import build_tiny_model

        folder = Path(tempfile.mkdtemp())
        model, context = str(build_tiny_model(folder / "tiny")), Context.standalone(folder)  # paths stay inside it
    records = dev_records(E2E / "devset.csv")
    segments = [make_segment(records[i % len(records)][0], i) for i in range(args.segments)]
    realizer = GPT2Realizer(GPT2Realizer.Config(model=model, batch_size=args.batch_size, device=args.device,
                                                max_new_tokens=args.max_new_tokens, local_files_only=True, seed=0),
                            context)
    if problems := realizer.check():
        sys.exit("; ".join(problems))
    loaded = realizer.model
    meta = loaded.meta or ModelMeta()
    eos_id = loaded.tokenizer.convert_tokens_to_ids(meta.eos)
    verbatim = meta.verbatim if realizer.config.verbatim is None else realizer.config.verbatim  # as the realizer
    prompts = [data_input(s, meta, verbatim, None)[0] for s in segments]
    realizer.realize(segments[:2])  # warm-up: first-call allocations and lazy initialisation
    naive_loop(loaded, prompts[:2], 4, eos_id)

    def sync() -> None:
        if loaded.device == "cuda":
            torch.cuda.synchronize()

    sync()
    began = time.perf_counter()
    results = realizer.realize(segments)
    sync()
    batched_s = time.perf_counter() - began
    batched_texts = [r[0].meta["delexicalised"] if not isinstance(r, Failure) else None for r in results]
    batched_tokens = sum(r[0].meta["tokens"] for r in results if not isinstance(r, Failure))
    began = time.perf_counter()
    naive_texts, naive_tokens = naive_loop(loaded, prompts, args.max_new_tokens, eos_id)
    sync()
    naive_s = time.perf_counter() - began
    same = sum(a == b for a, b in zip(batched_texts, naive_texts, strict=True))
    print(json.dumps({
        "model": realizer.config.model if not args.tiny else "tiny random (2 layers, 32 wide)",
        "device": loaded.device, "dtype": loaded.dtype, "torch_threads": torch.get_num_threads(),
        "segments": len(segments), "batch_size": args.batch_size, "decoding": "greedy",
        "naive_seconds": round(naive_s, 3), "batched_seconds": round(batched_s, 3),
        "wall_time_ratio_naive_over_batched": round(naive_s / batched_s, 2),
        "naive_tokens_per_s": round(naive_tokens / naive_s, 1),
        "batched_tokens_per_s": round(batched_tokens / batched_s, 1),
        "tokens_per_s_ratio": round((batched_tokens / batched_s) / (naive_tokens / naive_s), 2),
        "generated_tokens": {"naive": naive_tokens, "batched": batched_tokens},
        "identical_outputs": f"{same}/{len(segments)}",
    }, indent=2))


if __name__ == "__main__":
    main()
