"""What `hybridnlg plugins` lists: each plugin with its version, source, hooks and what it registers."""

from __future__ import annotations

from typing import Any

from .plugins import build_plugins


def plugin_inventory() -> list[dict[str, Any]]:
    plugins = build_plugins()
    rows = []
    for info in plugins.infos:
        registers: dict[str, list[str]] = {"realizers": [], "validators": []}
        module = plugins.pm.get_plugin(info.name) if not info.error else None
        for hook, kind in (("register_realizers", "realizers"), ("register_validators", "validators")):
            function = getattr(module, hook, None)
            if callable(function):
                try:
                    function(register=lambda cls, found=registers[kind]: found.append(cls.name), engine=None)
                except Exception as exc:  # noqa: BLE001 - listing must survive a plugin that needs an engine
                    registers[kind].append(f"? ({type(exc).__name__})")
        rows.append({**info.to_dict(), "registers": registers})
    return rows
