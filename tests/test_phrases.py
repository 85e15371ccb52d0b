"""Predicate phrases mined from data/text pairs (`hybridnlg lexicon phrases`) and the WebNLG template that uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hybridnlg import Engine
from hybridnlg_spacy.phrases import mine_phrases
from hybridnlg_spacy.predicates import read_relation_pairs
from tests.conftest import PACKS
from tests.test_predicates import write_pairs

PAIRS = [
    ([("Aarhus_Airport", "cityServed", "Aarhus")], "Aarhus Airport serves the city of Aarhus."),
    ([("Tirstrup_Airport", "cityServed", "Tirstrup")], "Tirstrup Airport serves the city of Tirstrup."),
    ([("Tirstrup_Airport", "cityServed", "Tirstrup")], "The city served by Tirstrup Airport is Tirstrup."),
    ([("Ann_Lee", "cityServed", "Oslo")], "Ann Lee serves Oslo."),
    ([("Alan_Bean", "birthPlace", "Wheeler,_Texas"), ("Alan_Bean", "occupation", "Test_pilot")],
     "Alan Bean was born in Wheeler, Texas. Alan Bean worked as a test pilot."),
    ([("Ann_Lee", "birthPlace", "Oslo"), ("Ann_Lee", "occupation", "Test_pilot")],
     "Ann Lee was born in Oslo and worked as a test pilot."),
    ([("Ann_Lee", "birthPlace", "Oslo_(city)")], "Ann Lee was born in Oslo."),
    ([("Ann_Lee", "occupation", "Test_pilot")], "Ann Lee worked as a test pilot."),
    ([("Aarhus_Airport", "runwayName", "10R/28L")], "Aarhus Airport runway name is 10R/28L."),
    ([("Aarhus_Airport", "runwayName", "10L/28R")], "Aarhus Airport runway name is 10L/28R."),
]


def test_the_most_frequent_phrase_between_a_subject_and_its_object_is_mined() -> None:
    mined = mine_phrases(PAIRS, min_count=2)
    assert mined["cityServed"] == "serves the city of"  # twice; "serves" once, the passive reading never
    # one sentence per relation counts; a sentence whose middle names another entity of the entry does not
    assert mined["birthPlace"] == "was born in" and mined["occupation"] == "worked as a"
    assert "runwayName" not in mined  # "X runway name is Y": no verb phrase to join after a subject
    assert mine_phrases(PAIRS, min_count=3) == {}  # no phrase is in three sentences of the form


def test_lexicon_phrases_command_writes_a_jinja_table_with_the_datas_licence(tmp_path: Path) -> None:
    from hybridnlg_spacy.mine_command import lexicon_group

    out = tmp_path / "phrases.j2"
    pairs = write_pairs(tmp_path / "data")
    result = CliRunner().invoke(lexicon_group, ["phrases", str(pairs), "--out", str(out), "--min-count", "2"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "cc-by-sa-4.0" in text and "written for a test" in text
    # as many "serves" as "serves the city of": the shorter wins; "comes from the X region" does not end on X
    assert mine_phrases(read_relation_pairs(pairs), 2) == {"birthPlace": "was born in", "cityServed": "serves"}
    assert '"cityServed": "serves"' in text
    (tmp_path / "use.j2").write_text('{% from "phrases.j2" import phrases %}X {{ phrases["birthPlace"] }} Y.')
    engine = Engine.from_config({"templates": ".", "segments": [{"id": "s", "template": "use.j2", "facts": {}}]},
                                config_dir=tmp_path, entrypoints=False)
    assert engine.render({}).text == "X was born in Y."
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"texts": ["x"]}\n')
    result = CliRunner().invoke(lexicon_group, ["phrases", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "bad.jsonl:1" in result.output


def test_the_webnlg_template_says_mined_phrases_and_reads_unknown_predicates() -> None:
    pytest.importorskip("spacy")
    engine = Engine.from_config({"templates": "./templates", "segments": [
        {"id": "entry", "template": "entry.j2", "facts": {"triples": "triples"}, "realizer": "template"}]},
        config_dir=PACKS / "webnlg", entrypoints=False)
    record = {"triples": [
        {"subject": "Aarhus_Airport", "predicate": "cityServed", "object": "Aarhus"},
        {"subject": "Aarhus_Airport", "predicate": "runwayLength", "object": "2702.0"},
        {"subject": "Aarhus", "predicate": "leader", "object": "Jacob_Bundsgaard"},
        {"subject": "Aarhus", "predicate": "twinnedWith", "object": "Kaunas"},
    ]}
    # the clause that names the next sentence's subject goes last, and that sentence follows it with ", which"
    assert engine.render(record).text == ("Aarhus Airport has a runway length of 2702.0 and serves the city of Aarhus, "
                                          "which is led by Jacob Bundsgaard and is twinned with Kaunas.")
    record["triples"] += [{"subject": "Kaunas", "predicate": "populationTotal", "object": "295269"},
                          {"subject": "Aarhus_Airport", "predicate": "openingDate", "object": "1944-01-01"}]
    assert engine.render(record).text == (
        "Aarhus Airport has an opening date of January 1, 1944; has a runway length of 2702.0 and serves the city of "
        "Aarhus, which is led by Jacob Bundsgaard and is twinned with Kaunas. Kaunas has a population total of "
        "295269.")  # one ", which" per sentence; literal objects: "has a ... of"; ISO dates in words
