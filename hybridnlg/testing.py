"""Helpers for plugin authors' tests: fake realizers and validators, and an engine with only what you give it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from .components import Component, ComponentConfig, Realizer, Validator
from .config import parse_config
from .context import Context
from .engine import Engine
from .hookspecs import hookimpl
from .types import Candidate, Failure, Issue, RealizeResult, Segment, ValidationReport


class FakeRealizerConfig(ComponentConfig):
    texts: list[str] = Field(default_factory=list, description="Candidate texts; `{fact}` fields are filled in.")


class FakeRealizer(Realizer[FakeRealizerConfig]):
    """Returns the configured texts (formatted with the segment's facts) as candidates; records every call."""

    name = "fake"
    Config = FakeRealizerConfig

    def __init__(self, config: FakeRealizerConfig, context: Context | None = None) -> None:
        super().__init__(config, context)
        self.calls: list[list[str]] = []

    def realize(self, segments: Sequence[Segment]) -> list[RealizeResult]:
        self.calls.append([s.id for s in segments])
        out: list[RealizeResult] = []
        for segment in segments:
            values = {**segment.context, **segment.fact_values()}
            try:
                texts = [text.format(**values) for text in self.config.texts]
                out.append([Candidate(self.name, text, score=-float(i)) for i, text in enumerate(texts)])
            except (KeyError, IndexError) as exc:
                out.append(Failure(f"fake text needs {exc}"))
        return out


class FakeValidatorConfig(ComponentConfig):
    reject: list[str] = Field(default_factory=list, description="Substrings that make a candidate fail.")
    require_facts: bool = Field(True, description="Fail candidates that do not contain every fact value verbatim.")


class FakeValidator(Validator[FakeValidatorConfig]):
    """A fast, predictable validator: missing fact values (verbatim substring) and banned substrings fail."""

    name = "fake"
    Config = FakeValidatorConfig

    def __init__(self, config: FakeValidatorConfig, context: Context | None = None) -> None:
        super().__init__(config, context)
        self.calls: list[int] = []

    def validate(self, items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        self.calls.append(len(items))
        reports = []
        for segment, candidate in items:
            issues = []
            if self.config.require_facts:
                for name, fact in segment.facts.items():
                    if str(fact.value).lower() not in candidate.text.lower():
                        issues.append(Issue("missing_fact", f"'{fact.value}' not found", fact=name, category="fact"))
            for banned in self.config.reject:
                at = candidate.text.find(banned)
                if at >= 0:
                    issues.append(Issue("rejected_text", f"contains '{banned}'", span=(at, at + len(banned))))
            reports.append(ValidationReport(self.name, issues, score=0.0 if issues else 1.0))
        return reports


def plugin_of(*classes: type[Component[Any]], **hooks: Callable[..., Any]) -> object:
    """A plugin object registering the given realizer/validator classes, plus any extra hook functions."""

    class _Plugin:
        __name__: str  # pluggy names a registered plugin object by its `__name__`

        @hookimpl
        def register_realizers(self, register: Callable[[type[Realizer[Any]]], None]) -> None:
            for cls in classes:
                if issubclass(cls, Realizer):
                    register(cls)

        @hookimpl
        def register_validators(self, register: Callable[[type[Validator[Any]]], None]) -> None:
            for cls in classes:
                if issubclass(cls, Validator):
                    register(cls)

    plugin = _Plugin()
    plugin.__name__ = "test-plugin-" + "-".join([*(c.name for c in classes), *hooks]) + f"-{id(plugin):x}"
    for name, function in hooks.items():
        setattr(plugin, name, hookimpl(function))
    return plugin


def make_engine(
    config: dict[str, Any], *plugins: object, config_dir: str | Path | None = None, entrypoints: bool = False
) -> Engine:
    """An engine from a config mapping with the built-ins plus `plugins`, no installed entry points."""
    return Engine(
        parse_config(config, "<test config>"),
        Path(config_dir) if config_dir else None,
        plugins=list(plugins),
        entrypoints=entrypoints,
    )
