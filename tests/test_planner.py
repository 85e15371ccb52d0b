from __future__ import annotations

import json
from typing import Any

import pytest

from hybridnlg import DataError
from hybridnlg.testing import make_engine
from tests.conftest import PACKS

BUSINESS = json.loads((PACKS / "business" / "record.json").read_text())


def engine_for(segments: list[dict], **extra: object):
    return make_engine({"segments": segments, "validators": {}, **extra})


def test_when_condition_selects_segments() -> None:
    engine = engine_for([
        {"id": "a", "template": "A {{ x }}.", "facts": ["x"], "when": "x > 3"},
        {"id": "b", "template": "B {{ x }}.", "facts": ["x"], "when": "x <= 3"},
    ])
    assert [s.id for s in engine.plan({"x": 5}).segments] == ["a"]
    assert [s.id for s in engine.plan({"x": 1}).segments] == ["b"]


def test_facts_carry_values_and_data_paths_foreach_items() -> None:
    engine = engine_for([
        {"id": "row", "foreach": "rows", "as": "row", "template": "{{ row.n }}.",
         "facts": {"label": "row.name", "n": "row.n"}},
    ])
    plan = engine.plan({"rows": [{"name": "a", "n": 1}, {"name": "b", "n": 2}]})
    assert [s.id for s in plan.segments] == ["row[0]", "row[1]"]
    fact = plan.segments[1].facts["n"]
    assert (fact.value, fact.path) == (2, "rows[1].n")
    assert plan.segments[1].facts["label"].path == "rows[1].name"


def test_foreach_must_name_a_list() -> None:
    engine = engine_for([{"id": "row", "foreach": "rows", "template": "x"}])
    with pytest.raises(DataError) as info:
        engine.plan({"rows": 3}, index=4)
    assert "record 4" in str(info.value) and "segment 'row'" in str(info.value) and "list" in str(info.value)


def test_absent_facts_are_left_out_and_empty_segments_skipped() -> None:
    engine = engine_for([
        {"id": "a", "template": "x", "facts": ["p", "q"]},
        {"id": "b", "template": "y", "facts": ["r"]},
    ])
    plan = engine.plan({"p": 1, "q": None})
    assert [s.id for s in plan.segments] == ["a"]
    assert list(plan.segments[0].facts) == ["p"]


@pytest.mark.parametrize(
    ("op", "new", "old", "expected"),
    [("difference", 120, 100, 20), ("percent_change", 120, 100, 20), ("percent_change", 90, 120, -25),
     ("trend", 120, 100, "rising"), ("trend", 80, 100, "falling"), ("trend", 100.2, 100, "flat"), ("ratio", 50, 200, 0.2)],
)
def test_computed_facts(op: str, new: float, old: float, expected: object) -> None:
    engine = engine_for([{"id": "a", "template": "{{ c }}", "facts": ["c"],
                          "compute": {"c": {"op": op, "of": ["new", "old"], "threshold": 0.5}}}])
    assert engine.plan({"new": new, "old": old}).segments[0].facts["c"].value == expected


def test_computed_fact_on_bad_data_names_field() -> None:
    engine = engine_for([{"id": "a", "template": "{{ c }}", "facts": ["c"],
                          "compute": {"c": {"op": "difference", "of": ["new", "old"]}}}])
    with pytest.raises(DataError) as info:
        engine.plan({"new": "lots", "old": 3})
    assert "'new' must be a number" in str(info.value)
    with pytest.raises(DataError) as info:
        engine.plan({"new": 3})
    assert info.value.field == "old"


def test_referring_expressions_full_then_short_form_then_full_in_new_section() -> None:
    engine = make_engine({"validators": {}, "templates": str(PACKS / "business" / "templates"), **{
        k: v for k, v in __import__("yaml").safe_load((PACKS / "business" / "config.yaml").read_text()).items()
        if k != "templates"
    }})
    plan = engine.plan(BUSINESS)
    by_id = {s.id: s for s in plan.segments}
    assert by_id["summary"].context["ref"] == "Northwind Traders Inc."
    assert by_id["customers"].context["ref"] == "Northwind"


