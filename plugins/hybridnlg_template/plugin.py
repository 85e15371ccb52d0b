"""Registers the Jinja2 template realizer and declares the `prepare_jinja2_environment` hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hybridnlg import hookimpl

from . import hookspecs
from .realizer import TemplateRealizer


@hookimpl
def register_hookspecs(add: Callable[[object], None]) -> None:
    add(hookspecs)


@hookimpl
def register_realizers(register: Callable[[type[Any]], None]) -> None:
    register(TemplateRealizer)
