"""The built-in planner, aggregation, routing policy and assembler, registered as an ordinary plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .pipeline.aggregate import aggregate
from .pipeline.assembler import assemble
from .hookspecs import hookimpl
from .pipeline.router import Route, default_route

if TYPE_CHECKING:
    from .config import EngineConfig
    from .engine import Engine
    from .pipeline.plan import Plan
    from .pipeline.report import SegmentResult
    from .types import Segment


@hookimpl(trylast=True)
def plan_content(record: dict[str, Any], index: int, config: EngineConfig, engine: Engine) -> Plan:
    return engine.planner.plan(record, index)


@hookimpl
def refine_plan(plan: Plan, engine: Engine) -> Plan:
    return aggregate(plan)


@hookimpl(trylast=True)
def select_realizer(segment: Segment, available: list[str], engine: Engine) -> Route:
    return default_route(segment, available, engine.fallback_for(segment))


@hookimpl(trylast=True)
def assemble_document(plan: Plan, results: list[SegmentResult], engine: Engine) -> dict[str, str]:
    return assemble(plan, results)
