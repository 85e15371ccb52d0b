"""Routing: which realizers produce candidates for a segment, and the fallback chain after them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UnknownRealizerError
from ..types import Segment

AUTO = "auto"
TEMPLATE = "template"
NEURAL = "gpt2"


@dataclass
class Route:
    realizers: list[str]  # all produce candidates together; the decision picks among them
    fallback: list[str] = field(default_factory=list)  # tried in order when no candidate passes

    def to_dict(self) -> dict[str, list[str]]:
        return {"realizers": self.realizers, "fallback": self.fallback}


def unknown_realizer(name: str, available: list[str]) -> UnknownRealizerError:
    choices = ", ".join(sorted(set(available) | {AUTO}))
    return UnknownRealizerError(f"No realizer named '{name}'. Available: {choices}")


def default_route(segment: Segment, available: list[str], fallback: list[str] | None) -> Route:
    """template -> template; auto -> gpt2 + template side by side; anything else -> it, then template."""
    wanted = segment.realizer
    if wanted == AUTO:
        realizers = [name for name in (NEURAL, TEMPLATE) if name in available]
        return Route(realizers=realizers, fallback=[f for f in (fallback or []) if f not in realizers])
    if wanted not in available:
        raise unknown_realizer(wanted, available)
    chain = fallback if fallback is not None else ([TEMPLATE] if wanted != TEMPLATE else [])
    return Route(realizers=[wanted], fallback=[f for f in chain if f != wanted])
