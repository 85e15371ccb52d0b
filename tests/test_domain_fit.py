"""No silent domain mismatch: a GPT-2 model whose meta does not fit a segment's facts is left out of `auto` (the
route says why, and no weights are loaded for it), and `hybridnlg check` warns; the E2E pack still uses GPT-2."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from gpt2_fixtures import build_tiny_model

from hybridnlg import Engine, Realizer, RealizeResult, Segment
from hybridnlg.testing import FakeRealizer, make_engine, plugin_of
from tests.conftest import PACKS, RunCli

pytest.importorskip("torch")
pytest.importorskip("transformers")

import hybridnlg_gpt2.realizer as gpt2_realizer
from hybridnlg_gpt2.fit import misfit
from hybridnlg_gpt2.formatting import META_FILE, ModelMeta

WEATHER_RECORD = {"city": "Leeds", "sky": "cloudy", "high": 14, "wind": "west"}


def weather(realizer: str = "auto", **gpt2: Any) -> dict[str, Any]:
    """A new domain, as `hybridnlg init` and a user make it: no model trained on it."""
    return {
        "entities": {"place": {"name": "city", "pronoun": "it"}},
        "segments": [
            {"id": "today", "subject": "place", "facts": ["city", "sky", "high"], "realizer": realizer,
             "template": "{{ ref }} will be {{ sky }} with a high of {{ high }} degrees."},
            {"id": "wind", "facts": ["wind"], "template": "The wind is from the {{ wind }}.", "realizer": "template"},
        ],
        "realizers": {"gpt2": {"model": "e2e-small", "local_files_only": True, **gpt2}},
        "validators": {},
    }


def fit_warnings(engine: Engine) -> list[str]:
    return [n for n in engine.notices() if "leaves out" in n or "is named" in n]


@pytest.fixture
def no_model_load(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every model load the GPT-2 realizer asks for (and refuses it: none is expected)."""
    loads: list[str] = []

    def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
        loads.append(name)
        raise AssertionError(f"model {name!r} was loaded")

    monkeypatch.setattr(gpt2_realizer, "load_model", refuse)
    return loads


def test_auto_leaves_out_a_model_trained_on_other_facts_without_loading_it(no_model_load: list[str]) -> None:
    engine = make_engine(weather())
    result = engine.render(WEATHER_RECORD).segments[0]
    assert result.realizer == "template" and result.text == "Leeds will be cloudy with a high of 14 degrees."
    assert result.route.realizers == ["template"] and "gpt2" not in result.route.fallback
    why = result.route.skipped["gpt2"]
    assert "e2e-small" in why and "city, sky, high" in why and "hybridnlg train" in why
    assert result.to_dict()["route"]["skipped"] == {"gpt2": why}  # in the JSON trace
    assert "gpt2" not in result.failures and all(t.candidate.realizer == "template" for t in result.candidates)
    assert no_model_load == [] and not engine.realizers["gpt2"].loaded


def test_check_warns_per_segment_whose_auto_route_would_use_a_misfit_model(no_model_load: list[str]) -> None:
    engine = make_engine(weather())
    [warning] = fit_warnings(engine)
    assert "segments[0] (id=today)" in warning and "`auto` leaves out gpt2" in warning
    assert "'e2e-small'" in warning and "city, sky, high" in warning and "runs template alone" in warning
    assert no_model_load == []


def test_check_command_prints_the_warning_and_still_passes(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "config.yaml").write_text(json.dumps(weather()))
    done = run_cli("check", str(tmp_path / "config.yaml"))
    assert done.exit_code == 0, done.stderr
    assert "segments[0] (id=today): `auto` leaves out gpt2" in done.stderr and "city, sky, high" in done.stderr


