"""The fidelity validator and `train-fidelity`: examples made by perturbing data, a tiny model trained here and
loaded through the same code path as a shipped checkpoint, and the validator beside the spaCy one."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("transformers")

from hybridnlg import Engine
from hybridnlg_fidelity import LABELS, FactItem, items_from_record, query
from hybridnlg_fidelity.examples import Perturber, Source, make_examples, read_sources

ROWS = [
    ("name[The Eagle], eatType[pub], food[Chinese], area[riverside]", "The Eagle is a Chinese pub in the riverside area."),
    ("name[The Mill], eatType[coffee shop], priceRange[cheap]", "The Mill is a cheap coffee shop."),
    ("name[Alimentum], area[city centre], food[French]", "Alimentum serves French food in the city centre."),
    ("name[Zizzi], eatType[restaurant], food[Italian]", "Zizzi is an Italian restaurant."),
]


def write_csv(path: Path, copies: int = 8) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mr", "ref", "fixed", "orig_mr"])
        for _ in range(copies):
            for mr, ref in ROWS:
                writer.writerow([mr, ref, "0", mr])
        # the original annotation claimed a price the text does not give, and another food
        writer.writerow([ROWS[3][0], ROWS[3][1], "1", "name[Zizzi], eatType[restaurant], food[Chinese], priceRange[cheap]"])
    (path.parent / "README.md").write_text("Toy pairs.\n\nLicence: CC BY-SA 4.0. Source: written for this test.\n")
    return path


def test_records_become_fact_items() -> None:
    items = items_from_record({"name": "The Eagle", "triples": [["Aarhus_Airport", "cityServed", "Aarhus"]],
                               "tags": ["a", "b"], "price": {"low": 5}})
    assert [i.linear() for i in items] == ["name = The Eagle", "Aarhus Airport | cityServed | Aarhus", "tags = a",
                                           "tags = b", "price.low = 5"]
    assert items[1].name == "triples"
    as_mappings = items_from_record({"triples": [{"subject": "Aarhus_Airport", "predicate": "cityServed",
                                                  "object": "Aarhus"}]})
    assert [i.linear() for i in as_mappings] == ["Aarhus Airport | cityServed | Aarhus"]
    one = items_from_record({"triple": {"subject": "Rome", "predicate": "country", "object": "Italy"}})
    assert [(i.linear(), i.name) for i in one] == [("Rome | country | Italy", "triple")]
    focus = items[0]
    assert query(focus, items, " The text. ") == "<focus> name = The Eagle <text> The text."
    assert query(None, items[:1], "x").startswith("<focus> <none> <facts> name = The Eagle <text> x")


def test_perturbations_label_what_they_change(tmp_path: Path) -> None:
    sources = read_sources(write_csv(tmp_path / "pairs.csv"))
    assert len(sources) == 33 and sources[-1].annotated is not None
    examples = make_examples(sources, seed=1)
    kinds = {e.kind for e in examples}
    assert {"faithful", "dropped", "missing", "wrong value", "annotated missing", "annotated wrong"} <= kinds
    for example in examples:
        text = example.text.split("<text> ", 1)[1]
        head = example.text.split(" <text> ", 1)[0]
        if example.kind == "missing":  # a fact from another record whose value the text does not contain
            value = head.split(" = ", 1)[1]
            assert LABELS[example.label] == "missing" and value.lower() not in text.lower()
        if example.kind == "wrong value":
            value = head.split(" = ", 1)[1]
            assert LABELS[example.label] == "wrong" and value.lower() not in text.lower()
        if example.kind == "dropped":
            assert LABELS[example.label] == "added"
    annotated = [e for e in examples if e.kind.startswith("annotated")]
    assert {(e.kind, e.text.split(" <text>")[0]) for e in annotated} == {
        ("annotated wrong", "<focus> food = Chinese"), ("annotated missing", "<focus> priceRange = cheap")}


def test_relations_are_swapped_and_joined_to_the_records_subjects() -> None:
    triples = [["Aarhus_Airport", "cityServed", "Aarhus"], ["Aarhus", "country", "Denmark"]]
    sources = [Source(tuple(items_from_record({"t": triples})), "Aarhus Airport serves Aarhus, in Denmark."),
               Source(tuple(items_from_record({"t": [["Rome", "country", "Italy"]]})), "Rome is in Italy.")]
    examples = Perturber(sources, seed=3).examples(sources[0])
    swapped = [e for e in examples if e.kind == "swapped relation"]
    assert swapped and all(LABELS[e.label] == "wrong" for e in swapped)
    item = FactItem("country", "Denmark", "Aarhus")
    assert item.linear() == "Aarhus | country | Denmark"


def test_two_relations_exchange_their_objects_and_both_are_wrong() -> None:
    from hybridnlg_fidelity.examples import cases_from

    triples = [["Alvah_Sabin", "birthPlace", "Georgia,_Vermont"], ["Alvah_Sabin", "deathPlace", "Sycamore,_Illinois"],
               ["Alvah_Sabin", "party", "Whig_Party"]]
    text = "Alvah Sabin was born in Georgia, Vermont and died in Sycamore, Illinois."
    sources = [Source(tuple(items_from_record({"t": triples})), text)]
    exchanged = [e for e in Perturber(sources, seed=0).examples(sources[0]) if e.kind == "exchanged values"]
    assert len(exchanged) == 2 and all(LABELS[e.label] == "wrong" for e in exchanged)
    data = {(i.predicate, i.value) for i in exchanged[0].data}
    # only the two values the text writes are exchanged (the party is not in it); the subject stays
    assert data == {("birthPlace", "Sycamore, Illinois"), ("deathPlace", "Georgia, Vermont"), ("party", "Whig Party")}
    case = next(c for c in cases_from(exchanged) if c.kind == "exchanged values")
    assert sorted(LABELS[label] for label in case.labels) == ["faithful", "wrong", "wrong"]
    # a value that would become its own subject is never exchanged in
    loop = [["Aarhus_Airport", "cityServed", "Aarhus"], ["Aarhus", "country", "Denmark"]]
    own = [Source(tuple(items_from_record({"t": loop})), "Aarhus Airport serves Aarhus, in Denmark.")]
    assert not [e for e in Perturber(own, seed=0).examples(own[0]) if e.kind == "exchanged values"]


def test_a_single_pass_case_labels_every_fact(tmp_path: Path) -> None:
    from hybridnlg_fidelity.examples import cases_from

    sources = read_sources(write_csv(tmp_path / "pairs.csv"))
    cases = cases_from(make_examples(sources, seed=1))
    by_kind = {case.kind: case for case in cases}
    assert {"faithful", "dropped", "missing", "wrong value", "annotated wrong"} <= set(by_kind)
    faithful = by_kind["faithful"]
    assert set(faithful.labels) == {0} and faithful.added == 0
    assert LABELS[by_kind["dropped"].added] == "added" and set(by_kind["dropped"].labels) == {0}
    missing = by_kind["missing"]
    assert [LABELS[label] for label in missing.labels].count("missing") == 1 and missing.added == 0
    wrong = by_kind["wrong value"]  # the wrong fact is the finding, not an addition too
    assert [LABELS[label] for label in wrong.labels].count("wrong") == 1 and wrong.added == 0
    annotated = by_kind["annotated wrong"]  # Zizzi's old annotation: food wrong, price missing, in one case
    labels = {item.predicate: LABELS[label] for item, label in zip(annotated.data, annotated.labels, strict=True)}
    assert labels == {"name": "faithful", "eatType": "faithful", "food": "wrong", "priceRange": "missing"}


def _tokenizer() -> Any:
    from hybridnlg_fidelity.train import _tokenizer as train_tokenizer

    return train_tokenizer([text for _, text in ROWS] + [mr for mr, _ in ROWS], 300)


def test_single_pass_markers_follow_each_fact_and_the_text_comes_first() -> None:
    from hybridnlg_fidelity.facts import FOCUS, NONE
    from hybridnlg_fidelity.joint import encode, label_ids

    tokenizer = _tokenizer()
    items = items_from_record({"name": "The Eagle", "food": "Chinese"})
    [one] = encode(tokenizer, items, "The Eagle serves <focus> Chinese food.", 96)
    decoded = tokenizer.decode(one.ids)
    assert decoded.index("The Eagle serves") < decoded.index("name = The Eagle")  # text first (GPT-2 reads left to right)
    focus, none = tokenizer.convert_tokens_to_ids([FOCUS, NONE])
    assert [one.ids[m] for m in one.markers] == [focus, focus] and one.ids[one.added_at] == none
    assert one.ids.count(focus) == 2, "a marker spelt in the text is not a question"
    assert tokenizer.decode(one.ids[:one.markers[0] + 1]).rstrip().endswith("name = The Eagle <focus>")
    labels = label_ids(one, [0, 3], 2)
    assert [(i, v) for i, v in enumerate(labels) if v != -100] == [(one.markers[0], 0), (one.markers[1], 3),
                                                                   (one.added_at, 2)]


def test_single_pass_cuts_a_long_text_and_splits_facts_that_do_not_fit() -> None:
    from hybridnlg_fidelity.joint import encode

    tokenizer = _tokenizer()
    items = items_from_record({f"slot{i}": f"value number {i}" for i in range(12)})
    passes = encode(tokenizer, items, "The Eagle is a Chinese pub. " * 40, 64)
    assert all(len(p.ids) <= 64 for p in passes) and len(passes) > 1 and passes[0].text_cut
    assert [i for p in passes for i in p.facts] == list(range(12))  # every fact asked once, in order
    assert [p.added_at is not None for p in passes] == [False] * (len(passes) - 1) + [True]


@pytest.fixture(scope="module", params=["joint", "per-fact"])
def tiny_checkpoint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer fidelity model trained for a few steps here (random start, its own tokenizer), in each format."""
    from hybridnlg import data_licence
    from hybridnlg_fidelity.train import FidelitySettings, train_fidelity

    folder = tmp_path_factory.mktemp("fidelity")
    data = write_csv(folder / "pairs.csv")
    licence, credit = data_licence(data)
    settings = FidelitySettings(train=data, out=folder / "cfg" / "fid", dev_pairs=4, layers=1, width=32, heads=2,
                                vocab_size=400, max_length=96, batch_size=8, threads=1, licence=licence, credit=credit,
                                format=request.param)
    metrics = train_fidelity(settings, log=lambda _: None)
    assert 0 <= metrics["dev_accuracy"] <= 1 and metrics["steps"] > 0
    return settings.out


