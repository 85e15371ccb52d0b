"""The model card (README.md) written next to every trained checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_model_card(out: Path, *, title: str, data: dict[str, Any], hyper: dict[str, Any],
                     metrics: dict[str, Any], licence: tuple[str, list[str]], command: str | None = None) -> None:
    """Write README.md: data, licence and credit (`data_licence` of the training file), hyper-parameters, dev
    metrics, how it was made."""
    licence_id, credit = licence
    lines = [
        "---",
        f"license: {licence_id}",
        "library_name: transformers",
        "pipeline_tag: text-generation",
        "---",
        f"# {title}",
        "",
        "A GPT-2 data-to-text model for the hybridnlg `gpt2` realizer, made by `hybridnlg train`.",
        "Input format and delexicalisation scheme: `hybridnlg_meta.json`.",
        "",
        "## Data",
        "",
        *[f"- {key}: `{value}`" for key, value in data.items()],
        "",
    ]
    lines += ["## Licence and credit", "",
              f"This model is derived from its training data and carries the data's licence ({licence_id}).", "",
              *[f"> {paragraph}\n" for paragraph in credit]]
    lines += ["## Hyper-parameters", "", "```json", json.dumps(hyper, indent=2, default=str), "```", ""]
    lines += ["## Metrics", "", *[f"- {key}: {value}" for key, value in metrics.items()], ""]
    if command:
        lines += ["## Reproduce", "", "```sh", command, "```", ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def update_metrics(out: Path, metrics: dict[str, Any]) -> None:
    """Add or replace entries of the Metrics section of an existing card (used by the evaluation benchmark)."""
    card = (out / "README.md").read_text(encoding="utf-8")
    head, _, rest = card.partition("## Metrics\n")
    section, marker, tail = rest.partition("\n## ")
    entries: dict[str, str] = {}
    for line in section.splitlines():
        if line.startswith("- ") and ": " in line:
            key, _, value = line[2:].partition(": ")
            entries[key] = value
    entries.update({key: str(value) for key, value in metrics.items()})
    body = "\n".join(f"- {key}: {value}" for key, value in entries.items())
    (out / "README.md").write_text(f"{head}## Metrics\n\n{body}\n{marker}{tail}", encoding="utf-8")
