from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKS = ROOT / "templates"

# Tests never load third-party plugins a developer happens to have installed.
os.environ.setdefault("HYBRIDNLG_NO_PLUGINS", "1")
# No test may reach a model hub; transformers then fails fast instead of waiting on the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def tpl_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir()
    return folder

from hypothesis import settings  # noqa: E402

# `ci` keeps the suite fast; `thorough` (HYPOTHESIS_PROFILE=thorough) runs the long property campaign.
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("thorough", max_examples=4000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
