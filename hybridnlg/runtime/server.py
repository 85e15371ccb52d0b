"""`hybridnlg serve`: an HTTP API (FastAPI) over one shared engine, for report generators not written in Python."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from .. import __version__
from ..config import OutputFormat
from ..engine import Engine
from ..errors import DataError, HybridNLGError
from ..verify import NoValidatorError, json_type, parse_pair, verify_lines, verify_window
from .gather import Gatherer
from .limits import BodyLimit


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: dict[str, Any]
    format: OutputFormat | None = None
    realizer: str | None = Field(None, description="Force every segment to this realizer.")
    trace: bool = Field(False, description="Include the per-segment trace.")


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[Any] = Field(max_length=10_000)
    format: OutputFormat | None = None
    realizer: str | None = None
    trace: bool = False


MAX_VERIFY_ITEMS = 10_000
_VERIFY_ITEM: dict[str, Any] = {"type": "object", "required": ["record", "text"], "additionalProperties": False,
                                "properties": {"record": {"type": "object"}, "text": {"type": "string"}}}
VERIFY_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [_VERIFY_ITEM, {"type": "array", "items": _VERIFY_ITEM, "maxItems": MAX_VERIFY_ITEMS}]}}}}}


async def _verify(engine: Engine, raw: bytes) -> Any:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise DataError(f"the body is not JSON: {exc}") from None
    if isinstance(body, list):
        if len(body) > MAX_VERIFY_ITEMS:
            raise DataError(f"{len(body):,} items; send at most {MAX_VERIFY_ITEMS:,} per request")
        rows = list(enumerate(body))
        return await asyncio.to_thread(lambda: list(verify_lines(engine, rows, where=lambda i: f"item {i}")))
    if not isinstance(body, dict):
        raise DataError(f'the body must be {{"record": {{...}}, "text": "..."}} or a list of them, '
                        f"got {json_type(body)}")
    pair = parse_pair(body, "body")
    if isinstance(pair, Exception):
        raise pair
    outcome = (await asyncio.to_thread(verify_window, engine, [(0, *pair)]))[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome.to_output()


def create_app(engine: Engine, wait_s: float = 0.01, max_window: int = 64, max_body_bytes: int = 1_000_000) -> FastAPI:
    app = FastAPI(title="hybridnlg", version=__version__,
                  description="Hybrid data-to-text generation: templates, GPT-2 and a fact-checking validator.")
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    gatherer = Gatherer(engine, wait_s=wait_s, max_window=max_window)
    app.state.engine = engine
    app.state.gatherer = gatherer

    @app.exception_handler(HybridNLGError)
    async def bad_input(request: Request, exc: HybridNLGError) -> JSONResponse:
        # every HybridNLGError is about the request's data or the config, never a server fault
        return JSONResponse({"error": exc.to_dict()}, status_code=422)

    @app.post("/render")
    async def render(body: RenderRequest) -> dict[str, Any]:
        report = await gatherer.render(body.record, body.format, body.realizer)
        return report.to_output(body.trace)

    @app.post("/batch")
    async def batch(body: BatchRequest) -> dict[str, Any]:
        def run() -> list[dict[str, Any]]:
            outcomes = engine.render_many(body.records, format=body.format, realizer=body.realizer, errors="record")
            return [o if isinstance(o, dict) else o.to_output(body.trace) for o in outcomes]

        return {"results": await asyncio.to_thread(run)}

    @app.exception_handler(NoValidatorError)
    async def no_validator(request: Request, exc: NoValidatorError) -> JSONResponse:
        return JSONResponse({"error": exc.to_dict()}, status_code=503)  # the server cannot check; the request is fine

    @app.post("/verify", openapi_extra=VERIFY_BODY)
    async def verify(request: Request) -> Any:
        """Check a text against its record: `{"record": {...}, "text": "..."}` answers one verdict, a list of them
        a list (a malformed item becomes {"index", "error"})."""
        return await _verify(engine, await request.body())

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "realizers": sorted(engine.realizers),
                "validators": sorted(engine.validators), "gathering": gatherer.stats.to_dict()}

    @app.get("/plugins")
    async def plugins() -> list[dict[str, Any]]:
        return [info.to_dict() for info in engine.plugins.infos]

    return app

