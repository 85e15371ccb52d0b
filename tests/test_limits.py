"""One budget for every Jinja2 evaluation (templates, `when`, titles, entity names): each payload here once ran for
seconds to forever, or built hundreds of megabytes to gigabytes, before a limit noticed; now each stops at once with
a clear error. Normal templates render exactly as Jinja2's own sandbox renders them."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from hybridnlg import DataError, TemplateError, tidy
from hybridnlg.expressions import Expressions
from hybridnlg.limits import LimitedEnvironment
from hybridnlg.testing import make_engine
from hybridnlg_template import filters
from hybridnlg_template.sandbox import LimitedSandbox, LimitError

ROOT = Path(__file__).resolve().parent.parent
SLOW = 5.0  # seconds: a generous bound for "stopped at once" (each timeout here is 1 s or less)
MEMORY = 100 << 20  # bytes: the most a payload may allocate (traced), far below 256 MB
DOUBLING = "{% set s = namespace(v=VALUE) %}{% for i in range(40) %}{% set s.v = EXPR %}{% endfor %}{{ s.v|length }}"
DAG = "{% set a = namespace(v=[1]) %}{% set b = namespace(v=[1]) %}{% for i in range(60) %}" \
      "{% set a.v = [a.v, a.v] %}{% set b.v = [b.v, b.v] %}{% endfor %}"
ALIASED = "{% set l = [] %}{% set big = [1] * 19999 %}{% for i in range(2000) %}{% set _ = l.append(big) %}{% endfor %}"
LONG = "x " * 200_000

# name: (template, record)
TEMPLATES: dict[str, tuple[str, dict[str, Any]]] = {
    # str methods and format widths
    "str-ljust": ("{{ 'x'.ljust(10**9) }}", {}),
    "str-rjust": ("{{ 'x'.rjust(999999999) }}", {}),
    "str-center": ("{{ 'x'.center(10**9) }}", {}),
    "str-zfill": ("{{ '1'.zfill(10**9) }}", {}),
    "str-expandtabs": ("{{ '\\t\\t'.expandtabs(10**9)|length }}", {}),
    "str-replace": ("{{ ('a' * 19999).replace('a', 'b' * 19999)|length }}", {}),
    "str-translate": ("{{ ('a' * 19999).translate({97: 'b' * 19999})|length }}", {}),
    "str-join": ("{{ ''.join(['x' * 19999] * 19999)|length }}", {}),
    "percent-width": ("{{ '%400000000d' % 1 }}", {}),
    "percent-star-width": ("{{ '%*d' % (400000000, 1) }}", {}),
    "percent-precision": ("{{ '%.400000000d' % 1 }}", {}),
    "format-width": ("{{ '{:>400000000}'.format(1) }}", {}),
    "format-fill-width": ('{{ "{0:0>999999999}".format(1) }}', {}),
    "format-nested-width": ("{{ '{:>{w}}'.format(1, w=400000000) }}", {}),
    "format-map-width": ("{{ '{a:>400000000}'.format_map({'a': 1}) }}", {}),
    "format-precision": ("{{ '{:.400000000f}'.format(1.5) }}", {}),
    "format-filter": ("{{ '%400000000d'|format(1) }}", {}),
    # doubling
    "concat-doubling": (DOUBLING.replace("VALUE", "'x'").replace("EXPR", "s.v ~ s.v"), {}),
    "plus-doubling": (DOUBLING.replace("VALUE", "'x'").replace("EXPR", "s.v + s.v"), {}),
    "list-plus-doubling": (DOUBLING.replace("VALUE", "[1]").replace("EXPR", "s.v + s.v"), {}),
    "list-extend-doubling": ("{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) or '' }}{% endfor %}", {}),
    "block-set-doubling": (DOUBLING.replace("{% set s.v = EXPR %}", "{% set t %}{{ s.v }}{{ s.v }}{% endset %}"
                                            "{% set s.v = t %}").replace("VALUE", "'x'"), {}),
    "int-squaring": (DOUBLING.replace("VALUE", "2 ** 2000 * 2 ** 2000 * 2 ** 2000 * 2 ** 2000")
                     .replace("EXPR", "s.v * s.v"), {}),
    # filters with size arguments, and filters that print what they get
    "slice-filter": ("{{ [1, 2]|slice(10**9)|list|length }}", {}),
    "slice-loop": ("{% for x in [1, 2]|slice(10**9) %}{% endfor %}", {}),
    "batch-filter": ("{{ [1]|batch(10**9, 0)|list|length }}", {}),
    "wordwrap-filter": ("{{ ('a ' * 9000)|wordwrap(1, wrapstring='x' * 19999)|length }}", {}),
    "join-filter": ("{{ (['x' * 19999] * 19999)|join|length }}", {}),
    "join-filter-attribute": ("{{ ([{'a': 'x' * 19999}] * 9999)|join(attribute='a')|length }}", {}),
    "center-filter": ("{{ 'x'|center(10**9)|length }}", {}),
    "indent-filter": ("{{ ('x\\n' * 9999)|indent(19999)|length }}", {}),
    "replace-filter": ("{{ ('a' * 19999)|replace('a', 'b' * 19999)|length }}", {}),
    "string-filter-nested": ("{{ ([['x' * 100] * 199] * 99)|string|length }}", {}),
    "tojson-nested": ("{{ ([['x' * 100] * 199] * 99)|tojson|length }}", {}),
    "tojson-indent": ("{{ ([[1] * 199] * 99)|tojson(indent=10**6)|length }}", {}),
    "pprint-nested": ("{{ ([['x' * 1000] * 199] * 99)|pprint|length }}", {}),
    "namespace-printed": ("{{ namespace(v=[['x' * 5000] * 199] * 99) }}", {}),
    "sum-aliased-lists": (ALIASED + "{{ l|sum(start=[])|length }}", {}),
    "copies-of-aliased-lists": (ALIASED + "{{ l|map('list')|map('list')|list|length }}", {}),
    "lipsum": ("{{ lipsum(10**6, max=10**6)|length }}", {}),
    # comparing and hashing values that hold one list twice at each of 60 levels (2**60 items)
    "compare-dag": (DAG + "{{ a.v == b.v }}", {}),
    "hash-dag": ("{% set t = namespace(v=(1,)) %}{% for i in range(60) %}{% set t.v = (t.v, t.v) %}{% endfor %}"
                 "{{ t.v in {} }}", {}),
    "test-equalto-dag": (DAG + "{{ [a.v]|select('equalto', b.v)|list|length }}", {}),
    "sort-dag": (DAG + "{{ [a.v, b.v]|sort|length }}", {}),
    # time: loops whose bodies call nothing
    "empty-nested-loops": ("{% set s = 'x' * 999 %}{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}"
                           "{% endfor %}{% endfor %}", {}),
    # the plugin's filters (babel and inflect)
    "number-digits": ("{{ 1|number(100000000) }}", {}),
    "number-huge-decimal": ("{{ n|number }}", {"n": Decimal("1e999999")}),
    "plural-long-input": ("{{ word|plural }}", {"word": LONG}),
    "count-noun-long-input": ("{{ 2|count_noun(word) }}", {"word": LONG}),
    "ordinal-long-input": ("{{ word|ordinal }}", {"word": "1" * 4000}),
}

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


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_payload_stops_at_a_limit(name: str) -> None:
    template, record = TEMPLATES[name]
    engine = make_engine(_config("template", template))
    error = _stopped(lambda: engine.render(record), TemplateError)
    assert isinstance(error, TemplateError) and error.segment == "evil"
    assert "limit" in str(error) or "max_output_chars" in str(error), str(error)


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


def test_a_template_loop_with_an_empty_body_stops_at_the_deadline() -> None:
    env = LimitedSandbox()
    template = env.from_string("{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}{% endfor %}")
    started = time.monotonic()
    with pytest.raises(LimitError, match="time limit"):
        env.render_limited(template, {"s": "x" * 999}, 0.2, 20_000)
    assert time.monotonic() - started < 0.2 + 1


def test_the_payloads_stay_far_below_256_mb() -> None:
    """Peak memory of a fresh process that runs every payload (a child: this process's peak counts other tests).
    VmHWM, the peak of the process's own memory map: ru_maxrss would start at this process's size, kept over exec."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc/self/status")
    script = f"""
import json, re, sys
from pathlib import Path
from hybridnlg.testing import make_engine
def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
sys.path.insert(0, {str(ROOT)!r})
from tests.test_limits import EXPRESSIONS, TEMPLATES, _config
before = peak()
for name, (template, record) in TEMPLATES.items():
    if name == "empty-nested-loops":  # a time limit, tested apart
        continue
    try:
        make_engine(_config("template", template)).render(record)
    except Exception as exc:
        assert "limit" in str(exc) or "max_output_chars" in str(exc), (name, str(exc))
    else:
        raise AssertionError(name)
for name, (where, source) in EXPRESSIONS.items():
    if name == "title-nested-loops":
        continue
    try:
        make_engine(_config(where, source)).render({{}})
    except Exception as exc:
        assert "limit" in str(exc), (name, str(exc))
    else:
        raise AssertionError(name)
print(json.dumps([before, peak()]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    before_kb, peak_kb = json.loads(done.stdout.strip().splitlines()[-1])
    assert peak_kb - before_kb < 100 * 1024 and peak_kb < 256 * 1024, (before_kb, peak_kb)


# normal templates: the same output as Jinja2's own sandbox ----------------------------------------------------------

NORMAL = [
    "{{ '%5.1f|%-4s|%03d|%%|%.2s|%r' % (3.14159, 'ab', 7, 'xyz', 'q') }}",
    "{{ '%(name)s has %(n)d stores' % {'name': 'Acme', 'n': 3} }}",
    "{{ '{:>6}|{:<4}|{:^7}|{:08.3f}|{:,}'.format('ab', 'c', 'mid', 3.14159, 1234567) }}",
    "{{ '{a} {b!r}'.format_map({'a': 1, 'b': 'x'}) }} {{ '{0:{1}}'.format('x', 4) }}|",
    "{{ 'ab'.center(6, '*') }} {{ 'ab'.ljust(4, '.') }} {{ '7'.zfill(3) }} {{ 'a\\tb'.expandtabs(4) }}",
    "{{ 'a-b-c'.replace('-', ', ') }} {{ '-'.join(['x', 'y']) }} {{ 'ab'.translate({97: 'A'}) }} {{ 'Ab'.upper() }}",
    "{{ items|join(', ') }}; {{ people|join(' & ', attribute='name') }}; {{ items|join }}",
    "{{ items|sort|join(',') }} {{ people|sort(attribute='age')|map(attribute='name')|join(',') }}",
    "{{ [3, 1, 3]|unique|list }} {{ items|min }} {{ people|max(attribute='age') }} {{ [1, 2, 3]|sum }}",
    "{% for g in people|groupby('age') %}{{ g.grouper }}:{{ g.list|length }} {% endfor %}",
    "{% for k, v in {'b': 2, 'a': 1}|dictsort %}{{ k }}={{ v }} {% endfor %}{{ [[1], [2]]|sum(start=[]) }}",
    "{{ [1, 2, 3, 4, 5]|batch(2, 0)|list }} {{ [1, 2, 3, 4, 5]|slice(2)|list }}",
    "{{ text|wordwrap(12) }}|{{ text|wordwrap(8, wrapstring='<br>') }}|{{ 'a\\n\\nb'|wordwrap(5) }}",
    "{{ text|center(60) }}|{{ 'a\\nb'|indent(2, first=True) }}|{{ text|truncate(20) }}|{{ 'ab'|replace('a', 'xy') }}",
    "{{ {'a': [1, 'x']}|tojson }} {{ {'a': [1, 2]}|tojson(indent=2) }} {{ {'a': 1}|pprint }} {{ [1, 'x']|string }}",
    "{{ '%s-%d'|format('a', 3) }} {{ '%(a)s'|format(a='z') }} {{ 'x'|e }} {{ '<b>'|striptags }} {{ 1024|filesizeformat }}",
    "{% for x in items %}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}",
    "{% for x in items if x != 'b' %}{{ x }}{% else %}none{% endfor %} {% for x in [] %}{% else %}empty{% endfor %}",
    "{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% for n in tree recursive %}{{ n.name }}{% if n.kids %}({{ loop(n.kids) }}){% endif %}{% endfor %}",
    "{% macro m(x) %}[{{ x }}]{% endmacro %}{% macro c() %}<{{ caller() }}>{% endmacro %}{{ m(1) }}"
    "{% call c() %}!{% endcall %}",
    "{% set t %}{{ items|length }} items{% endset %}{{ t ~ '.' }} {% filter upper %}up{% endfilter %}",
    "{% set ns = namespace(s='') %}{% for x in items %}{% set ns.s = ns.s ~ x ~ ';' %}{% endfor %}{{ ns.s }}",
    "{{ 1 ~ 'a' ~ 2.5 }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ 'ab' * 3 }} {{ [0] * 3 }} {{ 2 ** 10 }} {{ 7 % 3 }}",
    "{{ 1 < 2 < 3 }} {{ [1, 2] == [1, 2] }} {{ 'a' in items }} {{ (1, 2) in [(1, 2)] }} {{ {'k': 1}['k'] }}",
    "{{ [1, 2, 3]|select('odd')|list }} {{ items|select('equalto', 'a')|list }} {{ [1, 2] is sameas [1, 2] }}",
    "{{ range(3)|list }} {{ range(1, 10, 4)|list }} {{ dict(a=1) }} {{ items[1:] }} {{ text[:5] }}",
    "{{ people|selectattr('age', 'gt', 30)|map(attribute='name')|first }} {{ items|reverse|list }} {{ items|last }}",
]
DATA = {"items": ["a", "b", "c"], "people": [{"name": "Ann", "age": 31}, {"name": "Bo", "age": 25}],
        "text": "The quick brown fox jumps over the lazy dog.",
        "tree": [{"name": "a", "kids": [{"name": "b", "kids": []}]}, {"name": "c", "kids": []}]}


@pytest.mark.parametrize("source", NORMAL)
def test_normal_templates_render_as_in_jinja2s_sandbox(source: str) -> None:
    expected = SandboxedEnvironment(undefined=StrictUndefined).from_string(source).render(DATA)
    plugin = LimitedSandbox(undefined=StrictUndefined)
    assert plugin.render_limited(plugin.from_string(source), DATA, 2.0, 20_000) == expected
    core = LimitedEnvironment(undefined=StrictUndefined)
    with core.limits(2.0, 20_000):
        assert core.from_string(source).render(DATA) == expected
    assert Expressions().render(source, DATA, where="title") == expected


def test_data_longer_than_the_limit_can_still_be_shortened_and_measured() -> None:
    env = LimitedSandbox(undefined=StrictUndefined)
    text = "word " * 10_000  # 50,000 characters
    source = ("{{ text|length }} {{ text|truncate(12) }} {{ text[:4] }} {{ text.lower()|length }} "
              "{{ text.strip().split()|length }} {{ (text|default(''))[:2] }} {{ text|wordcount }}")
    expected = SandboxedEnvironment().from_string(source).render(text=text)
    assert env.render_limited(env.from_string(source), {"text": text}, 2.0, 20_000) == expected
    with pytest.raises(LimitError, match="max_output_chars"):  # printed as it is, it is over the limit
        env.render_limited(env.from_string("{{ text }}"), {"text": text}, 2.0, 20_000)


def test_hook_filters_added_later_are_guarded_too() -> None:
    env = LimitedSandbox()
    env.filters["pad"] = lambda s, n: s * n  # added after the environment was made, as a plugin's hook does
    with pytest.raises(LimitError, match="'pad' filter built 1,000,000"):
        env.render_limited(env.from_string("{{ 'x'|pad(1000000) }}"), {}, 2.0, 20_000)
    assert env.render_limited(env.from_string("{{ 'x'|pad(3) }}"), {}, 2.0, 20_000) == "xxx"
    env.filters |= {"pad2": lambda s, n: s * n}
    with pytest.raises(LimitError, match="'pad2' filter built"):
        env.render_limited(env.from_string("{{ 'x'|pad2(1000000) }}"), {}, 2.0, 20_000)


# the plugin's filters -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: filters.plural(LONG), lambda: filters.plural(LONG, 2), lambda: filters.count_noun(2, LONG),
    lambda: filters.a_an(LONG), lambda: filters.ordinal("1" * 4000), lambda: filters.ordinal_words(10 ** 4000),
    lambda: filters.number_words("1." + "1" * 200_000), lambda: filters.make_locale_filters("en_US")["number"](1, 10**8),
    lambda: filters.make_locale_filters("en_US")["percent"](1, 10**8),
    lambda: filters.make_locale_filters("en_US")["currency"](Decimal("1e999999")),
], ids=["plural", "plural-count", "count_noun", "a_an", "ordinal", "ordinal_words", "number_words", "number",
        "percent", "currency"])
def test_inflect_and_babel_filters_refuse_huge_input_at_once(call: Any) -> None:
    started = time.monotonic()
    with pytest.raises(LimitError, match="over the limit"):
        call()
    assert time.monotonic() - started < SLOW


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
