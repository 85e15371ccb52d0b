"""Where a text names an entity of a relation, allowing the ways knowledge-graph names are written in prose.

DBpedia-style names carry a disambiguator (`Stuart Parker (footballer)`), a qualifying place (`Auburn, Alabama`),
a class word (`English language`), abbreviation dots (`A.F.C. Blackpool`, written AFC Blackpool) and diacritics
(`Agremiação`, often written without); a text may also use the plural (`Kidney bean`: kidney beans). Matching
folds accents (one character for one, so offsets hold), lets dots in abbreviations come and go, and tries the name
without its disambiguator, qualifier or class word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

Span = tuple[int, int]
_SEPARATORS = re.compile(r"[\s\-‐–]+")
_DISAMBIGUATOR = re.compile(r"\s*\([^()]*\)$")
_QUALIFIER = re.compile(r"^([^,]+),\s+[A-Z][^,]*$")
# DBpedia's class words after a name: English_language is written English, Minangkabau_people Minangkabau
_CLASS_WORD = re.compile(r"^(.+?)\s+(?:language|people|cuisine)$", re.IGNORECASE)


def fold(text: str) -> str:
    """Accents removed, one character for one (so spans in the folded text are spans in the text)."""
    out = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if len(base) == 1 else char)
    return "".join(out)


def name_variants(name: str) -> list[str]:
    """The name, without a trailing disambiguator, without a qualifying place after a comma, without a class word."""
    variants = [name]
    bare = _DISAMBIGUATOR.sub("", name).strip()
    variants.append(bare)
    if match := _QUALIFIER.match(bare):
        variants.append(match.group(1).strip())
    if match := _CLASS_WORD.match(bare):
        variants.append(match.group(1).strip())
    return [v for v in dict.fromkeys(variants) if v]


def _word(word: str) -> str:
    core = word.replace(".", "")
    if core and ("." in word or (core.isupper() and len(core) <= 6)):
        return "".join(re.escape(char) + r"\.?" for char in core)
    return re.escape(word)


@lru_cache(maxsize=4096)
def _pattern(name: str) -> re.Pattern[str] | None:
    words = [_word(w) for w in _SEPARATORS.split(fold(name).replace("’", "'").strip()) if w]
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"[\s\-‐–]+".join(words) + r"(?:e?s)?(?!\w)", re.IGNORECASE)


def find_entity(text: str, name: str, avoid: list[Span]) -> Span | None:
    """The first place the text writes `name` (or one of its variants) outside the `avoid` spans."""
    folded = fold(text)
    for variant in name_variants(name):
        if len(variant) > 4 * len(text) + 64:
            continue  # longer than the text: cannot be in it (and never compiled)
        pattern = _pattern(variant)
        if pattern is None:
            continue
        for match in pattern.finditer(folded):
            span = match.span()
            if not any(a < span[1] and span[0] < b for a, b in avoid):
                return span
    return None
