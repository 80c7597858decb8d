"""Handlers for durations ("nearly two years", "the past three months"), "N units ago", sets
("every Monday", "weekly", "the annual summit", "40,000 barrels a day") and clock times ("3 p.m.",
"noon", "16:08 UTC" with its zone as an ISO offset). "Two days later" after a named day is
that day moved (a DATE); without one it stays a duration.

It decides duration versus frequency versus age; it does not handle calendar dates.
"""

from __future__ import annotations

import re
from datetime import timedelta

from tracker.timex.base import (
    Context,
    Handler,
    Norm,
    duration_value,
    quant,
    registrar,
    title_case,
    unit_base,
    year_earlier,
)
from tracker.timex.finder import Candidate
from tracker.timex.lexicon import (
    MONTHS,
    PARTS_OF_DAY,
    SEASONS,
    SET_ADVERBS,
    UNIT_MULTIPLIER,
    WEEKDAYS,
    number_value,
    rate_nouns,
    time_zones,
)
from tracker.timex.periods import (
    day_value,
    shift_value,
)

HANDLERS: dict[str, Handler] = {}
handler = registrar(HANDLERS)


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


def _half_more(n: float | None, m: re.Match[str]) -> float | None:
    """ "a minute and a half", "two years and a half": the quantity plus one half."""
    return n + 0.5 if n is not None and m["half"] else n


