"""The decision: among validated candidates, the best passing one by score and realizer preference."""

from __future__ import annotations

import math

from ..config import DecisionSpec
from .report import CandidateTrace, SegmentResult


def _why_rejected(trace: CandidateTrace) -> str:
    codes = sorted({issue.code for report in trace.reports for issue in report.issues if issue.severity == "error"})
    return "rejected: " + ", ".join(codes)


def _preference(trace: CandidateTrace, prefer: list[str]) -> int:
    name = trace.candidate.realizer
    return prefer.index(name) if name in prefer else len(prefer)


def _model_score(trace: CandidateTrace) -> float:
    return trace.candidate.score if trace.candidate.score is not None else -math.inf


def best_first(traces: list[CandidateTrace], policy: DecisionSpec) -> list[CandidateTrace]:
    """The order lazy validation tries candidates in: realizer preference, then the realizer's own score."""
    prefer = policy.prefer or []
    return sorted(traces, key=lambda t: (_preference(t, prefer), -_model_score(t)))


def choose(result: SegmentResult, stage: int, policy: DecisionSpec) -> CandidateTrace | None:
    """Mark every candidate of this stage chosen, lost, rejected or not validated; return the winner, or None if
    none passed."""
    traces = [t for t in result.candidates if t.stage == stage]
    passing = [t for t in traces if t.passed]
    for trace in traces:
        if not trace.validated:
            trace.status = "not validated: an earlier candidate passed (decision.validate: lazy)"
        elif not trace.passed:
            trace.status = _why_rejected(trace)
    if not passing:
        return None

    prefer = policy.prefer or []  # always set once the engine has resolved the config (router.resolve_routing)

    def preference(trace: CandidateTrace) -> int:
        return _preference(trace, prefer)

    best = max(t.score for t in passing)
    eligible = [t for t in passing if t.score >= best - policy.margin]
    winner = min(eligible, key=lambda t: (preference(t), -t.score, -_model_score(t)))
    winner.status = "chosen"
    for trace in passing:
        if trace is winner:
            continue
        if trace not in eligible:
            trace.status = f"lost: validation score {trace.score:.2f} < best {best:.2f} - margin {policy.margin}"
        elif preference(trace) > preference(winner):
            trace.status = f"lost: '{winner.candidate.realizer}' is preferred"
        else:
            trace.status = "lost: lower score"
    result.text = winner.candidate.text
    result.realizer = winner.candidate.realizer
    validated = sum(t.validated for t in traces)
    result.decision = (
        f"chose {winner.candidate.realizer} (score {winner.score:.2f}) among {len(passing)} passing of {len(traces)}"
        + (f" ({validated} validated)" if validated < len(traces) else "")
    )
    return winner
