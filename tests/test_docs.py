"""The docs cannot drift: hook reference, config fields and code snippets are checked against the code."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from hybridnlg.config import json_schema
from scripts.hookdocs import END, START, reference
from tests.conftest import ROOT

PLUGINS_MD = (ROOT / "docs" / "plugins.md").read_text()
CONFIG_MD = (ROOT / "docs" / "configuration.md").read_text()
EXAMPLE = ROOT / "plugins" / "hybridnlg-example"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_hook_reference_is_generated_from_hookspecs() -> None:
    block = PLUGINS_MD.split(START, 1)[1].split(END, 1)[0]
    assert block.strip() == reference().strip(), "run `python scripts/hookdocs.py` to regenerate docs/plugins.md"


def test_tutorial_is_the_installable_example_and_under_30_lines() -> None:
    source = (EXAMPLE / "hybridnlg_example" / "__init__.py").read_text()
    assert source in python_blocks(PLUGINS_MD)
    assert len(source.strip().splitlines()) < 30


def test_testing_snippet_runs() -> None:
    snippet = next(b for b in python_blocks(PLUGINS_MD) if "hybridnlg.testing" in b)
    sys.path.insert(0, str(EXAMPLE))
    try:
        exec(compile(snippet, "docs/plugins.md", "exec"), {})
    finally:
        sys.path.remove(str(EXAMPLE))
        sys.modules.pop("hybridnlg_example", None)


def _schema_fields() -> set[str]:
    schema = json_schema()
    fields = set(schema["properties"])
    for definition in schema["$defs"].values():
        fields |= set(definition.get("properties", {}))
    return fields


def test_configuration_doc_names_every_schema_field() -> None:
    documented = set(re.findall(r"`([A-Za-z_]+)`", CONFIG_MD))
    missing = _schema_fields() - documented
    assert not missing, f"docs/configuration.md lacks: {sorted(missing)}"


def test_configuration_worked_example_renders_as_shown(tmp_path: Path) -> None:
    from hybridnlg import Engine

    config = re.search(r"```yaml\n# worked example\n(.*?)```", CONFIG_MD, re.S).group(1)
    record = json.loads(re.search(r"```json\n(.*?)```", CONFIG_MD, re.S).group(1))
    expected = re.search(r"```text\n(.*?)```", CONFIG_MD, re.S).group(1).strip()
    (tmp_path / "config.yaml").write_text(config)
    assert Engine.from_config(tmp_path / "config.yaml").render(record).text == expected
