"""Aggregation: adjacent segments about the same subject (the same entity: same kind and same value) merge into one
segment with all their facts; `foreach` items, whose facts share names, keep them apart by segment id."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..types import Fact, Segment
from .plan import Plan


def _mergeable(a: Segment, b: Segment) -> bool:
    return (
        a.aggregate
        and b.aggregate
        and a.subject is not None
        and a.subject == b.subject
        and a.subject_value == b.subject_value
        and a.section == b.section
        and a.paragraph == b.paragraph
        and a.realizer == b.realizer
        and a.record_index == b.record_index
    )


def _merge(group: list[Segment]) -> Segment:
    if len(group) == 1:
        return group[0]
    first = group[0]
    names = [name for seg in group for name in seg.facts]
    shared = {name for name in names if names.count(name) > 1}
    facts: dict[str, Fact] = {}
    for seg in group:
        for name, fact in seg.facts.items():
            key = f"{seg.id}.{name}" if name in shared else name
            facts[key] = replace(fact, name=key) if name in shared else fact
    context = {k: v for seg in reversed(group) for k, v in seg.context.items()}
    context["ref"] = first.context.get("ref")
    merged_id = "+".join(seg.id for seg in group)
    options: dict[str, dict[str, Any]] = {}
    for seg in reversed(group):
        for realizer, opts in seg.options.items():
            options.setdefault(realizer, {}).update(opts)
    return Segment(
        id=merged_id,
        spec_id=merged_id,
        record_index=first.record_index,
        facts=facts,
        context=context,
        template=None,
        realizer=first.realizer,
        options=options,
        section=first.section,
        paragraph=first.paragraph,
        subject=first.subject,
        subject_value=first.subject_value,
        aggregate=True,
        parts=list(group),
        notes=[f"aggregated {len(group)} segments about {first.subject} {first.subject_value!r}: "
               f"{', '.join(s.id for s in group)}"],
    )


def aggregate(plan: Plan) -> Plan:
    merged: list[Segment] = []
    group: list[Segment] = []
    for seg in plan.segments:
        if group and all(_mergeable(other, seg) for other in group):
            group.append(seg)
            continue
        if group:
            merged.append(_merge(group))
        group = [seg]
    if group:
        merged.append(_merge(group))
    return plan.with_segments(merged)
