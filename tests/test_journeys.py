"""The user journeys as the docs tell them: the README's embedding snippet, the example report generator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_readme_embedding_snippet_runs_exactly_as_printed(capsys, monkeypatch) -> None:  # noqa: ANN001
    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"Embedding in Python:\n\n```python\n(.*?)```", readme, re.S).group(1)
    assert len(snippet.strip().splitlines()) <= 5
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - the point is to run the docs
    printed = capsys.readouterr().out
    assert printed.startswith("The Eagle")
    assert namespace["trace"][0]["candidates"]


def test_example_report_generator_writes_reports(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "examples/report_generator.py", "examples/regional_figures.csv", str(tmp_path), "--format", "html"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    northwind = (tmp_path / "northwind.html").read_text()
    assert "<h1>Northwind Traders Inc.: Q3 2026 results</h1>" in northwind
    assert "In the South region, revenue fell 4.7% to $4.1M across nine stores." in northwind
    assert "€" in (tmp_path / "contoso.html").read_text()


def test_init_check_render(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hybridnlg.cli", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)

    assert cli("init", "shops").returncode == 0
    checked = cli("check", "shops/config.yaml")
    assert checked.returncode == 0, checked.stderr
    rendered = cli("render", "shops/config.yaml", "shops/record.json")
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.startswith("Example\n\nExample is an online shop. It ")
    assert "three books" in rendered.stdout and "12 lamps" in rendered.stdout
    again = cli("init", "shops")
    assert again.returncode == 1 and "already exists" in again.stderr
