"""Every pluggy hook of the hybridnlg core. Only hybridnlg.hooks calls them.

Implementations may declare any subset of a spec's arguments (pluggy passes only those they name).
Plugins declare hooks of their own through `register_hookspecs` (the template plugin's
`prepare_jinja2_environment` is one) and call them with `Context.call_hook`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from .components import Realizer, Validator
    from .context import Context
    from .pipeline.plan import Plan
    from .pipeline.report import SegmentResult
    from .pipeline.router import Route
    from .types import Segment

PROJECT = "hybridnlg"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_hookspecs(add: Callable[[object], None]) -> None:
    """Declare hooks of a plugin's own, for other plugins to implement.

    add: call it with a module or class holding functions marked with `hybridnlg.hookspec`.
    All implementations are called, each as soon as its plugin is registered and before implementations are checked.
    """


@hookspec
def register_realizers(register: Callable[[type[Realizer[Any]]], None]) -> None:
    """Register realizer classes.

    register: call it once per realizer class; the core owns names and rejects duplicates.
    All implementations are called; one that raises is reported by plugin name and skipped.
    """


@hookspec
def register_validators(register: Callable[[type[Validator[Any]]], None]) -> None:
    """Register validator classes.

    register: call it once per validator class; the core owns names and rejects duplicates.
    All implementations are called; one that raises is reported by plugin name and skipped.
    """


@hookspec(firstresult=True)
def plan_content(record: dict[str, Any], index: int, context: Context) -> Plan | None:
    """Turn one record into a Plan (ordered segments). The built-in planner is `trylast`.

    record: the input data of one document.
    index: the record's position in the input (0 for a single render).
    context: the validated config, its folder and the other components.
    Stops at the first non-None result; one that raises is skipped with a note in the plan.
    """


@hookspec
def refine_plan(plan: Plan, context: Context) -> Plan | None:
    """Rework a plan after planning (aggregation, ordering). Threaded: each result feeds the next call.

    plan: the current plan.
    context: the config and components.
    Return a new Plan, or None to keep it. All implementations are called, in order;
    one that raises is skipped with a note.
    """


@hookspec(firstresult=True)
def select_realizer(segment: Segment, available: list[str], context: Context) -> Route | None:
    """Choose which realizers produce candidates for a segment and the fallback chain after them.

    segment: the planned segment (its `realizer` field holds the config preference).
    available: names of every registered realizer.
    context: the config (its `routing` holds the resolved `auto` order and default fallback chain).
    Stops at the first non-None result; the built-in policy is `trylast`; one that raises is skipped with a note.
    """


@hookspec(firstresult=True)
def assemble_document(plan: Plan, results: list[SegmentResult], context: Context) -> dict[str, str] | None:
    """Join the chosen segment texts into a document.

    plan: the plan the results belong to.
    results: one SegmentResult per segment, in plan order (dropped segments have text None).
    context: the config and components.
    Returns {"text": ..., "markdown": ..., "html": ...}. Stops at the first non-None result;
    the built-in assembler is `trylast`; one that raises is skipped with a note in the report.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the `hybridnlg` command line.

    cli: the click group behind `hybridnlg` (typer apps expose it through typer.main.get_group).
    All implementations are called; one that raises is reported as a warning.
    """
