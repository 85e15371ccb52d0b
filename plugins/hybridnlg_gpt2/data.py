"""Reading data-to-text pairs: E2E `mr,ref` CSV, CSV with a JSON `data` column, JSONL `{data, text}`, or WebNLG's
JSONL as it is (`{"category", "triples": [[subject, predicate, object], ...], "texts": [...]}`)."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hybridnlg import relation_triples

from .formatting import camel_case

MR_ITEM = re.compile(r"\s*([^\[\],]+?)\s*\[([^\]]*)\]\s*,?")


@dataclass(frozen=True)
class Pair:
    data: dict[str, Any]
    text: str
    draft: str | None = None
    category: str | None = None  # WebNLG's category, for holding whole categories out


def parse_mr(mr: str) -> dict[str, str]:
    """'name[The Eagle], customer rating[low]' -> {'name': 'The Eagle', 'customerRating': 'low'}."""
    return {camel_case(slot): value.strip() for slot, value in MR_ITEM.findall(mr)}


def _from_triples(row: dict[str, Any], where: str) -> list[Pair]:
    """One pair per text of a WebNLG entry; its data is `{"triples": [{subject, predicate, object}, ...]}`."""
    triples = relation_triples(row["triples"])
    texts = row["texts"]
    if triples is None:
        raise ValueError(f"{where}: 'triples' must be a non-empty list of [subject, predicate, object]")
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        raise ValueError(f"{where}: 'texts' must be a list of strings")
    data = {"triples": [{"subject": s, "predicate": p, "object": o} for s, p, o in triples]}
    category = row.get("category") if isinstance(row.get("category"), str) else None
    return [Pair(data, text.strip(), None, category) for text in texts if text.strip()]


def _from_row(row: dict[str, Any], where: str) -> list[Pair]:
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected an object")
    if "triples" in row and "texts" in row:
        return _from_triples(row, where)
    return [_one_pair(row, where)]


def _one_pair(row: dict[str, Any], where: str) -> Pair:
    if "mr" in row and "ref" in row:
        return Pair(parse_mr(row["mr"]), row["ref"].strip(), row.get("draft") or None)
    if "data" in row and "text" in row:
        data = row["data"]
        if isinstance(data, str):
            data = json.loads(data)
        if not isinstance(data, dict):
            raise ValueError(f"{where}: 'data' must be an object")
        return Pair({camel_case(key): value for key, value in data.items()}, str(row["text"]).strip(),
                    row.get("draft") or None, row.get("category"))
    raise ValueError(f"{where}: expected columns mr,ref, data,text or triples,texts; got {', '.join(row)}")


def load_pairs(path: Path | str, limit: int | None = None, hold_out: frozenset[str] = frozenset()) -> list[Pair]:
    """Load pairs from .csv (mr,ref or data,text[,draft]) or .jsonl ({"data": {...}, "text": ...} or WebNLG's
    {"triples", "texts"}); pairs whose category is in `hold_out` are left out."""
    path = Path(path)
    pairs: list[Pair] = []
    if path.suffix.lower() in {".jsonl", ".json"}:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    where = f"{path}:{number}"
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from None
                    pairs += [p for p in _from_row(row, where) if p.category not in hold_out]
                if limit and len(pairs) >= limit:
                    break
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), 2):
                pairs += [p for p in _from_row(row, f"{path}:{number}") if p.category not in hold_out]
                if limit and len(pairs) >= limit:
                    break
    if not pairs:
        raise ValueError(f"{path}: no pairs found" + (f" outside categories {', '.join(sorted(hold_out))}"
                                                       if hold_out else ""))
    return pairs[:limit] if limit else pairs
