from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from hybridnlg import Candidate, DataError, RealizationError, Realizer, Segment
from hybridnlg.testing import FakeRealizer, FakeValidator, make_engine, plugin_of

PLUGIN = plugin_of(FakeRealizer, FakeValidator)


def config(realizer: str = "fake", texts: list[str] | None = None, on_failure: str = "template", **extra: object) -> dict:
    return {
        "segments": [{"id": "s", "template": "{{ name }} is open.", "facts": ["name"], "realizer": realizer}],
        "realizers": {"fake": {"texts": texts if texts is not None else ["{name} welcomes you"]}},
        "validators": {"fake": {}},
        "decision": {"on_failure": on_failure, "prefer": ["fake", "template"]},
        **extra,
    }


def test_passing_candidate_of_preferred_realizer_wins_in_auto_like_routing() -> None:
    engine = make_engine({**config(), "segments": [
        {"id": "s", "template": "{{ name }} is open.", "facts": ["name"], "realizer": "fake", "fallback": ["template"]}
    ]}, PLUGIN)
    result = engine.render({"name": "Ada"}).segments[0]
    assert result.realizer == "fake" and result.text == "Ada welcomes you"


def test_failed_candidates_fall_back_to_template_with_reason_in_trace() -> None:
    engine = make_engine(config(texts=["Somebody welcomes you"]), PLUGIN)
    result = engine.render({"name": "Ada"}).segments[0]
    assert result.realizer == "template" and result.text == "Ada is open."
    fake = [t for t in result.candidates if t.candidate.realizer == "fake"][0]
    assert fake.status == "rejected: missing_fact"
    assert result.route.fallback == ["template"]
    assert result.to_dict()["candidates"][0]["reports"][0]["issues"][0]["code"] == "missing_fact"


@pytest.mark.parametrize("action", ["template", "drop", "raise"])
def test_on_failure_actions(action: str) -> None:
    cfg = config(texts=["nobody"], on_failure=action)
    cfg["segments"][0]["template"] = "Closed today."  # the template fails validation too
    cfg["segments"][0]["fallback"] = []
    engine = make_engine(cfg, PLUGIN)
    if action == "raise":
        with pytest.raises(RealizationError, match="segment 's': no candidate passed"):
            engine.render({"name": "Ada"})
        return
    result = engine.render({"name": "Ada"}).segments[0]
    if action == "template":
        assert (result.text, result.flagged, result.realizer) == ("Closed today.", True, "template")
    else:
        assert result.text is None and result.decision.startswith("dropped")


def test_each_realizer_and_validator_called_once_per_window() -> None:
    engine = make_engine(config(), PLUGIN)
    reports = list(engine.render_many([{"name": f"n{i}"} for i in range(10)], window=4))
    assert [r.segments[0].text for r in reports] == [f"n{i} welcomes you" for i in range(10)]
    assert [len(c) for c in engine.realizers["fake"].calls] == [4, 4, 2]
    assert engine.validators["fake"].calls == [4, 4, 2]


def test_render_many_yields_error_records_in_place() -> None:
    engine = make_engine({"validators": {}, "segments": [{"id": "s", "template": "{{ name }} {{ x }}", "facts": ["name"]}]})
    out = list(engine.render_many([{"name": "a", "x": 1}, {"name": "b"}, "not a dict", {"name": "d", "x": 2}], errors="record"))
    assert out[0].text == "A 1." and out[3].text == "D 2."
    assert out[1]["index"] == 1 and out[1]["error"]["type"] == "TemplateError" and out[1]["error"]["field"] == "x"
    assert out[1]["error"]["segment"] == "s" and out[1]["error"]["record"] == 1
    assert out[2]["error"]["type"] == "DataError" and "JSON object" in out[2]["error"]["message"]
    with pytest.raises(DataError):
        list(engine.render_many([{"name": "b"}]))


class Exploding(Realizer):
    name = "boom"

    def realize(self, segments: Sequence[Segment]) -> list:
        raise RuntimeError("kaput")


class Garbage(Realizer):
    name = "garbage"

    def realize(self, segments: Sequence[Segment]) -> list:
        return [[Candidate(self.name, 42)]] + [["not a candidate"]] * (len(segments) - 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(("realizer", "reason"), [("boom", "raised RuntimeError: kaput"), ("garbage", "not a list of Candidate")])
def test_misbehaving_realizer_falls_back_and_the_report_renders(realizer: str, reason: str) -> None:
    engine = make_engine(
        {"validators": {}, "segments": [
            {"id": "a", "template": "{{ name }} one.", "facts": ["name"], "realizer": realizer},
            {"id": "b", "template": "Two.", "realizer": realizer},
        ]},
        plugin_of(Exploding, Garbage),
    )
    report = engine.render({"name": "Ada"})
    assert report.text == "Ada one. Two."
    assert reason in report.segments[0].failures[realizer]
    assert all(r.realizer == "template" for r in report.segments)


def test_forced_realizer_overrides_routing() -> None:
    engine = make_engine({**config(realizer="template")}, PLUGIN)
    assert engine.render({"name": "Ada"}, realizer="fake").segments[0].realizer == "fake"
    available = ", ".join(sorted([*engine.realizers, "auto"]))
    assert "fake" in available
    with pytest.raises(Exception, match=f"No realizer named 'nope'. Available: {available}$"):
        engine.render({"name": "Ada"}, realizer="nope")


def test_engine_is_safe_to_share_across_threads() -> None:
    engine = make_engine(config(), PLUGIN)
    results: dict[int, str] = {}

    def work(i: int) -> None:
        results[i] = engine.render({"name": f"n{i}"}).text

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: f"N{i} welcomes you." for i in range(16)}


def test_arender() -> None:
    import asyncio

    engine = make_engine(config(), PLUGIN)
    assert asyncio.run(engine.arender({"name": "Ada"})).text == "Ada welcomes you."


class Hanging(Realizer):
    name = "hang"

    def realize(self, segments: Sequence[Segment]) -> list:
        threading.Event().wait(30)
        return [[Candidate(self.name, "late")] for _ in segments]


def test_realizer_past_its_timeout_falls_back_with_the_reason() -> None:
    import time

    engine = make_engine({"validators": {}, "timeouts": {"hang": 0.3},
                          "segments": [{"id": "a", "template": "On time.", "realizer": "hang"}]}, plugin_of(Hanging))
    started = time.perf_counter()
    result = engine.render({}).segments[0]
    assert time.perf_counter() - started < 5
    assert result.text == "On time." and "no answer within 0.3 s (timeouts.hang)" in result.failures["hang"]


def test_validator_that_raises_fails_candidates_with_validator_error_and_template_is_flagged() -> None:
    from hybridnlg import Validator

    class Broken(Validator):
        name = "broken"

        def validate(self, items):
            raise ValueError("bad lexicon")

    engine = make_engine({"validators": {"broken": {}}, "segments": [{"id": "a", "template": "Hello."}]}, plugin_of(Broken))
    result = engine.render({}).segments[0]
    assert result.text == "Hello." and result.flagged
    assert result.candidates[0].reports[0].issues[0].code == "validator_error"


def test_render_many_reads_a_pandas_dataframe() -> None:
    pandas = pytest.importorskip("pandas")
    engine = make_engine(config(), PLUGIN)
    frame = pandas.DataFrame([{"name": "Ada"}, {"name": "Bo"}])
    assert [r.text for r in engine.render_many(frame)] == ["Ada welcomes you.", "Bo welcomes you."]
