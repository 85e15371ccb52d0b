"""The user journeys as the docs tell them: the README's embedding snippet, the example report generator."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, RunCli


def test_readme_embedding_snippet_runs_exactly_as_printed(capsys, monkeypatch) -> None:
    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"Embedding in Python:\n\n```python\n(.*?)```", readme, re.S).group(1)
    assert len(snippet.strip().splitlines()) <= 5
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert printed.startswith("The Eagle")
    assert namespace["trace"][0]["candidates"]


def test_example_report_generator_writes_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # run as `python examples/report_generator.py ...` would, in this process
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "argv", ["examples/report_generator.py", "examples/regional_figures.csv", str(tmp_path),
                                      "--format", "html"])
    runpy.run_path("examples/report_generator.py", run_name="__main__")
    assert f"wrote {tmp_path / 'northwind.html'}" in capsys.readouterr().out
    northwind = (tmp_path / "northwind.html").read_text()
    assert "<h1>Northwind Traders Inc.: Q3 2026 results</h1>" in northwind
    assert "In the South region, revenue fell 4.7% to $4.1M across nine stores." in northwind
    assert "€" in (tmp_path / "contoso.html").read_text()


def test_init_check_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "shops").exit_code == 0
    checked = run_cli("check", "shops/config.yaml")
    assert checked.exit_code == 0, checked.stderr
    rendered = run_cli("render", "shops/config.yaml", "shops/record.json")
    assert rendered.exit_code == 0, rendered.stderr
    assert rendered.stdout.startswith("Example\n\nExample is an online shop. It ")
    assert "three books" in rendered.stdout and "12 lamps" in rendered.stdout
    again = run_cli("init", "shops")
    assert again.exit_code == 1 and "already exists" in again.stderr
