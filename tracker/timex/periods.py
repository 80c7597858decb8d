"""Calendar arithmetic on TIMEX3 values: shifting by units and turning a value into an interval.

``interval(value, dct)`` maps a normalized DATE/TIME value ("2025-05", "2025-W20", "202",
"PRESENT_REF", ...) to the inclusive calendar interval and precision the timeline uses. It does
not parse text and knows nothing about spans; durations, sets and "XXXX" values have no
interval.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from tracker.models import Precision

Interval = tuple[date, date, Precision]

SEASON_MONTHS: dict[str, tuple[int, int]] = {
    "SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 2),
}


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    """(year, month) shifted by ``n`` months."""
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def iso_week_value(d: date) -> str:
    """The TIMEX3 week value of a day, e.g. ``2025-W20``."""
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def quarter_of(month: int) -> int:
    """The calendar quarter (1-4) a month falls in."""
    return (month - 1) // 3 + 1


def day_value(d: date) -> str:
    """A day as a TIMEX3 value."""
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def safe_date(year: int, month: int, day: int) -> date | None:
    """``date(year, month, day)`` or None when that day does not exist."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def shift_value(unit: str, n: int, dct: date) -> str | None:
    """The value of the period ``n`` units away from the DCT, at the unit's granularity."""
    try:
        if unit == "day":
            return day_value(dct + timedelta(days=n))
        if unit == "week":
            return iso_week_value(dct + timedelta(weeks=n))
        if unit == "fortnight":
            return iso_week_value(dct + timedelta(weeks=2 * n))
        if unit == "month":
            y, m = add_months(dct.year, dct.month, n)
            return f"{y:04d}-{m:02d}"
        if unit == "quarter":
            y, m = add_months(dct.year, (quarter_of(dct.month) - 1) * 3 + 1, 3 * n)
            return f"{y:04d}-Q{quarter_of(m)}"
        if unit == "year":
            return f"{dct.year + n:04d}"
        if unit == "decade":
            return f"{dct.year // 10 + n:03d}"
        if unit == "century":
            return f"{dct.year // 100 + n:02d}"
    except (OverflowError, ValueError):
        return None
    return None


_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})(-WE)?$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_SEASON = re.compile(r"^(\d{4})-(SP|SU|FA|WI)$")


def interval(value: str, dct: date) -> Interval | None:
    """The inclusive interval and precision of a DATE/TIME value, or None if it has none."""
    try:
        return _interval(value, dct)
    except (ValueError, OverflowError):
        return None


def _interval(value: str, dct: date) -> Interval | None:
    if value == "PRESENT_REF":
        return dct, dct, "day"
    m = _DAY.match(value)
    if m:
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return d, d, ("time" if "T" in value else "day")
    m = _MONTH.match(value)
    if m:
        y, mo = int(m[1]), int(m[2])
        return date(y, mo, 1), month_end(y, mo), "month"
    m = _WEEK.match(value)
    if m:
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        if m[3]:
            return monday + timedelta(days=5), monday + timedelta(days=6), "week"
        return monday, monday + timedelta(days=6), "week"
    m = _QUARTER.match(value)
    if m:
        y, q = int(m[1]), int(m[2])
        return date(y, 3 * q - 2, 1), month_end(y, 3 * q), "quarter"
    m = _HALF.match(value)
    if m:
        y, h = int(m[1]), int(m[2])
        return date(y, 6 * h - 5, 1), month_end(y, 6 * h), "quarter"
    m = _SEASON.match(value)
    if m:
        y = int(m[1])
        first, last = SEASON_MONTHS[m[2]]
        if m[2] == "WI":
            return date(y, 12, 1), month_end(y + 1, 2), "season"
        return date(y, first, 1), month_end(y, last), "season"
    if re.fullmatch(r"\d{4}", value):
        y = int(value)
        return date(y, 1, 1), date(y, 12, 31), "year"
    if re.fullmatch(r"\d{3}", value):
        y = int(value) * 10
        return date(max(y, 1), 1, 1), date(y + 9, 12, 31), "decade"
    if re.fullmatch(r"\d{2}", value):
        y = int(value) * 100
        return date(max(y, 1), 1, 1), date(y + 99, 12, 31), "century"
    return None
