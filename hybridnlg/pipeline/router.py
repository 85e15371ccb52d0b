"""Routing: which realizers produce candidates for a segment, and the fallback chain after them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import EngineConfig, SegmentSpec
from ..errors import UnknownRealizerError
from ..types import Fact, Segment

AUTO = "auto"

# (realizer name, segment) -> why that realizer cannot take the segment, or None (`Realizer.accepts`)
Accepts = Callable[[str, Segment], str | None]


@dataclass
class Route:
    realizers: list[str]  # all produce candidates together; the decision picks among them
    fallback: list[str] = field(default_factory=list)  # tried in order when no candidate passes
    skipped: dict[str, str] = field(default_factory=dict)  # realizer -> why `auto` left it out

    def to_dict(self) -> dict[str, Any]:
        return {"realizers": self.realizers, "fallback": self.fallback, "skipped": dict(self.skipped)}


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


def leave_out_unfit(route: Route, segment: Segment, accepts: Accepts) -> Route:
    """For a `realizer: auto` segment, drop from the route (realizers and fallback) every realizer that says it cannot
    take the segment, recording why in `skipped`; when none of the route's realizers is left, the first of the
    fallback chain takes their place. A segment that names its realizer keeps its route: the user asked for it."""
    if segment.realizer != AUTO:
        return route
    skipped = dict(route.skipped)
    for name in dict.fromkeys([*route.realizers, *route.fallback]):
        if name not in skipped and (why := accepts(name, segment)) is not None:
            skipped[name] = why
    if skipped == route.skipped:
        return route
    realizers = [name for name in route.realizers if name not in skipped]
    fallback = [name for name in route.fallback if name not in skipped]
    if not realizers and fallback:
        realizers, fallback = fallback[:1], fallback[1:]
    return Route(realizers=realizers, fallback=fallback, skipped=skipped)


def declared_segment(spec: SegmentSpec, realizer: str) -> Segment:
    """The shape a spec plans to, without a record: its declared fact names (values None) and options. What
    `check` asks `Realizer.accepts` about."""
    facts = {name: Fact(name, None, path, verbatim=name in spec.verbatim) for name, path in spec.fact_paths().items()}
    return Segment(id=spec.id, spec_id=spec.id, record_index=-1, facts=facts, context={}, template=spec.template,
                   realizer=realizer, options=spec.options, section=spec.section, paragraph=spec.paragraph,
                   subject=spec.subject, aggregate=spec.aggregate)


def unfit_notices(config: EngineConfig, available: Collection[str], accepts: Accepts, source: str) -> list[str]:
    """`check` warnings: per configured segment, each realizer its route would use that says it cannot take the
    segment's declared facts. `auto` leaves such a realizer out; a realizer the segment names is still tried."""
    notices = []
    for i, spec in enumerate(config.segments):
        wanted = spec.realizer or config.routing.default or AUTO
        names = [n for n in (config.routing.auto or [] if wanted == AUTO else [wanted]) if n in available]
        probe = declared_segment(spec, wanted)
        unfit = {name: why for name in names if (why := accepts(name, probe)) is not None}
        where = f"{source}: segments[{i}] (id={spec.id})"
        for name, why in unfit.items():
            if wanted != AUTO:
                notices.append(f"{where}.realizer: {name} is named, so it is still tried, but {why}")
                continue
            rest = [n for n in names if n not in unfit]
            instead = f"`auto` runs {', '.join(rest)} alone" if rest else "the fallback chain realizes it"
            notices.append(f"{where}: `auto` leaves out {name} ({instead}): {why}")
    return notices
