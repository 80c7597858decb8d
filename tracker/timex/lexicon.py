"""Word tables for English temporal expressions: months, weekdays, units, numbers, seasons.

Only data and tiny pure lookups live here (no regexes over text, no date arithmetic), and
``alternation``, which writes a word list as a fast regex alternation. ``name_heads`` reads its
list from ``tracker/data/name_heads.txt``, once. The regex fragments built from these tables
are in ``finder.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
MONTH_FULL_NAMES: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)
MONTH_ABBREVIATIONS: tuple[str, ...] = (
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec",
)

WEEKDAYS: dict[str, int] = {  # ISO weekday numbers, Monday = 1
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
    "saturday": 6, "sunday": 7,
}
WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)

def weekday_number(word: str) -> int:
    """ISO weekday number of a weekday name or abbreviation ("Thurs." -> 4)."""
    return WEEKDAYS[next(w for w in WEEKDAYS if w.startswith(word.lower().rstrip(".")[:3]))]


SEASONS: dict[str, str] = {
    "spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI",
}

PARTS_OF_DAY: dict[str, str] = {
    "morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI",
    "overnight": "NI", "tonight": "NI", "midday": "MI", "mid-afternoon": "AF",
}

# Unit word -> (ISO-8601 duration letter, needs the "T" time designator).
UNITS: dict[str, tuple[str, bool]] = {
    "second": ("S", True), "minute": ("M", True), "hour": ("H", True),
    "day": ("D", False), "night": ("D", False), "week": ("W", False),
    "fortnight": ("W", False), "month": ("M", False), "quarter": ("Q", False),
    "year": ("Y", False), "decade": ("Y", False), "century": ("Y", False),
    "weekend": ("WE", False),
}
UNIT_MULTIPLIER: dict[str, int] = {"decade": 10, "century": 100, "fortnight": 2}

ONES: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-first": 21, "last": 4, "final": 4,
}
def day_ordinal(word: str) -> int:
    """The day of the month an ordinal word names ("eighth" -> 8, "twenty-first" -> 21)."""
    w = word.lower()
    if w == "thirtieth":
        return 30
    if w == "thirty-first":
        return 31
    if w.startswith("twenty-"):
        return 20 + ORDINALS[w[7:]]
    return ORDINALS[w]


DECADE_WORDS: dict[str, int] = {
    "twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7,
    "eighties": 8, "nineties": 9,
}
VAGUE_QUANTITIES = frozenset(
    {"several", "a few", "few", "many", "some", "a couple of", "couple of", "a number of",
     "numerous", "a handful of"}
)

# "every"-style adverbs that are TIMEX3 SETs.
SET_ADVERBS: dict[str, str] = {
    "hourly": "PT1H", "daily": "P1D", "nightly": "P1D", "weekly": "P1W", "biweekly": "P2W",
    "monthly": "P1M", "quarterly": "P3M", "yearly": "P1Y", "annually": "P1Y", "annual": "P1Y",
    "biannual": "P6M", "semiannual": "P6M",
}

def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of a string, as a set."""
    return frozenset(text.split())


def alternation(options: Iterable[str]) -> str:
    """A regex alternation of literal ``options`` that, like one sorted longest first, matches
    the longest option at a place, but as a tree of shared prefixes: re tries each character
    once there, not once per option."""
    tree: dict[str, Any] = {}
    for option in options:
        node = tree
        for ch in option:
            node = node.setdefault(ch, {})
        node[""] = {}

    def write(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + write(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return write(tree)


# Words right after a bare number that make it a count, not a year ("1990 people", "2000
# troops"). Only nouns that are counted far more often than dated: a year names the time of
# plural nouns as well ("the 1992 protests", "fiscal 1989 sales", "2008 levels", "the 2000
# ballots", "his 2008 voters"), so a plural alone proves nothing.
COUNT_NOUNS = words(
    """people persons men women children troops soldiers police officers workers employees jobs
    units votes cases deaths dead tons tonnes barrels miles km kilometers kilometres meters metres
    feet foot yards acres hectares dollars euros pounds yen shares points residents members homes
    houses cars vehicles students passengers copies calories families patients pages words
    rooms seats beds flights sites stores customers users items pieces rounds shots
    years months days weeks hours minutes seconds
    protesters protestors demonstrators marchers rioters civilians refugees migrants immigrants
    casualties prisoners detainees inmates hostages fans spectators delegates journalists
    reporters staff staffers militants fighters rebels insurgents marines sailors peacekeepers
    personnel victims survivors households villagers doctors nurses teachers visitors tourists
    guests participants applicants companies firms schools hospitals villages buildings animals
    sheep cattle goats tanks aircraft planes jets helicopters ships boats missiles rockets bombs
    shells weapons guns rifles signatures kilograms kilos grams ounces litres liters gallons yuan
    rupees francs pesos rubles roubles shekels percent"""
)
# Words that, after a number and a hyphen, make it a measure ("a 2000-strong force", "a
# 1500-page report", "a 2000-year-old tree"): any count noun in the singular, and these.
COUNT_MODIFIERS = words("strong odd plus man woman person child")


@lru_cache(maxsize=1)
def name_heads() -> tuple[str, ...]:
    """The name heads of ``tracker/data/name_heads.txt`` ("Times", "Night Football"): words
    that make a weekday or month name right before them part of a name."""
    raw = resources.files("tracker").joinpath("data/name_heads.txt").read_text(encoding="utf-8")
    return tuple(" ".join(line.split()) for line in raw.splitlines()
                 if line.strip() and not line.lstrip().startswith("#"))


def _data_lines(name: str) -> list[str]:
    """The non-comment, non-blank lines of ``tracker/data/<name>``."""
    raw = resources.files("tracker").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.strip() for line in raw.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def time_zones() -> dict[str, str]:
    """Zone abbreviation -> ISO 8601 offset ("EST" -> "-05:00", "UTC" -> "Z"), from
    ``tracker/data/timex_zones.tsv``."""
    return dict(line.split("\t")[:2] for line in _data_lines("timex_zones.tsv"))


@lru_cache(maxsize=1)
def rate_nouns() -> frozenset[str]:
    """Nouns that make "annual", "quarterly" ... before them a measure, not a SET
    (``tracker/data/timex_rate_nouns.txt``)."""
    return frozenset(_data_lines("timex_rate_nouns.txt"))


def number_value(word: str) -> int | None:
    """The integer a number word or digit string names ("twenty-four" -> 24), else None."""
    w = word.lower().replace("\u2010", "-").strip()
    if w.isdigit():
        return int(w)
    if w in ("a", "an", "one", "single"):
        return 1
    if w in ONES:
        return ONES[w]
    if w in TENS:
        return TENS[w]
    if w in ("hundred", "a hundred", "one hundred"):
        return 100
    for sep in ("-", " "):
        if sep in w:
            head, _, tail = w.partition(sep)
            if head in TENS and tail in ONES and 0 < ONES[tail] < 10:
                return TENS[head] + ONES[tail]
    if w in ("a couple of", "couple of", "a couple"):
        return 2
    return None
