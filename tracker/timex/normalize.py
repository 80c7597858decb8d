"""Turn one candidate match into a TIMEX3 (type, value, mod), or reject it.

One handler per finder rule. Handlers do their own calendar arithmetic relative to the DCT (and,
for anaphoric phrases such as "the quarter" or "that year", to the last explicit mention kept in
``Context``). They do not pick between overlapping candidates and do not widen spans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.models import TimexType
from tracker.timex.finder import Candidate
from tracker.timex.lexicon import (
    COUNT_NOUNS,
    DECADE_WORDS,
    MONTHS,
    ORDINALS,
    PARTS_OF_DAY,
    SEASONS,
    SET_ADVERBS,
    UNIT_MULTIPLIER,
    UNITS,
    WEEKDAYS,
    number_value,
    words,
)
from tracker.timex.periods import (
    SEASON_MONTHS,
    add_months,
    day_value,
    iso_week_value,
    month_end,
    quarter_of,
    safe_date,
    shift_value,
)
from tracker.timex.tense import Tense, tense_at


@dataclass(frozen=True)
class Norm:
    """A normalized expression; ``start``/``end`` override the candidate span when set."""

    type: TimexType
    value: str
    mod: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class Context:
    """What a handler may look at: the text, the DCT, and the last explicit mentions."""

    text: str
    dct: date
    ref_quarter: str | None = None
    ref_year: int | None = None
    ref_day: date | None = None
    anaphora: bool = True

    def tense(self, c: Candidate) -> Tense | None:
        return tense_at(self.text, c.start, c.end)

    def prev_word(self, pos: int) -> str:
        m = re.search(r"([A-Za-z']+)[\s,]*$", self.text[max(0, pos - 30) : pos])
        return m.group(1).lower() if m else ""

    def next_text(self, pos: int, n: int = 30) -> str:
        return self.text[pos : pos + n]


Handler = Callable[[re.Match[str], Candidate, Context], Norm | None]
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return deco


def normalize(c: Candidate, ctx: Context) -> Norm | None:
    """The TIMEX3 reading of a candidate, or None if it is not a temporal expression."""
    try:
        return HANDLERS[c.rule](c.match, c, ctx)
    except (ValueError, OverflowError, KeyError, IndexError, TypeError, AttributeError):
        return None  # a rule matched something it cannot read: not a temporal expression


# ---------------------------------------------------------------- resolution helpers

TEMPORAL_PREPS = words(
    """in on at since until till by from to through thru during before after of between and or
    early late mid around about this last next that than circa throughout into"""
)


TENSE_PENALTY = 90  # days: how much a contradicting tense pushes a date to the other year


def _year_for_month(month: int, day: int | None, tense: Tense | None, dct: date) -> int:
    """The year that puts a month (or month and day) nearest the DCT, leaning with the tense."""
    best: tuple[int, int] | None = None
    for year in (dct.year - 1, dct.year, dct.year + 1):
        if day is None:
            lo, hi = date(year, month, 1), month_end(year, month)
        else:
            lo = hi = safe_date(year, month, day) or month_end(year, month)
        if lo <= dct <= hi:
            return year
        dist = (lo - dct).days if lo > dct else (dct - hi).days
        if tense == "past" and lo > dct:
            dist += TENSE_PENALTY
        if tense == "future" and hi < dct:
            dist += TENSE_PENALTY
        if best is None or dist < best[0]:
            best = (dist, year)
    return best[1] if best else dct.year


def _weekday_date(wd: int, tense: Tense | None, dct: date) -> date:
    back = (dct.isoweekday() - wd) % 7
    past = dct - timedelta(days=back)
    future = dct + timedelta(days=(wd - dct.isoweekday()) % 7)
    if tense == "past":
        return past
    if tense == "future":
        return future
    return past


def _quarter_year(q: int, tense: Tense | None, dct: date) -> int:
    if q > quarter_of(dct.month) and tense != "future":
        return dct.year - 1
    return dct.year


def _two_digit_year(yy: int, dct: date) -> int:
    century = dct.year // 100 * 100
    y = century + yy
    return y - 100 if y > dct.year + 20 else y


def _quant(word: str) -> float | None:
    """Number named by a quantity phrase; None for vague ones ("several")."""
    w = re.sub(r"\s+", " ", word.lower().strip())
    frac = re.fullmatch(r"(\d+)[ -]1/2", w)
    if frac:
        return int(frac.group(1)) + 0.5
    if re.fullmatch(r"\d+\.\d+", w):
        return float(w)
    if " to " in w or " or " in w:
        w = re.split(r" (?:to|or)\b", w)[0]
    if w.endswith(" and a half"):
        base = number_value(w[: -len(" and a half")])
        return None if base is None else base + 0.5
    if w in ("half a", "a half"):
        return 0.5
    if w.startswith(("a hundred", "one hundred")):
        return 100
    v = number_value(w)
    return None if v is None else float(v)


def _fmt_num(n: float) -> str:
    return str(int(n)) if n == int(n) else f"{n:g}"


def duration_value(n: float | None, unit: str) -> str:
    """ISO-8601 duration of ``n`` units (``X`` when vague), e.g. P2Y, PT3H, PXM."""
    base = unit.lower().rstrip("s")
    if base == "centurie":
        base = "century"
    letter, timed = UNITS[base]
    mult = UNIT_MULTIPLIER.get(base, 1)
    if letter == "WE":
        letter, mult = "D", 2
    if base == "fortnight":
        letter = "W"
    if n is not None and n != int(n) and letter in ("Y", "D", "H") and mult == 1:
        whole = int(n)
        sub_n = {"Y": 12, "D": 24, "H": 60}[letter]
        rest = round((n - whole) * sub_n)
        if letter == "Y":
            return f"P{whole}Y{rest}M" if whole else f"P{rest}M"
        if letter == "D":
            return f"P{whole}DT{rest}H" if whole else f"PT{rest}H"
        return f"PT{whole}H{rest}M" if whole else f"PT{rest}M"
    num = "X" if n is None else _fmt_num(n * mult)
    if base in ("decade", "century") and n is None:
        letter = "E" if base == "decade" else "C"
    return f"PT{num}{letter}" if timed else f"P{num}{letter}"


def _unit_base(unit: str) -> str:
    u = unit.lower()
    if u == "centuries":
        return "century"
    return u[:-1] if u.endswith("s") and u != "s" else u


# ---------------------------------------------------------------- absolute dates


def _day_norm(y: int, m: int, d: int) -> Norm | None:
    dd = safe_date(y, m, d)
    return Norm("DATE", day_value(dd)) if dd else None


@handler("iso")
def _iso(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    n = _day_norm(int(m["y"]), int(m["m"]), int(m["d"]))
    if n and m["hh"]:
        return Norm("TIME", f"{n.value}T{m['hh']}:{m['mi']}")
    return n


@handler("slash")
def _slash(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
    if len(m["y"]) == 2:
        y = _two_digit_year(y, ctx.dct)
    month, day = (b, a) if a > 12 else (a, b)
    return _day_norm(y, month, day)


@handler("ymd_slash")
def _ymd_slash(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    return _day_norm(int(m["y"]), int(m["m"]), int(m["d"]))


@handler("dotted")
def _dotted(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    return _day_norm(int(m["y"]), int(m["b"]), int(m["a"]))


def _month_num(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def _month_day(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    month, day = _month_num(m["mon"]), int(re.sub(r"\D", "", m["d"]))
    if m["y"]:
        year = int(m["y"])
    elif m["wd"]:
        # "Friday, May 16": choose the year in which that day is that weekday, nearest the DCT.
        wd = WEEKDAYS[m["wd"].lower()]
        years = [ctx.dct.year, ctx.dct.year - 1, ctx.dct.year + 1]
        good = [y for y in years if (d := safe_date(y, month, day)) and d.isoweekday() == wd]
        year = good[0] if good else _year_for_month(month, day, ctx.tense(c), ctx.dct)
    else:
        year = _year_for_month(month, day, ctx.tense(c), ctx.dct)
    return _day_norm(year, month, day)


HANDLERS["mdy"] = _month_day
HANDLERS["dmy"] = _month_day


@handler("month_year")
def _month_year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    return Norm("DATE", f"{int(m['y']):04d}-{_month_num(m['mon']):02d}")


_NAME_AFTER = re.compile(r"\s+[A-Z][a-z]+")


@handler("month")
def _month(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    word = m["mon"]
    prev = ctx.prev_word(c.start)
    after = ctx.next_text(c.end)
    prep = prev in TEMPORAL_PREPS or ctx.text[max(0, c.start - 4) : c.start].endswith("mid-")
    if word.lower() == "may" and not prep:
        return None
    if word.lower() == "may" and re.match(r"\s+(?:be|have|not|also|well|never|still)\b", after):
        return None
    names = ("april", "june", "august", "may")
    if word.lower() in names and _NAME_AFTER.match(after) and not prep:
        return None
    marching = re.match(r"\s+(?:on|to|against|through|for)\s+[A-Z]", after)
    if word.lower() == "march" and marching and not prep:
        return None
    month = _month_num(word)
    year = _year_for_month(month, None, ctx.tense(c), ctx.dct)
    return Norm("DATE", f"{year:04d}-{month:02d}")


_YEAR_UNITS = re.compile(
    r"\s+(?:GMT|UTC|EST|EDT|hours|hrs|GT|cc|mph|km|kg|lb|m\b|ft\b|[A-Z][a-z]+\s+(?:Street|St\.?|"
    r"Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Drive|Way|Place))"
)


_NOT_YEAR_BEFORE = re.compile(r"(?i)(?:No\.|#|Nos?\.|number|page|pp?\.|Room|flight|Route|Highway"
                              r"|\$)\s*$")


@handler("year")
def _year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    y = int(m["y"])
    prev = ctx.prev_word(c.start)
    after = ctx.next_text(c.end, 40)
    if _YEAR_UNITS.match(after) or re.match(r"\s*(?:-LRB-|\()\s*\d", after):
        return None
    if prev == "at" and not re.match(r"\s*[,.;]", after):
        return None  # "at 1100 GMT", "at 1600 Pennsylvania"
    nxt = re.match(r"\s+([A-Za-z]+)", after)
    if nxt and nxt.group(1).lower() in COUNT_NOUNS:
        return None
    before = ctx.text[max(0, c.start - 12) : c.start]
    if _NOT_YEAR_BEFORE.search(before):
        return None
    if not (1900 <= y <= ctx.dct.year + 30) and prev not in TEMPORAL_PREPS:
        return None
    return Norm("DATE", f"{y:04d}")


@handler("fiscal_year")
def _fiscal_year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["y"]:
        return Norm("DATE", f"{int(m['y']):04d}")
    if m["y3"]:
        return Norm("DATE", f"{int(m['y3']):04d}")
    raw = m["y2"]
    y = int(raw) if len(raw) == 4 else _two_digit_year(int(raw), ctx.dct)
    return Norm("DATE", f"{y:04d}")


@handler("decade")
def _decade(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["dec"]:
        y = int(m["dec"])
        if y % 100 == 0 and y < 2000:
            return Norm("DATE", f"{y // 100:02d}")
        return Norm("DATE", f"{y // 10:03d}")
    if not m["the"] and not m["d2"]:
        return None
    digit = int(m["d2"][0]) if m["d2"] else DECADE_WORDS[m["dw"].lower()]
    century = ctx.dct.year // 100
    if digit > (ctx.dct.year // 10) % 10:
        century -= 1
    return Norm("DATE", f"{century:02d}{digit}")


@handler("century")
def _century(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    word = m["ord"].lower()
    n = int(re.sub(r"\D", "", word)) if word[0].isdigit() else ORDINALS[word]
    if not 1 <= n <= 30:
        return None
    return Norm("DATE", f"{n - 1:02d}")


@handler("century_rel")
def _century_rel(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    det = re.sub(r"\s+", " ", m["det"].lower())
    shift = {"this": 0, "the current": 0, "last": -1, "the last": -1, "the past": -1,
             "the previous": -1, "next": 1, "the next": 1}.get(det)
    if shift is None:
        return None
    return Norm("DATE", f"{ctx.dct.year // 100 + shift:02d}")


# ---------------------------------------------------------------- seasons and quarters


def _season_span(code: str, year: int) -> tuple[date, date]:
    first, last = SEASON_MONTHS[code]
    if code == "WI":
        return date(year, 12, 1), month_end(year + 1, 2)
    return date(year, first, 1), month_end(year, last)


_SEASON_PREPS = words("in during since until till by over through this last next early late mid of "
                      "from before after throughout")


@handler("season")
def _season(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    code = SEASONS[m["s"].lower()]
    det = re.sub(r"\s+", " ", (m["det"] or "").lower())
    mod = {"early": "START", "late": "END", "mid": "MID"}.get(det)
    if m["y"]:
        return Norm("DATE", f"{int(m['y']):04d}-{code}", mod)
    after = ctx.next_text(c.end)
    if det in ("", "the", "early", "late", "mid"):
        verbish = re.match(r"\s+(?:of|in|from|to|was|is|has|had|would|will|into|and|by|for)\b",
                           after)
        if det == "the" and m["s"].lower() in ("fall", "spring") and verbish:
            return None
        if det == "" and ctx.prev_word(c.start) not in _SEASON_PREPS:
            return None
        if det == "" and m["s"].lower() in ("fall", "spring") and verbish:
            return None
    dct = ctx.dct
    spans = {y: _season_span(code, y) for y in (dct.year - 2, dct.year - 1, dct.year, dct.year + 1)}
    past = max(y for y, (_, e) in spans.items() if e < dct) if any(
        e < dct for _, e in spans.values()) else dct.year - 1
    future = min((y for y, (s, _) in spans.items() if s > dct), default=dct.year + 1)
    current = next((y for y, (s, e) in spans.items() if s <= dct <= e), None)
    if det in ("last", "this past", "the past", "the previous"):
        year = past
    elif det in ("next", "this coming", "the coming", "the following"):
        year = future
    elif current is not None:
        year = current
    elif det == "this":
        year = dct.year if code != "WI" or dct.month >= 3 else dct.year - 1
    else:
        tense = ctx.tense(c)
        year = past if tense == "past" else future if tense == "future" else (
            dct.year if code != "WI" or dct.month >= 3 else dct.year - 1)
    return Norm("DATE", f"{year:04d}-{code}", mod)


@handler("quarter")
def _quarter(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    word = m["ord"].lower()
    half = m["unit"].lower() == "half"
    if word in ("last", "latter") and not half and not m["y"]:
        return None
    n = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "latter": 2}.get(word) or ORDINALS[word]
    if half and n not in (1, 2):
        n = 2 if word in ("final", "last") else n
        if n not in (1, 2):
            return None
    if not half and not 1 <= n <= 4:
        return None
    adj = (m["adj"] or "").lower()
    if m["y"]:
        year = int(m["y"])
    elif adj[:1].isdigit():
        year = int(adj)
    elif m["ty"]:
        year = ctx.dct.year
    elif m["ry"] or m["ry2"]:
        year = ctx.dct.year + {"this": 0, "last": -1, "next": 1}[(m["ry"] or m["ry2"]).lower()]
    elif adj in ("year-earlier", "year-ago"):
        base = int(ctx.ref_quarter[:4]) if ctx.ref_quarter else ctx.dct.year
        year = base - 1
    elif half:
        year = ctx.dct.year if n == 1 or ctx.dct.month > 6 or ctx.tense(c) == "future" else (
            ctx.dct.year - 1)
    else:
        year = _quarter_year(n, ctx.tense(c), ctx.dct)
    start = m.start("adj") if m["adj"] else m.start("ord")
    hyphenated = bool(re.search(r"(?i)[a-z]-(?:fiscal\s+)?(?:quarter|half)$", c.match.group()))
    if (m["det"] or "").lower() not in ("a", "its", "their") and not hyphenated:
        start = c.start
    return Norm("DATE", f"{year:04d}-{'H' if half else 'Q'}{n}", start=start)


@handler("q_abbr")
def _q_abbr(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["q0"]:
        return Norm("DATE", f"{int(m['y0']):04d}-Q{m['q0'][1]}")
    q = int(m["q"][1])
    if m["y"]:
        year = int(m["y"])
    elif m["yy"]:
        year = _two_digit_year(int(m["yy"]), ctx.dct)
    else:
        year = _quarter_year(q, ctx.tense(c), ctx.dct)
    return Norm("DATE", f"{year:04d}-Q{q}")


def _shift_quarter(value: str, n: int) -> str:
    y, q = int(value[:4]), int(value[-1])
    y2, m2 = add_months(y, 3 * q - 2, 3 * n)
    return f"{y2:04d}-Q{quarter_of(m2)}"


def _current_quarter(dct: date) -> str:
    return f"{dct.year:04d}-Q{quarter_of(dct.month)}"


@handler("quarter_rel")
def _quarter_rel(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    det = (m["det"] or "").lower()
    adj = re.sub(r"\s+", " ", (m["adj"] or "").lower())
    cur = _current_quarter(ctx.dct)
    latest = ctx.ref_quarter or _shift_quarter(cur, -1)
    if m["unit"].lower() == "period" and adj not in (
            "latest", "year-earlier", "year-ago", "comparable", "same", "corresponding") and \
            not adj[:1].isdigit():
        return None
    if adj[:1].isdigit():
        return Norm("DATE", f"{adj}-Q{latest[-1]}")
    if adj in ("june", "september", "december", "march"):
        q = {"march": 1, "june": 2, "september": 3, "december": 4}[adj]
        return Norm("DATE", f"{_quarter_year(q, ctx.tense(c), ctx.dct):04d}-Q{q}")
    if adj in ("current",) or (det == "this" and not adj):
        return Norm("DATE", cur)
    if adj in ("next", "coming") or (det == "next" and not adj):
        return Norm("DATE", _shift_quarter(cur, 1))
    if adj in ("previous", "past", "last") or (det == "last" and not adj):
        return Norm("DATE", _shift_quarter(cur, -1))
    if adj in ("year-earlier", "year-ago", "comparable", "same", "corresponding"):
        return Norm("DATE", _shift_quarter(latest, -4))
    if det == "that" and not ctx.ref_quarter:
        return None
    return Norm("DATE", latest)


@handler("year_ago")
def _year_ago(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["months"]:
        return Norm("DURATION", f"P{number_value(m['months'])}M")
    start = c.start
    if not m["what"] and c.match.group()[:4].lower() == "the ":
        start = c.start + 4
    if ctx.ref_quarter:
        return Norm("DATE", _shift_quarter(ctx.ref_quarter, -4), start=start)
    return Norm("DATE", f"{ctx.dct.year - 1:04d}", start=start)


# ---------------------------------------------------------------- relative units and names

_SHIFT = {
    "this": 0, "current": 0, "the current": 0, "the same": 0,
    "last": -1, "past": -1, "the past": -1, "the last": -1, "previous": -1, "the previous": -1,
    "this past": -1,
    "next": 1, "the next": 1, "coming": 1, "the coming": 1, "following": 1, "the following": 1,
    "this coming": 1,
}


def _weekend_value(d: date) -> str:
    return iso_week_value(d) + "-WE"


def _title_case(word: str, c: Candidate, ctx: Context) -> bool:
    """A capitalized unit word inside a sentence: a title or a name ("60 Minutes", "This Week")."""
    if not word[:1].isupper() or word.isupper():
        return False
    before = ctx.text[max(0, c.start - 3) : c.start].rstrip(" \t\"'`(")
    return bool(before) and before[-1] not in ".!?:\n"


@handler("rel_unit")
def _rel_unit(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    det = re.sub(r"\s+", " ", m["det"].lower())
    if _title_case(m["unit"], c, ctx):
        return None
    unit = m["unit"].lower()
    dct = ctx.dct
    if unit == "weekend":
        wd = dct.isoweekday()
        this_we = dct if wd >= 6 else dct + timedelta(days=6 - wd)
        prev_we = this_we - timedelta(days=7) if wd < 6 else dct - timedelta(days=7)
        if det in ("last", "the last", "past", "the past", "previous", "the previous", "this past"):
            return Norm("DATE", _weekend_value(dct - timedelta(days=7 if wd >= 6 else wd)))
        if det in ("next", "the next", "coming", "the coming", "following", "the following"):
            return Norm("DATE", _weekend_value(this_we + timedelta(days=7 if wd >= 6 else 0)))
        if wd >= 6:
            return Norm("DATE", _weekend_value(dct))
        tense = ctx.tense(c)
        return Norm("DATE", _weekend_value(prev_we if tense == "past" else this_we))
    if m["fiscal"] and unit != "year":
        return None
    if det == "the full" and unit == "year":
        return Norm("DATE", f"{dct.year:04d}")
    if det == "the":
        if unit == "year":
            return Norm("DURATION", "P1Y")
        if unit == "week":
            return Norm("DATE", iso_week_value(dct))
        return None
    if det == "that":
        if not ctx.anaphora:
            return Norm("DATE", "XXXX")
        if unit == "year" and ctx.ref_year:
            return Norm("DATE", f"{ctx.ref_year:04d}")
        if ctx.ref_day and unit in ("week", "month"):
            return Norm("DATE", shift_value(unit, 0, ctx.ref_day) or "XXXX")
        return None
    shift = _SHIFT.get(det)
    if shift is None:
        return None
    base = dct
    if det in ("the following", "the previous") and ctx.ref_day:
        base = ctx.ref_day
    value = shift_value(unit, shift, base)
    return Norm("DATE", value) if value else None


@handler("rel_unit_the")
def _rel_unit_the(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    pre = m["pre"].lower()
    mod = None
    for key, val in (("end", "END"), ("close", "END"), ("beginning", "START"), ("start", "START"),
                     ("middle", "MID")):
        if key in pre:
            mod = val
    value = shift_value(m["unit"].lower(), 0, ctx.dct)
    return Norm("DATE", value, mod) if value else None


@handler("rel_named")
def _rel_named(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    det = re.sub(r"\s+", " ", m["det"].lower())
    name = m["name"].lower()
    dct = ctx.dct
    if name in WEEKDAYS:
        wd = WEEKDAYS[name]
        base = dct
        if det in ("the previous", "the following") and ctx.ref_day:
            base = ctx.ref_day
        back = (base.isoweekday() - wd) % 7 or 7
        fwd = (wd - base.isoweekday()) % 7 or 7
        if det in ("last", "this past", "the previous", "past"):
            return Norm("DATE", day_value(base - timedelta(days=back)))
        if det in ("next", "the following", "this coming", "the coming", "coming"):
            return Norm("DATE", day_value(base + timedelta(days=fwd)))
        # "this Friday"
        tense = ctx.tense(c)
        d = _weekday_date(wd, tense if tense == "past" else "future", dct)
        return Norm("DATE", day_value(d))
    month = MONTHS[name]
    if det in ("last", "this past", "past", "the previous"):
        year = dct.year if month < dct.month else dct.year - 1
    elif det in ("next", "this coming", "the coming", "coming", "the following"):
        year = dct.year if month > dct.month else dct.year + 1
    else:
        year = dct.year
    return Norm("DATE", f"{year:04d}-{month:02d}")


@handler("named_rel_year")
def _named_rel_year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    year = ctx.dct.year + {"this": 0, "last": -1, "next": 1}[m["ry"].lower()]
    return Norm("DATE", f"{year:04d}-{_month_num(m['mon']):02d}")


@handler("weekday")
def _weekday(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    wd = WEEKDAYS[m["wd"].lower()]
    if m["pl"]:
        return Norm("SET", f"XXXX-WXX-{wd}")
    d = _weekday_date(wd, ctx.tense(c), ctx.dct)
    return Norm("DATE", day_value(d))


def _deictic_day(word: str, dct: date) -> date | None:
    w = re.sub(r"\s+", " ", word.lower())
    offsets = {"today": 0, "tonight": 0, "this": 0, "yesterday": -1, "last": -1, "tomorrow": 1,
               "overnight": 0, "the day before yesterday": -2, "the day after tomorrow": 2}
    if w not in offsets:
        return None
    return dct + timedelta(days=offsets[w])


@handler("pod")
def _pod(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    pod = PARTS_OF_DAY[m["pod"].lower()]
    if m["wd"]:
        d: date | None = _weekday_date(WEEKDAYS[m["wd"].lower()], ctx.tense(c), ctx.dct)
    else:
        day = m["day"].lower()
        if day == "last" and pod != "NI":
            return None
        if day == "tonight":
            return None
        d = _deictic_day(day, ctx.dct)
    if d is None:
        return None
    return Norm("TIME", f"{day_value(d)}T{pod}")


_GENERIC_TODAY = re.compile(
    r"'s\s+(?:world|society|economy|generation|youth|young|children|kids|standards|technology"
    r"|culture|politics|media|students|teenagers|market|climate|environment|age)\b"
)


@handler("deictic")
def _deictic(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    word = m["w"].lower()
    d = _deictic_day(word, ctx.dct)
    if d is None:
        return None
    if word == "today" and (ctx.prev_word(c.start) == "of" or _GENERIC_TODAY.match(
            ctx.next_text(c.end, 40))):
        return Norm("DATE", "PRESENT_REF")  # "the Europe of today", "today's world"
    if word in ("tonight", "overnight"):
        return Norm("TIME", f"{day_value(d)}TNI")
    return Norm("DATE", day_value(d))


_REFS = {
    "now": "PRESENT_REF", "right now": "PRESENT_REF", "just now": "PRESENT_REF",
    "currently": "PRESENT_REF", "nowadays": "PRESENT_REF", "these days": "PRESENT_REF",
    "at present": "PRESENT_REF", "the present": "PRESENT_REF", "the present day": "PRESENT_REF",
    "current": "PRESENT_REF",
    "recently": "PAST_REF", "lately": "PAST_REF", "the past": "PAST_REF", "recent": "PAST_REF",
    "the future": "FUTURE_REF", "future": "FUTURE_REF",
}


@handler("refs")
def _refs(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    word = re.sub(r"\s+", " ", m["w"].lower())
    if word.startswith("in the short term"):
        return Norm("DATE", "FUTURE_REF", start=c.start + 3)
    if word.startswith("the ") and word.endswith(("future", "term")) and word != "the past":
        return Norm("DATE", "FUTURE_REF")
    value = _REFS.get(word)
    if value is None:
        return None
    after = ctx.next_text(c.end, 20)
    if word == "now" and re.match(r"-", after):
        return None
    if word == "current" and re.match(r"\s+account", after):
        return None
    if word == "future" and not re.match(r"\s+(?:quarters?|years?|periods?|months?)\b", after):
        return None
    return Norm("DATE", value)


# ---------------------------------------------------------------- durations and sets


_RATE_BEFORE = re.compile(
    r"(?i)(?:\b(?:once|twice|thrice|times|percent|per\s*cent)|%|(?:\d|\b(?:one|two|three|four|five"
    r"|six|seven|eight|nine|ten|twelve|twenty|fifty|hundred|hundreds|thousand|thousands|million"
    r"|millions|billion|billions|trillion|dozen|dozens)\b)[\w,.$%]*(?:\s+[a-z][a-z'-]*){0,4})"
    r"\s*,?\s+$"
)


def _is_rate(ctx: Context, start: int) -> bool:
    """ "62,000 barrels a day", "twice a year", "3% a year": the unit phrase is a frequency."""
    before = ctx.text[max(0, start - 60) : start]
    m = _RATE_BEFORE.search(before)
    if not m:
        return False
    return ctx.prev_word(start) not in ("for", "about", "in", "within", "over", "than", "after",
                                        "nearly", "almost", "least", "only", "just", "last")


@handler("ago")
def _ago(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    n = _quant(m["q"])
    unit = _unit_base(m["unit"])
    direction = m["dir"].lower()
    if direction == "later":
        return Norm("DURATION", duration_value(n, unit), end=m.end("unit"))
    sign = -1 if direction in ("ago", "earlier", "back") else 1
    if n is None or n != int(n):
        return Norm("DATE", "PAST_REF" if sign < 0 else "FUTURE_REF")
    k = int(n)
    if unit in ("hour", "minute", "second"):
        return Norm("DATE", day_value(ctx.dct)) if k < 24 * (1 if unit == "hour" else 60) else None
    if unit == "night":
        unit = "day"
    if unit == "weekend":
        unit = "week"
    if k == 1 and unit == "year" and ctx.ref_quarter and re.search(
            r"(?i)quarter|period|earnings|profit|revenue|net income|sales", ctx.text[
                max(0, c.start - 300) : c.end + 50]):
        return Norm("DATE", _shift_quarter(ctx.ref_quarter, -4))
    if unit in ("decade", "century"):
        k, unit = k * UNIT_MULTIPLIER[unit], "year"
    value = shift_value(unit, sign * k, ctx.dct)
    return Norm("DATE", value) if value else None


@handler("duration")
def _duration(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if (m["adj"] and m["adj"].lower() == "-old") or re.match(r"\s+old\b", ctx.next_text(c.end)):
        return None  # ages
    if _title_case(m["unit"], c, ctx):
        return None
    q = m["q"].lower()
    unit = _unit_base(m["unit"])
    rel = (m["rel"] or "").lower()
    det = (m["det"] or "").lower()
    qwords = q.split()
    relative = re.match(r"\s+(?:ago|earlier|later)", ctx.next_text(c.end))
    if unit in ("second", "quarter", "night") and qwords[0] in ("a", "an", "one") and not rel \
            and not relative:
        return None
    if unit == "second" and not m["unit"].lower().endswith("s") and q in ("a", "an"):
        return None
    if unit == "weekend":
        return None
    joint = c.match.group()[m.end("q") - c.start : m.start("unit") - c.start]
    if q in ("a", "an") and joint == "-":
        return None  # "$60-billion-a-year"
    if unit == "quarter" and m["unit"].lower().endswith("s") and "-" in c.match.group():
        return None  # "three-quarters" is a fraction
    n = _quant(q)
    start = c.start
    if re.fullmatch(r"\d{4}", q) and 1800 <= int(q) <= 2100 and not m["unit"].lower().endswith("s"):
        return None
    hyphenated = "-" in c.match.group()[m.end("q") - c.start : m.start("unit") - c.start]
    if det in ("a", "an", "his", "her", "our") and not rel and not q.startswith(("few", "couple")):
        start = m.start("q")
    if hyphenated and (det or rel):
        start = m.start("q")
    if q in ("a", "an") and det in ("the", "these", "those"):
        return None
    if q in ("a", "an", "one") and not rel and not det and _is_rate(ctx, c.start):
        return Norm("SET", duration_value(1, unit), start=start)
    if unit == "day" and q in ("a", "an", "one") and ctx.text[c.end : c.end + 1] == "-":
        return None
    return Norm("DURATION", duration_value(n, unit), start=start)


@handler("vague_dur")
def _vague_dur(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    det = re.sub(r"\s+", " ", (m["det"] or "").lower())
    unit = _unit_base(m["unit"])
    start = m.start("unit") if det in ("for", "in", "over") else c.start
    if det == "in" and unit not in ("year", "decade", "month"):
        return None
    return Norm("DURATION", duration_value(None, unit), start=start)


@handler("set_every")
def _set_every(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    unit = m["unit"].lower()
    q = (m["q"] or "").lower()
    if unit in PARTS_OF_DAY:
        return Norm("SET", f"XXXX-XX-XXT{PARTS_OF_DAY[unit]}")
    if unit in SEASONS:
        return Norm("SET", f"XXXX-{SEASONS[unit]}")
    n: float | None = 2 if q == "other" else (_quant(q) if q else 1)
    if n is None:
        return None
    return Norm("SET", duration_value(n, _unit_base(unit)))


@handler("set_named")
def _set_named(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    name = m["name"].lower()
    if name in WEEKDAYS:
        return Norm("SET", f"XXXX-WXX-{WEEKDAYS[name]}")
    return Norm("SET", f"XXXX-{MONTHS[name]:02d}")


@handler("set_adverb")
def _set_adverb(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if _title_case(m["w"], c, ctx):
        return None  # "the Daily Star"
    return Norm("SET", SET_ADVERBS[m["w"].lower()])


@handler("set_times")
def _set_times(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    return Norm("SET", duration_value(1, _unit_base(m["unit"])))


# ---------------------------------------------------------------- clock times and holidays


@handler("time")
def _time(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    day = day_value(ctx.dct)
    if m["w"]:
        w = m["w"].lower()
        return Norm("TIME", f"{day}T{'24:00' if w == 'midnight' else '12:00'}")
    if m["h24"]:
        return Norm("TIME", f"{day}T{int(m['h24']):02d}:{m['m24']}")
    if m["oc"]:
        h = number_value(m["oc"]) or 0
        return Norm("TIME", f"{day}T{h:02d}:00")
    h = int(m["h"])
    ap = m["ap"].lower()
    if ap.startswith("p") and h != 12:
        h += 12
    if ap.startswith("a") and h == 12:
        h = 0
    mi = m["mi"] or "00"
    return Norm("TIME", f"{day}T{h:02d}:{mi}")


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
    n = re.sub(r"\s+", " ", name.lower())
    fixed = {"christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
             "new year's eve": (12, 31), "new year's day": (1, 1), "new year's": (1, 1),
             "independence day": (7, 4), "halloween": (10, 31), "valentine's day": (2, 14),
             "veterans day": (11, 11), "boxing day": (12, 26)}
    if n in fixed:
        return date(year, *fixed[n])
    if n.startswith("thanksgiving"):
        return _nth_weekday(year, 11, 4, 4)
    if n == "labor day":
        return _nth_weekday(year, 9, 1, 1)
    if n == "memorial day":
        return _nth_weekday(year, 5, 1, -1)
    return _easter(year)


@handler("holiday")
def _holiday(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["y"]:
        return Norm("DATE", day_value(holiday_date(m["h"], int(m["y"]))))
    det = (m["det"] or "").lower()
    this = holiday_date(m["h"], ctx.dct.year)
    if det == "last":
        if this >= ctx.dct:
            this = holiday_date(m["h"], ctx.dct.year - 1)
        return Norm("DATE", day_value(this))
    if det == "next":
        if this <= ctx.dct:
            this = holiday_date(m["h"], ctx.dct.year + 1)
        return Norm("DATE", day_value(this))
    tense = ctx.tense(c)
    if tense == "past" and this > ctx.dct:
        this = holiday_date(m["h"], ctx.dct.year - 1)
    elif tense == "future" and this < ctx.dct:
        this = holiday_date(m["h"], ctx.dct.year + 1)
    return Norm("DATE", day_value(this))


@handler("week_of")
def _week_of(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    month, day = _month_num(m["mon"]), int(re.sub(r"\D", "", m["d"]))
    year = int(m["y"]) if m["y"] else _year_for_month(month, day, ctx.tense(c), ctx.dct)
    d = safe_date(year, month, day)
    return Norm("DATE", iso_week_value(d)) if d else None


@handler("year_end")
def _year_end(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    year = ctx.dct.year
    if ctx.dct.month <= 3 and ctx.tense(c) == "past":
        year -= 1
    return Norm("DATE", f"{year:04d}-12-31")


@handler("spoken_year")
def _spoken_year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["tt"]:
        return Norm("DATE", f"{2000 + (number_value(m['tr']) or 0) if m['tr'] else 2000:04d}")
    century = 19 if m["c"].lower() == "nineteen" else 20
    rest = m["rest"].lower().replace(" ", "-")
    n = 0 if rest == "hundred" else number_value(rest)
    if n is None:
        return None
    if m["mon"]:
        return Norm("DATE", f"{century * 100 + n:04d}-{_month_num(m['mon']):02d}")
    return Norm("DATE", f"{century * 100 + n:04d}")
