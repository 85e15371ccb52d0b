"""How facts become model input: linearisation, delexicalisation and the meta file that pins the scheme."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

META_FILE = "hybridnlg_meta.json"
EOS = "<|endoftext|>"
SEPARATOR = "<sep>"
DRAFT_MARKER = "<draft>"
PLACEHOLDER_PATTERN = re.compile(r"__([A-Za-z0-9]+)__")
DEFAULT_VERBATIM = ("name", "near")
E2E_SLOT_ORDER = (
    "name", "eatType", "food", "priceRange", "customerRating", "area", "familyFriendly", "near",
)


def camel_case(slot: str) -> str:
    """'customer rating' -> 'customerRating'; already camelCase names are kept."""
    words = re.split(r"[\s_\-]+", slot.strip())
    if len(words) == 1:
        return words[0][:1].lower() + words[0][1:]
    return words[0].lower() + "".join(word[:1].upper() + word[1:].lower() for word in words[1:])


def placeholder(slot: str) -> str:
    return f"__{re.sub(r'[^A-Za-z0-9]', '', slot)}__"


def value_text(value: Any) -> str:
    """The string a model sees for a fact value (booleans as yes/no, like E2E's familyFriendly)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class ModelMeta:
    """Written next to a trained model so the realizer formats inputs exactly as training did."""

    format: str = "data"
    verbatim: list[str] = field(default_factory=lambda: list(DEFAULT_VERBATIM))
    placeholder: str = "__{slot}__"
    separator: str = SEPARATOR
    draft_marker: str = DRAFT_MARKER
    eos: str = EOS
    fact_pattern: str = "{slot}[{value}]"
    fact_joiner: str = " "
    slot_order: list[str] = field(default_factory=lambda: list(E2E_SLOT_ORDER))
    max_length: int = 256
    version: int = 1
    # True: the model takes fact names outside `slot_order` (e.g. trained on open-vocabulary relations), so routing
    # does not compare a segment's fact names with it
    any_schema: bool = False

    @classmethod
    def read(cls, directory: Path) -> ModelMeta | None:
        path = directory / META_FILE
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        return cls(**known)

    def write(self, directory: Path) -> None:
        (directory / META_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def ordered_slots(data: Mapping[str, Any], slot_order: Iterable[str]) -> list[str]:
    """Known slots in training order first, then the rest in the order given."""
    order = {slot: index for index, slot in enumerate(slot_order)}
    return sorted(data, key=lambda slot: (order.get(slot, len(order)), list(data).index(slot)))


def delexicalise_text(text: str, mapping: Mapping[str, str]) -> str:
    """Replace each verbatim value (longest first, case-insensitive) by its placeholder."""
    for token, value in sorted(mapping.items(), key=lambda item: -len(item[1])):
        if value:
            text = re.sub(re.escape(value), token, text, flags=re.IGNORECASE)
    return text


def linearise(
    data: Mapping[str, Any],
    meta: ModelMeta,
    verbatim: Iterable[str] | None = None,
    draft: str | None = None,
) -> tuple[str, dict[str, str]]:
    """The model input for one record (ending with the separator) and its placeholder -> value map."""
    verbatim_slots = set(meta.verbatim if verbatim is None else verbatim)
    mapping: dict[str, str] = {}
    parts: list[str] = []
    for slot in ordered_slots(data, meta.slot_order):
        value = value_text(data[slot])
        if slot in verbatim_slots:
            token = placeholder(slot)
            mapping[token] = value
            value = token
        parts.append(meta.fact_pattern.format(slot=slot, value=value))
    text = meta.fact_joiner.join(parts)
    if draft is not None:
        text = f"{text} {meta.draft_marker} {delexicalise_text(draft, mapping)}"
    return f"{text} {meta.separator}", mapping


def restore(text: str, mapping: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Put verbatim values back. Returns (text, None) or (None, why it was rejected)."""
    found = set(PLACEHOLDER_PATTERN.findall(text))
    unknown = sorted(f"__{name}__" for name in found if f"__{name}__" not in mapping)
    if unknown:
        return None, f"leftover placeholder {', '.join(unknown)}"
    missing = sorted(token for token in mapping if token not in text)
    if missing:
        return None, f"missing placeholder {', '.join(missing)}"
    for token, value in mapping.items():
        text = text.replace(token, value)
    return text, None
