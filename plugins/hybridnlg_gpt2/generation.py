"""Batched generation: length-sorted buckets, left padding, n-best, scores, OOM splitting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Settings:
    batch_size: int
    max_new_tokens: int
    num_beams: int
    do_sample: bool
    temperature: float
    top_p: float
    num_return: int
    repetition_penalty: float
    no_repeat_ngram_size: int
    seed: int


@dataclass
class Generated:
    text: str
    score: float
    tokens: int


@dataclass
class Outcome:
    """Per prompt: the generated texts, or the reason none could be produced."""

    texts: list[Generated] = field(default_factory=list)
    error: str | None = None


def _is_oom(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc).lower()


def _run_batch(model: Any, tokenizer: Any, prompts: Sequence[list[int]], settings: Settings,
               seed: int, eos_id: int) -> list[list[Generated]]:
    import torch

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_id
    width = max(len(ids) for ids in prompts)
    input_ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, ids in enumerate(prompts):
        input_ids[row, width - len(ids):] = torch.tensor(ids, dtype=torch.long)
        mask[row, width - len(ids):] = 1
    device = model.device
    sampling = {"temperature": settings.temperature, "top_p": settings.top_p} if settings.do_sample else {}
    torch.manual_seed(seed)
    with torch.inference_mode():
        out = model.generate(
            input_ids=input_ids.to(device), attention_mask=mask.to(device), max_new_tokens=settings.max_new_tokens,
            num_beams=settings.num_beams, do_sample=settings.do_sample, num_return_sequences=settings.num_return,
            repetition_penalty=settings.repetition_penalty, no_repeat_ngram_size=settings.no_repeat_ngram_size,
            eos_token_id=eos_id, pad_token_id=pad_id, return_dict_in_generate=True, output_logits=True,
            **sampling)
        # Raw logits, renormalised, give the model's own log-probabilities whatever the decoding strategy.
        scores = model.compute_transition_scores(out.sequences, out.logits, getattr(out, "beam_indices", None),
                                                 normalize_logits=True).float().cpu()
    generated = out.sequences[:, width:].cpu()
    results: list[list[Generated]] = [[] for _ in prompts]
    for row in range(generated.shape[0]):
        tokens = generated[row].tolist()
        length = tokens.index(eos_id) + 1 if eos_id in tokens else len(tokens)
        row_scores = scores[row, :length]
        row_scores = row_scores[torch.isfinite(row_scores)]
        mean = float(row_scores.mean()) if row_scores.numel() else float("-inf")
        text = tokenizer.decode(tokens[:length], skip_special_tokens=True).strip()
        results[row // settings.num_return].append(Generated(text, mean, length))
    return results


def _run_with_split(model: Any, tokenizer: Any, prompts: list[list[int]], settings: Settings, seed: int,
                    eos_id: int) -> list[Outcome]:
    """Generate for a bucket; on out-of-memory halve it and retry, then give up per prompt."""
    import torch

    try:
        return [Outcome(texts) for texts in _run_batch(model, tokenizer, prompts, settings, seed, eos_id)]
    except (RuntimeError, torch.cuda.OutOfMemoryError) as exc:
        if not _is_oom(exc):
            raise
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        if len(prompts) == 1:
            return [Outcome(error=f"out of memory even for a batch of one: {str(exc).splitlines()[0]}")]
        half = len(prompts) // 2
        return (_run_with_split(model, tokenizer, prompts[:half], settings, seed, eos_id)
                + _run_with_split(model, tokenizer, prompts[half:], settings, seed, eos_id))


def generate(model: Any, tokenizer: Any, prompts: Sequence[list[int]], settings: Settings,
             eos_id: int) -> list[Outcome]:
    """Generate for every prompt (token ids) in length-sorted buckets; results in the prompts' order."""
    order = sorted(range(len(prompts)), key=lambda index: len(prompts[index]))
    outcomes: list[Outcome] = [Outcome() for _ in prompts]
    for bucket_number, start in enumerate(range(0, len(order), settings.batch_size)):
        bucket = order[start:start + settings.batch_size]
        results = _run_with_split(model, tokenizer, [list(prompts[i]) for i in bucket], settings,
                                  settings.seed + bucket_number, eos_id)
        for index, outcome in zip(bucket, results, strict=True):
            outcomes[index] = outcome
    return outcomes
