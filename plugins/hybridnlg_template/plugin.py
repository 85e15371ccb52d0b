"""Registers the Jinja2 template realizer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hybridnlg import hookimpl

from .realizer import TemplateRealizer


@hookimpl
def register_realizers(register: Callable[[type], None], engine: Any) -> None:
    register(TemplateRealizer)
