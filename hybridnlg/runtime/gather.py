"""Gathering concurrent render requests into shared windows, so their GPT-2 segments share batches."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
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
    future: asyncio.Future[Report | Exception]


@dataclass
class GatherStats:
    windows: int = 0
    records: int = 0
    largest: int = 0
    sizes: Counter[int] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"windows": self.windows, "records": self.records, "largest_window": self.largest,
                "window_sizes": {str(k): v for k, v in sorted(self.sizes.items())}}


class Gatherer:
    """Waits up to `wait_s` after the first request for others, then renders them all in one pipeline run."""

    def __init__(self, engine: Engine, wait_s: float = 0.01, max_window: int = 64) -> None:
        self.engine = engine
        self.wait_s = wait_s
        self.max_window = max_window
        self.stats = GatherStats()
        self._queue: asyncio.Queue[_Request] | None = None
        self._task: asyncio.Task[None] | None = None

    async def render(self, record: Any, format: str | None = None, realizer: str | None = None) -> Report:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._loop())
        future: asyncio.Future[Report | Exception] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Request(record, format, realizer, future))
        outcome = await future
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _loop(self) -> None:
        assert self._queue is not None
        while True:
            window = [await self._queue.get()]
            deadline = asyncio.get_running_loop().time() + self.wait_s
            while len(window) < self.max_window:
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    window.append(await asyncio.wait_for(self._queue.get(), timeout))
                except TimeoutError:
                    break
            await self._run(window)

    async def _run(self, window: list[_Request]) -> None:
        groups: dict[tuple[str | None, str | None], list[_Request]] = {}
        for request in window:
            groups.setdefault((request.format, request.realizer), []).append(request)
        self.stats.windows += 1
        self.stats.records += len(window)
        self.stats.largest = max(self.stats.largest, len(window))
        self.stats.sizes[len(window)] += 1
        for (fmt, realizer), requests in groups.items():
            rows = list(enumerate(r.record for r in requests))
            outcomes: Sequence[Report | Exception]
            try:
                outcomes = await asyncio.to_thread(self.engine.run_window, rows, format=fmt, realizer=realizer)
            except Exception as exc:  # noqa: BLE001 - each waiting request gets the failure, the loop goes on
                outcomes = [exc] * len(requests)
            for request, outcome in zip(requests, outcomes, strict=True):  # one outcome per record, in order
                if not isinstance(outcome, Exception):
                    outcome.record_index = 0
                    if len(requests) > 1:
                        outcome.notes.append(f"rendered together with {len(requests) - 1} concurrent request(s)")
                if not request.future.done():
                    request.future.set_result(outcome)
