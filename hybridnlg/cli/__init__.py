"""The `hybridnlg` command line (click + rich). Plugins add commands through `register_commands`."""

from __future__ import annotations

import atexit
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..config import OUTPUT_FORMATS
from ..errors import HybridNLGError

if TYPE_CHECKING:
    from ..engine import Engine

# emoji=False: a `:thumbs_up:` in a record's data is text, never an emoji (markup=False is passed where data is printed)
err = Console(stderr=True, soft_wrap=True, emoji=False)
out = Console(soft_wrap=True, highlight=False, emoji=False)
FORMATS = click.Choice(OUTPUT_FORMATS)


def _trust_flag(env: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    def set_env(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:  # through the environment, so batch workers and child processes get it too
            os.environ[env] = "1"

    return set_env


def trust_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--allow-plugin-files and --trusted: a config is someone else's unless you say so (the README's threat model)."""
    command = click.option("--trusted", is_flag=True, expose_value=False, is_eager=True,
                           callback=_trust_flag("HYBRIDNLG_TRUSTED_CONFIG"),
                           help="Let the config's paths (templates, lexicons, prompts, models) leave its folder.",
                           )(command)
    return click.option("--allow-plugin-files", is_flag=True, expose_value=False, is_eager=True,
                        callback=_trust_flag("HYBRIDNLG_ALLOW_PLUGIN_FILES"),
                        help="Run the Python files the config names under `plugins:`.")(command)


def _engine(config: str, seed: int | None = None, validate: str | None = None) -> Engine:
    from ..engine import Engine

    return Engine.from_config(config, seed=seed, validate=validate)


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise click.UsageError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise HybridNLGError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise HybridNLGError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise HybridNLGError(f"{path}: JSON too deeply nested to read") from None


def _write(text: str, path: str | None) -> None:
    if path is None:
        out.print(text, markup=False)
        return
    target = Path(path)
    tmp = target.with_name(target.name + ".partial")
    tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    os.replace(tmp, target)


class CLI(click.Group):
    """Prints HybridNLGError as a plain message (no traceback) and exits 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HybridNLGError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False)
            ctx.exit(1)


@click.group(cls=CLI)
@click.version_option(package_name="hybridnlg")
def cli() -> None:
    """hybridnlg: hybrid data-to-text generation with templates, GPT-2 and a fact-checking validator."""


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=FORMATS, default=None, help="Output format (default: the config's).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@click.option("--seed", type=int, default=None, help="Override the config's seed.")
@click.option("--realizer", default=None, help="Force every segment to this realizer (for comparison).")
@click.option("--strict", is_flag=True, default=None,
              help="Fail when a segment is published flagged, dropped or left out for lack of data.")
@click.option("--standalone", is_flag=True,
              help="HTML: a complete document (doctype, charset, a small stylesheet) instead of a fragment.")
@click.option("--explain", is_flag=True,
              help="HTML: add the trace view (per segment: candidates, validation issues, the decision, the facts "
                   "highlighted); implies --standalone.")
@trust_options
def render(config: str, data: str, fmt: str | None, out: str | None, seed: int | None, realizer: str | None,
           strict: bool | None, standalone: bool, explain: bool) -> None:
    """Render one JSON record."""
    engine = _engine(config, seed)
    if (standalone or explain) and (fmt or engine.config.output.format) != "html":
        raise click.UsageError("--standalone and --explain need HTML output: add --format html")
    report = engine.render(_read_json(data), format=fmt, realizer=realizer, strict=strict)
    for problem in report.problems():
        err.print(f"[yellow]![/] {escape(problem)}", highlight=False)
    if standalone or explain:
        from ..pipeline.trace_html import standalone_document, trace_view

        trace = trace_view(report.to_dict()["segments"]) if explain else None
        _write(standalone_document(report.text, report.title, trace, lang=engine.config.locale), out)
        return
    _write(report.text, out)


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Output JSONL, one line per input line.")
@click.option("--format", "fmt", type=FORMATS, default=None)
@click.option("--realizer", default=None, help="Force every segment to this realizer.")
@click.option("--window", type=int, default=64, show_default=True, help="Records batched together.")
@click.option("--trace/--no-trace", default=False, help="Include the per-segment trace in each line.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run (keeps the lines already written).")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Processes (or Ray actors), each with its own engine.")
@click.option("--engine", "runner", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="`ray`: run on Ray Data (JSONL or Parquet in and out).")
@click.option("--ray-address", default=None, help="Join this Ray cluster (e.g. `auto`) instead of starting one.")
@click.option("--num-gpus", type=float, default=0, show_default=True, help="GPUs per Ray actor (for GPT-2).")
@click.option("--strict", is_flag=True, default=None,
              help="A record fails when a segment is published flagged, dropped or left out for lack of data.")
