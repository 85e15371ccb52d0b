"""Optional dependencies: a plugin whose extra is not installed is listed as unavailable, never half-registered."""

from __future__ import annotations

import importlib.util

from .errors import PluginError


class MissingDependencyError(PluginError):
    """A plugin's dependencies are not installed; `extra` names the hybridnlg extra that brings them."""

    def __init__(self, missing: list[str], extra: str) -> None:
        self.missing = missing
        self.extra = extra
        super().__init__(f"needs {', '.join(missing)}: pip install 'hybridnlg[{extra}]'")


def require(*modules: str, extra: str) -> None:
    """Call at the top of a plugin module: raises MissingDependencyError unless every module can be imported.

    Only looks the modules up (no import), so a plugin stays cheap to load."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingDependencyError(missing, extra)
