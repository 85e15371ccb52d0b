"""Shared by the gpt2 benchmarks: E2E dev records and a lexicon-based slot checker."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hybridnlg import Fact, Segment
from hybridnlg_gpt2.data import parse_mr

ROOT = Path(__file__).resolve().parent.parent
E2E = Path(__import__("os").environ.get("E2E_DATA", ROOT.parent / "shared" / "data" / "e2e"))

# Surface forms that count as mentioning a value (lower-case regexes).
LEXICON: dict[str, dict[str, str]] = {
    "eatType": {"coffee shop": r"coffee ?shop|caf[eé]", "pub": r"\bpub\b", "restaurant": r"restaurant"},
    "food": {"Chinese": r"chinese", "English": r"english|british", "Fast food": r"fast[ -]?food",
             "French": r"french", "Indian": r"indian", "Italian": r"italian", "Japanese": r"japanese|sushi"},
    "priceRange": {"cheap": r"cheap|inexpensive|low[- ]?(?:cost|price)|affordable|budget",
                   "less than £20": r"(?:less than|under|below) £ ?20|£20 or less|cheap|low[- ]?price",
                   "£20-25": r"£ ?20 ?(?:-|to) ?£? ?25|twenty",
                   "moderate": r"moderate|average[- ]price|mid[- ]?(?:range|price)|reasonabl",
                   "high": r"high[- ]?(?:price|cost|end)|expensive|pricey|costly|price range is high|high price",
                   "more than £30": r"(?:more than|over|above) £ ?30|£30 (?:or more|plus)|expensive|high[- ]price"},
    "customerRating": {"1 out of 5": r"\b1 (?:out of 5|star)|one star",
                       "3 out of 5": r"\b3 (?:out of 5|star)|three star",
                       "5 out of 5": r"\b5 (?:out of 5|star)|five star",
                       "low": r"\blow\b|poor|badly|bad", "average": r"average",
                       "high": r"\bhigh|highly|excellent|great"},
    "area": {"city centre": r"city cent|centre|center|downtown", "riverside": r"river"},
    "familyFriendly": {
        "yes": r"(?<!not )(?<!n't )(?<!non-)(?<!non )(?:family|kid|child)[- ]?friendly|famil(?:y|ies)|child|kids",
        "no": r"not (?:a )?(?:family|kid|child)|non[- ]?(?:family|kid|child)|n't (?:family|kid|child)"
              r"|no (?:kids|children|famil)|adult|not friendly|unfriendly|not suitable"},
}
ADDED_CHECK = ("eatType", "food", "area")  # slots whose values are unambiguous enough to detect additions
# A slot absent from the MR counts as added when any of these appear.
ABSENT: dict[str, str] = {
    "priceRange": r"£|price|cheap|expensive|\bcost|afford|budget|pricey",
    "customerRating": r"rating|rated|\bstars?\b|reviews?\b",
    "familyFriendly": r"famil|\bkids?\b|child|adult",
}


def dev_records(path: Path | None = None, limit: int | None = None) -> list[tuple[dict[str, str], list[str]]]:
    """One record per distinct MR (first-appearance order) with all its references."""
    grouped: dict[str, list[str]] = {}
    with (path or E2E / "devset.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            grouped.setdefault(row["mr"], []).append(row["ref"])
    records = [(parse_mr(mr), refs) for mr, refs in grouped.items()]
    return records[:limit] if limit else records


def make_segment(data: dict[str, Any], index: int, verbatim: Iterable[str] = ("name", "near")) -> Segment:
    keep = set(verbatim)
    facts = {slot: Fact(slot, value, f"$.{slot}", verbatim=slot in keep) for slot, value in data.items()}
    return Segment(f"r{index}", "e2e", index, facts, dict(data), realizer="gpt2")


def slot_errors(data: dict[str, str], text: str, all_names: set[str]) -> tuple[int, int, int]:
    """(slots, missing, added) for one output, by lexicon match."""
    lower = text.lower()
    for slot in ("name", "near"):
        # Proper names such as "Café Brazil" must not count as mentions of other slots' values.
        if slot in data:
            lower = lower.replace(data[slot].lower(), f" {slot.upper()} ")
    missing = added = 0
    for slot, value in data.items():
        if slot in {"name", "near"}:
            found = f" {slot.upper()} " in lower
        else:
            pattern = LEXICON.get(slot, {}).get(value, re.escape(value.lower()))
            found = re.search(pattern, lower) is not None
        missing += not found
    for slot in ADDED_CHECK:
        for value, pattern in LEXICON[slot].items():
            if data.get(slot) != value and re.search(pattern, lower) and not (
                    slot == "eatType" and value == "restaurant" and "eatType" not in data):
                added += 1
    added += sum(slot not in data and re.search(pattern, lower) is not None for slot, pattern in ABSENT.items())
    for name in all_names - {data.get("name", ""), data.get("near", "")}:
        added += name.lower() in lower
    return len(data), missing, added
