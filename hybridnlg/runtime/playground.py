"""The playground page at `/`: paste or pick a record, choose a realizer, see the document and why each sentence won.

One self-contained page (inline CSS and JS, no build step, nothing fetched from elsewhere) that asks
`GET /playground/samples` for the realizers and sample records, calls the app's own `POST /render` with `trace: true`,
then `POST /playground/explain` for the trace view, which is the same HTML as `hybridnlg render --format html
--explain` writes. The page itself holds no data, so it can stay open where the API wants a key (the page sends the
key the user types). Mount it on the server's app: `app.include_router(router)`; it reads the engine from
`app.state.engine`.
"""

from __future__ import annotations

import json
import secrets
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from ..pipeline.trace_html import STYLE, trace_view

SAMPLE_FILES = ("record.json", "records.json", "records.jsonl")
MAX_SAMPLES = 50
MAX_SAMPLE_BYTES = 1_000_000

router = APIRouter()


class ExplainRequest(BaseModel):
    """The trace part of a `/render` answer (`trace: true`); its other keys are ignored."""

    model_config = ConfigDict(extra="ignore")
    segments: list[dict[str, Any]] = Field(max_length=10_000)


@cache
def _page() -> str:
    return resources.files(__package__).joinpath("playground.html").read_text(encoding="utf-8")


def _label(source: str, record: dict[str, Any]) -> str:
    first = next((str(v) for v in record.values() if isinstance(v, str | int | float)), "")
    return f"{source}: {first[:40]}" if first else source


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def sample_records(folder: Path) -> list[dict[str, Any]]:
    """The example records beside a config (record.json, records.json, records.jsonl), labelled, in that order.

    Files that are missing or too large, and anything not a JSON object, are passed over: samples are a convenience,
    never an error.
    """
    samples: list[dict[str, Any]] = []
    for name in SAMPLE_FILES:
        path = folder / name
        try:
            if not path.is_file() or path.stat().st_size > MAX_SAMPLE_BYTES:
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = [_json(line) for line in text.splitlines()] if name.endswith(".jsonl") else _json(text)
        found = found if isinstance(found, list) else [found]
        records = [record for record in found if isinstance(record, dict)]
        samples += [{"label": _label(name if len(records) == 1 else f"{name} #{i}", record), "record": record}
                    for i, record in enumerate(records, start=1)]
    return samples[:MAX_SAMPLES]


def page(nonce: str) -> str:
    """The playground HTML, its inline script and style allowed by `nonce`."""
    return _page().replace("__STYLE__", STYLE).replace("__NONCE__", nonce)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def playground() -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    # Only this page's own script and style run: markup that ever slipped into the document could not execute.
    policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
              "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return HTMLResponse(page(nonce), headers={
        "Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.get("/playground/samples")
async def samples(request: Request) -> dict[str, Any]:
    """What the page offers: `auto` and the registered realizers, and the sample records beside the config."""
    engine = request.app.state.engine
    return {"realizers": ["auto", *sorted(engine.realizers)], "samples": sample_records(engine.config_dir)}


@router.post("/playground/explain")
async def explain(body: ExplainRequest) -> dict[str, str]:
    """The trace view (HTML) of a `/render` answer's `segments`, as `render --explain` writes it."""
    return {"html": trace_view(body.segments)}
