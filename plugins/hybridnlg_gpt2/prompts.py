"""Model inputs per format: linearised facts, facts plus the template draft, or a Jinja2 prompt template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from hybridnlg import Segment

from .formatting import ModelMeta, linearise, placeholder, value_text


class PromptError(Exception):
    """A prompt template that is missing or fails to render."""


def verbatim_slots(segment: Segment, configured: list[str]) -> list[str]:
    return [name for name, fact in segment.facts.items() if fact.verbatim or name in configured]


def data_input(segment: Segment, meta: ModelMeta, verbatim: list[str], draft: str | None) -> tuple[str, dict[str, str]]:
    return linearise(segment.fact_values(), meta, verbatim=verbatim_slots(segment, verbatim), draft=draft)


class PromptRenderer:
    """Renders prompt templates (few-shot examples included) in a sandbox with StrictUndefined."""

    def __init__(self, folders: list[Path]) -> None:
        self.folders = folders
        self.env = SandboxedEnvironment(loader=FileSystemLoader([str(f) for f in folders]), undefined=StrictUndefined,
                                        keep_trailing_newline=False, autoescape=False)

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
            text = self.env.get_template(template).render(
                facts=facts, data=data, draft=draft, context=segment.context, segment_id=segment.spec_id)
        except JinjaError as exc:
            searched = ", ".join(str(f) for f in self.folders)
            raise PromptError(f"prompt template {template!r} (searched {searched}): {type(exc).__name__}: {exc}") \
                from exc
        # Placeholders the prompt does not show cannot be required in the output.
        return text.rstrip(), {token: value for token, value in mapping.items() if token in text}
