"""`hybridnlg serve` over real HTTP on loopback: render, batch, health, plugins, errors, concurrent gathering."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from hybridnlg import Engine
from hybridnlg.runtime.server import create_app
from tests.conftest import PACKS
from tests.serve_fixtures import running


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Any]]:
    engine = Engine.from_config(PACKS / "e2e" / "config.yaml")
    calls: list[int] = []
    gpt2 = engine.get_realizer("gpt2")
    real = gpt2.realize

    def spy(segments):
        calls.append(len(segments))
        return real(segments)

    gpt2.realize = spy  # type: ignore[method-assign]
    app = create_app(engine, wait_s=0.05)
    with running(app) as (base, _):
        yield base, {"app": app, "calls": calls}


def call(base: str, path: str, body: dict | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


RECORD = {"name": "The Eagle", "eatType": "pub", "food": "Chinese", "area": "riverside", "familyFriendly": "no"}


def test_health_plugins_openapi(server: tuple[str, Any]) -> None:
    base, _ = server
    status, health = call(base, "/health")
    assert status == 200 and health["status"] == "ok" and "gpt2" in health["realizers"]
    status, plugins = call(base, "/plugins")
    assert status == 200 and {"template", "gpt2", "spacy"} <= {p["name"] for p in plugins}
    status, schema = call(base, "/openapi.json")
    assert status == 200 and {"/render", "/batch", "/health", "/plugins"} <= set(schema["paths"])


def test_render_and_batch(server: tuple[str, Any]) -> None:
    base, _ = server
    status, body = call(base, "/render", {"record": RECORD, "format": "json"})
    assert status == 200 and body["text"].startswith("The Eagle") and body["segments"][0]["candidates"]
    status, body = call(base, "/batch", {"records": [RECORD, "oops", {**RECORD, "name": "Zizzi"}]})
    assert status == 200
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert "The Eagle" in results[0]["text"] and "Zizzi" in results[2]["text"]
    assert results[1]["error"]["type"] == "DataError"


def test_bad_input_is_422_with_the_cli_message(server: tuple[str, Any]) -> None:
    base, _ = server
    status, body = call(base, "/render", {"record": RECORD, "realizer": "gtp2"})
    assert status == 422 and "No realizer named 'gtp2'. Available:" in body["error"]["message"]
    status, body = call(base, "/render", {"record": "not an object"})
    assert status == 422
    status, body = call(base, "/render", {"record": RECORD, "colour": "red"})
    assert status == 422


@pytest.mark.slow
def test_concurrent_requests_share_gpt2_batches(server: tuple[str, Any]) -> None:
    base, state = server
    state["calls"].clear()
    names = [f"Place {i}" for i in range(32)]
    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(lambda n: call(base, "/render", {"record": {**RECORD, "name": n}}), names))
    assert all(status == 200 for status, _ in outcomes)
    assert all(name in body["text"] for name, (_, body) in zip(names, outcomes))
    assert sum(state["calls"]) == 32  # every request's GPT-2 segment was generated...
    assert len(state["calls"]) < 32 and max(state["calls"]) > 1  # ...in batches shared across requests
    assert any("concurrent request" in note for _, body in outcomes for note in body["notes"])


def _template_app(**options: Any) -> Any:
    from hybridnlg.testing import make_engine

    engine = make_engine({"validators": {}, "segments": [
        {"id": "a", "template": "{{ name }} costs {{ price }}.", "facts": ["name", "price"], "when": "price > 10"}]})
    return create_app(engine, wait_s=0.05, **options)


def test_a_body_over_the_limit_is_413_before_it_is_read() -> None:
    from fastapi.testclient import TestClient

    client = TestClient(_template_app(max_body_bytes=2_000))
    ok = client.post("/render", json={"record": {"name": "Ada", "price": 12}})
    assert ok.status_code == 200 and ok.json()["text"] == "Ada costs 12."
    big = client.post("/render", json={"record": {"name": "x" * 5_000, "price": 12}})
    assert big.status_code == 413 and "over 2,000 bytes" in big.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"record": {"name": "'
        for _ in range(10):
            yield b"y" * 1_000
        yield b'", "price": 12}}'

    streamed = client.post("/render", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_a_poisoned_request_gathered_with_good_ones_harms_none_of_them() -> None:
    import asyncio

    app = _template_app()
    gatherer = app.state.gatherer

    async def all_at_once() -> list[Any]:
        records = [{"name": f"n{i}", "price": "cheap" if i == 3 else 20 + i} for i in range(8)]
        return await asyncio.gather(*(gatherer.render(r) for r in records), return_exceptions=True)

    outcomes = asyncio.run(all_at_once())
    assert gatherer.stats.largest > 1  # they did share windows
    assert [o.text for i, o in enumerate(outcomes) if i != 3] == [f"N{i} costs {20 + i}." for i in range(8) if i != 3]
    assert "cannot evaluate `price > 10`: TypeError" in str(outcomes[3])


def test_gpt2_metrics_come_from_the_trace_and_the_models_are_warmed(server: tuple[str, Any]) -> None:
    base, _ = server
    for _ in range(1200):  # the fixture's server warms up in the background: GPT-2, spaCy, the pack's record.json
        status, ready = call(base, "/health/ready")
        if status == 200:
            break
        time.sleep(0.05)
    assert ready["status"] == "ready" and {"realizer:gpt2", "validator:spacy"} <= set(ready["load_seconds"])
    assert ready["sample_record"].endswith("record.json") and ready["problems"] == []
    assert call(base, "/render", {"record": RECORD})[0] == 200
    with urllib.request.urlopen(base + "/metrics", timeout=60) as response:
        text = response.read().decode()
    from prometheus_client.parser import text_string_to_metric_families

    found = {(s.name, tuple(sorted(s.labels.items()))): s.value
             for family in text_string_to_metric_families(text) for s in family.samples}
    assert found[("hybridnlg_generated_tokens_total", (("realizer", "gpt2"),))] > 0
    assert found[("hybridnlg_realizer_batch_segments_count", (("realizer", "gpt2"),))] >= 1
    assert found[("hybridnlg_window_generated_tokens_per_second_count", (("realizer", "gpt2"),))] >= 1
    assert found[("hybridnlg_model_load_seconds", (("kind", "validator"), ("name", "spacy")))] > 0
    assert ("hybridnlg_model_load_seconds", (("kind", "realizer"), ("name", "gpt2"))) in found  # the fixture loaded it
