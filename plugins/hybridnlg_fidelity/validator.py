"""The `fidelity` validator: a learned checker beside (or instead of) the rule-based spaCy one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from hybridnlg import Candidate, ComponentConfig, Issue, Segment, ValidationReport, Validator

from .facts import LABELS, FactItem, items_from_value, query
from .model import FidelityModel, load, resolve

_CODES = {"missing": "missing_fact", "wrong": "wrong_value", "added": "added_fact"}


class FidelityConfig(ComponentConfig):
    model: str = Field("e2e-fidelity", description="A shipped checkpoint (e2e-fidelity, webnlg-fidelity), a folder "
                       "of the config (inside its folder unless trusted) or a hub id; made by `hybridnlg "
                       "train-fidelity`.")
    device: str = Field("auto", description="cpu, cuda, cuda:1 or auto (the GPU when there is one).")
    batch_size: int = Field(64, ge=1, description="Queries per forward pass.")
    threshold: float = Field(0.8, gt=0, lt=1, description="A fact is missing or wrong, or the text adds one, when "
                             "the model gives `faithful` at most 1 - threshold.")
    check_added: bool = Field(True, description="Also ask whether the text says something the facts do not.")
    severity: Literal["error", "warning"] = Field(
        "error", description="`error`: a finding rejects the candidate (every validator must pass); `warning`: it "
        "only lowers the score, so the spaCy validator decides and this one ranks.")
    rank: bool = Field(
        False, description="Score passing candidates by the model's confidence (the lowest p(faithful)), so it also "
        "reranks them and lazy validation goes on past a candidate it is unsure of; off: a candidate it finds nothing "
        "in scores 1.0 and it only gates. A warning-severity validator always ranks.")
    skip_realizers: list[str] = Field(
        default_factory=list, description="Candidates of these realizers pass untouched (e.g. [template]: the "
        "template's text, written from the data, is judged by the other validators alone, while GPT-2's and any text "
        "given to `verify` are checked).")
    local_files_only: bool = Field(True, description="Never download: a hub id must be in the local cache.")
    dtype: Literal["auto", "int8"] = Field(
        "auto", description="auto: float16 on a GPU, float32 on the CPU; int8: dynamic int8 quantisation on the CPU "
        "(faster; a GPU device then runs float16).")


class FidelityValidator(Validator[FidelityConfig]):
    """Asks a GPT-2 classifier whether the text expresses each fact, leaves it out or contradicts it, and whether it
    adds something the facts do not: in one pass per text (a single-pass checkpoint) or one per fact (a per-fact
    one). Every candidate of a call is classified in the same batches."""

    name = "fidelity"
    Config = FidelityConfig
    default = False  # its model is trained for a domain: it runs where the config names it

    def load(self) -> None:
        self.model: FidelityModel = load(resolve(self.config.model, self.context), self.config.device,
                                         self.config.local_files_only, int8=self.config.dtype == "int8")

    def check(self) -> list[str]:
        try:
            resolve(self.config.model, self.context)
        except Exception as exc:  # noqa: BLE001 - ConfigError or not found: both are problems to list
            return [f"validators.fidelity.model: {exc}"]
        return []

    def validate(self, items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        skip = set(self.config.skip_realizers)
        asked = [item for item in items if item[1].realizer not in skip]
        checked = iter(self._check(asked) if asked else [])
        note = {"skipped": f"not checked: candidates of {', '.join(sorted(skip))} pass this validator untouched"}
        return [ValidationReport(self.name, [], 1.0, dict(note)) if candidate.realizer in skip else next(checked)
                for _, candidate in items]

    def _check(self, items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        self.ensure_loaded()
        facts = [[item for name, fact in segment.facts.items() if fact.value is not None
                  for item in items_from_value(name, fact.value)] for segment, _ in items]
        if self.model.joint:
            return self._joint(facts, [candidate.text for _, candidate in items])
        plans: list[list[tuple[FactItem | None, str]]] = []
        queries: list[str] = []
        for known, (_, candidate) in zip(facts, items, strict=True):
            asked: list[tuple[FactItem | None, str]] = [(f, query(f, known, candidate.text)) for f in known]
            if self.config.check_added and known:
                asked.append((None, query(None, known, candidate.text)))
            plans.append(asked)
            queries += [q for _, q in asked]
        probabilities = iter(self.model.classify(queries, self.config.batch_size))
        return [self._report([(focus, next(probabilities)) for focus, _ in asked]) for asked in plans]

    def _joint(self, facts: list[list[FactItem]], texts: list[str]) -> list[ValidationReport]:
        """A single-pass checkpoint: every fact of a text, and whether it adds something, in one forward pass."""
        verdicts = self.model.verdicts(list(zip(facts, texts, strict=True)), self.config.batch_size)
        reports: list[ValidationReport] = []
        for known, found in zip(facts, verdicts, strict=True):
            answers: list[tuple[FactItem | None, list[float]]] = list(zip(known, found.facts, strict=True))
            if self.config.check_added and known and found.added is not None:
                answers.append((None, found.added))
            report = self._report(answers)
            if found.text_cut:
                report.meta["text_cut"] = "the text was longer than the model reads; only its start was checked"
            if found.partial:
                report.meta["added_partial"] = ("the facts needed more than one pass; additions were judged "
                                                "against the last pass's facts")
            reports.append(report)
        return reports

    def _report(self, answers: list[tuple[FactItem | None, list[float]]]) -> ValidationReport:
        labels = self.model.labels
        issues: list[Issue] = []
        status: dict[str, str] = {}
        score = 1.0
        for focus, probs in answers:
            by_label = dict(zip(labels, probs, strict=True))
            worst = max((label for label in labels if label != "faithful"), key=lambda label: by_label[label])
            faithful = by_label.get("faithful", 0.0)
            score = min(score, faithful)
            name = focus.name if focus is not None and focus.name else None
            # Missing and wrong often share the mass between them: what is not faithful counts, the larger names it.
            found = 1.0 - faithful >= self.config.threshold
            if name is not None:
                verdict = {"missing": "missing", "wrong": "wrong"}.get(worst, "wrong") if found else "expressed"
                if status.get(name) in (None, "expressed"):
                    status[name] = verdict
            if not found:
                continue
            what = "the text" if focus is None else f"{focus.linear()!r}"
            message = (f"{what} is {worst} (fidelity model, p(not faithful)={1 - faithful:.2f})" if focus is not None
                       else f"the text says something the facts do not (fidelity model, p={1 - faithful:.2f})")
            code = _CODES["added"] if focus is None else _CODES.get(worst, "wrong_value")
            issues.append(Issue(code, message, fact=name, severity=self.config.severity, category="fact"))
        meta = {"facts": status, "model": self.model.source, "labels": list(LABELS), "confidence": round(score, 4)}
        if not issues and not (self.config.rank or self.config.severity == "warning"):
            score = 1.0
        return ValidationReport(self.name, issues, round(score, 4), meta)
