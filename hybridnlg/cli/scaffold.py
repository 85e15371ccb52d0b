"""`hybridnlg init DOMAIN`: a template pack that passes `hybridnlg check` and renders at once."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import HybridNLGError

CONFIG = """\
# The {domain} pack: edit the segments and templates, then `hybridnlg check {folder}/config.yaml`.
# Templates write every segment. For GPT-2 on this domain, train a model on your data/text pairs
# (`hybridnlg train`, then `realizer: auto` and `realizers: {{gpt2: {{model: MODEL}}}}`): docs/domain-adaptation.md.
templates: ./templates
locale: en_US
seed: 0
output:
  format: text
document:
  title: "{{{{ name }}}}"
entities:
  subject:
    name: name
    pronoun: it
segments:
  - id: intro
    template: intro.j2
    facts: [name, category]
    subject: subject
  - id: figures
    template: figures.j2
    facts: [value, value_change, value_trend]
    subject: subject
    when: "value is defined and value_prev is defined"
    compute:
      value_change: {{op: percent_change, of: [value, value_prev]}}
      value_trend: {{op: trend, of: [value, value_prev], threshold: 1}}
  - id: item
    template: item.j2
    foreach: items
    as: item
    facts:
      item: item.label
      count: item.count
"""

TEMPLATES = {
    "intro.j2": "{{ ref }} is {{ category | a_an }}.\n",
    "figures.j2": (
        "{{ ref }} {{ value_trend | trend_word(choice('rose', 'grew'), choice('fell', 'dropped'), 'held steady') }}"
        "{% if value_trend != 'flat' %} {{ value_change | absolute | percent }}{% endif %} to {{ value | number }}.\n"
    ),
    "item.j2": "It lists {{ item.count | count_noun(item.label, words_below=10) }}.\n",
}

RECORD = {
    "name": "Example",
    "category": "online shop",
    "value": 1250,
    "value_prev": 1000,
    "items": [{"label": "book", "count": 3}, {"label": "lamp", "count": 12}],
}


def scaffold(domain: str, parent: Path) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", domain):
        raise HybridNLGError(f"'{domain}' is not a usable pack name: use letters, digits, '-' and '_'")
    folder = parent / domain
    if folder.exists() and any(folder.iterdir()):
        raise HybridNLGError(f"{folder} already exists and is not empty; choose another name or remove it")
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(CONFIG.format(domain=domain, folder=folder), encoding="utf-8")
    for name, text in TEMPLATES.items():
        (folder / "templates" / name).write_text(text, encoding="utf-8")
    (folder / "record.json").write_text(json.dumps(RECORD, indent=2) + "\n", encoding="utf-8")
    return folder
