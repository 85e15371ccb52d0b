"""Shared pieces of the serve tests: a realizer and a validator that wait on events, template-pack apps, and a real
uvicorn server on loopback."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import uvicorn

from hybridnlg.runtime.access import LOGGER, JsonFormatter
from hybridnlg.runtime.server import create_app
from hybridnlg.testing import FakeRealizer, FakeValidator, make_engine, plugin_of

KEY_A = "key-a-0123456789abcdef"
KEY_B = "key-b-fedcba9876543210"
PRICE_SEGMENT = {"id": "a", "template": "{{ name }} costs {{ price }}.", "facts": ["name", "price"]}


class GatedRealizer(FakeRealizer):
    """The fake realizer, holding each realize() call (and its load()) until the test opens the gate."""

    name = "gated"
    entered: ClassVar[threading.Event] = threading.Event()
    gate: ClassVar[threading.Event] = threading.Event()
    load_gate: ClassVar[threading.Event] = threading.Event()

    def load(self) -> None:
        GatedRealizer.load_gate.wait(30)

    def realize(self, segments: Any) -> Any:
        GatedRealizer.entered.set()
        GatedRealizer.gate.wait(30)
        return super().realize(segments)

    @classmethod
    def reset(cls, open_load: bool = True) -> None:
        cls.entered.clear()
        cls.gate.clear()
        cls.load_gate.clear()
        if open_load:
            cls.load_gate.set()


def template_app(segment: dict[str, Any] | None = None, config: dict[str, Any] | None = None,
                 plugins: tuple[object, ...] = (), **options: Any) -> Any:
    engine = make_engine({"validators": {}, "segments": [segment or PRICE_SEGMENT], **(config or {})}, *plugins)
    return create_app(engine, **{"wait_s": 0.0, "warmup": False, **options})


def gated_app(**options: Any) -> Any:
    """A segment for the gated realizer, template as its fallback."""
    segment = {**PRICE_SEGMENT, "realizer": "gated", "fallback": ["template"]}
    config = {"realizers": {"gated": {"texts": ["{name} costs {price}."]}}}
    return template_app(segment, config, (plugin_of(GatedRealizer),), **options)


def checked_app(**options: Any) -> Any:
    """The fake realizer writes a text without the price, the fake validator rejects it (missing_fact), the
    template text is published: one fallback, one rejection per request."""
    segment = {**PRICE_SEGMENT, "realizer": "fake", "fallback": ["template"]}
    config = {"realizers": {"fake": {"texts": ["{name} is here."]}}, "validators": {"fake": {}}}
    engine = make_engine({"segments": [segment], **config}, plugin_of(FakeRealizer, FakeValidator))
    return create_app(engine, **{"wait_s": 0.0, **options})


class LogLines(logging.Handler):
    """Collects the service's JSON log lines as dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def parsed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


@contextmanager
def log_lines() -> Iterator[LogLines]:
    handler = LogLines()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: Any, **config: Any) -> Iterator[tuple[str, uvicorn.Server]]:
    """The app on a real uvicorn server on loopback, in a thread; stopped (gracefully) on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout=30)

