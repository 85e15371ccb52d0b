"""Entity aliases mined from data/text pairs (`hybridnlg lexicon aliases`) and used by the relation checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from hybridnlg import Engine

pytest.importorskip("spacy")

from hybridnlg_spacy.aliases import find_alias, mine_aliases
from hybridnlg_spacy.predicates import read_relation_pairs

COUNTRIES = ["Paris", "Boston", "Denver", "Austin", "Seattle", "Chicago"]
ENTRIES: list[dict[str, Any]] = [
    *({"category": "City", "triples": [[city, "country", "United_States"]],
       "texts": [f"{city} is a city in the U.S. today.", f"{city} is in the United States."]} for city in COUNTRIES),
    # "Famous" starts no sentence here, is capitalised and is seen with many entities: a generic word, no alias
    *({"category": "Person", "triples": [[name, "birthPlace", "Oslo"]],
       "texts": [f"The Famous {name} was born in Oslo.", f"The Famous {name} comes from Norway's capital."]}
      for name in ["Ann_Lee", "Bo_Dahl", "Cy_Berg", "Di_Holm"]),
    *({"category": "Person", "triples": [[name, "occupation", "Painter"]],
       "texts": [f"The Famous {name} paints."]} for name in ["Ed_Moe", "Flo_Rye", "Gus_Hale", "Hal_Ives"]),
]


def write_pairs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pairs.jsonl").write_text("\n".join(json.dumps(e) for e in ENTRIES) + "\n", encoding="utf-8")
    (folder / "README.md").write_text("# Pairs\n\nSource: written for a test. Licence: CC BY-SA 4.0.\n")
    return folder / "pairs.jsonl"


def test_mining_finds_an_alias_and_rejects_a_generic_word(tmp_path: Path) -> None:
    aliases = mine_aliases(read_relation_pairs(write_pairs(tmp_path)))
    assert aliases["United States"] == ["U.S."]
    # "Famous" is in every text that does not name Oslo, but in as many texts without Oslo in their data: generic
    assert aliases["Oslo"] == ["Norway's"] and not any("Famous" in a for w in aliases.values() for a in w)
    assert "Oslo" not in mine_aliases(read_relation_pairs(write_pairs(tmp_path)), min_count=5)
    assert "United States" not in mine_aliases(read_relation_pairs(write_pairs(tmp_path), frozenset({"City"})))


def test_an_abbreviation_alias_needs_capitals() -> None:
    assert find_alias("They met the U.S. team.", ["US"], []) == (13, 17)
    assert find_alias("They told us nothing about the USA.", ["US"], []) is None
    assert find_alias("It is in the US, not in us.", ["US"], [(13, 15)]) is None


def test_lexicon_aliases_command_writes_a_file_with_the_datas_licence(tmp_path: Path) -> None:
    from hybridnlg_spacy.mine_command import lexicon_group

    out = tmp_path / "aliases.yaml"
    result = CliRunner().invoke(lexicon_group, ["aliases", str(write_pairs(tmp_path / "data")), "--out", str(out),
                                                "--hold-out", "Person"])
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text())
    assert document["licence"] == "cc-by-sa-4.0" and "written for a test" in document["credit"][0]
    assert document["aliases"] == {"United States": ["U.S."]} and "without Person" in document["source"]
    result = CliRunner().invoke(lexicon_group, ["aliases", str(write_pairs(tmp_path / "data")), "--out", str(out),
                                                "--min-count", "7"])
    assert result.exit_code == 0 and yaml.safe_load(out.read_text())["aliases"] == {}  # seen 6 times only
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"texts": ["x"]}\n')
    result = CliRunner().invoke(lexicon_group, ["aliases", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "bad.jsonl:1" in result.output and "PAIRS" in result.output


def engine_with(tmp_path: Path, **spacy: Any) -> Engine:
    config = {"segments": [{"id": "entry", "facts": {"triples": "triples"}, "template": "{{ triples }}"}],
              "validators": {"spacy": {"check_entities": False, **spacy}}}
    return Engine.from_config(config, config_dir=tmp_path, entrypoints=False)


RECORD = {"triples": [["Boise", "country", "United_States"]]}


def test_the_validator_accepts_an_alias_only_when_the_file_is_configured(tmp_path: Path) -> None:
    (tmp_path / "aliases.yaml").write_text(yaml.safe_dump({"licence": "cc-by-sa-4.0",
                                                           "aliases": {"United States": ["U.S."]}}))
    text = "Boise is a city in the U.S."
    without = engine_with(tmp_path).verify(RECORD, text)
    assert not without.passed
    assert any(i.code == "missing_fact" and "'United States' not in the text" in i.message for i in without.issues)
    with_aliases = engine_with(tmp_path, alias_files=["aliases.yaml"])
    assert with_aliases.verify(RECORD, text).passed
    assert with_aliases.verify(RECORD, "Boise is a city in the US.").passed  # dots come and go, as for names
    assert with_aliases.verify(RECORD, "Boise is in the United States.").passed  # the name itself still counts
    assert not with_aliases.verify(RECORD, "Boise is a city in Canada.").passed
    # the alias is no substitute for the other end: "U.S." inside a name the subject is written as does not count
    assert not with_aliases.verify({"triples": [["U.S._Route_1", "country", "United_States"]]},
                                   "U.S. Route 1 is a road.").passed


def test_a_broken_alias_file_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "aliases.yaml").write_text("aliases: {United States: U.S.}\n")
    engine = engine_with(tmp_path, alias_files=["aliases.yaml"])
    problems = engine.check()
    assert any("spacy: alias_files: " in p and "aliases.United States" in p for p in problems), problems
    [issue] = engine.verify(RECORD, "Boise is in the U.S.").issues  # never a pass, never a traceback
    assert issue.code == "validator_error" and "alias_files" in issue.message
    (tmp_path / "aliases.yaml").unlink()
    assert any("alias_files" in p and "aliases.yaml" in p for p in engine_with(
        tmp_path, alias_files=["aliases.yaml"]).check())


def test_an_alias_of_an_entity_in_the_data_is_no_added_name(tmp_path: Path) -> None:
    (tmp_path / "aliases.yaml").write_text(yaml.safe_dump({"aliases": {"United States": ["USA"]}}))
    config = {"segments": [{"id": "entry", "facts": {"triples": "triples"}, "template": "{{ triples }}"}],
              "validators": {"spacy": {"alias_files": ["aliases.yaml"]}}}
    engine = Engine.from_config(config, config_dir=tmp_path, entrypoints=False)
    report = engine.verify(RECORD, "Boise is a city in the USA, near Canada.")
    assert [i.message for i in report.issues if i.code == "added_fact"] == ["'Canada' is not in the data"]


def test_class_words_are_mined_and_a_name_may_be_written_without_one(tmp_path: Path) -> None:
    from hybridnlg_spacy.aliases import mine_class_words

    genres = ["Rock", "Trance", "Pop", "House", "Jazz", "Funk"]
    rows = [([[f"Band_{i}", "genre", f"{genre}_music"]], f"Band {i} plays {genre.lower()}.")
            for i, genre in enumerate(genres)]
    rows += [([["Town", "country", "Lee_County"]], "Town is in Lee.")]  # one entity: no class word
    rows += [([["Ann", "birthDate", "1990"]], "Ann was born in 1990.")]
    assert mine_class_words(rows) == ["music"]
    assert mine_class_words(rows, min_entities=7) == []
    (tmp_path / "aliases.yaml").write_text(yaml.safe_dump({"aliases": {}, "class_words": ["music"]}))
    with_words = engine_with(tmp_path, alias_files=["aliases.yaml"])
    record = {"triples": [["Band_9", "genre", "Salsa_music"]]}
    assert with_words.verify(record, "Band 9 plays salsa.").passed
    assert not engine_with(tmp_path).verify(record, "Band 9 plays salsa.").passed
    assert not with_words.verify(record, "Band 9 plays jazz.").passed


def related_pairs() -> list[tuple[list[list[str]], str]]:
    """Texts that write 'Nordic' for Norway (a word no spelling rule derives from the name), and 'Famous' for anyone."""
    people = [f"Person_{letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUV"]
    rows = [([[person, "nationality", "Norway"]], f"{person.replace('_', ' ')} is a Nordic painter.")
            for person in people]
    rows += [([[person, "occupation", "Painter"]], f"The Famous {person.replace('_', ' ')} paints.")
             for person in people]
    return rows


def test_words_for_an_entitys_people_are_mined_where_the_pipeline_tags_them_so() -> None:
    from hybridnlg_spacy.related_names import mine_related, unexplained_words

    assert unexplained_words("Ann is a Nordic painter from Oslo.", ["Ann", "Norway"]) == {"Nordic", "Oslo"}
    assert unexplained_words("The Californian Ann paints.", ["Ann", "California"]) == set()  # derived: no need
    tagged = mine_related(related_pairs(), lambda word, texts: 1.0 if word == "Nordic" else 0.0)
    assert tagged == {"Norway": ["Nordic"]}  # 'Famous' is seen with many entities, and tagged no people anyway
    assert mine_related(related_pairs(), lambda word, texts: 0.0) == {}  # "Vice", "Dean": no people, no place
    assert mine_related(related_pairs(), lambda word, texts: 1.0, min_count=23) == {}  # seen 22 times only


def test_the_statistical_pipeline_tags_a_nationality_not_a_title() -> None:
    from hybridnlg_spacy.pipeline import load_pipeline
    from hybridnlg_spacy.related_names import spacy_tagger

    pipeline = load_pipeline("auto")
    if not pipeline.statistical:
        pytest.skip("no statistical English pipeline installed")
    tagger = spacy_tagger(pipeline.nlp)
    assert tagger("American", ["Alan Bean was an American astronaut."]) == 1.0
    assert tagger("Vice", ["Vice President Mike Akhigbe spoke."]) == 0.0


def test_a_word_for_the_people_of_an_entity_writes_it_and_is_no_added_name(tmp_path: Path) -> None:
    (tmp_path / "aliases.yaml").write_text(yaml.safe_dump({"aliases": {}, "related": {"United States": ["America"]}}))
    config = {"segments": [{"id": "entry", "facts": {"triples": "triples"}, "template": "{{ triples }}"}],
              "validators": {"spacy": {"alias_files": ["aliases.yaml"]}}}
    engine = Engine.from_config(config, config_dir=tmp_path, entrypoints=False)
    record = {"triples": [["Alan_Bean", "nationality", "United_States"]]}
    report = engine.verify(record, "Alan Bean was an American.")
    assert report.passed, report.issues
    assert not engine.verify(record, "Alan Bean was a Canadian.").passed
    plain = engine_with(tmp_path).verify(record, "Alan Bean was an American.")
    assert any("'United States' not in the text" in i.message for i in plain.issues), plain.issues
