"""Every setting of `hybridnlg train`, in one validated model shared by the library call and the command line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from hybridnlg import ConfigError

from .data import Pair

SCRATCH_SIZES: dict[str, dict[str, int]] = {
    "tiny": {"n_layer": 2, "n_embd": 64, "n_head": 2},
    "small": {"n_layer": 4, "n_embd": 256, "n_head": 4},
    "medium": {"n_layer": 6, "n_embd": 384, "n_head": 6},
}

# scratch:LAYERSxWIDTH[xHEADS], e.g. scratch:6x288x6 (heads default to the divisor of WIDTH nearest WIDTH/64).
_CUSTOM_SIZE = re.compile(r"(\d+)x(\d+)(?:x(\d+))?")

PairsSource = Path | Annotated[list[Pair], Field(min_length=1)]
"""A pairs file (E2E mr,ref CSV, CSV with data,text, or JSONL) or pairs already in memory."""

# Settings a library caller passes but the command line sets itself (or does not offer).
LIBRARY_ONLY = frozenset({"command", "quiet"})


class TrainConfigError(ConfigError):
    """A setting that only turns out wrong once the data is read; `setting` names the TrainSettings field."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting = setting
        self.message = message
        super().__init__([f"{setting}: {message}"])


class TrainSettings(BaseModel):
    """Everything `train()` needs. The single source of defaults and validation, for the library and the CLI."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pairs: PairsSource = Field(
        description="Training pairs: E2E mr,ref CSV, CSV with data,text, or JSONL {data, text}.")
    base: str = Field(
        default="scratch:small", min_length=1,
        description=f"gpt2 (hub id), a local model dir, or scratch:SIZE ({'|'.join(SCRATCH_SIZES)}, or "
                    "LAYERSxWIDTH[xHEADS] such as 6x288x6).")
    out: Path = Field(description="Output model directory.")
    format: Literal["data", "template-guided"] = Field(default="data", description="Model input format.")
    epochs: int = Field(default=10, ge=1, description="Training epochs.")
    lr: float = Field(default=1e-3, gt=0, description="Peak learning rate (AdamW, linear warm-up and decay).")
    batch_size: int = Field(default=32, ge=1, description="Pairs per optimisation step.")
    warmup: int = Field(default=500, ge=0, description="Warm-up steps.")
    lora: bool = Field(default=False, description="Train LoRA adapters (peft), merged before saving.")
    dev: Path | list[Pair] | None = Field(default=None, description="Dev pairs for loss.")
    max_minutes: float | None = Field(default=None, gt=0, description="Time budget; the LR schedule is fitted to it.")
    seed: int = Field(default=42, description="Seed of Python's and torch's random generators.")
    verbatim: list[str] | None = Field(
        default=None,
        description="Slots replaced by placeholders (comma-separated on the command line); default: string slots "
                    "with many distinct values that the texts copy verbatim (read from the data).")
    vocab_size: int = Field(default=2000, ge=1, description="BPE vocabulary (scratch only).")
    max_steps: int | None = Field(default=None, ge=1, description="Stop after this many optimisation steps.")
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads.")
    save_dtype: Literal["float16", "bfloat16", "float32"] = Field(
        default="float16", description="dtype of the saved weights.")
    max_length: int | None = Field(
        default=None, ge=2,
        description="Longest input + text, in tokens (cut to the base model's limit); default: the longest "
                    "training pair, plus room.")
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="Where to train: auto takes the GPU when there is one.")
    hold_out: list[str] = Field(
        default=[],
        description="Categories left out of training and dev (WebNLG's `category`; comma-separated), to measure "
                    "unseen domains.")
    dropout: float = Field(
        default=0.1, ge=0, lt=1, description="Dropout of residual, embedding, attention and LoRA layers.")
    weight_decay: float = Field(default=0.01, ge=0, description="AdamW weight decay.")
    grad_clip: float = Field(default=1.0, gt=0, description="Gradient norm clipping.")
    patience: int = Field(default=2, ge=1, description="Stop after this many dev evaluations without improvement.")
    dev_max: int = Field(default=2000, ge=0, description="Dev pairs sampled for the loss.")
    lora_r: int = Field(default=16, ge=1, description="LoRA rank (alpha is twice the rank).")
    log_every: int = Field(default=100, ge=1, description="Log the training loss every this many steps.")
    command: str | None = Field(default=None, description="The command line recorded in the model card.")
    quiet: bool = Field(default=False, description="No progress output.")

    @field_validator("pairs", "dev")
    @classmethod
    def _pairs_file_exists(cls, value: Path | list[Pair] | None) -> Path | list[Pair] | None:
        if isinstance(value, Path) and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("out")
    @classmethod
    def _out_is_no_file(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} is a file, not a directory")
        return value

    @field_validator("base")
    @classmethod
    def _known_scratch_size(cls, value: str) -> str:
        size = _scratch_size(value)
        if size is not None:
            scratch_architecture(size)
        return value

    @field_validator("lora")
    @classmethod
    def _lora_needs_pretrained(cls, value: bool, info: ValidationInfo) -> bool:
        if value and _scratch_size(info.data.get("base", "")) is not None:
            raise ValueError("lora adapts a pretrained model; it makes no sense with a scratch base")
        return value

    @field_validator("verbatim", "hold_out", mode="before")
    @classmethod
    def _split_verbatim(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [slot.strip() for slot in value.split(",") if slot.strip()]
        return value

    @property
    def scratch_size(self) -> str | None:
        """The size after `scratch:` when training from scratch (a SCRATCH_SIZES key or LxWxH), else None."""
        return _scratch_size(self.base)


def scratch_architecture(size: str) -> dict[str, int]:
    """GPT2Config's n_layer, n_embd and n_head of a named size or of LAYERSxWIDTH[xHEADS]; ValueError otherwise."""
    if size in SCRATCH_SIZES:
        return dict(SCRATCH_SIZES[size])
    match = _CUSTOM_SIZE.fullmatch(size)
    if match is None:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SCRATCH_SIZES)} or LAYERSxWIDTH[xHEADS] "
                         "(e.g. 6x288x6)")
    layers, width = int(match[1]), int(match[2])
    heads = int(match[3]) if match[3] else _divisor_near(max(width, 1), 64)
    if min(layers, width, heads) < 1 or width % heads:
        raise ValueError(f"size {size!r}: the width ({width}) must be a positive multiple of the heads ({heads}); "
                         f"name the heads, e.g. {layers}x{width}x{_divisor_near(width, 64)}")
    return {"n_layer": layers, "n_embd": width, "n_head": heads}


def _divisor_near(width: int, head_width: int) -> int:
    """The number of heads nearest to width/head_width that divides width."""
    return min((h for h in range(1, width + 1) if width % h == 0), key=lambda h: abs(width / h - head_width))


def _scratch_size(base: str) -> str | None:
    return (base.partition(":")[2] or "small") if base.startswith("scratch") else None
