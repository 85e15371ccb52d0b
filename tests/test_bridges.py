"""The words between a relation's subject and object: mined from pairs, they say a predicate no cue word says."""

from __future__ import annotations

from pathlib import Path

import pytest
from mined_fixtures import mined_engine

from hybridnlg import Engine

pytest.importorskip("spacy")

from hybridnlg_spacy.bridges import Bridges, bridge, says
from hybridnlg_spacy.contexts import mine_contexts
from hybridnlg_spacy.predicates import mine

FIRMS = [("Acme_Tools", "Oslo", "hammers"), ("Bolt_Works", "Bergen", "screws"), ("Cog_Mill", "Turku", "gears"),
         ("Dyno_Labs", "Aarhus", "motors"), ("Etna_Glass", "Lund", "bottles"), ("Flux_Wire", "Espoo", "cables")]
PEOPLE = [("Ann_Lee", "Malmo"), ("Bo_Berg", "Odense"), ("Cy_Dahl", "Tampere"), ("Di_Eng", "Uppsala")]


def pairs() -> list[tuple[list[list[str]], str]]:
    out: list[tuple[list[list[str]], str]] = []
    for firm, city, goods in FIRMS:
        name = firm.replace("_", " ")
        triples = [[firm, "city", city]]
        out += [(triples, f"{name} is based in the city of {city}."), (triples, f"{name} in {city} makes {goods}.")]
    for person, place in PEOPLE:
        name = person.replace("_", " ")
        out += [([[person, "birthPlace", place]], f"{name} was born in {place}.")] * 2
    return out


def engine_with(tmp_path: Path) -> Engine:
    return mined_engine(tmp_path, pairs())


def test_mining_counts_the_words_between_each_relations_ends_with_their_direction() -> None:
    bridges = mine_contexts(pairs()).bridges
    assert bridges.pairs == {"birthPlace": 8, "city": 12}
    assert bridges.said["> in"] == {"city": 6}
    assert "> is based in the city of" not in bridges.said  # five words: more than a bridge holds
    assert bridges.said["> was born in"] == {"birthPlace": 8}
    assert bridges.uses["> in"] == 6


@pytest.mark.parametrize(("text", "subject", "obj", "others", "key"), [
    ("Acme in Oslo", (0, 4), (8, 12), [], "> in"),
    ("Oslo's Acme", (7, 11), (0, 4), [], "< ' s"),
    ("Acme. Oslo", (0, 4), (6, 10), [], None),  # another sentence
    ("Acme and Bolt in Oslo", (0, 4), (17, 21), [(9, 13)], None),  # another end between them
    ("Acme is one of the oldest firms in Oslo", (0, 4), (35, 39), [], None),  # too many words
    ("AcmeOslo", (0, 4), (4, 8), [], None),  # nothing between them
])
def test_a_bridge_is_the_few_words_of_one_clause_between_two_ends(
        text: str, subject: tuple[int, int], obj: tuple[int, int], others: list[tuple[int, int]],
        key: str | None) -> None:
    assert bridge(text, subject, obj, others) == key


def test_a_bridge_says_a_predicate_it_often_joined_unless_it_ends_open() -> None:
    bridges = Bridges(pairs={"city": 100, "leader": 300, "birthPlace": 1000},
                      said={"> in": {"city": 20}, "> is": {"leader": 150}, "> from": {"birthPlace": 9},
                            "> , where": {"leader": 60}, "> in the": {"city": 4}},
                      uses={"> in": 90, "> is": 200, "> from": 12, "> , where": 70, "> in the": 4})
    assert says(bridges, "> in", "city")  # 20% of the city's pairs
    assert says(bridges, "> from", "birthPlace")  # under 2% of its pairs, but 9 of the bridge's 12 uses
    assert not says(bridges, "> in", "birthPlace")
    assert not says(bridges, "> in the", "city")  # seen too rarely
    # "the leader of Spain is Felipe VI", "Spain, where Felipe VI is the leader": the rest follows the second end
    assert not says(bridges, "> is", "leader")
    assert not says(bridges, "> , where", "leader")


def test_the_words_between_the_ends_say_a_predicate_no_cue_says(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    assert "in" not in mine(pairs())["city"].cues
    record = {"triples": [["Gale_Steel", "city", "Kalmar"]]}
    report = engine.verify(record, "Gale Steel in Kalmar is the largest of its kind.")
    assert report.passed, report.issues
    assert report.unchecked == {}
    assert report.facts["triples"].status == "expressed"
    # words that never joined a city's ends say nothing of it
    report = engine.verify(record, "Gale Steel was born in Kalmar.")
    assert not report.passed
    assert any(i.code == "missing_fact" and "nothing says 'city'" in i.message for i in report.issues), report.issues


def test_a_bridge_says_the_predicate_where_its_cue_is_in_another_sentence(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    record = {"triples": [["Gale_Steel", "city", "Kalmar"]]}
    report = engine.verify(record, "Gale Steel in Kalmar is the largest of its kind. The city is cold.")
    assert report.passed, report.issues
    report = engine.verify(record, "Gale Steel was born in Kalmar. The city is cold.")
    assert any("no sentence that writes its subject or object says 'city'" in i.message for i in report.issues)
