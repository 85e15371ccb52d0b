"""`hybridnlg train`: fine-tune GPT-2 (or train a small one from scratch) on data-to-text pairs.

Library use: `train(TrainSettings(pairs=..., out=..., ...))`. The command line is built from TrainSettings' fields.
"""

from __future__ import annotations

import copy
import importlib
import math
import random
import shlex
import time
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from hybridnlg import data_licence

from .data import Pair, load_pairs
from .formatting import ModelMeta, delexicalise_text, linearise
from .modelcard import write_model_card
from .schema import context_length, infer_verbatim, max_entities, relation_predicates
from .train_batches import Encoded, batches, encode
from .train_loop import EpochLoop, Schedule, TrainResult, linear_schedule
from .train_settings import LIBRARY_ONLY, SCRATCH_SIZES, TrainConfigError, TrainSettings, scratch_architecture

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["SCRATCH_SIZES", "TrainConfigError", "TrainResult", "TrainSettings", "train", "train_command"]


@dataclass
class _Data:
    train: list[Pair]
    dev: list[Pair]


def train(settings: TrainSettings) -> TrainResult:
    """Train a GPT-2 realizer; keeps the best checkpoint (by dev loss) in `settings.out`, with a model card.

    Raises pydantic's ValidationError (building TrainSettings) or TrainConfigError (a hybridnlg ConfigError)
    when a setting does not fit the data.
    """
    from rich.console import Console

    started = _start_clock()
    console = Console(stderr=True, quiet=settings.quiet, markup=False, highlight=False)
    rng = _seed(settings)
    data = _load_data(settings)
    meta = _model_meta(settings, data.train)
    device = _device(settings)
    model, tokenizer = _build_model(settings, _tokenizer_texts(data.train, meta), meta, console)
    model.to(device)
    train_set, dev_set = _encode_sets(settings, data, tokenizer, meta, rng)
    dev_batches = batches(dev_set, settings.batch_size * 2, rng, shuffle=False)
    parameters = sum(p.numel() for p in model.parameters())
    console.print(f"train pairs {len(train_set)}, dev pairs {len(dev_set)}, vocab {len(tokenizer)}, "
                  f"parameters {parameters / 1e6:.2f}M, max length {meta.max_length}, device {device}")
    loop = EpochLoop(settings, model, tokenizer.pad_token_id, device, train_set, dev_batches, rng,
                     _build_schedule(settings, model, len(train_set), started), console,
                     lambda: _save(model, tokenizer, meta, settings), started)
    result = loop.run()
    result.minutes = round((time.monotonic() - started) / 60, 2)
    hyper = _hyper(settings, meta, len(tokenizer), parameters, device)
    _write_card(settings, result, data, dev_used=len(dev_set), hyper=hyper, meta=meta)
    _report(console, result)
    return result


def _start_clock() -> float:
    """Now, once torch and transformers are imported: their import time counts neither as training nor budget."""
    for module in ("torch", "rich.progress", "transformers.optimization"):
        importlib.import_module(module)
    return time.monotonic()


def _seed(settings: TrainSettings) -> random.Random:
    """Set torch's threads and seed Python's and torch's generators; returns the generator for shuffling."""
    import torch

    if settings.threads:
        torch.set_num_threads(settings.threads)
    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    return random.Random(settings.seed)


def _device(settings: TrainSettings) -> str:
    import torch

    if settings.device == "cuda" and not torch.cuda.is_available():
        raise TrainConfigError("device", "cuda was asked for, but torch sees no GPU; use --device cpu or auto")
    return "cuda" if settings.device == "cuda" or (settings.device == "auto" and torch.cuda.is_available()) else "cpu"


def _pairs(source: Path | list[Pair] | None, hold_out: frozenset[str]) -> list[Pair]:
    if source is None:
        return []
    pairs = load_pairs(source, hold_out=hold_out) if isinstance(source, Path) else list(source)
    return [pair for pair in pairs if pair.category not in hold_out]


