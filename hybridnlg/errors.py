"""Typed errors. Every error the engine raises on bad input is a HybridNLGError subclass."""

from __future__ import annotations


class HybridNLGError(Exception):
    """Base class of every error hybridnlg raises on purpose."""

    def to_dict(self) -> dict[str, object]:
        return {"type": type(self).__name__, "message": str(self)}


class ConfigError(HybridNLGError):
    """The configuration is invalid: the message lists every problem as `file: location: message`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    def to_dict(self) -> dict[str, object]:
        return {"type": type(self).__name__, "message": str(self), "problems": self.problems}


class PluginError(HybridNLGError):
    """A plugin could not be loaded or misbehaved."""


class UnknownRealizerError(HybridNLGError):
    """A realizer or validator name that nobody registered."""


class DataError(HybridNLGError):
    """A record lacks a field a segment needs, or holds a value of the wrong kind."""

    def __init__(
        self,
        message: str,
        *,
        record: int | None = None,
        field: str | None = None,
        segment: str | None = None,
        template: str | None = None,
        line: int | None = None,
    ) -> None:
        self.record = record
        self.field = field
        self.segment = segment
        self.template = template
        self.line = line
        where = []
        if record is not None:
            where.append(f"record {record}")
        if segment is not None:
            where.append(f"segment '{segment}'")
        if template is not None:
            where.append(f"template {template}" + (f" line {line}" if line else ""))
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"type": type(self).__name__, "message": str(self)}
        for key in ("record", "field", "segment", "template", "line"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


class TemplateError(DataError):
    """A template failed to compile or render (syntax, missing variable, sandbox, limits)."""


class RealizationError(HybridNLGError):
    """No candidate passed validation and the configured action is `raise`."""
