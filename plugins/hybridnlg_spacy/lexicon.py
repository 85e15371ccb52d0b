"""Slot lexicons: canonical values and their surface paraphrases, compiled into one matcher."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from hybridnlg import ConfigError, Context, read_yaml

LexiconData = dict[str, dict[str, list[str]]]

_BOOLEAN_KEYS = {"yes": "yes", "true": "yes", "no": "no", "false": "no"}
_SEPARATORS = re.compile(r"[\s\-‐–—]+")
_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]+")
# Words too light to name what a slot is about ("for the whole family": only "family" does).
_LIGHT = frozenset(
    "a an the and or but nor of to in on at for by from with as into onto is are was were be been being has have had "
    "it its this that these those not no non never very too so all whole only also any some".split()
)

# A negation right before a matched surface flips a boolean value ("isn't kid friendly", "not a family-friendly pub").
_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:not|never|no|non|nor)|n't)[\s\-]+"
    r"(?:(?:a|an|the|very|really|particularly|exactly|that|too|so|at all)\s+)?$",
    re.IGNORECASE,
)


def value_key(value: Any) -> str:
    """A comparable key for a fact or lexicon value: booleans as yes/no, strings trimmed and lower-cased."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    key = _SEPARATORS.sub(" ", str(value)).strip().lower()
    return _BOOLEAN_KEYS.get(key, key)


def surface_key(surface: str) -> str:
    return _SEPARATORS.sub(" ", surface.replace("’", "'")).strip().lower()


def is_boolean_slot(values: Iterable[str]) -> bool:
    keys = {value_key(v) for v in values}
    return bool(keys) and keys <= {"yes", "no"}


class _LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lexicon: dict[str, dict[str, list[str]]]


def read_lexicon_file(path: Path) -> LexiconData:
    """A YAML lexicon (slot -> value -> paraphrases, optionally under a top-level `lexicon:`), checked."""
    data = read_yaml(path, "YAML lexicon")  # a ConfigError naming the file, like a lexicon outside the folder
    if isinstance(data, dict) and set(data) == {"lexicon"}:
        data = data["lexicon"]
    if isinstance(data, dict):  # YAML 1.1 reads bare yes/no keys as booleans, and `value:` alone as no paraphrases
        data = {
            slot: {_canonical(v): p or [] for v, p in values.items()} if isinstance(values, dict) else values
            for slot, values in data.items()
        }
    try:
        return _LexiconFile.model_validate({"lexicon": data}).lexicon
    except ValidationError as exc:
        raise ValueError("\n".join(f"{path}: {'.'.join(map(str, e['loc'][1:])) or '(top level)'}: {e['msg']}"
                                   for e in exc.errors())) from None


def load_lexicon_file(name: str, base: Path | None = None, *, context: Context | None = None) -> LexiconData:
    """Read a YAML lexicon, relative to `base` (the engine's config folder) unless absolute. With a `context` (a
    lexicon named by a config), the file is found through `context.resolve`: inside the config's folder unless the
    engine is trusted (ConfigError otherwise)."""
    path = _resolve(name, base, context)
    try:
        return read_lexicon_file(path)
    except ConfigError as exc:  # the file itself (not a regular file, an alias bomb): say which setting names it
        raise ConfigError([f"lexicon_files: {problem}" for problem in exc.problems]) from None


def _canonical(value: Any) -> str:
    # YAML reads bare yes/no as booleans.
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _resolve(name: str, base: Path | None, context: Context | None = None) -> Path:
    if context is not None:
        path = context.resolve(name, "lexicon_files")
    else:
        candidate = Path(name)
        path = candidate if candidate.is_absolute() or base is None else base / candidate
    if not path.exists():
        raise FileNotFoundError(f"lexicon file {path} not found")
    return path


def merge_lexicons(*lexicons: Mapping[str, Mapping[str, Sequence[str]]]) -> LexiconData:
    """Union of the paraphrases per slot and value; values compare by `value_key`."""
    merged: LexiconData = {}
    for lexicon in lexicons:
        for slot, values in lexicon.items():
            target = merged.setdefault(slot, {})
            for value, surfaces in values.items():
                key = next((v for v in target if value_key(v) == value_key(value)), _canonical(value))
                bucket = target.setdefault(key, [])
                bucket.extend(s for s in surfaces if s not in bucket)
    return merged


