"""A sentence per relation (`realizers.gpt2.over_max_relations: sentences`): splitting a segment of many relations
into single-relation segments in tree order, joining the sentences per subject, composing the candidates."""

from __future__ import annotations

import pytest

from hybridnlg import Candidate, Failure
from hybridnlg.types import Fact, Segment

pytest.importorskip("torch")

from hybridnlg_gpt2.sentences import compose, context_is_alone, join_sentences, split_relations


def relation_segment(items: list[object]) -> Segment:
    return Segment(id="entry", spec_id="entry", record_index=0,
                   facts={"triples": Fact("triples", items, "triples")}, context={})


def test_split_keeps_each_relation_in_its_shape_in_tree_order() -> None:
    items: list[object] = [{"subject": "Aarhus", "predicate": "leader", "object": "Jacob_Bundsgaard"},
                           ["Aarhus_Airport", "cityServed", "Aarhus"],
                           {"subject": "Aarhus_Airport", "predicate": "runwayLength", "object": "2702.0"}]
    parts = split_relations(relation_segment(items))
    assert parts is not None
    assert [p.facts["triples"].value for p in parts] == [[items[1]], [items[2]], [items[0]]]  # the root first
    assert [p.id for p in parts] == ["entry#0", "entry#1", "entry#2"]
    assert split_relations(relation_segment(items[:1])) is None  # one relation: nothing to split
    assert split_relations(relation_segment(["a", "b", "c"])) is None  # no relations
    two_facts = relation_segment(items)
    two_facts.facts["name"] = Fact("name", "x", "name")
    assert split_relations(two_facts) is None


def test_a_part_renders_its_relation_alone_where_the_record_holds_the_list() -> None:
    items: list[object] = [["X", "p", "A"], ["X", "q", "B"]]
    segment = relation_segment(items)
    segment.context = {"triples": items, "other": 1}
    parts = split_relations(segment)
    assert parts is not None and [p.context["triples"] for p in parts] == [[items[0]], [items[1]]]
    assert all(context_is_alone(p) and p.context["other"] == 1 for p in parts)
    nested = relation_segment(items)
    nested.facts["triples"] = Fact("triples", items, "entry.triples")
    nested.context = {"entry": {"triples": items}}
    assert not any(context_is_alone(p) for p in split_relations(nested) or [])  # left whole: no template sentence


def test_sentences_about_one_subject_are_joined() -> None:
    assert join_sentences([("Aarhus Airport", "Aarhus Airport serves the city of Aarhus."),
                           ("Aarhus Airport", "The Aarhus Airport has a runway length of 2702.0."),
                           ("Aarhus Airport", "Aarhus Airport is 25.0 metres above sea level."),
                           ("Aarhus", "Aarhus is led by Jacob Bundsgaard.")]) == (
        "Aarhus Airport serves the city of Aarhus, has a runway length of 2702.0 and is 25.0 metres above sea level. "
        "Aarhus is led by Jacob Bundsgaard.")
    # a sentence that ends on the next one's subject takes it as a relative clause, once
    assert join_sentences([("A", "A is in B."), ("B", "B is part of C."), ("C", "C is in D.")]) == (
        "A is in B, which is part of C. C is in D.")
    assert join_sentences([("A", "A is in B."), ("B", "The capital of B is E.")]) == "A is in B. The capital of B is E."
    # a sentence that does not begin with the subject, or is two sentences, ends the run
    assert join_sentences([("X", "X is a city."), ("X", "The mayor of X is Y."), ("X", "X has 3 parks.")]) == (
        "X is a city. The mayor of X is Y. X has 3 parks.")
    assert join_sentences([("X", "X is a city. It is old."), ("X", "X has 3 parks.")]) == (
        "X is a city. It is old. X has 3 parks.")
    assert join_sentences([("X", "X and Y are related."), ("X", "X is red.")]) == "X and Y are related. X is red."
    assert join_sentences([("X", "X's colour is red."), ("X", "X is old.")]) == "X's colour is red. X is old."
    # neighbouring predicates that differ only in the name they end on become one
    assert join_sentences([("X", "X was born in Katowice."), ("X", "X was born in Poland."), ("X", "X is old.")],
                          ["X", "Katowice", "Poland"]) == "X was born in Katowice and Poland and is old."
    assert join_sentences([("X", "The X plays for A."), ("X", "X plays for the B C."), ("X", "X plays for D.")],
                          ["X", "A", "B C", "D"]) == "The X plays for A, the B C and D."
    assert join_sentences([("X", "X plays for A."), ("X", "X plays in A.")], ["X", "A"]) == "X plays for A and plays in A."
    # a full stop inside a name ends no sentence: the subject's own, or a name the segment holds; others stay apart
    assert join_sentences([("A.S. Roma", "A.S. Roma play in Serie A."), ("A.S. Roma", "A.S. Roma is in Rome.")]) == (
        "A.S. Roma play in Serie A and is in Rome.")
    two = [("X", "X was followed by William M. O. Dawson."), ("X", "X died in 1941.")]
    assert join_sentences(two) == "X was followed by William M. O. Dawson. X died in 1941."
    assert join_sentences(two, ["William M. O. Dawson"]) == "X was followed by William M. O. Dawson and died in 1941."
    # a sentence about a longer name that begins with the subject's is no sentence about the subject
    stadium = [("Addis Ababa City Hall", "Addis Ababa City Hall is in Addis Ababa."),
               ("Addis Ababa", "Addis Ababa Stadium is part of Addis Ababa."), ("Addis Ababa", "Addis Ababa is old.")]
    assert join_sentences(stadium, ["Addis Ababa City Hall", "Addis Ababa", "Addis Ababa Stadium"]) == (
        "Addis Ababa City Hall is in Addis Ababa. Addis Ababa Stadium is part of Addis Ababa, which is old.")
    # a sentence that ends on a name's own full stop takes nothing after it
    ends = [("X", "X works for Caterpillar Inc."), ("X", "X is old.")]
    assert join_sentences(ends, ["Caterpillar Inc."]) == "X works for Caterpillar Inc. X is old."


