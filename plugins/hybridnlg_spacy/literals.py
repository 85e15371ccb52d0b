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
    metres = re.fullmatch(r"[\d.,]+m", mention.text) is not None
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
        return True, next((m.span for m in mentions if states_literal(m, wanted[0].value, rounding)), None)
    return False, None
