"""Words for the people or things of an entity, mined from data/text pairs (part of `hybridnlg lexicon aliases`).

"Alan Bean was an American" writes a word for United_States that no spelling rule derives from its name, and the
added-name check would call it a name the data lacks. Mining counts the capitalised words of training texts that
neither a name of the record nor a word derived from one explains, with the entities of the record each time. A word
seen that way `min_count` times, and with one entity in `min_purity` of them, is related to that entity if the
statistical pipeline tags it a people or a place (NORP or GPE) in most of the texts it was seen in ("American",
"America"; not "Vice" or "Dean", which stand by a person's name, nor an organisation often named beside an entity).
The validator reads a related word as the entity written ("an American" for a nationality United_States) and as no
name the data lacks.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from hybridnlg import surface_form

from .entities import explained_by, plain
from .stems import STOP_WORDS

MIN_COUNT = 20
MIN_PURITY = 0.6
PEOPLE_LABELS = frozenset({"NORP", "GPE"})
SAMPLE = 20  # texts per word that the pipeline reads
_WORD = re.compile(r"(?<![\w'’.-])[A-Z][a-z]{2,}(?![\w'’-])")


def unexplained_words(text: str, ends: Iterable[str]) -> set[str]:
    """The capitalised words of a text that are no word of the record's names nor derived from one."""
    blob = plain(" | ".join(ends)).lower()
    blob_words = set(re.findall(r"[^\W\d_]{4,}", blob))
    return {word for word in {m.group() for m in _WORD.finditer(plain(text))}
            if word.lower() not in STOP_WORDS and not explained_by(word.lower(), blob, blob_words)}


Tagger = Callable[[str, list[str]], float]  # the share of the texts in which a word is tagged a people or a place


def spacy_tagger(nlp: Any) -> Tagger:
    """A `Tagger` reading the texts with a statistical spaCy pipeline."""
    def share(word: str, texts: list[str]) -> float:
        tagged = sum(any(t.text == word and t.ent_type_ in PEOPLE_LABELS for t in doc) for doc in nlp.pipe(texts))
        return tagged / max(len(texts), 1)
    return share


def mine_related(pairs: Iterable[tuple[list[Any], str]], tagger: Tagger, min_count: int = MIN_COUNT,
                 min_purity: float = MIN_PURITY) -> dict[str, list[str]]:
    """Related words per entity written form (see the module's docstring), the most frequent first."""
    seen: Counter[str] = Counter()
    together: dict[str, Counter[str]] = defaultdict(Counter)
    texts: dict[str, list[str]] = defaultdict(list)
    for triples, text in pairs:
        ends = {surface_form(end) for s, _, o in triples for end in (s, o)}
        for word in unexplained_words(text, ends):
            seen[word] += 1
            together[word].update(ends)
            if len(texts[word]) < SAMPLE:
                texts[word].append(text)
    related: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for word, count in seen.items():
        if count < min_count or tagger(word, texts[word]) < 0.5:
            continue
        for end, n in together[word].items():
            if n >= min_count and n >= min_purity * count:
                related[end].append((n, word))
    return {end: [word for _, word in sorted(words, key=lambda item: (-item[0], item[1]))]
            for end, words in sorted(related.items())}