@handler("ago")
def _ago(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    n = _half_more(quant(m["q"]), m)
    unit = unit_base(m["unit"])
    direction = m["dir"].lower()
    narrative = _narrative_day(n, unit, direction, ctx)
    if narrative is not None:
        return narrative
    if direction == "later":
        return Norm("DURATION", duration_value(n, unit), end=m.end("half" if m["half"] else "unit"))
    sign = -1 if direction in ("ago", "earlier", "back") else 1
    if n is None or n != int(n):
        return Norm("DATE", "PAST_REF" if sign < 0 else "FUTURE_REF")
    k = int(n)
    if unit == "week" and direction == "ago" and k <= 2:
        # "a week ago", "two weeks ago": the same weekday counted back, a day; from three weeks
        # on writers round, and the week is meant.
        return Norm("DATE", day_value(ctx.dct - timedelta(weeks=k)))
    if unit in ("hour", "minute", "second"):
        return Norm("DATE", day_value(ctx.dct)) if k < 24 * (1 if unit == "hour" else 60) else None
    if unit == "night":
        unit = "day"
    if unit == "weekend":
        unit = "week"
    if k == 1 and unit == "year" and ctx.ref_quarter and re.search(
            r"(?i)quarter|period|earnings|profit|revenue|net income|sales", ctx.text[
                max(0, c.start - 300) : c.end + 50]):
        return Norm("DATE", year_earlier(ctx))
    if unit in ("decade", "century"):
        k, unit = k * UNIT_MULTIPLIER[unit], "year"
    value = shift_value(unit, sign * k, ctx.dct)
    return Norm("DATE", value) if value else None


def _narrative_day(n: float | None, unit: str, direction: str, ctx: Context) -> Norm | None:
    """ "Two days later", "a week earlier" after a day has been named: that day moved, a DATE
    (the day is the reference time the text has established). Without such a day "later" stays
    a duration and "earlier" counts back from the DCT."""
    if ctx.ref_day is None or direction not in ("later", "earlier") or unit not in (
            "day", "week", "night") or n is None or n != int(n):
        return None
    days = int(n) * (7 if unit == "week" else 1) * (1 if direction == "later" else -1)
    try:
        return Norm("DATE", day_value(ctx.ref_day + timedelta(days=days)))
    except OverflowError:
        return None


# "one day" between a modal and its verb means "someday", a vague future reference.
_SOMEDAY_BEFORE = frozenset(
    {"will", "would", "could", "might", "may", "can", "shall", "should", "must"})


@handler("duration")
def _duration(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if (m["adj"] and m["adj"].lower() == "-old") or re.match(r"\s+old\b", ctx.next_text(c.end)):
        return None  # ages
    if title_case(m["unit"], c, ctx):
        return None
    q = m["q"].lower()
    unit = unit_base(m["unit"])
    rel = (m["rel"] or "").lower()
    det = (m["det"] or "").lower()
    if q == "one" and unit == "day" and not rel and not det and c.match.group().lower() == \
            "one day" and ctx.prev_word(c.start) in _SOMEDAY_BEFORE:
        return Norm("DATE", "FUTURE_REF")  # "the city will one day host the games": someday
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
    n = _half_more(quant(q), m)
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
    direction = (m["dir"] or "").lower()
    unit = unit_base(m["unit"])
    start = m.start("unit") if det in ("for", "in", "over", "within", "") else c.start
    if direction in ("ago", "earlier"):
        return Norm("DATE", "PAST_REF", start=start)  # "months ago"
    if not direction and ctx.prev_word(c.start) == "in":
        # "in recent days", "in the coming weeks": when something happens, near the DCT and
        # without a date (TimeML's PAST_REF / FUTURE_REF); "over the coming weeks", "for
        # days" stay durations. "in recent months/years" stays a stretch of time too.
        if det == "recent" and unit in ("day", "week"):
            return Norm("DATE", "PAST_REF", end=m.end("unit"))
        if det in ("coming", "the coming") and unit in ("day", "week", "month"):
            return Norm("DATE", "FUTURE_REF", end=m.end("unit"))
    if direction == "ahead" and det in ("the", "the coming", "the next"):
        return Norm("DURATION", duration_value(None, unit))  # "the weeks ahead"
    end = m.end("unit")
    if det in ("", "the"):
        return None
    if det == "in" and unit not in ("year", "decade", "month"):
        return None
    return Norm("DURATION", duration_value(None, unit), start=start, end=end)


@handler("set_every")
def _set_every(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    unit = m["unit"].lower()
    q = (m["q"] or "").lower()
    if m["w"].lower() == "per" and not q and unit in ("second", "minute", "hour"):
        return None  # "miles per hour", "instructions per second": a unit of measure
    if unit in PARTS_OF_DAY:
        return Norm("SET", f"XXXX-XX-XXT{PARTS_OF_DAY[unit]}")
    if unit in SEASONS:
        return Norm("SET", f"XXXX-{SEASONS[unit]}")
    n: float | None = 2 if q == "other" else (quant(q) if q else 1)
    if n is None:
        return None
    return Norm("SET", duration_value(n, unit_base(unit)))


@handler("set_named")
def _set_named(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    name = m["name"].lower()
    if name in WEEKDAYS:
        return Norm("SET", f"XXXX-WXX-{WEEKDAYS[name]}")
    return Norm("SET", f"XXXX-{MONTHS[name]:02d}")


# An amount right before a frequency adverb makes the adverb part of a rate statistic ("grow
# 20% annually", "10,000 units annually", "$3 million annually"), which TimeBank leaves untagged.
_RATE_AMOUNT = re.compile(
    r"(?i)(?:\d%|\d\s*(?:percent|units|shares|tons)|\d\s*(?:million|billion)"
    r"(?:\s+[a-z]+)?)\s*$"
)


@handler("set_adverb")
def _set_adverb(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if title_case(m["w"], c, ctx):
        return None  # "the Daily Star"
    before = ctx.text[max(0, c.start - 40) : c.start]
    if ctx.prev_word(c.start) == "average" or _RATE_AMOUNT.search(before):
        return None  # "average daily volume", "sales to rise 8% annually": a rate, not a SET
    following = re.match(r"\s+([a-z]+)(?:\s+([a-z]+))?", ctx.next_text(c.end, 40))
    if following:
        if following[1] == "of" and m["w"].lower() == "quarterly":
            return None  # "declared its regular quarterly of 5 cents": the dividend itself
        # "annual sales", "a quarterly cash dividend": a measure, not a SET.
        rates = rate_nouns()
        if any(w and (w in rates or w.rstrip("s") in rates) for w in following.groups()):
            return None
    return Norm("SET", SET_ADVERBS[m["w"].lower()])


@handler("set_times")
def _set_times(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    return Norm("SET", duration_value(1, unit_base(m["unit"])))


@handler("time")
def _time(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    n = _clock(m, c, ctx)
    zone = time_zones().get(m["tz"] or "")
    if n is None or zone is None:
        return n
    return Norm(n.type, n.value + zone, n.mod)  # "16:08 UTC" -> ...T16:08Z, "EST" -> -05:00


def _clock(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    # A clock time with no day of its own falls on the day the text is telling about: the
    # last day named ("The embassy was bombed on Aug. 7. ... at 10:35 a.m."), else the DCT.
    day = day_value(ctx.ref_day or ctx.dct)
    if m["w"]:
        w = m["w"].lower()
        if w == "noon" and ctx.prev_word(c.start) == "high":
            return None  # "high noon": a showdown, not a clock time
        return Norm("TIME", f"{day}T{'24:00' if w == 'midnight' else '12:00'}")
    if m["h24"]:
        return Norm("TIME", f"{day}T{int(m['h24']):02d}:{m['m24']}")
    if m["oc"]:  # "three o'clock", "three o'clock in the afternoon"
        h = number_value(m["oc"]) or int(m["oc"])
        if ((m["ocpod"] and m["ocpod"].lower() != "morning") or m["ocnight"]) and h < 12:
            h += 12
        elif m["ocpod"] and h == 12:
            h = 0
        return Norm("TIME", f"{day}T{h:02d}:00")
    if m["hp"]:  # "4 in the morning", "9 at night"
        h = int(m["hp"])
        if m["pod"] is None or m["pod"].lower() != "morning":
            h = h + 12 if h < 12 else h
        elif h == 12:
            h = 0
        return Norm("TIME", f"{day}T{h:02d}:00")
    h = int(m["h"])
    ap = m["ap"].lower()
    if ap.startswith("p") and h != 12:
        h += 12
    if ap.startswith("a") and h == 12:
        h = 0
    mi = m["mi"] or "00"
    return Norm("TIME", f"{day}T{h:02d}:{mi}")
