"""HTML for people: a full standalone document, and the trace view (`render --explain`, the playground page).

Both take the JSON forms of a report (`Report.to_dict()` / `to_output(trace=True)`), so the server's answers and the
CLI's reports render alike. Every piece of data is escaped; the standalone document also forbids scripts through
its Content-Security-Policy, so a record value can never run as code there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .highlight import Mark, fact_marks, issue_marks, non_overlapping

STYLE = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
article { font-size: 1.1rem; }
h1, h2 { line-height: 1.2; }
.trace { margin-top: 2rem; border-top: 2px solid #d0d4da; }
.trace > h2 { font-size: 1.2rem; }
.segment { border: 1px solid #d0d4da; border-radius: 6px; margin: .75rem 0; padding: .25rem .75rem; }
.segment > summary { cursor: pointer; padding: .35rem 0; }
.segment code { font-weight: 600; }
.badge { display: inline-block; font-size: .75rem; padding: 0 .4rem; border-radius: 999px; background: #e8eaee; }
.badge.flagged, .badge.fail { background: #fde2e1; color: #8a1c17; }
.badge.pass, .badge.chosen { background: #dff3e4; color: #1b5e2b; }
.decision, .muted { color: #5a6270; font-size: .9rem; }
.trace table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
.trace th, .trace td { text-align: left; vertical-align: top; border-bottom: 1px solid #e8eaee; padding: .3rem .4rem; }
.trace tr.chosen td { background: #f3fbf5; }
.trace ul { margin: 0; padding-left: 1.1rem; }
mark.fact { background: #fff1b8; border-radius: 3px; }
mark.issue { background: #ffd6d4; text-decoration: underline wavy #c62828; border-radius: 3px; }
.status-missing, .status-wrong { color: #8a1c17; font-weight: 600; }
.status-expressed { color: #1b5e2b; }
""".strip()

# No scripts, no outside resources: a saved report stays inert whatever its data holds.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _dict(value: Any) -> Mapping[str, Any]:
    """A mapping of the trace, or an empty one where the JSON holds something else (the playground posts traces)."""
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def highlighted(text: str, marks: Sequence[Mark]) -> str:
    """`text` escaped, with each (non-overlapping, sorted) mark wrapped in <mark class=KIND title=LABEL>."""
    out, at = [], 0
    for mark in marks:
        out += [_e(text[at:mark.start]), f'<mark class="{mark.kind}" title="{_e(mark.label)}">',
                _e(text[mark.start:mark.end]), "</mark>"]
        at = mark.end
    out.append(_e(text[at:]))
    return "".join(out)


def fact_statuses(candidate: Mapping[str, Any]) -> dict[str, str]:
    """Per fact, the worst status any validator gave it for this candidate (wrong > missing > expressed)."""
    rank = {"wrong": 2, "missing": 1}
    statuses: dict[str, str] = {}
    for report in _list(candidate.get("reports")):
        for name, status in _dict(_dict(report.get("meta")).get("facts")).items():
            if rank.get(status, 0) >= rank.get(statuses.get(name, ""), 0):
                statuses[name] = str(status)
    return statuses


def candidate_text(candidate: Mapping[str, Any], facts: Mapping[str, Any]) -> str:
    """The candidate's text with its issues and the facts it expresses highlighted."""
    text = str(candidate.get("text") or "")
    statuses = fact_statuses(candidate)
    issues = [issue for report in _list(candidate.get("reports")) for issue in _list(report.get("issues"))]
    not_said = [name for name, status in statuses.items() if status in {"missing", "wrong"}]
    return highlighted(text, non_overlapping(issue_marks(text, issues) + fact_marks(text, facts, skip=not_said)))