def test_a_time_budget_ends_training_with_the_learning_rate_decayed(tmp_path: Path) -> None:
    """With --max-minutes the linear decay is fitted to the time left, as in `hybridnlg train`: a run planned for
    far more steps than the budget allows stops early with its learning rate near zero, not cut off at its peak."""
    from hybridnlg_fidelity.train import FidelitySettings, train_fidelity

    data = write_csv(tmp_path / "pairs.csv")
    settings = FidelitySettings(train=data, out=tmp_path / "fid", dev_pairs=4, layers=1, width=32, heads=2,
                                vocab_size=400, max_length=96, batch_size=2, threads=1, epochs=10_000, lr=1e-3,
                                max_minutes=0.08)
    metrics = train_fidelity(settings, log=lambda _: None)
    assert 50 <= metrics["steps"] < metrics["planned_steps"]
    assert metrics["last_lr"] < 0.25 * settings.lr


def test_the_checkpoint_says_its_format_and_loads_as_its_kind(tiny_checkpoint: Path) -> None:
    from hybridnlg_fidelity.model import load

    meta = json.loads((tiny_checkpoint / "fidelity_meta.json").read_text())
    loaded = load(str(tiny_checkpoint), "cpu")
    joint = meta["format"] == "text-facts-markers"
    assert loaded.joint is joint
    assert type(loaded.model).__name__ == ("GPT2ForTokenClassification" if joint else "GPT2ForSequenceClassification")
    card = (tiny_checkpoint / "README.md").read_text()
    assert ("token-classification" in card) is joint


