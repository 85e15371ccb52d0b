"""A candidate joined from texts for parts of its segment (`Candidate.parts`, a sentence per relation) is validated
part by part: each part's text against the part's own facts, each distinct part text once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hybridnlg import Candidate, Realizer, RealizeResult, Segment, ValidationReport
from hybridnlg.testing import FakeRealizerConfig, FakeValidator, make_engine, plugin_of


class Joining(Realizer[FakeRealizerConfig]):
    """Two candidates joined from a text per fact. The first says B in the text for A, none in the text for B: the
    joined text holds both values, but its part for B does not."""

    name = "joining"
    Config = FakeRealizerConfig

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        out: list[RealizeResult] = []
        for segment in segments:
            first, second = (replace(segment, id=f"{segment.id}#{n}", facts={name: fact})
                             for n, (name, fact) in enumerate(segment.facts.items()))
            for_a = Candidate(self.name, "Ada sings, like Bob.", -0.1)
            wrong = [(first, for_a), (second, Candidate(self.name, "Nobody else does.", -0.1))]
            right = [(first, for_a), (second, Candidate(self.name, "Bob dances.", -0.5))]
            out.append([Candidate(self.name, " ".join(c.text for _, c in parts), -0.1, parts=parts)
                        for parts in (wrong, right)])
        return out


def engine(validate: str = "lazy") -> object:
    return make_engine({
        "segments": [{"id": "s", "template": "{{ a }} and {{ b }}.", "facts": ["a", "b"], "realizer": "joining"}],
        "validators": {"fake": {}},
        "decision": {"validate": validate, "on_failure": "template", "prefer": ["joining", "template"]},
    }, plugin_of(Joining, FakeValidator))


def test_each_part_is_judged_against_its_own_facts_and_each_part_text_once() -> None:
    rendering = engine()
    result = rendering.render({"a": "Ada", "b": "Bob"}).segments[0]  # type: ignore[attr-defined]
    wrong, right = result.candidates
    assert result.text == "Ada sings, like Bob. Bob dances." and right.status == "chosen"
    assert wrong.status == "rejected: missing_fact"  # the joined text holds "Bob"; its part for b does not
    (report,) = wrong.reports
    assert [issue.message for issue in report.issues] == ["s#1: 'Bob' not found"]
    assert report.meta["parts"] == [{"segment": "s#0", "passed": True, "score": 1.0},
                                    {"segment": "s#1", "passed": False, "score": 0.0}]
    assert report.score == 0.5 and right.score == 1.0
    # round one: both parts of the first; round two: only the new part text of the second
    assert rendering.validators["fake"].calls == [2, 1]  # type: ignore[attr-defined]
    traced = result.to_dict()["candidates"][1]
    assert [part["segment"] for part in traced["parts"]] == ["s#0", "s#1"]
    assert traced["parts"][1]["text"] == "Bob dances."


def test_validating_every_candidate_judges_each_distinct_part_text_once() -> None:
    rendering = engine("all")
    result = rendering.render({"a": "Ada", "b": "Bob"}).segments[0]  # type: ignore[attr-defined]
    assert result.text == "Ada sings, like Bob. Bob dances."
    assert rendering.validators["fake"].calls == [3]  # type: ignore[attr-defined]


class Unchecking(FakeValidator):
    """Passes everything and says it could not check fact b."""

    name = "unchecking"

    def validate(self, items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        return [ValidationReport(self.name, meta={"unchecked": {"b": "no lexicon entry"}} if "b" in s.facts else {})
                for s, _ in items]


def test_what_a_part_left_unchecked_stays_in_the_joined_report() -> None:
    rendering = make_engine({
        "segments": [{"id": "s", "template": "{{ a }} and {{ b }}.", "facts": ["a", "b"], "realizer": "joining"}],
        "validators": {"unchecking": {}},
    }, plugin_of(Joining, Unchecking))
    first = rendering.render({"a": "Ada", "b": "Bob"}).segments[0].candidates[0]
    (report,) = first.reports
    assert report.meta["unchecked"] == {"s#1: b": "no lexicon entry"}
    assert report.meta["parts"][1]["meta"] == {"unchecked": {"b": "no lexicon entry"}}
    assert "meta" not in report.meta["parts"][0]