@trust_options
def batch(config: str, data: str, out: str, fmt: str | None, realizer: str | None, window: int, trace: bool,
          resume: bool, workers: int, runner: str, ray_address: str | None, num_gpus: float,
          strict: bool | None) -> None:
    """Render a JSONL file: one output line per input line, a result or {"index", "error"}."""
    from ..runtime.batch import RenderOptions, check_output, fingerprint, read_jsonl, run_batch

    check_output(Path(data), Path(out))
    engine = _engine(config)  # also validates the config before any worker starts
    options = RenderOptions(fmt, realizer, trace, strict)
    if runner == "ray":
        from ..runtime.ray_runner import run_ray

        counts = run_ray(config, data, out, options, workers=workers, window=window, num_gpus=num_gpus,
                         address=ray_address, allow_plugin_files=engine.allow_plugin_files, trusted=engine.trusted)
        err.print(f"{counts['ok']} rendered, {counts['errors']} errors -> {out} (ray, {workers} workers)")
        return
    stamp = fingerprint(Path(data), config, fmt=fmt, realizer=realizer, trace=trace, strict=strict)
    counts = run_batch(engine, read_jsonl(data), Path(out), options, window=window, resume=resume, workers=workers,
                       config=config, stamp=stamp)
    skipped = f", {counts['skipped']} kept from the interrupted run" if counts["skipped"] else ""
    err.print(f"{counts['ok']} rendered, {counts['errors']} errors{skipped} -> {out}")
    if counts["flagged"] or counts["dropped"] or counts["left_out"]:
        err.print(f"[yellow]![/] segments published flagged: {counts['flagged']}, dropped: {counts['dropped']}, "
                  f"left out for lack of data: {counts['left_out']} (each line's flagged/dropped/left_out say "
                  "which; --strict makes them errors)", highlight=False)


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("pairs", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "target", type=click.Path(dir_okay=False), default=None,
              help="Write the JSONL here (whole, when done) instead of stdout.")
@click.option("--window", type=click.IntRange(min=1), default=64, show_default=True,
              help="Lines whose texts are validated together.")