def test_training_writes_a_checkpoint_with_its_card(tiny_checkpoint: Path) -> None:
    names = {p.name for p in tiny_checkpoint.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "fidelity_meta.json", "README.md"} <= names
    meta = json.loads((tiny_checkpoint / "fidelity_meta.json").read_text())
    assert meta["labels"] == list(LABELS)
    card = (tiny_checkpoint / "README.md").read_text()
    assert "license: cc-by-sa-4.0" in card and "Source: written for this test." in card and "dev_accuracy" in card


def engine(folder: Path, **fidelity: Any) -> Engine:
    config = {"validators": {"spacy": {"model": "blank"}, "fidelity": {"model": "fid", **fidelity}},
              "segments": [{"id": "intro", "template": "{{ name }} is a {{ food }} place.", "facts": ["name", "food"]}]}
    return Engine.from_config(config, config_dir=folder, entrypoints=False)


def test_the_validator_asks_about_every_fact_and_runs_beside_spacy(tiny_checkpoint: Path) -> None:
    report = engine(tiny_checkpoint.parent).render({"name": "The Eagle", "food": "Chinese"})
    [trace] = report.segments[0].candidates
    by_name = {r.validator: r for r in trace.reports}
    assert set(by_name) == {"spacy", "fidelity"}
    fidelity = by_name["fidelity"]
    assert set(fidelity.meta["facts"]) == {"name", "food"}  # a verdict on every fact, in either format
    assert set(fidelity.meta["facts"].values()) <= {"expressed", "missing", "wrong"}
    assert 0 <= fidelity.score <= 1 and fidelity.meta["model"].endswith("fid")
    assert all(i.category == "fact" and i.code in {"missing_fact", "wrong_value", "added_fact"} for i in fidelity.issues)


