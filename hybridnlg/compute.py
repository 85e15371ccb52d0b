"""Computed facts declared in config: difference, percent change, trend direction, ratio, sum."""

from __future__ import annotations

import math
from typing import Any

from .config import ComputedFact


class ComputeError(ValueError):
    """An operand that cannot be computed with; `path` names the data field at fault."""

    def __init__(self, message: str, path: str) -> None:
        self.path = path
        super().__init__(message)


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ComputeError(f"'{path}' must be a number to compute with, got {type(value).__name__} {value!r}", path)
    try:
        number = float(value)
    except OverflowError:
        raise ComputeError(f"'{path}' is too large to compute with ({len(str(value))} digits)", path) from None
    if not math.isfinite(number):
        raise ComputeError(f"'{path}' is {value}; computed facts need finite numbers", path)
    return number


def _tidy(value: float, digits: int) -> int | float:
    rounded = round(value, digits)
    return int(rounded) if rounded == int(rounded) else rounded


def compute(spec: ComputedFact, values: list[Any]) -> Any:
    """Apply one computed-fact spec to the operand values (already resolved from `spec.of`)."""
    nums = [_number(v, p) for v, p in zip(values, spec.of, strict=True)]
    if spec.op == "sum":
        return _tidy(sum(nums), spec.digits)
    if len(nums) != 2:
        raise ComputeError(f"`{spec.op}` takes exactly two operands (new, old), got {len(nums)}", ",".join(spec.of))
    new, old = nums
    if spec.op == "difference":
        return _tidy(new - old, spec.digits)
    if spec.op == "ratio":
        if old == 0:
            raise ComputeError(f"ratio of '{spec.of[0]}' to '{spec.of[1]}': '{spec.of[1]}' is zero", spec.of[1])
        return _tidy(new / old, spec.digits)
    if old == 0:
        change = math.inf if new > 0 else (-math.inf if new < 0 else 0.0)
    else:
        change = (new - old) / abs(old) * 100
    if spec.op == "percent_change":
        if not math.isfinite(change):
            raise ComputeError(f"percent change from '{spec.of[1]}' = 0 is undefined", spec.of[1])
        return _tidy(change, spec.digits)
    if abs(change) <= spec.threshold:
        return "flat"
    return "rising" if change > 0 else "falling"
