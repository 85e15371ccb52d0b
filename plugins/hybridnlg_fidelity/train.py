"""`hybridnlg train-fidelity`: a GPT-2 fidelity checker (token classifier, one pass per text; or sequence classifier,
one pass per fact) from data/text pairs and their perturbations."""

from __future__ import annotations

import json
import random
import shlex
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from hybridnlg import data_licence

from .examples import Example, cases_from, make_examples, read_sources
from .facts import LABELS, SPECIAL_TOKENS
from .joint import FORMAT as JOINT_FORMAT
from .joint import IGNORE, encode, label_ids, pad
from .model import META_FILE, pick_device
from .model import short_names as fidelity_checkpoints

PAD = "<pad>"
PER_FACT, JOINT = "per-fact", "joint"
FORMATS = {PER_FACT: "focus-facts-text", JOINT: JOINT_FORMAT}  # the name in fidelity_meta.json


@dataclass
class FidelitySettings:
    train: Path
    out: Path
    dev: Path | None = None
    max_pairs: int | None = None
    dev_pairs: int = 1500
    base: str | None = None
    skip_pairs: int = 0
    wrong_per_pair: int = 1
    layers: int = 4
    width: int = 256
    heads: int = 4
    vocab_size: int = 4000
    max_length: int = 192
    epochs: int = 1
    batch_size: int = 32
    lr: float = 5e-4
    max_minutes: float | None = None
    device: str = "auto"
    threads: int | None = None
    seed: int = 0
    format: str = PER_FACT
    licence: str = "other"
    credit: list[str] = field(default_factory=list)


Unit = tuple[list[int], "int | list[int]", str]  # token ids, label(s), how it was made


