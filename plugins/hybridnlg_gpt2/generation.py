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


def _plain_greedy(settings: Settings) -> bool:
    return (settings.num_beams == 1 and not settings.do_sample and settings.num_return == 1
            and settings.repetition_penalty == 1.0 and settings.no_repeat_ngram_size == 0)


def _greedy(model: Any, input_ids: Any, mask: Any, settings: Settings, eos_id: int) -> list[tuple[list[int], float]]:
    """Greedy decoding that drops finished rows from the batch and the KV cache at every step.

    `generate` keeps computing every row until the longest one ends; with E2E-length outputs that wastes about
    half of a batch's work. Same arithmetic per row, so the texts equal `generate`'s greedy ones.
    """
    import inspect

    import torch

    cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    rows = input_ids.shape[0]
    tokens: list[list[int]] = [[] for _ in range(rows)]
    logprob = [0.0] * rows
    active = torch.arange(rows)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=input_ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1)
    cache = out[cache_arg] if cache_arg in out else out.past_key_values
    last = positions[:, -1:]
    for _ in range(settings.max_new_tokens):
        scores = torch.log_softmax(out.logits[:, -1].float(), dim=-1)
        best, chosen = scores.max(dim=-1)
        finished = []
        for row, token, value in zip(active.tolist(), chosen.tolist(), best.tolist(), strict=True):
            tokens[row].append(token)
            logprob[row] += value
            finished.append(token == eos_id or len(tokens[row]) >= settings.max_new_tokens)
        keep = torch.tensor([not done for done in finished])
        if not keep.any():
            break
        if not keep.all():
            index = keep.nonzero().squeeze(-1)
            cache.batch_select_indices(index.to(mask.device))
            active, mask, last, chosen = active[keep], mask[index], last[index], chosen[index]
        mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=-1)
        last = last + 1
        out = model(input_ids=chosen.unsqueeze(-1).to(mask.device), attention_mask=mask, position_ids=last,
                    use_cache=True, **{cache_arg: cache})
        cache = out[cache_arg] if cache_arg in out else out.past_key_values
    return [(row_tokens, logprob[row] / max(len(row_tokens), 1)) for row, row_tokens in enumerate(tokens)]


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
    if _plain_greedy(settings):
        with torch.inference_mode():
            decoded = _greedy(model, input_ids.to(device), mask.to(device), settings, eos_id)
        return [[Generated(tokenizer.decode(ids, skip_special_tokens=True).strip(), score, len(ids))]
                for ids, score in decoded]
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
