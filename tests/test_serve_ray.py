"""`hybridnlg serve --engine ray`: the Ray Serve deployment answers the same bytes as the plain server, keys included."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from hybridnlg import Engine
from hybridnlg.runtime.server import create_app
from tests.conftest import PACKS, ROOT
from tests.serve_fixtures import KEY_A, free_port

pytest.importorskip("ray.serve")

BUSINESS = PACKS / "business" / "config.yaml"


@pytest.mark.slow
def test_ray_serve_answers_the_same_bytes_as_the_plain_server() -> None:
    record = json.loads((PACKS / "business" / "record.json").read_text())
    requests = [("/render", {"record": record, "format": "html", "trace": True}),
                ("/batch", {"records": [record, "oops"]}), ("/render", {"record": record, "realizer": "gtp2"})]
    auth = {"Authorization": f"Bearer {KEY_A}"}
    with TestClient(create_app(Engine.from_config(BUSINESS), api_keys=(KEY_A,))) as plain:
        expected = [plain.post(path, json=body, headers=auth) for path, body in requests]
    port = free_port()
    # a real `hybridnlg serve` in its own session, so its local Ray ends with it
    process = subprocess.Popen(
        [sys.executable, "-m", "hybridnlg.cli", "serve", str(BUSINESS), "--engine", "ray", "--port", str(port),
         "--num-cpus", "0.5", "--max-replicas", "1"], cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env={**os.environ, "HYBRIDNLG_API_KEYS": KEY_A})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/health/ready", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.2)
        assert httpx.post(base + "/render", json=requests[0][1], timeout=60).status_code == 401
        for (path, body), want in zip(requests, expected):
            got = httpx.post(base + path, json=body, headers=auth, timeout=60)
            assert (got.status_code, got.content) == (want.status_code, want.content), path
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the CLI shuts Serve and its local Ray down
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