def train_fidelity(settings: FidelitySettings, log: Any = print) -> dict[str, Any]:
    import torch

    from hybridnlg_gpt2.train_loop import Schedule, linear_schedule

    started = time.monotonic()
    torch.manual_seed(settings.seed)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    rng = random.Random(settings.seed)
    sources = read_sources(settings.train)
    rng.shuffle(sources)
    if settings.dev is None:  # hold out part of the training pairs
        dev_sources, sources = sources[:settings.dev_pairs], sources[settings.dev_pairs:]
    else:
        dev_sources = read_sources(settings.dev)
        rng.shuffle(dev_sources)
        dev_sources = dev_sources[:settings.dev_pairs]
    sources = sources[settings.skip_pairs:]
    sources = sources[:settings.max_pairs] if settings.max_pairs else sources
    train_examples = make_examples(sources, settings.seed, settings.wrong_per_pair)
    dev_examples = make_examples(dev_sources, settings.seed + 1)
    log(f"{len(sources)} pairs -> {len(train_examples)} questions "
        f"{dict(Counter(LABELS[e.label] for e in train_examples))}; dev {len(dev_examples)}")
    device = pick_device(settings.device)
    joint = settings.format == JOINT
    if settings.base:  # fine-tune a GPT-2 (a realizer's checkpoint knows the domain's language already)
        tokenizer, model = _from_base(settings.base, settings.max_length, joint)
    else:
        tokenizer = _tokenizer([e.text for e in train_examples], settings.vocab_size)
        model = _scratch(settings, tokenizer, joint)
    train_set = _units(train_examples, tokenizer, settings.max_length, joint)
    dev_set = _units(dev_examples, tokenizer, settings.max_length, joint)
    log(f"vocabulary {len(tokenizer)}, {sum(p.numel() for p in model.parameters()):,} parameters, on {device}, "
        f"{settings.format} format: {len(train_set)} passes")
    model.to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=0.01)
    planned = settings.epochs * ((len(train_set) + settings.batch_size - 1) // settings.batch_size)
    deadline = started + settings.max_minutes * 60 if settings.max_minutes else None
    warmup = max(planned // 20, 1)
    schedule = Schedule(optimiser, linear_schedule(optimiser, warmup, planned), warmup, planned, planned, deadline)
    # Time kept for the last dev evaluation and saving, in steps: a dev batch of 128 without gradients takes about a
    # training step's time.
    reserve_steps = len(dev_set) / 128 + 20
    loop_started = time.monotonic()
    step, done = 0, False
    for epoch in range(settings.epochs):
        model.train()
        for batch in _batches(train_set, settings.batch_size, rng):
            loss = model(**_tensors(batch, tokenizer.pad_token_id, device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.scheduler.step()
            optimiser.zero_grad()
            step += 1
            if step % 200 == 0:
                log(f"epoch {epoch + 1} step {step}/{schedule.total} loss {loss.item():.3f} "
                    f"({(time.monotonic() - started) / 60:.1f} min)")
            if deadline is not None and step % 50 == 0:  # fit the decay to the time left, as `hybridnlg train` does
                seconds_per_step = (time.monotonic() - loop_started) / step
                schedule.refit(step, seconds_per_step, reserve_steps * seconds_per_step, 25)
            done = step >= schedule.total or (deadline is not None and time.monotonic() > deadline)
            if done:
                break
        if done:
            break
    if step < planned:
        log(f"time budget reached at step {step} of {planned} planned (the schedule was fitted to it)")
    model.eval()
    metrics = evaluate(model, tokenizer, dev_set, device)
    metrics["steps"] = step
    metrics["planned_steps"] = planned
    metrics["last_lr"] = float(f"{schedule.scheduler.get_last_lr()[0]:.3g}")
    metrics["minutes"] = round((time.monotonic() - started) / 60, 1)
    _save(model, tokenizer, settings, metrics, len(sources), len(train_set))
    return metrics


def _units(examples: list[Example], tokenizer: Any, max_length: int, joint: bool) -> list[Unit]:
    """Per-fact format: one unit per question. Single-pass format: one per data/text case (more if its facts need
    more than one pass), with a label at each marker."""
    if not joint:
        ids = tokenizer([e.text for e in examples], truncation=True, max_length=max_length)["input_ids"]
        return [(row, e.label, e.kind) for row, e in zip(ids, examples, strict=True)]
    units: list[Unit] = []
    for case in cases_from(examples):
        for encoded in encode(tokenizer, case.data, case.text, max_length):
            units.append((encoded.ids, label_ids(encoded, case.labels, case.added), case.kind))
    return units


def _tensors(batch: list[Unit], pad_id: int, device: str) -> dict[str, Any]:
    import torch

    rows = [ids for ids, _, _ in batch]
    targets = [label for _, label, _ in batch]
    labels = pad([t for t in targets if isinstance(t, list)], IGNORE) if isinstance(targets[0], list) else targets
    return {"input_ids": torch.tensor(pad(rows, pad_id), device=device),
            "attention_mask": torch.tensor(pad([[1] * len(r) for r in rows], 0), device=device),
            "labels": torch.tensor(labels, device=device)}


def _model_class(joint: bool) -> Any:
    from transformers import GPT2ForSequenceClassification, GPT2ForTokenClassification

    return GPT2ForTokenClassification if joint else GPT2ForSequenceClassification


def _label_config() -> dict[str, Any]:
    return {"num_labels": len(LABELS), "id2label": dict(enumerate(LABELS)),
            "label2id": {name: i for i, name in enumerate(LABELS)}}


def _scratch(settings: FidelitySettings, tokenizer: Any, joint: bool) -> Any:
    from transformers import GPT2Config

    config = GPT2Config(vocab_size=len(tokenizer), n_positions=settings.max_length, n_embd=settings.width,
                        n_layer=settings.layers, n_head=settings.heads, pad_token_id=tokenizer.pad_token_id,
                        bos_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.pad_token_id, **_label_config())
    return _model_class(joint)(config)


def _from_base(base: str, max_length: int, joint: bool) -> tuple[Any, Any]:
    import torch
    from transformers import AutoTokenizer

    from hybridnlg_gpt2.loading import short_names

    source = str({**fidelity_checkpoints(), **short_names()}.get(base, base))
    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS})
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    model = _model_class(joint).from_pretrained(source, dtype=torch.float32, **_label_config())
    head = _sequence_head(source)
    if joint and head is not None:  # a per-fact checker's head read the same thing at the last token: start from it
        with torch.no_grad():
            model.classifier.weight.copy_(head)
            model.classifier.bias.zero_()
    model.resize_token_embeddings(len(tokenizer))
    model.config.pad_token_id = tokenizer.pad_token_id
    if max_length > model.config.n_positions:  # longer inputs than the base saw: new positions start as its last one
        old = model.transformer.wpe.weight.data
        wpe = torch.nn.Embedding(max_length, old.shape[1])
        wpe.weight.data[:old.shape[0]] = old
        wpe.weight.data[old.shape[0]:] = old[-1]
        model.transformer.wpe = wpe
        model.config.n_positions = max_length
    return tokenizer, model


def _sequence_head(source: str) -> Any:
    """The `score` weights of a per-fact (sequence classification) checkpoint, or None."""
    from safetensors.torch import load_file

    path = Path(source) / "model.safetensors"
    if not path.is_file():
        return None
    weights = load_file(str(path))
    head = weights.get("score.weight")
    return None if head is None or head.shape[0] != len(LABELS) else head.float()


def _tokenizer(texts: list[str], vocab_size: int) -> Any:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2, special_tokens=[PAD, *SPECIAL_TOKENS],
                            show_progress=False)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, pad_token=PAD,  # type: ignore[no-untyped-call]
                                        additional_special_tokens=SPECIAL_TOKENS)
    tokenizer.padding_side = "right"
    return tokenizer