@trust_options
def verify(config: str, pairs: str, target: str | None, window: int) -> None:
    """Check texts against their data: PAIRS.jsonl has one {"record": {...}, "text": "..."} per line; each output
    line is {"index", "passed", "issues", "facts", "validators"} or {"index", "error"}. Exit status 0 when every
    text passed, 1 when any failed or any line was an error."""
    from ..runtime.batch import check_output, read_jsonl
    from ..verify import require_validator, verify_lines

    if target is not None:
        check_output(Path(pairs), Path(target))
    engine = _engine(config)
    require_validator(engine)
    counts = {"passed": 0, "failed": 0, "errors": 0}

    def tally(lines: Iterator[dict[str, Any]]) -> Iterator[str]:
        for line in lines:
            counts["errors" if "error" in line else "passed" if line["passed"] else "failed"] += 1
            yield json.dumps(line, ensure_ascii=False)

    lines = tally(verify_lines(engine, read_jsonl(pairs), window=window, where=lambda i: f"{pairs}:{i + 1}"))
    if target is None:
        for line in lines:
            out.print(line, markup=False)
    else:
        partial = Path(target).with_name(Path(target).name + ".partial")
        try:
            with open(partial, "w", encoding="utf-8") as handle:
                handle.writelines(line + "\n" for line in lines)
            os.replace(partial, target)
        except OSError as exc:
            raise HybridNLGError(f"{exc.filename or partial}: {exc.strerror or exc}") from None
    err.print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['errors']} errors"
              + (f" -> {target}" if target else ""), markup=False, highlight=False)
    if counts["failed"] or counts["errors"]:
        sys.exit(1)


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--record", "sample", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A sample record (JSON): also report the fact names and template fields it lacks.")
@trust_options
def check(config: str, sample: str | None) -> None:
    """Validate the config, compile templates, and check plugins, realizers, models and lexicons."""
    notices: list[str] = []
    try:
        engine = _engine(config)
        problems, notices = engine.check(), engine.notices()
        if sample is not None:
            from ..sample_check import check_sample

            problems += check_sample(engine, _read_json(sample), sample)
    except HybridNLGError as exc:
        problems = str(exc).splitlines()
    for notice in notices:
        err.print(f"[yellow]![/] {escape(notice)}", highlight=False)
    for problem in problems:
        err.print(f"[red]✗[/] {escape(problem)}", highlight=False)
    if problems:
        err.print(f"{len(problems)} problem(s) in {config}")
        sys.exit(1)
    out.print(f"✓ {config} is valid")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json: bool) -> None:
    """List plugins: name, version, source, status (loaded, unavailable with the extra to install, failed),
    hooks, and what each registers."""
    from ..inventory import plugin_inventory

    rows = plugin_inventory()
    if as_json:
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    table = Table("name", "version", "source", "status", "hooks", "registers", "why")
    for row in rows:
        registers = ", ".join(f"{k}: {', '.join(v)}" for k, v in row["registers"].items() if v)
        table.add_row(row["name"], row["version"], row["source"], row["status"], ", ".join(row["hooks"]), registers,
                      escape(row["error"] or ""))
    out.print(table)


def _read_jsonl(path: str) -> list[Any]:
    from ..runtime.batch import read_jsonl

    rows = []
    for _, row in read_jsonl(path):
        if isinstance(row, Exception):
            raise row
        rows.append(row)
    return rows


@cli.command(name="eval")
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--refs", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSONL: one list of reference texts (or {\"refs\": [...]}) per data line.")
@click.option("--realizer", default=None, help="Force every segment to this realizer.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the JSON here, not to stdout.")
@click.option("--window", type=int, default=64, show_default=True)
@click.option("--validate", type=click.Choice(["lazy", "all"]), default=None,
              help="Override decision.validate (`all`: every candidate validated, for full traces).")
@trust_options
def evaluate_command(
    config: str, data: str, refs: str | None, realizer: str | None, out: str | None, window: int,
    validate: str | None,
) -> None:
    """Measure BLEU, fact error rate, fluency failures, realizer shares, fallbacks and time per record."""
    from .evaluate import evaluate

    records = _read_jsonl(data)
    references = None
    if refs:
        references = [r["refs"] if isinstance(r, dict) else r for r in _read_jsonl(refs)]
        if len(references) != len(records):
            raise click.UsageError(f"{refs} has {len(references)} lines but {data} has {len(records)}")
    metrics = evaluate(_engine(config, validate=validate), records, references, realizer=realizer, window=window)
    table = Table("metric", "value")
    for key, value in metrics.items():
        table.add_row(key, json.dumps(value, ensure_ascii=False))
    err.print(table)  # the table is for people (stderr); the JSON for programs (stdout or --out)
    _write(json.dumps(metrics, indent=2, ensure_ascii=False), out)


