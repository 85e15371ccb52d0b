"""Warm-up before a server says it is ready: load every realizer and validator the config uses (timed) and render a
sample record once, so the first real request does not pay for model loading or first-call costs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import Engine


@dataclass
class Readiness:
    """What /health/ready answers: `ready` once warm-up ended; its load times and any problem it met."""

    state: str = "loading"  # loading | ready
    load_seconds: dict[str, float] = field(default_factory=dict)  # "realizer:gpt2" -> seconds
    warmup_seconds: float | None = None
    sample: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.state, "load_seconds": self.load_seconds, "warmup_seconds": self.warmup_seconds,
                "sample_record": self.sample, "problems": self.problems}


def default_sample(engine: Engine, given: str | None) -> Path | None:
    """The record rendered at warm-up: the one given, else `record.json` beside a config file (shipped packs have
    one), else none."""
    if given is not None:
        return Path(given)
    if engine.source == "<config>":
        return None
    sample = engine.config_dir / "record.json"
    return sample if sample.is_file() else None


def warm_up(engine: Engine, sample: Path | None, readiness: Readiness) -> Readiness:
    """Fill `readiness` (load times, problems) and mark it ready. A component that fails to load is a problem, not
    a stop: the engine falls back past it at render time, as it would have done on the first request."""
    began = time.perf_counter()
    parts: list[tuple[str, str, Callable[[str], object]]] = [
        ("realizer", name, engine.get_realizer) for name in sorted(engine.used_realizers())]
    parts += [("validator", name, engine.get_validator) for name in sorted(engine.validators)]
    for kind, name, load in parts:
        started = time.perf_counter()
        try:
            load(name)
        except Exception as exc:  # noqa: BLE001 - reported on /health/ready; rendering falls back past it
            readiness.problems.append(f"{kind} {name}: {type(exc).__name__}: {exc}")
            continue
        readiness.load_seconds[f"{kind}:{name}"] = round(time.perf_counter() - started, 3)
    if sample is not None:
        readiness.sample = str(sample)
        try:
            record = json.loads(sample.read_text(encoding="utf-8"))
            outcome = engine.run_window([(0, record)])[0]
            if isinstance(outcome, Exception):
                raise outcome
        except Exception as exc:  # noqa: BLE001 - the sample is a convenience; its failure is reported
            readiness.problems.append(f"sample record {sample}: {type(exc).__name__}: {exc}")
    readiness.warmup_seconds = round(time.perf_counter() - began, 3)
    readiness.state = "ready"
    return readiness
