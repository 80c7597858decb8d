"""Human labels for event dates at their precision: a month is "May 2025", never "1 May 2025".

Used by the export and the dashboard alike, so both say the same thing. Pure functions only.
"""

from __future__ import annotations

from datetime import date

_SEASONS = {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}


def date_label(start: date, end: date, precision: str) -> str:
    """How a reader should see the interval ``start..end`` known to ``precision``."""
    if precision in ("day", "time"):
        return f"{start.day} {start:%B %Y}"
    if precision == "reported":
        return f"reported {start.day} {start:%B %Y}"
    if precision == "week":
        return f"week of {start.day} {start:%B %Y}"
    if precision == "month":
        return f"{start:%B %Y}"
    if precision == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if precision == "season":
        season = _SEASONS.get(start.month, "season")
        if season == "winter":
            return f"winter {start.year}/{end.year % 100:02d}"
        return f"{season} {start.year}"
    if precision == "year":
        return str(start.year)
    if precision == "decade":
        return f"{start.year // 10 * 10}s"
    if precision == "century":
        century = start.year // 100 + 1
        suffix = "th" if 10 <= century % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
            century % 10, "th")
        return f"{century}{suffix} century"
    if start == end:
        return f"{start.day} {start:%B %Y}"
    return f"{start.isoformat()} to {end.isoformat()}"


def parse_iso_date(text: str) -> date:
    """A YYYY-MM-DD date, or ValueError with a message fit for a user."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a date in YYYY-MM-DD form: {text!r}") from None
