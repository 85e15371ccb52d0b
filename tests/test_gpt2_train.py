"""`train`: data loading, a few real optimisation steps end to end, and the result loading as a realizer."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from gpt2_fixtures import RECORDS, build_tiny_model, draft_context, segment, write_e2e_csv
from pydantic import ValidationError

from hybridnlg import ConfigError, Failure

pytest.importorskip("torch")

from hybridnlg_gpt2.data import load_pairs, parse_mr
from hybridnlg_gpt2.realizer import GPT2Realizer
from hybridnlg_gpt2.train import TrainConfigError, TrainSettings, train, train_command
from hybridnlg_gpt2.train_settings import LIBRARY_ONLY, scratch_architecture


def test_parse_e2e_mr_normalises_slot_names() -> None:
    mr = ("name[The Eagle], eatType[coffee shop], customer rating[5 out of 5], priceRange[less than £20], "
          "near[Café Sicilia]")
    assert parse_mr(mr) == {"name": "The Eagle", "eatType": "coffee shop", "customerRating": "5 out of 5",
                            "priceRange": "less than £20", "near": "Café Sicilia"}


def test_load_pairs_from_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "pairs.jsonl"
    jsonl.write_text(json.dumps({"data": {"name": "Zizzi", "family friendly": "yes"}, "text": "Zizzi is fine."})
                     + "\n\n", encoding="utf-8")
    [pair] = load_pairs(jsonl)
    assert pair.data == {"name": "Zizzi", "familyFriendly": "yes"} and pair.text == "Zizzi is fine."
    assert len(load_pairs(write_e2e_csv(tmp_path / "e2e.csv", copies=2))) == 10
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected columns mr,ref, data,text or triples,texts"):
        load_pairs(bad)


def test_train_from_scratch_end_to_end_loads_as_realizer(tmp_path: Path) -> None:
    import torch
    from safetensors import safe_open

    pairs = write_e2e_csv(tmp_path / "train.csv")
    out = tmp_path / "models" / "tiny-e2e"
    result = train(TrainSettings(pairs=pairs, base="scratch:tiny", out=out, epochs=2, lr=3e-3, batch_size=4, warmup=2,
                                 dev=pairs, seed=1, vocab_size=300, verbatim=["name", "near"], quiet=True))
    assert result.steps == 10 and result.epochs_completed == 2 and result.best_dev_loss is not None
    assert [h["at"] for h in result.history] == ["epoch 1", "epoch 2"]
    meta = json.loads((out / "hybridnlg_meta.json").read_text(encoding="utf-8"))
    assert meta["verbatim"] == ["name", "near"] and meta["separator"] == "<sep>" and meta["format"] == "data"
    assert meta["slot_order"][:3] == ["name", "eatType", "food"] and "customerRating" in meta["slot_order"]
    with safe_open(str(out / "model.safetensors"), "pt") as weights:
        assert {weights.get_tensor(key).dtype for key in weights.keys()} == {torch.float16}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "best dev loss" in card and "batch_size" in card and "license: other" in card  # no data README here
    realizer = GPT2Realizer(GPT2Realizer.Config.model_validate({"model": "models/tiny-e2e", "max_new_tokens": 10,
                                                             "local_files_only": True}),
                            draft_context(tmp_path))
    assert realizer.check() == []
    results = realizer.realize([segment(record, index=i) for i, record in enumerate(RECORDS[:3])])
    assert len(results) == 3 and all(isinstance(r, (list, Failure)) for r in results)


def test_lora_fine_tunes_a_local_pretrained_model(tmp_path: Path) -> None:
    base = build_tiny_model(tmp_path / "base")
    out = tmp_path / "lora"
    result = train(TrainSettings(pairs=write_e2e_csv(tmp_path / "train.csv"), base=str(base), out=out, epochs=1,
                                 lr=1e-3, batch_size=8, warmup=1, lora=True, max_steps=2, save_dtype="float32",
                                 quiet=True))
    assert result.steps == 2 and result.stopped == "max steps"
    weights = (out / "model.safetensors").read_bytes()
    assert b"lora_" not in weights[:20000]  # adapters merged into the base weights before saving
    # the context of a config in tmp_path (without one, the cwd): a local model must lie inside the config's folder
    realizer = GPT2Realizer(GPT2Realizer.Config.model_validate({"model": str(out), "max_new_tokens": 6,
                                                             "local_files_only": True}), draft_context(tmp_path))
    assert realizer.check() == []


def test_training_goes_on_from_a_float16_checkpoint_in_float32(tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    from hybridnlg_gpt2.formatting import ModelMeta
    from hybridnlg_gpt2.train import _pretrained_model

    pairs = write_e2e_csv(tmp_path / "train.csv")
    first = tmp_path / "first"
    train(TrainSettings(pairs=pairs, base="scratch:tiny", out=first, epochs=1, batch_size=8, warmup=1, vocab_size=300,
                        max_steps=1, quiet=True))  # saved in float16, the default
    settings = TrainSettings(pairs=pairs, base=str(first), out=tmp_path / "second", epochs=1, batch_size=8,
                             warmup=1, max_steps=2, quiet=True)
    meta = json.loads((first / "hybridnlg_meta.json").read_text(encoding="utf-8"))
    model, _ = _pretrained_model(str(first), [], ModelMeta(**meta), 0.1)
    assert {p.dtype for p in model.parameters()} == {torch.float32}  # AdamW steps on float16 weights round away
    before = model.transformer.wte.weight.detach().clone()
    result = train(settings)
    assert result.steps == 2
    after = AutoModelForCausalLM.from_pretrained(tmp_path / "second").transformer.wte.weight.float()
    assert not torch.equal(before, after)


def test_a_scratch_size_given_as_layers_width_heads_builds_that_architecture(tmp_path: Path) -> None:
    pairs = write_e2e_csv(tmp_path / "train.csv")
    train(TrainSettings(pairs=pairs, base="scratch:3x48x2", out=tmp_path / "custom", epochs=1, batch_size=8,
                        warmup=1, vocab_size=300, threads=1, quiet=True))
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(tmp_path / "custom")
    assert (config.n_layer, config.n_embd, config.n_head) == (3, 48, 2)
    assert scratch_architecture("2x128") == {"n_layer": 2, "n_embd": 128, "n_head": 2}
    assert scratch_architecture("6x288")["n_head"] == 4  # 72 wide, the divisor nearest 64
    with pytest.raises(ValueError, match=r"multiple of the heads \(5\); name the heads, e.g. 6x288x4"):
        scratch_architecture("6x288x5")
    with pytest.raises(ValidationError, match="LAYERSxWIDTH"):
        TrainSettings(pairs=pairs, out=tmp_path / "x", base="scratch:6by288")


def test_settings_reject_lora_on_scratch_without_click(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="lora adapts a pretrained model") as caught:
        TrainSettings(pairs=write_e2e_csv(tmp_path / "train.csv"), base="scratch:tiny", out=tmp_path / "x", lora=True)
    assert [error["loc"] for error in caught.value.errors()] == [("lora",)]


@pytest.mark.parametrize(("change", "field"), [
    ({"batch_size": 0}, "batch_size"), ({"format": "prose"}, "format"), ({"base": "scratch:huge"}, "base"),
    ({"save_dtype": "int8"}, "save_dtype"), ({"max_minutes": 0}, "max_minutes"), ({"dropout": 1.0}, "dropout"),
    ({"pairs": "missing.csv"}, "pairs"), ({"learning_rate": 0.1}, "learning_rate"),
])
def test_settings_validate_every_field(tmp_path: Path, change: dict[str, object], field: str) -> None:
    settings = {"pairs": write_e2e_csv(tmp_path / "train.csv"), "out": tmp_path / "x", **change}
    with pytest.raises(ValidationError) as caught:
        TrainSettings(**settings)
    assert [error["loc"][0] for error in caught.value.errors()] == [field]


def test_settings_accept_pairs_in_memory_and_comma_separated_verbatim(tmp_path: Path) -> None:
    pairs = load_pairs(write_e2e_csv(tmp_path / "train.csv"))
    settings = TrainSettings(pairs=pairs, dev=[], out=tmp_path / "x", verbatim="name, near,")
    assert settings.pairs == pairs and settings.dev == [] and settings.verbatim == ["name", "near"]
    assert settings.scratch_size == "small"
    assert TrainSettings(pairs=pairs, out=Path("x"), base="gpt2").scratch_size is None


def test_template_guided_needs_drafts_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a 'draft'") as caught:
        train(TrainSettings(pairs=write_e2e_csv(tmp_path / "train.csv"), out=tmp_path / "x", format="template-guided",
                            quiet=True))
    assert isinstance(caught.value, TrainConfigError) and caught.value.setting == "pairs"


def test_a_malformed_pairs_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n")
    with pytest.raises(TrainConfigError, match=r"bad.csv.*expected columns mr,ref, data,text or triples,texts") as caught:
        train(TrainSettings(pairs=bad, out=tmp_path / "x", quiet=True))
    assert caught.value.setting == "pairs"


def test_command_options_are_the_settings_fields() -> None:
    options = {param.name: param for param in train_command.params if isinstance(param, click.Option)}
    assert list(options) == [name for name in TrainSettings.model_fields if name not in LIBRARY_ONLY]
    assert all(option.default is None for option in options.values())  # defaults come from TrainSettings only
    assert options["lora"].opts == ["--lora"] and options["lora"].secondary_opts == ["--no-lora"]
    assert options["pairs"].required and options["out"].required and not options["dev"].required
    assert "default: string slots" in (options["verbatim"].help or "")
    assert "[default: 10]" in (options["epochs"].help or "")
    assert "[default: no-lora]" in (options["lora"].help or "")
    assert isinstance(options["save_dtype"].type, click.Choice)


@pytest.mark.parametrize(("args", "option", "message"), [
    (["--base", "scratch:tiny", "--lora"], "--lora", "lora adapts a pretrained model"),
    (["--batch-size", "0"], "--batch-size", "greater than or equal to 1"),
    (["--format", "template-guided"], "--pairs", "needs a 'draft'"),
])
def test_command_reports_bad_settings_by_option(tmp_path: Path, args: list[str], option: str, message: str) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(train_command, ["--pairs", str(write_e2e_csv(tmp_path / "train.csv")), "--out",
                                                str(tmp_path / "x"), *args])
    assert result.exit_code == 2, result.output
    assert option in result.output and message in result.output and not (tmp_path / "x").exists()


def test_time_budget_stops_training_and_keeps_a_checkpoint(tmp_path: Path) -> None:
    pairs = write_e2e_csv(tmp_path / "train.csv")
    result = train(TrainSettings(pairs=pairs, base="scratch:tiny", out=tmp_path / "budget", epochs=50, batch_size=4,
                                 dev=pairs, vocab_size=300, max_minutes=0.01, quiet=True))
    assert result.stopped == "time budget" and result.steps < 50 * 5
    assert (tmp_path / "budget" / "model.safetensors").is_file()


def test_train_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    out = tmp_path / "cli-model"
    args = ["--pairs", str(write_e2e_csv(tmp_path / "train.csv")), "--base", "scratch:tiny", "--out", str(out),
            "--max-steps", "2", "--batch-size", "4", "--vocab-size", "300", "--verbatim", "name"]
    result = CliRunner().invoke(train_command, args)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "hybridnlg_meta.json").read_text(encoding="utf-8"))["verbatim"] == ["name"]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "hybridnlg train --pairs" in card and "--verbatim name --vocab-size 300 --max-steps 2" in card
    assert "--no-lora" in card and "--dropout 0.1" in card and "--max-minutes" not in card


WEBNLG_ROWS = [
    {"category": "Airport", "triples": [["Aarhus_Airport", "cityServed", "\"Aarhus, Denmark\""],
                                        ["Aarhus_Airport", "runwayLength", "2702.0"]],
     "texts": ["Aarhus Airport serves Aarhus, Denmark and its runway is 2702 long.",
               "The runway of Aarhus Airport, which serves Aarhus, Denmark, is 2702.0 metres long."]},
    {"category": "Food", "triples": [["Bakewell_pudding", "region", "Derbyshire_Dales"]],
     "texts": ["Bakewell pudding comes from the Derbyshire Dales."]},
    {"category": "Astronaut", "triples": [["Alan_Bean", "birthDate", "\"1932-03-15\"^^xsd:date"],
                                          ["Alan_Bean", "occupation", "Test_pilot"]],
     "texts": ["Alan Bean, born on 15 March 1932, was a test pilot."]},
]


def write_webnlg(path: Path, copies: int = 3) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in WEBNLG_ROWS * copies), encoding="utf-8")
    (path.parent / "README.md").write_text("# Test triples\n\nSource: made in a test. Licence: CC BY-NC-SA 4.0.\n",
                                           encoding="utf-8")
    return path


def test_webnlg_entries_load_as_they_are_one_pair_per_text(tmp_path: Path) -> None:
    pairs = load_pairs(write_webnlg(tmp_path / "train.jsonl", copies=1))
    assert len(pairs) == 4 and [p.category for p in pairs] == ["Airport", "Airport", "Food", "Astronaut"]
    assert pairs[0].data == {"triples": [
        {"subject": "Aarhus_Airport", "predicate": "cityServed", "object": "\"Aarhus, Denmark\""},
        {"subject": "Aarhus_Airport", "predicate": "runwayLength", "object": "2702.0"}]}
    assert len(load_pairs(tmp_path / "train.jsonl", hold_out=frozenset({"Food"}))) == 3
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"triples": [["a", "b"]], "texts": ["x"]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:1: 'triples' must be a non-empty list"):
        load_pairs(bad)


def test_relations_get_one_optional_placeholder_per_entity() -> None:
    from hybridnlg_gpt2.formatting import ModelMeta, delexicalise_text, linearise, restore

    meta = ModelMeta(slot_order=["triples"], max_entities=4)
    data = {"triples": [{"subject": "Alan_Bean", "predicate": "birthDate", "object": "\"1932-03-15\"^^xsd:date"},
                        {"subject": "Alan_Bean", "predicate": "occupation", "object": "Test_pilot"}]}
    source, mapping = linearise(data, meta)
    assert source == ("<e> __ENT1__ Alan Bean <e> __ENT2__ 1932-03-15 <e> __ENT3__ Test pilot "
                      "triples[<t> __ENT1__ | birth date | __ENT2__ <t> __ENT1__ | occupation | __ENT3__] <sep>")
    assert mapping == {"__ENT1__": "Alan Bean", "__ENT2__": "1932-03-15", "__ENT3__": "Test pilot"}
    # the subject is one entity however often it occurs; whole words only; a paraphrased date is left as written
    assert delexicalise_text("Alan Bean (born 15 March 1932) was a test pilot. Alan Beans.", mapping) == \
        "__ENT1__ (born 15 March 1932) was a __ENT3__. Alan Beans."
    # entity placeholders are optional: the paraphrased date is for the validator to judge
    assert restore("__ENT1__ was born on 15 March 1932.", mapping) == ("Alan Bean was born on 15 March 1932.", None)
    assert restore("__ENT9__ flew.", mapping)[1] == "leftover placeholder __ENT9__"
    # a placeholder stands for the name as texts write it: no disambiguator, and a unit the model writes itself
    units = {"__ENT1__": "Stuart Parker (footballer)", "__ENT2__": "2368.05 days"}
    assert restore("__ENT1__ ran __ENT2__ days.", units) == ("Stuart Parker ran 2368.05 days.", None)
    assert restore("__ENT1__ ran __ENT2__.", units) == ("Stuart Parker ran 2368.05 days.", None)
    # a name's own full stop before the sentence's: one full stop
    assert restore("He works for __ENT1__.", {"__ENT1__": "Caterpillar Inc."}) == ("He works for Caterpillar Inc.",
                                                                                   None)
    # an aggregated segment holds one relation per fact (`foreach` items): one entity table over all of them
    merged = {f"fact[{i}].triple": triple for i, triple in enumerate(data["triples"])}
    source, _ = linearise(merged, meta)
    assert source.startswith("<e> __ENT1__ Alan Bean <e> __ENT2__ 1932-03-15 <e> __ENT3__ Test pilot ")
    assert "fact[1].triple[<t> __ENT1__ | occupation | __ENT3__]" in source


def test_an_entity_written_neither_by_its_placeholder_nor_as_given_is_paraphrased() -> None:
    from hybridnlg_gpt2.formatting import paraphrased_entities, restore

    mapping = {"__ENT1__": "A Wizard of Mars", "__ENT2__": "English language", "__ENT3__": "Albany, Oregon",
               "__ENT4__": "1963-03-20", "__ENT5__": "2702.0"}

    def paraphrased(text: str) -> list[str]:
        return paraphrased_entities(text, restore(text, mapping)[0] or "", mapping)

    assert paraphrased("__ENT1__ is written in English.") == ["English language", "Albany, Oregon"]
    # as given though not by its placeholder, each part of a qualified name anywhere in the text: written
    assert paraphrased("__ENT1__ is written in the English language, read in Albany, in Oregon.") == []
    assert paraphrased("__ENT1__ is in English (__ENT2__) and __ENT3__.") == []
    # dates and numbers may be written in other forms: the validators read them by value
    assert paraphrased("__ENT1__, __ENT2__, __ENT3__: March 20, 1963 and 2,702 metres.") == []


def test_train_reads_the_scheme_from_webnlg_data(tmp_path: Path) -> None:
    out = tmp_path / "models" / "tiny-webnlg"
    result = train(TrainSettings(pairs=write_webnlg(tmp_path / "data" / "train.jsonl"), base="scratch:tiny", out=out,
                                 epochs=1, batch_size=4, warmup=1, vocab_size=5000, hold_out=["Food"], device="cpu",
                                 quiet=True))
    assert result.steps == 3  # 2 Airport + 1 Astronaut texts, 3 copies: 9 pairs in 3 batches of 4 (Food held out)
    meta = json.loads((out / "hybridnlg_meta.json").read_text(encoding="utf-8"))
    assert meta["slot_order"] == ["triples"] and meta["verbatim"] == [] and meta["max_entities"] == 3
    assert meta["predicates"] == ["birthDate", "cityServed", "occupation", "runwayLength"]  # "region": Food held out
    assert 32 <= meta["max_length"] <= 256 and meta["max_length"] % 32 == 0  # read from the data, not a constant
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "license: cc-by-nc-sa-4.0" in card and "Source: made in a test" in card and "Food" in card
    assert '"vocab_size": 5000' not in card  # the card says the vocabulary BPE built, not the one asked for
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out)
    assert len(tokenizer("__ENT3__")["input_ids"]) == 1 and len(tokenizer("<t>")["input_ids"]) == 1
    realizer = GPT2Realizer(GPT2Realizer.Config.model_validate({"model": "models/tiny-webnlg", "max_new_tokens": 8,
                                                             "local_files_only": True}), draft_context(tmp_path))
    relation_segment = segment({"facts": WEBNLG_ROWS[0]["triples"]}, verbatim=())
    assert realizer.accepts(relation_segment) is None  # relation lists fit, whatever the fact is called
    assert "does not know name" in (realizer.accepts(segment(RECORDS[0])) or "")
    # a predicate it never learnt to say: routing keeps the segment from it, unless the config asks for it anyway
    unseen = segment({"facts": [["Bakewell_pudding", "region", "Derbyshire_Dales"], ["A", "cityServed", "B"]]},
                     verbatim=())
    assert "never trained on the predicate(s) region;" in (realizer.accepts(unseen) or "")
    anyway = GPT2Realizer(GPT2Realizer.Config.model_validate({"model": "models/tiny-webnlg", "local_files_only": True,
                                                           "unseen_predicates": "generate"}), draft_context(tmp_path))
    assert anyway.accepts(unseen) is None
    capped = GPT2Realizer(GPT2Realizer.Config.model_validate({"model": "models/tiny-webnlg", "local_files_only": True,
                                                           "max_relations": 1}), draft_context(tmp_path))
    assert capped.accepts(segment({"facts": WEBNLG_ROWS[0]["triples"][:1]}, verbatim=())) is None
    assert "2 relations, more than realizers.gpt2.max_relations (1)" in (capped.accepts(relation_segment) or "")
    split = GPT2Realizer(GPT2Realizer.Config.model_validate({"model": "models/tiny-webnlg", "local_files_only": True,
                                                          "max_relations": 1, "over_max_relations": "sentences",
                                                          "max_new_tokens": 8}), draft_context(tmp_path))
    assert split.accepts(relation_segment) is None  # over the limit, but written a relation at a time
    [joined] = split.realize([relation_segment])
    if isinstance(joined, Failure):  # the random tiny model may write nothing usable for a relation
        assert joined.reason.startswith("sentence per relation: no text for relation")
    else:
        assert all(len(c.meta["sentences"]) == 2 for c in joined)
    broken = segment({"facts": [["A", "p", "B"], ["B", 7, "C"]]}, verbatim=())
    [result_, refused] = realizer.realize([relation_segment, broken])
    assert isinstance(result_, (list, Failure))
    assert isinstance(refused, Failure) and "item 1: the predicate must be a non-empty string" in refused.reason


def test_asking_for_a_gpu_that_is_not_there_is_a_config_error(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(TrainConfigError, match="device: cuda was asked for, but torch sees no GPU"):
        train(TrainSettings(pairs=write_webnlg(tmp_path / "train.jsonl"), out=tmp_path / "m", device="cuda",
                            quiet=True))
