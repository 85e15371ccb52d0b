"""Where a text names an entity of a relation, allowing the ways knowledge-graph names are written in prose.

DBpedia-style names carry a disambiguator (`Stuart Parker (footballer)`), a qualifying place (`Auburn, Alabama`),
a class word (`English language`), abbreviation dots (`A.F.C. Blackpool`, written AFC Blackpool), diacritics
(`Agremiação`, often written without), spaces between digits and letters (`1000 GT`, written 1000GT), brackets
(`(29075) 1950 DA`), ampersands (`Science+Business`, written Science & Business) and commas (`Lippincott, Williams &
Wilkins`); a text may also use the plural (`Kidney bean`: kidney beans) or a word derived from a name's last word
(`California`: Californian; `Australians`: Australian; `Electric guitar`: electric guitarist). Matching folds accents
(one character for one, so offsets hold), lets dots in abbreviations come and go, and tries the name without its
disambiguator, qualifier, brackets or class word.
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
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
# the endings that make a demonym or adjective of a place or people's name (Italy: Italian, Japan: Japanese)
_DERIVING = ("n", "an", "ian", "ese", "ish", "i", "ist", "")


def fold(text: str) -> str:
    """Accents removed, one character for one (so spans in the folded text are spans in the text)."""
    out = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if len(base) == 1 else char)
    return "".join(out)


def plain(text: str) -> str:
    """Accents removed, whatever the length (`İ` lower-cased is two characters); for comparing, not for spans."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_MINOR = frozenset({"of", "the", "and", "for", "de", "in", "at", "on"})


def initials(name: str) -> str | None:
    """The initials a name is abbreviated to ("UK", "USAF", "MIT" for Massachusetts Institute of Technology); None
    for a name of fewer than two words."""
    words = [w for w in re.findall(r"[^\W\d_]+", _DISAMBIGUATOR.sub("", name)) if w.lower() not in _MINOR]
    return "".join(w[0] for w in words).lower() if len(words) >= 2 else None


def name_variants(name: str) -> list[str]:
    """The name, without a trailing disambiguator, without a qualifying place after a comma, without a class word."""
    variants = [name]
    bare = _DISAMBIGUATOR.sub("", name).strip()
    variants.append(bare)
    if match := _QUALIFIER.match(bare):
        variants.append(match.group(1).strip())
    if match := _CLASS_WORD.match(bare):
        variants.append(match.group(1).strip())
    if "(" in name:
        variants.append(" ".join(re.sub(r"[()]", " ", name).split()))
    return [v for v in dict.fromkeys(variants) if v]


def derived_forms(word: str) -> set[str]:
    """Lower-case words derived from a word of a name the way demonyms and plurals are: the word with an ending
    (california: californian), without its last vowel and with one (italy: italian, germany: german), without a
    plural s (australians: australian); the doer of an activity (singing: singer). Short words and abbreviations
    derive nothing ("us", "NASA")."""
    if len(word) < 4 or not word.isalpha() or word.isupper():
        return set()
    word = word.lower()
    bases = {word, word[:-1]} if word[-1] in "aeiouy" else {word}
    forms = {base + ending for base in bases for ending in _DERIVING}
    if word.endswith("s") and not word.endswith("ss"):
        forms.add(word[:-1])
    if word.endswith("ing") and len(word) > 6:  # an activity and its doer: singing, singer, sings
        forms |= {word[:-3] + ending for ending in ("er", "ers", "s")}
    return {form for form in forms if len(form) >= 4 and form != word}


def related_words(a: str, b: str) -> bool:
    """Whether one of two words is derived from the other (see `derived_forms`)."""
    a, b = a.lower(), b.lower()
    return a in derived_forms(b) or b in derived_forms(a)


def explained_by(word: str, blob: str, blob_words: set[str]) -> bool:
    """Whether a lower-case word is a word of the names in `blob` ('a | b | …') or derived from one of `blob_words`
    ("californian" for California)."""
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", blob) is not None \
        or any(related_words(word, other) for other in blob_words)


def _word(word: str) -> str:
    core = word.replace(".", "")
    if core and ("." in word or (core.isupper() and len(core) <= 6)):
        return "".join(re.escape(char) + r"\.?" for char in core)
    return re.escape(word)


