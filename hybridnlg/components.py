"""Base classes for realizers and validators, the two kinds of objects plugins register."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from .types import Candidate, RealizeResult, Segment, ValidationReport

if TYPE_CHECKING:
    from .engine import Engine


class ComponentConfig(BaseModel):
    """Settings of a realizer or validator; subclasses add fields. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class Component:
    """Shared shape of realizers and validators: a name, a pydantic Config, a lazy load()."""

    name: ClassVar[str] = ""
    Config: ClassVar[type[ComponentConfig]] = ComponentConfig

    def __init__(self, config: ComponentConfig, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine
        self.loaded = False

    def load(self) -> None:
        """Do heavy imports and load models here, not at import or construction time."""
        self.loaded = True

    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.load()
            self.loaded = True

    def check(self) -> list[str]:
        """Problems `hybridnlg check` should report (e.g. a model that cannot be found). Empty when fine."""
        return []

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "class": f"{type(self).__module__}.{type(self).__qualname__}"}


class Realizer(Component):
    """Turns segments into candidate texts. Receives every segment it must realize in one call."""

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        """Return, for each segment in order, a list of candidates or a Failure with the reason."""
        raise NotImplementedError


class Validator(Component):
    """Checks candidate texts against their segments. Receives every candidate in one call."""

    def validate(self, items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        """Return one report per (segment, candidate) pair, in order."""
        raise NotImplementedError
