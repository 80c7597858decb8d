"""Handlers for absolute dates: numeric formats, month names with days and years, years,
year ranges, fiscal years, decades, centuries, spoken years ("nineteen ninety-four") and
two-digit years after an apostrophe ("'82", "June '82").

Each handler turns one finder match into a ``Norm`` or rejects it (the modal "May", street
numbers, counts such as "1500 troops", "2000 of them" or "a 2000-strong force", quantities such
as "1000s of lies", labels and products such as "Resolution 1973" or "Windows 2000", months in
names such as "the October Club"). Relative phrases, durations and holidays live elsewhere.
"""

from __future__ import annotations

import re

from tracker.timex.base import (
    TEMPORAL_PREPS,
    Context,
    Handler,
    Norm,
    day_norm,
    month_num,
    name_head_after,
    registrar,
    two_digit_year,
    year_for_month,
)
from tracker.timex.finder import Candidate
from tracker.timex.lexicon import (
    COUNT_MODIFIERS,
    COUNT_NOUNS,
    DECADE_WORDS,
    ORDINALS,
    day_ordinal,
    number_value,
    weekday_number,
    words,
)
from tracker.timex.periods import (
    day_value,
    iso_week_value,
    safe_date,
)

HANDLERS: dict[str, Handler] = {}
handler = registrar(HANDLERS)


