"""Monitoring of `hybridnlg serve`: Prometheus /metrics moves with the requests (taken from the reports' trace),
one registry per app, JSON log lines with a request id, and the example alert rules parse."""

from __future__ import annotations

import re
from typing import Any

import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from hybridnlg.runtime.metrics import ServeMetrics
from tests.conftest import ROOT
from tests.serve_fixtures import checked_app, log_lines, template_app

RECORD = {"name": "Ada", "price": 12}


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_move_with_the_requests_served() -> None:
    with TestClient(checked_app()) as client:
        before = samples(client)
        for _ in range(3):
            assert client.post("/render", json={"record": RECORD}).json()["text"] == "Ada costs 12."
        assert client.post("/batch", json={"records": [RECORD, "oops"]}).status_code == 200
        assert client.post("/render", json={"record": "not an object"}).status_code == 422
        client.get("/no/such/page")
        after = samples(client)
    assert value(before, "hybridnlg_http_requests_total", endpoint="/render", method="POST", status="200") == 0
    assert value(after, "hybridnlg_http_requests_total", endpoint="/render", method="POST", status="200") == 3
    assert value(after, "hybridnlg_http_requests_total", endpoint="/render", method="POST", status="422") == 1
    assert value(after, "hybridnlg_http_requests_total", endpoint="other", method="GET", status="404") == 1
    assert value(after, "hybridnlg_http_request_duration_seconds_count", endpoint="/render", status="200") == 3
    # from the trace: the fake realizer's text lacked the price, the validator said so, the template took over
    assert value(after, "hybridnlg_segments_total", realizer="template") == 4
    assert value(after, "hybridnlg_fallback_segments_total") == 4
    assert value(after, "hybridnlg_validator_rejections_total", validator="fake", code="missing_fact") == 4
    assert value(after, "hybridnlg_records_total", outcome="report") == 4
    assert value(after, "hybridnlg_records_total", outcome="error") == 1
    assert value(after, "hybridnlg_realizer_batch_segments_count", realizer="fake") == 4  # one per window
    assert value(after, "hybridnlg_queue_wait_seconds_count") == 3  # the /render requests
    assert value(after, "hybridnlg_window_requests_sum") == 5
    assert ("hybridnlg_model_load_seconds", (("kind", "validator"), ("name", "fake"))) in after
    assert value(after, "hybridnlg_flagged_segments_total") == 0 and value(after, "hybridnlg_dropped_segments_total") == 0


def test_each_app_has_its_own_registry() -> None:
    with TestClient(template_app()) as one, TestClient(template_app()) as two:
        one.post("/render", json={"record": RECORD})
        assert value(samples(one), "hybridnlg_segments_total", realizer="template") == 1
        assert value(samples(two), "hybridnlg_segments_total", realizer="template") == 0


def test_json_logs_have_one_line_per_request_with_its_id() -> None:
    with log_lines() as logs, TestClient(template_app(log_json=True)) as client:
        given = client.post("/render", json={"record": RECORD}, headers={"X-Request-ID": "order-42"})
        made = client.post("/render", json={"record": {"name": "Ada", "price": "cheap"}, "format": "html"},
                           headers={"X-Request-ID": "bad id with spaces"})
        client.get("/health")
    assert given.headers["x-request-id"] == "order-42"
    assert made.headers["x-request-id"] != "bad id with spaces" and len(made.headers["x-request-id"]) == 32
    lines = logs.parsed()
    assert [(line["endpoint"], line["status"]) for line in lines] == [("/render", 200), ("/render", 200),
                                                                      ("/health", 200)]
    first: dict[str, Any] = lines[0]
    assert first["request_id"] == "order-42" and first["msg"] == "request" and first["ms"] >= 0
    assert first["records"] == 1 and first["segments"] == 1 and "ts" in first
    assert lines[1]["request_id"] == made.headers["x-request-id"]


def test_logs_are_off_unless_asked_for() -> None:
    with log_lines() as logs, TestClient(template_app()) as client:
        client.post("/render", json={"record": RECORD})
    assert logs.lines == []


def test_the_example_alert_rules_parse() -> None:
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus-alerts.yml").read_text())
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert {"HybridNLGFallbackShareHigh", "HybridNLGLatencyP95High"} <= set(alerts)
    assert alerts["HybridNLGFallbackShareHigh"]["for"] == "10m"
    exported = {family.name + suffix for family in ServeMetrics().registry.collect()
                for suffix in ("", "_total", "_bucket", "_count", "_sum")}
    for rule in alerts.values():  # every metric an alert names is one the service exports
        names = set(re.findall(r"hybridnlg_[a-z_]+", rule["expr"]))
        assert names and names <= exported, names - exported
