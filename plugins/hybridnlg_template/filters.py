"""NLG filters and globals for templates: inflect for English morphology, babel for locale-aware formats."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from jinja2 import pass_context
from jinja2.runtime import Context

from hybridnlg import (
    by_subject,
    capitalize_first,
    inflect_engine,
    predicate_words,
    sentence,
    surface_form,
    without_disambiguator,
)

from .sandbox import LimitError

VARIATION_KEY = "_hybridnlg_variation"
# inflect's plural takes time quadratic in the length of its input (20,000 characters: 2 s), and a noun phrase or a
# number is short: longer input is a LimitError before inflect sees it.
MAX_WORD_CHARS = 1_000
# babel writes every digit asked for: `number(10**8)` would build a pattern, and a number, of 100 million digits.
MAX_DIGITS = 100
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Variation:
    """Seeded lexical choice for one document: reproducible, and never the same pick twice in a row."""

    def __init__(self, seed: int, document: int) -> None:
        self.rng = random.Random(f"{seed}:{document}")
        self.last: dict[tuple[str, ...], str] = {}

    def choose(self, options: Sequence[str]) -> str:
        key = tuple(options)
        pool = [o for o in key if o != self.last.get(key)] if len(set(key)) > 1 else list(key)
        pick = self.rng.choice(pool)
        self.last[key] = pick
        return pick


@pass_context
def choice(context: Context, *options: str) -> str:
    """`{{ choice("cheap", "inexpensive", "low-priced") }}`: a seeded synonym choice."""
    if not options:
        raise ValueError("choice() needs at least one option")
    variation: Variation | None = context.get(VARIATION_KEY)
    if variation is None:
        return options[0]
    return variation.choose(options)


def _short(value: Any, filter_name: str) -> Any:
    """`value` as it is, when its text is at most MAX_WORD_CHARS long (checked before inflect works on it)."""
    if isinstance(value, str):
        size = len(value)
    elif isinstance(value, int):
        size = value.bit_length() // 3 + 1  # digits, without writing out a number too long for str()
    else:
        size = len(str(value)) if isinstance(value, (float, Decimal)) else 0
    if size > MAX_WORD_CHARS:
        raise LimitError(f"the '{filter_name}' filter got {size:,} characters, over the limit of {MAX_WORD_CHARS:,} "
                         "for a word or number")
    return value


def plural(word: str, count: Any = None) -> str:
    """`{{ "store" | plural(n) }}` -> 'store' when n == 1, else 'stores'."""
    word = _short(word, "plural")
    return inflect_engine().plural(word, count) if count is not None else inflect_engine().plural(word)


def count_noun(count: Any, word: str, words_below: int = 0) -> str:
    """`{{ 3 | count_noun("store") }}` -> '3 stores'; with words_below=10 -> 'three stores'."""
    word, count = _short(word, "count_noun"), _short(count, "count_noun")
    shown = number_words(count, words_below) if words_below else str(count)
    return f"{shown} {inflect_engine().plural(word, count)}"


def a_an(word: str) -> str:
    """`{{ "Italian restaurant" | a_an }}` -> 'an Italian restaurant'."""
    return inflect_engine().a(_short(str(word), "a_an"))


def ordinal(value: Any) -> str:
    """`{{ 2 | ordinal }}` -> '2nd'."""
    return inflect_engine().ordinal(_short(value, "ordinal"))


def ordinal_words(value: Any) -> str:
    """`{{ 2 | ordinal_words }}` -> 'second'."""
    return inflect_engine().ordinal(_in_words(_short(value, "ordinal_words")))


def number_words(value: Any, below: int | None = None) -> str:
    """`{{ 3 | number_words }}` -> 'three'; with below=10, numbers from 10 up stay in digits."""
    if below is not None and not (isinstance(value, int) and abs(value) < below):
        return str(value)
    return _in_words(_short(value, "number_words"))


def _in_words(value: Any) -> str:
    words = inflect_engine().number_to_words(value)
    assert isinstance(words, str)  # a list only with wantlist=True
    return words


def join_list(items: Sequence[Any], conj: str = "and", oxford: bool = False) -> str:
    """`{{ ["A", "B", "C"] | join_list }}` -> 'A, B and C' (inflect's join takes linear time: no length cap)."""
    words = [str(i) for i in items]
    return inflect_engine().join(words, conj=conj, final_sep="," if oxford else "")


def _as_number(value: Any) -> Decimal | int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")
    if isinstance(value, Decimal) and value.is_finite() and abs(value.adjusted()) > MAX_WORD_CHARS:
        raise LimitError(f"a number of more than {MAX_WORD_CHARS:,} digits is over the limit ({value:.3e})")
    return value


def _digits(digits: Any) -> Any:
    if isinstance(digits, int) and digits > MAX_DIGITS:
        raise LimitError(f"{digits:,} digits after the decimal point is over the limit of {MAX_DIGITS}")
    return digits


def make_locale_filters(locale: str) -> dict[str, Callable[..., str]]:
    """Filters bound to the engine's locale."""

    def number(value: Any, digits: int | None = None) -> str:
        """`{{ 1234567.891 | number(1) }}` -> '1,234,567.9'."""
        value, digits = _as_number(value), _digits(digits)
        fmt = None if digits is None else ("#,##0." + "0" * digits if digits else "#,##0")
        return babel_numbers.format_decimal(value, format=fmt, locale=locale)

    def currency(value: Any, code: str = "USD", compact: bool = False) -> str:
        """`{{ 1200000 | currency("USD", compact=True) }}` -> '$1.2M'; without compact -> '$1,200,000.00'."""
        value = _as_number(value)
        if compact:
            return babel_numbers.format_compact_currency(value, code, locale=locale, fraction_digits=1)
        return babel_numbers.format_currency(value, code, locale=locale)

    def percent(value: Any, digits: int = 1) -> str:
        """`{{ 12.5 | percent }}` -> '12.5%' (the value is in percent units)."""
        # Decimal keeps 11.6 from printing as 11.599999999999999 once quantization is off.
        fraction = Decimal(str(round(float(_as_number(value)), _digits(digits)))) / 100
        return babel_numbers.format_percent(fraction, locale=locale, decimal_quantization=False)

    def date(value: Any, form: str = "long") -> str:
        """`{{ "2026-03-31" | date }}` -> 'March 31, 2026'; form: short, medium, long, full or a CLDR pattern."""
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        if not isinstance(value, dt.date):
            raise TypeError(f"expected a date or an ISO date string, got {type(value).__name__} {value!r}")
        return babel_dates.format_date(value, format=form, locale=locale)

    def prose(value: Any, form: str = "long") -> str:
        """An entity as prose writes it: `Stuart_Parker_(footballer)` -> 'Stuart Parker', `1963-03-20` ->
        'March 20, 1963' (the `date` filter's form); anything else as `surface`."""
        text = surface_form(value)
        if _ISO_DATE.fullmatch(text):
            try:
                return date(text, form)
            except ValueError:
                return text  # 1963-02-30: no date, written as it is
        return without_disambiguator(text)

    return {"number": number, "currency": currency, "percent": percent, "date": date, "prose": prose}


def trend_word(direction: str, rising: str = "rose", falling: str = "fell", flat: str = "held steady") -> str:
    """`{{ "rising" | trend_word }}` -> 'rose' (directions come from the `trend` computed fact)."""
    return {"rising": rising, "falling": falling, "flat": flat}[direction]


def absolute(value: Any) -> Any:
    return abs(_as_number(value))


FILTERS: dict[str, Callable[..., Any]] = {
    "plural": plural,
    "count_noun": count_noun,
    "a_an": a_an,
    "ordinal": ordinal,
    "ordinal_words": ordinal_words,
    "number_words": number_words,
    "join_list": join_list,
    "trend_word": trend_word,
    "absolute": absolute,
    "capfirst": capitalize_first,
    "sentence": sentence,
    "surface": surface_form,
    "predicate_words": predicate_words,
    "by_subject": by_subject,
}

GLOBALS: dict[str, Callable[..., Any]] = {"choice": choice}
