"""Ways texts write relations that the predicate cues and exact names miss, and facts texts add that are no names:
names with their words apart, predicates said by the words by their values, values written in lower case."""

from __future__ import annotations

from pathlib import Path

import pytest
from mined_fixtures import mined_engine

from hybridnlg import Engine

pytest.importorskip("spacy")

from hybridnlg_spacy.common_values import CommonValues, mine_common_values
from hybridnlg_spacy.entities import find_scattered
from hybridnlg_spacy.predicates import mine

COUNTRIES = [("Norland", "Ola_Nord", "Jazz", "Nordby"), ("Sudland", "Kari_Syd", "Blues", "Sudby"),
             ("Vestland", "Per_Vest", "Jazz", "Vestby"), ("Ostland", "Siri_Ost", "Blues", "Ostby"),
             ("Midland", "Lars_Mid", "Jazz", "Midby")]


def pairs() -> list[tuple[list[list[str]], str]]:
    """Texts about countries: about the leader alone they say "led by"; with the capital, "the prime minister is";
    a musician's genre is written in lower case."""
    out: list[tuple[list[list[str]], str]] = []
    for country, leader, genre, capital in COUNTRIES:
        person = leader.replace("_", " ")
        alone = [[country, "leader", leader]]
        both = [[country, "leader", leader], [country, "capital", capital]]
        music = [[f"{person}_Band", "genre", genre]]
        out += [(alone, f"{country} is led by {person}."), (alone, f"The leader of {country} is {person}.")] * 2
        out += [(both, f"The capital of {country} is {capital} and the prime minister is {person}.")] * 2
        out += [(both, f"{capital} is the capital of {country}, where the prime minister is {person}.")] * 2
        out += [(music, f"{person} Band plays {genre.lower()} music.")] * 2
    return out


def engine_with(tmp_path: Path) -> Engine:
    return mined_engine(tmp_path, pairs(), common_values=True)


@pytest.mark.parametrize(("text", "name", "found"), [
    ("It stands on the grounds of Asilomar Conference.", "Asilomar Conference Grounds", "grounds of Asilomar Conference"),
    ("The School of Business at Aarhus University opened.", "School of Business at the Aarhus University",
     "School of Business at Aarhus University"),
    ("It is classified as an executive type car.", "Executive car", "executive type car"),
    ("Chinabank is a publicly traded company.", "Public company", "publicly traded company"),
    ("Paul went home. Ryan stayed.", "Paul Ryan", None),  # not across sentences
    ("in the United States, where Native Americans live", "Native Americans in the United States", None),  # clauses
    ("Paul Smith met Tom and Ann and Bea Ryan.", "Paul Ryan", None),  # too far apart
    ("Oslo is a city.", "Oslo", None),  # one word: found as a name or not at all
])
def test_a_name_may_be_written_with_its_words_rearranged_or_apart(text: str, name: str, found: str | None) -> None:
    span = find_scattered(text, name, [])
    assert (text[span[0]:span[1]] if span else None) == found
    if span is not None:
        assert find_scattered(text, name, [span]) is None  # never inside a span taken by another end