def test_as_a_warning_it_ranks_but_never_rejects(tiny_checkpoint: Path) -> None:
    report = engine(tiny_checkpoint.parent, severity="warning", threshold=0.01).render({"name": "Ada", "food": "Thai"})
    [trace] = report.segments[0].candidates
    fidelity = next(r for r in trace.reports if r.validator == "fidelity")
    assert fidelity.passed and all(i.severity == "warning" for i in fidelity.issues)
    assert fidelity.issues, "with a threshold of 0.01 the random model finds something"


def test_as_a_gate_a_candidate_it_finds_nothing_in_scores_one_unless_it_ranks(tiny_checkpoint: Path) -> None:
    record = {"name": "Ada", "food": "Thai"}
    gate = engine(tiny_checkpoint.parent, threshold=0.999).render(record).segments[0].candidates[0]
    ranked = engine(tiny_checkpoint.parent, threshold=0.999, rank=True).render(record).segments[0].candidates[0]
    gate_report, ranked_report = (next(r for r in t.reports if r.validator == "fidelity") for t in (gate, ranked))
    assert gate_report.passed and gate_report.score == 1.0  # lazy validation settles on it, as with spaCy alone
    assert ranked_report.score == ranked_report.meta["confidence"] < 1.0  # the model's confidence reranks
    assert gate_report.meta["confidence"] == ranked_report.meta["confidence"]


def test_skipped_realizers_pass_untouched_and_verify_texts_are_still_checked(tiny_checkpoint: Path) -> None:
    record = {"name": "Ada", "food": "Thai"}
    guarded = engine(tiny_checkpoint.parent, skip_realizers=["template"], threshold=0.01)
    [trace] = guarded.render(record).segments[0].candidates  # the template's candidate
    fidelity = next(r for r in trace.reports if r.validator == "fidelity")
    assert fidelity.passed and fidelity.score == 1.0 and not fidelity.issues
    assert "candidates of template pass" in fidelity.meta["skipped"]
    verified = guarded.verify(record, "Ada serves Thai food.")  # a text from outside is not the template's
    assert any(issue.validator == "fidelity" for issue in verified.issues)  # a threshold of 0.01 finds something
    checked = engine(tiny_checkpoint.parent, skip_realizers=["gpt2"], threshold=0.01).render(record)
    fidelity = next(r for r in checked.segments[0].candidates[0].reports if r.validator == "fidelity")
    assert "skipped" not in fidelity.meta and set(fidelity.meta["facts"]) == {"name", "food"}


def test_it_only_runs_where_the_config_names_it(tiny_checkpoint: Path) -> None:
    plain = Engine.from_config({"segments": [{"id": "a", "template": "Hi."}]}, config_dir=tiny_checkpoint.parent,
                               entrypoints=False)
    assert "fidelity" not in plain.validators and "spacy" in plain.validators


def test_a_missing_checkpoint_is_a_validator_error_and_spacy_still_runs(tmp_path: Path) -> None:
    e = engine(tmp_path, model="no-such-folder")
    assert any("validators.fidelity.model" in p and "no-such-folder" in p for p in e.check())
    [trace] = e.render({"name": "The Eagle", "food": "Chinese"}).segments[0].candidates
    by_name = {r.validator: r for r in trace.reports}
    assert by_name["spacy"].passed
    assert [i.code for i in by_name["fidelity"].issues] == ["validator_error"]
    assert "no-such-folder" in by_name["fidelity"].issues[0].message


def test_a_checkpoint_outside_the_config_folder_is_refused(tiny_checkpoint: Path, tmp_path: Path) -> None:
    e = engine(tmp_path, model=str(tiny_checkpoint))
    assert any("outside the config's folder" in p for p in e.check())


