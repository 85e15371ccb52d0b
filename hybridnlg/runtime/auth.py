"""API keys for `hybridnlg serve`: loaded from an environment variable or a file, checked as `Authorization: Bearer`.

Keys are compared in constant time (hmac.compare_digest against every key, whichever matches) and never logged:
a log line names only the position of the key that matched."""

from __future__ import annotations

import hmac
import json
import os
import re
from pathlib import Path
from typing import Any

from ..errors import HybridNLGError

ENV_API_KEYS = "HYBRIDNLG_API_KEYS"
MIN_KEY_CHARS = 16
_KEY = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: what fits in a header unchanged
MAKE_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"

Scope = dict[str, Any]


class ApiKeyError(HybridNLGError):
    """An API key source is unreadable or holds a key that is too weak to use."""


def _checked(keys: list[str], where: str) -> list[str]:
    for number, key in enumerate(keys, 1):
        if not _KEY.fullmatch(key) or "," in key:
            raise ApiKeyError(f"{where}: key {number} has spaces, commas or characters outside printable ASCII; "
                              f"make one with {MAKE_KEY}")
        if len(key) < MIN_KEY_CHARS:
            raise ApiKeyError(f"{where}: key {number} has {len(key)} characters; use at least {MIN_KEY_CHARS} "
                              f"(make one with {MAKE_KEY})")
    return keys


def load_api_keys(file: str | Path | None = None, environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """Keys from $HYBRIDNLG_API_KEYS (comma-separated) and from `file` (one per line, `#` comments), both if given."""
    env = os.environ if environ is None else environ
    keys = _checked([k.strip() for k in env.get(ENV_API_KEYS, "").split(",") if k.strip()], f"${ENV_API_KEYS}")
    if file is not None:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ApiKeyError(f"{file}: cannot read the API key file ({type(exc).__name__}: {exc})") from None
        found = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
        if not found:
            raise ApiKeyError(f"{file}: no API key in the file (one key per line; lines starting with # are comments)")
        keys += _checked(found, str(file))
    return tuple(dict.fromkeys(keys))


def match_key(header: bytes | None, keys: tuple[bytes, ...]) -> int | None:
    """Position of the key in an `Authorization: Bearer KEY` header, or None. Every key is compared, so the time
    taken says nothing about which key (or how much of one) matched."""
    if header is None:
        return None
    scheme, _, token = header.partition(b" ")
    if scheme.lower() != b"bearer":
        return None
    token = token.strip()
    found: int | None = None
    for position, key in enumerate(keys):
        if hmac.compare_digest(token, key) and found is None:
            found = position
    return found


class BearerAuth:
    """ASGI middleware: without a valid key, 401 with WWW-Authenticate. `open_paths` (health probes, metrics for a
    scraper) pass without one; everything else, /docs and /openapi.json included, needs a key."""

    def __init__(self, app: Any, keys: tuple[bytes, ...], open_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.keys = keys
        self.open_paths = open_paths

    def _is_open(self, path: str) -> bool:
        # "/health" opens /health/live too; "/" opens the root page alone, never everything under it
        return any(path == p or (p != "/" and path.startswith(p.rstrip("/") + "/")) for p in self.open_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.keys or self._is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"authorization")
        position = match_key(header, self.keys)
        state = scope.setdefault("state", {})
        if position is not None:
            state["api_key"] = position  # which key, by position in the list: never the key itself
            await self.app(scope, receive, send)
            return
        state["api_key"] = "missing" if header is None else "invalid"
        challenge = b'Bearer realm="hybridnlg"' + (b'' if header is None else b', error="invalid_token"')
        body = json.dumps({"error": {"type": "Unauthorized", "message": (
            "an API key is needed: send `Authorization: Bearer KEY`" if header is None
            else "the API key is not valid")}}).encode()
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", challenge)]})
        await send({"type": "http.response.body", "body": body})
