"""Readiness and limits of `hybridnlg serve`: warm-up before ready, 429 with Retry-After, 504, records per request,
413 on a real server while other requests go on, and a graceful shutdown that finishes the window in flight."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.serve_fixtures import GatedRealizer, gated_app, running, template_app

RECORD = {"name": "Ada", "price": 12}


async def _first_held_then(app: Any, second: dict[str, Any]) -> tuple[httpx.Response, httpx.Response]:
    """Sends a /render that the gated realizer holds, then `second` while it is held; opens the gate after."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client:
        first = asyncio.create_task(client.post("/render", json={"record": RECORD}))
        await asyncio.to_thread(GatedRealizer.entered.wait, 30)
        try:
            answer = await client.request(**second)
        finally:
            GatedRealizer.gate.set()
        return await first, answer


def test_a_request_over_the_concurrency_limit_gets_429_with_retry_after() -> None:
    GatedRealizer.reset()
    app = gated_app(max_concurrency=1, retry_after_s=3)
    held, refused = asyncio.run(_first_held_then(app, {"method": "POST", "url": "/render", "json": {"record": RECORD}}))
    assert refused.status_code == 429 and refused.headers["retry-after"] == "3"
    assert "--max-concurrency 1" in refused.json()["error"]["message"]
    assert held.status_code == 200 and held.json()["text"] == "Ada costs 12."
    GatedRealizer.reset()
    _, probe = asyncio.run(_first_held_then(app, {"method": "GET", "url": "/health"}))
    assert probe.status_code == 200  # probes are never held back


def test_a_request_past_its_time_limit_gets_504_and_the_service_goes_on() -> None:
    GatedRealizer.reset()
    app = gated_app(timeout_s=0.3)

    async def run() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client:
            late = await client.post("/render", json={"record": RECORD})  # the gate stays shut past the limit
            GatedRealizer.gate.set()
            return late, await client.post("/render", json={"record": RECORD})

    late, after = asyncio.run(run())
    assert late.status_code == 504 and "--timeout-s" in late.json()["error"]["message"]
    assert after.status_code == 200 and after.json()["text"] == "Ada costs 12."


def test_records_per_request_are_limited() -> None:
    with TestClient(template_app(max_records=3)) as client:
        assert client.post("/batch", json={"records": [RECORD] * 3}).status_code == 200
        over = client.post("/batch", json={"records": [RECORD] * 4})
        assert over.status_code == 413 and "at most 3 (hybridnlg serve --max-records)" in over.json()["error"]["message"]
        items = [{"record": RECORD, "text": "Ada costs 12."}] * 4
        assert client.post("/verify", json=items).status_code == 413


def test_ready_only_after_the_models_are_loaded() -> None:
    GatedRealizer.reset(open_load=False)
    GatedRealizer.gate.set()
    with TestClient(gated_app(warmup=True)) as client:
        assert client.get("/health/live").status_code == 200
        loading = client.get("/health/ready")
        assert loading.status_code == 503 and loading.json()["status"] == "loading" and loading.headers["retry-after"]
        assert client.get("/health").json()["ready"] is False
        GatedRealizer.load_gate.set()
        for _ in range(400):
            if (ready := client.get("/health/ready")).status_code == 200:
                break
            threading.Event().wait(0.025)
        assert ready.json()["status"] == "ready" and "realizer:gated" in ready.json()["load_seconds"]
        assert client.get("/health").json()["ready"] is True
        assert 'hybridnlg_model_load_seconds{kind="realizer",name="gated"}' in client.get("/metrics").text
        assert "hybridnlg_ready 1.0" in client.get("/metrics").text


def test_warm_up_renders_the_sample_record_and_reports_problems(tmp_path: Any) -> None:
    sample = tmp_path / "sample.json"
    sample.write_text(json.dumps({"name": "Ada"}))  # lacks the price: a problem, not a stop
    with TestClient(template_app(warmup=True, sample_record=str(sample))) as client:
        for _ in range(400):
            if (ready := client.get("/health/ready")).status_code == 200:
                break
            threading.Event().wait(0.025)
        body = ready.json()
        assert body["sample_record"] == str(sample) and body["warmup_seconds"] is not None
        assert client.post("/render", json={"record": RECORD}).status_code == 200


def test_an_oversized_body_is_413_on_a_real_server_while_a_small_request_succeeds() -> None:
    GatedRealizer.reset()
    with running(gated_app(max_body_bytes=100_000)) as (base, _):
        def small() -> tuple[int, Any]:
            request = urllib.request.Request(base + "/render", data=json.dumps({"record": RECORD}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())

        with ThreadPoolExecutor(2) as pool:
            held = pool.submit(small)
            assert GatedRealizer.entered.wait(30)  # a small request is being rendered...
            big = httpx.post(base + "/render", content=b'{"record": {"name": "' + b"x" * 5_000_000 + b'"}}',
                             headers={"content-type": "application/json"}, timeout=60)
            assert big.status_code == 413  # ...while the big one is refused
            GatedRealizer.gate.set()
            assert held.result(60) == (200, held.result()[1]) and held.result()[1]["text"] == "Ada costs 12."


def test_shutdown_finishes_the_window_in_flight() -> None:
    GatedRealizer.reset()
    answers: list[Any] = []
    with running(gated_app(), timeout_graceful_shutdown=30) as (base, server):
        thread = threading.Thread(target=lambda: answers.append(httpx.post(
            base + "/render", json={"record": RECORD}, timeout=60)))
        thread.start()
        assert GatedRealizer.entered.wait(30)
        server.should_exit = True  # what SIGTERM does: stop accepting, wait for the requests in flight
        threading.Timer(0.3, GatedRealizer.gate.set).start()
        thread.join(60)
    assert answers[0].status_code == 200 and answers[0].json()["text"] == "Ada costs 12."
