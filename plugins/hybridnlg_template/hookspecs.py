"""The hook the template plugin declares for other plugins (registered through `register_hookspecs`)."""

from __future__ import annotations

from typing import Any

from hybridnlg import Context, hookspec


@hookspec
def prepare_jinja2_environment(env: Any, context: Context) -> None:
    """Add filters, tests and globals to the sandboxed Jinja2 environment of the template realizer.

    env: the jinja2.sandbox.SandboxedEnvironment, before any template is compiled.
    context: the config and components of the engine that owns it.
    All implementations are called; one that raises is reported by `hybridnlg check` and skipped.
    """