def test_train_fidelity_is_a_command_and_the_validator_is_listed() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "hybridnlg.cli", "train-fidelity", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "perturbations" in done.stdout and "--base" in done.stdout, done.stderr
    listed = subprocess.run([sys.executable, "-m", "hybridnlg.cli", "plugins"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert "fidelity" in listed.stdout, listed.stdout


# the shipped checkpoints -------------------------------------------------------------------------------------------

CHECKPOINTS = Path(__file__).resolve().parent.parent / "plugins" / "hybridnlg_fidelity" / "checkpoints"


@pytest.mark.parametrize(("name", "licence", "credit"), [
    ("e2e-fidelity", "license: cc-by-sa-4.0", "Novikova, Dušek and Rieser"),
    ("e2e-fidelity-fast", "license: cc-by-sa-4.0", "Novikova, Dušek and Rieser"),
    ("webnlg-fidelity", "license: cc-by-nc-sa-4.0", "non-commercial"),
])
def test_shipped_checkpoints_have_cards_with_licence_and_credit(name: str, licence: str, credit: str) -> None:
    card = (CHECKPOINTS / name / "README.md").read_text(encoding="utf-8")
    assert licence in card and credit in card and "hybridnlg train-fidelity" in card and "dev_accuracy" in card
    assert (CHECKPOINTS / name / "model.safetensors").stat().st_size < 15 * 2**20


def e2e_pack(validators: dict[str, Any]) -> Engine:
    import yaml

    from tests.conftest import PACKS

    config = yaml.safe_load((PACKS / "e2e" / "config.yaml").read_text())
    return Engine.from_config({**config, "validators": validators}, config_dir=PACKS / "e2e", entrypoints=False)


@pytest.mark.parametrize("model", ["e2e-fidelity", "e2e-fidelity-fast"])
def test_the_shipped_e2e_checkers_pass_a_faithful_text_and_catch_a_missing_fact(model: str) -> None:
    engine = e2e_pack({"fidelity": {"model": model}})
    record = {"name": "The Eagle", "eatType": "pub", "food": "Chinese", "area": "riverside"}
    assert engine.verify(record, "The Eagle is a Chinese pub in the riverside area.").passed
    report = engine.verify(record, "The Eagle is a pub in the riverside area.")
    assert not report.passed and [(i.code, i.fact) for i in report.issues] == [("missing_fact", "food")]
    assert report.facts["food"].status == "missing" and report.facts["food"].validator == "fidelity"


def test_the_fast_checker_is_single_pass() -> None:
    from hybridnlg_fidelity.model import load, short_names

    loaded = load(str(short_names()["e2e-fidelity-fast"]), "cpu")
    assert loaded.joint and type(loaded.model).__name__ == "GPT2ForTokenClassification"


def test_int8_gives_the_same_verdicts_with_quantised_layers() -> None:
    import torch

    from hybridnlg_fidelity.model import load, short_names

    source = str(short_names()["e2e-fidelity"])
    int8 = load(source, "cpu", int8=True)
    assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in int8.model.modules())
    assert load(source, "cpu") is not int8  # the float model is another cached copy, left as it was
    engine = e2e_pack({"fidelity": {"model": "e2e-fidelity", "dtype": "int8", "device": "cpu"}})
    record = {"name": "The Eagle", "eatType": "pub", "food": "Chinese", "area": "riverside"}
    assert engine.verify(record, "The Eagle is a Chinese pub in the riverside area.").passed
    report = engine.verify(record, "The Eagle is a pub in the riverside area.")
    assert [(i.code, i.fact) for i in report.issues] == [("missing_fact", "food")]


@pytest.mark.parametrize(("record", "text"), [
    ({"name": "The Eagle"}, "The Eagle is a great place to take your family."),
    ({"name": "The Eagle", "eatType": "pub", "food": "Chinese", "area": "riverside"},
     "The Eagle is a pub providing Chinese food It is located in the riverside."),
])
def test_the_issues_two_examples_are_caught_with_both_validators(record: dict[str, Any], text: str) -> None:
    pytest.importorskip("spacy")
    engine = e2e_pack({"spacy": {"lexicon_files": ["lexicon.yaml"]}, "fidelity": {"model": "e2e-fidelity"}})
    assert not engine.verify(record, text).passed
