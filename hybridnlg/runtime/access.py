"""The outermost middleware of `hybridnlg serve`: a request id (taken from X-Request-ID or made, always echoed),
request metrics by endpoint and status, and with `log_json` one JSON log line per request.

A log line holds the id, method, endpoint, status, milliseconds, which API key (by position) and what the handlers
put in `request.state.log` (record counts, an error type and its message masked by the request's redaction);
never a header, a body or a key."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .metrics import ServeMetrics

LOGGER = "hybridnlg.serve"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                                "level": record.levelname.lower(), "msg": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        return json.dumps(line, ensure_ascii=False, default=str)


def json_logger(stream: Any = None) -> logging.Logger:
    """The service's logger, writing JSON lines to `stream` (default: stderr); set up once per process."""
    logger = logging.getLogger(LOGGER)
    if not any(getattr(h, "hybridnlg_json", False) for h in logger.handlers):
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.hybridnlg_json = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


class RequestObserver:
    """ASGI middleware; `endpoint_of` maps a path to its metrics label (unknown paths share one label, so a scan of
    random URLs cannot grow the number of series)."""

    def __init__(self, app: Any, metrics: ServeMetrics, endpoint_of: Callable[[str], str],
                 logger: logging.Logger | None) -> None:
        self.app = app
        self.metrics = metrics
        self.endpoint_of = endpoint_of
        self.logger = logger

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["log"] = {}
        status = 500  # what the client sees when the app fails before answering
        started = time.perf_counter()

        async def tagged(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, tagged)
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - started
            endpoint = self.endpoint_of(scope["path"])
            self.metrics.observe_request(endpoint, scope["method"], status, seconds)
            if self.logger is not None:
                fields = {"request_id": request_id, "method": scope["method"], "endpoint": endpoint,
                          "status": status, "ms": round(seconds * 1000, 1)}
                if "api_key" in state:
                    fields["api_key"] = state["api_key"]
                fields.update(state.get("log") or {})
                self.logger.info("request", extra={"fields": fields})
