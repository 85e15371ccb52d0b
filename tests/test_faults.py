"""Faults end in fallbacks with the reason in the trace: broken models, hallucinating GPT-2, missing spaCy model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from gpt2_fixtures import build_tiny_model

from hybridnlg import Candidate, Engine
from hybridnlg.testing import make_engine
from tests.conftest import PACKS

RECORD = {"name": "The Eagle", "eatType": "pub", "food": "Chinese", "area": "riverside", "priceRange": "cheap"}


def gpt2_engine(model: str, config_dir: Path) -> Engine:
    return make_engine({
        "validators": {},
        "segments": [{"id": "intro", "template": "{{ name }} is a {{ eatType }}.", "facts": ["name", "eatType"],
                      "realizer": "gpt2"}],
        "realizers": {"gpt2": {"model": model, "local_files_only": True}},
    }, config_dir=config_dir)


@pytest.mark.parametrize("damage", ["missing", "corrupt-weights", "corrupt-config"])
def test_broken_model_is_a_check_problem_and_a_fallback_at_render(tmp_path: Path, damage: str) -> None:
    model = build_tiny_model(tmp_path / "model")
    if damage == "missing":
        shutil.rmtree(model)
    elif damage == "corrupt-weights":
        (model / "model.safetensors").write_bytes(b"\x00garbage" * 64)
    else:
        (model / "config.json").write_text("{not json")
    engine = gpt2_engine("./model", tmp_path)
    problems = engine.check()
    assert problems and any("model" in p for p in problems)
    result = engine.render(RECORD).segments[0]
    assert result.realizer == "template" and result.text == "The Eagle is a pub."
    assert result.failures["gpt2"]  # the reason, in the trace
    assert result.to_dict()["failures"]["gpt2"] == result.failures["gpt2"]


def test_hallucinated_gpt2_candidate_is_rejected_and_the_template_published() -> None:
    engine = Engine.from_config(PACKS / "e2e" / "config.yaml")
    gpt2 = engine.get_realizer("gpt2")
    hallucination = "The Eagle is an expensive Italian pub in the city centre with a 1 out of 5 rating."
    gpt2.realize = lambda segments: [[Candidate("gpt2", hallucination, score=-0.2)] for _ in segments]  # type: ignore[method-assign]
    report = engine.render(RECORD)
    result = report.segments[0]
    assert result.realizer == "template" and "Chinese" in result.text and "cheap" in result.text
    [trace] = [t for t in result.candidates if t.candidate.realizer == "gpt2"]
    codes = {issue.code for r in trace.reports for issue in r.issues}
    assert {"wrong_value", "added_fact"} <= codes
    assert trace.status.startswith("rejected: ") and "wrong_value" in trace.status
    data = json.loads(engine.render(RECORD, format="json").text)
    assert data["segments"][0]["candidates"][0]["status"].startswith("rejected")


def test_missing_spacy_model_falls_back_to_blank_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    import hybridnlg_spacy.pipeline as pipeline

    monkeypatch.setattr(pipeline, "AUTO_CANDIDATES", ("en_core_web_nothing_installed",))
    engine = make_engine({"segments": [{"id": "a", "template": "{{ name }} is a pub.", "facts": ["name"]}],
                          "validators": {"spacy": {"model": "auto"}}})
    report = engine.render({"name": "The Eagle"}).segments[0].candidates[0].reports[0]
    assert report.meta["pipeline"] == "blank" and "no statistical English pipeline" in report.meta["warning"]
