"""Values given to the wrong relation or entity: the words by each predicate's values, mined from pairs; relative
clauses."""

from __future__ import annotations

from pathlib import Path

import pytest
from mined_fixtures import mined_engine

from hybridnlg import Engine

pytest.importorskip("spacy")

from hybridnlg_spacy.contexts import (
    ContextCounts,
    ContextTable,
    ContextTables,
    ValueContexts,
    mine_contexts,
    words_by,
)

PEOPLE = [("Ann_Lee", "Oslo", "Bergen", "Nobel_Prize", "1950"), ("Bo_Berg", "Lund", "Malmo", "Polar_Medal", "1961"),
          ("Cy_Dahl", "Turku", "Espoo", "Order_of_Merit", "1947"), ("Di_Eng", "Aarhus", "Odense", "Bronze_Star", "1972")]


def pairs(copies: int = 3) -> list[tuple[list[list[str]], str]]:
    """Texts about people: where born, where died, what award, which year; enough of each to be counted."""
    out = []
    for person, born, died, award, year in PEOPLE:
        name, place, end, prize = (part.replace("_", " ") for part in (person, born, died, award))
        triples = [[person, "birthPlace", born], [person, "deathPlace", died], [person, "award", award],
                   [person, "birthYear", year]]
        out += [(triples, f"{name} was born in {year} in {place}. {name} died in {end} and was awarded the {prize}."),
                (triples, f"{name} was born in {place} in {year}, was awarded the {prize} and died in {end}.")] * copies
    return out


def test_mining_counts_the_words_before_each_predicates_values_by_their_kind() -> None:
    mined = mine_contexts(pairs())
    assert mined.before.names["died in"].of == {"deathPlace": 24.0}
    assert mined.before.names["was awarded the"].of == {"award": 24.0}
    # before a name "was born in" says a birth place, before a year a birth year
    assert mined.before.names["was born in"].of == {"birthPlace": 12.0}
    assert mined.before.literals["was born in"].of == {"birthYear": 12.0}
    assert mined.after.literals["in"].of == {"birthYear": 12.0}  # "in 1950 in Oslo"
    assert mined.placed["deathPlace"] == 24
    text = "Ann died in Bergen, in Oslo, as a poet and singer."
    assert words_by(text, (23, 27), [(12, 18)], "before") == ["in"]  # the comma ends the clause
    assert words_by(text, (12, 18), [(23, 27)], "after") == []
    assert words_by("Ann died in Oslo as a poet and singer.", (12, 16), [], "after") == ["as", "as a", "as a poet"]
    assert words_by("Ann won the Medal and died in Oslo.", (12, 17), [(29, 33)], "after") == []  # the next clause


def engine_with(tmp_path: Path) -> Engine:
    return mined_engine(tmp_path, pairs())


RECORD = {"triples": [["Eva_Falk", "birthPlace", "Narvik"], ["Eva_Falk", "deathPlace", "Tromso"],
                      ["Eva_Falk", "award", "Victoria_Cross"], ["Eva_Falk", "birthYear", "1930"]]}


@pytest.mark.parametrize(("text", "passed"), [
    ("Eva Falk was born in Narvik in 1930 and died in Tromso. She was awarded the Victoria Cross.", True),
    ("Eva Falk was born in 1930 in Narvik and was awarded the Victoria Cross. She died in Tromso.", True),
    # every value and every predicate's words are there, but two values sit where the other relation's go
    ("Eva Falk was born in Narvik in 1930, died in Victoria Cross and was awarded the Tromso.", False),
])
def test_a_value_after_the_words_of_another_relation_is_wrong(tmp_path: Path, text: str, passed: bool) -> None:
    report = engine_with(tmp_path).verify(RECORD, text)
    assert report.passed is passed, report.issues
    if not passed:
        messages = [i.message for i in report.issues if i.code == "wrong_value"]
        assert any(m.startswith("triples[2]: 'Victoria Cross' (award) follows 'died in', which in the training "
                                "texts comes before a 'death place' (here 'Tromso')") for m in messages), messages
        assert report.facts["triples"].status == "wrong"


