"""Finding and loading GPT-2 models: short names, local folders, hub ids; one shared copy per process."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hybridnlg import Context

from .formatting import ModelMeta
from .quantize import INT8, int8_device_error, quantize_int8

CHECKPOINTS = Path(__file__).parent / "checkpoints"


class ModelNotFoundError(Exception):
    """No model under that name; the message lists every place that was tried."""


@dataclass(frozen=True)
class LoadedModel:
    model: Any
    tokenizer: Any
    meta: ModelMeta | None
    source: str
    device: str
    dtype: str

    @property
    def context_size(self) -> int:
        config = self.model.config
        positions: int | None = getattr(config, "n_positions", None)
        fallback: int = getattr(config, "max_position_embeddings", 1024)
        return int(positions or fallback)


_cache: dict[tuple[str, str, str], LoadedModel] = {}
_cache_lock = threading.Lock()


def short_names() -> dict[str, Path]:
    """Shipped checkpoints by folder name (e.g. 'e2e-small')."""
    if not CHECKPOINTS.is_dir():
        return {}
    return {path.name: path for path in sorted(CHECKPOINTS.iterdir()) if (path / "config.json").is_file()}


def _looks_like_hub_id(name: str) -> bool:
    parts = name.split("/")
    return 1 <= len(parts) <= 2 and all(parts) and not name.startswith((".", "~")) and "\\" not in name


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def resolve(name: str, config_dir: Path | None, context: Context | None = None) -> tuple[str, list[str]]:
    """A local folder or hub id to load, and the places tried (for the error message).

    With the `context` of a config whose engine is not trusted, a local folder must lie inside the config's folder,
    symbolic links followed (`context.resolve`; ConfigError otherwise), and the working directory is not searched;
    shipped short names and hub ids are always allowed. Raises ModelNotFoundError when neither a short name, a local
    folder nor a plausible hub id matches.
    """
    tried: list[str] = []
    shipped = short_names()
    if name in shipped:
        return str(shipped[name]), tried
    tried.append(f"short names: {', '.join(shipped) or '(none shipped)'}")
    path = Path(name).expanduser()
    confined = context if context is not None and not context.trusted else None  # None: look anywhere, as named
    if context is not None:
        config_dir = context.config_dir
    if confined is not None:
        candidates = [confined.resolve(path, "model")]  # before anything outside is looked at
    else:
        candidates = [path] if path.is_absolute() else [*([config_dir / path] if config_dir else []), Path.cwd() / path]
    for candidate in candidates:
        if (candidate / "config.json").is_file():
            return str(candidate.resolve()), tried
        tried.append(f"local folder {candidate}{' (exists, but has no config.json)' if candidate.is_dir() else ''}")
    if _looks_like_hub_id(name):
        if confined is not None and Path(name).is_dir():
            # transformers would load a folder of that name in the working directory instead of the hub
            confined.resolve(Path.cwd() / name, f"model {name!r} (a folder of that name in the working directory)")
        return name, tried
    raise ModelNotFoundError(f"no model named {name!r}. Tried: " + "; ".join(tried))


def read_meta(name: str, config_dir: Path | None, context: Context | None = None) -> ModelMeta | None:
    """The meta file of the model `load_model` would load, read without loading any weights. None for a hub id
    (loading reads no meta for those either) or a folder without one; raises as `resolve` does."""
    source, _ = resolve(name, config_dir, context)
    return ModelMeta.read(Path(source)) if Path(source).is_dir() else None


def pick_device(device: str, dtype: str = "auto") -> str:
    import torch

    if dtype == INT8:  # dynamic int8 quantisation has CPU kernels only
        if problem := int8_device_error(device):
            raise ValueError(problem)
        return "cpu"
    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(dtype: str, device: str) -> str:
    import torch

    if dtype != "auto":
        return dtype
    if device == "cuda":
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    if device == "mps":
        return "float16"
    return "float32"


def load_model(name: str, config_dir: Path | None, device: str, dtype: str, local_files_only: bool,
               context: Context | None = None) -> LoadedModel:
    """Load (or reuse) a model and tokenizer; thread-safe, one copy per (source, device, dtype). A `context` confines
    local folders to its config's folder unless trusted (see `resolve`). `dtype` int8 loads float32 weights and
    quantises the linear layers dynamically (CPU only; ValueError on another device)."""
    source, tried = resolve(name, config_dir, context)
    device = pick_device(device, dtype)
    dtype = pick_dtype(dtype, device)
    key = (source, device, dtype)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        offline = local_files_only or hub_offline()
        bars = hf_logging.is_progress_bar_enabled()
        # a "Loading weights" bar on every render is noise in the CLI
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=offline)
            config = AutoConfig.from_pretrained(source, local_files_only=offline)
            if getattr(config, "activation_function", None) == "gelu_new":
                # The same tanh approximation as one fused kernel instead of several Python-level tensor ops.
                config.activation_function = "gelu_pytorch_tanh"
            model = AutoModelForCausalLM.from_pretrained(
                source, config=config, dtype=torch.float32 if dtype == INT8 else getattr(torch, dtype),
                attn_implementation="sdpa",
                local_files_only=offline)
        except (OSError, ValueError) as exc:
            where = "the local hub cache only (offline)" if offline else "the Hugging Face hub"
            tried.append(f"hub id {name!r} in {where}: {str(exc).splitlines()[0]}")
            raise ModelNotFoundError(f"no model named {name!r}. Tried: " + "; ".join(tried)) from exc
        finally:
            if bars:
                hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
        # transformers declares `to` as @wraps(torch.nn.Module.to), which mypy reads as an unbound function
        model.to(device).eval()  # type: ignore[arg-type]
        if dtype == INT8:
            model = quantize_int8(model)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"
        meta = ModelMeta.read(Path(source)) if Path(source).is_dir() else None
        loaded = LoadedModel(model, tokenizer, meta, source, device, dtype)
        _cache[key] = loaded
        return loaded
