"""One window of records through route → realize → validate → decide, batched per realizer and validator."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import DataError, HybridNLGError, RealizationError
from ..types import Candidate, Failure, Issue, RealizeResult, Segment, ValidationReport
from .decide import best_first, choose
from .report import CandidateTrace, Report, SegmentResult

if TYPE_CHECKING:
    from ..engine import Engine
    from .plan import Plan


def _checked(name: str, segments: list[Segment], results: Any) -> list[RealizeResult]:
    """Guard against plugins returning the wrong shape: bad entries become Failures, never crashes."""
    if not isinstance(results, list) or len(results) != len(segments):
        got = len(results) if isinstance(results, list) else type(results).__name__
        return [Failure(f"realizer '{name}' returned {got} results for {len(segments)} segments")] * len(segments)
    out: list[RealizeResult] = []
    for result in results:
        if isinstance(result, Failure):
            out.append(result)
        elif isinstance(result, list) and all(isinstance(c, Candidate) and isinstance(c.text, str) for c in result):
            out.append(result if result else Failure(f"realizer '{name}' returned no candidate"))
        else:
            out.append(Failure(f"realizer '{name}' returned {result!r:.80}, not a list of Candidate with str text"))
    return out


PartReports = dict[tuple[str, tuple[int, str, str]], ValidationReport]  # (validator, unit key) -> its report


def _units(trace: CandidateTrace, owner: SegmentResult) -> list[tuple[tuple[int, str, str], tuple[Segment, Candidate]]]:
    """What the validators judge for a candidate, each with its key: the candidate itself, or each of its parts."""
    pairs = trace.candidate.parts or [(owner.segment, trace.candidate)]
    return [((id(owner), segment.id, candidate.text), (segment, candidate)) for segment, candidate in pairs]


def _joined(validator: str, found: list[tuple[Segment, ValidationReport]]) -> ValidationReport:
    """One validator's report on a candidate joined from parts: every part's issues (named by the part), the mean
    score, and each part's verdict and meta in the meta; what a part left unchecked stays in sight at the top."""
    issues = [replace(issue, message=f"{segment.id}: {issue.message}", span=None)
              for segment, report in found for issue in report.issues]
    score = sum(report.score for _, report in found) / len(found)
    meta: dict[str, Any] = {"parts": [{"segment": segment.id, "passed": report.passed, "score": report.score,
                                       **({"meta": report.meta} if report.meta else {})} for segment, report in found]}
    unchecked = {f"{segment.id}: {name}": why for segment, report in found
                 if isinstance(report.meta.get("unchecked"), dict) for name, why in report.meta["unchecked"].items()}
    if unchecked:
        meta["unchecked"] = unchecked
    return ValidationReport(validator, issues, round(score, 4), meta)


UNVALIDATED = Issue("unvalidated", "no validator runs, so a text of a realizer that is not `safe` is never published",
                    category="fact")


def _record_error(exc: Exception, index: int, stage: str) -> HybridNLGError:
    """A typed error for this record alone; an unexpected exception is wrapped with what was being done."""
    if isinstance(exc, DataError) and exc.record is None:
        exc.record = index  # the message may name it already; the field is what JSON error records carry
    if isinstance(exc, HybridNLGError):
        return exc
    return DataError(f"{stage} failed: {type(exc).__name__}: {exc}", record=index)