def test_words_that_say_a_predicate_the_record_lacks_are_wrong_too(tmp_path: Path) -> None:
    record = {"triples": [["Eva_Falk", "birthPlace", "Narvik"], ["Eva_Falk", "award", "Victoria_Cross"]]}
    engine = engine_with(tmp_path)
    assert engine.verify(record, "Eva Falk was born in Narvik and was awarded the Victoria Cross.").passed
    report = engine.verify(record, "Eva Falk, awarded the Victoria Cross, died in Narvik, where she was born.")
    assert not report.passed
    assert any("'Narvik' (birth place) follows 'died in', which in the training texts comes before a 'death place'"
               ", almost never before a 'birth place'" in i.message for i in report.issues), report.issues


def test_a_predicate_seen_too_rarely_is_not_judged() -> None:
    mined = mine_contexts(pairs(copies=1))
    record = [("Eva", "award", "Tromso"), ("Eva", "deathPlace", "Narvik")]
    text = "Eva died in Tromso and was awarded the Narvik."
    where = {"Eva": (0, 3), "Tromso": (12, 18), "Narvik": (39, 45)}
    assert mined.before.names["died in"].total == 8 and mined.placed["award"] == 8
    assert [m.index for m in ContextTable(mined).misplaced(text, record, where)] == [0, 1]
    mined.placed = {"award": 2, "deathPlace": 2}  # found twice each: too rare to judge
    assert ContextTable(mined).misplaced(text, record, where) == []


@pytest.mark.parametrize(("record", "text", "said_of"), [
    ([["200_Public_Square", "location", "Cleveland"], ["200_Public_Square", "floorCount", "45"]],
     "200 Public Square is located in Cleveland, which has 45 floors.", "Cleveland"),
    ([["200_Public_Square", "location", "Cleveland"], ["200_Public_Square", "floorCount", "45"]],
     "200 Public Square, which has 45 floors, is located in Cleveland.", None),
    ([["Cleveland", "isPartOf", "Ohio"], ["Cleveland", "governingBody", "Cleveland_City_Council"]],
     "Cleveland, Ohio, which is governed by Cleveland City Council, is a city.", None),  # any name of the chain
    ([["Allen_Forrest", "background", "\"solo_singer\""], ["Allen_Forrest", "genre", "Pop_music"]],
     "Allen Forrest is a solo singer who performs Pop music.", None),  # "who": the person the class describes
    ([["Hypermarcas", "location", "Brazil"], ["Hypermarcas", "product", "Drugs"]],
     "Hypermarcas is located in Brazil, which produces Drugs.", "Brazil"),
    # a clause after the class a subject is, in lower case, is about the subject; after a name, about the name
    ([["Aenir", "mediaType", "Paperback"], ["Aenir", "author", "Garth_Nix"]],
     "Aenir is a paperback which was written by Garth Nix.", None),
    ([["Austin", "country", "United_States"], ["Austin", "leaderTitle", "City_Manager"]],
     "Austin is the United States which is led by the City Manager.", "United States"),
    # after a date, "where" tells of the event
    ([["Buzz_Aldrin", "selection", "1963"], ["Buzz_Aldrin", "mission", "Apollo_11"]],
     "Buzz Aldrin was selected in 1963, where he served on Apollo 11.", None),
    # a clause that restates where a place is
    ([["Ab_Klink", "birthPlace", "Stellendam,_Netherlands"], ["Ab_Klink", "birthPlace", "Netherlands"]],
     "Ab Klink was born in Stellendam which is in Netherlands.", None),
])
def test_a_value_in_a_clause_about_another_entity_is_wrong(tmp_path: Path, record: list[list[str]], text: str,
                                                          said_of: str | None) -> None:
    report = engine_with(tmp_path).verify({"triples": record}, text)
    assert report.passed is (said_of is None), report.issues
    if said_of is not None:
        [issue] = report.issues
        assert issue.code == "wrong_value"
        assert f"is written in a clause about {said_of!r} ('{said_of} which …'), but the data gives it to" \
            in issue.message


