"""Gathering concurrent render requests into shared windows, so their GPT-2 segments share batches."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import Engine
    from ..pipeline.report import Report


@dataclass
class _Request:
    record: Any
    format: str | None
    realizer: str | None
    redact: tuple[str, ...]
    future: asyncio.Future[Report | Exception]
    queued: float = field(default_factory=time.perf_counter)


@dataclass
class GatherStats:
    windows: int = 0
    records: int = 0
    largest: int = 0
    sizes: Counter[int] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"windows": self.windows, "records": self.records, "largest_window": self.largest,
                "window_sizes": {str(k): v for k, v in sorted(self.sizes.items())}}


# what a rendered window reports to its observer: outcomes, wall seconds, each request's wait before the window ran
WindowObserver = Callable[[Sequence["Report | Exception"], float, Sequence[float]], None]


class Gatherer:
    """Waits up to `wait_s` after the first request for others, then renders them all in one pipeline run."""

    def __init__(self, engine: Engine, wait_s: float = 0.01, max_window: int = 64,
                 on_window: WindowObserver | None = None) -> None:
        self.engine = engine
        self.wait_s = wait_s
        self.max_window = max_window
        self.on_window = on_window
        self.stats = GatherStats()
        self._queue: asyncio.Queue[_Request] | None = None
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    async def render(self, record: Any, format: str | None = None, realizer: str | None = None,
                     redact: Sequence[str] = ()) -> Report:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._task is None or self._task.get_loop() is not loop or self._task.done():
            # a new event loop (a test client without its context, a restarted server): the old task is gone with it
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._loop())
        future: asyncio.Future[Report | Exception] = loop.create_future()
        await self._queue.put(_Request(record, format, realizer, tuple(redact), future))
        outcome = await future
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def drain(self, timeout_s: float) -> None:
        """At shutdown: let queued requests and the window being rendered finish (up to `timeout_s`), then stop."""
        deadline = time.monotonic() + timeout_s
        while self._queue is not None and (self._busy or not self._queue.empty()) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._task is not None:
            self._task.cancel()

    async def _loop(self) -> None:
        assert self._queue is not None
        while True:
            window = [await self._queue.get()]
            self._busy = True
            deadline = asyncio.get_running_loop().time() + self.wait_s
            while len(window) < self.max_window:
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    window.append(await asyncio.wait_for(self._queue.get(), timeout))
                except TimeoutError:
                    break
            try:
                await self._run(window)
            finally:
                self._busy = False

    async def _run(self, window: list[_Request]) -> None:
        began = time.perf_counter()
        groups: dict[tuple[str | None, str | None, tuple[str, ...]], list[_Request]] = {}
        for request in window:
            groups.setdefault((request.format, request.realizer, request.redact), []).append(request)
        self.stats.windows += 1
        self.stats.records += len(window)
        self.stats.largest = max(self.stats.largest, len(window))
        self.stats.sizes[len(window)] += 1
        for (fmt, realizer, redact), requests in groups.items():
            rows = list(enumerate(r.record for r in requests))
            outcomes: Sequence[Report | Exception]
            started = time.perf_counter()
            try:
                outcomes = await asyncio.to_thread(self.engine.run_window, rows, format=fmt, realizer=realizer,
                                                   redact=redact)
            except Exception as exc:  # noqa: BLE001 - each waiting request gets the failure, the loop goes on
                outcomes = [exc] * len(requests)
            if self.on_window is not None:
                try:
                    self.on_window(outcomes, time.perf_counter() - started, [began - r.queued for r in requests])
                except Exception:  # noqa: BLE001 - an observer (metrics) never fails the requests
                    pass
            for request, outcome in zip(requests, outcomes, strict=True):  # one outcome per record, in order
                if not isinstance(outcome, Exception):
                    outcome.record_index = 0
                    if len(requests) > 1:
                        outcome.notes.append(f"rendered together with {len(requests) - 1} concurrent request(s)")
                if not request.future.done():
                    request.future.set_result(outcome)
