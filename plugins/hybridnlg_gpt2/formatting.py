"""How facts become model input: linearisation, delexicalisation and the meta file that pins the scheme."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hybridnlg import predicate_words, relations_in, surface_form, without_disambiguator

META_FILE = "hybridnlg_meta.json"
EOS = "<|endoftext|>"
SEPARATOR = "<sep>"
DRAFT_MARKER = "<draft>"
ENTITY_MARKER = "<e>"
TRIPLE_MARKER = "<t>"
PLACEHOLDER_PATTERN = re.compile(r"__([A-Za-z0-9]+)__")
# Entities of relation facts: one placeholder each, optional in the output (a date or a number may be paraphrased)
ENTITY_PLACEHOLDER = re.compile(r"__ENT[0-9]+__")


def camel_case(slot: str) -> str:
    """'customer rating' -> 'customerRating'; already camelCase names are kept."""
    words = re.split(r"[\s_\-]+", slot.strip())
    if len(words) == 1:
        return words[0][:1].lower() + words[0][1:]
    return words[0].lower() + "".join(word[:1].upper() + word[1:].lower() for word in words[1:])


def placeholder(slot: str) -> str:
    return f"__{re.sub(r'[^A-Za-z0-9]', '', slot)}__"


def entity_placeholder(number: int) -> str:
    return f"__ENT{number}__"


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
    verbatim: list[str] = field(default_factory=list)
    placeholder: str = "__{slot}__"
    separator: str = SEPARATOR
    draft_marker: str = DRAFT_MARKER
    eos: str = EOS
    fact_pattern: str = "{slot}[{value}]"
    fact_joiner: str = " "
    slot_order: list[str] = field(default_factory=list)
    max_length: int = 256
    version: int = 1
    # True: the model takes fact names outside `slot_order` (e.g. trained on open-vocabulary relations), so routing
    # does not compare a segment's fact names with it
    any_schema: bool = False
    # Relation facts (lists of subject/predicate/object): an entity table, one placeholder per distinct entity
    # (`__ENT1__`...), then the triples; `max_entities` placeholders exist in the tokenizer
    entity_marker: str = ENTITY_MARKER
    triple_marker: str = TRIPLE_MARKER
    max_entities: int = 0
    # The relation predicates of the training data: routing keeps a segment with another predicate from the model
    # (GPT2Config.unseen_predicates). Empty: not recorded (models trained before it was), any predicate is taken.
    predicates: list[str] = field(default_factory=list)

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


def written_variants(value: str) -> list[str]:
    """How a value may be written in a text: as given, without a trailing parenthetical, 25.0 as 25."""
    variants = [value, re.sub(r"\s*\([^)]*\)$", "", value), re.sub(r"^(-?\d+)\.0\b", r"\1", value)]
    return [v for v in dict.fromkeys(variants) if v.strip()]


def delexicalise_text(text: str, mapping: Mapping[str, str]) -> str:
    """Replace each value (its written variants, longest first, case-insensitive, whole words) by its placeholder."""
    pairs = [(token, variant) for token, value in mapping.items() for variant in written_variants(value)]
    for token, variant in sorted(pairs, key=lambda item: -len(item[1])):
        text = re.sub(r"(?<!\w)" + re.escape(variant) + r"(?!\w)", token, text, flags=re.IGNORECASE)
    return text


class _Entities:
    """The distinct entities of a record's relations, numbered in order of first appearance."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def token(self, value: Any) -> str:
        written = surface_form(value)
        if written not in self.tokens:
            self.tokens[written] = entity_placeholder(len(self.tokens) + 1)
        return self.tokens[written]


def _relations(triples: list[tuple[Any, Any, Any]], entities: _Entities, meta: ModelMeta) -> str:
    return " ".join(f"{meta.triple_marker} {entities.token(s)} | {predicate_words(p)} | {entities.token(o)}"
                    for s, p, o in triples)


