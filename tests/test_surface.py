"""Surface forms of knowledge-graph values (hybridnlg.surface): one place for templates, GPT-2 and validators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridnlg import predicate_words, surface_form
from hybridnlg.testing import make_engine


@pytest.mark.parametrize(("raw", "written"), [
    ("Aarhus_Airport", "Aarhus Airport"),
    ('"Aarhus, Denmark"', "Aarhus, Denmark"),
    ('"52.0"(minutes)', "52.0 minutes"),
    ('"1963-03-20"^^xsd:date', "1963-03-20"),
    ('"2702.0"^^<http://www.w3.org/2001/XMLSchema#double>', "2702.0"),
    ("\"''Alvinegro''\"", "Alvinegro"),
    ("\"''Alvinegro\"", "Alvinegro"),
    ("The Eagle", "The Eagle"),
    ("  two   spaces ", "two spaces"),
    (3.0, "3"),
    (2.5, "2.5"),
    (True, "yes"),
])
def test_surface_forms(raw: object, written: str) -> None:
    assert surface_form(raw) == written


@pytest.mark.parametrize(("raw", "words"), [
    ("elevationAboveTheSeaLevel", "elevation above the sea level"),
    ("cityServed", "city served"),
    ("ISBN_number", "ISBN number"),
    ("runwayLength", "runway length"),
    ("leader", "leader"),
])
def test_predicate_words(raw: str, words: str) -> None:
    assert predicate_words(raw) == words


@given(st.text(max_size=200))
def test_ordinary_text_is_only_tidied_and_a_second_pass_changes_nothing(text: str) -> None:
    once = surface_form(text)
    assert surface_form(once) == once or once.startswith(("'", '"'))
    assert isinstance(predicate_words(text), str)


def test_templates_have_the_filters() -> None:
    engine = make_engine({"validators": {}, "segments": [{
        "id": "t", "template": "{{ t.subject | surface }}'s {{ t.predicate | predicate_words }} is {{ t.object | surface }}.",
        "facts": ["t"]}]})
    record = {"t": {"subject": "Aarhus_Airport", "predicate": "runwayLength", "object": '"2702.0"^^xsd:double'}}
    assert engine.render(record).text == "Aarhus Airport's runway length is 2702.0."
