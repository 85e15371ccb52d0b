"""The WebNLG pack: records exactly as WebNLG gives them (raw DBpedia strings), rendered and verified offline."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hybridnlg import DataError, Engine, RealizationError, TemplateError
from tests.conftest import PACKS

CONFIG = PACKS / "webnlg" / "config.yaml"
RECORD = json.loads((PACKS / "webnlg" / "record.json").read_text())


def spacy_only() -> Engine:
    pytest.importorskip("spacy")
    import yaml

    config = yaml.safe_load(CONFIG.read_text())
    config["segments"][0]["realizer"] = "template"
    return Engine.from_config({**config, "validators": {"spacy": config["validators"]["spacy"]}},
                              config_dir=CONFIG.parent, entrypoints=False)


def test_raw_dbpedia_strings_are_written_as_text() -> None:
    report = spacy_only().render(RECORD)
    assert report.text == "Aarhus Airport serves the city of Aarhus, Denmark and has a runway length of 2702.0."
    assert not any(result.flagged for result in report.segments)


@pytest.mark.parametrize(("text", "passed", "status"), [
    ("Aarhus Airport serves Aarhus, Denmark, and has a runway length of 2702.0.", True, "expressed"),
    ("Aarhus Airport serves Copenhagen and has a runway length of 2702.0.", False, "missing"),
])
def test_verify_reads_relations(text: str, passed: bool, status: str) -> None:
    report = spacy_only().verify(RECORD, text)
    assert report.passed is passed
    assert report.facts["triples"].status == status


@pytest.mark.parametrize("triples", [[{"subject": "A"}], "not a list", [{"subject": "A", "predicate": "p"}]])
def test_malformed_triples_are_a_clear_error(triples: Any) -> None:
    with pytest.raises((DataError, TemplateError), match="triple"):
        spacy_only().render({"triples": triples})


def test_the_pack_uses_the_shipped_webnlg_checker() -> None:
    pytest.importorskip("transformers")
    engine = Engine.from_config(CONFIG, entrypoints=False)
    assert engine.check() == []
    report = engine.verify(RECORD, "Aarhus Airport serves Aarhus, Denmark, and has a runway length of 2702.0.")
    assert "fidelity" in report.validators


@pytest.mark.parametrize("record", [{"triples": []}, {}])
def test_an_empty_triple_list_is_left_out_and_strict_makes_it_an_error(record: dict[str, Any]) -> None:
    engine = spacy_only()
    report = engine.render(record)
    assert report.text == "" and report.left_out == ["entry (none of triples)"]
    with pytest.raises(RealizationError, match=r"strict.*none of triples"):
        engine.render(record, strict=True)
