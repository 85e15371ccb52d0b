"""Knowledge-graph literals (numbers and dates) in relations: which objects are literals, and where a text writes
one ('2702.0' as 2,702 or 2702 metres; '1963-03-20' as March 20, 1963)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from hybridnlg import surface_form

from .dates import as_date, find_date
from .entities import Span
from .numbers import NumberMention, NumberReader, agrees

# a number with at most a few words of unit ("52.0 minutes", "0.0999 kilometre per seconds"): the number is the fact
_NUMBER_WITH_UNIT = re.compile(r"[\W\d\s]*(?:[^\W\d_]+[\W\s]*){0,4}")
_METRES = re.compile(r"[\d.,]+\s?m")  # "210m", "5.4 m": metres as well as millions
# lengths a text may write in another unit than the data's ("125800.0 millimetres" as 125.8 metres)
_LENGTHS = {"mm": 0.001, "millimetre": 0.001, "millimeter": 0.001, "cm": 0.01, "centimetre": 0.01,
            "centimeter": 0.01, "m": 1.0, "metre": 1.0, "meter": 1.0, "km": 1000.0, "kilometre": 1000.0,
            "kilometer": 1000.0}
_UNIT_AFTER = re.compile(r"\s?-?([^\W\d_]+)")


def literal(value: Any) -> bool:
    """Whether a relation's object is a number or a date rather than a name."""
    written = surface_form(value)
    return bool(re.match(r"[\d\-+.]", written)) or as_date(written) is not None


def states_literal(mention: NumberMention, value: float, rounding: bool) -> bool:
    """A knowledge-graph literal (a year, a length, a count) is an exact value: only rounding to the written precision
    is allowed, never the relative `tolerance` of reported figures (1927 for a completion date of 1931 is wrong).
    An attached "m" is a unit as well as millions: "210m" above sea level."""
    if agrees(mention, value, 0.0, rounding):
        return True
    metres = _METRES.fullmatch(mention.text) is not None
    return metres and agrees(replace(mention, value=mention.value / 1e6, unit=mention.unit / 1e6), value, 0.0, rounding)


def find_literal(text: str, end: str, mentions: Sequence[NumberMention], reader: NumberReader,
                 locales: Sequence[str], rounding: bool) -> tuple[bool, Span | None]:
    """(whether `end` is a date or a number, where the text writes it). A date must be written with its year ("born
    on July 23" does not say 1982-07-23); a number may carry a unit or a different precision; `mentions` are the
    numbers the text writes."""
    if (day := as_date(end)) is not None:
        return True, find_date(text, day, locales, need_year=True)
    wanted = reader.read(end)
    if len(wanted) == 1 and _NUMBER_WITH_UNIT.fullmatch(end):
        readings = _readings(end, wanted[0])
        return True, next((m.span for m in mentions for value, unit in readings
                           if states_literal(m, value, rounding) and unit in (None, _unit(text, m))), None)
    return False, None


def _unit(text: str, mention: NumberMention) -> float | None:
    """The length unit written right after a number of the text, or attached to it ("125.8m"), as metres."""
    if _METRES.fullmatch(mention.text):
        return 1.0
    after = _UNIT_AFTER.match(text, mention.span[1])
    return _length(after.group(1)) if after else None


def _length(word: str) -> float | None:
    word = word.lower()
    return _LENGTHS.get(word[:-1] if word.endswith("s") and len(word) > 3 else word)


def _readings(end: str, number: NumberMention) -> list[tuple[float, float | None]]:
    """The values a number of the data may be written as, with the unit that must follow it (None: any): itself;
    for "42 m", 42 (metres, not millions); for a length, the same length in another unit ("125800.0 millimetres"
    as 125.8 metres or 12580 centimetres)."""
    value, unit = number.value, _unit(end, number)
    if _METRES.fullmatch(number.text):
        value = value / 1e6
    readings: list[tuple[float, float | None]] = [(number.value, None), (value, None)]
    if unit is not None:
        readings += [(value * unit / other, other) for other in set(_LENGTHS.values()) if other != unit]
    return readings