def _load_data(settings: TrainSettings) -> _Data:
    hold_out = frozenset(settings.hold_out)
    try:
        data = _Data(_pairs(settings.pairs, hold_out), _pairs(settings.dev, hold_out))
    except ValueError as exc:  # a malformed pairs file: its message names the file and line
        raise TrainConfigError("pairs", str(exc)) from None
    if settings.format == "template-guided" and any(pair.draft is None for pair in data.train):
        raise TrainConfigError("pairs", "template-guided training needs a 'draft' column/key in every pair")
    return data


def _model_meta(settings: TrainSettings, train_pairs: list[Pair]) -> ModelMeta:
    """The input format read from the data: slots ordered as they first appear, verbatim slots (unless given),
    the entity placeholders relation facts need. `max_length` is fitted once the tokenizer exists."""
    slot_order: list[str] = []
    for pair in train_pairs:
        slot_order += [slot for slot in pair.data if slot not in slot_order]
    verbatim = infer_verbatim(train_pairs) if settings.verbatim is None else list(settings.verbatim)
    return ModelMeta(format=settings.format, verbatim=verbatim, slot_order=slot_order,
                     max_length=settings.max_length or 0, max_entities=max_entities(train_pairs),
                     predicates=relation_predicates(train_pairs))


def _tokenizer_texts(train_pairs: list[Pair], meta: ModelMeta) -> list[str]:
    """Model inputs and delexicalised texts: what a scratch BPE tokenizer is trained on."""
    texts = []
    for pair in train_pairs:
        source, mapping = linearise(pair.data, meta, draft=pair.draft if meta.format == "template-guided" else None)
        texts += [source, delexicalise_text(pair.text, mapping)]
    return texts


def _build_model(settings: TrainSettings, tokenizer_texts: list[str], meta: ModelMeta,
                 console: Console) -> tuple[Any, Any]:
    """A fresh GPT-2 with a BPE tokenizer trained on the texts, or the pretrained base (with LoRA if asked)."""
    size = settings.scratch_size
    if size is not None:
        model, tokenizer = _scratch_model(size, tokenizer_texts, meta, settings.vocab_size, settings.dropout)
        if len(tokenizer) < settings.vocab_size:
            console.print(f"note: asked for a vocabulary of {settings.vocab_size}; the training texts give "
                          f"{len(tokenizer)} (BPE merges need pairs seen at least twice)")
        return model, tokenizer
    model, tokenizer = _pretrained_model(settings.base, tokenizer_texts, meta, settings.dropout)
    if settings.lora:
        model = _with_lora(model, settings.lora_r, settings.dropout)
    return model, tokenizer


def _scratch_model(size: str, tokenizer_texts: list[str], meta: ModelMeta, vocab_size: int,
                   dropout: float) -> tuple[Any, Any]:
    from transformers import GPT2Config, GPT2LMHeadModel

    from .tokenizer import train_bpe

    tokenizer = train_bpe(tokenizer_texts, meta, vocab_size)
    if not meta.max_length:
        meta.max_length = context_length(tokenizer, tokenizer_texts)
    eos = tokenizer.convert_tokens_to_ids(meta.eos)
    architecture: dict[str, Any] = scratch_architecture(size)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=meta.max_length, bos_token_id=eos,
                        eos_token_id=eos, pad_token_id=eos, resid_pdrop=dropout, embd_pdrop=dropout,
                        attn_pdrop=dropout, **architecture)
    return GPT2LMHeadModel(config), tokenizer


