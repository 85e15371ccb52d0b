"""Registers the spaCy validator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hybridnlg import hookimpl

from .validator import SpacyValidator


@hookimpl
def register_validators(register: Callable[[type], None], engine: Any) -> None:
    register(SpacyValidator)