def lexicon_problems(
    lexicon: Mapping[str, Mapping[str, Sequence[str]]], known_slots: Iterable[str], where: str = "lexicon"
) -> list[str]:
    """Problems for `check`: slots no segment has a fact for, and empty paraphrases."""
    known = sorted(set(known_slots))
    problems: list[str] = []
    for slot, values in lexicon.items():
        if slot not in known:
            problems.append(
                f"{where}.{slot}: no segment has a fact named '{slot}'. Known facts: {', '.join(known) or '(none)'}"
            )
        for value, surfaces in values.items():
            for i, surface in enumerate(surfaces):
                if not surface_key(surface):
                    problems.append(f"{where}.{slot}.{value}[{i}]: empty paraphrase; remove it")
    return problems


@dataclass(frozen=True)
class Reading:
    """One interpretation of a matched surface: this slot has this value."""

    slot: str
    value: str
    generic: bool = False


def _key_body(key: str) -> str:
    """The regex of one surface key: separators interchangeable, an optional plural, word-bounded where it has words;
    the first word of a phrase may be compared ("higher price range", "lowest customer rating")."""
    words = [re.escape(w) for w in key.split(" ")]
    if len(words) > 1 and words[0].isalpha():
        words[0] += "(?:er|est)?"
    body = r"[\s\-‐–]+".join(words)
    plural = "(?:e?s)?" if key[-1].isalpha() else ""
    # Word boundaries only where the surface has a word character: "is£20-25" still says £20-25.
    before = r"(?<!\w)" if re.match(r"\w", key) else ""
    after = r"(?!\w)" if re.search(r"\w$", key) else ""
    return f"{before}{body}{plural}{after}"


@dataclass(frozen=True)
class LexiconMatch:
    span: tuple[int, int]
    text: str
    readings: tuple[Reading, ...]
    negated: bool


def word_stem(word: str) -> str:
    """A word without its plural ending, lower-cased: "families" -> "family", "kids" -> "kid"."""
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def topic_words(surfaces: Iterable[str], ignore: Iterable[str] = ()) -> frozenset[str]:
    """The fewest content words (stems) that together occur in every paraphrase: what the slot is about.

    Paraphrases vary the predicate ("friendly", "allowed", "welcome") around a few topic words ("family", "kids",
    "children"), so a greedy cover picks the topic words first; ties go to the word listed first."""
    skip = {word_stem(w) for w in ignore}
    left = [
        [word_stem(w) for w in _LETTERS.findall(surface_key(s)) if len(w) > 2 and w not in _LIGHT] for s in surfaces
    ]
    left = [[w for w in words if w not in skip] for words in left]
    left = [words for words in left if words]
    chosen: set[str] = set()
    while left:
        counts: dict[str, int] = {}
        for words in left:
            for w in dict.fromkeys(words):
                counts[w] = counts.get(w, 0) + 1
        best = max(counts, key=lambda w: counts[w])  # the first of equals, in paraphrase order
        chosen.add(best)
        left = [words for words in left if best not in words]
    return frozenset(chosen)