def test_pronoun_when_no_short_form() -> None:
    engine = engine_for(
        [{"id": "a", "template": "{{ ref }} is a pub.", "subject": "venue", "facts": ["name"]},
         {"id": "b", "template": "{{ ref }} is cheap.", "subject": "venue", "facts": ["price"]}],
        entities={"venue": {"name": "name"}},
    )
    assert engine.render({"name": "The Eagle", "price": "cheap"}).text == "The Eagle is a pub. It is cheap."


def test_aggregation_merges_adjacent_segments_about_the_same_subject() -> None:
    engine = engine_for(
        [{"id": "a", "template": "{{ ref }} is a pub.", "subject": "venue", "facts": ["name"], "aggregate": True},
         {"id": "b", "template": "{{ ref }} is cheap.", "subject": "venue", "facts": ["price"], "aggregate": True},
         {"id": "c", "template": "Bye.", "facts": ["price"]}],
        entities={"venue": {"name": "name"}},
    )
    plan = engine.plan({"name": "The Eagle", "price": "cheap"})
    assert [s.id for s in plan.segments] == ["a+b", "c"]
    assert set(plan.segments[0].facts) == {"name", "price"}
    assert [p.id for p in plan.segments[0].parts] == ["a", "b"]
    assert engine.render({"name": "The Eagle", "price": "cheap"}).text == "The Eagle is a pub and is cheap. Bye."


def test_sections_order_segments_and_give_titles() -> None:
    engine = engine_for(
        [{"id": "late", "template": "Late.", "section": "end"}, {"id": "early", "template": "Early.", "section": "start"}],
        document={"title": "Report for {{ who }}", "sections": [{"id": "start", "title": "Start"}, {"id": "end"}]},
    )
    report = engine.render({"who": "Ada"}, format="markdown")
    assert report.text == "# Report for Ada\n\n## Start\n\nEarly.\n\nLate.\n"


def relation_engine() -> Any:
    return engine_for(
        [{"id": "fact", "foreach": "triples", "as": "t", "subject": "thing", "aggregate": True,
          "facts": {"triple": "t"}, "template": "{{ ref }} has {{ t.object }} as its {{ t.predicate }}."}],
        entities={"thing": {"name": "t.subject"}},
    )


TRIPLES = {"triples": [{"subject": "Aarhus", "predicate": "mayor", "object": "Jacob"},
                       {"subject": "Aarhus", "predicate": "river", "object": "Aarhus River"},
                       {"subject": "Denmark", "predicate": "capital", "object": "Copenhagen"},
                       {"subject": "Aarhus", "predicate": "airport", "object": "Tirstrup"}]}


def test_foreach_items_about_the_same_subject_value_aggregate() -> None:
    plan = relation_engine().plan(TRIPLES)
    assert [s.id for s in plan.segments] == ["fact[0]+fact[1]", "fact[2]", "fact[3]"]
    merged = plan.segments[0]
    # the items' facts share a name: the merged segment keeps both, qualified by the item's segment id
    assert list(merged.facts) == ["fact[0].triple", "fact[1].triple"]
    assert merged.facts["fact[1].triple"].value["object"] == "Aarhus River"
    assert [s.subject_value for s in plan.segments] == ["Aarhus", "Denmark", "Aarhus"]


def test_references_follow_entity_values_not_kinds() -> None:
    text = relation_engine().render(TRIPLES).text
    # no "It" for Denmark (another entity than Aarhus), and none for Aarhus after Denmark came between
    assert text == ("Aarhus has Jacob as its mayor and has Aarhus River as its river. Denmark has Copenhagen as its "
                    "capital. Aarhus has Tirstrup as its airport.")
