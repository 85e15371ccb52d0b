"""Sandboxed Jinja2 expressions used by the planner: `when` conditions, entity names, titles; each evaluation within
the same limits as a template segment (hybridnlg.limits): a time limit, and no string or list over the size limit."""

from __future__ import annotations

import threading
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.environment import TemplateExpression

from .errors import DataError
from .limits import EXPRESSION_MAX_CHARS, EXPRESSION_TIMEOUT_S, LimitedEnvironment


class Expressions:
    """Compiles each expression once; thread-safe. Each evaluation or rendering may take `timeout_s` seconds and build
    (or print) no text longer than `max_chars` characters; going past either is the record's DataError."""

    def __init__(self, timeout_s: float = EXPRESSION_TIMEOUT_S, max_chars: int = EXPRESSION_MAX_CHARS) -> None:
        self.timeout_s = timeout_s
        self.max_chars = max_chars
        self.env = LimitedEnvironment(undefined=StrictUndefined, autoescape=False, max_chars=max_chars)
        self.env.subject = "the expression"
        self.env.time_setting = f"{timeout_s:g} s"
        self.env.size_setting = "for expressions"
        self._compiled: dict[tuple[str, str], TemplateExpression | Template] = {}
        self._lock = threading.Lock()

    def _get(self, kind: str, source: str) -> TemplateExpression | Template:
        key = (kind, source)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self.env.compile_expression(source) if kind == "expr" else self.env.from_string(source)
                self._compiled[key] = compiled
        return compiled

    def evaluate(self, source: str, context: dict[str, Any], *, where: str) -> Any:
        try:
            expression = self._get("expr", source)
            assert isinstance(expression, TemplateExpression)
            with self.env.limits(self.timeout_s, self.max_chars):
                return expression(**context)
        except JinjaTemplateError as exc:
            raise DataError(f"{where}: cannot evaluate `{source}`: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - e.g. comparing a string with a number: this record's error
            raise DataError(f"{where}: cannot evaluate `{source}`: {type(exc).__name__}: {exc}") from None

    def render(self, source: str, context: dict[str, Any], *, where: str) -> str:
        try:
            template = self._get("text", source)
            assert isinstance(template, Template)
            with self.env.limits(self.timeout_s, self.max_chars):
                return template.render(**context)
        except JinjaTemplateError as exc:
            raise DataError(f"{where}: cannot render `{source}`: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - this record's error, never its window's
            raise DataError(f"{where}: cannot render `{source}`: {type(exc).__name__}: {exc}") from None

    def syntax_problem(self, source: str, kind: str = "expr") -> str | None:
        try:
            self._get(kind, source)
        except JinjaTemplateError as exc:
            return str(exc)
        return None
