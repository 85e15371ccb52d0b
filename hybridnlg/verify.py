"""`verify`: check a text the engine did not write (a person's, an external LLM's) against its record with the
engine's validators."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TYPE_CHECKING, Any, Literal

from .errors import DataError, HybridNLGError
from .pipeline.aggregate import _merge
from .pipeline.realize import _record_error
from .pipeline.report import CandidateTrace, SegmentResult, error_record
from .pipeline.router import Route
from .types import Candidate, Fact, Issue, Segment, Severity, ValidationReport

if TYPE_CHECKING:
    from .engine import Engine
    from .pipeline.plan import Plan

FactStatus = Literal["expressed", "missing", "wrong", "unchecked"]
_STATUSES: tuple[FactStatus, ...] = ("unchecked", "expressed", "missing", "wrong")  # worse last: the worst wins
_ISSUE_STATUS: dict[str, FactStatus] = {"missing_fact": "missing", "wrong_value": "wrong"}
VERIFIER = "verify"  # names the issues verify itself raises (no_facts, an unavailable validator)
PAIR_KEYS = ("record", "text")
TITLES = "_document_titles"  # the unit's context key for the plan's titles


class NoValidatorError(HybridNLGError):
    """No validator can run, so verify cannot say whether a text is faithful."""


@dataclass(frozen=True)
class FactVerdict:
    """What the validators found about one fact of the record: the worst verdict any of them gave."""

    name: str
    value: Any
    path: str
    status: FactStatus  # unchecked: no validator looked (e.g. the text failed a length check first)
    span: tuple[int, int] | None = None
    validator: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "path": self.path, "status": self.status,
                "span": list(self.span) if self.span else None, "validator": self.validator}


@dataclass(frozen=True)
class VerifyIssue:
    """One validator's issue with the text."""

    code: str
    message: str
    validator: str
    fact: str | None = None
    span: tuple[int, int] | None = None
    severity: Severity = "error"
    category: str = "other"

    @classmethod
    def of(cls, validator: str, issue: Issue) -> VerifyIssue:
        return cls(issue.code, issue.message, validator, issue.fact, issue.span, issue.severity, issue.category)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fact": self.fact,
                "span": list(self.span) if self.span else None, "severity": self.severity,
                "category": self.category, "validator": self.validator}


@dataclass
class VerifyReport:
    """The verdict on one text: `.passed` when no validator found an error-severity issue."""

    index: int
    facts: dict[str, FactVerdict] = field(default_factory=dict)
    issues: list[VerifyIssue] = field(default_factory=list)
    validators: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {"passed", "score"}
    # what a validator could not check, and why ("triples[2]": "unchecked predicate: no lexicon entry for ...")
    unchecked: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not any(issue.severity == "error" for issue in self.issues)

    def to_output(self) -> dict[str, Any]:
        """The JSON line of `hybridnlg verify` and the answer of `POST /verify`."""
        return {"index": self.index, "passed": self.passed, "issues": [i.to_dict() for i in self.issues],
                "facts": {name: verdict.to_dict() for name, verdict in self.facts.items()},
                "validators": self.validators, **({"unchecked": self.unchecked} if self.unchecked else {})}


# the fact unit -----------------------------------------------------------------------------------------------------


def fact_unit(plan: Plan) -> Segment | None:
    """One segment holding every fact of the plan, with the segments' contexts (the record, computed facts,
    referring expressions); None when the plan has no fact. A name two segments use for different data (a
    `foreach` item's `revenue`) is qualified by its segment id: `region[1].revenue`. The document's titles are in the
    context too."""
    segments = [segment for segment in plan.segments if segment.facts]
    if not segments:
        return None
    paths: dict[str, set[str]] = defaultdict(set)
    for segment in segments:
        for name, fact in segment.facts.items():
            paths[name].add(f"{fact.path}={fact.value!r}")
    shared = {name for name, seen in paths.items() if len(seen) > 1}
    seen_names: set[str] = set()
    unique: list[Segment] = []
    for segment in segments:
        facts: dict[str, Fact] = {}
        for name, fact in segment.facts.items():
            key = f"{segment.id}.{name}" if name in shared else name
            if key not in seen_names:  # the same fact planned by two segments is checked once
                facts[key] = fact if key == name else replace(fact, name=key)
                seen_names.add(key)
        if facts:
            unique.append(replace(segment, facts=facts, aggregate=True))
    unit = _merge(unique)
    # The document's title and section titles come from the config: a text that repeats them adds no fact.
    titles = [t for t in [plan.title, *plan.section_titles.values()] if t]
    return replace(unit, context={**unit.context, TITLES: titles}) if titles else unit


