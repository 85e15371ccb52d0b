from __future__ import annotations

import json

from hybridnlg.pipeline.assembler import escape_markdown
from hybridnlg.testing import make_engine
from hybridnlg.text import join_clauses, sentence, tidy

CONFIG = {
    "validators": {},
    "document": {"title": "Notes on {{ who }}", "sections": [{"id": "a", "title": "Part {{ part }}"}]},
    "segments": [
        {"id": "one", "template": "{{ who }} said   {{ quote }} ", "facts": ["who", "quote"], "section": "a"},
        {"id": "two", "template": "second paragraph", "section": "a", "paragraph": 1},
    ],
}
HOSTILE = {"who": "<script>alert(1)</script>", "quote": '"><img src=x onerror=alert(1)> *bold* # [x](y)', "part": "<b>"}


def test_text_fixes_spacing_and_capitalisation() -> None:
    report = make_engine(CONFIG).render({"who": "ada", "quote": "hi", "part": "1"}, format="text")
    assert report.text == "Notes on ada\n\nPart 1\n\nAda said hi.\n\nSecond paragraph."


def test_html_escapes_every_data_value() -> None:
    html = make_engine(CONFIG).render(HOSTILE, format="html").text
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&quot;&gt;&lt;img" in html
    assert html.startswith("<article>\n<h1>Notes on &lt;script&gt;")


def test_markdown_escapes_structure_changing_data() -> None:
    md = make_engine(CONFIG).render(HOSTILE, format="markdown").text
    assert "\\*bold\\*" in md and "\\[x\\](y)" in md and "\\# " in md
    assert md.startswith("# Notes on \\<script\\>")


def test_json_output_is_the_trace() -> None:
    data = json.loads(make_engine(CONFIG).render({"who": "Ada", "quote": "hi", "part": "1"}, format="json").text)
    assert data["text"].endswith("Second paragraph.")
    seg = data["segments"][0]
    assert {"id", "realizer", "text", "facts", "candidates", "decision", "route", "fact_paths"} <= set(seg)
    assert seg["facts"] == {"who": "Ada", "quote": "hi"}
    assert seg["candidates"][0]["realizer"] == "template" and seg["candidates"][0]["status"] == "chosen"


def test_text_helpers() -> None:
    assert tidy("a  ,b .") == "a,b."
    assert sentence("hello world") == "Hello world."
    assert sentence('he said "hi."') == 'He said "hi."'
    assert escape_markdown("a_b") == "a\\_b"
    assert join_clauses(["X is a pub.", "It is cheap."], ["X", "It"]) == "X is a pub and is cheap."
    assert join_clauses(["X is a pub.", "It is cheap.", "It is near Y."], ["It"]) == "X is a pub, is cheap and is near Y."
    long = ["X " + "very " * 30 + "big.", "It is cheap."]
    assert join_clauses(long, ["It"]) == "X " + "very " * 30 + "big. It is cheap."
