"""Every pluggy hook of hybridnlg. Only hybridnlg.engine and hybridnlg.plugins call them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from .components import Realizer, Validator
    from .config import EngineConfig
    from .engine import Engine
    from .pipeline.plan import Plan
    from .pipeline.report import SegmentResult
    from .pipeline.router import Route
    from .types import Segment

PROJECT = "hybridnlg"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_realizers(register: Callable[[type[Realizer]], None], engine: Engine) -> None:
    """Register realizer classes.

    register: call it once per realizer class; the engine owns names and rejects duplicates.
    engine: the engine being built (its config is already validated).
    All implementations are called.
    """


@hookspec
def register_validators(register: Callable[[type[Validator]], None], engine: Engine) -> None:
    """Register validator classes.

    register: call it once per validator class; the engine owns names and rejects duplicates.
    engine: the engine being built.
    All implementations are called.
    """


@hookspec
def prepare_jinja2_environment(env: Any, engine: Engine) -> None:
    """Add filters, tests and globals to the sandboxed Jinja2 environment of the template realizer.

    env: the jinja2.sandbox.SandboxedEnvironment, before any template is compiled.
    engine: the engine that owns it.
    All implementations are called.
    """


@hookspec(firstresult=True)
def plan_content(record: dict[str, Any], index: int, config: EngineConfig, engine: Engine) -> Plan | None:
    """Turn one record into a Plan (ordered segments). The built-in planner is `trylast`.

    record: the input data of one document.
    index: the record's position in the input (0 for a single render).
    config: the validated engine configuration.
    engine: the engine.
    Stops at the first non-None result.
    """


@hookspec
def refine_plan(plan: Plan, engine: Engine) -> Plan | None:
    """Rework a plan after planning (aggregation, ordering). Threaded: each result feeds the next call.

    plan: the current plan.
    engine: the engine.
    Return a new Plan, or None to keep it. All implementations are called, in order.
    """


@hookspec(firstresult=True)
def select_realizer(segment: Segment, available: list[str], engine: Engine) -> Route | None:
    """Choose which realizers produce candidates for a segment and the fallback chain after them.

    segment: the planned segment (its `realizer` field holds the config preference).
    available: names of every registered realizer.
    engine: the engine.
    Stops at the first non-None result; the built-in policy is `trylast`.
    """


@hookspec(firstresult=True)
def assemble_document(plan: Plan, results: list[SegmentResult], engine: Engine) -> dict[str, str] | None:
    """Join the chosen segment texts into a document.

    plan: the plan the results belong to.
    results: one SegmentResult per segment, in plan order (dropped segments have text None).
    engine: the engine.
    Returns {"text": ..., "markdown": ..., "html": ...}. Stops at the first non-None result;
    the built-in assembler is `trylast`.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the `hybridnlg` command line.

    cli: the click group behind `hybridnlg` (typer apps expose it through typer.main.get_group).
    All implementations are called.
    """
