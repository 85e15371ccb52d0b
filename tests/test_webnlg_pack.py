"""The WebNLG pack: records exactly as WebNLG gives them (raw DBpedia strings), rendered and verified offline."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hybridnlg import DataError, Engine, RealizationError, TemplateError
from tests.conftest import PACKS

CONFIG = PACKS / "webnlg" / "config.yaml"
RECORD = json.loads((PACKS / "webnlg" / "record.json").read_text())
ONE = {"triples": RECORD["triples"][:1]}  # the model writes one relation at a time (max_relations)


def yaml_config() -> dict[str, Any]:
    import yaml

    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text())
    return config


def spacy_only() -> Engine:
    pytest.importorskip("spacy")
    import yaml

    config = yaml.safe_load(CONFIG.read_text())
    config["segments"][0]["realizer"] = "template"
    return Engine.from_config({**config, "validators": {"spacy": config["validators"]["spacy"]}},
                              config_dir=CONFIG.parent, entrypoints=False)


def test_raw_dbpedia_strings_are_written_as_text() -> None:
    report = spacy_only().render(RECORD)
    assert report.text == "Aarhus Airport serves the city of Aarhus, Denmark and has a runway length of 2702.0."
    assert not any(result.flagged for result in report.segments)


@pytest.mark.parametrize(("text", "passed", "status"), [
    ("Aarhus Airport serves Aarhus, Denmark, and has a runway length of 2702.0.", True, "expressed"),
    ("Aarhus Airport serves Copenhagen and has a runway length of 2702.0.", False, "missing"),
])
def test_verify_reads_relations(text: str, passed: bool, status: str) -> None:
    report = spacy_only().verify(RECORD, text)
    assert report.passed is passed
    assert report.facts["triples"].status == status


@pytest.mark.parametrize(("triples", "message"), [
    ([{"subject": "A"}], "item 0: expected the keys subject, predicate, object; got subject"),
    ("not a list", "expected a non-empty list of triples"),
    ([["A", "p", "B"], ["B", 7, "C"]], "item 1: the predicate must be a non-empty string; got 7"),
    ([["A", "p", ""]], "item 0: the object must be a non-empty string or a number"),
    ([["A", "p"]], r"item 0: expected \[subject, predicate, object\]"),
])
def test_malformed_triples_are_a_clear_error_naming_the_item(triples: Any, message: str) -> None:
    with pytest.raises((DataError, TemplateError), match=rf"record 0, segment 'entry'.*{message}"):
        spacy_only().render({"triples": triples})


def test_ten_thousand_triples_meet_a_documented_limit() -> None:
    triples = [[f"Entity_{i % 500}", f"prop{i % 40}", f"Value_{i}"] for i in range(10_000)]
    with pytest.raises(TemplateError, match="max_output_chars"):
        spacy_only().render({"triples": triples})


def test_the_pack_uses_the_shipped_webnlg_checker() -> None:
    pytest.importorskip("transformers")
    engine = Engine.from_config(CONFIG, entrypoints=False)
    assert engine.check() == []
    report = engine.verify(RECORD, "Aarhus Airport serves Aarhus, Denmark, and has a runway length of 2702.0.")
    assert "fidelity" in report.validators


@pytest.mark.parametrize("record", [{"triples": []}, {}])
def test_an_empty_triple_list_is_left_out_and_strict_makes_it_an_error(record: dict[str, Any]) -> None:
    engine = spacy_only()
    report = engine.render(record)
    assert report.text == "" and report.left_out == ["entry (none of triples)"]
    with pytest.raises(RealizationError, match=r"strict.*none of triples"):
        engine.render(record, strict=True)


def test_the_shipped_webnlg_model_writes_entries_and_the_validator_guards_them() -> None:
    pytest.importorskip("transformers")
    engine = Engine.from_config(CONFIG, entrypoints=False)
    report = engine.render(ONE)
    [segment] = report.segments
    assert segment.route.realizers == ["gpt2", "template"] and segment.route.skipped == {}
    gpt2 = [c for c in segment.candidates if c.candidate.realizer == "gpt2"]
    assert gpt2 and all("__ENT" not in c.candidate.text for c in gpt2)  # entity placeholders restored
    assert not segment.flagged and "Aarhus Airport" in report.text  # whoever wrote it, it passed validation
    # two relations: over max_relations, so GPT-2 writes a sentence per relation (`over_max_relations: sentences`)
    [two] = engine.render(RECORD).segments
    assert two.route.realizers == ["gpt2", "template"] and two.route.skipped == {}
    joined = [c.candidate for c in two.candidates if c.candidate.realizer == "gpt2"]
    assert joined and all(len(c.meta["sentences"]) == 2 for c in joined)
    assert all("Aarhus" in sentence for sentence in joined[0].meta["sentences"])  # each sentence says its relation
    assert not two.flagged
    # each sentence is a part, validated against its own relation; the template's sentence for a relation comes last
    assert [[triple["predicate"] for triple in part.facts["triples"].value] for part, _ in joined[0].parts] == [
        ["cityServed"], ["runwayLength"]]
    validated = next(t for t in two.candidates if t.validated and t.candidate.realizer == "gpt2")
    assert [p["segment"] for p in validated.reports[0].meta["parts"]] == ["entry#0", "entry#1"]
    # a relation whose GPT-2 sentences all fail gets the template's sentence; the others keep GPT-2's
    book = {"triples": [{"subject": "A_Wizard_of_Mars", "predicate": "language", "object": "English_language"},
                        {"subject": "A_Wizard_of_Mars", "predicate": "author", "object": "Diane_Duane"}]}
    [mixed] = engine.render(book).segments
    chosen = next(t for t in mixed.candidates if t.status == "chosen")
    assert mixed.realizer == "gpt2" and chosen.candidate.meta["sources"] == ["template", "gpt2"]
    rejected = [t for t in mixed.candidates if t.status.startswith("rejected")]
    assert rejected and all(i.message.startswith("entry#0: ") for t in rejected for r in t.reports for i in r.issues)
    whole = yaml_config()
    whole["realizers"]["gpt2"]["over_max_relations"] = "template"
    [kept] = Engine.from_config(whole, config_dir=CONFIG.parent, entrypoints=False).render(RECORD).segments
    assert kept.route.realizers == ["template"]
    assert "2 relations, more than realizers.gpt2.max_relations (1)" in kept.route.skipped["gpt2"]


def test_the_restaurant_model_is_never_used_for_triples() -> None:
    pytest.importorskip("transformers")
    import yaml

    config = yaml.safe_load(CONFIG.read_text())
    config["realizers"]["gpt2"]["model"] = "e2e-small"
    engine = Engine.from_config(config, config_dir=CONFIG.parent, entrypoints=False)
    route = engine.route(engine.plan(RECORD).segments[0])
    assert route.realizers == ["template"] and "does not know triples" in route.skipped["gpt2"]
    assert any("leaves out gpt2" in notice and "does not know triples" in notice for notice in engine.notices())


def test_a_predicate_the_shipped_model_never_saw_is_left_to_the_template() -> None:
    pytest.importorskip("transformers")
    import yaml

    engine = Engine.from_config(yaml.safe_load(CONFIG.read_text()), config_dir=CONFIG.parent, entrypoints=False)
    held_out = {"triples": [{"subject": "Batagor", "predicate": "dishVariation", "object": "Siomay"},
                            {"subject": "Batagor", "predicate": "country", "object": "Indonesia"}]}
    route = engine.route(engine.plan(held_out).segments[0])
    assert route.realizers == ["template"]
    assert "never trained on the predicate(s) dishVariation;" in route.skipped["gpt2"]
    assert engine.route(engine.plan(ONE).segments[0]).realizers[0] == "gpt2"  # cityServed: seen


@pytest.mark.parametrize(("text", "passed"), [
    ("Aarhus Airport serves the city of 2702.0 and has a runway length of Aarhus, Denmark.", False),
    ("Aarhus Airport serves Aarhus, Denmark and its runway is 2702.0 long.", True),
    ("With a runway length of 2702.0, Aarhus Airport serves the city of Aarhus, Denmark.", True),
])
def test_values_swapped_between_relations_are_wrong(text: str, passed: bool) -> None:
    report = spacy_only().verify(RECORD, text)
    assert report.passed is passed
    if not passed:  # the value contexts may say so too ('Aarhus, Denmark' after 'runway length of')
        assert {i.code for i in report.issues} == {"wrong_value"}
        assert any("the values look swapped" in i.message for i in report.issues)
        assert report.facts["triples"].status == "wrong"


DAGGETT = {"triples": [{"subject": "Aaron_S._Daggett", "predicate": "battle", "object": "Battle_of_the_Wilderness"},
                       {"subject": "Aaron_S._Daggett", "predicate": "award", "object": "Purple_Heart"},
                       {"subject": "Aaron_S._Daggett", "predicate": "deathPlace", "object": "West_Roxbury"},
                       {"subject": "Aaron_S._Daggett", "predicate": "birthPlace", "object": "Maine"}]}


@pytest.mark.parametrize(("text", "passed"), [
    ("Aaron S. Daggett was born in Maine and died in West Roxbury. He fought in the Battle of the Wilderness and was "
     "awarded the Purple Heart.", True),
    # webnlg-small's own text: every value and every predicate's words are there, two values by the wrong words
    ("Aaron S. Daggett was born in Maine and died in Purple Heart. He fought in the Battle of the Wilderness and was "
     "awarded the West Roxbury.", False),
])
def test_a_value_by_the_words_of_another_relation_is_wrong(text: str, passed: bool) -> None:
    report = spacy_only().verify(DAGGETT, text)
    assert report.passed is passed, report.issues
    if not passed:
        assert {i.code for i in report.issues} == {"wrong_value"}
        assert any("'Purple Heart' (award) follows 'and died in', which in the training texts comes before a 'death "
                   "place' (here 'West Roxbury')" in i.message for i in report.issues), report.issues
