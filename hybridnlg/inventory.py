"""What `hybridnlg plugins` lists: each plugin with its version, source, status, hooks and what it registers."""

from __future__ import annotations

from typing import Any

from .hooks import HookFailure
from .plugins import build_plugins


def plugin_inventory() -> list[dict[str, Any]]:
    plugins = build_plugins()
    rows = []
    for info in plugins.infos:
        registers: dict[str, list[str]] = {"realizers": [], "validators": []}
        plugin = plugins.pm.get_plugin(info.name) if info.status == "loaded" else None
        for hook, kind in (("register_realizers", "realizers"), ("register_validators", "validators")):
            if plugin is None or not any(i.plugin is plugin for i in getattr(plugins.pm.hook, hook).get_hookimpls()):
                continue
            found = registers[kind]
            try:
                plugins.hooks.call_one(hook, plugin, register=lambda cls, found=found: found.append(cls.name))
            except Exception as exc:  # noqa: BLE001 - listing must survive a broken plugin
                found.append(f"? ({HookFailure(info.name, hook, exc)})")
        rows.append({**info.to_dict(), "registers": registers})
    return rows