def linearise(
    data: Mapping[str, Any],
    meta: ModelMeta,
    verbatim: Iterable[str] | None = None,
    draft: str | None = None,
) -> tuple[str, dict[str, str]]:
    """The model input for one record (ending with the separator) and its placeholder -> value map.

    Relation facts (when the model was trained on them) become `<t> __ENT1__ | predicate words | __ENT2__`, after an
    entity table `<e> __ENT1__ Aarhus Airport` that shows each entity's written form, so that the model can copy the
    placeholder or paraphrase the value (a date, a number)."""
    verbatim_slots = set(meta.verbatim if verbatim is None else verbatim)
    mapping: dict[str, str] = {}
    parts: list[str] = []
    entities = _Entities()
    for slot in ordered_slots(data, meta.slot_order):
        triples = relations_in(data[slot]) if meta.max_entities else None
        if triples is not None:
            parts.append(meta.fact_pattern.format(slot=slot, value=_relations(triples, entities, meta)))
            continue
        value = value_text(data[slot])
        if slot in verbatim_slots:
            token = placeholder(slot)
            mapping[token] = value
            value = token
        parts.append(meta.fact_pattern.format(slot=slot, value=value))
    table = [f"{meta.entity_marker} {token} {written}" for written, token in entities.tokens.items()]
    mapping.update({token: written for written, token in entities.tokens.items()})
    text = meta.fact_joiner.join(table + parts)
    if draft is not None:
        text = f"{text} {meta.draft_marker} {delexicalise_text(draft, mapping)}"
    return f"{text} {meta.separator}", mapping


def restore(text: str, mapping: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Put verbatim values back. Returns (text, None) or (None, why it was rejected). Every verbatim slot's
    placeholder must be there; an entity placeholder may be missing (the validator judges the paraphrase)."""
    found = set(PLACEHOLDER_PATTERN.findall(text))
    unknown = sorted(f"__{name}__" for name in found if f"__{name}__" not in mapping)
    if unknown:
        return None, f"leftover placeholder {', '.join(unknown)}"
    missing = sorted(token for token in mapping if token not in text and not ENTITY_PLACEHOLDER.fullmatch(token))
    if missing:
        return None, f"missing placeholder {', '.join(missing)}"
    for token, value in mapping.items():
        if ENTITY_PLACEHOLDER.fullmatch(token):
            text = re.sub(re.escape(token) + r"(?=(.{0,40}))", _entity_restorer(value), text, flags=re.DOTALL)
        else:
            text = text.replace(token, value)
    return text, None


def paraphrased_entities(text: str, restored: str, mapping: Mapping[str, str]) -> list[str]:
    """The entities a generated text (`text` delexicalised, `restored` with the values back) writes in other words:
    neither by their placeholder nor as given (each comma-separated part of a qualified name such as "Albany, Oregon"
    counts wherever the text writes it). Dates and numbers aside: a text may write those in other forms ("March 20,
    1963", "2,702")."""
    return [value for token, value in mapping.items()
            if ENTITY_PLACEHOLDER.fullmatch(token) and token not in text and not _LITERAL.fullmatch(value)
            and not all(_has_words(restored, part) for part in without_disambiguator(value).split(","))]


def _has_words(text: str, words: str) -> bool:
    return bool(words.strip()) and re.search(r"(?<!\w)" + re.escape(words.strip()) + r"(?!\w)", text,
                                             flags=re.IGNORECASE) is not None


_LITERAL = re.compile(r"-?\d[\d,]*(\.\d+)?|\d{4}-\d{2}-\d{2}")


def _entity_restorer(value: str) -> Callable[[re.Match[str]], str]:
    def written(match: re.Match[str]) -> str:
        name = prose_name(value, match.group(1))
        # "Caterpillar Inc." before the sentence's full stop: one full stop
        return name[:-1] if name.endswith(".") and match.group(1).startswith(".") else name
    return written


def prose_name(written: str, after: str = "") -> str:
    """An entity as a text writes it, which is what its placeholder stood for in training (delexicalisation
    replaced the variant the text had): without a trailing parenthetical ('Stuart Parker (footballer)' is Stuart
    Parker), and without the trailing words the text goes on with ('2368.05 days' before ' days' is 2368.05: the
    model wrote the unit itself)."""
    name = without_disambiguator(written)
    words = name.split()
    for cut in range(1, len(words)):
        tail = " ".join(words[cut:])
        if after.lower().startswith(" " + tail.lower()) and not after[1 + len(tail):2 + len(tail)].isalnum():
            return " ".join(words[:cut])
    return name
