"""The hook reference of docs/plugins.md, generated from hookspecs.py (`python scripts/hookdocs.py`)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from hybridnlg import hookspecs

START, END = "<!-- hooks:start -->", "<!-- hooks:end -->"


def hook_names() -> list[str]:
    return [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "hybridnlg_spec")]


def reference() -> str:
    blocks = []
    for name in hook_names():
        fn = getattr(hookspecs, name)
        params = list(inspect.signature(fn).parameters)
        summary, *rest = (inspect.getdoc(fn) or "").split("\n\n", 1)
        args, notes = [], []
        for line in "\n".join(rest).splitlines():
            (args if line.split(":", 1)[0] in params else notes).append(line)
        body = [f"### `{name}({', '.join(params)})`", "", summary, ""]
        body += [f"- `{line.split(':', 1)[0]}`:{line.split(':', 1)[1]}" for line in args]
        body += ["", " ".join(notes)] if notes else []
        blocks.append("\n".join(body).rstrip() + "\n")
    return "\n".join(blocks)


def update(path: Path) -> bool:
    """Rewrite the generated block of `path`; True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = re.sub(f"{START}.*?{END}", f"{START}\n{reference()}{END}", text, flags=re.S)
    path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print("updated" if update(Path(__file__).resolve().parent.parent / "docs" / "plugins.md") else "up to date")
