"""One shared inflect engine (plurals, a/an, ordinals, number words), loaded on first use and without the slow part."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import inflect

_lock = threading.Lock()
_engine: inflect.engine | None = None


def _no_instrumentation(target: Any = None, **_: Any) -> Any:
    return target if target is not None else (lambda function: function)


def inflect_engine() -> inflect.engine:
    """inflect 7 wraps its functions in typeguard's @typechecked, which recompiles them at import (1.4 s of every
    cold start). Its argument checks are the only thing lost by importing it with that decorator as a no-op; the
    decorator is restored right after, so other libraries keep it."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                import typeguard

                original = typeguard.typechecked
                typeguard.typechecked = _no_instrumentation
                try:
                    import inflect
                finally:
                    typeguard.typechecked = original
                _engine = inflect.engine()
    return _engine
