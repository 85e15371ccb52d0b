"""The GPT-2 realizer: batched generation over every segment it receives, delexicalised inputs, n-best."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from hybridnlg import (
    Candidate,
    ComponentConfig,
    ConfigError,
    Context,
    Failure,
    HybridNLGError,
    Realizer,
    RealizeResult,
    Segment,
    relations_in,
    triple_problem,
)

from .fit import SHOWN_SLOTS, misfit, unseen_predicates
from .formatting import ModelMeta, paraphrased_entities, restore
from .generation import Generated, Settings, generate
from .loading import LoadedModel, ModelNotFoundError, load_model, read_meta
from .prompts import PromptError, PromptRenderer, data_input
from .quantize import INT8, int8_device_error
from .sentences import compose, context_is_alone, split_relations

Format = Literal["data", "template-guided", "prompt"]


class GPT2Config(ComponentConfig):
    model: str = Field("e2e-small", description="Shipped short name, local folder (relative to the config) or hub id.")
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    dtype: Literal["auto", "float32", "float16", "bfloat16", "int8"] = Field(
        "auto", description="int8: dynamic int8 quantisation of the linear layers, on the CPU only.")
    local_files_only: bool = Field(False, description="Never contact the hub (also when HF_HUB_OFFLINE=1).")
    batch_size: int = Field(64, gt=0)
    num_beams: int = Field(1, gt=0)
    do_sample: bool = False
    temperature: float = Field(1.0, gt=0)
    top_p: float = Field(1.0, gt=0, le=1)
    num_candidates: int = Field(1, gt=0, description="n-best candidates per segment, for the validator to rerank.")
    max_new_tokens: int = Field(80, gt=0)
    repetition_penalty: float = Field(1.0, gt=0)
    no_repeat_ngram_size: int = Field(0, ge=0)
    seed: int | None = Field(None, description="Default: the engine's seed.")
    format: Format | None = Field(None, description="Default input format; default: the model's trained format.")
    prompt: str | None = Field(None, description="Prompt template (format: prompt), relative to the config folder.")
    prompt_stop: str = Field("\n", description="Prompt format: the text is cut at the first occurrence.")
    verbatim: list[str] | None = Field(
        None, description="Slots replaced by placeholders; default: the model's (its hybridnlg_meta.json).")
    truncation: Literal["left", "error"] = "left"
    unseen_predicates: Literal["skip", "generate"] = Field(
        "skip", description="A relation segment with a predicate the model was never trained on (its meta lists "
                            "them): skip GPT-2 for it (routing says why), or generate anyway.")
    max_relations: int | None = Field(
        None, gt=0, description="A segment with more relation facts than this goes to the template (routing says "
                                "why): past what the validators can check, a text with every value in the wrong place "
                                "passes. Default: no limit.")
    over_max_relations: Literal["template", "sentences"] = Field(
        "template", description="A segment of more relations than max_relations: leave it to the template, or write "
                                "it a sentence per relation (each relation alone is the model's input) and join the "
                                "sentences per subject; the validators judge each sentence against its own relation.")
    entity_forms: Literal["any", "as-given"] = Field(
        "any", description="Relation facts: 'as-given' keeps only texts that write every named entity from its "
                           "placeholder, as the data gives it (not 'English' for English_language, 'MIT', 'the UK'); "
                           "dates and numbers may take other written forms (the validators read them by value).")
    sentence_fallback: str | None = Field(
        "template", description="A sentence per relation: the realizer whose sentence for a relation is tried after "
                                "the model's texts of it, and stands in for them when there are none (null: such a "
                                "relation leaves the whole segment to the fallback chain).")
    draft_realizer: str = Field("template", description="Realizer whose text is the draft of template-guided input.")

    @model_validator(mode="after")
    def _n_best_needs_beams_or_sampling(self) -> GPT2Config:
        if self.num_candidates > self.num_beams and not self.do_sample:
            raise ValueError(f"num_candidates ({self.num_candidates}) needs num_beams >= {self.num_candidates} "
                             "or do_sample: true")
        return self

    @model_validator(mode="after")
    def _int8_runs_on_the_cpu(self) -> GPT2Config:
        if self.dtype == INT8 and (problem := int8_device_error(self.device)):
            raise ValueError(problem)
        return self


class GPT2Realizer(Realizer[GPT2Config]):
    """GPT-2 via transformers; every segment of a call is generated in length-sorted batches."""

    name = "gpt2"
    Config = GPT2Config
    auto = True
    priority = 10  # fluent: preferred among passing candidates

    def __init__(self, config: GPT2Config, context: Context | None = None) -> None:
        super().__init__(config, context)
        self.model: LoadedModel | None = None
        self.load_error: str | None = None
        self._meta: tuple[ModelMeta | None, bool] | None = None  # (meta, readable) once model_meta() ran

    @property
    def config_dir(self) -> Path:
        return self.context.config_dir

    def load(self) -> None:
        try:
            self.model = load_model(self.config.model, self.config_dir, self.config.device, self.config.dtype,
                                    self.config.local_files_only, context=self.context)
            self.load_error = None
        except (ModelNotFoundError, ConfigError) as exc:  # ConfigError: a local folder outside the config's folder
            self.load_error = str(exc)
        except Exception as exc:  # noqa: BLE001 - any load failure becomes a fallback, never a crash at render time
            self.load_error = f"could not load model {self.config.model!r}: {type(exc).__name__}: {exc}"

    def check(self) -> list[str]:
        self.ensure_loaded()
        problems = [self.load_error] if self.load_error else []
        if self.model is not None and self.config.max_new_tokens >= self.model.context_size:
            problems.append(f"max_new_tokens ({self.config.max_new_tokens}) must be below the model's context "
                            f"size ({self.model.context_size})")
        return problems

    def model_meta(self) -> tuple[ModelMeta | None, bool]:
        """The configured model's meta, read from its folder's JSON without loading weights (once), and whether it
        could be looked for: False for a model that cannot be found or a meta file that cannot be read (loading
        reports those). The meta is None for a hub id or a folder without a meta file."""
        if self.model is not None:
            return self.model.meta, True
        if self._meta is None:
            try:
                self._meta = (read_meta(self.config.model, self.config_dir, self.context), True)
            except (ModelNotFoundError, HybridNLGError, OSError, ValueError, TypeError):
                self._meta = (None, False)
        return self._meta

    def accepts(self, segment: Segment) -> str | None:
        """Why the model cannot take this segment's facts, judged from its meta file alone (see `fit.misfit`)."""
        meta, readable = self.model_meta()
        if not segment.facts or not readable:
            return None  # realize() says why: no facts to prompt with, or the model cannot be loaded
        prompt = segment.realizer_options(self.name).get("prompt") or self.config.prompt
        # a model trained on relation facts takes any relation list, whatever the fact's name
        names = [name for name, fact in segment.facts.items()
                 if not (meta is not None and meta.max_entities and relations_in(fact.value) is not None)]
        why = misfit(names, meta, self._format(segment, meta), prompt, self.config.model)
        if why is None and meta is not None and self.config.unseen_predicates == "skip":
            unseen = unseen_predicates((fact.value for fact in segment.facts.values()), meta)
            if unseen:
                shown = ", ".join(unseen[:SHOWN_SLOTS]) + (", …" if len(unseen) > SHOWN_SLOTS else "")
                why = (f"model {self.config.model!r} was never trained on the predicate(s) {shown}; set "
                       "realizers.gpt2.unseen_predicates: generate to use it anyway, or train it on them")
        if why is None and self.config.max_relations is not None:
            count = _relation_count(segment)
            if count > self.config.max_relations and self.config.over_max_relations == "template":
                why = (f"{count} relations, more than realizers.gpt2.max_relations ({self.config.max_relations}): "
                       "the template writes them")
        return why

    def describe(self) -> dict[str, Any]:
        """Where the model came from and how it runs (for traces and `hybridnlg plugins`)."""
        info: dict[str, Any] = {"name": self.name, "model": self.config.model}
        if self.model is not None:
            info.update(model=self.model.source, device=self.model.device, dtype=self.model.dtype)
        return info

    def _seed(self) -> int:
        if self.config.seed is not None:
            return self.config.seed
        return self.context.seed

    def _settings(self) -> Settings:
        c = self.config
        return Settings(c.batch_size, c.max_new_tokens, c.num_beams, c.do_sample, c.temperature, c.top_p,
                        c.num_candidates, c.repetition_penalty, c.no_repeat_ngram_size, self._seed())

    def _format(self, segment: Segment, meta: ModelMeta | None) -> str:
        options = segment.realizer_options(self.name)
        return options.get("format") or self.config.format or (meta.format if meta else "prompt")

    def _drafts(self, segments: Sequence[Segment], wanted: list[int]) -> dict[int, str | Failure]:
        """Template drafts for template-guided segments: given in options, else from the template realizer."""
        drafts: dict[int, str | Failure] = {}
        missing = []
        for index in wanted:
            draft = segments[index].realizer_options(self.name).get("draft")
            if draft is not None:
                drafts[index] = str(draft)
            else:
                missing.append(index)
        if not missing:
            return drafts
        try:
            drafter = self.context.realizer(self.config.draft_realizer)
        except HybridNLGError as exc:
            return drafts | {i: Failure(f"template-guided format needs a draft: {exc}") for i in missing}
        results = drafter.realize([segments[i] for i in missing])
        for index, result in zip(missing, results, strict=True):
            if isinstance(result, Failure) or not result:
                reason = result.reason if isinstance(result, Failure) else "no candidate"
                drafts[index] = Failure(f"no template draft for template-guided input: {reason}")
            else:
                drafts[index] = result[0].text
        return drafts

    def _inputs(
        self, segments: Sequence[Segment], loaded: LoadedModel
    ) -> list[tuple[str, dict[str, str], str] | Failure]:
        """Per segment: (prompt text, placeholder map, format) or a Failure."""
        meta = loaded.meta or ModelMeta()
        formats = [self._format(segment, loaded.meta) for segment in segments]
        drafts = self._drafts(segments, [i for i, f in enumerate(formats) if f == "template-guided"])
        # prompt files: beside the config, each inside it (links followed); a trusted engine also looks in the cwd
        folders = [self.config_dir, Path.cwd()] if self.context.trusted else [self.config_dir]
        renderer = PromptRenderer(folders, lambda path, folder: self.context.resolve(path, "prompt", within=folder))
        verbatim = meta.verbatim if self.config.verbatim is None else self.config.verbatim
        inputs: list[tuple[str, dict[str, str], str] | Failure] = []
        for index, (segment, fmt) in enumerate(zip(segments, formats, strict=True)):
            draft = drafts.get(index)
            if not segment.facts:
                inputs.append(Failure("segment has no facts; the gpt2 realizer never prompts with nothing"))
            elif isinstance(draft, Failure):
                inputs.append(draft)
            elif fmt == "prompt":
                template = segment.realizer_options(self.name).get("prompt") or self.config.prompt
                if not template:
                    inputs.append(Failure("format 'prompt' needs a prompt template (options.gpt2.prompt or "
                                          "realizers.gpt2.prompt)"))
                    continue
                try:
                    inputs.append((*renderer.render(template, segment, meta, verbatim, draft), fmt))
                except PromptError as exc:
                    inputs.append(Failure(str(exc)))
            elif fmt in {"data", "template-guided"} and (problem := _broken_relations(segment, meta)):
                inputs.append(Failure(problem))
            elif fmt in {"data", "template-guided"}:
                inputs.append((*data_input(segment, meta, verbatim, draft), fmt))
            else:
                inputs.append(Failure(f"unknown format {fmt!r}; use data, template-guided or prompt"))
        return inputs

    def _candidates(self, generated: list[Generated], mapping: dict[str, str], fmt: str,
                    note: dict[str, Any]) -> list[Candidate] | Failure:
        candidates: list[Candidate] = []
        rejected: list[dict[str, str]] = []
        seen: set[str] = set()
        for rank, item in enumerate(generated):
            text = item.text.split(self.config.prompt_stop)[0].strip() if fmt == "prompt" else item.text
            restored, problem = restore(text, mapping)
            paraphrased = paraphrased_entities(text, restored or "", mapping)
            if restored is not None and paraphrased and self.config.entity_forms == "as-given":
                restored, problem = None, f"wrote {', '.join(map(repr, paraphrased))} in other words " \
                                          "(realizers.gpt2.entity_forms: as-given)"
            if restored is None or not restored.strip():
                rejected.append({"text": text, "reason": problem or "empty text"})
                continue
            if restored in seen:
                continue
            seen.add(restored)
            meta = {"rank": rank, "format": fmt, "tokens": item.tokens, "delexicalised": text, **note}
            if paraphrased:
                meta["paraphrased"] = paraphrased
            candidates.append(Candidate(self.name, restored, round(item.score, 4), meta))
        if not candidates:
            reasons = "; ".join(f"{r['reason']}: {r['text']!r}" for r in rejected)
            notes = "".join(f"; {key}: {value}" for key, value in note.items())
            return Failure(f"all {len(generated)} gpt2 candidates rejected ({reasons}){notes}")
        if rejected:
            candidates[0].meta["rejected"] = rejected
        return candidates

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        self.ensure_loaded()
        if self.model is None:
            return [Failure(f"gpt2 model unavailable: {self.load_error}") for _ in segments]
        splits = {index: parts for index, segment in enumerate(segments)
                  if (parts := self._split(segment)) is not None}
        if not splits:
            return self._realize(segments, self.model)
        flat = [part for index, segment in enumerate(segments) for part in splits.get(index, [segment])]
        realized = iter(self._realize(flat, self.model))  # one batch: every relation of every segment together
        backups = iter(self._fallback_sentences([part for parts in splits.values() for part in parts]))
        results: list[RealizeResult] = []
        for index in range(len(segments)):
            if index not in splits:
                results.append(next(realized))
                continue
            parts = splits[index]
            got = [next(realized) for _ in parts]
            results.append(compose(parts, got, self.name, [next(backups) for _ in parts]))
        return results

    def _fallback_sentences(self, parts: list[Segment]) -> list[Candidate | None]:
        """Per single-relation part: the `sentence_fallback` realizer's first text for it, or None (none
        configured, that realizer failed, or its template would see the whole relation list, not this one)."""
        name = self.config.sentence_fallback
        alone = [part for part in parts if context_is_alone(part)]
        if name is None or not alone:
            return [None] * len(parts)
        try:
            answers = self.context.realizer(name).realize(alone)
        except Exception:  # noqa: BLE001 - no fallback sentences: the segment's own fallback chain still applies
            return [None] * len(parts)
        texts = {id(part): answer[0] for part, answer in zip(alone, answers, strict=True)
                 if isinstance(answer, list) and answer}
        return [texts.get(id(part)) for part in parts]

    def _split(self, segment: Segment) -> list[Segment] | None:
        """Single-relation segments for a segment over max_relations when over_max_relations is `sentences`."""
        limit = self.config.max_relations
        if self.config.over_max_relations != "sentences" or limit is None:
            return None
        return split_relations(segment) if _relation_count(segment) > limit else None

    def _realize(self, segments: Sequence[Segment], loaded: LoadedModel) -> list[RealizeResult]:
        inputs = self._inputs(segments, loaded)
        limit = loaded.context_size - self.config.max_new_tokens
        results: list[list[Candidate] | Failure | None] = [None] * len(segments)
        prompts: list[list[int]] = []
        pending: list[tuple[int, dict[str, str], str, dict[str, Any]]] = []
        for index, item in enumerate(inputs):
            if isinstance(item, Failure):
                results[index] = item
                continue
            text, mapping, fmt = item
            ids = loaded.tokenizer(text, add_special_tokens=False)["input_ids"]
            note: dict[str, Any] = {}
            if len(ids) > limit:
                if self.config.truncation == "error":
                    results[index] = Failure(f"prompt has {len(ids)} tokens; the model allows {limit} "
                                             f"(context {loaded.context_size} - max_new_tokens)")
                    continue
                note["truncated"] = f"kept the last {limit} of {len(ids)} prompt tokens"
                ids = ids[-limit:]
            prompts.append(ids)
            pending.append((index, mapping, fmt, note))
        if prompts:
            eos_id = loaded.tokenizer.convert_tokens_to_ids(loaded.meta.eos) if loaded.meta else \
                loaded.tokenizer.eos_token_id
            outcomes = generate(loaded.model, loaded.tokenizer, prompts, self._settings(), eos_id)
            for (index, mapping, fmt, note), outcome in zip(pending, outcomes, strict=True):
                results[index] = Failure(outcome.error) if outcome.error else \
                    self._candidates(outcome.texts, mapping, fmt, note)
        return [result if result is not None else Failure("not realized") for result in results]


def _relation_count(segment: Segment) -> int:
    return sum(len(relations_in(fact.value) or []) for fact in segment.facts.values())


def _broken_relations(segment: Segment, meta: ModelMeta) -> str | None:
    """A relation model given a list of relation-like items of which one is not a relation: never linearised as
    Python text; the template (or the planner's error) says what is wrong."""
    if not meta.max_entities:
        return None
    for name, fact in segment.facts.items():
        value = fact.value
        if isinstance(value, list) and relations_in(value) is None and any(isinstance(v, (list, dict)) for v in value):
            problem = next((f"item {i}: {p}" for i, v in enumerate(value) if (p := triple_problem(v))),
                           "not a relation list")
            return f"fact {name!r} is no relation list the model was trained on: {problem}"
    return None
