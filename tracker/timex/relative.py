"""Handlers for expressions relative to the DCT or to the last date named: weekdays, "today",
"last week", "this summer", quarters ("the third quarter", "Q3", "the year-earlier period"),
"the next day", and vague references ("now", "recently", "the future", "for the time being",
"very soon"). Narrative phrases ("the day", "that week", "the same month", "the start of the
day") resolve against the last day the text named (``Context``), else the DCT.

Weekdays and bare months lean on the tense of the sentence; anaphoric phrases use ``Context``.
A weekday inside a name ("Bloody Sunday", "The Sunday Times", "Monday Night Football") is none.
Absolute dates, durations, sets and holidays live elsewhere.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from tracker.timex.base import (
    Context,
    Handler,
    Norm,
    current_quarter,
    month_num,
    name_head_after,
    quarter_year,
    registrar,
    shift_quarter,
    title_case,
    two_digit_year,
    weekday_date,
    year_earlier,
)
from tracker.timex.finder import Candidate
from tracker.timex.lexicon import (
    MONTHS,
    ORDINALS,
    PARTS_OF_DAY,
    SEASONS,
    WEEKDAYS,
    number_value,
    words,
)
from tracker.timex.periods import (
    SEASON_MONTHS,
    day_value,
    iso_week_value,
    month_end,
    shift_value,
)

HANDLERS: dict[str, Handler] = {}
handler = registrar(HANDLERS)


_EVENT_AFTER = re.compile(
    r"\s+(?!(?:in|on|at|when|and|or|but|as|to|with|from|by|of|for|that|was|were|is|had|has"
    r"|yesterday|tomorrow)\b)[A-Za-z]"
)


# "the day" on its own is a date only where a date can stand: after a preposition that takes one
# ("on the day", "during the day") or opening a sentence ("The day began with ..."), and not
# when an "of" phrase, a relative clause or a possessive ties it to something else ("the day of
# the vote", "the day that changed", "the day's fighting") or an idiom takes it ("save the day").
_BARE_DAY_PREPS = words("on during throughout by until till")
_BARE_DAY_NOT_AFTER = re.compile(
    r"(?i)(?:['’]s?\b|-|\s+(?:of|that|when|which|where|before|after|in\s+which|on\s+which"
    r"|and\s+night|to\s+day|he|she|it|they|we|i|you)\b"
    # "during the day Friday", "the day, May 16,": the date named right after is the expression.
    r"|,?\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March"
    r"|April|May|June|July|August|September|October|November|December|\d)\b)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]['\"’”]?\s+|\n\s*)['\"‘“]?$")


def _bare_day(c: Candidate, ctx: Context) -> bool:
    """Whether a lone "the day" stands where a date can (see ``_BARE_DAY_PREPS``)."""
    if _BARE_DAY_NOT_AFTER.match(ctx.text, c.end):
        return False
    if ctx.prev_word(c.start) in _BARE_DAY_PREPS:
        return True
    return _SENTENCE_START.search(ctx.text, max(0, c.start - 4), c.start) is not None


@handler("rel_day")
def _rel_day(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    w = re.sub(r"\s+", " ", m["w"].lower())
    if w == "the day" and not _bare_day(c, ctx):
        return None
    # "Oct. 12, the day before the crash": in apposition to a date, with "before" starting a
    # phrase that names an event, the expression is "the day" and means that date.
    day_of_event = w in ("the day before", "the day after") and _EVENT_AFTER.match(
        ctx.next_text(c.end, 20)) and re.search(r"\d,\s*$", ctx.text[max(0, c.start - 4) : c.start])
    if not ctx.final:
        return Norm("DATE", "XXXX-XX-XX", end=c.start + 7 if day_of_event else None)
    base = ctx.ref_day or ctx.dct
    if day_of_event:
        return Norm("DATE", day_value(base), end=c.start + 7)
    shift = -1 if ("previous" in w or "before" in w) else 1 if (
        "next" in w or "following" in w or "after" in w) else 0
    value = day_value(base + timedelta(days=shift))
    for pod_word, code in (("morning", "MO"), ("evening", "EV"), ("night", "NI")):
        if w.endswith(pod_word):
            return Norm("TIME", f"{value}T{code}")
    return Norm("DATE", value)


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
    if m["s"][:1].isupper() and re.match(r"\s+[A-Z]", ctx.next_text(c.end, 4)) and \
            title_case(m["s"], c, ctx):
        return None  # "the Winter Olympics", "the Summer Palace"
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
    if m["s"].lower() == "fall" and re.match(r"\s+guy\b", after):
        return None  # "the fall guy"
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


_OF_LONGER_PERIOD = re.compile(
    r"(?i)\s+of\s+(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)\b|[a-z-]*centur|\d{4}['’]?s\b|['’]\d0s"
    r"|(?:twent|thirt|fort|fift|sixt|sevent|eight|ninet)ies|decade|century|millennium)"
)


@handler("quarter")
def _quarter(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    word = m["ord"].lower()
    half = m["unit"].lower() == "half"
    if word in ("last", "latter") and not half and not m["y"]:
        return None
    if _OF_LONGER_PERIOD.match(ctx.next_text(c.end, 40)):
        return None  # "the first half of the 20th century": a part of that period (a mod)
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
        year = quarter_year(n, ctx.tense(c), ctx.dct)
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
        year = two_digit_year(int(m["yy"]), ctx.dct)
    else:
        year = quarter_year(q, ctx.tense(c), ctx.dct)
    return Norm("DATE", f"{year:04d}-Q{q}")


@handler("quarter_rel")
def _quarter_rel(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    det = (m["det"] or "").lower()
    adj = re.sub(r"\s+", " ", (m["adj"] or "").lower())
    cur = current_quarter(ctx.dct)
    latest = ctx.ref_quarter or shift_quarter(cur, -1)
    if m["unit"].lower() == "period" and adj not in (
            "latest", "year-earlier", "year-ago", "comparable", "same", "corresponding") and \
            not adj[:1].isdigit():
        return None
    if adj[:1].isdigit():  # "the 1988 period": that year's quarter, or year after "nine months"
        return Norm("DATE", f"{adj}-Q{latest[-1]}" if ctx.ref_span_quarter else adj)
    if adj in ("june", "september", "december", "march"):
        q = {"march": 1, "june": 2, "september": 3, "december": 4}[adj]
        return Norm("DATE", f"{quarter_year(q, ctx.tense(c), ctx.dct):04d}-Q{q}")
    if adj in ("current",) or (det == "this" and not adj):
        return Norm("DATE", cur)
    if adj in ("next", "coming") or (det == "next" and not adj):
        return Norm("DATE", shift_quarter(cur, 1))
    if adj in ("previous", "past", "last") or (det == "last" and not adj):
        return Norm("DATE", shift_quarter(cur, -1))
    if adj in ("year-earlier", "year-ago", "comparable", "same", "corresponding"):
        return Norm("DATE", shift_quarter(latest, -4))
    if det == "that":  # the quarter named last ("the second quarter ... that quarter")
        if not ctx.final:
            return Norm("DATE", "XXXX-QX")
        return Norm("DATE", ctx.last_quarter) if ctx.last_quarter else None
    return Norm("DATE", latest)


@handler("year_ago")
def _year_ago(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    if m["months"]:
        return Norm("DURATION", f"P{number_value(m['months'])}M")
    start = c.start
    if not m["what"] and c.match.group()[:4].lower() == "the ":
        start = c.start + 4
    return Norm("DATE", year_earlier(ctx), start=start)


_SHIFT = {
    "this": 0, "current": 0, "the current": 0, "the same": 0,
    "last": -1, "past": -1, "the past": -1, "the last": -1, "previous": -1, "the previous": -1,
    "this past": -1,
    "next": 1, "the next": 1, "coming": 1, "the coming": 1, "following": 1, "the following": 1,
    "this coming": 1,
}


def _weekend_value(d: date) -> str:
    return iso_week_value(d) + "-WE"


@handler("rel_unit")
def _rel_unit(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    det = re.sub(r"\s+", " ", m["det"].lower())
    if title_case(m["unit"], c, ctx):
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
    if det == "the same":
        # "the same month", "the same year": the period of the date the text is telling about
        # (the last one named), or of the DCT when none is named yet.
        if not ctx.final:
            return Norm("DATE", "XXXX")
        day = ctx.ref_day or ctx.ref_month
        if unit == "year" and (ctx.ref_year or day):
            return Norm("DATE", f"{ctx.ref_year or (day.year if day else dct.year):04d}")
        if unit == "weekend" or (unit == "year" and ctx.ref_year):
            return None
        base = (ctx.ref_month or ctx.ref_day) if unit == "month" else ctx.ref_day
        value = shift_value(unit, 0, base or dct)
        return Norm("DATE", value) if value else None
    if det == "the full" and unit == "year":
        return Norm("DATE", f"{dct.year:04d}")
    if det == "the":
        if unit == "year":
            # "the year ended March 31" is a twelve-month span; "a high for the year", "the
            # first nine months of the year" mean the current year.
            if re.match(r"\s+(?:ended|ending|to\s+date|through|since|before|after|earlier"
                        r"|later|that|when|in\s+which)\b|-long", ctx.next_text(c.end)):
                return Norm("DURATION", "P1Y")
            if re.search(r"(?i)\bof\s+$", ctx.text[max(0, c.start - 4) : c.start]) and not \
                    re.search(r"(?i)\b(?:months|weeks|days|quarters?|half|part|end|start"
                              r"|beginning|rest|remainder|balance|course|first|last)\s+of\s+$",
                              ctx.text[max(0, c.start - 20) : c.start]):
                return None  # "player of the year", "the coldest night of the year"
            if re.match(r"\s+\d", ctx.next_text(c.end)):
                return None  # "in the year 610": a year the finder does not read
            return Norm("DATE", f"{ctx.ref_year or dct.year:04d}")
        if unit == "week":
            return Norm("DATE", iso_week_value(dct))
        return None
    if det == "that":
        if not ctx.final:
            return Norm("DATE", "XXXX")
        if unit == "year" and ctx.ref_year:
            return Norm("DATE", f"{ctx.ref_year:04d}")
        if unit == "month" and ctx.ref_month:  # "in March ... that month"
            return Norm("DATE", shift_value(unit, 0, ctx.ref_month) or "XXXX")
        if ctx.ref_day and unit == "week":
            return Norm("DATE", shift_value(unit, 0, ctx.ref_day) or "XXXX")
        return None
    shift = _SHIFT.get(det)
    if shift is None:
        return None
    base = dct
    if det in ("the following", "the previous"):
        if unit in ("year", "decade") and ctx.ref_year:
            base = date(ctx.ref_year, 7, 1)
        elif unit == "month" and (ctx.ref_month or ctx.ref_day):
            base = ctx.ref_month or ctx.ref_day or dct
        elif ctx.ref_day:
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
    if m["unit"].lower() == "day":
        # "the start of the day", "the end of the day": a part of the day the text is telling
        # about. "earlier/later in the day" only orders events within that day, like "earlier"
        # alone, and is not tagged.
        if pre.startswith(("earlier", "later")):
            return None
        return Norm("DATE", day_value(ctx.ref_day or ctx.dct), mod)
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
        d = weekday_date(wd, tense if tense == "past" else "future", dct)
        return Norm("DATE", day_value(d))
    month = MONTHS[name]
    if det in ("last", "this past", "past", "the previous"):
        # The month just ended is "last month"; "last February" said in March means the
        # February of a year before ("crashed last February").
        year = dct.year if month < dct.month - 1 else dct.year - 1
    elif det in ("next", "this coming", "the coming", "coming", "the following"):
        year = dct.year if month > dct.month else dct.year + 1
    else:
        year = dct.year
    return Norm("DATE", f"{year:04d}-{month:02d}")


@handler("named_rel_year")
def _named_rel_year(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    year = ctx.dct.year + {"this": 0, "last": -1, "next": 1}[m["ry"].lower()]
    return Norm("DATE", f"{year:04d}-{month_num(m['mon']):02d}")


# Prepositions that take a bare weekday as a day ("on Sunday Post Office workers struck").
_DAY_PREPS = words("on since until till by before after from through every each")
_POSSESSIVE_AFTER = re.compile(r"['’]s\b")
_WEEKDAY_NAMES_BEFORE = re.compile(r"(?:Bloody|Super|News|Black|Blue|Manic|Casual|Fat)\s+$")


@handler("weekday")
def _weekday(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    wd = WEEKDAYS[m["wd"].lower()]
    if _WEEKDAY_NAMES_BEFORE.search(ctx.text[max(0, c.start - 10) : c.start]):
        return None  # "Bloody Sunday", "Super Tuesday", "Fox News Sunday"
    if m["pl"]:
        return Norm("SET", f"XXXX-WXX-{wd}")
    if name_head_after(ctx, c.end, ctx.prev_word(c.start) in _DAY_PREPS):
        return None  # "The Sunday Times", "the Tuesday Group"
    tense = ctx.tense(c)
    if tense == "future" and _POSSESSIVE_AFTER.match(ctx.next_text(c.end, 3)) \
            and not ctx.firm(c):
        # "would get around Wednesday's ruling": a possessive weekday names an event already
        # reported (the news corpora have no future one), whatever the verb of the clause.
        tense = "past"
    d = weekday_date(wd, tense, ctx.dct)
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
    if m["wd"] and name_head_after(ctx, m.end("wd"), ctx.prev_word(c.start) in _DAY_PREPS):
        return None  # "Monday Night Football", "Saturday Night Live"
    if m["wd"]:
        d: date | None = weekday_date(WEEKDAYS[m["wd"].lower()], ctx.tense(c), ctx.dct)
    else:
        day = m["day"].lower()
        if day == "last" and pod != "NI":
            return None
        if day == "tonight":
            return None
        d = _deictic_day(day, ctx.dct)
    if d is None:
        return None
    if m["wd"]:
        # "Friday night", "Tuesday morning": the news corpora annotate the day the event falls
        # on (a DATE with the day's value), not the part of the day.
        return Norm("DATE", day_value(d))
    return Norm("TIME", f"{day_value(d)}T{pod}")


_POD_REACH = 300  # characters: how far back "in the morning" looks for the day it belongs to


@handler("pod_bare")
def _pod_bare(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    """ "in the morning" (of the day last named), "mid-afternoon", "late evening yesterday"."""
    pod = PARTS_OF_DAY[(m["pod"] or m["pod2"]).lower()]
    if m["pod"] and ctx.final and (ctx.tense(c) is None or ctx.ref_day is None
                                   or c.start - ctx.ref_day_end > _POD_REACH):
        return None  # "he gets up in the morning": a habit, unless a day was just named
    d = _deictic_day(m["day"], ctx.dct) if m["day"] else (ctx.ref_day or ctx.dct)
    if d is None:
        return None
    mod = {"mid": "MID", "early": "START", "late": "END"}.get((m["mid"] or "").lower())
    return Norm("TIME", f"{day_value(d)}T{pod}", mod)


@handler("nth_day")
def _nth_day(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    """ "Today is the eighth day of the strike", "It's the second day of the offensive": a
    running count said in the present tense names the day of the report."""
    return Norm("DATE", day_value(ctx.dct))


_GENERIC_TODAY = re.compile(
    r"'s\s+(?:world|society|economy|generation|youth|young|children|kids|standards|technology"
    r"|culture|politics|media|students|teenagers|market|climate|environment|age"
    r"|computers|consumers|families|workers|schools|cars|homes)\b"
)


@handler("deictic")
def _deictic(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    word = m["w"].lower()
    d = _deictic_day(word, ctx.dct)
    if d is None or (word == "today" and title_case(m["w"], c, ctx)):
        return None  # "USA Today", "the Today show"
    if word == "today" and _GENERIC_TODAY.match(ctx.next_text(c.end, 40)):
        return None  # "today's world", "today's youth": the present era in general, untagged
    if word == "today" and ctx.prev_word(c.start) == "of":
        return Norm("DATE", "PRESENT_REF")  # "the Europe of today"
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
    "the time being": "PRESENT_REF", "the moment": "PRESENT_REF", "this moment": "PRESENT_REF",
    "soon": "FUTURE_REF", "very soon": "FUTURE_REF", "shortly": "FUTURE_REF",
}
# "soon after the vote", "shortly before", "as soon as they arrive": a time relative to an
# event, which TimeML leaves to the event's own date.
_SOON_NOT_AFTER = re.compile(
    r"(?i)\s*(?:after|before|afterwards?|thereafter|enough|than|as|to\s+be\s+announced)\b")
# A modal or "to" in the few words before "soon" puts it ahead of the DCT whatever the main
# verb ("officials said a deal could come very soon").
_MODAL_BEFORE = re.compile(
    r"(?i)\b(?:will|would|could|may|might|can|shall|should|must|to|going|expected|expects"
    r"|hope[sd]?|plan(?:s|ned)?)\b(?:\s+[a-z']+){0,3}\s+$")
# "at the moment of impact", "at the moment he arrived": the moment of an event.
_MOMENT_NOT_AFTER = re.compile(
    r"(?i)\s+(?:of|when|that|which|he|she|it|they|we|i|you|the|a|an|his|her|their|its)\b")


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
    if word.endswith("moment") and _MOMENT_NOT_AFTER.match(after):
        return None
    if word.endswith(("soon", "shortly")):
        return _soon(word, c, ctx, after)
    if word == "now" and re.match(r"-", after):
        return None
    if word == "now" and after.startswith(",") and re.search(
            r"(?:^|[.!?:;]['\"’”]?)\s*['\"‘“`]*$", ctx.text[max(0, c.start - 6) : c.start]):
        return None  # "Now, he says, ...": a sentence-opening discourse marker, not a time
    if word == "current" and re.match(r"\s+account", after):
        return None
    if word == "future" and not re.match(r"\s+(?:quarters?|years?|periods?|months?)\b", after):
        return None
    return Norm("DATE", value)


def _soon(word: str, c: Candidate, ctx: Context, after: str) -> Norm | None:
    """ "will soon", "very soon", "as soon as possible": the near future (FUTURE_REF), unless
    the phrase is a time relative to an event or the clause is told in the past ("the talks
    soon collapsed", about a past time)."""
    before = ctx.text[max(0, c.start - 3) : c.start].lower()
    if word == "soon" and before == "as " and re.match(r"(?i)\s+as\s+possible\b", after):
        return Norm("DATE", "FUTURE_REF", start=c.start - 3,
                    end=c.end + len(re.match(r"(?i)\s+as\s+possible", after)[0]))  # type: ignore[index]
    if before == "as " or _SOON_NOT_AFTER.match(after):
        return None
    if not _MODAL_BEFORE.search(ctx.text, max(0, c.start - 40), c.start) and \
            ctx.tense(c) == "past":
        return None
    return Norm("DATE", "FUTURE_REF")


@handler("year_end")
def _year_end(m: re.Match[str], c: Candidate, ctx: Context) -> Norm | None:
    year = ctx.dct.year
    if ctx.dct.month <= 3 and ctx.tense(c) == "past":
        year -= 1
    # "year-end", "year's end": like "the end of the year", the year with mod END.
    return Norm("DATE", f"{year:04d}", "END")
