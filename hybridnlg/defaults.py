"""The built-in planner, aggregation, routing policy and assembler, registered as an ordinary plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from .context import Context
from .expressions import Expressions
from .hookspecs import hookimpl
from .pipeline.aggregate import aggregate
from .pipeline.assembler import assemble
from .pipeline.planner import Planner
from .pipeline.router import Route, default_route

if TYPE_CHECKING:
    from .pipeline.plan import Plan
    from .pipeline.report import SegmentResult
    from .types import Segment

_planners: WeakKeyDictionary[Context, Planner] = WeakKeyDictionary()  # one per engine: expressions compile once


def _planner(context: Context) -> Planner:
    planner = _planners.get(context)
    if planner is None:
        planner = _planners.setdefault(context, Planner(context.config, Expressions()))
    return planner


@hookimpl(trylast=True)
def plan_content(record: dict[str, Any], index: int, context: Context) -> Plan:
    return _planner(context).plan(record, index)


@hookimpl
def refine_plan(plan: Plan) -> Plan:
    return aggregate(plan)


@hookimpl(trylast=True)
def select_realizer(segment: Segment, available: list[str], context: Context) -> Route:
    return default_route(segment, available, context.config)


@hookimpl(trylast=True)
def assemble_document(plan: Plan, results: list[SegmentResult]) -> dict[str, str]:
    return assemble(plan, results)
