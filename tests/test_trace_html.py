"""Standalone HTML and the trace view: full documents, highlighted facts and issues, everything escaped."""

from __future__ import annotations

import json
from pathlib import Path

from hybridnlg.pipeline.highlight import Mark, fact_marks, non_overlapping, written_forms
from hybridnlg.pipeline.trace_html import highlighted, standalone_document, trace_view
from hybridnlg.testing import FakeRealizer, FakeValidator, make_engine, plugin_of
from tests.conftest import RunCli

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CONFIG = {
    "realizers": {"fake": {"texts": ["{name} serves {food} food.", "{name} is a BAD place."]}},
    "validators": {"fake": {"reject": ["BAD"]}},
    "routing": {"auto": ["fake", "template"]},
    "segments": [{"id": "intro", "template": "{{ name }} has {{ food }}.", "facts": ["name", "food"],
                  "realizer": "auto"}],
    "decision": {"validate": "all"},
}


def engine():  # type: ignore[no-untyped-def]
    return make_engine(CONFIG, plugin_of(FakeRealizer, FakeValidator))


def test_written_forms_cover_knowledge_graph_values_and_numbers() -> None:
    assert written_forms("Aarhus_Airport") == ["Aarhus Airport", "Aarhus_Airport"]
    assert written_forms(12500) == ["12,500", "12500"]
    assert written_forms(True) == [] and written_forms(None) == []
    assert written_forms([{"subject": "A_b", "object": '"C"'}]) == ['"C"', "A b", "A_b", "C"]


def test_fact_marks_find_whole_words_case_insensitively() -> None:
    text = "The Eagle is a pub. Pubs near the eagle."
    marks = non_overlapping(fact_marks(text, {"name": "The Eagle", "eatType": "pub"}))
    assert [(text[m.start:m.end], m.label) for m in marks] == [
        ("The Eagle", "name = The Eagle"), ("pub", "eatType = pub"), ("the eagle", "name = The Eagle")]


def test_issue_spans_win_over_fact_marks() -> None:
    marks = non_overlapping([Mark(0, 9, "fact", "name"), Mark(4, 9, "issue", "wrong"), Mark(20, 30, "fact", "x")])
    assert [(m.start, m.kind) for m in marks] == [(4, "issue"), (20, "fact")]


def test_highlighted_escapes_the_text_and_the_labels() -> None:
    out = highlighted("a <b> & c", [Mark(2, 5, "fact", 'x = "<b>"')])
    assert out == 'a <mark class="fact" title="x = &quot;&lt;b&gt;&quot;">&lt;b&gt;</mark> &amp; c'


def test_trace_view_shows_every_candidate_its_issues_and_the_decision() -> None:
    report = engine().render({"name": "Zizzi", "food": "Italian"}, format="html")
    view = trace_view(report.to_dict()["segments"])
    assert view.count('<tr class="chosen">') == 1
    assert '<mark class="fact" title="name = Zizzi">Zizzi</mark> serves <mark class="fact" title="food = Italian">' \
           'Italian</mark> food.' in view
    assert '<mark class="issue" title="rejected_text: contains &#x27;BAD&#x27;">BAD</mark>' in view
    assert "rejected_text</mark> contains &#x27;BAD&#x27;" in view  # the issue listed under its candidate
    assert report.segments[0].decision and report.segments[0].decision.split(" (")[0] in view
    assert view.count("<td>fake</td>") == 2 and view.count("<td>template</td>") == 1


def test_trace_view_tolerates_any_json() -> None:
    odd = [{"id": 3, "facts": "x", "candidates": [{"text": None, "reports": [{"issues": [{"span": ["a", 1]}]}]}, 5],
            "route": [], "notes": "n", "failures": None}, "not a segment"]
    view = trace_view(odd)  # type: ignore[list-item]
    assert view.startswith('<section class="trace">') and "<code>3</code>" in view


def test_hostile_values_never_become_markup() -> None:
    report = engine().render({"name": HOSTILE, "food": "Thai"}, format="html")
    document = standalone_document(report.text, HOSTILE, trace_view(report.to_dict()["segments"]))
    body = document.split("</head>", 1)[1]
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert f"<title>{HOSTILE}</title>" not in document and "<title>&lt;script&gt;" in document


def test_standalone_document_is_complete_and_allows_no_script() -> None:
    document = standalone_document("<article>\n<p>Hi.</p>\n</article>\n", "Q3", lang="en_GB")
    assert document.startswith('<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">')
    assert "<title>Q3</title>" in document and "<style>" in document and "<p>Hi.</p>" in document
    assert "default-src 'none'" in document and "script-src" not in document
    assert document.rstrip().endswith("</html>") and 'class="trace"' not in document


def test_cli_standalone_and_explain(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"validators": {}, "document": {"title": "About {{ name }}"},
                                  "segments": [{"id": "intro", "template": "{{ name }} serves {{ food }}.",
                                                "facts": ["name", "food"]}]}), encoding="utf-8")
    record = tmp_path / "record.json"
    record.write_text(json.dumps({"name": HOSTILE, "food": "Thai"}), encoding="utf-8")
    plain = run_cli("render", str(config), str(record), "--format", "html", "--standalone")
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.startswith("<!DOCTYPE html>") and 'class="trace"' not in plain.stdout
    out = tmp_path / "report.html"
    explained = run_cli("render", str(config), str(record), "--format", "html", "--explain", "--out", str(out))
    assert explained.exit_code == 0, explained.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<section class="trace">' in html
    assert '<mark class="fact" title="food = Thai">Thai</mark>' in html
    assert "<script" not in html.split("</head>", 1)[1]
    wrong = run_cli("render", str(config), str(record), "--standalone")
    assert wrong.exit_code == 2 and "--format html" in wrong.stderr
