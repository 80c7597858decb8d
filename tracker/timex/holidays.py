"""Named holidays ("Christmas", "Thanksgiving", "Good Friday", "Election Day") and their dates.

Fixed-date, nth-weekday and Easter-based holidays, US conventions where countries differ. Lunar
calendar holidays (Ramadan, Hanukkah, Diwali ...) are not handled.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from tracker.timex.base import (
    Context,
    Handler,
    Norm,
    registrar,
)
from tracker.timex.finder import Candidate
from tracker.timex.periods import (
    day_value,
    iso_week_value,
    month_end,
)

HANDLERS: dict[str, Handler] = {}
handler = registrar(HANDLERS)


def _easter(year: int) -> date:
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _nth_weekday(year: int, month: int, wd: int, n: int) -> date:
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(wd - first.isoweekday()) % 7 + 7 * (n - 1))
    last = month_end(year, month)
    return last - timedelta(days=(last.isoweekday() - wd) % 7)


def holiday_date(name: str, year: int) -> date:
    """The date of a named holiday (US conventions) in a year."""
    n = re.sub(r"\s+", " ", name.lower()).replace("’", "'").replace("labour", "labor")
    if n in _FIXED_HOLIDAYS:
        return date(year, *_FIXED_HOLIDAYS[n])
    if n in _NTH_WEEKDAY_HOLIDAYS:
        month, wd, nth = _NTH_WEEKDAY_HOLIDAYS[n]
        return _nth_weekday(year, month, wd, nth)
    if n.startswith("thanksgiving"):
        return _nth_weekday(year, 11, 4, 4)
    if n in ("black friday", "cyber monday"):
        return _nth_weekday(year, 11, 4, 4) + timedelta(days=1 if n == "black friday" else 4)
    if n == "election day":  # US: the Tuesday after the first Monday of November
        return _nth_weekday(year, 11, 1, 1) + timedelta(days=1)
    return _easter(year) + timedelta(days=_EASTER_OFFSETS.get(n, 0))


_FIXED_HOLIDAYS: dict[str, tuple[int, int]] = {
    "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
    "new year's eve": (12, 31), "new year's day": (1, 1), "new year's": (1, 1),
    "independence day": (7, 4), "fourth of july": (7, 4), "july fourth": (7, 4),
    "halloween": (10, 31), "valentine's day": (2, 14),
    "veterans day": (11, 11), "boxing day": (12, 26), "juneteenth": (6, 19),
    "bastille day": (7, 14), "canada day": (7, 1), "australia day": (1, 26),
    "anzac day": (4, 25), "remembrance day": (11, 11), "armistice day": (11, 11),
    "may day": (5, 1), "victory day": (5, 9),
}


_NTH_WEEKDAY_HOLIDAYS: dict[str, tuple[int, int, int]] = {
    "labor day": (9, 1, 1), "memorial day": (5, 1, -1), "mother's day": (5, 7, 2),
    "father's day": (6, 7, 3),
}


_EASTER_OFFSETS: dict[str, int] = {
    "good friday": -2, "holy thursday": -3, "maundy thursday": -3, "palm sunday": -7,
    "ash wednesday": -46, "easter monday": 1, "easter sunday": 0, "easter": 0,
}


@handler("holiday")
def _holiday(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    week = bool(m["wk"])  # "Easter week": the ISO week the holiday falls in
    if m["y"]:
        return _holiday_norm(holiday_date(m["h"], int(m["y"])), week)
    det = (m["det"] or "").lower()
    dct = ctx.dct
    this = holiday_date(m["h"], dct.year)
    if det == "last":
        if this >= dct:
            this = holiday_date(m["h"], dct.year - 1)
        return _holiday_norm(this, week)
    if det == "next":
        if this <= dct:
            this = holiday_date(m["h"], dct.year + 1)
        return _holiday_norm(this, week)
    # Past tense means the last occurrence and future tense the next one, except that a holiday
    # within a week of the DCT is that one ("protesters prayed as Easter week began").
    tense = ctx.tense(c)
    if tense == "past" and (this - dct).days > 7:
        this = holiday_date(m["h"], dct.year - 1)
    elif tense == "future" and (dct - this).days > 7:
        this = holiday_date(m["h"], dct.year + 1)
    return _holiday_norm(this, week)


def _holiday_norm(d: date, week: bool) -> Norm:
    return Norm("DATE", iso_week_value(d) if week else day_value(d))
