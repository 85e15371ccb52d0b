"""Running the batch pipeline on Ray Data: one engine (and one model) per actor, output in input order.

    hybridnlg batch CONFIG IN.jsonl --out OUT.jsonl --engine ray --workers 4 [--ray-address auto] [--num-gpus 1]

Locally it starts a Ray instance with `workers` CPUs; `--ray-address auto` (or `ray://head:10001`) joins a cluster
started with `ray start --head` / a Ray cluster launcher, where each actor gets `--num-gpus` GPUs for GPT-2.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .batch import RenderOptions, Row, parse_line, render_chunk


class RenderActor:
    """A Ray actor: builds its engine once, then renders whole batches of (index, raw line) rows.

    The trust options come from the driver, explicitly: an actor on a cluster does not see the driver's environment
    (--trusted, --allow-plugin-files), and the cluster's own environment must not widen them."""

    def __init__(self, config: str, options: RenderOptions, allow_plugin_files: bool = False,
                 trusted: bool = False) -> None:
        from ..engine import Engine

        self.engine = Engine.from_config(config, allow_plugin_files=allow_plugin_files, trusted=trusted)
        self.options = options

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        rows: list[Row] = [(int(i), parse_line(bytes(raw), int(i), str(path)))
                           for i, raw, path in zip(batch["index"], batch["raw"], batch["path"], strict=True)]
        lines = render_chunk(self.engine, rows, self.options)
        return {"index": [line["index"] for line in lines], "failed": ["error" in line for line in lines],
                "json": [json.dumps(line, ensure_ascii=False) for line in lines]}


def _rows(source: Path) -> Iterable[dict[str, Any]]:
    if source.suffix == ".parquet":
        import pyarrow.parquet as pq

        for i, record in enumerate(pq.read_table(source).to_pylist()):
            yield {"index": i, "raw": json.dumps(record, ensure_ascii=False, default=str).encode(), "path": str(source)}
        return
    with open(source, "rb") as handle:
        for i, raw in enumerate(handle):
            yield {"index": i, "raw": raw, "path": str(source)}  # parsed by the actors, errors included


def run_ray(
    config: str,
    source: str | Path,
    out: str | Path,
    options: RenderOptions | None = None,
    *,
    workers: int = 2,
    window: int = 64,
    num_gpus: float = 0,
    address: str | None = None,
    allow_plugin_files: bool = False,
    trusted: bool = False,
) -> dict[str, int]:
    """Render a JSONL or Parquet file on Ray Data; writes JSONL (or Parquet for a .parquet `out`) atomically.

    Ray is shut down afterwards when this call started it; a Ray session the caller started is left running."""
    import ray

    if ray.is_initialized():
        return _run(config, source, out, options, workers, window, num_gpus, allow_plugin_files, trusted)
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        return _run(config, source, out, options, workers, window, num_gpus, allow_plugin_files, trusted)
    finally:
        ray.shutdown()


def _run(config: str, source: str | Path, out: str | Path, options: RenderOptions | None, workers: int, window: int,
         num_gpus: float, allow_plugin_files: bool, trusted: bool) -> dict[str, int]:
    import ray

    options = options or RenderOptions()
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    dataset = ray.data.from_items(list(_rows(Path(source))))
    rendered = dataset.map_batches(
        RenderActor,
        fn_constructor_args=(str(Path(config).resolve()), options, allow_plugin_files, trusted),
        batch_size=window,
        concurrency=workers,
        num_gpus=num_gpus or None,
        num_cpus=1,
    )
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    counts = {"ok": 0, "errors": 0, "skipped": 0}
    rows = sorted(rendered.iter_rows(), key=lambda row: row["index"])  # preserve_order holds; this makes it explicit
    lines = [(row["index"], row["json"]) for row in rows]
    counts["errors"] = sum(bool(row["failed"]) for row in rows)
    counts["ok"] = len(rows) - counts["errors"]
    if out.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"index": [i for i, _ in lines], "json": [j for _, j in lines]}), partial)
    else:
        with open(partial, "w", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for _, line in lines)
    os.replace(partial, out)
    return counts
