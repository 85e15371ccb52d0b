"""The GPU check's throughput step runs `benchmarks/gpt2_batching.py`; it broke once unseen (the realizer's
`verbatim` became optional) and was first found on a lent GPU. Run it here on the shipped E2E model (a random
tiny one writes texts the realizer rejects, so there would be nothing to compare) so it cannot again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT.parent / "shared" / "data" / "e2e" / "devset.csv"


@pytest.mark.skipif(not DEVSET.is_file(), reason="needs ../shared/data/e2e/devset.csv")
def test_batched_generation_benchmark_runs_and_matches_the_naive_loop() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins")])}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpt2_batching.py"), "--model", "e2e-small",
                           "--segments", "6", "--device", "cpu", "--threads", "1"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["identical_outputs"] == "6/6"
    assert report["generated_tokens"]["batched"] == report["generated_tokens"]["naive"] > 0


WEBNLG_DEV = ROOT.parent / "shared" / "data" / "webnlg" / "dev.jsonl"


@pytest.mark.skipif(not WEBNLG_DEV.is_file(), reason="needs ../shared/data/webnlg/dev.jsonl")
def test_validator_benchmark_offset_gives_the_next_disjoint_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    """`validators.py --offset N` measures on texts the default slice (where the packs' settings were chosen) lacks."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import validators

    first, second, both = (validators.webnlg_faithful(3, 0), validators.webnlg_faithful(3, 3),
                           validators.webnlg_faithful(6, 0))
    assert first + second == both
    assert not {text for _, text, _, _ in first} & {text for _, text, _, _ in second}
    assert validators.webnlg_faithful(None, 5) == validators.webnlg_faithful(None, 0)[5:]