def test_a_named_misfit_realizer_is_still_tried_and_check_warns(no_model_load: list[str]) -> None:
    engine = make_engine(weather(realizer="gpt2"))
    segment = engine.plan(WEATHER_RECORD).segments[0]
    route = engine.route(segment)
    assert route.realizers == ["gpt2"] and route.skipped == {}  # the user asked for it
    [warning] = fit_warnings(engine)
    assert "segments[0] (id=today).realizer: gpt2 is named, so it is still tried" in warning
    assert "city, sky, high" in warning and "'e2e-small'" in warning


def test_e2e_pack_still_routes_to_gpt2() -> None:
    engine = Engine.from_config(PACKS / "e2e" / "config.yaml", entrypoints=False)
    assert fit_warnings(engine) == []
    lines = (PACKS / "e2e" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()][:2]
    for report in engine.render_many(records):
        for result in report.segments:
            assert result.route.realizers == ["gpt2", "template"] and result.route.skipped == {}
            assert any(t.candidate.realizer == "gpt2" for t in result.candidates), result.failures
    assert engine.realizers["gpt2"].loaded


# how a model is judged ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("fit") / "tiny")


def tiny_copy(tiny: Path, folder: Path, *, without_meta: bool = False, **changes: Any) -> Path:
    """The tiny model in `folder/tiny`, with its meta file changed or removed."""
    target = folder / "tiny"
    target.mkdir()
    for path in tiny.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    if without_meta:
        (target / META_FILE).unlink()
    elif changes:
        data = json.loads((target / META_FILE).read_text()) | changes
        (target / META_FILE).write_text(json.dumps(data))
    return target


def route_of(tmp_path: Path, facts: dict[str, Any], **gpt2: Any) -> Any:
    config = {"segments": [{"id": "s", "facts": list(facts), "realizer": "auto",
                            "template": " ".join(f"{{{{ {name} }}}}" for name in facts)}],
              "realizers": {"gpt2": {"model": "tiny", "local_files_only": True, **gpt2}}, "validators": {}}
    engine = make_engine(config, config_dir=tmp_path)
    route = engine.route(engine.plan(facts).segments[0])
    assert not engine.realizers["gpt2"].loaded  # judged from the meta file alone
    return route


def test_a_model_knowing_every_fact_name_is_routed(tmp_path: Path, tiny: Path, no_model_load: list[str]) -> None:
    tiny_copy(tiny, tmp_path)
    route = route_of(tmp_path, {"name": "The Mill", "food": "Thai"})
    assert route.realizers == ["gpt2", "template"] and route.skipped == {}


def test_one_unknown_fact_name_is_enough_to_leave_the_model_out(tmp_path: Path, tiny: Path,
                                                                no_model_load: list[str]) -> None:
    tiny_copy(tiny, tmp_path)
    route = route_of(tmp_path, {"name": "The Mill", "customer_rating": "high"})
    assert route.realizers == ["template"]
    assert "does not know customer_rating (its slot is customerRating)" in route.skipped["gpt2"]


def test_a_model_declaring_any_schema_takes_any_fact_names(tmp_path: Path, tiny: Path,
                                                           no_model_load: list[str]) -> None:
    tiny_copy(tiny, tmp_path, any_schema=True)
    route = route_of(tmp_path, {"city": "Leeds", "sky": "cloudy"})
    assert route.realizers == ["gpt2", "template"] and route.skipped == {}


def test_a_model_without_meta_is_judged_by_its_prompt(tmp_path: Path, tiny: Path, no_model_load: list[str]) -> None:
    tiny_copy(tiny, tmp_path, without_meta=True)
    (tmp_path / "prompt.j2").write_text("Weather: {{ data }}\nText:")
    plain = route_of(tmp_path, {"city": "Leeds"})
    assert plain.realizers == ["template"] and "has no hybridnlg_meta.json" in plain.skipped["gpt2"]
    assert "prompt template" in plain.skipped["gpt2"]
    with_prompt = route_of(tmp_path, {"city": "Leeds"}, prompt="prompt.j2")
    assert with_prompt.realizers == ["gpt2", "template"]
    data_format = route_of(tmp_path, {"city": "Leeds"}, format="data")
    assert "not trained on the 'data' input format" in data_format.skipped["gpt2"]


