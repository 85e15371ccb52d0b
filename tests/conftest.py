from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent
PACKS = ROOT / "templates"
RunCli = Callable[..., Result]

# Tests never load third-party plugins a developer happens to have installed.
os.environ.setdefault("HYBRIDNLG_NO_PLUGINS", "1")
# No test may reach a model hub; transformers then fails fast instead of waiting on the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run `hybridnlg ARGS...` in this process with click's CliRunner: `.exit_code`, `.stdout`, `.stderr` apart.

    The CLI's rich consoles (`hybridnlg.cli.out`, `err`) were built at import and settled colour then, from whatever
    stream was current (FORCE_COLOR or `pytest -s` on a terminal make them write ANSI codes); each run gets consoles
    with the settings hybridnlg/cli/__init__.py gives its own (keep them in step), which look up sys.stdout /
    sys.stderr at write time (the runner's streams) and, like a pipe, never write colour. Exceptions are not caught:
    an error that would print a traceback fails the test. Only the built-in commands are there; `main()` also
    registers plugin commands.
    """
    from rich.console import Console

    import hybridnlg.cli as cli_module

    monkeypatch.setattr(cli_module, "out", Console(soft_wrap=True, highlight=False, emoji=False, force_terminal=False))
    monkeypatch.setattr(cli_module, "err", Console(stderr=True, soft_wrap=True, emoji=False, force_terminal=False))

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli_module.cli, list(args), prog_name="hybridnlg", catch_exceptions=False)

    return run


@pytest.fixture
def tpl_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir()
    return folder

from hypothesis import settings  # noqa: E402

# `ci` keeps the suite fast; `thorough` (HYPOTHESIS_PROFILE=thorough) runs the long property campaign.
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("thorough", max_examples=10_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
