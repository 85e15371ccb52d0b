"""Direction words: trend facts (rising/falling/flat) and the sign a text gives a number."""

from __future__ import annotations

import re
from typing import Any, Literal

from .lexicon import value_key

Direction = Literal["up", "down", "flat"]

TREND_VALUES: dict[str, Direction] = {
    **dict.fromkeys("rising rise rose up increase increasing increased growth growing grew higher".split(), "up"),
    **dict.fromkeys(
        "falling fall fell down decrease decreasing decreased decline declining declined lower".split(), "down"
    ),
    **dict.fromkeys("flat steady stable unchanged level".split(), "flat"),
}

_UP = (
    "rose rise rises rising risen grew grow grows growing grown growth increased increase increases increasing up "
    "gained gain gains climbed climb climbs jumped jump jumps improved improve improves higher soared surged advanced"
)
_DOWN = (
    "fell fall falls falling fallen declined decline declines declining decreased decrease decreases decreasing "
    "dropped drop drops down lower shrank shrunk slipped slid dipped contracted plunged tumbled"
)
_FLAT = r"held steady|holding steady|flat|unchanged|stable|steady|remained the same|stayed the same|no change"


def _words(words: str) -> str:
    return "|".join(sorted(words.split(), key=len, reverse=True))


TREND_WORDS: dict[Direction, re.Pattern[str]] = {
    "up": re.compile(rf"(?<![\w-])(?:{_words(_UP)})(?![\w-])", re.IGNORECASE),
    "down": re.compile(rf"(?<![\w-])(?:{_words(_DOWN)})(?![\w-])", re.IGNORECASE),
    "flat": re.compile(rf"(?<![\w-])(?:{_FLAT})(?![\w-])", re.IGNORECASE),
}

# Right after a number: "420 more than", "4.7% lower".
_AFTER_UP = re.compile(r"^\s*(?:more|higher|up|above)\b", re.IGNORECASE)
_AFTER_DOWN = re.compile(r"^\s*(?:fewer|less|lower|down|below)\b", re.IGNORECASE)
_SIGNED: tuple[Direction, ...] = ("up", "down")  # the directions that give a number a sign
_AFTER: tuple[tuple[Direction, re.Pattern[str]], ...] = (("up", _AFTER_UP), ("down", _AFTER_DOWN))
# Words that end the phrase a direction word governs: "fell 4.7% to $4.1M" says nothing about $4.1M's sign.
_WINDOW_STOP = re.compile(r"[,;:.!?]|\b(?:to|from|at|across|with|for|and|but|while|in|on)\b", re.IGNORECASE)


def trend_direction(value: Any) -> Direction | None:
    if not isinstance(value, str):
        return None
    return TREND_VALUES.get(value_key(value))


def direction_before(text: str, start: int, end: int) -> tuple[Direction, tuple[int, int]] | None:
    """The direction a short phrase around a number gives it ("rose 12.5%", "down 4.7%", "420 fewer")."""
    before = text[max(0, start - 40) : start]
    cut = None
    for m in _WINDOW_STOP.finditer(before):
        cut = m.end()
    window_start = max(0, start - 40) + (cut or 0)
    window = text[window_start:start]
    best: tuple[Direction, tuple[int, int]] | None = None
    for direction in _SIGNED:
        for m in TREND_WORDS[direction].finditer(window):
            span = (window_start + m.start(), window_start + m.end())
            if best is None or span[0] > best[1][0]:
                best = (direction, span)
    if best is not None:
        return best
    after = text[end : end + 20]
    for direction, pattern in _AFTER:
        found = pattern.search(after)
        if found:
            leading_space = len(found.group(0)) - len(found.group(0).lstrip())
            return direction, (end + found.start() + leading_space, end + found.end())
    return None