@cli.command()
@click.argument("domain")
@click.option("--dir", "parent", type=click.Path(file_okay=False), default=".", show_default=True)
def init(domain: str, parent: str) -> None:
    """Scaffold a template pack DOMAIN/ (config, one template per segment, a sample record)."""
    from .scaffold import scaffold

    folder = scaffold(domain, Path(parent))
    out.print(f"created {folder}/ — try:\n  hybridnlg check {folder}/config.yaml\n"
              f"  hybridnlg render {folder}/config.yaml {folder}/record.json")


def _serve_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The limits, access control and observability options of `serve` (hybridnlg/runtime/settings.py)."""
    options = [
        click.option("--api-keys-file", type=click.Path(dir_okay=False),
                     help="Bearer API keys, one per line (also: $HYBRIDNLG_API_KEYS, comma-separated). With keys, "
                          "every request but /health* and /metrics needs `Authorization: Bearer KEY`."),
        click.option("--protect-health", is_flag=True, help="/health, /health/live and /health/ready need a key too."),
        click.option("--protect-metrics", is_flag=True, help="/metrics needs a key too."),
        click.option("--max-records", type=click.IntRange(1), default=10_000, show_default=True,
                     help="Most records per /batch and items per /verify list (more: 413)."),
        click.option("--timeout-s", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
                     help="A /render, /batch or /verify request unanswered after this gets 504."),
        click.option("--max-concurrency", type=click.IntRange(1), default=256, show_default=True,
                     help="Work requests in flight at once; more get 429 with Retry-After."),
        click.option("--log-json", is_flag=True, help="One JSON log line per request on stderr (request id, "
                                                      "endpoint, status, ms); no uvicorn access log."),
        click.option("--redact", "redact", multiple=True, metavar="FIELD",
                     help="Mask this record field's values in traces and logs (repeat; adds to the config's redact)."),
        click.option("--no-warmup", is_flag=True, help="Do not load the models before /health/ready says ready."),
        click.option("--sample-record", type=click.Path(dir_okay=False),
                     help="Record rendered at warm-up (default: record.json beside the config, if any)."),
        click.option("--drain-s", type=click.FloatRange(min=0), default=30.0, show_default=True,
                     help="On shutdown, how long in-flight requests and windows may take to finish."),
    ]
    return _with_options(command, options)


def _with_options(command: Callable[..., Any], options: list[Callable[..., Any]]) -> Callable[..., Any]:
    """Apply click options in the order listed (the first shows first in --help)."""
    for option in reversed(options):
        command = option(command)
    return command


def _ray_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
                     help="local: one uvicorn process; ray: a Ray Serve deployment with autoscaling replicas."),
        click.option("--ray-address", help="Join this Ray cluster (`auto`, `ray://HEAD:10001`); default: a local one."),
        click.option("--min-replicas", type=click.IntRange(0), default=1, show_default=True),
        click.option("--max-replicas", type=click.IntRange(1), default=4, show_default=True),
        click.option("--target-ongoing-requests", type=click.FloatRange(min=0, min_open=True), default=8.0,
                     show_default=True, help="Requests in flight per replica the autoscaler aims at."),
        click.option("--num-gpus", type=click.FloatRange(min=0), default=0.0, show_default=True,
                     help="GPUs per replica (one engine, one model per replica)."),
        click.option("--num-cpus", type=click.FloatRange(min=0), default=1.0, show_default=True,
                     help="CPUs per replica."),
    ]
    return _with_options(command, options)


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--wait-ms", type=float, default=10.0, show_default=True,
              help="How long a request waits for concurrent ones to share GPT-2 batches.")
@click.option("--max-window", type=int, default=64, show_default=True, help="Most requests rendered together.")
@click.option("--max-body-bytes", type=int, default=1_000_000, show_default=True,
              help="Larger request bodies are refused with 413 before they are read.")
@_serve_options
@_ray_options
@trust_options
def serve(config: str, host: str, port: int, wait_ms: float, max_window: int, max_body_bytes: int,
          api_keys_file: str | None, protect_health: bool, protect_metrics: bool, max_records: int, timeout_s: float,
          max_concurrency: int, log_json: bool, redact: tuple[str, ...], no_warmup: bool, sample_record: str | None,
          drain_s: float, engine: str, ray_address: str | None, min_replicas: int, max_replicas: int,
          target_ongoing_requests: float, num_gpus: float, num_cpus: float) -> None:
    """Serve POST /render, POST /batch, POST /verify, GET /health(/live, /ready), GET /metrics, GET /plugins (OpenAPI
    at /docs) over one shared engine, or over autoscaling Ray Serve replicas with --engine ray."""
    from pydantic import SecretStr

    from ..runtime.auth import load_api_keys
    from ..runtime.settings import ServeSettings

    keys = load_api_keys(api_keys_file)
    settings = ServeSettings(
        wait_s=wait_ms / 1000, max_window=max_window, max_body_bytes=max_body_bytes, max_records=max_records,
        timeout_s=timeout_s, max_concurrency=max_concurrency, api_keys=tuple(SecretStr(k) for k in keys),
        protect_health=protect_health, protect_metrics=protect_metrics, log_json=log_json, redact=redact,
        warmup=not no_warmup, sample_record=sample_record, drain_s=drain_s)
    err.print(f"API keys: {len(keys)} configured" if keys else
              "[yellow]warning:[/] no API keys ($HYBRIDNLG_API_KEYS or --api-keys-file): the service is open",
              highlight=False)
    if engine == "ray":
        from ..runtime.ray_serve import RayScaling, serve_on_ray

        scaling = RayScaling(min_replicas=min_replicas, max_replicas=max_replicas,
                             target_ongoing_requests=target_ongoing_requests, num_gpus=num_gpus, num_cpus=num_cpus)
        serve_on_ray(config, settings, scaling, host=host, port=port, address=ray_address)
        return
    import uvicorn

    from ..runtime.server import create_app

    app = create_app(_engine(config), settings)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=not log_json,
                timeout_graceful_shutdown=math.ceil(drain_s))  # None would wait for ever


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the configuration (for editor completion)."""
    from ..config import json_schema

    out.print(json.dumps(json_schema(), indent=2), markup=False)


