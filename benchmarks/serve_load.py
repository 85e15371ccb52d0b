"""A bounded local load test of `hybridnlg serve` (asyncio + httpx against 127.0.0.1).

    python benchmarks/serve_load.py                 # plain server: template-only and hybrid, 1/8/32 clients, +-auth
    python benchmarks/serve_load.py --mode ray      # Ray Serve: replicas scale up under load and back down after
    python benchmarks/serve_load.py --mode both --json benchmarks/out/serve_load.json

Plain mode starts `hybridnlg serve templates/e2e/config.yaml` twice in a subprocess (without keys, then with
$HYBRIDNLG_API_KEYS set) and sends E2E records: `"realizer": "template"` (template-only, spaCy-validated) and the
pack's own routing (hybrid: GPT-2 e2e-small beam 4 plus the template, spaCy validation). Each cell sends a fixed
number of requests from N concurrent clients and reports p50/p95 client-side latency and requests per second.
During the 32-client hybrid cell one 2 MB body is sent too and the time to its 413 is reported.

Ray mode deploys the business pack on a local Ray (2 CPUs, replicas of 0.5 CPU, 1..3 replicas, target 2 requests
in flight per replica, 2 s up / 8 s down delays) and prints a timeline: idle, 24 s of 16 clients, idle until the
deployment is back at one replica (at most 60 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "templates" / "e2e"
KEY = "bench-key-0123456789abcdef"
CELLS = {"template-only": {1: 16, 8: 64, 32: 128}, "hybrid": {1: 8, 8: 32, 32: 64}}  # clients -> requests sent


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _records() -> list[dict[str, Any]]:
    base = [json.loads(line) for line in (E2E / "records.jsonl").read_text().splitlines() if line.strip()]
    return [{**base[i % len(base)], "name": f"The Place {i}"} for i in range(256)]


async def _wait_ready(base: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(base + "/health/ready", timeout=5)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{base} not ready within {timeout_s} s")


async def _cell(base: str, clients: int, total: int, realizer: str | None, headers: dict[str, str],
                oversized: bool = False) -> dict[str, Any]:
    records = _records()
    latencies: list[float] = []
    errors = 0
    sent = 0
    refused_s: float | None = None

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent, errors
        while sent < total:
            body: dict[str, Any] = {"record": records[sent % len(records)]}
            sent += 1
            if realizer:
                body["realizer"] = realizer
            started = time.perf_counter()
            answer = await client.post(base + "/render", json=body, headers=headers, timeout=120)
            latencies.append(time.perf_counter() - started)
            errors += answer.status_code != 200

    async def big(client: httpx.AsyncClient) -> None:
        nonlocal refused_s
        await asyncio.sleep(0.5)  # the load is running
        started = time.perf_counter()
        answer = await client.post(base + "/render", content=b'{"record": {"name": "' + b"x" * 2_000_000 + b'"}}',
                                   headers={**headers, "content-type": "application/json"}, timeout=120)
        refused_s = time.perf_counter() - started if answer.status_code == 413 else None

    limits = httpx.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1)
    async with httpx.AsyncClient(limits=limits) as client:
        started = time.perf_counter()
        jobs = [worker(client) for _ in range(clients)] + ([big(client)] if oversized else [])
        await asyncio.gather(*jobs)
        wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"clients": clients, "requests": len(latencies), "errors": errors,
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1),
            "rps": round(len(latencies) / wall, 1), "oversized_413_s": refused_s}


async def _plain(auth: bool) -> list[dict[str, Any]]:
    port = _port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("HYBRIDNLG_API_KEYS", None)
    if auth:
        env["HYBRIDNLG_API_KEYS"] = KEY
    process = subprocess.Popen([sys.executable, "-m", "hybridnlg.cli", "serve", str(E2E / "config.yaml"), "--port",
                                str(port), "--max-body-bytes", "1000000"], cwd=ROOT, env=env,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {KEY}"} if auth else {}
    rows = []
    try:
        await _wait_ready(base)
        await _cell(base, 4, 8, None, headers)  # first-call costs beyond warm-up
        for kind, realizer in (("template-only", "template"), ("hybrid", None)):
            for clients, total in CELLS[kind].items():
                row = await _cell(base, clients, total, realizer, headers, oversized=realizer is None and clients == 32)
                rows.append({"run": kind, "auth": auth, **row})
                print(json.dumps(rows[-1]), flush=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    return rows


def _replicas() -> dict[str, int]:
    from hybridnlg.runtime.ray_serve import replica_states

    try:
        return replica_states()
    except Exception:  # noqa: BLE001 - the controller is busy; the next second asks again
        return {}


async def _ray_timeline(load_s: float = 24, clients: int = 16, settle_s: float = 60) -> list[dict[str, Any]]:
    import ray
    from ray import serve

    from hybridnlg.runtime.ray_serve import RayScaling, deploy
    from hybridnlg.runtime.settings import ServeSettings

    port = _port()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    scaling = RayScaling(min_replicas=1, max_replicas=3, target_ongoing_requests=2, num_cpus=0.5,
                         upscale_delay_s=2, downscale_delay_s=8)
    business = ROOT / "templates" / "business"
    deploy(str(business / "config.yaml"), ServeSettings(), scaling, port=port)
    base = f"http://127.0.0.1:{port}"
    await _wait_ready(base)
    record = json.loads((business / "record.json").read_text())
    done: list[tuple[float, float]] = []  # (finished at, latency)
    stop = asyncio.Event()
    began = time.perf_counter()

    async def worker(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            answer = await client.post(base + "/render", json={"record": record}, timeout=120)
            if answer.status_code == 200:
                done.append((time.perf_counter() - began, time.perf_counter() - started))

    timeline: list[dict[str, Any]] = []

    async def sample(phase: str) -> None:
        now = time.perf_counter() - began
        recent = [lat for at, lat in done if now - 1 <= at < now]
        timeline.append({"t_s": round(now), "phase": phase, "replicas": await asyncio.to_thread(_replicas),
                         "requests_last_s": len(recent),
                         "p50_ms": round(statistics.median(recent) * 1000) if recent else None})
        print(json.dumps(timeline[-1]), flush=True)

    try:
        for _ in range(5):
            await sample("idle")
            await asyncio.sleep(1)
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients)) as client:
            workers = [asyncio.create_task(worker(client)) for _ in range(clients)]
            while time.perf_counter() - began < 5 + load_s:
                await sample(f"load, {clients} clients")
                await asyncio.sleep(1)
            stop.set()
            await asyncio.gather(*workers)
        settled = time.perf_counter()
        while time.perf_counter() - settled < settle_s:
            await sample("idle")
            if timeline[-1]["replicas"] == {"RUNNING": 1} and time.perf_counter() - settled > 10:
                break
            await asyncio.sleep(1)
    finally:
        serve.shutdown()  # type: ignore[no-untyped-call]
        ray.shutdown()
    return timeline


def _table(rows: list[dict[str, Any]]) -> str:
    lines = ["| run | auth | clients | requests | p50 ms | p95 ms | requests/s | errors |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['run']} | {'Bearer key' if r['auth'] else 'none'} | {r['clients']} | {r['requests']} | "
                     f"{r['p50_ms']} | {r['p95_ms']} | {r['rps']} | {r['errors']} |")
    return "\n".join(lines)


def _timeline(rows: list[dict[str, Any]]) -> str:
    lines = ["| t (s) | phase | replicas | requests in the last second | p50 ms |", "|---|---|---|---|---|"]
    last = None
    for r in rows:
        state = ", ".join(f"{n} {s.lower()}" for s, n in sorted(r["replicas"].items())) or "?"
        if (state, r["phase"]) != last or r["requests_last_s"]:
            lines.append(f"| {r['t_s']} | {r['phase']} | {state} | {r['requests_last_s']} | {r['p50_ms'] or '-'} |")
        last = (state, r["phase"])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["plain", "ray", "both"], default="plain")
    parser.add_argument("--json", help="Write the rows here.")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    if args.mode in ("plain", "both"):
        rows = asyncio.run(_plain(False)) + asyncio.run(_plain(True))
        result["plain"] = rows
        print(_table(rows))
        oversized = [r["oversized_413_s"] for r in rows if r["oversized_413_s"] is not None]
        print(f"2 MB body during the 32-client hybrid load: 413 after {', '.join(f'{s:.3f}' for s in oversized)} s")
    if args.mode in ("ray", "both"):
        result["ray"] = asyncio.run(_ray_timeline())
        print(_timeline(result["ray"]))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