def _pretrained_model(base: str, tokenizer_texts: list[str], meta: ModelMeta, dropout: float) -> tuple[Any, Any]:
    """The base model with the tokenizer extended by the special tokens; cuts meta.max_length to its positions."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .tokenizer import extend_pretrained

    tokenizer = extend_pretrained(AutoTokenizer.from_pretrained(base), meta)
    # float32 whatever the checkpoint was saved in: AdamW steps on float16 weights round to nothing.
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32, resid_pdrop=dropout, embd_pdrop=dropout,
                                                 attn_pdrop=dropout)
    model.resize_token_embeddings(len(tokenizer))
    model.config.pad_token_id = tokenizer.pad_token_id
    positions = int(getattr(model.config, "n_positions", 1024))
    meta.max_length = min(meta.max_length or context_length(tokenizer, tokenizer_texts), positions)
    return model, tokenizer


def _with_lora(model: Any, rank: int, dropout: float) -> Any:
    from peft import LoraConfig, get_peft_model

    return get_peft_model(model, LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=dropout,
                                            target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True,
                                            task_type="CAUSAL_LM"))


def _encode_sets(settings: TrainSettings, data: _Data, tokenizer: Any, meta: ModelMeta,
                 rng: random.Random) -> tuple[list[Encoded], list[Encoded]]:
    """Encoded training pairs, and a sample of at most `dev_max` encoded dev pairs."""
    train_set = encode(data.train, tokenizer, meta)
    if not data.dev:
        return train_set, []
    return train_set, encode(rng.sample(data.dev, min(settings.dev_max, len(data.dev))), tokenizer, meta)


def _build_schedule(settings: TrainSettings, model: Any, train_size: int, started: float) -> Schedule:
    """AdamW over the trainable parameters, linear warm-up and decay over the planned steps."""
    import torch

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=settings.lr,
                                  weight_decay=settings.weight_decay)
    steps = settings.epochs * math.ceil(train_size / settings.batch_size)
    planned = steps if settings.max_steps is None else min(settings.max_steps, steps)
    scheduler = linear_schedule(optimizer, min(settings.warmup, planned // 2), planned)
    deadline = started + settings.max_minutes * 60 if settings.max_minutes else None
    return Schedule(optimizer, scheduler, settings.warmup, planned, planned, deadline)


def _save(model: Any, tokenizer: Any, meta: ModelMeta, settings: TrainSettings) -> None:
    """Save a copy of the model (LoRA merged, cast to save_dtype) with its tokenizer and meta in `out`."""
    import torch

    settings.out.mkdir(parents=True, exist_ok=True)
    copy_ = copy.deepcopy(model)
    if settings.lora:
        copy_ = copy_.merge_and_unload()
    dtype = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[settings.save_dtype]
    copy_ = copy_.to(dtype)
    copy_.config.dtype = settings.save_dtype
    copy_.save_pretrained(settings.out, safe_serialization=True)
    tokenizer.save_pretrained(settings.out)
    meta.write(settings.out)


def _hyper(settings: TrainSettings, meta: ModelMeta, vocab_size: int, parameters: int,
           device: str) -> dict[str, Any]:
    """The model card's hyper-parameters."""
    hyper = {"base": settings.base, "format": settings.format, "epochs": settings.epochs, "lr": settings.lr,
             "batch_size": settings.batch_size, "warmup": settings.warmup, "lora": settings.lora,
             "seed": settings.seed, "max_minutes": settings.max_minutes, "vocab_size": vocab_size,
             "max_length": meta.max_length, "dropout": settings.dropout, "weight_decay": settings.weight_decay,
             "grad_clip": settings.grad_clip, "patience": settings.patience, "parameters": parameters,
             "save_dtype": settings.save_dtype, "verbatim": meta.verbatim, "hold_out": settings.hold_out,
             "device": device}
    if settings.scratch_size is not None:
        hyper["architecture"] = scratch_architecture(settings.scratch_size)
    return hyper


def _source_name(source: Path | list[Pair] | None, pairs: list[Pair]) -> str:
    return str(source) if isinstance(source, Path) else f"{len(pairs)} pairs in memory"


def _write_card(settings: TrainSettings, result: TrainResult, data: _Data, *, dev_used: int,
                hyper: dict[str, Any], meta: ModelMeta) -> None:
    best = None if result.best_dev_loss is None else round(result.best_dev_loss, 4)
    history = "; ".join(f"{h['at']}: {h['dev_loss']}" for h in result.history) if dev_used else "no dev set"
    metrics = {"best dev loss (target tokens, delexicalised)": best, "steps": result.steps,
               "epochs": result.epochs_completed, "stopped by": result.stopped, "training minutes": result.minutes,
               "dev loss history": history}
    card_data = {"train": _source_name(settings.pairs, data.train), "dev": _source_name(settings.dev, data.dev),
                 "train pairs": len(data.train), "dev pairs used for loss": dev_used,
                 "delexicalised slots": ", ".join(meta.verbatim) or "none",
                 "entity placeholders (relation facts)": meta.max_entities,
                 "relation predicates seen": len(meta.predicates)}
    if settings.hold_out:
        card_data["categories held out"] = ", ".join(settings.hold_out)
    licence = data_licence(settings.pairs) if isinstance(settings.pairs, Path) else ("other", [
        "Trained on pairs given in memory; see their source's licence."])
    write_model_card(settings.out, title=f"hybridnlg GPT-2 realizer: {settings.out.name}", data=card_data,
                     hyper=hyper, metrics=metrics, licence=licence, command=settings.command)