def test_a_value_written_where_subjects_stand_is_wrong_unless_it_is_a_subject(tmp_path: Path) -> None:
    engine = engine_with(tmp_path)
    record = {"triples": [["Eva_Falk", "deathPlace", "Narvik"], ["Eva_Falk", "birthPlace", "Tromso"]]}
    report = engine.verify(record, "Narvik was born in Tromso, where Eva Falk died.")
    assert not report.passed
    assert any("'Narvik' (death place) is followed by 'was born in', which in the training texts comes after a "
               "relation's subject, almost never after a 'death place'" in i.message for i in report.issues)
    assert engine.verify(record, "Eva Falk was born in Tromso and died in Narvik.").passed


def table(before_names: dict[str, dict[str, float]], before_literals: dict[str, dict[str, float]] | None = None,
          placed: dict[str, int] | None = None) -> ContextTable:
    """A value-context table written out, as `lexicon mine` would count it."""
    def counts(rows: dict[str, dict[str, float]]) -> dict[str, ContextCounts]:
        return {words: ContextCounts(total=sum(of.values()), of=of) for words, of in rows.items()}
    mined = ValueContexts(placed=placed or {}, before=ContextTables(names=counts(before_names),
                                                                   literals=counts(before_literals or {})))
    return ContextTable(mined)


def where(text: str, *ends: str) -> dict[str, tuple[int, int]]:
    return {end: (text.index(end), text.index(end) + len(end)) for end in ends}


def test_words_that_stand_by_predicates_the_record_lacks_taken_together_are_wrong() -> None:
    contexts = table({"located in": {"location": 60, "city": 30, "country": 8}},
                     placed={"employer": 5, "designer": 5, "location": 60})
    record = [("AMC Matador", "designer", "Richard Teague"), ("Richard Teague", "employer", "General Motors")]
    text = "The AMC Matador was designed by Richard Teague who is located in General Motors."
    [wrong] = contexts.misplaced(text, record, where(text, "AMC Matador", "Richard Teague", "General Motors"))
    assert (wrong.index, wrong.words, wrong.says, wrong.rival) == (1, "located in", "location", None)
    # no one predicate has 80% of them: only all of them together say the value is not an employer
    mixed = table({"located in": {"location": 60, "city": 30, "employer": 8}}, placed={"employer": 5})
    assert mixed.misplaced(text, record, where(text, "AMC Matador", "Richard Teague", "General Motors")) == []


def test_words_seen_only_before_numbers_judge_a_name_written_after_them() -> None:
    contexts = table({"of": {"shipBeam": 1, "length": 30, "@subject": 30}},
                     {"ship beam of": {"shipBeam": 48}}, placed={"shipClass": 10, "length": 10})
    record = [("A-Rosa Luna", "shipClass", "Cruise ship"), ("A-Rosa Luna", "length", "125.8")]
    text = "The A-Rosa Luna is 125.8 metres long and has a ship beam of Cruise ship."
    [wrong] = contexts.misplaced(text, record, where(text, "A-Rosa Luna", "125.8", "Cruise ship"))
    assert (wrong.index, wrong.words, wrong.says) == (0, "ship beam of", "shipBeam")


@pytest.mark.parametrize(("text", "wrong"), [
    ("Bibbo Bibbowski was created by Jerry Ordway and Americans.", [1]),  # 'created by' is before both
    ("Bibbo Bibbowski was created by Jerry Ordway and the Americans.", [1]),
    ("Bibbo Bibbowski was created by Jerry Ordway and Americans are his people.", []),  # a new clause
    ("Bibbo Bibbowski was created by Jerry Ordway, and Americans like him.", []),  # a comma: not a list
])
def test_a_value_joined_by_and_stands_by_the_words_before_the_first(text: str, wrong: list[int]) -> None:
    contexts = table({"created by": {"creator": 40}}, placed={"creator": 40, "nationality": 40})
    record = [("Bibbo Bibbowski", "creator", "Jerry Ordway"), ("Jerry Ordway", "nationality", "Americans")]
    found = contexts.misplaced(text, record, where(text, "Bibbo Bibbowski", "Jerry Ordway", "Americans"))
    assert [m.index for m in found] == wrong


