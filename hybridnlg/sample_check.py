"""`hybridnlg check --record SAMPLE.json`: what a sample record lacks that the config expects, said before rendering."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from .errors import HybridNLGError
from .paths import PathError, resolve, split_path

if TYPE_CHECKING:
    from .config import SegmentSpec
    from .engine import Engine


def _contexts(spec: SegmentSpec, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The variables a segment's facts resolve against: the record, or the record with each `foreach` item."""
    if spec.foreach is None:
        return [record]
    try:
        items = resolve(record, spec.foreach)
    except PathError:
        return []
    return [{**record, spec.as_: item} for item in items] if isinstance(items, list) else []


def _fact_problems(engine: Engine, record: dict[str, Any]) -> list[str]:
    problems = []
    for i, spec in enumerate(engine.config.segments):
        where = f"segments[{i}] (id={spec.id})"
        contexts = _contexts(spec, record)
        if spec.foreach is not None and not contexts:
            problems.append(f"{where}.foreach: '{spec.foreach}' is not a list in the sample")
            continue
        for name, path in spec.fact_paths().items():
            if name in spec.compute:
                continue
            lacks = {gap for context in contexts if (gap := _missing(context, path)) is not None}
            for field, known in sorted(lacks):
                close = difflib.get_close_matches(field, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(f"{where}.facts: '{path}' has no field '{field}' in the sample{hint}")
    return problems


def _missing(context: dict[str, Any], path: str) -> tuple[str, tuple[str, ...]] | None:
    """The first step of `path` the context lacks, with the fields that were there instead; None when it resolves."""
    node: Any = context
    for step in split_path(path):
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            known = tuple(sorted(str(k) for k in node)) if isinstance(node, dict) else ()
            return str(step), known
    return None


def check_sample(engine: Engine, record: Any, source: str) -> list[str]:
    """Fact paths the sample lacks (with the closest field name), then what rendering it strictly reports:
    template fields it lacks, segments that would be left out, flagged or dropped."""
    if not isinstance(record, dict):
        return [f"{source}: a record must be a JSON object, got {type(record).__name__}"]
    problems = [f"{source}: {p}" for p in _fact_problems(engine, record)]
    try:
        engine.render(record, strict=True)
    except HybridNLGError as exc:
        problems.append(f"{source}: rendering it: {exc}")
    return problems