def _report(console: Console, result: TrainResult) -> None:
    console.print(f"done: {result.stopped}, {result.steps} steps, best dev loss {result.best_dev_loss}, "
                  f"{result.minutes} min -> {result.out}")


# The command line: one option per TrainSettings field (but LIBRARY_ONLY), in field order.


def _cli_fields() -> dict[str, FieldInfo]:
    return {name: info for name, info in TrainSettings.model_fields.items() if name not in LIBRARY_ONLY}


def _option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def _value_type(annotation: Any) -> Any:
    """The type an option parses: Optional and unions reduced to their first member, Annotated unwrapped."""
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation


def _click_type(value_type: Any) -> click.ParamType[Any]:
    if typing.get_origin(value_type) is Literal:
        return click.Choice(typing.get_args(value_type))
    if value_type is Path:
        return click.Path()
    scalars: dict[Any, click.ParamType[Any]] = {int: click.INT, float: click.FLOAT}
    return scalars.get(value_type, click.STRING)


def _help(name: str, info: FieldInfo) -> str:
    """The field's description, with TrainSettings' default (click's own default stays None)."""
    default = info.get_default()
    if info.is_required() or default is None:
        return info.description or ""
    if isinstance(default, bool):
        shown = _option_name(name)[2:] if default else f"no-{_option_name(name)[2:]}"
    else:
        shown = ",".join(default) if isinstance(default, list) else str(default)
    return f"{info.description}  [default: {shown}]"


def _cli_option(name: str, info: FieldInfo) -> click.Option:
    """Unset options stay None, so that TrainSettings supplies every default."""
    value_type = _value_type(info.annotation)
    if value_type is bool:
        return click.Option([f"{_option_name(name)}/--no-{_option_name(name)[2:]}"], default=None,
                            help=_help(name, info))
    return click.Option([_option_name(name)], type=_click_type(value_type), required=info.is_required(),
                        default=None, help=_help(name, info))


def _problem(error: Any) -> tuple[str | None, str]:
    """(option, message) of one pydantic error; the message without pydantic's 'Value error, ' prefix."""
    cause = (error.get("ctx") or {}).get("error")
    option = _option_name(str(error["loc"][0])) if error["loc"] else None
    return option, str(cause) if isinstance(cause, Exception) else str(error["msg"])


def _click_error(error: ValidationError) -> click.UsageError:
    problems = [_problem(problem) for problem in error.errors()]
    options = {option for option, _ in problems}
    if len(options) == 1 and None not in options:
        return click.BadParameter("; ".join(message for _, message in problems), param_hint=options.pop())
    return click.UsageError("; ".join(f"{option}: {message}" if option else message for option, message in problems))


def _command_line(settings: TrainSettings) -> str:
    """The equivalent `hybridnlg train` call, every option spelled out (for the model card)."""
    words = ["hybridnlg", "train"]
    for name in _cli_fields():
        value = getattr(settings, name)
        if isinstance(value, bool):
            words.append(_option_name(name) if value else f"--no-{_option_name(name)[2:]}")
        elif value is not None:
            words += [_option_name(name), ",".join(value) if isinstance(value, list) else str(value)]
    return shlex.join(words)


def _run_command(**options: Any) -> None:
    try:
        settings = TrainSettings(**{name: value for name, value in options.items() if value is not None})
    except ValidationError as error:
        raise _click_error(error) from None
    try:
        train(settings.model_copy(update={"command": _command_line(settings)}))
    except TrainConfigError as error:
        raise click.BadParameter(error.message, param_hint=_option_name(error.setting)) from error


train_command = click.Command(
    "train", callback=_run_command, params=[_cli_option(name, info) for name, info in _cli_fields().items()],
    help="Train a GPT-2 data-to-text model for the gpt2 realizer.")


if __name__ == "__main__":
    train_command()
