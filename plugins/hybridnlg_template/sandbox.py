"""Jinja2's sandbox plus resource limits: a render deadline, bounded `range`, and no size bombs via `*` or `**`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_RANGE = 10_000
MAX_EXPONENT_BITS = 4_096


class LimitError(SecurityError):
    """A template went past a time or size limit."""


class _Budget(threading.local):
    deadline: float = float("inf")
    max_chars: int = 1 << 30


class LimitedSandbox(SandboxedEnvironment):
    """Every call, loop step over `range` and output chunk checks the current render's deadline."""

    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = _Budget()
        self.globals["range"] = self.bounded_range

    def check_deadline(self) -> None:
        if time.monotonic() > self.budget.deadline:
            raise LimitError("template rendering ran past its time limit (timeout_s)")

    def bounded_range(self, *args: int) -> Iterator[int]:
        values = range(*args)
        if len(values) > MAX_RANGE:
            raise LimitError(f"range() of {len(values)} items exceeds the limit of {MAX_RANGE}")
        for i, value in enumerate(values):
            if i % 256 == 0:
                self.check_deadline()
            yield value

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.check_deadline()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.check_deadline()
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                    if len(seq) * count > self.budget.max_chars:
                        raise LimitError(f"'*' would build {len(seq) * count} items, over max_output_chars")
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and right * max(abs(left).bit_length(), 1) > MAX_EXPONENT_BITS:
                raise LimitError(f"{left} ** {right} is too large to compute")
        return super().call_binop(context, operator, left, right)

    def render_limited(self, template: Any, variables: dict[str, Any], timeout_s: float, max_chars: int) -> str:
        """Render chunk by chunk, stopping at the deadline or the size limit instead of after the damage."""
        self.budget.deadline = time.monotonic() + timeout_s
        self.budget.max_chars = max_chars
        try:
            parts: list[str] = []
            size = 0
            for chunk in template.generate(variables):
                size += len(chunk)
                if size > max_chars:
                    raise LimitError(f"output of more than {max_chars} characters exceeds max_output_chars")
                self.check_deadline()
                parts.append(chunk)
            return "".join(parts)
        finally:
            self.budget.deadline = float("inf")
