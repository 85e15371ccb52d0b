"""Relation predicates: the mined predicate lexicon, per-relation checks, what stays unchecked, and names in texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hybridnlg import Engine, by_subject

pytest.importorskip("spacy")

from hybridnlg_spacy.predicates import mine, read_relation_pairs

ENTRIES = [
    ({"category": "Airport", "triples": [["Aarhus_Airport", "cityServed", "Aarhus"]],
      "texts": ["Aarhus Airport serves the city of Aarhus.", "The city served by Aarhus Airport is Aarhus."]}, 4),
    ({"category": "Airport", "triples": [["Tirstrup_Airport", "cityServed", "Tirstrup"]],
      "texts": ["Tirstrup Airport serves Tirstrup."]}, 4),
    ({"category": "Person", "triples": [["Alan_Bean", "birthPlace", "Wheeler,_Texas"]],
      "texts": ["Alan Bean was born in Wheeler, Texas.", "Alan Bean's birthplace is Wheeler, Texas."]}, 4),
    ({"category": "Person", "triples": [["Ann_Lee", "birthPlace", "Oslo"]],
      "texts": ["Ann Lee was born in Oslo."]}, 4),
    ({"category": "Food", "triples": [["Bakewell_pudding", "region", "Derbyshire_Dales"]],
      "texts": ["Bakewell pudding comes from the Derbyshire Dales region."]}, 20),
]


def write_pairs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(entry) for entry, copies in ENTRIES for _ in range(copies)]
    (folder / "pairs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "README.md").write_text("# Pairs\n\nSource: written for a test. Licence: CC BY-SA 4.0.\n")
    return folder / "pairs.jsonl"


def test_mining_finds_the_words_that_say_each_predicate(tmp_path: Path) -> None:
    entries = mine(read_relation_pairs(write_pairs(tmp_path)))
    assert {"serve", "city"} <= set(entries["cityServed"].cues)  # its own words and the verb the texts use
    assert "born" in entries["birthPlace"].cues and entries["birthPlace"].coverage == 1.0
    assert not {"aarhu", "airpo", "alan", "wheel"} & set(entries["cityServed"].cues + entries["birthPlace"].cues)
    assert "region" not in mine(read_relation_pairs(write_pairs(tmp_path), frozenset({"Food"})))


def test_lexicon_mine_command_writes_a_file_with_the_datas_licence(tmp_path: Path) -> None:
    import subprocess
    import sys

    from hybridnlg_spacy.mine_command import lexicon_group

    registered = subprocess.run([sys.executable, "-m", "hybridnlg.cli", "lexicon", "mine", "--help"],
                                capture_output=True, text=True, check=False)
    assert registered.returncode == 0 and "--hold-out" in registered.stdout  # the spaCy plugin adds the command
    out = tmp_path / "predicates.yaml"
    result = CliRunner().invoke(lexicon_group, ["mine", str(write_pairs(tmp_path / "data")), "--out", str(out)])
    assert result.exit_code == 0, result.output
    import yaml

    document = yaml.safe_load(out.read_text())
    assert document["licence"] == "cc-by-sa-4.0" and "written for a test" in document["credit"][0]
    assert set(document["predicates"]) == {"cityServed", "birthPlace", "region"}
    assert document["value_contexts"]["before"]["names"]["was born in"]["of"] == {"birthPlace": 8.0}
    assert document["common_values"] == {}  # the test's values are all names
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"texts": ["x"]}\n')
    result = CliRunner().invoke(lexicon_group, ["mine", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "bad.jsonl:1" in result.output


def engine_with(tmp_path: Path, **spacy: Any) -> Engine:
    mined = mine(read_relation_pairs(write_pairs(tmp_path / "data")))
    document = {"predicates": {name: entry.model_dump() for name, entry in mined.items()}}
    (tmp_path / "predicates.yaml").write_text(json.dumps(document))
    config = {"segments": [{"id": "entry", "facts": {"triples": "triples"}, "template": "{{ triples }}"}],
              "validators": {"spacy": {"predicate_files": ["predicates.yaml"], **spacy}}}
    return Engine.from_config(config, config_dir=tmp_path, entrypoints=False)


RECORD = {"triples": [{"subject": "Aarhus_Airport", "predicate": "cityServed", "object": "Aarhus"},
                      {"subject": "Aarhus_Airport", "predicate": "architect", "object": "Arne_Jacobsen"}]}


@pytest.mark.parametrize(("text", "passed", "said"), [
    ("Aarhus Airport, designed by Arne Jacobsen, serves Aarhus.", True, None),
    ("Aarhus Airport, designed by Arne Jacobsen, is near Aarhus.", False, "nothing says 'city served'"),
    ("Aarhus Airport, designed by Arne Jacobsen, serves Copenhagen.", False, "'Aarhus' not in the text"),
])
def test_each_relation_needs_its_ends_and_a_word_for_its_predicate(tmp_path: Path, text: str, passed: bool,
                                                                  said: str | None) -> None:
    report = engine_with(tmp_path).verify(RECORD, text)
    assert report.passed is passed
    if said is not None:
        [issue] = [i for i in report.issues if i.code == "missing_fact"]
        assert issue.message.startswith("triples[0] (Aarhus Airport | city served | Aarhus)") and said in issue.message
    # `architect` is in no lexicon: never failed for its wording, and the report says it was not checked
    assert report.unchecked == {"triples[1]": "unchecked predicate: no lexicon entry for predicate 'architect' "
                                              "(spacy)"}


def test_a_predicate_said_too_many_ways_is_unchecked(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    lexicon = {"predicates": {"cityServed": {"cues": ["serve"], "coverage": 0.6, "texts": 40}}}
    (tmp_path / "predicates.yaml").write_text(json.dumps(lexicon))
    report = engine.verify({"triples": [["Aarhus_Airport", "cityServed", "Aarhus"]]}, "Aarhus Airport is near Aarhus.")
    assert report.passed and "said too many ways to check (its cues cover 60%" in report.unchecked["triples[0]"]


def test_one_relation_whose_text_names_another_predicate_instead_is_not_expressed(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    lexicon = {"predicates": {"country": {"cues": ["country", "from"], "coverage": 0.5, "texts": 40},
                              "colour": {"cues": ["colour"], "texts": 40}}}
    (tmp_path / "predicates.yaml").write_text(json.dumps(lexicon))
    one = {"triples": [["Indonesia", "country", "Asia"]]}
    wrong = engine.verify(one, "The colour of Indonesia is Asia.")
    [issue] = wrong.issues
    assert issue.message == ("triples[0] (Indonesia | country | Asia): nothing says 'country', but 'colour' names "
                             "the predicate 'colour', which the data does not give")
    # unchecked, not failed: a word that may say it, or none that names another predicate; a name's own words
    assert engine.verify(one, "Indonesia comes from Asia.").passed
    assert engine.verify(one, "Indonesia is in Asia.").unchecked["triples[0]"].startswith("unchecked predicate")
    assert engine.verify({"triples": [["Colour_Island", "country", "Asia"]]}, "Colour Island is in Asia.").passed
    # a text of several relations writes words for them no lexicon lists: not judged this way
    two = {"triples": [["Indonesia", "country", "Asia"], ["Indonesia", "colour", "Red"]]}
    assert engine.verify(two, "The colour of Indonesia, in Asia, is Red.").passed


def test_a_broken_predicate_file_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "predicates.yaml").write_text("predicates: {cityServed: {cues: []}}\n")
    config = {"segments": [{"id": "s", "facts": {"triples": "triples"}, "template": "x"}],
              "validators": {"spacy": {"predicate_files": ["predicates.yaml"]}}}
    engine = Engine.from_config(config, config_dir=tmp_path, entrypoints=False)
    assert any("predicate_files: " in p and "predicates.cityServed.cues" in p for p in engine.check())
    [issue] = engine.verify({"triples": [["a", "b", "c"]]}, "a b c.").issues  # never a pass, never a traceback
    assert issue.code == "validator_error" and "predicates.yaml: predicates.cityServed.cues" in issue.message


@pytest.mark.parametrize("text", [
    "Abhandlungen has Abh. Math. Semin. Univ. Hambg. as its abbreviation.",  # a name the splitter cuts
    "A Long Long Way is a novel. A Long Long Way was followed by The Secret Scripture.",  # a name said twice
])
def test_record_names_are_not_fluency_errors(text: str) -> None:
    names = {"triples": [["Abhandlungen", "abbreviation", "Abh._Math._Semin._Univ._Hambg."],
                         ["A_Long_Long_Way", "followedBy", "The_Secret_Scripture"]]}
    config = {"segments": [{"id": "s", "facts": {"triples": "triples"}, "template": "x"}],
              "validators": {"spacy": {"ignore": ["missing_fact"]}}}
    report = Engine.from_config(config, entrypoints=False).verify(names, text)
    assert [i.message for i in report.issues if i.category == "fluency"] == []  # warnings included


def test_a_fact_value_another_field_also_holds_is_still_expressed() -> None:
    config = {"segments": [{"id": "s", "facts": ["food"], "template": "{{ food }}"}],
              "validators": {"spacy": {"lexicon": {"food": {"Chinese": ["Chinese"]}}}}}
    report = Engine.from_config(config, entrypoints=False).verify({"food": "Thai", "label": "Thai"},
                                                                  "It serves Thai food.")
    assert report.passed and report.facts["food"].status == "expressed"


def test_by_subject_groups_relations_in_tree_order() -> None:
    groups = by_subject([["B", "p", "C"], ["A", "q", "B"], ["A", "r", "D"], ["C", "s", "E"]])
    assert [g["subject"] for g in groups] == ["A", "B", "C"]
    assert groups[0]["relations"] == [{"predicate": "q", "object": "B"}, {"predicate": "r", "object": "D"}]
    with pytest.raises(ValueError, match="expected a non-empty list of triples"):
        by_subject("not triples")


@pytest.mark.parametrize(("name", "text"), [
    ("Stuart_Parker_(footballer)", "Stuart Parker manages the club."),  # a disambiguator
    ("Auburn,_Alabama", "Auburn is part of the county."),  # a qualifying place
    ("English_language", "English is spoken there."),  # a class word
    ("A.F.C._Blackpool", "AFC Blackpool is the club."),  # abbreviation dots
    ("Agremiação_Sportiva_Arapiraquense", "Agremiacao Sportiva Arapiraquense is the club."),  # accents
    ("Kidney_bean", "Kidney beans are in it."),  # the plural
    ("Abarth_1000_GT_Coupé", "The Abarth 1000GT Coupe is fast."),  # digits and letters with or without a space
    ("(19255)_1994_VK8", "19255 1994 VK 8 is an asteroid."),  # brackets
    ("California", "Californian born, she designed it."),  # a derived word of a one-word name
    ("Australians", "It is Australian literature."),
    ("Italy", "The Italian people live there."),
    ("Singing", "He is a singer in the band."),
    ("Electric_guitar", "The electric guitarist played."),  # the last word of a longer name too
    ("Lippincott_Williams_&_Wilkins", "It is published by Lippincott, Williams & Wilkins."),  # a comma between words
    ("Springer_Science+Business_Media", "Springer Science & Business Media publishes it."),  # ampersands
    ("P&O_(company)", "It is owned by P and O."),
    ("A.C._Cesena", "A.C.Cesena plays there."),  # no space after an abbreviation's full stop
])
def test_entity_names_are_found_the_way_prose_writes_them(name: str, text: str) -> None:
    from hybridnlg_spacy.entities import find_entity

    assert find_entity(text, name.replace("_", " "), []) is not None
    assert find_entity("Nothing of the kind.", name.replace("_", " "), []) is None


def test_only_one_word_names_and_no_abbreviations_derive_words() -> None:
    from hybridnlg_spacy.entities import derived_forms, find_entity

    assert find_entity("The Italian city of Rome.", "Italy Rome", []) is None
    assert derived_forms("NASA") == set() and derived_forms("Ohio") >= {"ohioan"}
    assert find_entity("The Indiana Pacers.", "India", []) is None  # another name, not a derived word


def test_an_entity_inside_another_ones_span_does_not_count() -> None:
    from hybridnlg_spacy.entities import find_entity

    assert find_entity("Aarhus Airport is busy.", "Aarhus", [(0, 14)]) is None
    assert find_entity("Aarhus Airport serves Aarhus.", "Aarhus", [(0, 14)]) == (22, 28)


@pytest.mark.parametrize(("text", "passed"), [
    ("Adisham Hall was completed in 1931 and is 2,702 metres long.", True),
    ("Adisham Hall was completed in 1927 and is 2702 metres long.", False),  # within 0.5% of 1931, still wrong
    ("Adisham Hall was completed in 1931 and is 2,700 metres long.", False),
])
def test_knowledge_graph_literals_are_exact_values(tmp_path: Path, text: str, passed: bool) -> None:
    record = {"triples": [["Adisham_Hall", "completionDate", "1931"], ["Adisham_Hall", "length", "2702.0 (metres)"]]}
    report = engine_with(tmp_path).verify(record, text)
    assert report.passed is passed, report.issues


@pytest.mark.parametrize(("text", "passed"), [
    ("Ace Wilder was born on July 23, 1982.", True),
    ("Ace Wilder was born on 23rd July 1982.", True),
    ("Ace Wilder was born on July 23.", False),  # a knowledge-graph date needs its year
    ("Ace Wilder was born on July 23, 1983.", False),  # "July 23" is followed by another year
])
def test_a_relation_date_is_written_with_its_year(tmp_path: Path, text: str, passed: bool) -> None:
    report = engine_with(tmp_path).verify({"triples": [["Ace_Wilder", "birthDate", "1982-07-23"]]}, text)
    assert report.passed is passed, report.issues


def test_mining_gives_the_same_lexicon_whatever_the_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    # "alpha" and "beta" cover the same texts of `zeta`: a tie, which the choice must break the same way every run
    rows = [{"triples": [["Ann", "zeta", f"Town_{i}"]], "texts": [f"Ann alpha beta Town {i}."]} for i in range(6)]
    rows += [{"triples": [["Bob", "other", f"City_{i}"]], "texts": [f"Bob gamma City {i}."]} for i in range(30)]
    pairs = tmp_path / "ties.jsonl"
    pairs.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    outputs = []
    for seed in ("1", "2", "3", "4", "5", "6"):
        out = tmp_path / f"mined-{seed}.yaml"
        subprocess.run([sys.executable, "-m", "hybridnlg.cli", "lexicon", "mine", str(pairs), "--out", str(out),
                        "--min-texts", "1"], check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append(out.read_text())
    assert len(set(outputs)) == 1 and "- alpha" in outputs[0] and "- beta" not in outputs[0]


@pytest.mark.parametrize(("text", "passed"), [
    ("Trane was founded on 01-01-1913.", True),  # numeric forms, with either separator
    ("Trane was founded on 1913/01/01.", True),
    ("Trane was founded on January 1st 1913.", True),
    ("Trane was founded on 01-01-1914.", False),
    ("Trane was founded on the 1st of January, 1913.", True),  # a comma or a stray full stop between the words
    ("Trane was founded on January 01, 1913.", True),
    ("Trane was founded on 1913.01.01.", True),
])
def test_a_relation_date_may_be_written_in_numeric_and_ordinal_forms(tmp_path: Path, text: str, passed: bool) -> None:
    report = engine_with(tmp_path).verify({"triples": [["Trane", "foundingDate", "1913-01-01"]]}, text)
    assert report.passed is passed, report.issues


@pytest.mark.parametrize(("text", "passed"), [
    ("1089 Tama has an escape velocity of 0.0068 km/sec.", True),  # the number is the fact; the unit is worded freely
    ("1089 Tama has an escape velocity of 0.0069 km/sec.", False),
])
def test_a_number_with_a_long_unit_is_found_by_its_number(tmp_path: Path, text: str, passed: bool) -> None:
    record = {"triples": [["1089_Tama", "escapeVelocity", "0.0068 (kilometrePerSeconds)"]]}
    assert engine_with(tmp_path).verify(record, text).passed is passed


@pytest.mark.parametrize(("text", "passed"), [
    ("Ajoblanco is made of garlic, bread, almonds, water and olive oil.", True),  # any order, any joining words
    ("Ajoblanco is made of garlic, bread, almonds and olive oil.", False),  # water left out
])
def test_a_list_valued_object_is_written_when_every_item_is(tmp_path: Path, text: str, passed: bool) -> None:
    record = {"triples": [["Ajoblanco", "mainIngredient", "Bread, almonds, garlic, water, olive oil"]]}
    assert engine_with(tmp_path).verify(record, text).passed is passed


@pytest.mark.parametrize(("text", "passed"), [
    ("Adam Koc won two awards: the Order of Polonia Restituta and the Virtuti Militari.", True),
    ("Adam Koc won three awards: the Order of Polonia Restituta and the Virtuti Militari.", False),
])
def test_a_count_of_the_relations_is_not_an_added_number(tmp_path: Path, text: str, passed: bool) -> None:
    record = {"triples": [["Adam_Koc", "award", "Order_of_Polonia_Restituta"], ["Adam_Koc", "award", "Virtuti_Militari"]]}
    assert engine_with(tmp_path).verify(record, text).passed is passed


def test_a_dotted_abbreviation_written_without_dots_is_no_added_name(tmp_path: Path) -> None:
    record = {"triples": [["Alessio_Romagnoli", "club", "A.C._Milan"], ["A.C._Milan", "chairman", "Silvio_Berlusconi"]]}
    text = "Alessio Romagnoli plays for A.C. Milan. AC Milan is chaired by Silvio Berlusconi."
    assert engine_with(tmp_path).verify(record, text).passed


@pytest.mark.parametrize(("value", "text", "passed"), [
    ("2011-Aug-27", "1950 DA has an epoch of August 27th 2011.", True),  # the month's abbreviation in the data
    ("2011-Aug-27", "1950 DA has an epoch of August 28th 2011.", False),
])
def test_a_relation_date_may_name_its_month(tmp_path: Path, value: str, passed: bool, text: str) -> None:
    assert engine_with(tmp_path).verify({"triples": [["1950_DA", "epoch", value]]}, text).passed is passed


@pytest.mark.parametrize(("text", "passed"), [
    ("Alpena County Regional Airport is 210m above sea level.", True),  # an attached m: metres as well as millions
    ("Alpena County Regional Airport is 211m above sea level.", False),
])
def test_a_literal_with_an_attached_metre_sign_is_its_number(tmp_path: Path, text: str, passed: bool) -> None:
    record = {"triples": [["Alpena_County_Regional_Airport", "elevationAboveTheSeaLevel", "210"]]}
    assert engine_with(tmp_path).verify(record, text).passed is passed


@pytest.mark.parametrize(("text", "passed"), [
    ("Julia Morgan, a Californian architect, designed Asilomar.", True),  # derived from a name in the data
    ("Julia Morgan, a Texan architect, designed Asilomar.", False),
])
def test_a_word_derived_from_a_name_in_the_data_is_no_added_name(tmp_path: Path, text: str, passed: bool) -> None:
    record = {"triples": [["Julia_Morgan", "birthPlace", "California"], ["Julia_Morgan", "significantBuilding",
                                                                         "Asilomar"]]}
    report = engine_with(tmp_path).verify(record, text)
    added = [i for i in report.issues if i.code == "added_fact"]
    assert (not added) is passed, report.issues


def test_an_entity_written_without_its_accents_gives_no_cue(tmp_path: Path) -> None:
    rows = [{"triples": [[f"P{i}", "almaMater", "University_of_Göttingen"]],
             "texts": [f"P{i} studied at the University of Gottingen."]} for i in range(10)]
    rows += [{"triples": [[f"T{i}", "birthPlace", f"City_{i}"]], "texts": [f"T{i} was born in City {i}."]}
             for i in range(30)]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    assert mine(read_relation_pairs(pairs))["almaMater"].cues == ["studi"]  # not 'gotti', which comes first


@pytest.mark.parametrize(("triple", "text", "passed"), [
    (["Lee_County,_Alabama", "state", "Alabama"], "Auburn is in Lee County, Alabama.", True),  # written once for both
    (["Lee_County,_Alabama", "state", "Alabama"], "Auburn is in Lee County.", False),
    (["United_States", "leaderTitle", "President_of_the_United_States"], "The United States is led by a President.",
     True),  # "of" the subject goes without saying
    (["Spain", "leader", "Felipe_VI_of_Spain"], "Spain is led by Felipe VI.", True),
    (["Spain", "leader", "Felipe_VI_of_Spain"], "Spain is led by Felipe.", False),
])
def test_an_end_the_other_end_makes_plain(tmp_path: Path, triple: list[str], text: str, passed: bool) -> None:
    report = engine_with(tmp_path).verify({"triples": [triple]}, text)
    missing = [i for i in report.issues if i.code == "missing_fact"]
    assert (not missing) is passed, report.issues


@pytest.mark.parametrize(("text", "passed"), [
    ("The USAF operates Al Asad Airbase.", True),  # the initials of a name in the data
    ("The RAF operates Al Asad Airbase.", False),
])
def test_initials_of_a_name_in_the_data_are_no_added_name(tmp_path: Path, text: str, passed: bool) -> None:
    record = {"triples": [["Al_Asad_Airbase", "operatingOrganisation", "United_States_Air_Force"]]}
    report = engine_with(tmp_path).verify(record, text)
    added = [i for i in report.issues if i.code == "added_fact"]
    assert (not added) is passed, report.issues


def test_a_name_from_a_dotted_capital_i_is_in_the_data(tmp_path: Path) -> None:
    record = {"triples": [["Atatürk_Monument_(İzmir)", "designer", "Pietro_Canonica"]]}
    report = engine_with(tmp_path).verify(record, "The Atatürk Monument in Izmir was designed by Pietro Canonica.")
    assert not [i for i in report.issues if i.code == "added_fact"], report.issues


def test_a_list_valued_end_may_hold_the_other_end_between_its_items(tmp_path: Path) -> None:
    record = {"triples": [["Beef_kway_teow", "mainIngredient", "Kway teow, beef, garlic"]]}
    text = "Beef Kway Teow is made of garlic, Kway teow and beef."
    assert engine_with(tmp_path).verify(record, text).passed
    assert not engine_with(tmp_path).verify(record, "Beef Kway Teow is made of garlic and beef.").passed


@pytest.mark.parametrize(("text", "passed"), [
    ("Its people are called Americans, and Native Americans are an ethnic group there.", True),
    ("Native Americans are an ethnic group there.", False),  # 'Americans' only inside another name of the record
])
def test_a_name_written_only_inside_a_longer_name_of_the_record_is_not_written(tmp_path: Path, text: str,
                                                                                passed: bool) -> None:
    record = {"triples": [["United_States", "demonym", "Americans"],
                          ["United_States", "ethnicGroup", "Native_Americans_in_the_United_States"]]}
    report = engine_with(tmp_path).verify(record, "The United States: " + text)
    missing = [i for i in report.issues if i.code == "missing_fact"]
    assert (not missing) is passed, report.issues
    if not passed:
        assert missing[0].message.startswith("triples[0]")


@pytest.mark.parametrize(("text", "passed"), [
    ("Alpena County Regional Airport is located in Maple Ridge Township and has a runway length of 1533.0.", True),
    ("Alpena County Regional Airport is located in 1533.0 and has a runway length of Maple Ridge Township.", False),
])
def test_a_literal_and_a_name_swapped_between_predicates_is_wrong_even_when_one_is_unchecked(
        tmp_path: Path, text: str, passed: bool) -> None:
    engine = engine_with(tmp_path)  # `location` has no lexicon entry: only its own word says it
    record = {"triples": [["Alpena_County_Regional_Airport", "location", "Maple_Ridge_Township"],
                          ["Alpena_County_Regional_Airport", "runwayLength", "1533.0"]]}
    lexicon = {"predicates": {"runwayLength": {"cues": ["runway", "length"], "coverage": 1.0, "texts": 40}}}
    (tmp_path / "predicates.yaml").write_text(json.dumps(lexicon))
    report = engine.verify(record, text)
    assert report.passed is passed, report.issues
    if not passed:
        assert [i.code for i in report.issues] == ["wrong_value"] and "look swapped" in report.issues[0].message


@pytest.mark.parametrize(("text", "passed"), [
    ("Agra Airport is located in Awadh. The airport is 167.94 metres above sea level.", True),
    ("Agra Airport is 167.94 metres above sea level. It is located in Awadh.", True),
    ("Agra Airport is located in 167.94. The runway is Awadh metres above sea level.", False),
])
def test_a_checked_predicate_is_said_in_a_sentence_of_its_subject_or_object(tmp_path: Path, text: str,
                                                                            passed: bool) -> None:
    engine = engine_with(tmp_path)
    record = {"triples": [["Agra_Airport", "location", "Awadh"],
                          ["Agra_Airport", "elevationAboveTheSeaLevel", "167.94"]]}
    lexicon = {"predicates": {"elevationAboveTheSeaLevel": {"cues": ["metres", "sea", "level"], "coverage": 1.0,
                                                            "texts": 40}}}
    (tmp_path / "predicates.yaml").write_text(json.dumps(lexicon))
    report = engine.verify(record, text)
    assert report.passed is passed, report.issues
    if not passed:
        [issue] = [i for i in report.issues if i.code == "missing_fact"]
        assert "no sentence that writes its subject or object says 'elevation above the sea level'" in issue.message


def test_a_name_with_full_stops_is_not_cut_into_sentences(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    lexicon = {"predicates": {"abbreviation": {"cues": ["abbre"], "coverage": 1.0, "texts": 40}}}
    (tmp_path / "predicates.yaml").write_text(json.dumps(lexicon))
    record = {"triples": [["American_Journal_of_Mathematics", "abbreviation", "\"Am. J. Math.\""]]}
    assert engine.verify(record, "American Journal of Mathematics has Am. J. Math. as its abbreviation.").passed
