"""Reading data-to-text pairs: E2E `mr,ref` CSV, CSV with a JSON `data` column, or JSONL."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .formatting import camel_case

MR_ITEM = re.compile(r"\s*([^\[\],]+?)\s*\[([^\]]*)\]\s*,?")


@dataclass(frozen=True)
class Pair:
    data: dict[str, Any]
    text: str
    draft: str | None = None


def parse_mr(mr: str) -> dict[str, str]:
    """'name[The Eagle], customer rating[low]' -> {'name': 'The Eagle', 'customerRating': 'low'}."""
    return {camel_case(slot): value.strip() for slot, value in MR_ITEM.findall(mr)}


def _from_row(row: dict[str, Any], where: str) -> Pair:
    if "mr" in row and "ref" in row:
        return Pair(parse_mr(row["mr"]), row["ref"].strip(), row.get("draft") or None)
    if "data" in row and "text" in row:
        data = row["data"]
        if isinstance(data, str):
            data = json.loads(data)
        if not isinstance(data, dict):
            raise ValueError(f"{where}: 'data' must be an object")
        return Pair({camel_case(key): value for key, value in data.items()}, str(row["text"]).strip(),
                    row.get("draft") or None)
    raise ValueError(f"{where}: expected columns mr,ref or data,text; got {', '.join(row)}")


def load_pairs(path: Path | str, limit: int | None = None) -> list[Pair]:
    """Load pairs from .csv (mr,ref or data,text[,draft]) or .jsonl ({"data": {...}, "text": ...})."""
    path = Path(path)
    pairs: list[Pair] = []
    if path.suffix.lower() in {".jsonl", ".json"}:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    pairs.append(_from_row(json.loads(line), f"{path}:{number}"))
                if limit and len(pairs) >= limit:
                    break
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), 2):
                pairs.append(_from_row(row, f"{path}:{number}"))
                if limit and len(pairs) >= limit:
                    break
    if not pairs:
        raise ValueError(f"{path}: no pairs found")
    return pairs