class Lexicon:
    """Finds slot values in text: longest paraphrase first, word-bounded, hyphens and spaces interchangeable."""

    def __init__(self, data: Mapping[str, Mapping[str, Sequence[str]]], generic_words: Iterable[str] = ()) -> None:
        self.data: LexiconData = merge_lexicons(data)
        generic = {surface_key(w) for w in generic_words}
        readings: dict[str, set[Reading]] = {}
        canonical_slots: dict[str, set[str]] = {}
        for slot, values in self.data.items():
            for value in values:
                canonical_slots.setdefault(value_key(value), set()).add(slot)
        for slot, values in self.data.items():
            boolean = is_boolean_slot(values)
            for value, surfaces in values.items():
                forms = [s for s in surfaces if surface_key(s)]
                # A bare value shared by two slots ("high" price, "high" rating) says nothing on its own.
                if not boolean and len(canonical_slots[value_key(value)]) == 1:
                    forms.append(value)
                for form in forms:
                    key = surface_key(form)
                    readings.setdefault(key, set()).add(Reading(slot, value, key in generic))
        self.vocabulary = " ".join(sorted({w for key in readings for w in key.split(" ")}))
        self._readings = {k: tuple(sorted(v, key=lambda r: (r.slot, r.value))) for k, v in readings.items()}
        self._keys = sorted(self._readings, key=lambda k: (-len(k), k))
        # A key can only match where its first word is a word of the text: index keys by it, so each text is searched
        # with the few keys that can match instead of one alternation of all of them (same matches, much faster).
        self._by_first_word: dict[str, list[int]] = {}
        for i, key in enumerate(self._keys):
            first = _WORD.search(key)
            self._by_first_word.setdefault(first.group(0) if first else "", []).append(i)
        self._starts = [re.compile(f"(?=({_key_body(key)}))", re.IGNORECASE) for key in self._keys]
        # For a yes/no slot, naming its topic at all takes a side ("a great place to take your family"); for other
        # slots a topic word states no value ("serves food", "its prices"), so only yes/no slots get one.
        topics = {
            slot: topic_words((s for surfaces in values.values() for s in surfaces), generic)
            for slot, values in self.data.items()
            if is_boolean_slot(values)
        }
        self.topics: dict[str, frozenset[str]] = {slot: words for slot, words in topics.items() if words}

    @property
    def slots(self) -> set[str]:
        return set(self.data)

    def is_boolean(self, slot: str) -> bool:
        return slot in self.data and is_boolean_slot(self.data[slot])

    def knows_surface(self, text: str) -> bool:
        return surface_key(text) in self._readings

    def surfaces_of(self, slot: str, value: Any) -> list[str]:
        key = value_key(value)
        for canonical, surfaces in self.data.get(slot, {}).items():
            if value_key(canonical) == key:
                return [canonical, *surfaces]
        return []

    def _candidates(self, text: str) -> list[int]:
        words = {""}
        for word in _WORD.findall(text.lower()):
            # plural and compared forms: "prices" may be the key "price", "highest" the key "high"
            words.update((word, word[:-1], word[:-2], word[:-3]))
        return sorted({i for w in words for i in self._by_first_word.get(w, ())})

    def find(self, text: str) -> list[LexiconMatch]:
        """Non-overlapping matches, leftmost and then longest; `text` should have straight apostrophes."""
        # Every (start, key, end) where a key matches; then, left to right, the first key in order (longest) at each
        # start wins and the scan resumes after it: what one alternation of all keys in that order would find.
        found: dict[int, tuple[int, int]] = {}
        for i in self._candidates(text):
            for m in self._starts[i].finditer(text):
                start = m.start()
                if start not in found or i < found[start][0]:
                    found[start] = (i, m.end(1))
        out: list[LexiconMatch] = []
        cursor = 0
        for start in sorted(found):
            if start < cursor:
                continue
            i, end = found[start]
            negated = bool(_NEGATION_BEFORE.search(text[max(0, start - 40) : start]))
            out.append(LexiconMatch((start, end), text[start:end], self._readings[self._keys[i]], negated))
            cursor = end
        return out

    def topic_mentions(self, slot: str, text: str) -> list[tuple[int, int]]:
        """Spans of the words in `text` that name the topic of yes/no `slot` ("family", "kids")."""
        words = self.topics.get(slot, frozenset())
        return [m.span() for m in _LETTERS.finditer(text) if word_stem(m.group(0)) in words] if words else []

    def resolve(self, reading: Reading, negated: bool) -> Reading:
        """Apply a negation: a negated boolean reading means the opposite value."""
        if negated and self.is_boolean(reading.slot):
            flipped = "no" if value_key(reading.value) == "yes" else "yes"
            target = next((v for v in self.data[reading.slot] if value_key(v) == flipped), flipped)
            return Reading(reading.slot, target, reading.generic)
        return reading