# checking --------------------------------------------------------------------------------------------------------


def require_validator(engine: Engine) -> None:
    """Raise NoValidatorError unless at least one validator can run."""
    if engine.validators:
        return
    if engine.config.validators == {}:
        raise NoValidatorError("no validator available: the config turns validation off (`validators: {}`); "
                               "configure one (`validators: {spacy: {}}`) to verify texts")
    why = "; ".join(f"{n}: {engine.plugins.unavailable[n]}" for n in sorted(engine.config.validators or {})
                    if n in engine.plugins.unavailable)
    raise NoValidatorError("no validator available: install hybridnlg[spacy] (pip install 'hybridnlg[spacy]')"
                           + (f" ({why})" if why else ""))


def _unavailable(engine: Engine) -> list[VerifyIssue]:
    """A configured validator that is not installed: said on every report (as a warning: the engine renders
    without it too), so a pass is never mistaken for its pass."""
    return [VerifyIssue("validator_error", f"validator '{name}' is unavailable and did not run: "
                        f"{engine.plugins.unavailable.get(name, 'not installed')}", VERIFIER, severity="warning")
            for name in sorted(set(engine.config.validators or {}) - set(engine.validators))]


def _no_facts(engine: Engine, index: int) -> VerifyReport:
    known = ", ".join(sorted(engine.config.fact_names())) or "none"
    message = (f"nothing to check the text against: no segment of the config applies to this record or the record "
               f"gives none of the facts the config knows ({known})")
    return VerifyReport(index, issues=[VerifyIssue("no_facts", message, VERIFIER, category="fact")])


def _verdicts(unit: Segment, reports: list[ValidationReport]) -> dict[str, FactVerdict]:
    """Per fact, the worst status any validator gave: from its report's meta["facts"] (name -> status, as the spaCy
    validator writes it) or from its missing_fact / wrong_value issues, with the span of an issue about the fact."""
    verdicts: dict[str, FactVerdict] = {}
    for name, fact in unit.facts.items():
        verdict = FactVerdict(name, fact.value, fact.path, "unchecked")
        for report in reports:
            said = report.meta.get("facts")
            statuses: list[FactStatus] = [status for status in _STATUSES
                                          if isinstance(said, dict) and said.get(name) == status]
            about = [issue for issue in report.issues if issue.fact == name]
            statuses += [_ISSUE_STATUS[issue.code] for issue in about if issue.code in _ISSUE_STATUS]
            worst = max(statuses, key=_STATUSES.index, default=None)
            if worst is not None and _STATUSES.index(worst) > _STATUSES.index(verdict.status):
                span = next((issue.span for issue in about if issue.span is not None), None)
                verdict = replace(verdict, status=worst, span=span, validator=report.validator)
        verdicts[name] = verdict
    return verdicts


def _report(index: int, unit: Segment, reports: list[ValidationReport], extra: list[VerifyIssue]) -> VerifyReport:
    return VerifyReport(
        index,
        facts=_verdicts(unit, reports),
        issues=[*(VerifyIssue.of(r.validator, i) for r in reports for i in r.issues), *extra],
        validators={r.validator: {"passed": r.passed, "score": r.score} for r in reports},
        unchecked={name: f"{why} ({r.validator})" for r in reports
                   if isinstance(r.meta.get("unchecked"), dict) for name, why in r.meta["unchecked"].items()},
    )


