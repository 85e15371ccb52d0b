"""Bad data never crashes: a correct rendering or a HybridNLGError naming record, field and template line."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hybridnlg import DataError, HybridNLGError
from hybridnlg.pipeline.report import Report
from hybridnlg.testing import make_engine
from tests.conftest import PACKS, RunCli

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), st.sampled_from(["\u202egnp.exe", "zero\u200bwidth", "emoji 🍕🎉", "<script>", "{{ x }}"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=8)


def pack_engine(pack: str):
    config = yaml.safe_load((PACKS / pack / "config.yaml").read_text())
    return make_engine({**config, "validators": {}}, config_dir=PACKS / pack)


BUSINESS = pack_engine("business")
E2E = pack_engine("e2e")
BUSINESS_KEYS = ["company", "short_name", "quarter", "currency", "revenue", "revenue_prev", "customers",
                 "customers_prev", "regions", "outlook"]
E2E_KEYS = ["name", "eatType", "food", "priceRange", "customerRating", "area", "familyFriendly", "near"]


def outcome(engine: Any, record: Any) -> Report | HybridNLGError:
    try:
        return engine.render(record, realizer="template")
    except HybridNLGError as exc:
        return exc


region = st.fixed_dictionaries({}, optional={"name": values, "revenue": values, "revenue_prev": values, "stores": values})


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional={k: values for k in BUSINESS_KEYS} | {"regions": st.lists(region, max_size=3)}))
def test_business_pack_never_crashes(record: dict) -> None:
    result = outcome(BUSINESS, record)
    if isinstance(result, Report):
        assert isinstance(result.text, str)
    else:
        assert str(result)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional={k: values for k in E2E_KEYS}))
def test_e2e_pack_never_crashes(record: dict) -> None:
    result = outcome(E2E, record)
    assert isinstance(result, (Report, HybridNLGError))


templates = st.sampled_from([
    "{{ x }}", "{{ x | number }}", "{{ x | percent }}", "{{ x | currency }}", "{{ x | plural(2) }}", "{{ x | a_an }}",
    "{{ x | join_list }}", "{{ x | date }}", "{{ x | ordinal }}", "{{ x | number_words }}", "{{ x.y }}", "{{ x[0] }}",
    "{% for i in x %}{{ i }} {% endfor %}", "{{ x | count_noun('shop') }}", "{{ x | trend_word }}", "{{ x * 3 }}",
])


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(templates, st.sampled_from(["difference", "percent_change", "trend", "ratio", "sum"]), values, values,
       st.sampled_from(["text", "markdown", "html", "json"]))
def test_random_small_configs_never_crash(template: str, op: str, x: Any, old: Any, fmt: str) -> None:
    engine = make_engine({"validators": {}, "segments": [
        {"id": "a", "template": template, "facts": ["x"]},
        {"id": "b", "template": "{{ c }}", "facts": ["c"], "compute": {"c": {"op": op, "of": ["x", "old"]}}},
    ]})
    try:
        report = engine.render({"x": x, "old": old}, format=fmt)
    except HybridNLGError as exc:
        assert str(exc)
    else:
        assert isinstance(report.text, str)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_in_computed_facts_name_the_field(bad: float) -> None:
    record = json.loads((PACKS / "business" / "record.json").read_text())
    with pytest.raises(DataError) as info:
        BUSINESS.render({**record, "revenue": bad})
    assert info.value.field == "revenue" and info.value.segment == "summary"


def test_odd_unicode_renders_and_is_kept() -> None:
    name = "\u202eCafé\u200b 🍕"
    assert E2E.render({"name": name, "eatType": "pub"}, realizer="template").text.startswith(name)


def test_huge_strings_hit_the_output_limit_not_memory() -> None:
    engine = make_engine({"validators": {}, "segments": [{"id": "a", "template": "{{ x }}", "facts": ["x"]}]})
    with pytest.raises(HybridNLGError, match="max_output_chars"):
        engine.render({"x": "y" * 1_000_000})


def test_non_utf8_and_deeply_nested_lines_become_error_records(tmp_path: Path, run_cli: RunCli) -> None:
    src = tmp_path / "in.jsonl"
    good = json.dumps({"name": "Ada", "eatType": "pub"}).encode()
    deep = b"[" * 100_000 + b"]" * 100_000
    src.write_bytes(good + b"\n" + b'{"name": "\xff\xfe"}\n' + deep + b"\n" + good + b"\n")
    out = tmp_path / "out.jsonl"
    cfg = tmp_path / "c.yaml"
    cfg.write_text("validators: {}\nsegments:\n  - {id: a, template: '{{ name }} is a {{ eatType }}.', facts: [name]}\n")
    done = run_cli("batch", str(cfg), str(src), "--out", str(out))
    assert done.exit_code == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["index"] for r in rows] == [0, 1, 2, 3]
    assert "not UTF-8" in rows[1]["error"]["message"] and f"{src}:2" in rows[1]["error"]["message"]
    assert "too deeply nested" in rows[2]["error"]["message"]
    assert rows[3]["text"] == "Ada is a pub."
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"name": "\xff"}')
    done = run_cli("render", str(cfg), str(bad))
    assert done.exit_code == 1 and "not UTF-8" in done.stderr and "Traceback" not in done.stderr


WHENS = [None, "x > 1", "x is defined", "x | length > 2", "x.y == 3", "x in ['a', 'b']", "x ~ 'a' == 'aa'",
         "old is number and old > 0", "x[0] == 1", "x is string", "not x"]
FACTS = [["x"], ["x", "old"], ["x.y"], ["missing"], ["x[0]"], {"v": "x"}]


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(templates, st.sampled_from(WHENS), st.sampled_from(FACTS), st.booleans(),
                          st.sampled_from([None, "difference", "percent_change", "trend", "ratio", "sum"])),
                min_size=1, max_size=4),
       st.lists(st.fixed_dictionaries({}, optional={"x": values, "old": values}), min_size=2, max_size=4),
       st.sampled_from(["text", "markdown", "html", "json"]))
def test_random_configs_and_records_never_crash_and_never_touch_their_neighbours(
    specs: list[tuple[str, str | None, Any, bool, str | None]], records: list[dict[str, Any]], fmt: str
) -> None:
    segments = []
    for i, (template, when, facts, aggregate, op) in enumerate(specs):
        segment: dict[str, Any] = {"id": f"s{i}", "template": template, "facts": facts}
        if when:
            segment["when"] = when
        if aggregate:
            segment.update(subject="it", aggregate=True)
        if op:
            segment["compute"] = {"c": {"op": op, "of": ["x", "old"]}}
        segments.append(segment)
    engine = make_engine({"validators": {}, "entities": {"it": {"name": "x"}}, "segments": segments})
    together = list(engine.render_many(records, format=fmt, errors="record"))  # any other exception fails the test
    assert len(together) == len(records)
    for index, (record, result) in enumerate(zip(records, together)):
        alone = list(engine.render_many([record], format=fmt, errors="record"))[0]
        if isinstance(result, Report):
            assert isinstance(alone, Report) and alone.outputs == result.outputs
        else:
            assert isinstance(alone, dict) and result["index"] == index and result["error"]["type"] != "InternalError"