class Pipeline:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def run(
        self, records: list[tuple[int, Any]], *, format: str | None, forced: str | None, strict: bool | None = None
    ) -> list[Report | HybridNLGError]:
        outcomes: dict[int, Report | HybridNLGError] = {}
        plans: list[tuple[int, Plan]] = []
        for index, record in records:
            try:
                plans.append((index, self.engine.plan(record, index)))
            except Exception as exc:  # noqa: BLE001 - one record's failure never reaches its window
                outcomes[index] = _record_error(exc, index, "planning")
        results: dict[int, list[SegmentResult]] = {}
        for index, plan in plans:
            try:
                results[index] = [SegmentResult(seg, self.engine.route(seg, forced)) for seg in plan.segments]
            except Exception as exc:  # noqa: BLE001
                outcomes[index] = _record_error(exc, index, "routing")
        live = [r for index, rs in results.items() for r in rs]
        self._realize_stages(live)
        failed_records = self._finish(live, forced)
        fmt = format or self.engine.config.output.format
        for index, plan in plans:
            if index in outcomes:
                continue
            if index in failed_records:
                outcomes[index] = failed_records[index]
                continue
            try:
                outputs = self.engine.assemble(plan, results[index])
            except Exception as exc:  # noqa: BLE001
                outcomes[index] = _record_error(exc, index, "assembling the document")
                continue
            report = Report(index, fmt, outputs, results[index], title=plan.title, notes=plan.notes,
                            left_out=plan.left_out)
            outcomes[index] = self._strict(report, self.engine.config.strict if strict is None else strict)
        return [outcomes[index] for index, _ in records]

    @staticmethod
    def _strict(report: Report, strict: bool) -> Report | HybridNLGError:
        """Nothing is published silently: `strict` makes a flagged, dropped or left-out segment the record's error;
        otherwise one line in the notes says what happened."""
        problems = report.problems()
        if problems and strict:
            return RealizationError(f"record {report.record_index} (strict): {'; '.join(problems)}")
        if problems:
            report.notes.append("; ".join(problems))
        return report

    def _call(self, name: str, method: Callable[[Any], Any], argument: Any) -> Any:
        """Call a plugin's batch method, giving up after `timeouts[name]` seconds when one is configured."""
        limit = self.engine.config.timeouts.get(name)
        if limit is None:
            return method(argument)
        answer: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                answer["value"] = method(argument)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                answer["error"] = exc
            finally:
                done.set()

        # A thread cannot be killed: a daemon one is abandoned past the limit (its late answer is ignored) and does
        # not hold up the interpreter's exit, as a ThreadPoolExecutor worker would.
        threading.Thread(target=run, name=f"hybridnlg-{name}", daemon=True).start()
        if not done.wait(limit):
            raise TimeoutError(f"no answer within {limit} s (timeouts.{name})")
        if "error" in answer:
            raise answer["error"]
        return answer["value"]

    # stages ------------------------------------------------------------------------------------------------------

    def _realize_stages(self, results: list[SegmentResult]) -> None:
        """Stage 0 asks the route's realizers; each later stage asks the next fallback of the undecided ones."""
        pending: list[tuple[SegmentResult, list[str]]] = [(r, r.route.realizers) for r in results]
        stage = 0
        while pending:
            self._realize(pending, stage)
            undecided = []
            for result, _ in pending:
                if choose(result, stage, self.engine.config.decision) is None:
                    undecided.append(result)
            pending = [(r, [r.route.fallback[stage]]) for r in undecided if stage < len(r.route.fallback)]
            stage += 1

    def _realize(self, work: list[tuple[SegmentResult, list[str]]], stage: int) -> None:
        by_realizer: dict[str, list[SegmentResult]] = defaultdict(list)
        for result, names in work:
            for name in names:
                by_realizer[name].append(result)
        for name, group in by_realizer.items():
            segments = [r.segment for r in group]
            try:
                answers = _checked(name, segments, self._call(name, self.engine.get_realizer(name).realize, segments))
            except Exception as exc:  # noqa: BLE001 - a failing plugin costs its segments, not the report
                answers = [Failure(f"realizer '{name}' raised {type(exc).__name__}: {exc}", exc)] * len(segments)
            for result, answer in zip(group, answers, strict=True):  # _checked answers once per segment
                if isinstance(answer, Failure):
                    result.failures[name] = answer.reason
                    result.error = result.error or answer.error
                    continue
                for candidate in answer:
                    result.candidates.append(CandidateTrace(candidate, stage=stage))
        self._validate_stage([result for result, _ in work], stage)

    def _validate_stage(self, results: list[SegmentResult], stage: int) -> None:
        """Validate this stage's candidates. `decision.validate: all` validates every one in one batch; `lazy`
        validates best-first in rounds across the window (one candidate per undecided segment per round) and stops
        a segment once a candidate passes that no later one could beat by more than the margin."""
        queues = {id(r): best_first([t for t in r.candidates if t.stage == stage], self.engine.config.decision)
                  for r in results}
        if self.engine.config.decision.validate_ == "all":
            self._validate([(t, r) for r in results for t in queues[id(r)]])
            return
        settle_at = 1.0 - self.engine.config.decision.margin
        seen: dict[tuple[int, str], CandidateTrace] = {}
        parts: PartReports = {}
        while True:
            round_ = []
            for result in results:
                queue = queues[id(result)]
                if queue and not any(t.validated and t.passed and t.score >= settle_at
                                     for t in result.candidates if t.stage == stage):
                    round_.append((queue.pop(0), result))
            if not round_:
                return
            self._validate(round_, seen, parts)

    def _validate(self, work: list[tuple[CandidateTrace, SegmentResult]],
                  seen: dict[tuple[int, str], CandidateTrace] | None = None,
                  parts: PartReports | None = None) -> None:
        """Run every validator once over the distinct (segment, text) pairs of `work` and of earlier rounds
        (`seen`, and `parts` for the texts of candidates joined from parts); a duplicate gets its twin's reports."""
        seen = {} if seen is None else seen
        fresh: list[tuple[CandidateTrace, SegmentResult]] = []
        twins: list[tuple[CandidateTrace, tuple[int, str]]] = []
        for trace, owner in work:
            trace.validated = True
            key = (id(owner), trace.candidate.text)
            if key in seen:
                twins.append((trace, key))
            else:
                seen[key] = trace
                fresh.append((trace, owner))
        self._run_validators(fresh, parts=parts)
        for trace, key in twins:
            trace.reports = list(seen[key].reports)
            trace.duplicate = True

    def _run_validators(self, work: list[tuple[CandidateTrace, SegmentResult]], cascade: bool | None = None,
                        parts: PartReports | None = None) -> None:
        """Run every validator over `work`. With `cascade` (default: `decision.validate: lazy`) a validator only sees
        the candidates every earlier one passed: a rejected candidate stays rejected whatever a later validator says,
        so the costly ones (a learned checker) are spent where they can change the decision. A candidate joined from
        parts is judged part by part (each distinct part text once: `parts` keeps the reports across rounds); its
        report per validator holds every part's issues."""
        if not work:
            return
        if self.engine.unvalidated_rejected():
            for trace, _ in work:
                if not self.engine.is_safe(trace.candidate.realizer):
                    trace.reports.append(ValidationReport("engine", [UNVALIDATED], 0.0))
            return
        if cascade is None:
            cascade = self.engine.config.decision.validate_ == "lazy"
        parts = {} if parts is None else parts
        pending = list(work)
        for name in self.engine.validators:
            if cascade:
                pending = [(t, owner) for t, owner in pending if all(report.passed for report in t.reports)]
                if not pending:
                    return
            units = {id(trace): _units(trace, owner) for trace, owner in pending}
            wanted = {(name, key): item for trace, _ in pending for key, item in units[id(trace)]
                      if (name, key) not in parts}
            items = list(wanted.values())
            try:
                reports = self._call(name, self.engine.get_validator(name).validate, items)
                if not isinstance(reports, list) or len(reports) != len(items):
                    raise TypeError(f"returned {len(reports) if isinstance(reports, list) else reports!r:.40} "
                                    f"reports for {len(items)} candidates")
            except Exception as exc:  # noqa: BLE001
                issue = Issue("validator_error", f"validator '{name}' failed: {type(exc).__name__}: {exc}")
                reports = [ValidationReport(name, [issue], 0.0) for _ in items]
            parts.update(zip(wanted, reports, strict=True))  # checked above: one report per item
            for trace, _ in pending:
                found = [(item[0], parts[(name, key)]) for key, item in units[id(trace)]]
                trace.reports.append(found[0][1] if not trace.candidate.parts else _joined(name, found))

    # when nothing passed -----------------------------------------------------------------------------------------

    def _finish(self, results: list[SegmentResult], forced: str | None) -> dict[int, HybridNLGError]:
        """Apply the configured action to undecided segments; returns the records that must become errors."""
        errors: dict[int, HybridNLGError] = {}
        undecided = [r for r in results if r.realizer is None]
        action = self.engine.config.decision.on_failure
        safe = self.engine.safe_realizers()
        if action == "flag" and safe:
            # A safe realizer that already failed on the segment would only fail again (a time limit twice over).
            need = [r for r in undecided if safe[0] not in r.failures
                    and not any(t.candidate.realizer in safe for t in r.candidates)]
            if need:
                last = max((t.stage for r in need for t in r.candidates), default=0)
                self._realize([(r, [safe[0]]) for r in need], stage=last + 1)
        for result in undecided:
            record = result.segment.record_index
            error = result.error
            exact = [t for t in result.candidates if t.candidate.realizer in safe]
            if isinstance(error, DataError) and not exact:
                errors.setdefault(record, error)
            elif action == "raise":
                errors.setdefault(record, RealizationError(self._why(result)))
            elif action == "flag" and exact:
                best = max(exact, key=lambda t: t.score)
                best.status = "published flagged: nothing passed validation"
                result.text, result.realizer, result.flagged = best.candidate.text, best.candidate.realizer, True
                result.decision = f"no candidate passed; published the {best.candidate.realizer} text flagged"
            else:
                result.decision = f"dropped: {self._why(result)}"
        return errors

    @staticmethod
    def _why(result: SegmentResult) -> str:
        reasons = [f"{name}: {why}" for name, why in result.failures.items()]
        reasons += [f"{t.candidate.realizer} {t.status}" for t in result.candidates]
        return f"segment '{result.segment.id}': no candidate passed ({'; '.join(reasons) or 'no candidates'})"
