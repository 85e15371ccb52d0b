"""Content words and their crude stems, shared by the predicate lexicon and the value contexts."""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W\d_]+")
STOP_WORDS = frozenset(
    "a an the and or but of to in on at for by from with as into is are was were be been being has have had it its "
    "this that these those which who whom whose there their they he she his her him also not than then so such can "
    "will would one".split()
)


def stem(word: str) -> str:
    """A crude stem that groups inflections and derivations (located, location: 'locat')."""
    word = word.lower()
    return word[:5] if len(word) > 5 else word


def stems(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(text) if len(w) > 2 and w.lower() not in STOP_WORDS}
