"""`hybridnlg train`: fine-tune GPT-2 (or train a small one from scratch) on data-to-text pairs."""

from __future__ import annotations

import copy
import math
import random
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from .data import Pair, load_pairs
from .formatting import DEFAULT_VERBATIM, ModelMeta, delexicalise_text, linearise
from .modelcard import write_model_card

SCRATCH_SIZES: dict[str, dict[str, int]] = {
    "tiny": {"n_layer": 2, "n_embd": 64, "n_head": 2},
    "small": {"n_layer": 4, "n_embd": 256, "n_head": 4},
    "medium": {"n_layer": 6, "n_embd": 384, "n_head": 6},
}


@dataclass
class TrainResult:
    out: Path
    best_dev_loss: float | None
    steps: int
    epochs_completed: float
    minutes: float
    history: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = "epochs"


@dataclass
class Encoded:
    ids: list[int]
    labels: list[int]


def _encode(pairs: Sequence[Pair], tokenizer: Any, meta: ModelMeta) -> list[Encoded]:
    sources: list[str] = []
    targets: list[str] = []
    for pair in pairs:
        source, mapping = linearise(pair.data, meta, draft=pair.draft if meta.format == "template-guided" else None)
        sources.append(source)
        targets.append(" " + delexicalise_text(pair.text, mapping))
    source_ids = tokenizer(sources, add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(targets, add_special_tokens=False)["input_ids"]
    eos = tokenizer.convert_tokens_to_ids(meta.eos)
    encoded = []
    for src, tgt in zip(source_ids, target_ids, strict=True):
        ids = (src + tgt + [eos])[: meta.max_length]
        labels = ([-100] * len(src) + tgt + [eos])[: meta.max_length]
        encoded.append(Encoded(ids, labels))
    return encoded


def _batches(examples: list[Encoded], batch_size: int, rng: random.Random, shuffle: bool) -> list[list[Encoded]]:
    """Length-bucketed batches: shuffle, sort within chunks of 50 batches, shuffle the batches."""
    order = list(examples)
    if shuffle:
        rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[Encoded]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda example: len(example.ids))
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    if shuffle:
        rng.shuffle(batches)
    return batches