def test_the_words_by_a_value_say_its_predicate_where_no_cue_does(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    assert mine(pairs())["leader"].cues == ["leade", "led"]  # mined from the texts about the leader alone
    record = {"triples": [["Westland", "leader", "Ann_West"]]}
    report = engine.verify(record, "In Westland, the prime minister is Ann West.")
    assert report.passed, report.issues
    assert report.facts["triples"].status == "expressed"
    failed = engine.verify(record, "Ann West lives in Westland.")
    assert not failed.passed
    assert any("nothing says 'leader'" in issue.message for issue in failed.issues), failed.issues


def test_mining_lists_the_values_texts_write_in_lower_case() -> None:
    assert mine_common_values(pairs()) == {"Blues": ["genre"], "Jazz": ["genre"]}
    # names are written with their capitals, and a value written in lower case in too few texts is not listed
    assert mine_common_values(pairs()[-2:], min_count=3) == {}


def test_a_text_that_adds_a_value_written_in_lower_case_adds_a_fact(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    record = {"triples": [["Westland", "leader", "Ann_West"]]}
    report = engine.verify(record, "Westland is led by Ann West, who plays jazz.")
    assert not report.passed
    [issue] = [i for i in report.issues if i.code == "added_fact"]
    assert issue.message == "'jazz' is not in the data (a genre in the training texts)"
    music = {"triples": [["Ann_West_Band", "genre", "Jazz"]]}
    assert engine.verify(music, "Ann West Band plays jazz music.").passed  # the record's own value


def test_a_common_value_whose_words_the_record_says_is_not_added() -> None:
    common = CommonValues({"Capital city": ["type"], "Jazz": ["genre"], "Free jazz": ["genre"]})
    text = "Its capital city is Oslo, and free jazz is played there."
    assert [a.value for a in common.added(text, ["Norland", "Oslo"], {"capit"}, [])] == ["Free jazz"]
    # a value inside a place where the text writes a name of the record is that name's
    assert common.added("The Jazz Band plays.", ["Jazz Band"], set(), []) == []


@pytest.mark.parametrize(("value", "text", "passed"), [
    ("5.4 metres", "The Ariane 5 is 5.4 m in diameter.", True),  # "m" with a space: metres, not millions
    ("42 m", "The Ariane 5 is 42 metres high.", True),
    ("125800.0 millimetres", "The Ariane 5 is 125.8 metres long.", True),  # the same length in another unit
    ("125800.0 millimetres", "The Ariane 5 is 125.8m long.", True),
    ("125800.0 millimetres", "The Ariane 5 is 125.8 km long.", False),
    ("125800.0 millimetres", "The Ariane 5 is 125.8 tonnes.", False),
    ("1.5 kilometres", "The Ariane 5 is 1500 metres long.", True),
])
def test_a_length_may_be_written_in_another_unit(tmp_path: Path, value: str, text: str, passed: bool) -> None:
    record = {"triples": [["Ariane_5", "size", value]]}
    report = engine_with(tmp_path).verify(record, text)
    assert report.passed is passed, report.issues


def test_a_hyphen_of_a_name_may_be_left_out(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    record = {"triples": [["Ram_Rebellion", "mediaType", "E-book"]]}
    assert engine.verify(record, "Ram Rebellion is published as an ebook.").passed
    assert engine.verify(record, "Ram Rebellion is published as an e-book.").passed
    assert not engine.verify({"triples": [["Ram_Rebellion", "mediaType", "Audio book"]]},
                             "Ram Rebellion is published as an audiobook.").passed  # a space is not a hyphen


@pytest.mark.parametrize(("value", "text", "passed"), [
    ("1987-02-27", "Asilomar was listed on the 27th of February in 1987.", True),
    ("2003-09-27", "The Ariane 5 last flew on Sept. 27, 2003.", True),
    ("2003-09-27", "The Ariane 5 last flew on Sept 27, 2003.", True),
    ("2003-09-27", "The Ariane 5 last flew on Sept 27 in 2004.", False),  # "in" before a year, but the wrong one
])
def test_dates_in_more_of_the_ways_people_write_them(tmp_path: Path, value: str, text: str, passed: bool) -> None:
    subject = "Asilomar" if text.startswith("Asilomar") else "Ariane_5"
    report = engine_with(tmp_path).verify({"triples": [[subject, "date", value]]}, text)
    assert report.passed is passed, report.issues


def test_an_ordinal_the_data_does_not_have_is_an_added_number(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    record = {"triples": [["Andrews_Airport", "4thRunwaySurfaceType", "Asphalt"]]}
    report = engine.verify(record, "Andrews Airport has a 1st runway made of Asphalt.")
    assert not report.passed
    assert [i.message for i in report.issues if i.code == "added_fact"] == ["the number '1st' is not in the data"]
    assert engine.verify(record, "The 4th runway of Andrews Airport is made of Asphalt.").passed


def test_a_unit_after_a_name_measures_nothing(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    record = {"triples": [["Angola_Airport", "cityServed", "Luanda"], ["Angola_Airport", "elevation", "159"]]}
    report = engine.verify(record, "Angola Airport is 159 metres high and serves the city of Luanda metres.")
    assert [i.code for i in report.issues] == ["stray_unit"]
    assert engine.verify(record, "Angola Airport is 159 metres high and serves the city of Luanda.").passed


@pytest.mark.parametrize(("word", "misspelt"), [
    ("karnatka", True), ("deryshire", True), ("berone", True),  # Karnataka, Derbyshire, Bertone
    ("iraq", False), ("australia", False),  # other names: Iran, Austria
    ("texans", False), ("texan", False),  # made from Texas with an ending: the people of Texas, a fact of its own
])
def test_a_misspelt_name_of_the_data_is_no_added_name(word: str, misspelt: bool) -> None:
    from hybridnlg_spacy.facts import _misspelt

    assert _misspelt(word, {"karnataka", "derbyshire", "bertone", "iran", "austria", "texas"}) is misspelt


def test_the_validator_reads_a_misspelt_name_as_the_datas(tmp_path: Path) -> None:
    config = {"segments": [{"id": "entry", "facts": {"triples": "triples"}, "template": "{{ triples }}"}],
              "validators": {"spacy": {}}}
    engine = Engine.from_config(config, config_dir=tmp_path, entrypoints=False)
    record = {"triples": [["Karnataka", "leader", "Vajubhai_Vala"]]}
    report = engine.verify(record, "Vajubhai Vala is the leader of Karnataka, and Karnatka has a governor.")
    assert not [i for i in report.issues if i.code == "added_fact"], report.issues
    report = engine.verify(record, "Vajubhai Vala is the leader of Karnataka, and Kerala has a governor.")
    assert [i.message for i in report.issues if i.code == "added_fact"] == ["'Kerala' is not in the data"]
