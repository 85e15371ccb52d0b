"""The data that flows through the pipeline: facts, segments, candidates, validation reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Fact:
    """One piece of data a segment must express."""

    name: str
    value: Any
    path: str
    verbatim: bool = False  # names and identifiers: neural realizers delexicalise these

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "path": self.path, "verbatim": self.verbatim}


@dataclass
class Segment:
    """A unit of content: the facts to express, how to render them and where they go in the document."""

    id: str
    spec_id: str
    record_index: int
    facts: dict[str, Fact]
    context: dict[str, Any]
    template: str | None = None
    realizer: str = "auto"
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    section: str | None = None
    paragraph: int = 0
    subject: str | None = None
    subject_value: str | None = None  # the subject's full name in this record: which entity, not which kind
    aggregate: bool = False
    parts: list[Segment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def realizer_options(self, realizer: str) -> dict[str, Any]:
        """Per-segment options for one realizer (the segment's `options.<realizer>` in config)."""
        return self.options.get(realizer, {})

    def fact_values(self) -> dict[str, Any]:
        return {name: fact.value for name, fact in self.facts.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "spec": self.spec_id,
            "record": self.record_index,
            "facts": {name: fact.to_dict() for name, fact in self.facts.items()},
            "template": self.template,
            "realizer": self.realizer,
            "section": self.section,
            "paragraph": self.paragraph,
            "subject": self.subject,
            "subject_value": self.subject_value,
            "parts": [part.id for part in self.parts],
            "notes": list(self.notes),
        }


@dataclass
class Candidate:
    """One surface text proposed by a realizer for a segment."""

    realizer: str
    text: str
    score: float | None = None  # the realizer's own score, e.g. mean token log-probability
    meta: dict[str, Any] = field(default_factory=dict)
    # A text joined from texts for parts of the segment (a sentence per relation): the validators judge each part's
    # text against the part's own facts, so that a word in one sentence never vouches for another sentence's fact.
    parts: list[tuple[Segment, Candidate]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"realizer": self.realizer, "text": self.text, "score": self.score, "meta": self.meta}
        if self.parts:
            out["parts"] = [{"segment": segment.id, **part.to_dict()} for segment, part in self.parts]
        return out


@dataclass(frozen=True)
class Failure:
    """A realizer's answer for a segment it could not realize; the engine falls back."""

    reason: str
    error: Exception | None = None  # a typed error (e.g. a missing template variable) to surface if nothing passes


RealizeResult = list[Candidate] | Failure

Severity = Literal["error", "warning"]
Category = Literal["fact", "fluency", "other"]  # fact: missing, added or wrong; what `hybridnlg eval` counts


@dataclass
class Issue:
    """One problem a validator found in a candidate text."""

    code: str
    message: str
    fact: str | None = None
    span: tuple[int, int] | None = None
    severity: Severity = "error"
    category: Category = "other"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "fact": self.fact,
            "span": list(self.span) if self.span else None,
            "severity": self.severity,
            "category": self.category,
        }


@dataclass
class ValidationReport:
    """A validator's verdict on one candidate: passed when no issue has severity `error`."""

    validator: str
    issues: list[Issue] = field(default_factory=list)
    score: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not any(issue.severity == "error" for issue in self.issues)

    def to_dict(self) -> dict[str, Any]:
        return {
            "validator": self.validator,
            "passed": self.passed,
            "score": self.score,
            "issues": [issue.to_dict() for issue in self.issues],
            "meta": self.meta,
        }