@pytest.mark.parametrize(("record", "text", "wrong"), [
    ([["London", "leader", "Boris_Johnson"], ["Alfred_Garth_Jones", "deathPlace", "London"]],
     "Alfred Garth Jones died in London. Boris Johnson is the leader of Boris Johnson.", "Boris Johnson"),
    ([["USAF", "battle", "Operation_Enduring_Freedom"]],
     "The USAF fought in the Operation Enduring Freedom. The Operation Enduring Freedom was part of the Operation "
     "Enduring Freedom.", "Operation Enduring Freedom"),
    # an entity inside a longer name of the record, or of two relations, may be written twice
    ([["Albany,_Oregon", "isPartOf", "Oregon"], ["Albany,_Oregon", "country", "United_States"]],
     "Albany, Oregon is part of Oregon and is in the United States.", None),
    ([["Albany,_Georgia", "isPartOf", "United_States"], ["Albany,_Georgia", "country", "United_States"]],
     "Albany, Georgia is part of United States and is located in United States.", None),
    ([["Bacon_sandwich", "ingredient", "Bacon"], ["Bacon_sandwich", "alternativeName", "Bacon butty, bacon barm"]],
     "The Bacon sandwich has Bacon in it and is also called bacon butty and bacon barm.", None),
])
def test_an_entity_written_twice_around_a_relation_relates_it_to_itself(
        tmp_path: Path, record: list[list[str]], text: str, wrong: str | None) -> None:
    report = engine_with(tmp_path).verify({"triples": record}, text)
    itself = [i.message for i in report.issues if "relate it to itself" in i.message]
    if wrong is None:
        assert itself == [], report.issues
    else:
        [message] = itself
        assert message.startswith(f"{wrong!r} is written twice around words that relate it to itself ('{wrong} ")
        assert not report.passed


def test_words_before_the_subject_of_a_relation_give_it_to_that_subject() -> None:
    mined = ValueContexts(subjects={"the leader of": ContextCounts(total=40, of={"leader": 38, "capital": 6})})
    record = [("London", "leader", "Boris Johnson"), ("Alfred Jones", "deathPlace", "London")]
    wrong = "Alfred Jones died in London. Boris Johnson is the leader of Alfred Jones."
    ends = {"Alfred Jones": (0, 12), "London": (21, 27), "Boris Johnson": (29, 42)}
    assert ContextTable(mined).wrong_subjects(wrong, record, ends) == [("Alfred Jones", "the leader of", "leader")]
    right = "Alfred Jones died in London. Boris Johnson is the leader of London."
    assert ContextTable(mined).wrong_subjects(right, record, ends) == []


def test_mining_counts_the_words_before_subjects_by_their_predicates() -> None:
    rows = [([["Norland", "leader", "Ola_Nord"], ["Norland", "capital", "Nordby"]],
             "The leader of Norland is Ola Nord and its capital is Nordby.")] * 8
    mined = mine_contexts(rows)
    # each predicate counts in full: all 8 subjects after 'the leader of' are subjects of a leader and of a capital
    assert mined.subjects["the leader of"] == ContextCounts(total=8, of={"capital": 8, "leader": 8})


@pytest.mark.parametrize(("words", "telling"), [("long", True), ("and has", True), ("to", False), ("metres", False)])
def test_one_word_tells_a_relation_only_if_it_is_a_content_word_and_no_unit(words: str, telling: bool) -> None:
    from hybridnlg_spacy.contexts import _telling

    assert _telling(words) is telling


def contexts_of(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]], placed: dict[str, int],
                literals: bool = False) -> ContextTable:
    """Words before and after values, written out (of names, or with `literals` of numbers and dates)."""
    def counts(rows: dict[str, dict[str, float]]) -> ContextTables:
        written = {words: ContextCounts(total=sum(of.values()), of=of) for words, of in rows.items()}
        return ContextTables(literals=written) if literals else ContextTables(names=written)
    return ContextTable(ValueContexts(placed=placed, before=counts(before), after=counts(after)))


