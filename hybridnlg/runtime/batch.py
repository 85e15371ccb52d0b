"""Batch rendering of JSONL: streamed, one output line per input line, atomic, resumable, optionally in processes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import HybridNLGError
from ..pipeline.report import error_record

if TYPE_CHECKING:
    from ..engine import Engine

Row = tuple[int, Any]  # (input line index, record or the exception that made the line unreadable)


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse_line(raw: bytes, index: int, path: str) -> Any:
    """A record, or the HybridNLGError that makes this line an error record (`path:line:col: ...`)."""
    where = f"{path}:{index + 1}"
    try:
        record = json.loads(raw.decode("utf-8"))
        if _SURROGATE_ESCAPE.search(raw):  # a pair is fine; a lone one cannot be written back out as UTF-8
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        return record
    except UnicodeEncodeError as exc:
        return HybridNLGError(f"{where}: a \\u escape makes a lone surrogate ({exc.object[exc.start]!r}), which is "
                              "not a character; fix the escape (surrogates come in pairs) or remove it")
    except UnicodeDecodeError as exc:
        return HybridNLGError(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start})")
    except json.JSONDecodeError as exc:
        return HybridNLGError(f"{where}:{exc.colno}: invalid JSON: {exc.msg}")
    except RecursionError:
        return HybridNLGError(f"{where}: JSON too deeply nested to read")


MAX_LINE_BYTES = 1_000_000


def read_jsonl(path: str | Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Row]:
    """Stream (line index, record or error) without holding the file in memory; a line over `max_line_bytes` is
    an error record, skipped without being read into memory whole."""
    with open(path, "rb") as handle:
        i = 0
        while raw := handle.readline(max_line_bytes + 1):
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                while (rest := handle.readline(max_line_bytes)) and not rest.endswith(b"\n"):
                    pass
                yield i, HybridNLGError(f"{path}:{i + 1}: the line is over {max_line_bytes:,} bytes; split the record "
                                        "or shorten its longest values")
            else:
                yield i, parse_line(raw, i, str(path))
            i += 1


@dataclass(frozen=True)
class RenderOptions:
    """How a batch renders each record: output format, a forced realizer, the trace in each line, strictness."""

    format: str | None = None
    realizer: str | None = None
    trace: bool = False
    strict: bool | None = None


def render_chunk(engine: Engine, chunk: list[Row], options: RenderOptions) -> list[dict[str, Any]]:
    good = [(i, rec) for i, rec in chunk if not isinstance(rec, Exception)]
    rendered = engine.run_window(good, format=options.format, realizer=options.realizer, strict=options.strict)
    outcomes = dict(zip((i for i, _ in good), rendered, strict=True))
    lines = []
    for i, rec in chunk:
        outcome = rec if isinstance(rec, Exception) else outcomes[i]
        lines.append(error_record(i, outcome) if isinstance(outcome, Exception) else outcome.to_output(options.trace))
    return lines


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


# Each worker process builds its own engine once (initializer) and renders whole windows.
_worker_engine: Engine | None = None


def _die_with_parent() -> None:
    """Linux: the kernel sends this process SIGTERM when its parent dies (even by kill -9), so no worker outlives
    the batch. Elsewhere a no-op: the pool's own shutdown is all there is."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before the call: nobody would signal us
        os._exit(1)


def _init_worker(config: str) -> None:
    global _worker_engine
    _die_with_parent()
    from ..engine import Engine

    _worker_engine = Engine.from_config(config)


def _work(args: tuple[list[Row], RenderOptions]) -> list[dict[str, Any]]:
    assert _worker_engine is not None
    chunk, options = args
    return render_chunk(_worker_engine, chunk, options)


