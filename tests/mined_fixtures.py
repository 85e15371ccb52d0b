"""Shared piece of the relation tests: an engine whose spaCy validator reads a predicate file mined from pairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hybridnlg import Engine


def mined_engine(tmp_path: Path, rows: list[tuple[list[Any], str]], common_values: bool = False) -> Engine:
    """An engine with one relation segment, validated against the cues and value contexts `lexicon mine` would
    write for `rows` (and its common values, with `common_values`)."""
    from hybridnlg_spacy.common_values import mine_common_values
    from hybridnlg_spacy.contexts import mine_contexts
    from hybridnlg_spacy.predicates import mine

    document: dict[str, Any] = {"predicates": {name: entry.model_dump() for name, entry in mine(rows).items()},
                                "value_contexts": mine_contexts(rows).model_dump()}
    if common_values:
        document["common_values"] = mine_common_values(rows)
    (tmp_path / "predicates.json").write_text(json.dumps(document))
    config = {"segments": [{"id": "entry", "facts": {"triples": "triples"}, "template": "{{ triples }}"}],
              "validators": {"spacy": {"predicate_files": ["predicates.json"]}}}
    return Engine.from_config(config, config_dir=tmp_path, entrypoints=False)
