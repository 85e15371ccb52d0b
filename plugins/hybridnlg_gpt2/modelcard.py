"""The model card (README.md) written next to every trained checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

E2E_CREDIT = """\
Trained on the E2E NLG restaurant data. Licence of the data and of this model: CC BY-SA 4.0.

- Jekaterina Novikova, Ondřej Dušek and Verena Rieser (2017). *The E2E Dataset: New Challenges for End-to-End
  Generation.* SIGDIAL 2017.
- Ondřej Dušek, David M. Howcroft and Verena Rieser (2019). *Semantic Noise Matters for Neural Natural Language
  Generation.* INLG 2019 (the cleaned E2E data).
"""


def write_model_card(out: Path, *, title: str, data: dict[str, Any], hyper: dict[str, Any],
                     metrics: dict[str, Any], command: str | None = None) -> None:
    """Write README.md: data, licence and credit, hyper-parameters, dev metrics, how it was made."""
    is_e2e = any("e2e" in str(value).lower() for value in data.values())
    lines = [
        "---",
        f"license: {'cc-by-sa-4.0' if is_e2e else 'other'}",
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
    if is_e2e:
        lines += ["## Licence and credit", "", E2E_CREDIT]
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
