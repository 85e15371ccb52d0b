"""Base classes for realizers and validators, the two kinds of objects plugins register."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from .context import Context
from .types import Candidate, RealizeResult, Segment, ValidationReport


class ComponentConfig(BaseModel):
    """Settings of a realizer or validator; subclasses add fields. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


ConfigT = TypeVar("ConfigT", bound=ComponentConfig)


class Component(Generic[ConfigT]):
    """Shared shape of realizers and validators: a name, a pydantic Config, a lazy load() run once under a lock."""

    name: ClassVar[str] = ""
    Config: ClassVar[type[ComponentConfig]] = ComponentConfig

    def __init__(self, config: ConfigT, context: Context | None = None) -> None:
        self.config: ConfigT = config
        self.context: Context = context or Context.standalone()
        self.loaded = False
        self._load_lock = threading.Lock()

    def load(self) -> None:
        """Do heavy imports and load models here, not at import or construction time."""

    def ensure_loaded(self) -> None:
        if self.loaded:
            return
        with self._load_lock:
            if not self.loaded:
                self.load()
                self.loaded = True

    def check(self) -> list[str]:
        """Problems `hybridnlg check` should report (e.g. a model that cannot be found). Empty when fine."""
        return []


class Realizer(Component[ConfigT]):
    """Turns segments into candidate texts. Receives every segment it must realize in one call.

    Class attributes the core derives its defaults from (the config can override each):
    `auto`: takes part in `realizer: auto`; `safe`: exact, so it ends default fallback chains and is published
    flagged when nothing passes; `priority`: order in `auto` and in the decision's default preference (lower first).
    """

    auto: ClassVar[bool] = False
    safe: ClassVar[bool] = False
    priority: ClassVar[int] = 100

    def accepts(self, segment: Segment) -> str | None:
        """Why this realizer cannot take `segment` (e.g. a model trained on other facts), or None when it can.

        Called before routing, so it must be cheap and must not need `load()`. A `realizer: auto` segment leaves out
        a realizer that gives a reason (the route's `skipped` records it); a segment that names the realizer is still
        given to it. `hybridnlg check` asks with each configured segment's fact names (values None) and warns."""
        return None

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        """Return, for each segment in order, a list of candidates or a Failure with the reason."""
        raise NotImplementedError


class Validator(Component[ConfigT]):
    """Checks candidate texts against their segments. Receives every candidate in one call.

    `default`: runs when the config names no validators (a validator that needs a model trained for the domain,
    like `fidelity`, sets it False and runs only when the config names it)."""

    default: ClassVar[bool] = True

    def validate(self, items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        """Return one report per (segment, candidate) pair, in order."""
        raise NotImplementedError