def _batches(units: list[Unit], size: int, rng: random.Random) -> list[list[Unit]]:
    """Similar lengths together (less padding), batches in random order."""
    order = sorted(units, key=lambda u: len(u[0]) + rng.random() * 10)
    batches = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def evaluate(model: Any, tokenizer: Any, units: list[Unit], device: str) -> dict[str, Any]:
    """Accuracy, and per label precision and recall, on `units` (per fact in the single-pass format); also the share
    of units with every label right, per perturbation kind."""
    import torch

    predicted: list[int] = []
    gold: list[int] = []
    kinds: Counter[str] = Counter()
    right: Counter[str] = Counter()
    ordered = sorted(units, key=lambda u: len(u[0]))
    with torch.inference_mode():
        for start in range(0, len(ordered), 128):
            batch = ordered[start:start + 128]
            tensors = _tensors(batch, tokenizer.pad_token_id, device)
            labels = tensors.pop("labels")
            guesses = model(**tensors).logits.argmax(-1)
            for row, (_, label, kind) in enumerate(batch):
                if isinstance(label, list):
                    pairs = [(int(guesses[row, i]), g) for i, g in enumerate(label) if g != IGNORE]
                else:
                    pairs = [(int(guesses[row]), int(labels[row]))]
                predicted += [p for p, _ in pairs]
                gold += [g for _, g in pairs]
                kinds[kind] += 1
                right[kind] += all(p == g for p, g in pairs)
    metrics: dict[str, Any] = {"dev_examples": len(units),
                               "dev_accuracy": round(sum(p == g for p, g in zip(predicted, gold, strict=True))
                                                     / max(len(gold), 1), 4)}
    for index, name in enumerate(LABELS):
        tp = sum(p == index == g for p, g in zip(predicted, gold, strict=True))
        metrics[f"dev_precision_{name}"] = round(tp / max(predicted.count(index), 1), 4)
        metrics[f"dev_recall_{name}"] = round(tp / max(gold.count(index), 1), 4)
    for kind in sorted(kinds):
        metrics[f"dev_correct[{kind}]"] = round(right[kind] / kinds[kind], 4)
    return metrics


