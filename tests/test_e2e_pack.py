"""The E2E pack's templates express every given slot, for any subset of slots."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hybridnlg.testing import make_engine
from tests.conftest import PACKS

VALUES = {
    "eatType": ["coffee shop", "pub", "restaurant"],
    "food": ["Chinese", "English", "Fast food", "French", "Indian", "Italian", "Japanese"],
    "priceRange": ["cheap", "less than £20", "£20-25", "moderate", "high", "more than £30"],
    "customerRating": ["1 out of 5", "3 out of 5", "5 out of 5", "low", "average", "high"],
    "area": ["city centre", "riverside"],
    "familyFriendly": ["yes", "no"],
    "near": ["Burger King", "The Portland Arms", "Café Sicilia"],
}
NAMES = ["The Eagle", "Alimentum", "Browns Cambridge", "The Golden Curry"]

records = st.fixed_dictionaries(
    {"name": st.sampled_from(NAMES)},
    optional={slot: st.sampled_from(values) for slot, values in VALUES.items()},
)


def expressed(slot: str, value: str, text: str) -> bool:
    low = text.lower()
    if slot == "familyFriendly":
        negated = any(f"not {w}" in low for w in ("family-friendly", "kid friendly", "child friendly"))
        return negated if value == "no" else (not negated and any(w in low for w in ("family-friendly", "kid friendly", "child friendly")))
    if slot == "priceRange" and value in ("cheap", "moderate", "high"):
        return f"{value} prices" in low
    if slot == "customerRating" and "out of" not in value:
        return f"{value} customer rating" in low
    return value.lower() in low


ENGINE = make_engine({
    "templates": str(PACKS / "e2e" / "templates"),
    "entities": {"venue": {"name": "name", "pronoun": "it"}},
    "validators": {},
    "segments": [
        {"id": "intro", "template": "intro.j2", "facts": ["name", "eatType", "food", "area", "near"],
         "subject": "venue", "aggregate": True},
        {"id": "details", "template": "details.j2", "facts": ["priceRange", "customerRating", "familyFriendly"],
         "subject": "venue", "aggregate": True},
    ],
})


@settings(deadline=None)
@given(records)
def test_every_given_slot_is_expressed(record: dict[str, str]) -> None:
    text = ENGINE.render(record, realizer="template").text
    assert text.startswith(record["name"])
    for slot, value in record.items():
        assert expressed(slot, value, text), (slot, value, text)
    assert "  " not in text and text.endswith(".")
