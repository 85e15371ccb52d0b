"""Lazy validation (the default) publishes what validating every candidate publishes, with less validation."""

from __future__ import annotations

import csv
import json
import random
from typing import Any

import pytest

from hybridnlg import CandidateTrace, ConfigError, Engine, Report
from hybridnlg.testing import FakeRealizer, FakeValidator, make_engine, plugin_of
from tests.conftest import PACKS, ROOT
from tests.test_e2e_pack import NAMES, VALUES

E2E_DEV = ROOT.parent / "shared" / "data" / "e2e" / "devset.csv"


def e2e_records(count: int) -> list[dict[str, Any]]:
    """Distinct E2E dev MRs where ../shared is beside the project, else E2E-like records drawn with a fixed seed."""
    if E2E_DEV.exists():
        from hybridnlg_gpt2.data import parse_mr

        with E2E_DEV.open(encoding="utf-8", newline="") as handle:
            mrs = list(dict.fromkeys(row["mr"] for row in csv.DictReader(handle)))
        return [dict(parse_mr(mr)) for mr in mrs[:count]]
    rng = random.Random(5)
    return [{"name": rng.choice(NAMES), **{slot: rng.choice(values) for slot, values in VALUES.items()
                                           if rng.random() < 0.6}} for _ in range(count)]


def engine_with(validate: str) -> Engine:
    return Engine.from_config(PACKS / "e2e" / "config.yaml", validate=validate, entrypoints=False)


def fact_errors(engine: Engine, report: Report) -> int:
    """Fact issues the spaCy validator finds in the published texts."""
    validator = engine.get_validator("spacy")
    items = [(r.segment, next(t.candidate for t in r.candidates if t.candidate.text == r.text))
             for r in report.segments if r.text is not None]
    return sum(issue.category == "fact" for rep in validator.validate(items) for issue in rep.issues
               if issue.severity == "error")


@pytest.mark.slow
def test_lazy_publishes_the_same_text_as_validating_all_with_no_more_fact_errors() -> None:
    lines = (PACKS / "e2e" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()] + e2e_records(100)
    lazy, full = engine_with("lazy"), engine_with("all")
    lazy_reports = list(lazy.render_many(records))
    full_reports = list(full.render_many(records))
    pairs = [(a, b) for ra, rb in zip(lazy_reports, full_reports, strict=True)
             for a, b in zip(ra.segments, rb.segments, strict=True)]
    same = sum(a.text == b.text for a, b in pairs)
    assert same / len(pairs) >= 0.99, f"{same} of {len(pairs)} segments agree"
    assert sum(fact_errors(lazy, r) for r in lazy_reports) <= sum(fact_errors(full, r) for r in full_reports)
    validated = [sum(t.validated for t in seg.candidates) for r in lazy_reports for seg in r.segments]
    everything = [sum(t.validated for t in seg.candidates) for r in full_reports for seg in r.segments]
    assert sum(validated) < sum(everything) / 2  # the point of it: most segments need one validation


def _traces(engine: Engine, record: dict[str, Any]) -> list[CandidateTrace]:
    return engine.render(record).segments[0].candidates


def test_lazy_validates_best_first_and_stops_at_the_first_that_passes() -> None:
    config = {"segments": [{"id": "a", "template": "{{ name }} is here.", "facts": ["name"], "realizer": "auto"}],
              "routing": {"auto": ["fake", "template"]}, "decision": {"prefer": ["fake", "template"]},
              "realizers": {"fake": {"texts": ["{name} one.", "{name} two.", "{name} three."]}},
              "validators": {"fake": {}}}
    engine = make_engine(config, plugin_of(FakeRealizer, FakeValidator))
    traces = _traces(engine, {"name": "Ada"})
    assert [(t.candidate.text, t.validated, t.status.split(":")[0]) for t in traces] == [
        ("Ada one.", True, "chosen"), ("Ada two.", False, "not validated"), ("Ada three.", False, "not validated"),
        ("Ada is here.", False, "not validated")]
    assert engine.validators["fake"].calls == [1]  # type: ignore[attr-defined]