@pytest.mark.parametrize(("text", "wrong"), [
    ("Augustus Pugin is located in Adare and designed Adare Manor.", [0]),
    # the value ends a phrase about the subject before it: what follows is that subject's
    ("Adare Manor designed by Augustus Pugin is located in Adare.", []),
    ("The Adare Manor is located in Adare and was designed by Augustus Pugin.", []),
])
def test_words_after_a_value_that_ends_a_phrase_about_another_name_are_that_names(text: str, wrong: list[int]) -> None:
    contexts = contexts_of({"designed by": {"architect": 30}, "in": {"location": 30}},
                           {"is located in": {"@subject": 40}}, {"architect": 30, "location": 30})
    record = [("Adare Manor", "architect", "Augustus Pugin"), ("Adare Manor", "location", "Adare")]
    found = contexts.misplaced(text, record, where(text, "Adare Manor", "Augustus Pugin", "Adare"))
    assert [m.index for m in found] == wrong


def test_a_place_qualifying_a_name_is_followed_by_that_names_words() -> None:
    contexts = contexts_of({}, {"is located in": {"@subject": 40}}, {"isPartOf": 30})
    record = [("Auburn", "isPartOf", "Pierce County"), ("Auburn", "country", "United States")]
    text = "Auburn, Pierce County is located in the United States."
    assert contexts.misplaced(text, record, where(text, "Auburn", "Pierce County", "United States")) == []


@pytest.mark.parametrize(("text", "wrong"), [
    ("Romania is led by Prime Minister Klaus Iohannis.", []),  # a title of the name right after it
    ("Romania is led by Prime Minister, and Klaus Iohannis is its president.", [0]),
])
def test_words_before_a_title_are_the_names_after_it(text: str, wrong: list[int]) -> None:
    contexts = contexts_of({"led by": {"leader": 40}}, {}, {"leaderTitle": 30, "leader": 40})
    record = [("Romania", "leaderTitle", "Prime Minister"), ("Romania", "leader", "Klaus Iohannis")]
    found = contexts.misplaced(text, record, where(text, "Romania", "Prime Minister", "Klaus Iohannis"))
    assert [m.index for m in found] == wrong


@pytest.mark.parametrize(("text", "wrong"), [
    ("Abilene Airport has a runway length of 2194.0 and 546 m above sea level.", []),
    ("Abilene Airport has a runway length of 2194.0 and 546 metres of elevation.", []),  # its own words
    ("Abilene Airport has a runway length of 2194.0 and 546.", [1]),  # 'runway length of' is before both
])
def test_a_value_joined_by_and_may_be_followed_by_words_that_say_its_own_relation(text: str, wrong: list[int]) -> None:
    contexts = contexts_of({"runway length of": {"runwayLength": 40}},
                           {"m above sea": {"elevation": 30}}, {"runwayLength": 40, "elevation": 30}, literals=True)
    record = [("Abilene Airport", "runwayLength", "2194.0"), ("Abilene Airport", "elevation", "546")]
    found = contexts.misplaced(text, record, where(text, "Abilene Airport", "2194.0", "546"))
    assert [m.index for m in found] == wrong


def test_words_by_a_value_that_is_no_subject_are_read_by_the_values_that_were_none() -> None:
    contexts = table({"home to": {"@subject": 44, "demonym": 9, "ethnicGroup": 40}}, placed={"ethnicGroup": 10})
    text = "The United States is home to Asian Americans."
    ends = where(text, "United States", "Asian Americans")
    triple = ("United States", "ethnicGroup", "Asian Americans")
    # 40 of the 57 values after 'home to' that were no subject were ethnic groups
    assert contexts.say(text, triple, ends, frozenset({"United States"})) == "home to"
    # a value that is a subject here too is read by all 93: 40 are not half
    assert contexts.say(text, triple, ends, frozenset({"United States", "Asian Americans"})) is None