def test_misfit_rules() -> None:
    meta = ModelMeta(slot_order=["name", "food"])
    assert misfit(["name"], meta, "data", None, "m") is None
    assert misfit(["name"], meta, "template-guided", None, "m") is None
    assert "does not know sky" in (misfit(["name", "sky"], meta, "template-guided", None, "m") or "")
    assert misfit(["sky"], meta, "prompt", "p.j2", "m") is None  # the prompt is written for the config's facts
    assert "needs a prompt template" in (misfit(["name"], meta, "prompt", None, "m") or "")
    long = ModelMeta(slot_order=[f"s{i}" for i in range(40)])
    assert "(40 in all)" in (misfit(["x"], long, "data", None, "m") or "")


# the core, for any realizer ----------------------------------------------------------------------------------


class Picky(FakeRealizer):
    """A third-party realizer that only takes segments with a `name` fact."""

    name = "picky"
    auto = True
    priority = 5

    def accepts(self, segment: Segment) -> str | None:
        return None if "name" in segment.facts else "needs a name"


class Broken(FakeRealizer):
    name = "broken"
    auto = True

    def accepts(self, segment: Segment) -> str | None:
        raise RuntimeError("boom")

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        raise AssertionError("a realizer whose accepts() raised is left out of auto")


def test_any_realizer_can_decline_an_auto_segment() -> None:
    config = {"segments": [{"id": "a", "facts": ["name"], "template": "{{ name }}.", "realizer": "auto"},
                           {"id": "b", "facts": ["city"], "template": "In {{ city }}.", "realizer": "auto"},
                           {"id": "c", "facts": ["city"], "template": "At {{ city }}.", "realizer": "picky"}],
              "realizers": {"picky": {"texts": ["{name} it is."]}, "broken": {}},
              "routing": {"auto": ["picky", "broken", "template"]}, "validators": {}}
    engine = make_engine(config, plugin_of(Picky, Broken))
    report = engine.render({"name": "Ann", "city": "Leeds"})
    a, b, c = report.segments
    assert a.route.realizers == ["picky", "template"] and set(a.route.skipped) == {"broken"}
    assert "accepts() raised RuntimeError: boom" in a.route.skipped["broken"]
    assert b.route.realizers == ["template"] and b.route.skipped["picky"] == "needs a name"
    assert c.route.realizers == ["picky"] and c.route.skipped == {}
    raised = "accepts() raised RuntimeError: boom"
    assert fit_warnings(engine) == [
        f"<config>: segments[0] (id=a): `auto` leaves out broken (`auto` runs picky, template alone): {raised}",
        "<config>: segments[1] (id=b): `auto` leaves out picky (`auto` runs template alone): needs a name",
        f"<config>: segments[1] (id=b): `auto` leaves out broken (`auto` runs template alone): {raised}",
        "<config>: segments[2] (id=c).realizer: picky is named, so it is still tried, but needs a name",
    ]


def test_when_auto_has_nothing_left_the_fallback_chain_takes_over() -> None:
    config = {"segments": [{"id": "b", "facts": ["city"], "template": "In {{ city }}.", "realizer": "auto"}],
              "routing": {"auto": ["picky"]}, "validators": {}}
    engine = make_engine(config, plugin_of(Picky))
    result = engine.render({"city": "Leeds"}).segments[0]
    assert result.route.realizers == ["template"] and result.route.fallback == []
    assert result.realizer == "template" and result.text == "In Leeds."
    [warning] = fit_warnings(engine)
    assert "`auto` leaves out picky (the fallback chain realizes it): needs a name" in warning


def test_realizers_accept_everything_unless_they_say_otherwise() -> None:
    assert Realizer.accepts(FakeRealizer(FakeRealizer.Config()), Segment("s", "s", 0, {}, {})) is None