def render_lines(
    engine: Engine | None,
    rows: Iterable[Row],
    options: RenderOptions = RenderOptions(),
    *,
    window: int = 64,
    workers: int = 1,
    config: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Output dicts in input order. With workers > 1, windows render in `workers` processes built from `config`."""
    if workers <= 1:
        assert engine is not None
        for chunk in _chunks(rows, window):
            yield from render_chunk(engine, chunk, options)
        return
    if config is None:
        raise ValueError("workers > 1 needs the config path so each process can build its engine")
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(config,)) as pool:
        jobs = ((chunk, options) for chunk in _chunks(rows, window))
        # map keeps input order; it reads ahead only as far as the pool needs
        for lines in pool.map(_work, jobs):
            yield from lines


def check_output(source: Path, out: Path) -> None:
    """Refuse outputs that would destroy something: the input itself, anything but a regular file, or a folder that
    is not there (the rename at the end would fail only after all the work)."""
    target = out.resolve()
    if target == source.resolve():
        raise HybridNLGError(f"--out {out} is the input file; write the results to another file")
    if target.exists() and not target.is_file():
        raise HybridNLGError(f"--out {out} exists and is not a regular file; give the path of a file")
    if not target.parent.is_dir():
        raise HybridNLGError(f"--out {out}: the folder {target.parent} does not exist; create it first")


def fingerprint(data: Path, config: str | None, **options: object) -> str:
    """What the lines of a .partial depend on: the input (size and modification time), the config's text and the
    options that change the output. `--resume` refuses a .partial written for another fingerprint."""
    digest = hashlib.sha256()
    stat = data.stat()
    digest.update(f"{data.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    if config is not None:
        digest.update(Path(config).read_bytes())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def _check_resume(partial: Path, stamp: Path, expected: str | None) -> None:
    if expected is None or not partial.exists():
        return
    found = stamp.read_text(encoding="utf-8").strip() if stamp.exists() else "(none)"
    if found != expected:
        raise HybridNLGError(f"--resume: {partial} was written for another input, config or options; delete it to "
                             "start again, or rerun with what produced it")


def _completed_lines(partial: Path) -> int:
    """Count whole lines of an interrupted run, cutting off a half-written last line."""
    if not partial.exists():
        return 0
    data = partial.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep != len(data):
        with open(partial, "r+b") as handle:
            handle.truncate(keep)
    return data[:keep].count(b"\n")


def run_batch(
    engine: Engine | None,
    rows: Iterable[Row],
    out: Path,
    options: RenderOptions = RenderOptions(),
    *,
    window: int = 64,
    resume: bool = False,
    workers: int = 1,
    config: str | None = None,
    stamp: str | None = None,
) -> dict[str, int]:
    """Write `out` via `out.partial`, renamed only when every line is written; `resume` continues a partial run.

    `stamp` (see `fingerprint`) is kept beside the .partial, and `resume` refuses a .partial with another one. An
    I/O error (disk full, permissions) is a HybridNLGError naming the file; the .partial keeps the lines written so
    far for `resume`."""
    counts = {"ok": 0, "errors": 0, "skipped": 0, "flagged": 0, "dropped": 0, "left_out": 0}
    partial = out.with_name(out.name + ".partial")
    stamp_file = out.with_name(out.name + ".partial.fingerprint")
    try:
        if resume:
            _check_resume(partial, stamp_file, stamp)
        if stamp is not None:
            stamp_file.write_text(stamp + "\n", encoding="utf-8")
        done = _completed_lines(partial) if resume else 0
        counts["skipped"] = done
        rows = islice(rows, done, None)
        columns = (TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with (
            open(partial, "a" if done else "w", encoding="utf-8") as handle,
            Progress(*columns, transient=True) as progress,
        ):
            task = progress.add_task("records", total=None, completed=done)
            lines = render_lines(engine, rows, options, window=window, workers=workers, config=config)
            for line in lines:
                counts["errors" if "error" in line else "ok"] += 1
                for key in ("flagged", "dropped", "left_out"):
                    counts[key] += len(line.get(key, ()))
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                handle.flush()
                progress.advance(task)
        os.replace(partial, out)
        stamp_file.unlink(missing_ok=True)
    except OSError as exc:  # disk full, permissions: one line naming the file; the .partial keeps what was written
        raise HybridNLGError(f"{exc.filename or partial}: {exc.strerror or exc}") from None
    return counts