_AMPERSAND = r"(?:\s*[&+]\s*|\s+and\s+)"  # Science+Business, Science & Business, Science and Business


def _words(word: str) -> str:
    """A word of a name; where digits meet letters ("1000GT", "VK8") a text may put a space or not, and an
    ampersand inside a word ("P&O") may be written with spaces or as "and"."""
    if word in ("&", "+", "and"):
        return r"(?:[&+]|and)"
    parts = re.split(r"[&+]", word)
    if len(parts) > 1 and all(parts):
        return _AMPERSAND.join(_words(part) for part in parts)
    return r"[\s\-‐–]?".join(_word(part) for part in _DIGIT_LETTER.split(word) if part)


def _joint(before: str, word: str, hyphen: bool) -> str:
    """What may stand between two words of a name: a space or a hyphen, or nothing where digits meet letters, after
    an abbreviation's full stop ("A.C.Cesena"), around an ampersand, or where the name has a hyphen ("E-book":
    ebook)."""
    digit_letter = before[-1].isdigit() != word[0].isdigit() and before[-1].isalnum() and word[0].isalnum()
    if digit_letter or hyphen or before.endswith(".") or before in ("&", "+") or word in ("&", "+"):
        return r"[\s\-‐–]*"
    return r",?[\s\-‐–]+"  # a comma may come in a list-like name: Lippincott, Williams & Wilkins


@lru_cache(maxsize=4096)
def _pattern(name: str) -> re.Pattern[str] | None:
    parts = _SEPARATORS.split(fold(name).replace("’", "'").strip())
    seps = _SEPARATORS.findall(fold(name).replace("’", "'").strip())
    words = [w for w in parts if w]
    if not words:
        return None
    hyphens = [not sep.isspace() for sep, before in zip(seps, parts, strict=False) if before]
    head = "".join(_words(word) + _joint(word, after, hyphen)
                   for word, after, hyphen in zip(words, words[1:], hyphens + [False] * len(words), strict=False))
    last = _words(words[-1]) + r"(?:e?s)?"  # the plural
    if forms := derived_forms(words[-1]):  # or a derived word: Electric guitar, electric guitarist
        last = "(?:" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + f"|{last})"
    return re.compile(r"(?<!\w)" + head + last + r"(?!\w)", re.IGNORECASE)


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


_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_BREAK = re.compile(r"[.!?;:,()\[\]\"]")  # a name's words are not scattered over clauses or quotes
_SPARE = 3  # words a text may put between a name's words ("grounds of Asilomar Conference", "executive type car")


def _same_word(name_word: str, word: str) -> bool:
    return (word == name_word or word in (name_word + "s", name_word + "es", name_word + "ly")
            or related_words(name_word, word))


def find_scattered(text: str, name: str, avoid: list[Span]) -> Span | None:
    """A name of two or more content words written with its words rearranged or apart, within one clause and at
    most `_SPARE` other words ("the grounds of Asilomar Conference" for Asilomar Conference Grounds, "the School of
    Business and Social Sciences at Aarhus University" for "... at the Aarhus University")."""
    bare = _DISAMBIGUATOR.sub("", name).strip()
    wanted = [w.lower() for w in _TOKEN.findall(fold(bare)) if w.lower() not in _MINOR]
    if len(wanted) < 2:
        return None
    folded = fold(text)
    tokens = [(m.group().lower(), m.span()) for m in _TOKEN.finditer(folded)]
    width = len(wanted) + _SPARE
    for start, (word, _) in enumerate(tokens):
        if not any(_same_word(w, word) for w in wanted):
            continue
        left = list(wanted)
        end = start
        for index in range(start, min(start + width, len(tokens))):
            if index > start and _BREAK.search(folded[tokens[index - 1][1][1]:tokens[index][1][0]]):
                break
            match = next((w for w in left if _same_word(w, tokens[index][0])), None)
            if match is not None:
                left.remove(match)
                end = index
                if not left:
                    break
        if left:
            continue
        span = (tokens[start][1][0], tokens[end][1][1])
        if not any(a < span[1] and span[0] < b for a, b in avoid):
            return span
    return None
