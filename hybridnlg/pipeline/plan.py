"""A plan: the ordered segments of one document, with the record they came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..types import Segment


@dataclass
class Plan:
    record_index: int
    record: dict[str, Any]
    segments: list[Segment]
    title: str | None = None
    section_titles: dict[str, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # segments planned for but with none of their facts present

    def with_segments(self, segments: list[Segment]) -> Plan:
        return replace(self, segments=segments)
