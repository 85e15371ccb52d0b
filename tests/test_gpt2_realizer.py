"""The GPT-2 realizer on a tiny local model: batching, seeds, n-best, delexicalisation, faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gpt2_fixtures import RECORDS, build_tiny_model, draft_context, e2e_meta, segment
from pydantic import ValidationError

from hybridnlg import Candidate, Failure

pytest.importorskip("torch")
pytest.importorskip("transformers")

from hybridnlg_gpt2.formatting import linearise, restore
from hybridnlg_gpt2.generation import Generated
from hybridnlg_gpt2.realizer import GPT2Realizer


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("gpt2") / "tiny")


def make(model_dir: Path, **settings: Any) -> GPT2Realizer:
    settings = {"model": model_dir.name, "max_new_tokens": 12, "local_files_only": True, **settings}
    return GPT2Realizer(GPT2Realizer.Config(**settings), draft_context(model_dir.parent))


def outputs(results: list[list[Candidate] | Failure]) -> list[Any]:
    """Comparable view: the delexicalised texts and scores, or the failure reason."""
    return [r.reason if isinstance(r, Failure) else [(c.meta["delexicalised"], c.score) for c in r] for r in results]


def test_loads_through_the_relative_path_and_shares_the_model(model_dir: Path) -> None:
    first, second = make(model_dir), make(model_dir, batch_size=2)
    assert first.check() == [] and second.check() == []
    assert first.model is second.model  # one copy per (path, device, dtype)
    assert first.describe()["device"] == "cpu" and first.describe()["dtype"] == "float32"


def test_batched_greedy_equals_one_by_one(model_dir: Path) -> None:
    segments = [segment(record, index=i, verbatim=()) for i, record in enumerate(RECORDS)]
    batched = outputs(make(model_dir, batch_size=3).realize(segments))
    single = make(model_dir, batch_size=1)
    one_by_one = [outputs(single.realize([s]))[0] for s in segments]
    assert len(batched) == len(segments)
    for got, want in zip(batched, one_by_one, strict=True):
        if isinstance(want, str):
            assert got == want
        else:
            assert [text for text, _ in got] == [text for text, _ in want]
            assert [score for _, score in got] == pytest.approx([score for _, score in want], abs=1e-3)


def test_same_seed_same_samples(model_dir: Path) -> None:
    segments = [segment(record, index=i, verbatim=()) for i, record in enumerate(RECORDS[:4])]
    settings = {"do_sample": True, "top_p": 0.95, "temperature": 1.3, "num_candidates": 3, "seed": 11}
    first = outputs(make(model_dir, **settings).realize(segments))
    again = outputs(make(model_dir, **settings).realize(segments))
    assert first == again


def test_n_best_returns_num_candidates(model_dir: Path) -> None:
    from hybridnlg_gpt2.generation import Settings, generate

    realizer = make(model_dir)
    realizer.ensure_loaded()
    loaded = realizer.model
    prompts = [loaded.tokenizer(linearise(r, e2e_meta())[0])["input_ids"] for r in RECORDS[:3]]
    settings = Settings(batch_size=2, max_new_tokens=8, num_beams=4, do_sample=False, temperature=1.0, top_p=1.0,
                        num_return=4, repetition_penalty=1.0, no_repeat_ngram_size=0, seed=0)
    eos = loaded.tokenizer.eos_token_id
    for outcome in generate(loaded.model, loaded.tokenizer, prompts, settings, eos):
        assert outcome.error is None and len(outcome.texts) == 4
        assert all(item.score <= 0 for item in outcome.texts)
    results = make(model_dir, num_beams=4, num_candidates=4).realize([segment(RECORDS[4], verbatim=())])
    assert isinstance(results[0], list) and 1 <= len(results[0]) <= 4
    assert all(c.realizer == "gpt2" and c.score is not None for c in results[0])


def test_delexicalised_input_and_restore() -> None:
    text, mapping = linearise({"near": "Burger King", "food": "Chinese", "name": "The Eagle"}, e2e_meta())
    assert text == "name[__name__] food[Chinese] near[__near__] <sep>"
    assert mapping == {"__name__": "The Eagle", "__near__": "Burger King"}
    assert restore("__name__ is near __near__.", mapping) == ("The Eagle is near Burger King.", None)


def test_leftover_or_missing_placeholder_rejects_the_candidate(model_dir: Path) -> None:
    realizer = make(model_dir)
    mapping = {"__name__": "The Eagle"}
    generated = [Generated("__name__ is near __near__.", -0.5, 7), Generated("It is a pub.", -0.6, 5),
                 Generated("__name__ is a pub.", -0.9, 5)]
    result = realizer._candidates(generated, mapping, "data", {})
    assert isinstance(result, list) and [c.text for c in result] == ["The Eagle is a pub."]
    reasons = [r["reason"] for r in result[0].meta["rejected"]]
    assert reasons == ["leftover placeholder __near__", "missing placeholder __name__"]
    failure = realizer._candidates(generated[:2], mapping, "data", {})
    assert isinstance(failure, Failure) and "all 2 gpt2 candidates rejected" in failure.reason


def test_unknown_model_lists_what_was_tried(tmp_path: Path) -> None:
    realizer = GPT2Realizer(GPT2Realizer.Config(model="./no/such-model", local_files_only=True),
                            draft_context(tmp_path))
    [problem] = realizer.check()
    assert "no model named './no/such-model'" in problem
    assert "short names" in problem and str(tmp_path / "no/such-model") in problem
    [result] = realizer.realize([segment(RECORDS[0])])
    assert isinstance(result, Failure) and "no model named" in result.reason
    hub = GPT2Realizer(GPT2Realizer.Config(model="nobody-has-this-model", local_files_only=True), draft_context(tmp_path))
    [problem] = hub.check()
    assert "hub id 'nobody-has-this-model' in the local hub cache only (offline)" in problem


def test_empty_facts_fail_instead_of_prompting_nothing(model_dir: Path) -> None:
    [result] = make(model_dir).realize([segment({})])
    assert isinstance(result, Failure) and "no facts" in result.reason


def test_over_long_prompt_truncated_by_policy(tmp_path: Path) -> None:
    short = build_tiny_model(tmp_path / "short", n_positions=40)
    long_record = {f"slot{i}": f"value number {i}" for i in range(12)}
    [kept] = make(short, max_new_tokens=8).realize([segment(long_record, verbatim=())])
    # A random model may answer with nothing; the truncation note is in the trace either way.
    note = kept.reason if isinstance(kept, Failure) else kept[0].meta["truncated"]
    assert "kept the last 32 of" in note
    [refused] = make(short, max_new_tokens=8, truncation="error").realize([segment(long_record, verbatim=())])
    assert isinstance(refused, Failure) and "the model allows 32" in refused.reason


def test_template_guided_uses_the_template_draft(model_dir: Path) -> None:
    realizer = make(model_dir, format="template-guided")
    realizer.ensure_loaded()
    given = segment({"name": "Zizzi"}, options={"gpt2": {"draft": "Zizzi is nice."}})
    [(from_engine, _, _), (from_options, _, _)] = realizer._inputs([segment(RECORDS[5]), given], realizer.model)
    assert from_engine == "name[__name__] eatType[pub] food[Italian] <draft> __name__, Italian, pub. <sep>"
    assert from_options == "name[__name__] <draft> __name__ is nice. <sep>"


def test_prompt_format_renders_a_sandboxed_template(model_dir: Path) -> None:
    (model_dir.parent / "prompt.j2").write_text(
        "Data: name[__name__] food[Thai]\nText: __name__ serves Thai food.\n"
        "Data: {{ data }}\nText:{% if facts.food is defined %} {{ facts.food }}{% endif %}", encoding="utf-8")
    (model_dir.parent / "broken.j2").write_text("{{ missing_variable }}", encoding="utf-8")
    realizer = make(model_dir, format="prompt", prompt="prompt.j2")
    realizer.ensure_loaded()
    seg = segment({"name": "Zizzi", "food": "Italian"})
    broken = segment({"name": "Zizzi"}, options={"gpt2": {"prompt": "broken.j2"}})
    [(text, mapping, fmt), failure] = realizer._inputs([seg, broken], realizer.model)
    assert text.endswith("Data: name[__name__] food[Italian] <sep>\nText: Italian") and fmt == "prompt"
    assert mapping == {"__name__": "Zizzi"}
    assert isinstance(failure, Failure) and "missing_variable" in failure.reason
    assert len(realizer.realize([seg, broken])) == 2


def test_config_is_strict() -> None:
    with pytest.raises(ValidationError, match="num_candidates"):
        GPT2Realizer.Config(num_candidates=3)
    with pytest.raises(ValidationError, match="extra"):
        GPT2Realizer.Config(beams=4)
    assert GPT2Realizer.Config(num_candidates=3, do_sample=True).num_candidates == 3


def test_plugin_registers_the_realizer_and_the_train_command() -> None:
    import click

    from hybridnlg_gpt2 import plugin

    registered: list[type] = []
    plugin.register_realizers(registered.append)
    assert registered == [GPT2Realizer] and GPT2Realizer.name == "gpt2"
    group = click.Group("hybridnlg")
    plugin.register_commands(group)
    assert "train" in group.commands


def test_out_of_memory_splits_the_batch_then_fails_per_segment(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hybridnlg_gpt2 import generation

    real = generation._run_batch
    sizes: list[int] = []

    def tight_memory(model: Any, tokenizer: Any, prompts: Any, *args: Any) -> Any:
        sizes.append(len(prompts))
        if len(prompts) > 2 or any(len(ids) > 40 for ids in prompts):
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(model, tokenizer, prompts, *args)

    monkeypatch.setattr(generation, "_run_batch", tight_memory)
    segments = [segment(record, index=i, verbatim=()) for i, record in enumerate(RECORDS)]
    results = make(model_dir, batch_size=8).realize(segments)
    assert sizes[0] == 8 and 1 in sizes and max(sizes[1:]) <= 4
    failed = [r for r in results if isinstance(r, Failure) and "out of memory" in r.reason]
    assert failed, "the longest prompt never fits and must come back as a failure"
    assert len(failed) < len(segments)


def test_shipped_checkpoint_resolves_by_short_name() -> None:
    from hybridnlg_gpt2.loading import CHECKPOINTS, resolve

    if not (CHECKPOINTS / "e2e-small" / "config.json").is_file():
        pytest.skip("e2e-small checkpoint not present")
    assert resolve("e2e-small", None) == (str(CHECKPOINTS / "e2e-small"), [])


def test_pruning_greedy_decoder_matches_transformers_generate(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hybridnlg_gpt2 import generation

    segments = [segment(record, index=i, verbatim=()) for i, record in enumerate(RECORDS)]
    ours = outputs(make(model_dir, batch_size=8, max_new_tokens=20).realize(segments))
    monkeypatch.setattr(generation, "_plain_greedy", lambda settings: False)
    theirs = outputs(make(model_dir, batch_size=8, max_new_tokens=20).realize(segments))
    for got, want in zip(ours, theirs, strict=True):
        if isinstance(want, str):
            assert got == want
        else:
            assert [text for text, _ in got] == [text for text, _ in want]
            assert [score for _, score in got] == pytest.approx([score for _, score in want], abs=1e-3)


def test_prompt_templates_render_within_the_limits(tmp_path: Path) -> None:
    from hybridnlg_gpt2.prompts import PromptError, PromptRenderer

    (tmp_path / "p.j2").write_text("{{ 'x'.ljust(10**9) }}")
    renderer = PromptRenderer([tmp_path])
    with pytest.raises(PromptError, match="would build 1,000,000,000"):
        renderer.render("p.j2", segment(RECORDS[0]), e2e_meta(), ["name"], None)
