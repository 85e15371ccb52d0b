"""The licence and credit of a data set, read from the README beside its files (for trained models' cards)."""

from __future__ import annotations

import re
from pathlib import Path

UNKNOWN_CREDIT = "See the training data's licence; a model trained on it may have to credit it."


def data_licence(data_file: Path) -> tuple[str, list[str]]:
    """The licence id (`cc-by-sa-4.0`, `other` when unknown) and the source and licence paragraphs of the
    README.md beside `data_file`."""
    readme = data_file.parent / "README.md"
    if not readme.is_file():
        return "other", [UNKNOWN_CREDIT]
    paragraphs = [" ".join(p.split()) for p in readme.read_text(encoding="utf-8", errors="replace").split("\n\n")]
    credit = [p for p in paragraphs if re.search(r"\b(Licen[cs]e|Sources?)\b", p)]
    match = re.search(r"CC BY((?:-NC)?(?:-SA)?(?:-ND)?) (\d\.\d)", " ".join(credit))
    licence = f"cc-by{match.group(1).lower()}-{match.group(2)}" if match else "other"
    return licence, credit or [UNKNOWN_CREDIT]
