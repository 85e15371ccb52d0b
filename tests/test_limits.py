"""One budget for every Jinja2 evaluation: the core's expressions (`when`, titles, entity names) stop at once at a
time or size limit, with a DataError naming the expression and where it is."""

from __future__ import annotations

import random
import re
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from hybridnlg import DataError, tidy
from hybridnlg.expressions import Expressions
from hybridnlg.testing import make_engine

SLOW = 5.0  # seconds: a generous bound for "stopped at once" (each timeout here is 1 s or less)
MEMORY = 100 << 20  # bytes: the most a payload may allocate (traced), far below 256 MB
DOUBLING = "{% set s = namespace(v=VALUE) %}{% for i in range(40) %}{% set s.v = EXPR %}{% endfor %}{{ s.v|length }}"

# name: (where, source): where a config puts a Jinja2 expression
EXPRESSIONS: dict[str, tuple[str, str]] = {
    "when-ljust": ("when", "'x'.ljust(10**9) == ''"),
    "when-multiplication": ("when", "('x' * 10**9) == ''"),
    "when-format-width": ("when", "'{:>400000000}'.format(1) == ''"),
    "when-percent-width": ("when", "('%400000000d' % 1) == ''"),
    "when-power": ("when", "2 ** 100000000 > 1"),
    "when-lipsum": ("when", "lipsum(10**6, max=10**6) == ''"),
    "title-concat-doubling": ("title", DOUBLING.replace("VALUE", "'x'").replace("EXPR", "s.v ~ s.v")),
    "title-nested-loops": ("title", "{% for a in range(9999) %}{% for b in range(9999) %}{% endfor %}{% endfor %}"),
    "title-output-flood": ("title", "{% for a in range(9999) %}{{ 'x' * 9999 }}{% endfor %}"),
    "title-wordwrap": ("title", "{{ ('a ' * 9000)|wordwrap(1, wrapstring='x' * 19999) }}"),
    "entity-center": ("entity", "'x'.center(10**9)"),
    "entity-join": ("entity", "(['x' * 19999] * 19999)|join"),
}


def _config(where: str, source: str) -> dict[str, Any]:
    base: dict[str, Any] = {"validators": {}, "realizers": {"template": {"timeout_s": 1.0}}}
    segment: dict[str, Any] = {"id": "s", "template": "ok"}
    if where == "template":
        return {**base, "segments": [{"id": "evil", "template": source}]}
    if where == "when":
        return {**base, "segments": [{**segment, "when": source}]}
    if where == "title":
        return {**base, "document": {"title": source}, "segments": [segment]}
    return {**base, "entities": {"e": {"name": source}}, "segments": [{**segment, "subject": "e"}]}


def _stopped(render: Callable[[], object], error: type[Exception]) -> Exception:
    """The error `render` stops with, soon and having allocated little (traced by tracemalloc)."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(error) as info:
            render()
        elapsed, peak = time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < SLOW and peak < MEMORY, (elapsed, peak)
    return info.value



@pytest.mark.parametrize("name", EXPRESSIONS)
def test_expression_payload_stops_at_a_limit(name: str) -> None:
    where, source = EXPRESSIONS[name]
    engine = make_engine(_config(where, source))
    message = str(_stopped(lambda: engine.render({}), DataError))
    named = {"when": "segment 's', `when`", "title": "document title", "entity": "entity 'e'"}[where]
    assert named in message and "limit" in message, message


def test_an_expression_has_a_time_limit() -> None:
    expressions = Expressions(timeout_s=0.2)
    loops = "{% set s = 'x' * 999 %}{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(DataError, match=r"record 3, title: cannot render .*time limit \(0.2 s\)"):
        expressions.render(loops, {}, where="record 3, title")
    assert time.monotonic() - started < 0.2 + 1


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
