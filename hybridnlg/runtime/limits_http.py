"""Admission for the work endpoints of `hybridnlg serve`: a concurrency limit (429 + Retry-After) and a per-request
time limit (504). Requests to other paths (health, metrics, docs) are never held back by either."""

from __future__ import annotations

import asyncio
import json
from typing import Any

Scope = dict[str, Any]


async def send_error(send: Any, status: int, kind: str, message: str,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": {"type": kind, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class Admission:
    """ASGI middleware for `paths`: at most `max_in_flight` at once (the next gets 429 at once, so a burst never
    queues without bound), and each answered within `timeout_s` or given 504. A timed-out request stops waiting;
    the window it was gathered into still finishes for the other requests in it."""

    def __init__(self, app: Any, paths: tuple[str, ...], max_in_flight: int | None, timeout_s: float | None,
                 retry_after_s: int = 1) -> None:
        self.app = app
        self.paths = paths
        self.max_in_flight = max_in_flight
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if self.max_in_flight is not None and self.in_flight >= self.max_in_flight:
            await send_error(send, 429, "TooManyRequests",
                             f"{self.in_flight} requests are being served (hybridnlg serve --max-concurrency "
                             f"{self.max_in_flight}); retry after {self.retry_after_s} s",
                             [(b"retry-after", str(self.retry_after_s).encode())])
            return
        started = False

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        self.in_flight += 1
        try:
            async with asyncio.timeout(self.timeout_s) as deadline:
                await self.app(scope, receive, tracked)
        except TimeoutError:
            if not deadline.expired() or started:
                raise
            await send_error(send, 504, "Timeout", f"no answer within {self.timeout_s:g} s (hybridnlg serve "
                                                   "--timeout-s); send fewer records per request or retry later")
        finally:
            self.in_flight -= 1