def verify_window(engine: Engine, items: Sequence[tuple[int, Any, Any]]) -> list[VerifyReport | HybridNLGError]:
    """Verify (index, record, text) triples together: every validator is called once for the whole window.

    Returns a VerifyReport or the error of that item, in input order; raises NoValidatorError when no validator
    can run."""
    require_validator(engine)
    outcomes: list[VerifyReport | HybridNLGError | None] = [None] * len(items)
    work: list[tuple[int, CandidateTrace, SegmentResult]] = []
    for slot, (index, record, text) in enumerate(items):
        if not isinstance(record, dict):
            outcomes[slot] = DataError(f"the record must be a JSON object, got {json_type(record)}", record=index)
            continue
        if not isinstance(text, str):
            outcomes[slot] = DataError(f"the text must be a string, got {json_type(text)}", record=index)
            continue
        try:
            unit = fact_unit(engine.plan(record, index))
        except Exception as exc:  # noqa: BLE001 - one item's failure never reaches its window
            outcomes[slot] = _record_error(exc, index, "planning")
            continue
        if unit is None:
            outcomes[slot] = _no_facts(engine, index)
            continue
        work.append((slot, CandidateTrace(Candidate(VERIFIER, text)), SegmentResult(unit, Route([]))))
    engine.pipeline._run_validators([(trace, result) for _, trace, result in work], cascade=False)  # every verdict
    unavailable = _unavailable(engine)
    for slot, trace, result in work:
        outcomes[slot] = _report(items[slot][0], result.segment, trace.reports, unavailable)
    return [outcome for outcome in outcomes if outcome is not None]


def verify_one(engine: Engine, record: Any, text: Any) -> VerifyReport:
    outcome = verify_window(engine, [(0, record, text)])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


# lines (CLI and HTTP) ----------------------------------------------------------------------------------------------


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages about the input."""
    for kind, name in ((bool, "a boolean"), (dict, "an object"), (list, "an array"), (str, "a string"),
                       (int, "a number"), (float, "a number")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def parse_pair(value: Any, where: str) -> tuple[Any, Any] | HybridNLGError:
    """(record, text) of one input line or item, or the error that makes it an error line."""
    if not isinstance(value, dict):
        return DataError(f"{where}: expected an object {{\"record\": {{...}}, \"text\": \"...\"}}, "
                         f"got {json_type(value)}")
    missing = [key for key in PAIR_KEYS if key not in value]
    unknown = sorted(str(key) for key in value if key not in PAIR_KEYS)
    if missing or unknown:
        problems = ([f"missing {', '.join(repr(k) for k in missing)}"] if missing else []) + (
            [f"unknown {', '.join(repr(k) for k in unknown)}"] if unknown else [])
        return DataError(f"{where}: {'; '.join(problems)} (an item has exactly 'record' and 'text')")
    if not isinstance(value["record"], dict):
        return DataError(f"{where}: 'record' must be an object, got {json_type(value['record'])}")
    if not isinstance(value["text"], str):
        return DataError(f"{where}: 'text' must be a string, got {json_type(value['text'])}")
    return value["record"], value["text"]


def verify_lines(engine: Engine, rows: Iterable[tuple[int, Any]], *, window: int = 64,
                 where: Callable[[int], str] = lambda i: f"line {i + 1}") -> Iterator[dict[str, Any]]:
    """One output dict per (index, parsed item or the error that made it unreadable), in order; a window of items
    is verified together. `where(index)` names an item in error messages."""
    require_validator(engine)
    rows = iter(rows)
    while chunk := list(islice(rows, window)):
        parsed = [(i, row if isinstance(row, Exception) else parse_pair(row, where(i))) for i, row in chunk]
        good = [(i, *pair) for i, pair in parsed if not isinstance(pair, Exception)]
        verified = iter(verify_window(engine, good))
        for i, pair in parsed:
            outcome = pair if isinstance(pair, Exception) else next(verified)
            yield error_record(i, outcome) if isinstance(outcome, Exception) else outcome.to_output()
