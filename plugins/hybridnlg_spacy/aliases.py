"""Entity aliases mined from data/text pairs (`hybridnlg lexicon aliases`), for the relation checks.

A text may name an entity in a way no spelling rule derives from its knowledge-graph name: "U.S." or "America" for
United_States, "UK" for United_Kingdom. Such aliases are mined from training pairs, never written by hand: for each
entity of a pair that the text does not name (`find_entity`), the name-like n-grams of the text (1 to 4 words, the
first and last capitalised or an abbreviation) outside the entities it does name are counted. An n-gram is an alias of
the entity when it is seen with it often enough (`min_count`), in a fair share of the texts that do not name it nor
use an alias found before (`MIN_SHARE`; "USA" after "US"), and mostly with it (`MIN_PURITY` of all the texts that
have it), so that a word any text may use ("English", "Located") is no alias.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hybridnlg import ConfigError, Context, read_yaml, surface_form, without_disambiguator

from .entities import Span, find_entity, fold
from .stems import STOP_WORDS

MIN_SHARE = 0.15  # of the texts that do not name the entity
MIN_CLASS_ENTITIES = 5  # a class word is left out of at least this many names (of different entities)
MIN_CLASS_SHARE = 0.25  # in at least this share of the names ending in it that texts write
MIN_PURITY = 0.5  # of all the texts that have the n-gram
MAX_ALIASES = 5
MAX_WORDS = 4
# a word, or an abbreviation with dots ("U.S.", "D.C.")
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_][\w'’\-]*[^\W_]|[^\W_]")
_SENTENCE_END = re.compile(r"[.!?;:]\s*$")
# lower-case words a name may hold inside ("Bank of America"; not "and", which joins two names)
_INNER = frozenset({"of", "the", "de", "del", "da", "do", "la", "le", "van", "von", "for", "on"})


class AliasFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = None
    licence: str | None = None
    credit: list[str] = Field(default_factory=list)
    aliases: dict[str, list[str]]
    class_words: list[str] = Field(
        default_factory=list, description="Last words of names that texts leave out: 'music' (Rock_music: rock).")
    related: dict[str, list[str]] = Field(
        default_factory=dict, description="Words texts write for the people of an entity, no name the data lacks: "
                                          "'American' for United_States (related_names.py).")


@dataclass(frozen=True)
class EntityNames:
    """Other names of entities (`aliases`), the class words a name may be written without (`class_words`) and the
    words for an entity's people (`related`)."""

    aliases: dict[str, list[str]] = field(default_factory=dict)
    class_words: frozenset[str] = frozenset()
    related: dict[str, list[str]] = field(default_factory=dict)


def load_aliases(names: Iterable[str], context: Context) -> EntityNames:
    """Alias files (YAML or JSON, as `hybridnlg lexicon aliases` writes them), resolved inside the config's folder;
    later files add to the aliases, class words and related words of earlier ones."""
    aliases: dict[str, list[str]] = {}
    related: dict[str, list[str]] = {}
    class_words: set[str] = set()
    for name in names:
        try:
            path = context.resolve(name, "alias_files")
            document = AliasFile.model_validate(read_yaml(path, "entity aliases"))
        except ConfigError as exc:  # outside the config's folder, unreadable, not YAML
            problems = [p if p.startswith("alias_files") else f"alias_files: {p}" for p in exc.problems]
            raise ConfigError(problems) from None
        except ValidationError as exc:
            problems = [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]]
            raise ConfigError([f"alias_files: {p}" for p in problems]) from None
        for table, mined in ((aliases, document.aliases), (related, document.related)):
            for entity, written in mined.items():
                merged = table.setdefault(entity, [])
                merged += [a for a in written if a.strip() and a not in merged]
        class_words |= {w.strip().lower() for w in document.class_words if w.strip()}
    return EntityNames(aliases, frozenset(class_words), related)


def _is_abbreviation(word: str) -> bool:
    core = word.replace(".", "")
    return len(core) >= 2 and core.isalpha() and core.isupper()


