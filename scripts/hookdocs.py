"""The hook reference of docs/plugins.md, generated from hookspecs.py (`python scripts/hookdocs.py`)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import ModuleType

import hybridnlg_template.hookspecs
from hybridnlg import hookspecs

START, END = "<!-- hooks:start -->", "<!-- hooks:end -->"
PLUGIN_HOOKSPECS: list[tuple[str, ModuleType]] = [("template", hybridnlg_template.hookspecs)]


def hook_names(namespace: ModuleType = hookspecs) -> list[str]:
    return [name for name, fn in inspect.getmembers(namespace, inspect.isfunction) if hasattr(fn, "hybridnlg_spec")]


def _block(namespace: ModuleType, name: str) -> str:
    fn = getattr(namespace, name)
    params = list(inspect.signature(fn).parameters)
    summary, *rest = (inspect.getdoc(fn) or "").split("\n\n", 1)
    args: list[str] = []
    notes: list[str] = []
    for line in "\n".join(rest).splitlines():
        (args if line.split(":", 1)[0] in params else notes).append(line)
    body = [f"### `{name}({', '.join(params)})`", "", summary, ""]
    body += [f"- `{line.split(':', 1)[0]}`:{line.split(':', 1)[1]}" for line in args]
    body += ["", " ".join(notes)] if notes else []
    return "\n".join(body).rstrip() + "\n"


def reference() -> str:
    """The core's hooks, then the hooks plugins declare through `register_hookspecs`."""
    blocks = [_block(hookspecs, name) for name in hook_names()]
    for plugin, namespace in PLUGIN_HOOKSPECS:
        blocks.append(f"### Declared by the {plugin} plugin\n")
        blocks += [_block(namespace, name) for name in hook_names(namespace)]
    return "\n".join(blocks)


def update(path: Path) -> bool:
    """Rewrite the generated block of `path`; True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = re.sub(f"{START}.*?{END}", f"{START}\n{reference()}{END}", text, flags=re.S)
    path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print("updated" if update(Path(__file__).resolve().parent.parent / "docs" / "plugins.md") else "up to date")
