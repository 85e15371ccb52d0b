"""The one place that calls hooks: each implementation through pluggy, isolated and reported by plugin name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pluggy

from .errors import HybridNLGError


@dataclass
class HookFailure:
    """An implementation that raised: which plugin, which hook, and why."""

    plugin: str
    hook: str
    error: BaseException

    def __str__(self) -> str:
        return f"plugin '{self.plugin}' failed in {self.hook}: {type(self.error).__name__}: {self.error}"


class Hooks:
    """Calls hooks through pluggy, so implementations may declare any subset of a spec's arguments and
    HYBRIDNLG_TRACE_HOOKS sees every call; `each` calls one implementation at a time so a failing plugin is
    isolated and named."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._single: dict[tuple[str, str], Any] = {}

    def forget(self) -> None:
        """Drop the single-plugin callers; the set of plugins changed."""
        self._single.clear()

    def call_one(self, name: str, plugin: object, **kwargs: Any) -> Any:
        """Call one plugin's implementation of a hook, through pluggy; its errors propagate."""
        return self._only(name, plugin)(**kwargs)

    def has(self, name: str) -> bool:
        caller = getattr(self.pm.hook, name, None)
        return caller is not None and caller.has_spec()

    def _only(self, name: str, plugin: object) -> Any:
        """A hook caller that runs only `plugin`'s implementation (still pluggy: argument subsets, tracing)."""
        key = (name, self.pm.get_name(plugin) or repr(plugin))
        if key not in self._single:
            others = [p for p in self.pm.get_plugins() if p is not plugin]
            self._single[key] = self.pm.subset_hook_caller(name, remove_plugins=others)
        return self._single[key]

    def _impls(self, name: str) -> list[Any]:
        """The implementations of a hook in pluggy's call order (tryfirst first, trylast last)."""
        return list(reversed(getattr(self.pm.hook, name).get_hookimpls()))

    def _call(self, name: str, impl: Any, kwargs: dict[str, Any]) -> Any:
        """One implementation's result, or a HookFailure when it raised. A HybridNLGError is about the input, not
        the plugin: it propagates."""
        try:
            result = self._only(name, impl.plugin)(**kwargs)
        except HybridNLGError:
            raise
        except Exception as exc:  # noqa: BLE001 - a third-party plugin's fault is reported, not fatal
            return HookFailure(impl.plugin_name, name, exc)
        caller = getattr(self.pm.hook, name)
        if caller.spec and caller.spec.opts.get("firstresult"):
            return result
        return result[0] if result else None

    def each(self, name: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """(plugin name, result or HookFailure) per implementation, in pluggy's call order, lazily."""
        for impl in self._impls(name):
            yield impl.plugin_name, self._call(name, impl, kwargs)

    def thread(self, name: str, key: str, value: Any, notes: list[str], **kwargs: Any) -> Any:
        """Each implementation gets `key=value` and may return a replacement for the next one (None keeps it)."""
        for impl in self._impls(name):
            result = self._call(name, impl, {**kwargs, key: value})
            if isinstance(result, HookFailure):
                notes.append(f"{result}; kept the {key} as it was")
            elif result is not None:
                value = result
        return value

    def first(self, name: str, notes: list[str], **kwargs: Any) -> Any:
        """The first non-None result; implementations that raise are skipped with a note naming them."""
        for _, result in self.each(name, **kwargs):
            if isinstance(result, HookFailure):
                notes.append(f"{result}; used the next implementation")
            elif result is not None:
                return result
        return None

    def all(self, name: str, problems: list[str], **kwargs: Any) -> list[Any]:
        """Every non-None result; failures are appended to `problems`."""
        results = []
        for _, result in self.each(name, **kwargs):
            if isinstance(result, HookFailure):
                problems.append(str(result))
            elif result is not None:
                results.append(result)
        return results
