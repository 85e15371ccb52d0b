"""Reading YAML (and JSON) files that someone else may have written: regular files of bounded size, and no alias
expansion beyond a bounded number of values (a few hundred bytes of anchors can expand to billions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

MAX_BYTES = 10 * 1024 * 1024
MAX_VALUES = 200_000
SELF_REFERENCE = "an alias inside its own anchor"


def read_text_file(path: Path, what: str) -> str:
    """The UTF-8 text of a regular file of at most MAX_BYTES (not a device, a FIFO or a folder)."""
    try:
        if not path.is_file():
            found = "file not found" if not path.exists() else "not a regular file"
            raise ConfigError([f"{path}: {found} (give the path of a {what})"])
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError([f"{path}: {size:,} bytes; at most {MAX_BYTES:,} are read (give the path of a {what})"])
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read it: {exc.strerror or exc}"]) from None


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document has once every alias is expanded (each shared node counted per use).

    Iterative, and each node is sized once, so neither deep nesting nor an alias bomb makes it slow."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            visiting.discard(id(node))
            sizes[id(node)] = min(1 + sum(sizes[id(child)] for child in children), MAX_VALUES + 1)
            continue
        if id(node) in visiting:
            raise RecursionError(SELF_REFERENCE)
        visiting.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


# libyaml's safe loader where PyYAML was built with it: the same documents, several times faster (mined lexicons
# run to thousands of lines)
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, source: str) -> Any:
    """yaml.safe_load, after checking that aliases do not expand the document past MAX_VALUES values."""
    try:
        root = yaml.compose(text, Loader=_SAFE_LOADER)
        if root is not None and _expanded_size(root) > MAX_VALUES:
            raise ConfigError([f"{source}: the YAML expands to more than {MAX_VALUES:,} values through its aliases "
                               "(&anchor / *alias); write the values out or use fewer aliases"])
        return yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader, C or Python
    except RecursionError as exc:
        if str(exc) == SELF_REFERENCE:
            raise ConfigError([f"{source}: the YAML contains itself through an alias; write the values out"]) from None
        raise ConfigError([f"{source}: the YAML is nested too deeply to read; flatten it"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        if "nesting depth" in str(getattr(exc, "problem", "")):  # libyaml's own limit, where Python recurses
            raise ConfigError([f"{source}{line}: the YAML is nested too deeply to read; flatten it"]) from None
        raise ConfigError([f"{source}{line}: invalid YAML: {getattr(exc, 'problem', exc)}"]) from None


def read_yaml(path: str | Path, what: str = "YAML file") -> Any:
    """The data of a YAML or JSON (by suffix) file, read with the limits above; errors are ConfigErrors."""
    path = Path(path)
    text = read_text_file(path, what)
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError([f"{path}:{exc.lineno}: invalid JSON: {exc.msg}"]) from None
        except RecursionError:
            raise ConfigError([f"{path}: JSON too deeply nested to read"]) from None
    return load_yaml(text, str(path))
