"""Dates in data, and the common ways a text writes them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from babel import dates as babel_dates

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_MONTH_NAME_DATE = re.compile(r"^\d{4}-[A-Za-z]{3}-\d{2}$")  # 2011-Aug-27, as some knowledge graphs write dates


@cache
def _ordinal(day: int) -> str:
    from hybridnlg import inflect_engine

    return inflect_engine().ordinal(str(day))  # same text as for the int, which inflect types as numbers.Number


def as_date(value: Any) -> dt.date | None:
    """A date from a date/datetime, an ISO 8601 string or one with the month's abbreviation (2011-Aug-27); None for
    anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    if isinstance(value, str) and _MONTH_NAME_DATE.match(value.strip()):
        try:
            return dt.datetime.strptime(value.strip(), "%Y-%b-%d").date()
        except ValueError:
            return None
    return None


def date_forms(day: dt.date, locales: Iterable[str]) -> list[str]:
    """Ways to write `day`, longest first: CLDR formats per locale plus the usual English variants."""
    forms: set[str] = {day.isoformat(), f"{day:%Y/%m/%d}", f"{day:%d.%m.%Y}", f"{day:%Y.%m.%d}"}
    for sep in "/-":  # month first (US) or day first: a text that writes this date one way or the other means it
        forms |= {f"{day:%m}{sep}{day:%d}{sep}{day:%Y}", f"{day:%d}{sep}{day:%m}{sep}{day:%Y}",
                  f"{day.month}{sep}{day.day}{sep}{day.year}", f"{day.day}{sep}{day.month}{sep}{day.year}"}
    month, abbr = f"{day:%B}", f"{day:%b}"
    nth = _ordinal(day.day)
    # "Sept." is as common as "Sep." for September
    for m in (month, abbr, f"{abbr}.", *(("Sept", "Sept.") if day.month == 9 else ())):
        forms |= {f"{m} {day:%d}, {day.year}", f"{m} {day:%d} {day.year}", f"{day:%d} {m} {day.year}"}  # January 01
        forms |= {f"{m} {day.day}, {day.year}", f"{m} {day.day} {day.year}", f"{day.day} {m} {day.year}",
                  f"{m} {nth}, {day.year}", f"{m} {nth} {day.year}", f"{nth} {m} {day.year}",
                  f"{nth} of {m} {day.year}", f"the {nth} of {m} {day.year}", f"{day.day} {m}, {day.year}",
                  f"{m} {day.day}", f"{day.day} {m}", f"{m} {nth}", f"{nth} {m}", f"the {nth} of {m}"}  # fmt: skip
    for locale in locales:
        for form in ("short", "medium", "long", "full"):
            try:
                forms.add(babel_dates.format_date(day, format=form, locale=locale))
            except Exception:  # noqa: BLE001 - an unknown locale contributes no forms
                break
    return sorted(forms, key=len, reverse=True)


def find_date(text: str, day: dt.date, locales: Iterable[str], need_year: bool = False) -> tuple[int, int] | None:
    """Where the text writes `day`. A form without the year ("March 31") counts unless `need_year`, and never when
    the text goes on with another year ("March 31, 2025" for 2026-03-31)."""
    year = str(day.year)
    for form in date_forms(day, locales):
        if need_year and year not in form:
            continue
        # between the words of a form a text may put a comma or a stray full stop ("the 16th of August, 1920"), and
        # "in" before the year ("27th of February in 1987")
        words = form.split(" ")
        pattern = re.escape(words[0]) + "".join(
            (r"[,.]?\s+(?:in\s+)?" if word == year else r"[,.]?\s+") + re.escape(word) for word in words[1:])
        for m in re.finditer(r"(?<![\w/.-])" + pattern + r"(?![\w/-])", text, re.IGNORECASE):
            if year not in form and re.match(r",?\s+\d{4}(?!\d)", text[m.end():]):
                continue
            return m.span()
    return None
