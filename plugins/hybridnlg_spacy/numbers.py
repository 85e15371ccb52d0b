"""Numbers in text (digits, words, percentages, currency, magnitudes) and in data, and whether they agree."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel import numbers as babel_numbers

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES: dict[str, int] = {w: i for i, w in enumerate(_UNITS)} | {w: (i + 2) * 10 for i, w in enumerate(_TENS)}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
_MAGNITUDES = {
    "k": 1_000, "thousand": 1_000, "m": 1_000_000, "mn": 1_000_000, "mio": 1_000_000, "million": 1_000_000,
    "b": 10**9, "bn": 10**9, "billion": 10**9, "trillion": 10**12,
}  # fmt: skip
_CURRENCY = r"(?:US\$|[$€£¥₹]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|INR)\b\s?)"
_PERCENT = r"(?:\s?%|\s(?:per\s?cent|percent|percentage points?|pp)\b)"
_WORD = "|".join(sorted([*_WORD_VALUES, *_SCALES], key=len, reverse=True))
_NUMBER_WORDS = re.compile(
    rf"(?<![\w-])(?:a\s+(?=(?:{'|'.join(_SCALES)})\b))?(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD}))*(?![\w-])"
    rf"(?P<pct>{_PERCENT})?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NumberMention:
    """A number written in the text: its value, the precision it was written with, and how."""

    value: float
    span: tuple[int, int]
    text: str
    unit: float  # the place value of the last written digit: 1.2 million -> 100000
    percent: bool = False
    currency: str | None = None
    words: bool = False

    @property
    def weak(self) -> bool:
        """'one' alone is usually a pronoun or an article ('one of the best'), not a claim."""
        return self.words and self.value in (0, 1) and not self.percent


class NumberReader:
    """Reads numbers the way the configured locale writes them (grouping and decimal symbols from babel)."""

    def __init__(self, locale: str = "en_US") -> None:
        try:
            group = babel_numbers.get_group_symbol(locale)
            decimal = babel_numbers.get_decimal_symbol(locale)
        except Exception:  # noqa: BLE001 - an unknown locale falls back to English conventions
            group, decimal = ",", "."
        g, d = re.escape(group), re.escape(decimal)
        # Thin/no-break spaces are common group symbols; accept the plain space too.
        if group.isspace():
            g = r"[\s\u202f\u00a0]"
        digits = rf"(?:\d{{1,3}}(?:{g}\d{{3}})+(?:{d}\d+)?|\d+(?:{d}\d+)?|{d}\d+)"
        self._group = group
        self._decimal = decimal
        self._pattern = re.compile(
            rf"(?<![\w.,])(?P<sign>[-−](?=[$€£¥₹\d]))?(?P<cur>{_CURRENCY})?(?P<num>{digits})(?!\d|{d}\d)"
            rf"(?:\s?(?P<mag>thousand|million|billion|trillion|mio|bn|mn|[kKmMbB])(?![\w]))?"
            # a short lowercase unit may be attached ("9.8kg", "10km"); an ordinal suffix ("1st") is no unit
            rf"(?P<pct>{_PERCENT})?(?:(?!\w)|(?=[a-z]{{1,3}}(?!\w))(?!(?:st|nd|rd|th)(?!\w)))",
        )

    def _to_float(self, digits: str) -> tuple[float, int]:
        cleaned = re.sub(r"[\s\u202f\u00a0]", "", digits.replace(self._group, "")) if self._group else digits
        whole, _, frac = cleaned.partition(self._decimal)
        return float(f"{whole or '0'}.{frac or '0'}"), len(frac)

    def read(self, text: str) -> list[NumberMention]:
        """Every number in `text`, in order, digits and words."""
        mentions: list[NumberMention] = []
        for m in self._pattern.finditer(text):
            value, decimals = self._to_float(m.group("num"))
            scale = 1.0
            if m.group("mag"):
                scale = _MAGNITUDES[m.group("mag").lower()]
            if m.group("sign"):
                value = -value
            currency = (m.group("cur") or "").strip() or None
            mentions.append(
                NumberMention(
                    value=value * scale,
                    span=(m.start(), m.end()),
                    text=m.group(0),
                    unit=scale * 10.0**-decimals,
                    percent=bool(m.group("pct")),
                    currency=currency,
                )
            )
        taken = [m.span for m in mentions]
        for m in _NUMBER_WORDS.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            number = _words_to_number(m.group(0) if not m.group("pct") else m.group(0)[: m.start("pct") - m.start()])
            if number is None:
                continue
            mentions.append(
                NumberMention(float(number), (m.start(), m.end()), m.group(0), 1.0, bool(m.group("pct")), None, True)
            )
        return sorted(mentions, key=lambda n: n.span)


def _words_to_number(phrase: str) -> int | None:
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", phrase.lower().strip()):
        if word in ("and", ""):
            continue
        if word == "a":
            current, seen = 1, True
        elif word in _WORD_VALUES:
            current += _WORD_VALUES[word]
            seen = True
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
            seen = True
    return total + current if seen else None


def agrees(mention: NumberMention, target: float, tolerance: float, rounding: bool) -> bool:
    """Whether the written number states `target`, allowing rounding to the written precision."""
    for wanted in (target, abs(target)):
        options = [wanted]
        if mention.percent and abs(wanted) <= 1.5:
            options.append(wanted * 100)  # fractions written as percentages: 0.125 -> 12.5%
        for value in options:
            written = abs(mention.value) if wanted >= 0 else mention.value
            slack = tolerance * abs(value) + 1e-9
            if rounding:
                slack = max(slack, mention.unit / 2 + 1e-9)
            if math.isclose(written, value, abs_tol=slack):
                return True
    return False


def numbers_in(value: Any, reader: NumberReader) -> Iterator[float]:
    """Every number a piece of data states: numeric leaves, numbers inside strings, and list lengths."""
    if isinstance(value, bool) or value is None:
        return
    if (number := as_number(value)) is not None:
        yield number
        return
    if isinstance(value, (int, float, Decimal)):
        return
    if isinstance(value, str):
        for mention in reader.read(value.replace("_", " ")):  # 2015_Campeonato_Brasileiro: 2015
            yield mention.value
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from numbers_in(item, reader)
        return
    if isinstance(value, (list, tuple, set)):
        yield float(len(value))
        for item in value:
            yield from numbers_in(item, reader)


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def currency_symbols(code: str, locales: Iterable[str]) -> set[str]:
    """The ways a currency code is written: the code itself and its symbol in each locale."""
    symbols = {code.upper()}
    for locale in locales:
        try:
            symbols.add(babel_numbers.get_currency_symbol(code.upper(), locale=locale))
        except Exception:  # noqa: BLE001 - unknown codes or locales just add nothing
            continue
    return symbols