@cli.command()
@click.option("--format", "fmt", type=FORMATS, default="text")
def demo(fmt: str) -> None:
    """Render the shipped example packs offline and show which realizer produced each segment."""
    from hybridnlg_packs import PACKS

    for pack in ("e2e", "business", "webnlg"):
        config = PACKS / pack / "config.yaml"
        engine = _engine(str(config))
        for notice in engine.notices():
            err.print(f"[yellow]![/] {escape(notice)}", highlight=False)
        started = time.perf_counter()
        records = [_read_json(str(PACKS / pack / "record.json"))]
        sample = PACKS / pack / "records.jsonl"
        if sample.exists():
            records = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines() if line.strip()]
        reports = list(engine.render_many(records, format=fmt))
        elapsed = time.perf_counter() - started
        out.rule(f"[bold]{pack}[/] ({config}) — {len(reports)} record(s), {elapsed:.1f}s")
        for report in reports:
            out.print(report.text, markup=False)
            table = Table("segment", "realizer", "candidates (passed/total)", "decision", show_lines=False)
            for result in report.segments:
                passed = sum(t.passed for t in result.candidates)
                table.add_row(result.segment.id, (result.realizer or "-") + (" (flagged)" if result.flagged else ""),
                              f"{passed}/{len(result.candidates)}", result.decision)
            out.print(table)


def main() -> None:
    from ..plugins import build_plugins, register_commands

    for problem in register_commands(build_plugins(), cli):
        err.print(f"[yellow]warning:[/] {escape(problem)}", highlight=False)
    try:
        cli(prog_name="hybridnlg")
    except SystemExit as done:
        _exit(done.code)
    _exit(0)


def _exit(code: str | int | None) -> NoReturn:
    """Exit without tearing down the interpreter: freeing a loaded GPT-2 and spaCy object by object takes longer
    than a one-sentence render (1.3 s on 2 cores). atexit handlers still run and the standard streams are flushed;
    everything the commands write is closed before they return."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
