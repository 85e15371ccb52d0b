"""The built-in assembler: sentences into paragraphs and sections, rendered as text, Markdown and HTML."""

from __future__ import annotations

import html
import re
from itertools import groupby

from ..text import sentence
from .plan import Plan
from .report import SegmentResult

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _sections(plan: Plan, results: list[SegmentResult]) -> list[tuple[str | None, list[list[str]]]]:
    """[(section title, [paragraph sentences, ...]), ...] in plan order; dropped segments left out."""
    out: list[tuple[str | None, list[list[str]]]] = []
    kept = [r for r in results if r.text]
    for section, in_section in groupby(kept, key=lambda r: r.segment.section):
        paragraphs = [
            [sentence(r.text or "") for r in in_paragraph]
            for _, in_paragraph in groupby(in_section, key=lambda r: r.segment.paragraph)
        ]
        out.append((plan.section_titles.get(section or "") if section else None, paragraphs))
    return out


def assemble(plan: Plan, results: list[SegmentResult]) -> dict[str, str]:
    sections = _sections(plan, results)
    text_blocks: list[str] = [plan.title] if plan.title else []
    md_blocks: list[str] = [f"# {escape_markdown(plan.title)}"] if plan.title else []
    html_blocks: list[str] = [f"<h1>{html.escape(plan.title)}</h1>"] if plan.title else []
    for title, paragraphs in sections:
        if title:
            text_blocks.append(title)
            md_blocks.append(f"## {escape_markdown(title)}")
            html_blocks.append(f"<section>\n<h2>{html.escape(title)}</h2>")
        for sentences in paragraphs:
            joined = " ".join(s for s in sentences if s)
            text_blocks.append(joined)
            md_blocks.append(escape_markdown(joined))
            html_blocks.append(f"<p>{html.escape(joined)}</p>")
        if title:
            html_blocks.append("</section>")
    return {
        "text": "\n\n".join(text_blocks),
        "markdown": "\n\n".join(md_blocks) + "\n",
        "html": "<article>\n" + "\n".join(html_blocks) + "\n</article>\n",
    }
