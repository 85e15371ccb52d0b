"""Batch rendering of JSONL: one output line per input line, written to a temporary file and renamed when done."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .engine import error_record

if TYPE_CHECKING:
    from .engine import Engine
    from .report import Report


def result_line(report: Report, fmt: str | None, trace: bool) -> dict[str, Any]:
    line: dict[str, Any] = {"index": report.record_index, "text": report.text if fmt != "json" else report.plain_text}
    if trace or fmt == "json":
        line["segments"] = report.to_dict()["segments"]
    return line


def render_lines(
    engine: Engine, rows: Iterable[tuple[int, Any]], *, fmt: str | None, realizer: str | None, window: int, trace: bool
) -> Iterator[dict[str, Any]]:
    """Output dicts in input order; unreadable lines and bad records become error records."""
    rows = iter(rows)
    while chunk := list(islice(rows, window)):
        good = [(i, rec) for i, rec in chunk if not isinstance(rec, Exception)]
        outcomes = dict(zip((i for i, _ in good), engine.pipeline.run(good, format=fmt, forced=realizer)))
        for i, rec in chunk:
            outcome = rec if isinstance(rec, Exception) else outcomes[i]
            yield error_record(i, outcome) if isinstance(outcome, Exception) else result_line(outcome, fmt, trace)


def run_batch(
    engine: Engine,
    rows: Iterable[tuple[int, Any]],
    out: Path,
    *,
    fmt: str | None = None,
    realizer: str | None = None,
    window: int = 64,
    trace: bool = False,
) -> dict[str, int]:
    counts = {"ok": 0, "errors": 0}
    partial = out.with_name(out.name + ".partial")
    columns = (TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with open(partial, "w", encoding="utf-8") as handle, Progress(*columns, transient=True) as progress:
        task = progress.add_task("records", total=None)
        for line in render_lines(engine, rows, fmt=fmt, realizer=realizer, window=window, trace=trace):
            counts["errors" if "error" in line else "ok"] += 1
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            progress.advance(task)
    os.replace(partial, out)
    return counts