def _save(model: Any, tokenizer: Any, settings: FidelitySettings, metrics: dict[str, Any], pairs: int,
          examples: int) -> None:
    import torch

    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    model.to("cpu", torch.float16).save_pretrained(out)  # half the size; loaded as float32 on CPU
    tokenizer.save_pretrained(out)
    meta = {"labels": list(LABELS), "max_length": settings.max_length, "format": FORMATS[settings.format],
            "version": 1}
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    hyper = {k: str(v) for k, v in vars(settings).items() if k not in {"credit", "licence", "out"}}
    lines = ["---", f"license: {settings.licence}", "library_name: transformers",
             f"pipeline_tag: {'token-classification' if settings.format == JOINT else 'text-classification'}", "---",
             f"# {out.resolve().name}: a hybridnlg fidelity checker", "", _ABOUT[settings.format], "",
             "## Data", "", f"- pairs: `{settings.train}` ({pairs} pairs, {examples} passes with perturbations)",
             f"- dev: `{settings.dev or 'held out from the training pairs'}`", "",
             "## Licence and credit", "", f"Licence of this model: {settings.licence} (the training data's).", "",
             *[f"> {c}\n" for c in settings.credit],
             "## Hyper-parameters", "", "```json", json.dumps(hyper, indent=2), "```", "",
             "## Metrics (dev, perturbed as in training)", "", *[f"- {k}: {v}" for k, v in metrics.items()], "",
             "## Reproduce", "", "```sh", command_line(settings), "```", ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


_ABOUT = {
    PER_FACT: "A GPT2ForSequenceClassification for the hybridnlg `fidelity` validator. Asked about one fact "
    "(`<focus> FACT <text> TEXT`) it says whether the text expresses it (faithful), leaves it out (missing) or "
    "contradicts it (wrong); asked with no focus (`<focus> <none> <facts> FACTS <text> TEXT`), whether the text says "
    "something the facts do not (added). Made by `hybridnlg train-fidelity`.",
    JOINT: "A GPT2ForTokenClassification for the hybridnlg `fidelity` validator. It reads a text and then its facts "
    "(`<text> TEXT <facts> FACT <focus> FACT <focus> ... <none>`) in one pass: at the `<focus>` after each fact it "
    "says whether the text expresses that fact (faithful), leaves it out (missing) or contradicts it (wrong); at the "
    "closing `<none>`, whether the text says something the facts do not (added). Made by `hybridnlg train-fidelity "
    "--format joint`.",
}


def command_line(settings: FidelitySettings) -> str:
    """The `hybridnlg train-fidelity` command that makes these settings (for the model card)."""
    defaults = FidelitySettings(train=settings.train, out=settings.out)
    words = ["hybridnlg", "train-fidelity", str(settings.train), "--out", str(settings.out)]
    for name, value in vars(settings).items():
        if name in {"train", "out", "credit"} or value == getattr(defaults, name) or value is None:
            continue
        words += [f"--{name.replace('_', '-')}", str(value)]
    return shlex.join(words)


@click.command("train-fidelity")
@click.argument("train", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Checkpoint folder.")
@click.option("--dev", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Dev pairs (default: held out from TRAIN).")
@click.option("--max-pairs", type=int, default=None, help="Use at most this many training pairs.")
@click.option("--dev-pairs", type=int, default=1500, show_default=True, help="Dev pairs for the metrics.")
@click.option("--skip-pairs", type=int, default=0, show_default=True,
              help="Skip this many (shuffled) training pairs: continue a checkpoint (--base) on pairs it has not seen.")
@click.option("--wrong-per-pair", type=int, default=1, show_default=True,
              help="Facts of each pair given a wrong value (the hardest kind to learn: raise it to stress it).")
@click.option("--base", default=None,
              help="Fine-tune this GPT-2 (a shipped realizer checkpoint such as e2e-small, a fidelity checkpoint to "
              "continue, or a folder) instead of training one from scratch.")
@click.option("--layers", type=int, default=4, show_default=True)
@click.option("--width", type=int, default=256, show_default=True)
@click.option("--vocab-size", type=int, default=4000, show_default=True)
@click.option("--max-length", type=int, default=192, show_default=True, help="Tokens per query.")
@click.option("--epochs", type=int, default=1, show_default=True)
@click.option("--batch-size", type=int, default=32, show_default=True)
@click.option("--lr", type=float, default=5e-4, show_default=True)
@click.option("--max-minutes", type=float, default=None, help="Time budget.")
@click.option("--device", default="auto", show_default=True, help="cpu, cuda, cuda:1 or auto.")
@click.option("--threads", type=int, default=None, help="torch CPU threads.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--format", type=click.Choice([PER_FACT, JOINT]), default=PER_FACT, show_default=True,
              help="per-fact: one pass per fact (a sequence classifier; the more accurate so far); joint: one pass per "
              "text labels every fact (a token classifier; about a third of the time per text).")
@click.option("--licence", default=None, help="Licence id for the model card (default: read from the data's README).")
def train_fidelity_command(train: Path, out: Path, **options: Any) -> None:
    """Train a fidelity checker on TRAIN (E2E CSV, WebNLG JSONL, or JSONL of {"data", "text"}) and its
    perturbations (dropped, added and swapped facts)."""
    licence, credit = data_licence(train)
    settings = FidelitySettings(train=train, out=out, licence=options.pop("licence") or licence, credit=credit,
                                **options)
    metrics = train_fidelity(settings, log=lambda line: click.echo(line, err=True))
    click.echo(json.dumps(metrics, indent=2))