def _validation(candidate: Mapping[str, Any]) -> str:
    reports = _list(candidate.get("reports"))
    if not reports:
        return '<span class="muted">not validated</span>'
    items = []
    for report in reports:
        verdict = "pass" if report.get("passed") else "fail"
        items.append(f'<li><span class="badge {verdict}">{_e(report.get("validator"))} {verdict}</span> '
                     f'<span class="muted">score {_e(report.get("score"))}</span></li>')
        items += [f'<li><mark class="issue">{_e(issue.get("code"))}</mark> {_e(issue.get("message"))}'
                  f'{" (" + _e(issue.get("severity")) + ")" if issue.get("severity") == "warning" else ""}</li>'
                  for issue in _list(report.get("issues"))]
    return "<ul>" + "".join(items) + "</ul>"


def _candidates(segment: Mapping[str, Any]) -> str:
    facts = _dict(segment.get("facts"))
    rows = []
    for number, candidate in enumerate(_list(segment.get("candidates")), start=1):
        status = str(candidate.get("status") or "")
        row_class = "chosen" if status == "chosen" else ""
        rows.append(f'<tr class="{row_class}"><td>{number}</td><td>{_e(candidate.get("realizer"))}</td>'
                    f'<td class="text">{candidate_text(candidate, facts)}</td><td>{_validation(candidate)}</td>'
                    f'<td>{_e(status)}</td></tr>')
    if not rows:
        return '<p class="muted">no candidates</p>'
    return ('<table class="candidates"><thead><tr><th>#</th><th>realizer</th><th>text</th><th>validation</th>'
            "<th>status</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _facts(segment: Mapping[str, Any]) -> str:
    chosen: Mapping[str, Any] = next((c for c in _list(segment.get("candidates")) if c.get("status") == "chosen"), {})
    statuses = fact_statuses(chosen)
    rows = "".join(
        f'<tr><td>{_e(name)}</td><td>{_e(_value(value))}</td>'
        f'<td class="status-{_e(statuses.get(name, "unchecked"))}">{_e(statuses.get(name, "—"))}</td></tr>'
        for name, value in _dict(segment.get("facts")).items())
    return ('<table class="facts"><thead><tr><th>fact</th><th>value</th><th>in the chosen text</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>") if rows else ""


def _extras(segment: Mapping[str, Any]) -> str:
    lines = [f"<li>{_e(realizer)} produced nothing: {_e(reason)}</li>"
             for realizer, reason in _dict(segment.get("failures")).items()]
    lines += [f"<li>{_e(realizer)} not run: {_e(reason)}</li>"
              for realizer, reason in _dict(_dict(segment.get("route")).get("skipped")).items()]
    notes = segment.get("notes")
    lines += [f"<li>{_e(note)}</li>" for note in (notes if isinstance(notes, list) else [])]
    return f'<ul class="muted">{"".join(lines)}</ul>' if lines else ""


def segment_view(segment: Mapping[str, Any]) -> str:
    """One segment: the decision, its facts and their status, every candidate with its validation."""
    chosen = segment.get("realizer")
    badges = f'<span class="badge chosen">{_e(chosen)}</span>' if chosen else '<span class="badge fail">dropped</span>'
    if segment.get("flagged"):
        badges += ' <span class="badge flagged">flagged</span>'
    return (f'<details class="segment" open data-segment="{_e(segment.get("id"))}"><summary>'
            f'<code>{_e(segment.get("id"))}</code> {badges} <span class="decision">{_e(segment.get("decision"))}'
            f"</span></summary>{_facts(segment)}{_candidates(segment)}{_extras(segment)}</details>")


def trace_view(segments: Sequence[Mapping[str, Any]]) -> str:
    """The trace of a report (its `segments` list) as an HTML section."""
    body = "".join(segment_view(segment) for segment in _list(list(segments))) or '<p class="muted">no segments</p>'
    return f'<section class="trace"><h2>Why this text</h2>{body}</section>'


def standalone_document(body: str, title: str | None, trace: str | None = None, lang: str = "en") -> str:
    """A complete HTML document around `body` (already HTML, e.g. the assembler's <article>), with `trace` after."""
    return ("<!DOCTYPE html>\n"
            f'<html lang="{_e(lang.replace("_", "-"))}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title or 'hybridnlg report')}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n"
            f"{body.rstrip()}\n{trace or ''}\n</main>\n</body>\n</html>\n")