@handler("iso")
def _iso(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    n = day_norm(int(m["y"]), int(m["m"]), int(m["d"]))
    if n and m["hh"]:
        return Norm("TIME", f"{n.value}T{m['hh']}:{m['mi']}")
    return n


@handler("slash")
def _slash(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
    if len(m["y"]) == 2:
        y = two_digit_year(y, ctx.dct)
    month, day = (b, a) if a > 12 else (a, b)
    return day_norm(y, month, day)


@handler("ymd_slash")
def _ymd_slash(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    return day_norm(int(m["y"]), int(m["m"]), int(m["d"]))


@handler("dotted")
def _dotted(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    return day_norm(int(m["y"]), int(m["b"]), int(m["a"]))


def _month_day(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    dw = m.groupdict().get("dw")
    month = month_num(m["mon"])
    day = day_ordinal(dw) if dw else int(re.sub(r"\D", "", m["d"]))
    if m["y"]:
        year = int(m["y"])
    elif m["wd"]:
        # "Friday, May 16": choose the year in which that day is that weekday, nearest the DCT.
        wd = weekday_number(m["wd"])
        years = [ctx.dct.year, ctx.dct.year - 1, ctx.dct.year + 1]
        good = [y for y in years if (d := safe_date(y, month, day)) and d.isoweekday() == wd]
        year = good[0] if good else year_for_month(month, day, ctx.tense(c), ctx.dct)
    else:
        year = year_for_month(month, day, ctx.tense(c), ctx.dct, ctx.firm(c))
    first = day_norm(year, month, day)
    if first is None or not m["d2"]:
        return first
    last = safe_date(year, month, int(m["d2"]))
    if last is None or last.day <= day:
        return None
    return Norm("DATE", first.value, until=day_value(last))


HANDLERS["mdy"] = _month_day


HANDLERS["dmy"] = _month_day


@handler("month_year")
def _month_year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    return Norm("DATE", f"{int(m['y']):04d}-{month_num(m['mon']):02d}")


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
    if re.match(r"\s+of\s+(?:the\s+)?[A-Z]", after):
        return None  # a name: "the March of the Living", "the Ides of March" stays a date
    if name_head_after(ctx, c.end, prep):
        return None  # a name: "the October Club", "the March Group"
    marching = re.match(r"\s+(?:on|to|against|through|for)\s+[A-Z]", after)
    if word.lower() == "march" and marching and not prep:
        return None
    if not prep and re.search(r"[A-Z][\w'’.-]*\s+$", ctx.text[max(0, c.start - 30) : c.start]) \
            and not re.search(r"(?:^|[.!?:\n]\s*)[A-Z][\w'’.-]*\s+$",
                              ctx.text[max(0, c.start - 30) : c.start]):
        return None  # inside a name: "the Women's March", "Black September"
    month = month_num(word)
    year = year_for_month(month, None, ctx.tense(c), ctx.dct, ctx.firm(c))
    return Norm("DATE", f"{year:04d}-{month:02d}")


_YEAR_UNITS = re.compile(
    r"\s+(?:GMT|UTC|EST|EDT|hours|hrs|GT|cc|mph|km|kg|lb|m\b|ft\b|[A-Z][a-z]+\s+(?:Street|St\.?|"
    r"Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Drive|Way|Place))"
)


# A number after these is a label: a page, a room, a UN resolution, a section of a law.
_NOT_YEAR_BEFORE = re.compile(r"(?i)(?:No\.|#|Nos?\.|number|page|pp?\.|Room|flight|Route|Highway"
                              r"|Resolution|Section|Article|Paragraph|Interstate|Gate|Terminal"
                              r"|Suite|Apartment|Apt\.|Channel|Episode|Vol\.|Volume|Version"
                              r"|\$)\s*$")
# Product lines named with a number, capitalized as names ("Windows 2000", "Office 2007"):
# lower-case "office" or "windows" before a year is ordinary prose.
_PRODUCT_BEFORE = re.compile(r"\b(?:Windows|Office|Server|Excel|Outlook)\s+$")
# After a number, a hyphen and one of these, the number measures something ("a 2000-strong
# force", "a 1500-page report", "a 2000-year-old tree"): count nouns in the singular too.
_MEASURE_WORDS = COUNT_MODIFIERS | {w[:-1] for w in COUNT_NOUNS if w.endswith("s")}
# Between a number and its count noun, these words leave it a count ("2000 more troops").
_COUNT_ADJECTIVES = words("more additional extra new other armed foreign riot")
# ... unless a preposition that introduces years comes first ("In 2008 more people voted").
_YEAR_PREPS = words("in since until till by during before after through throughout circa")
_PARTITIVE = re.compile(r"(?i)\s+of\s+(?:the|them|those|these|us|whom|which|its|their|his"
                        r"|her|our|all)\b")


@handler("year")
def _year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    y = int(m["y"])
    prev = ctx.prev_word(c.start)
    after = ctx.next_text(c.end, 40)
    if _YEAR_UNITS.match(after) or re.match(r"\s*(?:-LRB-|\()\s*\d", after):
        return None
    if prev == "at" and not re.match(r"\s*[,.;]", after):
        return None  # "at 1100 GMT", "at 1600 Pennsylvania"
    nxt = re.match(r"\s+([A-Za-z]+)(?:\s+([A-Za-z]+))?", after)
    if nxt and nxt.group(1).lower() in COUNT_NOUNS:
        return None  # "1990 people", "2000 troops"
    if nxt and nxt.group(2) and nxt.group(1).lower() in _COUNT_ADJECTIVES and \
            nxt.group(2).lower() in COUNT_NOUNS and prev not in _YEAR_PREPS:
        return None  # "sent 2000 more troops", "1500 armed men"
    hyphened = re.match(r"-([A-Za-z]+)\b", after)
    if hyphened and hyphened.group(1).lower() in _MEASURE_WORDS:
        return None
    if _PARTITIVE.match(after):
        return None  # "2000 of them", "1000 of the 2000 soldiers": a part of a count
    before = ctx.text[max(0, c.start - 12) : c.start]
    if _NOT_YEAR_BEFORE.search(before) or _PRODUCT_BEFORE.search(before):
        return None
    if not (1900 <= y <= ctx.dct.year + 30) and prev not in TEMPORAL_PREPS:
        return None
    return Norm("DATE", f"{y:04d}")


@handler("year_pair")
def _year_pair(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["y1"]:
        second = re.match(r"\s*([-–/])\s*(\d+)", ctx.next_text(c.end, 12))
        if second and len(second.group(2)) == 2 and int(second.group(2)) <= int(m["y1"][2:]):
            month = int(second.group(2))
            if 1 <= month <= 12 and second.group(1) == "-":  # "2014-12": an ISO month
                return Norm("DATE", f"{m['y1']}-{month:02d}", end=c.end + second.end())
            return None
        return Norm("DATE", m["y1"])
    raw = m["y2"]
    first = ctx.text[max(0, c.start - 5) : c.start - 1]
    if not first.isdigit():
        return None
    year = int(raw) if len(raw) == 4 else int(first[:2] + raw)
    if not 0 < year - int(first) <= 30:
        return None  # "2014-12" is not a range of years
    return Norm("DATE", f"{year:04d}")


@handler("half_abbr")
def _half_abbr(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["h"]:
        return Norm("DATE", f"{m['y']}-{m['h']}")
    return Norm("DATE", f"{m['y0']}-{m['h0']}")


@handler("fiscal_year")
def _fiscal_year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["y"]:
        return Norm("DATE", f"{int(m['y']):04d}")
    if m["y3"]:
        return Norm("DATE", f"{int(m['y3']):04d}")
    raw = m["y2"]
    y = int(raw) if len(raw) == 4 else two_digit_year(int(raw), ctx.dct)
    return Norm("DATE", f"{y:04d}")


# Before a plural number, the words that make it a period ("the early 1900s", "mid-1800s").
_PERIOD_BEFORE = re.compile(r"(?i)\b(?:early|late|mid)[\s-]*$")


@handler("decade")
def _decade(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["dec"]:
        y = int(m["dec"])
        period = _PERIOD_BEFORE.search(ctx.text[max(0, c.start - 8) : c.start]) is not None
        of = re.match(r"\s+of\b", ctx.next_text(c.end, 8)) is not None
        # A plural of a round thousand below this millennium is "thousands", like "100s" and
        # "10,000s" ("1000s came", "the 1000s of emails"): the eleventh century is "the
        # 1000s" or "the early 1000s" (and "2000s" is this millennium's first decade).
        if y == 1000 and not period and (of or not m["the"]):
            return None
        # Other hundreds take "of" as a quantity unless "the" or early/mid/late makes them a
        # century: "1500s of fans", but "the 1500s of the Tudors".
        if y % 100 == 0 and of and not period and not m["the"]:
            return None
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


@handler("week_of")
def _week_of(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    month, day = month_num(m["mon"]), int(re.sub(r"\D", "", m["d"]))
    year = int(m["y"]) if m["y"] else year_for_month(month, day, ctx.tense(c), ctx.dct)
    d = safe_date(year, month, day)
    return Norm("DATE", iso_week_value(d)) if d else None


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
        return Norm("DATE", f"{century * 100 + n:04d}-{month_num(m['mon']):02d}")
    return Norm("DATE", f"{century * 100 + n:04d}")


# After an apostrophe, two digits are a year when nothing makes them a count or a quote: not
# "'98 percent'", "'25 people'", "'90 of them'".
_APOS_NOT_YEAR_AFTER = re.compile(r"(?i)\s*(?:%|percent\b|per\s+cent\b|of\s+(?:the|them)\b)")


@handler("apos_year")
def _apos_year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    after = ctx.next_text(c.end, 30)
    nxt = re.match(r"\s+([A-Za-z]+)", after)
    if _APOS_NOT_YEAR_AFTER.match(after) or (nxt and nxt.group(1).lower() in COUNT_NOUNS):
        return None
    year = two_digit_year(int(m["yy"]), ctx.dct)
    if m["mon"]:
        return Norm("DATE", f"{year:04d}-{month_num(m['mon']):02d}")
    return Norm("DATE", f"{year:04d}")
