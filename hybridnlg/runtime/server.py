"""`hybridnlg serve`: an HTTP API (FastAPI) over one shared engine, for report generators not written in Python."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from .. import __version__
from ..config import OutputFormat
from ..engine import Engine
from ..errors import DataError, HybridNLGError
from ..pipeline.report import Report, error_record
from ..redact import Redactor
from ..verify import NoValidatorError, json_type, parse_pair, verify_lines, verify_window
from .access import RequestObserver, json_logger
from .auth import BearerAuth
from .gather import Gatherer
from .limits import BodyLimit
from .limits_http import Admission
from .metrics import CONTENT_TYPE, ServeMetrics
from .playground import router as playground_router
from .settings import WORK_PATHS, ServeSettings
from .warmup import Readiness, default_sample, warm_up

REDACT_FIELD: Any = Field(default_factory=list, description="Record fields masked in the trace, notes and logs of this "
                                                       "request, beside the config's `redact` and the server's.")


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: dict[str, Any]
    format: OutputFormat | None = None
    realizer: str | None = Field(None, description="Force every segment to this realizer.")
    trace: bool = Field(False, description="Include the per-segment trace.")
    redact: list[str] = REDACT_FIELD


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[Any]
    format: OutputFormat | None = None
    realizer: str | None = None
    trace: bool = False
    redact: list[str] = REDACT_FIELD


_VERIFY_ITEM: dict[str, Any] = {"type": "object", "required": ["record", "text"], "additionalProperties": False,
                                "properties": {"record": {"type": "object"}, "text": {"type": "string"}}}
VERIFY_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [_VERIFY_ITEM, {"type": "array", "items": _VERIFY_ITEM}]}}}}}


class TooManyRecords(HybridNLGError):
    """More records or items in one request than `--max-records` allows (answered 413)."""


def _too_many(count: int, limit: int) -> TooManyRecords:
    return TooManyRecords(f"{count:,} records in one request; send at most {limit:,} "
                          "(hybridnlg serve --max-records), or split them over several requests")


def _masked(redactor: Redactor | None, data: Any, keep: Sequence[str] = ("text", "title")) -> Any:
    """The answer with redacted values masked everywhere but the document itself."""
    if redactor is None:
        return data
    if isinstance(data, dict):
        return {k: v if k in keep else redactor.data(v) for k, v in data.items()}
    return redactor.data(data)


async def _verify(engine: Engine, raw: bytes, settings: ServeSettings) -> Any:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise DataError(f"the body is not JSON: {exc}") from None
    fields = [*engine.config.redact, *settings.redact]
    if isinstance(body, list):
        if len(body) > settings.max_records:
            raise _too_many(len(body), settings.max_records)
        rows = list(enumerate(body))
        outputs = await asyncio.to_thread(lambda: list(verify_lines(engine, rows, where=lambda i: f"item {i}")))
        return [_masked(Redactor.for_record(item.get("record") if isinstance(item, dict) else None, fields), out)
                for item, out in zip(body, outputs, strict=True)]
    if not isinstance(body, dict):
        raise DataError(f'the body must be {{"record": {{...}}, "text": "..."}} or a list of them, '
                        f"got {json_type(body)}")
    pair = parse_pair(body, "body")
    if isinstance(pair, Exception):
        raise pair
    outcome = (await asyncio.to_thread(verify_window, engine, [(0, *pair)]))[0]
    if isinstance(outcome, Exception):
        raise outcome
    return _masked(Redactor.for_record(pair[0], fields), outcome.to_output())


def _settings(settings: ServeSettings | None, options: dict[str, Any]) -> ServeSettings:
    if settings is None:
        return ServeSettings(**options)
    return settings.model_copy(update=options) if options else settings


@dataclass
class Service:
    """What the routes share: one engine, its gatherer, the settings, the metrics and the readiness."""

    engine: Engine
    settings: ServeSettings
    metrics: ServeMetrics
    gatherer: Gatherer
    readiness: Readiness

    def redactor(self, record: Any, fields: Sequence[str]) -> Redactor | None:
        return Redactor.for_record(record, [*self.engine.config.redact, *fields])

    def mark_ready(self) -> None:
        for part, seconds in self.readiness.load_seconds.items():
            kind, _, name = part.partition(":")
            self.metrics.load_seconds.labels(kind, name).set(seconds)
        if self.readiness.warmup_seconds is not None:
            self.metrics.warmup_seconds.set(self.readiness.warmup_seconds)
        self.metrics.ready.set(1)


def _lifespan(service: Service, warmed: bool) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task: asyncio.Task[Readiness] | None = None
        if warmed:
            service.mark_ready()
        elif service.settings.warmup:
            sample = default_sample(service.engine, service.settings.sample_record)
            task = asyncio.create_task(asyncio.to_thread(warm_up, service.engine, sample, service.readiness))
            task.add_done_callback(lambda t: None if t.cancelled() or t.exception() else service.mark_ready())
        else:
            service.readiness.state = "ready"
            service.mark_ready()
        yield
        await service.gatherer.drain(service.settings.drain_s)  # uvicorn has already waited for in-flight requests
        if task is not None:
            task.cancel()

    return lifespan


def create_app(engine: Engine, settings: ServeSettings | None = None, *, warmed: Readiness | None = None,
               **options: Any) -> FastAPI:
    """The service over one shared engine. `settings` (or its fields as keywords: `wait_s=0.05`) says how it is
    limited, protected and observed; `warmed` is a warm-up already done (Ray Serve replicas warm up before they
    take traffic), otherwise it runs in the background at startup and /health/ready answers 503 until it ends."""
    settings = _settings(settings, options)
    metrics = ServeMetrics()
    gatherer = Gatherer(engine, wait_s=settings.wait_s, max_window=settings.max_window,
                        on_window=metrics.observe_window)
    service = Service(engine, settings, metrics, gatherer, warmed or Readiness())
    app = FastAPI(title="hybridnlg", version=__version__, lifespan=_lifespan(service, warmed is not None),
                  description="Hybrid data-to-text generation: templates, GPT-2 and a fact-checking validator.")
    app.state.engine, app.state.gatherer, app.state.service = engine, gatherer, service
    _work_routes(app, service)
    _info_routes(app, service)
    app.include_router(playground_router)
    known = {str(getattr(route, "path", "")) for route in app.routes}
    # Starlette runs the last added middleware first: observe, then authenticate, then size, then admit.
    app.add_middleware(Admission, paths=WORK_PATHS, max_in_flight=settings.max_concurrency,
                       timeout_s=settings.timeout_s, retry_after_s=settings.retry_after_s)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # the playground page itself holds no data (its calls carry the key the user types), so it stays open
    open_paths = (("/",) + (() if settings.protect_health else ("/health",))
                  + (() if settings.protect_metrics else ("/metrics",)))
    app.add_middleware(BearerAuth, keys=settings.keys(), open_paths=open_paths)
    app.add_middleware(RequestObserver, metrics=metrics, endpoint_of=lambda path: path if path in known else "other",
                       logger=json_logger() if settings.log_json else None)
    return app


def _work_routes(app: FastAPI, service: Service) -> None:
    engine, settings, gatherer = service.engine, service.settings, service.gatherer

    @app.exception_handler(HybridNLGError)
    async def bad_input(request: Request, exc: HybridNLGError) -> JSONResponse:
        # every HybridNLGError is about the request's data or the config, never a server fault
        request.state.log.update(error=type(exc).__name__)
        return JSONResponse({"error": exc.to_dict()}, status_code=413 if isinstance(exc, TooManyRecords) else 422)

    @app.exception_handler(NoValidatorError)
    async def no_validator(request: Request, exc: NoValidatorError) -> JSONResponse:
        return JSONResponse({"error": exc.to_dict()}, status_code=503)  # the server cannot check; the request is fine

    @app.post("/render")
    async def render(body: RenderRequest, request: Request) -> Any:
        fields = [*settings.redact, *body.redact]
        request.state.log.update(records=1)
        try:
            report = await gatherer.render(body.record, body.format, body.realizer, fields)
        except HybridNLGError as exc:
            redactor = service.redactor(body.record, fields)
            request.state.log.update(error=type(exc).__name__,
                                     message=redactor.text(str(exc)) if redactor else str(exc))
            return JSONResponse({"error": _masked(redactor, exc.to_dict(), keep=())}, status_code=422)
        request.state.log.update(segments=len(report.segments), flagged=len(report.flagged),
                                 dropped=len(report.dropped))
        return report.to_output(body.trace)

    @app.post("/batch")
    async def batch(body: BatchRequest, request: Request) -> dict[str, Any]:
        if len(body.records) > settings.max_records:
            raise _too_many(len(body.records), settings.max_records)
        fields = [*settings.redact, *body.redact]
        request.state.log.update(records=len(body.records))
        results: list[dict[str, Any]] = []
        for start in range(0, len(body.records), settings.max_window):
            rows = list(enumerate(body.records[start:start + settings.max_window], start))
            began = time.perf_counter()
            outcomes = await asyncio.to_thread(engine.run_window, rows, format=body.format, realizer=body.realizer,
                                               redact=fields)
            service.metrics.observe_window(outcomes, time.perf_counter() - began)
            for (index, record), outcome in zip(rows, outcomes, strict=True):
                if isinstance(outcome, Report):
                    results.append(outcome.to_output(body.trace))
                else:
                    results.append(_masked(service.redactor(record, fields), error_record(index, outcome), keep=()))
        request.state.log.update(errors=sum("error" in r for r in results))
        return {"results": results}

    @app.post("/verify", openapi_extra=VERIFY_BODY)
    async def verify(request: Request) -> Any:
        """Check a text against its record: `{"record": {...}, "text": "..."}` answers one verdict, a list of them
        a list (a malformed item becomes {"index", "error"})."""
        return await _verify(engine, await request.body(), settings)


def _info_routes(app: FastAPI, service: Service) -> None:
    engine, readiness = service.engine, service.readiness

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "ready": readiness.ready, "version": __version__, "realizers": sorted(engine.realizers),
                "validators": sorted(engine.validators), "gathering": service.gatherer.stats.to_dict()}

    @app.get("/health/live")
    async def live() -> dict[str, Any]:
        return {"status": "alive"}

    @app.get("/health/ready", responses={503: {"description": "still loading models"}})
    async def ready() -> JSONResponse:
        return JSONResponse(readiness.to_dict(), status_code=200 if readiness.ready else 503,
                            headers=None if readiness.ready else {"Retry-After": "1"})

    @app.get("/metrics", response_class=Response)
    async def prometheus() -> Response:
        return Response(service.metrics.exposition(), media_type=CONTENT_TYPE)

    @app.get("/plugins")
    async def plugins() -> list[dict[str, Any]]:
        return [info.to_dict() for info in engine.plugins.infos]