def test_compose_varies_one_relation_at_a_time_then_all_together() -> None:
    parts = split_relations(relation_segment([["X", "p", "A"], ["X", "q", "B"]]))
    assert parts is not None
    first = [Candidate("gpt2", "X is A.", -0.5, {"format": "data"}), Candidate("gpt2", "X has A.", -0.9)]
    second = [Candidate("gpt2", "X likes B.", -0.1), Candidate("gpt2", "X loves B.", -0.3)]
    joined = compose(parts, [first, second], "gpt2")
    assert isinstance(joined, list)
    assert [c.text for c in joined] == ["X is A and likes B.", "X has A and likes B.", "X is A and loves B.",
                                        "X has A and loves B."]
    assert joined[0].score == -0.3 and joined[0].meta["sentences"] == ["X is A.", "X likes B."]
    assert [c.meta["ranks"] for c in joined] == [[0, 0], [1, 0], [0, 1], [1, 1]]
    failed = compose(parts, [first, Failure("all 4 gpt2 candidates rejected")], "gpt2")
    assert isinstance(failed, Failure) and "relation 1: all 4 gpt2 candidates rejected" in failed.reason


def test_compose_tries_a_fallback_sentence_after_a_relations_own_texts_and_in_their_place() -> None:
    parts = split_relations(relation_segment([["X", "p", "A"], ["X", "q", "B"]]))
    assert parts is not None
    first = [Candidate("gpt2", "X is A.", -0.5), Candidate("gpt2", "X has A.", -0.9)]
    second = [Candidate("gpt2", "X likes B.", -0.1)]
    backups = [Candidate("template", "X ps A."), Candidate("template", "X qs B.")]
    joined = compose(parts, [first, second], "gpt2", backups)
    assert isinstance(joined, list)
    assert [c.text for c in joined] == ["X is A and likes B.", "X has A and likes B.", "X ps A and likes B.",
                                        "X is A and qs B.", "X has A and qs B."]
    # a fallback sentence counts as its relation's lowest score; its source is in the meta; the parts are kept
    assert joined[2].score == -0.5 and joined[2].meta["sources"] == ["template", "gpt2"]
    assert "sources" not in joined[0].meta
    assert [(segment.id, c.text) for segment, c in joined[3].parts] == [("entry#0", "X is A."), ("entry#1", "X qs B.")]
    # a relation the model wrote nothing for takes its fallback sentence; fallback sentences alone make nothing
    only = compose(parts, [first, Failure("all 4 gpt2 candidates rejected")], "gpt2", backups)
    assert isinstance(only, list) and [c.text for c in only] == ["X is A and qs B.", "X has A and qs B."]
    assert only[0].score == -0.5  # the relation with no text of the model's does not count
    none = compose(parts, [Failure("a"), Failure("b")], "gpt2", backups)
    assert isinstance(none, Failure) and none.reason == "sentence per relation: the model wrote no relation (a; b)"


def test_as_given_rejects_a_text_that_renames_an_entity_and_any_keeps_it() -> None:
    from hybridnlg_gpt2.generation import Generated
    from hybridnlg_gpt2.realizer import GPT2Config, GPT2Realizer

    mapping = {"__ENT1__": "A Wizard of Mars", "__ENT2__": "English language"}
    texts = [Generated("__ENT1__ is written in English.", -0.1, 6), Generated("__ENT1__ is in __ENT2__.", -0.3, 5)]
    strict = GPT2Realizer(GPT2Config(entity_forms="as-given"))._candidates(texts, mapping, "data", {})
    assert isinstance(strict, list) and [c.text for c in strict] == ["A Wizard of Mars is in English language."]
    assert strict[0].meta["rejected"] == [{"text": "__ENT1__ is written in English.", "reason": "wrote 'English "
                                           "language' in other words (realizers.gpt2.entity_forms: as-given)"}]
    loose = GPT2Realizer(GPT2Config())._candidates(texts, mapping, "data", {})
    assert isinstance(loose, list) and loose[0].text == "A Wizard of Mars is written in English."
    assert loose[0].meta["paraphrased"] == ["English language"]
    alone = GPT2Realizer(GPT2Config(entity_forms="as-given"))._candidates(texts[:1], mapping, "data", {})
    assert isinstance(alone, Failure) and "in other words" in alone.reason
