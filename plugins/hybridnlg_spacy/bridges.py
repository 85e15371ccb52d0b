"""The words between a relation's subject and object, mined from data/text pairs (part of `hybridnlg lexicon mine`).

People often say a relation by nothing but the few words that join its two ends: "the Acharya Institute of
Technology in Bangalore" (a city), "Gruppo Bertone of Turin", "Spain's Felipe VI" (a leader), "Alan Bean is from
Wheeler" (a birth place). No cue word of the predicate is there, and the word by the value alone ("in") stands by
the values of many predicates. The whole bridge, with its direction and the subject on one side, tells more: mining
counts, for every relation whose two ends a training text writes within one clause with at most four words and
nothing else of the record between them, those words, by the relation's predicate. A bridge says a predicate when
it joined that predicate's ends often (`MIN_COUNT` times), in a fair share of the texts that write both of them
(`MIN_SHARE`: 'in' for a city) or mostly that predicate's (`MOSTLY`: 'from' for a birth place).
A bridge the predicate's texts never use ("died in" for a birth place) says nothing, and the predicate stays unsaid.
Nor does a bridge that ends in a verb "to be", a relative word or a comma (with or without an article after it):
"Spain is Felipe VI" and "Spain, where Felipe VI" are how texts begin to say a leader ("the leader of Spain is …",
"… where Felipe VI is the leader"), not how they say it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hybridnlg import surface_form

from .entities import Span, find_entity, fold
from .literals import literal

MAX_WORDS = 4
MAX_TOKENS = 6
MIN_COUNT = 5  # a bridge seen fewer times with a predicate says nothing of it
MIN_SHARE = 0.02  # of the texts that write both ends of the predicate's relations
MOSTLY = 0.5  # of all the relations the bridge joined
KEEP_COUNT = 3  # smaller counts are not stored
_BREAK = re.compile(r"[.!?;:](?:\s|$)|\n|\"")
_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
_ARTICLES = frozenset({"a", "an", "the"})
_OPEN = frozenset({"is", "are", "was", "were", "be", "been", "being", "where", "which", "who", "whose", "whom", "that",
                   "and", "or", "but", "its", "his", "her", "their", "whereas", "while"})


class Bridges(BaseModel):
    """How often the training texts wrote both ends of each predicate's relations (`pairs`), how often the words
    between them were each bridge (`said`: '> in' subject first, '< is the leader of' object first), and how often
    each bridge joined the ends of any relation (`uses`)."""

    model_config = ConfigDict(extra="forbid")
    pairs: dict[str, int] = Field(default_factory=dict)
    said: dict[str, dict[str, int]] = Field(default_factory=dict)
    uses: dict[str, int] = Field(default_factory=dict)

    def update(self, other: Bridges) -> None:
        self.pairs.update(other.pairs)
        self.said.update(other.said)
        self.uses.update(other.uses)


def bridge(text: str, subject: Span, obj: Span, others: Sequence[Span]) -> str | None:
    """The words between a subject and an object written within one clause (at most `MAX_WORDS` words, nothing of
    `others` between them), lower case, accents folded, with the direction: '> in', "< ' s"; None when there are
    no such words."""
    first, second, arrow = (subject, obj, ">") if subject[1] <= obj[0] else (obj, subject, "<")
    if first[1] > second[0]:
        return None  # one inside the other
    if any(first[1] <= a and b <= second[0] for a, b in others):
        return None
    gap = fold(text[first[1]:second[0]]).lower().replace("’", "'")
    if _BREAK.search(gap):
        return None
    tokens = _TOKEN.findall(gap)
    words = sum(1 for token in tokens if token[0].isalnum())
    if not tokens or words > MAX_WORDS or len(tokens) > MAX_TOKENS:
        return None
    return f"{arrow} {' '.join(tokens)}"


def _closed(key: str) -> bool:
    """Whether a bridge ends in words that join the two ends (a preposition, a verb, a noun), not in words that
    open a statement the text finishes after the second end."""
    tokens = key.split()[1:]
    while tokens and tokens[-1] in _ARTICLES:
        tokens.pop()
    return bool(tokens) and tokens[-1][0].isalnum() and tokens[-1] not in _OPEN


class BridgeCounter:
    """Counts the bridges of training pairs: `add` each text with the spans of its ends, then `table`."""

    def __init__(self) -> None:
        self.pairs: dict[str, int] = defaultdict(int)
        self.said: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, text: str, triples: Iterable[tuple[Any, Any, Any]], found: Mapping[str, list[Span]]) -> None:
        spans = [span for spans in found.values() for span in spans]
        for subject, predicate, obj in triples:
            subject_spans, object_spans = found.get(surface_form(subject), []), found.get(surface_form(obj), [])
            if not subject_spans or not object_spans:
                continue
            self.pairs[str(predicate)] += 1
            keys = {key for s in subject_spans for o in object_spans
                    if (key := bridge(text, s, o, [x for x in spans if x not in (s, o)])) is not None}
            for key in keys:
                self.said[key][str(predicate)] += 1

    def table(self) -> Bridges:
        said = {key: dict(sorted((p, n) for p, n in of.items() if n >= KEEP_COUNT))
                for key, of in sorted(self.said.items())}
        return Bridges(pairs=dict(sorted(self.pairs.items())), said={k: v for k, v in said.items() if v},
                       uses={k: sum(self.said[k].values()) for k, v in said.items() if v})


def _places(text: str, end: str, where: Mapping[str, Span]) -> list[Span]:
    """Where the text writes an end: its first place (`where`) and, for a name, up to four more."""
    others = [span for name, span in where.items() if name != end]
    spans = [where[end]]
    while not literal(end) and len(spans) < 5 and (span := find_entity(text, end, [*spans, *others])) is not None:
        spans.append(span)
    return spans


def says(bridges: Bridges, key: str, predicate: str) -> bool:
    """Whether the training texts joined the predicate's ends by this bridge often enough."""
    count = bridges.said.get(key, {}).get(predicate, 0)
    if not _closed(key) or count < MIN_COUNT:
        return False
    return count >= MIN_SHARE * bridges.pairs.get(predicate, 0) or count >= MOSTLY * bridges.uses.get(key, 0)


def bridged(bridges: Bridges, text: str, triple: tuple[Any, Any, Any], where: Mapping[str, Span]) -> str | None:
    """The words between the relation's subject and object, where they say its predicate (see `says`); every place
    the text writes a name is tried ("… in Bangalore. The Acharya Institute of Technology in Bangalore"). None when
    no bridge says it."""
    ends = surface_form(triple[0]), surface_form(triple[2])
    if any(end not in where for end in ends):
        return None
    others = [span for name, span in where.items() if name not in ends]
    for s in _places(text, ends[0], where):
        for o in _places(text, ends[1], where):
            if (key := bridge(text, s, o, others)) is not None and says(bridges, key, str(triple[1])):
                return key[2:]
    return None
