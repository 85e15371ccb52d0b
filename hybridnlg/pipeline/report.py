"""What rendering returns: per-segment results with every candidate's validation, and the document."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import HybridNLGError
from ..redact import Redactor
from ..types import Candidate, Segment, ValidationReport
from .router import Route


@dataclass
class CandidateTrace:
    candidate: Candidate
    reports: list[ValidationReport] = field(default_factory=list)
    stage: int = 0  # 0: first realizers; 1+: fallback step
    status: str = "pending"  # chosen | lost: <why> | rejected: <why> | not validated: <why>
    validated: bool = False  # lazy validation leaves candidates after a settled one unvalidated
    duplicate: bool = False  # the same text for the same segment was validated once; these are its reports

    @property
    def passed(self) -> bool:
        return self.validated and all(report.passed for report in self.reports)

    @property
    def score(self) -> float:
        return min((report.score for report in self.reports), default=1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.candidate.to_dict(),
            "passed": self.passed,
            "validation_score": self.score,
            "status": self.status,
            "stage": self.stage,
            "validated": self.validated,
            "duplicate": self.duplicate,
            "reports": [report.to_dict() for report in self.reports],
        }


@dataclass
class SegmentResult:
    segment: Segment
    route: Route
    text: str | None = None
    realizer: str | None = None
    flagged: bool = False
    candidates: list[CandidateTrace] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # realizer -> why it produced nothing
    error: Exception | None = None  # a typed error behind a failure, raised if nothing else passes
    decision: str = ""

    def to_dict(self) -> dict[str, Any]:
        seg = self.segment
        return {
            "id": seg.id,
            "realizer": self.realizer,
            "text": self.text,
            "flagged": self.flagged,
            "decision": self.decision,
            "facts": {name: fact.value for name, fact in seg.facts.items()},
            "fact_paths": {name: fact.path for name, fact in seg.facts.items()},
            "route": self.route.to_dict(),
            "section": seg.section,
            "paragraph": seg.paragraph,
            "parts": [part.id for part in seg.parts],
            "notes": list(seg.notes),
            "failures": dict(self.failures),
            "candidates": [trace.to_dict() for trace in self.candidates],
        }


@dataclass
class Report:
    """A rendered document: `.text` in the requested format, `.segments` with the full trace."""

    record_index: int
    format: str
    outputs: dict[str, str]
    segments: list[SegmentResult]
    title: str | None = None
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    redactor: Redactor | None = field(default=None, repr=False, compare=False)  # masks the trace, never the text

    def _masked(self, data: Any) -> Any:
        return self.redactor.data(data) if self.redactor is not None else data

    @property
    def flagged(self) -> list[str]:
        """Segments published although no candidate passed validation."""
        return [r.segment.id for r in self.segments if r.flagged]

    @property
    def dropped(self) -> list[str]:
        """Segments left out because no candidate passed (`on_failure: drop`)."""
        return [r.segment.id for r in self.segments if r.text is None]

    def problems(self) -> list[str]:
        """What `strict` fails a record for, and what the one-line summary in the notes says."""
        return ([f"published flagged: {', '.join(self.flagged)}"] if self.flagged else []) + (
            [f"dropped: {', '.join(self.dropped)}"] if self.dropped else []) + (
            [f"left out for lack of data: {'; '.join(self.left_out)}"] if self.left_out else [])

    @property
    def plain_text(self) -> str:
        return self.outputs["text"]

    @property
    def text(self) -> str:
        if self.format == "json":
            return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
        return self.outputs[self.format]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.record_index,
            "text": self.outputs["text"],
            "title": self.title,
            "segments": self._masked([result.to_dict() for result in self.segments]),
            "notes": self._masked(list(self.notes)),
            "left_out": self._masked(list(self.left_out)),
        }

    def to_output(self, trace: bool = False) -> dict[str, Any]:
        """The JSON answer of batches and the server: text (plain text for format json), notes, and the trace
        (always for format json, where the trace is the answer itself, not a JSON string inside it)."""
        text = self.plain_text if self.format == "json" else self.text
        data: dict[str, Any] = {"index": self.record_index, "text": text, "format": self.format,
                                "notes": self._masked(self.notes)}
        for key in ("flagged", "dropped", "left_out"):
            if getattr(self, key):
                data[key] = self._masked(getattr(self, key))
        if trace or self.format == "json":
            data["segments"] = self._masked([result.to_dict() for result in self.segments])
        return data

    def __str__(self) -> str:
        return self.text


def error_record(index: int, error: Exception) -> dict[str, Any]:
    """The line or item that stands in for a record that could not be rendered."""
    if isinstance(error, HybridNLGError):
        return {"index": index, "error": error.to_dict()}
    return {"index": index, "error": {"type": "InternalError", "message": f"{type(error).__name__}: {error}"}}