def test_lazy_goes_on_in_rounds_across_the_window_until_one_passes() -> None:
    config = {"segments": [{"id": "a", "template": "{{ name }} is here.", "facts": ["name"], "realizer": "auto"}],
              "routing": {"auto": ["fake", "template"]}, "decision": {"prefer": ["fake", "template"]},
              "realizers": {"fake": {"texts": ["bad {name}.", "{name} two.", "{name} two."]}},
              "validators": {"fake": {"reject": ["bad"]}}}
    engine = make_engine(config, plugin_of(FakeRealizer, FakeValidator))
    reports = list(engine.render_many([{"name": "Ada"}, {"name": "Bo"}]))
    assert [r.text for r in reports] == ["Ada two.", "Bo two."]
    assert engine.validators["fake"].calls == [2, 2]  # type: ignore[attr-defined]  # two rounds, both segments
    third = reports[0].segments[0].candidates[2]
    assert not third.validated  # the identical third candidate was never needed


def test_validate_all_validates_every_candidate_and_identical_texts_once() -> None:
    config = {"segments": [{"id": "a", "template": "{{ name }} two.", "facts": ["name"], "realizer": "auto"}],
              "routing": {"auto": ["fake", "template"]},
              "realizers": {"fake": {"texts": ["{name} one.", "{name} two."]}},
              "validators": {"fake": {}}, "decision": {"validate": "all", "prefer": ["fake", "template"]}}
    engine = make_engine(config, plugin_of(FakeRealizer, FakeValidator))
    traces = _traces(engine, {"name": "Ada"})
    assert all(t.validated for t in traces)
    assert engine.validators["fake"].calls == [2]  # type: ignore[attr-defined]  # "Ada two." twice, validated once
    assert [t.duplicate for t in traces] == [False, False, True]
    assert traces[0].status == "chosen"


def test_a_pass_with_a_low_score_keeps_validating_within_the_margin() -> None:
    class Scored(FakeValidator):
        name = "scored"

        def validate(self, items):
            reports = super().validate(items)
            for (_, candidate), report in zip(items, reports, strict=True):
                report.score = 0.5 if "one" in candidate.text else 1.0
            return reports

    config = {"segments": [{"id": "a", "template": "{{ name }} is here.", "facts": ["name"], "realizer": "auto"}],
              "routing": {"auto": ["fake", "template"]}, "decision": {"prefer": ["fake", "template"]},
              "realizers": {"fake": {"texts": ["{name} one.", "{name} two."]}}, "validators": {"scored": {}}}
    lazy = make_engine(config, plugin_of(FakeRealizer, Scored))
    every = {**config, "decision": {**config["decision"], "validate": "all"}}
    full = make_engine(every, plugin_of(FakeRealizer, Scored))
    assert lazy.render({"name": "Ada"}).text == full.render({"name": "Ada"}).text == "Ada two."


def test_validate_defaults_to_lazy_and_can_be_overridden() -> None:
    assert engine_with("all").config.decision.validate_ == "all"
    assert make_engine({"segments": [{"id": "a", "template": "x"}]}).config.decision.validate_ == "lazy"
    with pytest.raises(ConfigError, match="validate: Input should be 'lazy' or 'all'"):
        engine_with("sometimes")


class SecondValidator(FakeValidator):
    name = "second"


def _two_validators(validate: str) -> Engine:
    config = {"segments": [{"id": "a", "template": "{{ name }} is here.", "facts": ["name"], "realizer": "auto"}],
              "routing": {"auto": ["fake", "template"]}, "decision": {"prefer": ["fake", "template"],
                                                                      "validate": validate},
              "realizers": {"fake": {"texts": ["{name} one.", "{name} two."]}},
              "validators": {"fake": {"reject": ["one"]}, "second": {}}}
    return make_engine(config, plugin_of(FakeRealizer, FakeValidator, SecondValidator))


def test_lazy_runs_a_later_validator_only_on_candidates_the_earlier_ones_passed() -> None:
    engine = _two_validators("lazy")
    traces = _traces(engine, {"name": "Ada"})
    assert [(t.candidate.text, [r.validator for r in t.reports], t.status.split(":")[0]) for t in traces] == [
        ("Ada one.", ["fake"], "rejected"), ("Ada two.", ["fake", "second"], "chosen"),
        ("Ada is here.", [], "not validated")]
    assert engine.validators["second"].calls == [1]  # type: ignore[attr-defined]


def test_validating_all_and_verify_run_every_validator_on_every_text() -> None:
    engine = _two_validators("all")
    traces = _traces(engine, {"name": "Ada"})
    assert all([r.validator for r in t.reports] == ["fake", "second"] for t in traces)
    lazy = _two_validators("lazy")
    report = lazy.verify({"name": "Ada"}, "Ada one.")
    assert not report.passed and set(report.validators) >= {"fake", "second"}