def _case_agrees(alias: str, written: str) -> bool:
    """An abbreviation's letters are capitals in the text too ("US", not the pronoun "us")."""
    if not _is_abbreviation(alias):
        return True
    letters = [c for c in written if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def find_alias(text: str, aliases: Iterable[str], avoid: list[Span]) -> Span | None:
    """The first place the text writes one of `aliases` outside `avoid`, matched as names are (see entities.py)."""
    for alias in aliases:
        skipped = list(avoid)
        for _ in range(8):  # a lower-case look-alike of an abbreviation is passed over, and the search goes on
            span = find_entity(text, alias, skipped)
            if span is None:
                break
            if _case_agrees(alias, text[span[0]:span[1]]):
                return span
            skipped.append(span)
    return None


def _key(gram: str) -> str:
    """N-grams that match the same way (dots and accents come and go, any case) count as one."""
    return fold(gram).replace(".", "").replace("’", "'").casefold()


def _inside(key: str, name: str) -> bool:
    """Whether the words of `key` are words in a row of `name` ("states" in "united states", "us" not in "houston")."""
    return f" {key} " in " " + " ".join(re.findall(r"[^\W_]+", _key(name))) + " "


def _candidates(text: str) -> list[tuple[str, Span]]:
    """The name-like n-grams of a text with their spans: 1 to 4 words in a row (only spaces between them), the first
    and the last a capitalised word that is not a stop word, or an abbreviation; lower-case words inside only those
    a name holds ("Bank of America"). A sentence's first word starts a one-word n-gram only when it is an
    abbreviation (a capital there says nothing)."""
    tokens = [(m.group(), m.span()) for m in _TOKEN.finditer(text)]
    grams: list[tuple[str, Span]] = []
    for i, (first, (start, _)) in enumerate(tokens):
        sentence_start = not text[:start].strip() or bool(_SENTENCE_END.search(text[:start]))
        for n in range(1, MAX_WORDS + 1):
            if i + n > len(tokens):
                break
            words = tokens[i:i + n]
            if any(text[a[1][1]:b[1][0]].strip() for a, b in zip(words, words[1:], strict=False)):
                break  # punctuation between two words: no longer one name
            if not all(_name_word(w) or (0 < k < n - 1 and w in _INNER) for k, (w, _) in enumerate(words)):
                if not (_name_word(words[-1][0]) or words[-1][0] in _INNER):
                    break
                continue
            if n == 1 and sentence_start and not _is_abbreviation(first):
                continue
            end = words[-1][1][1]
            grams.append((text[start:end], (start, end)))
    return grams


def _name_word(word: str) -> bool:
    if _is_abbreviation(word):
        return True
    return word[:1].isupper() and word.casefold() not in STOP_WORDS and not word[:1].isdigit()


def mine_aliases(pairs: Iterable[tuple[list[Any], str]], min_count: int = 3, min_share: float = MIN_SHARE,
                 min_purity: float = MIN_PURITY, max_aliases: int = MAX_ALIASES) -> dict[str, list[str]]:
    """Aliases per entity written form (see the module's docstring), the most frequent first."""
    together: dict[str, list[set[str]]] = defaultdict(list)  # the n-grams of each text that does not name it
    df: Counter[str] = Counter()  # texts with the n-gram
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for triples, text in pairs:
        grams = _candidates(text)
        keys = {_key(g) for g, _ in grams}
        df.update(keys)
        for gram, _ in grams:
            spellings[_key(gram)][gram] += 1
        ends = sorted({surface_form(end) for s, _, o in triples for end in (s, o)}, key=len, reverse=True)
        found: list[Span] = []
        absent = []
        for end in ends:
            span = find_entity(text, end, found)
            if span is not None:
                found.append(span)
            elif end[:1].isalpha():  # numbers and dates are read otherwise
                absent.append(end)
        if not absent:
            continue
        free = {_key(g) for g, (a, b) in grams if not any(x < b and a < y for x, y in found)}
        for end in absent:
            others = [other for other in ends if other != end]
            keys_for_end = {k for k in free if not any(_inside(k, other) for other in others)}
            together[end].append(keys_for_end)
    aliases: dict[str, list[str]] = {}
    for end, texts in sorted(together.items()):
        kept = _select(end, texts, df, spellings, (min_count, min_share, min_purity, max_aliases))
        if kept:
            aliases[end] = kept
    return aliases


def _select(end: str, texts: list[set[str]], df: Counter[str], spellings: dict[str, Counter[str]],
            limits: tuple[int, float, float, int]) -> list[str]:
    """An entity's aliases, the most frequent first (the longest of equals): each seen in a fair share of the texts
    that use none of those kept before ("USA" after "US"), and mostly with the entity."""
    min_count, min_share, min_purity, max_aliases = limits
    counts = Counter(key for keys in texts for key in keys)
    remaining = texts
    kept: list[str] = []
    for key, count in sorted(counts.items(), key=lambda item: (-item[1], -len(item[0]), item[0])):
        if count < min_count or len(kept) >= max_aliases:
            break
        if len(key) < 2:
            continue  # one letter ("U" of a split "U.S") names nothing
        left = sum(1 for keys in remaining if key in keys)
        if left < min_count or left / max(len(remaining), 1) < min_share or count / df[key] < min_purity:
            continue
        spelling = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
        if find_entity(spelling, end, []) is not None or _inside(key, end) or any(_inside(key, k) for k in kept):
            continue  # the name itself, a part of it ("Four" of Four World Trade Center), or of an alias kept
        kept.append(spelling)
        remaining = [keys for keys in remaining if key not in keys]
    return kept


def mine_class_words(pairs: Iterable[tuple[list[Any], str]], min_entities: int = MIN_CLASS_ENTITIES,
                     min_share: float = MIN_CLASS_SHARE) -> list[str]:
    """Class words: lower-case last words of multi-word names ("music" of Rock_music, "engine" of
    Straight-four_engine) that texts leave out, writing the rest of the name, for at least `min_entities`
    entities and in at least `min_share` of the entities that end in the word and are written one way or the other."""
    dropped: dict[str, set[str]] = defaultdict(set)
    written: dict[str, set[str]] = defaultdict(set)
    for triples, text in pairs:
        for end in {surface_form(e) for s, _, o in triples for e in (s, o)}:
            words = without_disambiguator(end).split()
            if len(words) < 2 or not end[:1].isalpha() or not (words[-1].isalpha() and words[-1].islower()):
                continue  # numbers with units ("52.0 minutes") are read as numbers
            if find_entity(text, end, []) is not None:
                written[words[-1]].add(end)
            elif find_entity(text, " ".join(words[:-1]), []) is not None:
                dropped[words[-1]].add(end)
    return sorted(w for w, ends in dropped.items()
                  if len(ends) >= min_entities and len(ends) / len(ends | written[w]) >= min_share)
