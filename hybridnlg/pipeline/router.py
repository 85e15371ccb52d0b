"""Routing: which realizers produce candidates for a segment, and the fallback chain after them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import EngineConfig
from ..errors import UnknownRealizerError
from ..types import Segment

AUTO = "auto"


@dataclass
class Route:
    realizers: list[str]  # all produce candidates together; the decision picks among them
    fallback: list[str] = field(default_factory=list)  # tried in order when no candidate passes

    def to_dict(self) -> dict[str, list[str]]:
        return {"realizers": self.realizers, "fallback": self.fallback}


def unknown_realizer(
    name: str, available: list[str], unavailable: Mapping[str, str] | None = None
) -> UnknownRealizerError:
    if unavailable and name in unavailable:
        return UnknownRealizerError(f"realizer '{name}' is unavailable: {unavailable[name]}")
    choices = ", ".join(sorted(set(available) | {AUTO}))
    return UnknownRealizerError(f"No realizer named '{name}'. Available: {choices}")


def resolve_routing(config: EngineConfig, classes: Mapping[str, Any]) -> EngineConfig:
    """Fill `routing.auto`, `routing.fallback` and `decision.prefer` left unset from the realizers' own
    `auto`, `safe` and `priority` declarations: the one place these defaults come from."""
    ranked = sorted(classes, key=lambda name: (classes[name].priority, name))
    safe = [n for n in ranked if classes[n].safe]
    routing = config.routing.model_copy(update={
        "default": config.routing.default or (safe[0] if safe else AUTO),
        "auto": config.routing.auto if config.routing.auto is not None else [n for n in ranked if classes[n].auto],
        "fallback": config.routing.fallback if config.routing.fallback is not None else safe,
    })
    prefer = config.decision.prefer if config.decision.prefer is not None else ranked
    decision = config.decision.model_copy(update={"prefer": prefer})
    return config.model_copy(update={"routing": routing, "decision": decision})


def default_route(segment: Segment, available: list[str], config: EngineConfig) -> Route:
    """auto -> the `routing.auto` realizers side by side; anything else -> it; then the segment's or the default
    fallback chain."""
    spec_id = segment.parts[0].spec_id if segment.parts else segment.spec_id
    spec = next((s for s in config.segments if s.id == spec_id), None)
    chain = spec.fallback if spec is not None and spec.fallback is not None else config.routing.fallback or []
    wanted = segment.realizer
    if wanted == AUTO:
        realizers = [name for name in config.routing.auto or [] if name in available]
    elif wanted in available:
        realizers = [wanted]
    else:
        raise unknown_realizer(wanted, available)
    return Route(realizers=realizers, fallback=[f for f in chain if f not in realizers and f in available])
