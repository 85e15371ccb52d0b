"""Data masking: `redact` fields never appear in traces, notes, error answers or log lines; the text still says them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from hybridnlg.redact import MASK, Redactor, redacted_values
from tests.conftest import RunCli
from tests.serve_fixtures import log_lines, template_app

SEGMENT = {"id": "a", "template": "{{ name }} ({{ email }}) owes {{ amount }}.", "facts": ["name", "email", "amount"]}
RECORD = {"name": "Ada Lovelace", "email": "ada@example.org", "amount": 12345}


def test_values_are_found_by_key_at_any_depth_or_by_path() -> None:
    record = {"customer": {"email": "a@x.org", "name": "Ada"}, "rows": [{"email": "b@y.org"}], "name": "Shop"}
    assert set(redacted_values(record, ["email"])) == {"a@x.org", "b@y.org"}
    assert redacted_values(record, ["customer.name"]) == ["Ada"]
    assert redacted_values(record, ["customer.missing", "rows[3].email"]) == []
    assert set(redacted_values({"n": 12345, "f": 2.5, "b": True}, ["n", "f", "b"])) == {"12345", "12,345", "2.5"}


def test_the_mask_takes_whole_words_only() -> None:
    redactor = Redactor(["no", "Ada Lovelace"])
    assert redactor.text("No, ADA LOVELACE lives north.") == f"{MASK}, {MASK} lives north."
    assert redactor.data({"facts": {"x": "no"}, "n": [1, "ada lovelace"]}) == {"facts": {"x": MASK}, "n": [1, MASK]}
    assert Redactor([]).text("no") == "no"


def _without_text(answer: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in answer.items() if k != "text"}).lower()


def test_served_traces_logs_and_metrics_never_hold_a_redacted_value() -> None:
    app = template_app(SEGMENT, {"redact": ["email"]}, log_json=True)
    with log_lines() as logs, TestClient(app) as client:
        answer = client.post("/render", json={"record": RECORD, "trace": True, "redact": ["name", "amount"]}).json()
        batch = client.post("/batch", json={"records": [RECORD, {"name": "Ada Lovelace"}], "trace": True,
                                            "redact": ["name"]}).json()["results"]
        metrics = client.get("/metrics").text
    assert answer["text"] == "Ada Lovelace (ada@example.org) owes 12345."  # the document still says them
    trace = _without_text(answer)
    assert answer["segments"][0]["facts"] == {"name": MASK, "email": MASK, "amount": MASK}
    for secret in ("ada lovelace", "ada@example.org", "12345"):
        assert secret not in trace, secret
        assert secret not in "".join(logs.lines).lower() and secret not in metrics.lower()
    assert "Ada Lovelace" in batch[0]["text"] and "ada lovelace" not in _without_text(batch[0])
    assert "error" in batch[1] and "ada lovelace" not in json.dumps(batch[1]).lower()  # its error masked too


def test_an_error_answer_and_its_log_line_are_masked() -> None:
    segment = {"id": "a", "template": "{{ name }} owes {{ amount | number }}.", "facts": ["name", "amount"]}
    record = {"name": "Ada", "amount": "secret-sum-77"}
    with TestClient(template_app(segment)) as client:  # without redact the message quotes the value
        assert "secret-sum-77" in client.post("/render", json={"record": record}).json()["error"]["message"]
    with log_lines() as logs, TestClient(template_app(segment, {"redact": ["amount"]}, log_json=True)) as client:
        answer = client.post("/render", json={"record": record})
    assert answer.status_code == 422 and f"got str '{MASK}'" in answer.json()["error"]["message"]
    assert "secret-sum-77" not in answer.text and "secret-sum-77" not in "".join(logs.lines)
    assert logs.parsed()[0]["error"] == "TemplateError" and MASK in logs.parsed()[0]["message"]


def test_render_json_masks_the_trace_from_the_config(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"segments": [SEGMENT], "redact": ["email", "name"]}))
    (tmp_path / "record.json").write_text(json.dumps(RECORD))
    done = run_cli("render", str(tmp_path / "config.yaml"), str(tmp_path / "record.json"), "--format", "json")
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["text"] == "Ada Lovelace (ada@example.org) owes 12345."
    assert "ada@example.org" not in _without_text(report) and "ada lovelace" not in _without_text(report)
    assert report["segments"][0]["facts"]["amount"] == 12345  # not named: kept
