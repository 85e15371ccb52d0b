"""The plugin manager: built-ins, installed entry points and plugin files; a broken plugin is skipped and reported.

Installing a plugin is trusting it; a plugin file named by a config runs only when allowed (`allow_files`)."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from . import __version__, hookspecs
from .deps import MissingDependencyError
from .hooks import Hooks

# Built-ins are plugins like any other; the names match their entry points so those are not loaded twice.
DEFAULT_PLUGINS: tuple[tuple[str, str], ...] = (
    ("core", "hybridnlg.defaults"),
    ("template", "hybridnlg_template.plugin"),
    ("gpt2", "hybridnlg_gpt2.plugin"),
    ("spacy", "hybridnlg_spacy.plugin"),
    ("fidelity", "hybridnlg_fidelity.plugin"),
)
ENV_NO_PLUGINS = "HYBRIDNLG_NO_PLUGINS"  # set to 1: load no installed (entry-point) plugins beyond the built-ins
ENV_TRACE_HOOKS = "HYBRIDNLG_TRACE_HOOKS"  # set to 1: print every hook call to stderr
ENV_ALLOW_PLUGIN_FILES = "HYBRIDNLG_ALLOW_PLUGIN_FILES"  # set to 1: import the plugin files configs name
NOT_ALLOWED = ("not loaded: plugin files run only when allowed (--allow-plugin-files, "
               "Engine(..., allow_plugin_files=True) or HYBRIDNLG_ALLOW_PLUGIN_FILES=1)")


@dataclass
class PluginInfo:
    name: str
    source: str  # builtin | entrypoint | file | object
    version: str
    module: str
    error: str | None = None
    unavailable: str | None = None  # its optional dependencies are missing: how to install them
    hooks: list[str] = field(default_factory=list)
    refused: bool = False  # a plugin file that was not allowed to run (never imported); `error` says how to allow it

    @property
    def status(self) -> str:
        if self.refused:
            return "not allowed"
        return "failed" if self.error else "unavailable" if self.unavailable else "loaded"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "version": self.version,
            "module": self.module,
            "status": self.status,
            "hooks": self.hooks,
            "error": self.error or self.unavailable,
        }


class PluginSet:
    """A pluggy manager plus what was loaded, from where, what is unavailable and what failed."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.hooks = Hooks(self.pm)
        self.infos: list[PluginInfo] = []
        if os.environ.get(ENV_TRACE_HOOKS) == "1":
            self.pm.trace.root.setwriter(sys.stderr.write)
            self.pm.enable_tracing()

    @property
    def problems(self) -> list[str]:
        return [f"plugin '{i.name}' ({i.source} {i.module}) was skipped: {i.error}" for i in self.infos if i.error]

    @property
    def unavailable(self) -> dict[str, str]:
        """Plugin name -> why it is unavailable and how to install it."""
        return {i.name: i.unavailable for i in self.infos if i.unavailable}

    def _failed(self, info: PluginInfo, exc: BaseException) -> None:
        if isinstance(exc, MissingDependencyError):
            info.unavailable = str(exc)
        else:
            info.error = f"import failed: {exc!r}"
        self.infos.append(info)

    def add(self, plugin: object, name: str, source: str, version: str, module: str) -> None:
        info = PluginInfo(name=name, source=source, version=version, module=module)
        self.infos.append(info)
        if self.pm.get_plugin(name) is not None:
            info.error = f"a plugin named '{name}' is already registered"
            return
        if self.pm.is_registered(plugin):
            info.error = f"already registered as '{self.pm.get_name(plugin)}'"
            return
        try:
            self.pm.register(plugin, name=name)
            self.hooks.forget()
            if any(impl.plugin is plugin for impl in self.pm.hook.register_hookspecs.get_hookimpls()):
                # before check_pending, so implementations of the hooks this plugin declares are known
                self.hooks.call_one("register_hookspecs", plugin, add=self.pm.add_hookspecs)
            self.pm.check_pending()
        except Exception as exc:  # noqa: BLE001 - any failure of a third-party plugin is reported, not fatal
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
                self.hooks.forget()
            info.error = f"{type(exc).__name__}: {exc}"
            return
        info.hooks = sorted(impl.name for impl in self.pm.get_hookcallers(plugin) or [])

    def add_module(self, name: str, module_name: str, source: str, version: str) -> None:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # noqa: BLE001
            self._failed(PluginInfo(name, source, version, module_name), exc)
            return
        self.add(module, name, source, version, module_name)

    def add_file(self, path: Path) -> None:
        module_name = f"hybridnlg_plugin_file_{path.stem}"
        try:
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"not a Python file: {path}")
            module: ModuleType = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except FileNotFoundError:
            self.infos.append(PluginInfo(path.stem, "file", "-", str(path), error="file not found"))
            return
        except Exception as exc:  # noqa: BLE001
            self._failed(PluginInfo(path.stem, "file", "-", str(path)), exc)
            return
        self.add(module, path.stem, "file", "-", str(path))

    def refuse_file(self, path: Path) -> None:
        """A plugin file named by a config that may not run: listed and reported, never imported."""
        self.infos.append(PluginInfo(path.stem, "file", "-", str(path), error=NOT_ALLOWED, refused=True))

    def add_entrypoints(self) -> None:
        tried = {info.name for info in self.infos}
        for ep in importlib.metadata.entry_points(group=hookspecs.PROJECT):
            if ep.name in tried or self.pm.is_blocked(ep.name):
                continue
            version = ep.dist.version if ep.dist else "?"
            try:
                plugin = ep.load()
            except Exception as exc:  # noqa: BLE001
                self._failed(PluginInfo(ep.name, "entrypoint", version, ep.value), exc)
                continue
            self.add(plugin, ep.name, "entrypoint", version, ep.value)


def build_plugins(
    files: list[Path] | None = None, extra: list[object] | None = None, entrypoints: bool | None = None,
    allow_files: bool = False,
) -> PluginSet:
    """Built-ins first, then plugin objects passed in, config plugin files, and (unless disabled) entry points.

    `files` are imported only when `allow_files`; otherwise each is listed as not allowed, and reported."""
    plugins = PluginSet()
    for name, module_name in DEFAULT_PLUGINS:
        plugins.add_module(name, module_name, "builtin", __version__)
    for i, plugin in enumerate(extra or []):
        name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{i}"
        plugins.add(plugin, name, "object", "-", getattr(plugin, "__module__", None) or name)
    for path in files or []:
        if allow_files:
            plugins.add_file(path)
        else:
            plugins.refuse_file(path)
    if entrypoints is None:
        entrypoints = os.environ.get(ENV_NO_PLUGINS, "") not in ("1", "true", "yes")
    if entrypoints:
        plugins.add_entrypoints()
    return plugins


def register_commands(plugins: PluginSet, cli: Any) -> list[str]:
    """Let each plugin add CLI commands; one that fails is reported by name and skipped."""
    problems = list(plugins.problems)
    plugins.hooks.all("register_commands", problems, cli=cli)
    return problems
