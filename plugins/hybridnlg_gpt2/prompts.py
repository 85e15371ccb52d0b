"""Model inputs per format: linearised facts, facts plus the template draft, or a Jinja2 prompt template."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from jinja2 import TemplateError as JinjaError
from jinja2.loaders import split_template_path

from hybridnlg import ConfigError, LimitedEnvironment, Segment

from .formatting import ModelMeta, linearise, placeholder, value_text


class PromptError(Exception):
    """A prompt template that is missing or fails to render."""


def verbatim_slots(segment: Segment, configured: list[str]) -> list[str]:
    return [name for name, fact in segment.facts.items() if fact.verbatim or name in configured]


def data_input(segment: Segment, meta: ModelMeta, verbatim: list[str], draft: str | None) -> tuple[str, dict[str, str]]:
    return linearise(segment.fact_values(), meta, verbatim=verbatim_slots(segment, verbatim), draft=draft)


# Checks a prompt file (its path, the folder it was found in) before it is read; raises ConfigError to refuse it.
FileCheck = Callable[[str, Path], object]


class _CheckedLoader(FileSystemLoader):
    """One prompt folder whose files go through `check` (the context's confinement) before they are read."""

    def __init__(self, folder: Path, check: FileCheck | None) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.check = check

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        filename = posixpath.join(str(self.folder), *split_template_path(template))  # refuses `..`
        if self.check is not None and os.path.isfile(filename):
            try:
                self.check(filename, self.folder)
            except ConfigError as exc:
                raise PromptError(f"prompt template {template!r}: {exc}") from None
        return super().get_source(environment, template)


# A prompt with few-shot examples is longer than a sentence, but far below a model's context in characters.
PROMPT_TIMEOUT_S = 2.0
PROMPT_MAX_CHARS = 100_000


class PromptRenderer:
    """Renders prompt templates (few-shot examples included) in a sandbox with StrictUndefined; `check` sees each
    file before it is read (includes too) and may refuse it."""

    def __init__(self, folders: list[Path], check: FileCheck | None = None) -> None:
        self.folders = folders
        self.env = LimitedEnvironment(loader=ChoiceLoader([_CheckedLoader(f, check) for f in folders]),
                                      undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)

    def render(self, template: str, segment: Segment, meta: ModelMeta, verbatim: list[str],
               draft: str | None) -> tuple[str, dict[str, str]]:
        """The prompt text and its placeholder map; verbatim facts appear as placeholders in `facts`."""
        slots = verbatim_slots(segment, verbatim)
        facts: dict[str, Any] = {}
        mapping: dict[str, str] = {}
        for name, value in segment.fact_values().items():
            if name in slots:
                mapping[placeholder(name)] = value_text(value)
                facts[name] = placeholder(name)
            else:
                facts[name] = value
        data, _ = linearise(segment.fact_values(), meta, verbatim=slots)
        try:
            with self.env.limits(PROMPT_TIMEOUT_S, PROMPT_MAX_CHARS):
                text = self.env.get_template(template).render(
                    facts=facts, data=data, draft=draft, context=segment.context, segment_id=segment.spec_id)
        except JinjaError as exc:
            searched = ", ".join(str(f) for f in self.folders)
            raise PromptError(f"prompt template {template!r} (searched {searched}): {type(exc).__name__}: {exc}") \
                from exc
        # Placeholders the prompt does not show cannot be required in the output.
        return text.rstrip(), {token: value for token, value in mapping.items() if token in text}
