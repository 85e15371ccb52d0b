"""Loading a fidelity checkpoint (one copy per process and device) and classifying queries in batches."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hybridnlg import Context

from .facts import LABELS, FactItem
from .joint import FORMAT as JOINT_FORMAT
from .joint import Verdicts
from .joint import classify as classify_joint

CHECKPOINTS = Path(__file__).parent / "checkpoints"
META_FILE = "fidelity_meta.json"


@dataclass(frozen=True)
class FidelityModel:
    model: Any
    tokenizer: Any
    labels: tuple[str, ...]
    max_length: int
    source: str
    device: str
    joint: bool = False  # one pass per text (token classifier) rather than one per fact

    def verdicts(self, questions: list[tuple[list[FactItem], str]], batch_size: int = 64) -> list[Verdicts]:
        """Single-pass checkpoints: label probabilities for every fact of every (facts, text) question."""
        return classify_joint(self.model, self.tokenizer, questions, self.max_length, self.device, batch_size)

    def classify(self, queries: list[str], batch_size: int = 64) -> list[list[float]]:
        """Label probabilities per query (in `labels` order), longest queries batched together."""
        import torch

        order = sorted(range(len(queries)), key=lambda i: len(queries[i]))
        out: list[list[float]] = [[] for _ in queries]
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start:start + batch_size]
                encoded = self.tokenizer([queries[i] for i in chunk], padding=True, truncation=True,
                                         max_length=self.max_length, return_tensors="pt").to(self.device)
                logits = self.model(**encoded).logits.float()
                for i, row in zip(chunk, torch.softmax(logits, dim=-1).tolist(), strict=True):
                    out[i] = row
        return out


_cache: dict[tuple[str, str, bool], FidelityModel] = {}
_lock = threading.Lock()


def short_names() -> dict[str, Path]:
    if not CHECKPOINTS.is_dir():
        return {}
    return {p.name: p for p in sorted(CHECKPOINTS.iterdir()) if (p / META_FILE).is_file()}


def resolve(name: str, context: Context) -> str:
    """A shipped checkpoint by short name, a folder of the config (confined unless trusted), or a hub id."""
    shipped = short_names()
    if name in shipped:
        return str(shipped[name])
    folder = Path(name).expanduser()
    if folder.is_absolute() or name.startswith(".") or (context.config_dir / folder).exists():
        return str(context.resolve(name, "validators.fidelity.model"))
    if len(name.split("/")) == 2:
        return name  # a hub id; nothing is downloaded when HF_HUB_OFFLINE is set or local_files_only
    known = ", ".join(shipped) or "none shipped"
    raise FileNotFoundError(f"no fidelity model {name!r}: not a shipped name ({known}), a folder or a hub id")


def pick_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load(source: str, device: str = "auto", local_files_only: bool = True, int8: bool = False) -> FidelityModel:
    """The model (one copy per process, device and dtype); `int8`: dynamically quantised, on the CPU only."""
    device = pick_device(device)
    int8 = int8 and device == "cpu"
    key = (source, device, int8)
    with _lock:
        if key in _cache:
            return _cache[key]
        import torch
        from transformers import AutoTokenizer, GPT2ForSequenceClassification, GPT2ForTokenClassification
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a "Loading weights" bar per render
        meta = _meta(Path(source))
        joint = meta.get("format") == JOINT_FORMAT
        kind = GPT2ForTokenClassification if joint else GPT2ForSequenceClassification
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_files_only)
            dtype = torch.float16 if device == "cuda" else torch.float32
            model = kind.from_pretrained(source, dtype=dtype, local_files_only=local_files_only)
        finally:
            if bars:
                hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
        model.to(device).eval()  # type: ignore[arg-type]
        if int8:
            from hybridnlg_gpt2.quantize import quantize_int8

            model = quantize_int8(model)
        tokenizer.padding_side = "right"
        loaded = FidelityModel(model, tokenizer, tuple(meta.get("labels", LABELS)), int(meta.get("max_length", 256)),
                               source, device, joint)
        _cache[key] = loaded
        return loaded


def _meta(folder: Path) -> dict[str, Any]:
    path = folder / META_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
