"""The built-in content planner: selection (`when`), repetition (`foreach`), computed facts, referring expressions."""

from __future__ import annotations

from typing import Any

from ..compute import ComputeError, compute
from ..config import EngineConfig, SegmentSpec
from ..errors import DataError
from ..expressions import Expressions
from ..paths import PathError, qualify, resolve
from ..types import Fact, Segment
from .plan import Plan
from .router import AUTO


def _items(spec: SegmentSpec, record: dict[str, Any], index: int) -> list[tuple[str, dict[str, Any]]]:
    """(segment id, context) for each instance of the spec: one, or one per list item with `foreach`."""
    if spec.foreach is None:
        return [(spec.id, dict(record))]
    try:
        items = resolve(record, spec.foreach)
    except PathError:
        return []  # like an absent fact: nothing to repeat over
    if items is None:
        return []
    if not isinstance(items, list):
        raise DataError(
            f"`foreach: {spec.foreach}` must name a list, got {type(items).__name__}",
            record=index,
            field=spec.foreach,
            segment=spec.id,
        )
    return [
        (f"{spec.id}[{i}]", {**record, spec.as_: item, "loop_index": i, "loop_length": len(items)})
        for i, item in enumerate(items)
    ]


def _computed(spec: SegmentSpec, context: dict[str, Any], index: int, seg_id: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, comp in spec.compute.items():
        try:
            operands = [resolve(context, path) for path in comp.of]
            values[name] = compute(comp, operands)
        except PathError as exc:
            raise DataError(f"computed fact '{name}': {exc}", record=index, field=exc.missing, segment=seg_id) from None
        except ComputeError as exc:
            raise DataError(f"computed fact '{name}': {exc}", record=index, field=exc.path, segment=seg_id) from None
    return values


def _facts(spec: SegmentSpec, context: dict[str, Any], prefix: str | None) -> dict[str, Fact]:
    """Facts present in the data; absent or null ones, and empty lists and objects, are left out (the template
    decides what to say)."""
    facts: dict[str, Fact] = {}
    for name, path in spec.fact_paths().items():
        try:
            value = resolve(context, path)
        except PathError:
            continue
        if value is None or (isinstance(value, (list, dict)) and not value):
            continue
        data_path = qualify(path, spec.as_, prefix) if prefix else path
        facts[name] = Fact(name, value, data_path, verbatim=name in spec.verbatim)
    return facts


class Planner:
    def __init__(self, config: EngineConfig, expressions: Expressions) -> None:
        self.config = config
        self.expressions = expressions

    def plan(self, record: dict[str, Any], index: int) -> Plan:
        if not isinstance(record, dict):
            raise DataError(f"a record must be a JSON object, got {type(record).__name__}", record=index)
        segments: list[Segment] = []
        left_out: list[str] = []
        for spec in self.config.segments:
            items = _items(spec, record, index)
            if not items:  # a `foreach` over an absent or empty list: nothing to say, and the report says so
                left_out.append(f"{spec.id} (`foreach: {spec.foreach}` is absent or empty)")
            for seg_id, context in items:
                if spec.when and not self.expressions.evaluate(
                    spec.when, context, where=f"record {index}, segment '{seg_id}', `when`"
                ):
                    continue
                context.update(_computed(spec, context, index, seg_id))
                prefix = seg_id.replace(spec.id, spec.foreach, 1) if spec.foreach else None
                facts = _facts(spec, context, prefix)
                if spec.fact_paths() and not facts:  # none of its facts are in this record: nothing to say
                    left_out.append(f"{seg_id} (none of {', '.join(spec.fact_paths().values())})")
                    continue
                segments.append(
                    Segment(
                        id=seg_id,
                        spec_id=spec.id,
                        record_index=index,
                        facts=facts,
                        context=context,
                        template=spec.template,
                        realizer=spec.realizer or self.config.routing.default or AUTO,
                        options=spec.options,
                        section=spec.section,
                        paragraph=spec.paragraph,
                        subject=spec.subject,
                        aggregate=spec.aggregate,
                    )
                )
        self._order_by_section(segments)
        self._refer(segments, index)
        return Plan(
            record_index=index,
            record=record,
            segments=segments,
            title=self._title(record, index),
            section_titles=self._section_titles(record, index),
            left_out=left_out,
        )

    def _order_by_section(self, segments: list[Segment]) -> None:
        order = {section.id: i for i, section in enumerate(self.config.document.sections)}
        segments.sort(key=lambda seg: order.get(seg.section or "", len(order)))  # stable: config order within

    def _refer(self, segments: list[Segment], index: int) -> None:
        """Full name on first mention (and first mention in each section); short form after, or the pronoun when
        the entity was also the last one referred to (a pronoun after another entity would point at that one).
        Entities are told apart by value: two segments about different airports are two entities."""
        mentioned: set[tuple[str, str, str | None]] = set()
        last: dict[str | None, tuple[str, str]] = {}  # section -> the entity last referred to there
        for seg in segments:
            if not seg.subject:
                continue
            entity = self.config.entities[seg.subject]
            where = f"record {index}, segment '{seg.id}', entity '{seg.subject}'"
            full = self.expressions.render("{{ " + entity.name + " }}", seg.context, where=where)
            seg.subject_value = full
            key = (seg.subject, full, seg.section)
            if key in mentioned:
                if entity.short:
                    later = self.expressions.render("{{ " + entity.short + " }}", seg.context, where=where)
                    why = "mentioned before"
                elif last.get(seg.section) == (seg.subject, full):
                    later, why = entity.pronoun or full, "mentioned just before"
                else:
                    later, why = full, "another entity was mentioned since"
                seg.context["ref"] = later
                seg.notes.append(f"refers to {seg.subject} as '{later}' ({why})")
            else:
                seg.context["ref"] = full
                seg.notes.append(f"refers to {seg.subject} by full name '{full}' (first mention)")
                mentioned.add(key)
            last[seg.section] = (seg.subject, full)
            seg.context["ref_full"] = full

    def _title(self, record: dict[str, Any], index: int) -> str | None:
        source = self.config.document.title
        return self.expressions.render(source, record, where=f"record {index}, document title") if source else None

    def _section_titles(self, record: dict[str, Any], index: int) -> dict[str, str | None]:
        return {
            s.id: self.expressions.render(s.title, record, where=f"record {index}, section '{s.id}' title")
            if s.title
            else None
            for s in self.config.document.sections
        }
