"""The Ray runner gives the same output, line for line, as a plain batch run (local Ray, 2 CPUs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PACKS, ROOT, RunCli

pytest.importorskip("ray")

BUSINESS = PACKS / "business" / "config.yaml"


@pytest.mark.slow
def test_ray_runner_matches_plain_batch(tmp_path: Path, run_cli: RunCli) -> None:
    good = json.loads((PACKS / "business" / "record.json").read_text())
    rows = [json.dumps({**good, "revenue": good["revenue"] + 1000 * i}) if i % 5 else "{bad json" for i in range(24)]
    rows[3] = rows[3].replace(f'"revenue": {good["revenue"] + 3000}', f'"revenue": {10**400}')  # poison in a window
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(rows) + "\n")

    args = ["batch", str(BUSINESS), str(src), "--window", "5", "--out"]
    plain = run_cli(*args, str(tmp_path / "plain.jsonl"))
    assert plain.exit_code == 0, plain.stderr
    # Ray in a real subprocess, so its local cluster (and ray.init's process state) ends with the command
    done = subprocess.run([sys.executable, "-m", "hybridnlg.cli", *args, str(tmp_path / "ray.jsonl"), "--engine", "ray",
                           "--workers", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    lines = (tmp_path / "ray.jsonl").read_text().splitlines()
    assert len(lines) == 24 and "error" in json.loads(lines[0]) and "too large" in json.loads(lines[3])["error"]["message"]
