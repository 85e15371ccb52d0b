"""Text helpers take linear time on any input and give the same text as before."""

from __future__ import annotations

import random
import re
import time

from hybridnlg import tidy

# text helpers: linear time, same output ---------------------------------------------------------------------------


def _tidy_before(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text.replace("\n", " "))
    return re.sub(r"\s+([,.;:!?])", r"\1", text).strip()


def test_tidy_is_linear_on_long_runs_of_unusual_spaces() -> None:
    for text in ["a" + "\u2003" * 19_000 + "b", "\u3000\r" * 50_000 + ".", "\x0b" * 100_000]:
        started = time.monotonic()
        tidy(text)
        assert time.monotonic() - started < 1.0


def test_tidy_gives_the_same_text_as_before() -> None:
    rng = random.Random(7)
    alphabet = [" ", "\t", "\n", "\u2003", "\xa0", "\r", "a", "b", ",", ".", "!", "?", ";", ":", "'"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert tidy(text) == _tidy_before(text), repr(text)