def _collate(batch: list[Encoded], pad_id: int) -> dict[str, Any]:
    import torch

    width = max(len(example.ids) for example in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, example in enumerate(batch):
        ids[row, : len(example.ids)] = torch.tensor(example.ids)
        labels[row, : len(example.labels)] = torch.tensor(example.labels)
        mask[row, : len(example.ids)] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def _dev_loss(model: Any, batches: list[list[Encoded]], pad_id: int) -> float:
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in batches:
            inputs = _collate(batch, pad_id)
            tokens = int((inputs["labels"][:, 1:] != -100).sum())
            total += float(model(**inputs).loss) * tokens
            count += tokens
    model.train()
    return total / max(count, 1)


def _build_model(base: str, tokenizer_texts: list[str], meta: ModelMeta, vocab_size: int,
                 dropout: float) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from .tokenizer import extend_pretrained, train_bpe

    if base.startswith("scratch"):
        size = base.partition(":")[2] or "small"
        if size not in SCRATCH_SIZES:
            raise click.BadParameter(f"unknown size {size!r}; choose one of {', '.join(SCRATCH_SIZES)}",
                                     param_hint="--base")
        tokenizer = train_bpe(tokenizer_texts, meta, vocab_size)
        eos = tokenizer.convert_tokens_to_ids(meta.eos)
        config = GPT2Config(vocab_size=len(tokenizer), n_positions=meta.max_length, bos_token_id=eos,
                            eos_token_id=eos, pad_token_id=eos, resid_pdrop=dropout, embd_pdrop=dropout,
                            attn_pdrop=dropout, **SCRATCH_SIZES[size])
        return GPT2LMHeadModel(config), tokenizer
    tokenizer = extend_pretrained(AutoTokenizer.from_pretrained(base), meta)
    model = AutoModelForCausalLM.from_pretrained(base, resid_pdrop=dropout, embd_pdrop=dropout, attn_pdrop=dropout)
    model.resize_token_embeddings(len(tokenizer))
    model.config.pad_token_id = tokenizer.pad_token_id
    meta.max_length = min(meta.max_length, int(getattr(model.config, "n_positions", meta.max_length)))
    return model, tokenizer


def _save(model: Any, tokenizer: Any, meta: ModelMeta, out: Path, save_dtype: str, lora: bool) -> None:
    import torch

    out.mkdir(parents=True, exist_ok=True)
    copy_ = copy.deepcopy(model)
    if lora:
        copy_ = copy_.merge_and_unload()
    dtype = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[save_dtype]
    copy_ = copy_.to(dtype)
    copy_.config.dtype = save_dtype
    copy_.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    meta.write(out)


def train(
    pairs: Path | str | Sequence[Pair],
    base: str = "scratch:small",
    out: Path | str = "model",
    format: str = "data",
    epochs: int = 10,
    lr: float = 1e-3,
    batch_size: int = 32,
    warmup: int = 500,
    lora: bool = False,
    dev: Path | str | Sequence[Pair] | None = None,
    max_minutes: float | None = None,
    seed: int = 42,
    *,
    verbatim: Sequence[str] = DEFAULT_VERBATIM,
    vocab_size: int = 2000,
    max_length: int = 160,
    dropout: float = 0.1,
    weight_decay: float = 0.01,
    grad_clip: float = 1.0,
    patience: int = 2,
    dev_max: int = 2000,
    max_steps: int | None = None,
    threads: int | None = None,
    save_dtype: str = "float16",
    lora_r: int = 16,
    log_every: int = 100,
    command: str | None = None,
    quiet: bool = False,
) -> TrainResult:
    """Train a GPT-2 realizer on pairs; keeps the best checkpoint (by dev loss) in `out`."""
    import torch
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from transformers import get_linear_schedule_with_warmup

    started = time.monotonic()
    console = Console(stderr=True, quiet=quiet, markup=False, highlight=False)
    if threads:
        torch.set_num_threads(threads)
    random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    if format not in {"data", "template-guided"}:
        raise click.BadParameter(f"format must be data or template-guided, not {format!r}", param_hint="--format")
    if lora and base.startswith("scratch"):
        raise click.BadParameter("--lora adapts a pretrained model; it makes no sense with scratch", param_hint="--lora")
    train_pairs = load_pairs(pairs) if isinstance(pairs, (str, Path)) else list(pairs)
    dev_pairs = (load_pairs(dev) if isinstance(dev, (str, Path)) else list(dev)) if dev is not None else []
    if format == "template-guided" and any(pair.draft is None for pair in train_pairs):
        raise click.BadParameter("template-guided training needs a 'draft' column/key in every pair", param_hint="--pairs")
    slot_order: list[str] = []
    for pair in train_pairs:
        slot_order += [slot for slot in pair.data if slot not in slot_order]
    meta = ModelMeta(format=format, verbatim=list(verbatim), slot_order=slot_order, max_length=max_length)

    texts = []
    for pair in train_pairs:
        source, mapping = linearise(pair.data, meta, draft=pair.draft if format == "template-guided" else None)
        texts += [source, delexicalise_text(pair.text, mapping)]
    model, tokenizer = _build_model(base, texts, meta, vocab_size, dropout)
    if lora:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=lora_r, lora_alpha=2 * lora_r, lora_dropout=dropout,
                                                 target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True,
                                                 task_type="CAUSAL_LM"))
    pad_id = tokenizer.pad_token_id
    train_set = _encode(train_pairs, tokenizer, meta)
    dev_set = _encode(rng.sample(dev_pairs, min(dev_max, len(dev_pairs))), tokenizer, meta) if dev_pairs else []
    dev_batches = _batches(dev_set, batch_size * 2, rng, shuffle=False)
    parameters = sum(p.numel() for p in model.parameters())
    console.print(f"train pairs {len(train_set)}, dev pairs {len(dev_set)}, vocab {len(tokenizer)}, "
                  f"parameters {parameters / 1e6:.2f}M")

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr,
                                  weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    planned = epochs * steps_per_epoch if max_steps is None else min(max_steps, epochs * steps_per_epoch)
    total = planned
    scheduler = get_linear_schedule_with_warmup(optimizer, min(warmup, planned // 2), total)
    deadline = started + max_minutes * 60 if max_minutes else None
    hyper = {"base": base, "format": format, "epochs": epochs, "lr": lr, "batch_size": batch_size,
             "warmup": warmup, "lora": lora, "seed": seed, "max_minutes": max_minutes, "vocab_size": len(tokenizer),
             "max_length": max_length, "dropout": dropout, "weight_decay": weight_decay, "grad_clip": grad_clip,
             "patience": patience, "parameters": parameters, "save_dtype": save_dtype, "verbatim": list(verbatim)}
    if base.startswith("scratch"):
        hyper["architecture"] = SCRATCH_SIZES[base.partition(":")[2] or "small"]
    out = Path(out)
    result = TrainResult(out, None, 0, 0.0, 0.0)
    eval_seconds = eval_total = 0.0
    bad_evals = 0

    def evaluate(label: str) -> bool:
        """Dev loss now; saves when best. Returns True when early stopping should stop training."""
        nonlocal eval_seconds, eval_total, bad_evals
        began = time.monotonic()
        loss = _dev_loss(model, dev_batches, pad_id) if dev_batches else float("nan")
        eval_seconds = time.monotonic() - began
        eval_total += time.monotonic() - began
        entry = {"at": label, "step": result.steps, "dev_loss": round(loss, 4),
                 "minutes": round((time.monotonic() - started) / 60, 2)}
        result.history.append(entry)
        improved = not dev_batches or result.best_dev_loss is None or loss < result.best_dev_loss
        if improved:
            result.best_dev_loss = None if not dev_batches else loss
            bad_evals = 0
            _save(model, tokenizer, meta, out, save_dtype, lora)
        else:
            bad_evals += 1
        console.print(f"[{label}] step {result.steps} dev loss {loss:.4f}{' (best, saved)' if improved else ''}")
        return bool(dev_batches) and bad_evals >= patience

    model.train()
    window_loss, window_tokens, window_start = 0.0, 0, time.monotonic()
    loop_started = time.monotonic()
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[status]}")]
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("training", total=planned, status="")
        for epoch in range(epochs):
            batches = _batches(train_set, batch_size, rng, shuffle=True)
            stop_reason: str | None = None
            for number, batch in enumerate(batches, 1):
                inputs = _collate(batch, pad_id)
                loss = model(**inputs).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                result.steps += 1
                window_loss += loss.item()
                window_tokens += int(inputs["attention_mask"].sum())
                progress.update(task, advance=1, status=f"loss {window_loss / max(result.steps % log_every, 1):.3f}")
                if result.steps % log_every == 0:
                    elapsed = time.monotonic() - window_start
                    console.print(f"epoch {epoch + 1} step {result.steps}/{total} loss {window_loss / log_every:.4f} "
                                  f"lr {scheduler.get_last_lr()[0]:.2e} {window_tokens / elapsed:.0f} tok/s "
                                  f"{(time.monotonic() - started) / 60:.1f} min")
                    if deadline is not None:
                        # Fit the linear decay into the time budget: re-plan the schedule's end from the speed so far.
                        # Average since the start (less dev evaluations): one noisy window must not jerk the LR.
                        seconds_per_step = (time.monotonic() - loop_started - eval_total) / result.steps
                        left = deadline - time.monotonic() - max(eval_seconds, 30.0) * 1.5
                        fit = result.steps + max(int(left / seconds_per_step), 1)
                        if fit < planned and abs(fit - total) > log_every // 2:
                            total = fit
                            scheduler = get_linear_schedule_with_warmup(
                                optimizer, min(warmup, total // 2), total, last_epoch=result.steps - 1)
                    window_loss, window_tokens, window_start = 0.0, 0, time.monotonic()
                out_of_time = deadline is not None and time.monotonic() > deadline - max(eval_seconds, 30.0) * 1.5
                if out_of_time or result.steps >= total:
                    stop_reason = "time budget" if out_of_time or total < planned else "max steps"
                    break
            finished = number == len(batches)
            result.epochs_completed = epoch + 1 if finished else round(epoch + number / len(batches), 2)
            if evaluate(f"epoch {epoch + 1}" if finished else f"end ({stop_reason})"):
                result.stopped = "early stopping"
                break
            if stop_reason and (not finished or epoch + 1 < epochs):
                result.stopped = stop_reason
                break
    result.minutes = round((time.monotonic() - started) / 60, 2)
    metrics = {"best dev loss (target tokens, delexicalised)": None if result.best_dev_loss is None
               else round(result.best_dev_loss, 4),
               "steps": result.steps, "epochs": result.epochs_completed, "stopped by": result.stopped,
               "training minutes": result.minutes,
               "dev loss history": "; ".join(f"{h['at']}: {h['dev_loss']}" for h in result.history)
               if dev_batches else "no dev set"}
    data = {"train": str(pairs) if isinstance(pairs, (str, Path)) else f"{len(train_pairs)} pairs in memory",
            "dev": str(dev) if isinstance(dev, (str, Path)) else f"{len(dev_pairs)} pairs in memory",
            "train pairs": len(train_set), "dev pairs used for loss": len(dev_set),
            "delexicalised slots": ", ".join(verbatim)}
    write_model_card(out, title=f"hybridnlg GPT-2 realizer: {out.name}", data=data, hyper=hyper,
                     metrics=metrics, command=command)
    console.print(f"done: {result.stopped}, {result.steps} steps, best dev loss {result.best_dev_loss}, "
                  f"{result.minutes} min -> {out}")
    return result


@click.command("train")
@click.option("--pairs", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Training pairs: E2E mr,ref CSV, CSV with data,text, or JSONL {data, text}.")
@click.option("--base", default="scratch:small", show_default=True,
              help=f"gpt2 (hub id), a local model dir, or scratch:SIZE ({'|'.join(SCRATCH_SIZES)}).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output model directory.")
@click.option("--format", "format_", type=click.Choice(["data", "template-guided"]), default="data",
              show_default=True)
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True)
@click.option("--batch-size", type=int, default=32, show_default=True)
@click.option("--warmup", type=int, default=500, show_default=True, help="Warm-up steps.")
@click.option("--lora/--no-lora", default=False, help="Train LoRA adapters (peft), merged before saving.")
@click.option("--dev", type=click.Path(exists=True, dir_okay=False), default=None, help="Dev pairs for loss.")
@click.option("--max-minutes", type=float, default=None, help="Time budget; the LR schedule is fitted to it.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--verbatim", default=",".join(DEFAULT_VERBATIM), show_default=True,
              help="Comma-separated slots replaced by placeholders.")
@click.option("--vocab-size", type=int, default=2000, show_default=True, help="BPE vocabulary (scratch only).")
@click.option("--max-steps", type=int, default=None)
@click.option("--threads", type=int, default=None, help="torch CPU threads.")
@click.option("--save-dtype", type=click.Choice(["float16", "bfloat16", "float32"]), default="float16",
              show_default=True)
def train_command(pairs: str, base: str, out: str, format_: str, epochs: int, lr: float, batch_size: int,
                  warmup: int, lora: bool, dev: str | None, max_minutes: float | None, seed: int, verbatim: str,
                  vocab_size: int, max_steps: int | None, threads: int | None, save_dtype: str) -> None:
    """Train a GPT-2 data-to-text model for the gpt2 realizer."""
    train(pairs, base, out, format_, epochs, lr, batch_size, warmup, lora, dev, max_minutes, seed,
          verbatim=[slot.strip() for slot in verbatim.split(",") if slot.strip()], vocab_size=vocab_size,
          max_steps=max_steps, threads=threads, save_dtype=save_dtype,
          command=_command_line(click.get_current_context()))


def _command_line(ctx: click.Context) -> str:
    """The equivalent `hybridnlg train` call, every option spelled out (for the model card)."""
    words = ["hybridnlg", "train"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is None or not isinstance(param, click.Option):
            continue
        if param.is_flag:
            words.append(param.opts[0] if value else param.secondary_opts[0])
        else:
            words += [param.opts[0], str(value)]
    return shlex.join(words)


if __name__ == "__main__":
    train_command()
