"""``tag(text, dct)``: the temporal tagger's pipeline, from raw text to sorted ``Timex`` objects.

Steps: find candidates (``finder``), normalize each (``normalize``), keep the longest
non-overlapping ones, re-normalize the kept ones in reading order with anaphoric context
("the quarter" -> the last quarter named), widen spans with modifiers ("mid-", "early",
"nearly", "more than"), glue a clock time to its day ("3 p.m. Tuesday"), and attach the
calendar interval, and add bare day numbers coordinated with a month-day date ("April 24 and
25"). It does no I/O and never calls dateparser.
"""

from __future__ import annotations

import bisect
import itertools
import re
from datetime import date

from tracker.models import Timex
from tracker.timex.finder import RULE_RANK, Candidate, find_candidates
from tracker.timex.lexicon import COUNT_NOUNS, UNITS
from tracker.timex.normalize import Context, Norm, normalize
from tracker.timex.periods import interval, safe_date

MAX_TEXT = 2_000_000  # characters; longer texts are tagged in windows of this size

_DATE_MOD = re.compile(
    r"(?i)(?:\b(?:the\s+)?(?:very\s+)?(?P<m>early|late|mid|earlier|later)(?:\s+in)?"
    r"|\bthe\s+(?P<m2>end|beginning|start|middle|close|outset|first\s+half"
    r"|second\s+half|latter\s+part|early\s+part)\s+of(?:\s+the)?"
    r"|\b(?P<m3>around|about|approximately|roughly|sometime|some\s+time))(?:\s*-\s*|\s+)$"
)
_DUR_MOD = re.compile(
    r"(?i)\b(?P<a>about|around|approximately|roughly|nearly|almost|some|more\s+than|less\s+than"
    r"|fewer\s+than|over|under|at\s+least|at\s+most|up\s+to|just\s+over|just\s+under|well\s+over"
    r"|no\s+more\s+than|no\s+less\s+than|upwards\s+of|a\s+little\s+over"
    r"|a\s+little\s+more\s+than)\s+$"
)
_MODS = {
    "early": "START", "beginning": "START", "start": "START", "outset": "START",
    "early part": "START", "first half": "START",
    "late": "END", "end": "END", "close": "END", "second half": "END", "latter part": "END",
    "mid": "MID", "middle": "MID",
    "around": "APPROX", "about": "APPROX", "approximately": "APPROX", "roughly": "APPROX",
    "some": "APPROX",
    "nearly": "LESS_THAN", "almost": "LESS_THAN", "less than": "LESS_THAN",
    "fewer than": "LESS_THAN", "under": "LESS_THAN", "just under": "LESS_THAN",
    "within": "EQUAL_OR_LESS", "up to": "EQUAL_OR_LESS", "at most": "EQUAL_OR_LESS",
    "no more than": "EQUAL_OR_LESS",
    "more than": "MORE_THAN", "over": "MORE_THAN", "just over": "MORE_THAN",
    "well over": "MORE_THAN", "upwards of": "MORE_THAN", "a little over": "MORE_THAN",
    "a little more than": "MORE_THAN",
    "at least": "EQUAL_OR_MORE", "no less than": "EQUAL_OR_MORE",
}
_TIME_DAY_GAP = re.compile(r"(?i)\s*(?:,\s*|\s+on\s+)?$")


class _Kept:
    __slots__ = ("cand", "end", "mod", "norm", "start")

    def __init__(self, cand: Candidate, norm: Norm) -> None:
        self.cand = cand
        self.norm = norm
        self.start = norm.start if norm.start is not None else cand.start
        self.end = norm.end if norm.end is not None else cand.end
        self.mod = norm.mod


def _select(items: list[_Kept]) -> list[_Kept]:
    """Longest first (then earlier rule, then earlier start); drop anything overlapping."""
    items.sort(key=lambda k: (-(k.end - k.start), RULE_RANK[k.cand.rule], k.start))
    if items and all(0 <= k.start < k.end for k in items):
        return _select_nonempty(items)
    starts: list[int] = []
    ends: list[int] = []
    kept: list[_Kept] = []
    for k in items:
        i = bisect.bisect_left(starts, k.start)
        if i > 0 and ends[i - 1] > k.start:
            continue
        if i < len(starts) and starts[i] < k.end:
            continue
        starts.insert(i, k.start)
        ends.insert(i, k.end)
        kept.append(k)
    kept.sort(key=lambda k: k.start)
    return kept


def _select_nonempty(items: list[_Kept]) -> list[_Kept]:
    """``_select`` for spans that all hold a character, in linear time.

    Two such spans overlap exactly when they share a character, so a map of the characters
    taken answers what bisecting the kept spans does, without inserting into the middle of a
    sorted list: each insertion moved half the list, quadratic in a text with a date every few
    words. Each span is read once to test it, once more to take it.
    """
    size = max(k.end for k in items)
    taken = bytearray(size)
    kept: list[_Kept] = []
    for k in items:
        if taken.find(1, k.start, k.end) != -1:
            continue
        taken[k.start : k.end] = b"\x01" * (k.end - k.start)
        kept.append(k)
    kept.sort(key=lambda k: k.start)
    return kept


def _new_report(text: str, k: _Kept) -> bool:
    """ "Delta reported third-quarter profit of ...": a quarter that opens a new report."""
    return bool(re.fullmatch(r"(?i)[a-z]+-quarter", k.cand.match.group()) and re.match(
        r"(?i)\s+(?:net|profit|earnings|loss|results|sales|revenue|income)\b",
        text[k.end : k.end + 12]) and re.search(
        r"(?i)\b(?:reported|posted|announced|had)\s+(?:an?\s+|its\s+)?$",
        text[max(0, k.start - 30) : k.start]))


# Compiled once: the context is updated for every expression kept.
_QUARTER_VALUE = re.compile(r"\d{4}-Q[1-4]")
_PART_OF_YEAR_VALUE = re.compile(r"P(?:[69]M|[23]Q)|\d{4}-H[12]")
_YEAR_VALUE = re.compile(r"\d{4}")
_MONTH_VALUE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def _update_context(ctx: Context, k: _Kept) -> None:
    v = k.norm.value
    rule = k.cand.rule
    quarter = _QUARTER_VALUE.fullmatch(v) is not None
    # The quarter a report is about: the first one it names that is not historical (not "the
    # third quarter of 1984" in a 1989 report), until another company "reported third-quarter
    # profit" and a new report begins.
    if quarter and rule in ("quarter", "q_abbr") and abs(int(v[:4]) - ctx.dct.year) <= 1:
        ctx.ref_quarter = v if _new_report(ctx.text, k) else (ctx.ref_quarter or v)
    if quarter:
        ctx.last_quarter = v
    if quarter and rule not in ("year_ago", "ago"):
        ctx.ref_span_quarter = True  # a report turning (back) to a quarter
    elif _PART_OF_YEAR_VALUE.fullmatch(v) and ctx.ref_quarter:
        ctx.ref_span_quarter = False  # "the first nine months", "the first half"
    if _YEAR_VALUE.match(v) and k.norm.type in ("DATE", "TIME"):
        if rule in ("year", "month_year", "fiscal_year", "iso", "slash", "mdy", "dmy"):
            ctx.ref_year = int(v[:4])
        m = _MONTH_VALUE.match(v)
        if m and 1 <= int(m[2]) <= 12 and int(m[1]) >= 1:
            ctx.ref_month = date(int(m[1]), int(m[2]), 1)
            if m[3]:
                ctx.ref_day = safe_date(int(m[1]), int(m[2]), int(m[3])) or ctx.ref_day
                ctx.ref_day_end = k.end


def _widen(text: str, kept: list[_Kept]) -> None:
    prev_end = 0
    for k in kept:
        before = text[max(prev_end, k.start - 40) : k.start]
        if k.cand.rule != "ago" and k.norm.type in ("DATE", "TIME") and k.norm.value[:1].isdigit():
            m = _DATE_MOD.search(before)
            # "earlier this week": a day or week keeps "earlier"/"later" outside its span
            day_word = k.cand.rule in ("weekday", "deictic", "pod") or bool(
                re.fullmatch(r"\d{4}-W\d\d", k.norm.value))
            if m and not (day_word and (m["m3"] or (m["m"] or "").lower() in ("earlier", "later"))):
                word = re.sub(r"\s+", " ", (m["m"] or m["m2"] or m["m3"]).lower())
                k.start -= len(before) - m.start()
                k.mod = k.mod or _MODS.get(word)
        elif k.norm.type == "DURATION" or k.cand.rule == "ago":
            m = _DUR_MOD.search(before)
            starts_with_the = text[k.start : k.start + 4].lower() == "the "
            if m:
                word = re.sub(r"\s+", " ", m["a"].lower())
                if not (starts_with_the and word in ("over", "under")):
                    k.start -= len(before) - m.start()
                    k.mod = k.mod or _MODS.get(word)
        prev_end = k.end


_RANGE_GAP = re.compile(r"(?i)\s*(?:-|–|—|to|through|thru|till|until|and|or)\s*")
_YEARLESS_RULES = frozenset({"month", "mdy", "dmy"})


def _share_range_year(text: str, kept: list[_Kept]) -> None:
    """ "from March to May 2024", "May 5 and May 9, 2024": the first end takes the year too."""
    for a, b in itertools.pairwise(kept):
        if a.cand.rule not in _YEARLESS_RULES or re.search(r"\d{4}", text[a.start : a.end]):
            continue
        if not re.match(r"\d{4}-\d{2}", b.norm.value) or not re.search(r"\d{4}", b.cand.match
                                                                            .group()):
            continue
        if not _RANGE_GAP.fullmatch(text[a.end : b.start]):
            continue
        year = int(b.norm.value[:4])
        if a.norm.value[5:7] > b.norm.value[5:7]:
            year -= 1
        a.norm = Norm(a.norm.type, f"{year:04d}{a.norm.value[4:]}", a.norm.mod)


def _merge_season_year(text: str, kept: list[_Kept]) -> list[_Kept]:
    """ "the winter of nineteen ninety-four": a season and a spelled-out year are one date."""
    out: list[_Kept] = []
    for k in kept:
        prev = out[-1] if out else None
        if prev and prev.cand.rule == "season" and k.cand.rule == "spoken_year" and \
                re.fullmatch(r"\d{4}", k.norm.value) and \
                re.fullmatch(r"\d{4}-(?:SP|SU|FA|WI)", prev.norm.value) and \
                re.fullmatch(r"(?i)\s+of\s+", text[prev.end : k.start]):
            merged = _Kept(prev.cand, Norm("DATE", k.norm.value + prev.norm.value[4:], prev.mod))
            merged.start, merged.end = prev.start, k.end
            out[-1] = merged
            continue
        out.append(k)
    return out


def _merge_period_ago(text: str, kept: list[_Kept]) -> list[_Kept]:
    """ "the quarter a year ago", "the same period a year earlier": one expression, the period
    one year back (the value "a year ago" already takes in a quarterly report)."""
    out: list[_Kept] = []
    for k in kept:
        prev = out[-1] if out else None
        if prev and prev.cand.rule == "quarter_rel" and k.cand.rule == "ago" and \
                re.fullmatch(r"\d{4}-Q[1-4]", prev.norm.value) and \
                re.fullmatch(r"\d{4}(?:-Q[1-4])?", k.norm.value) and \
                re.fullmatch(r"(?i)an?\s+year\s+(?:ago|earlier)", text[k.start : k.end]) and \
                re.fullmatch(r"\s+", text[prev.end : k.start]):
            value = k.norm.value if "-Q" in k.norm.value else f"{k.norm.value}{prev.norm.value[4:]}"
            merged = _Kept(prev.cand, Norm("DATE", value, prev.mod))
            merged.start, merged.end = prev.start, k.end
            out[-1] = merged
            continue
        out.append(k)
    return out


def _merge_times(text: str, kept: list[_Kept]) -> list[_Kept]:
    """ "3 p.m. Tuesday" -> one TIME on Tuesday; "Tuesday at 3 p.m." -> the time gets its day."""
    out: list[_Kept] = []
    i = 0
    while i < len(kept):
        k = kept[i]
        nxt = kept[i + 1] if i + 1 < len(kept) else None
        is_clock = k.cand.rule == "time"
        if is_clock and nxt and re.fullmatch(r"\d{4}-\d{2}-\d{2}", nxt.norm.value) and \
                _TIME_DAY_GAP.fullmatch(text[k.end : nxt.start]) and nxt.start - k.end <= 5:
            value = nxt.norm.value + k.norm.value[10:]
            merged = _Kept(k.cand, Norm("TIME", value, k.mod))
            merged.start, merged.end = k.start, nxt.end
            out.append(merged)
            i += 2
            continue
        if is_clock and out and re.fullmatch(r"\d{4}-\d{2}-\d{2}", out[-1].norm.value) and \
                re.fullmatch(r"(?i)\s*(?:,|at|,\s*at)?\s*", text[out[-1].end : k.start]):
            k.norm = Norm("TIME", out[-1].norm.value + k.norm.value[10:], k.norm.mod)
        out.append(k)
        i += 1
    return out


# "on April 24 and 25", "May 3 or 4": a bare day number joined to a month-day date is a day
# of that month (not "May 3 and 25 people", not a clock or a decimal).
_COORD_DAY = re.compile(
    r"(?:\s*,)?\s+(?:and|or|to|through|&)\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
    r"(?![\w:/%'’-]|[.,]\d)(?:\s+(?P<next>[A-Za-z]+))?")
_DAY_VALUE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _coordinated_days(text: str, kept: list[_Kept]) -> list[tuple[int, int, str]]:
    """The (start, end, value) of bare day numbers coordinated with a month-day date."""
    out: list[tuple[int, int, str]] = []
    for i, k in enumerate(kept):
        v = _DAY_VALUE.fullmatch(k.norm.value)
        if v is None or k.cand.rule != "mdy" or k.cand.match["y"] or k.norm.until or \
                not text[k.end - 1 : k.end].isalnum():
            continue
        m = _COORD_DAY.match(text, k.end, k.end + 40)
        if m is None or (i + 1 < len(kept) and kept[i + 1].start < m.end("d")):
            continue
        nxt = (m["next"] or "").lower()
        if nxt in COUNT_NOUNS or nxt.rstrip("s") in UNITS or nxt in ("percent", "per", "of"):
            continue
        day = safe_date(int(v[1]), int(v[2]), int(m["d"]))
        if day is not None and day.day > int(v[3]):
            out.append((m.start("d"), m.end("d"), day.isoformat()))
    return out


def tag(text: str, dct: date) -> list[Timex]:
    """Temporal expressions in ``text`` normalized against ``dct``, sorted, non-overlapping."""
    if len(text) > MAX_TEXT:
        out: list[Timex] = []
        for off in range(0, len(text), MAX_TEXT):
            for t in tag(text[off : off + MAX_TEXT], dct):
                out.append(Timex(t.start + off, t.end + off, t.text, t.type, t.value,
                                 t.date_start, t.date_end, t.precision, t.mod))
        return out
    cands = find_candidates(text)
    if not cands:
        return []
    ctx0 = Context(text, dct, final=False)
    first: list[_Kept] = []
    for c in cands:
        n = normalize(c, ctx0)
        if n is not None:
            first.append(_Kept(c, n))
    ctx = Context(text, dct)
    kept: list[_Kept] = []
    for k in _select(first):
        n = normalize(k.cand, ctx)
        if n is None:
            continue
        k2 = _Kept(k.cand, n)
        kept.append(k2)
        _update_context(ctx, k2)
    _share_range_year(text, kept)
    kept = _merge_season_year(text, kept)
    kept = _merge_period_ago(text, kept)
    _widen(text, kept)
    kept = _merge_times(text, kept)
    extra = _coordinated_days(text, kept)
    result: list[Timex] = []
    for k in kept:
        value = k.norm.value
        span = interval(value, dct) if k.norm.type in ("DATE", "TIME") else None
        if span and k.norm.until:
            last = interval(k.norm.until, dct)
            span = (span[0], last[1], span[2]) if last else span
        result.append(Timex(
            start=k.start, end=k.end, text=text[k.start : k.end], type=k.norm.type, value=value,
            date_start=span[0] if span else None, date_end=span[1] if span else None,
            precision=span[2] if span else None, mod=k.mod,
        ))
    if extra:
        for start, end, value in extra:
            d = date.fromisoformat(value)
            result.append(Timex(start=start, end=end, text=text[start:end], type="DATE",
                                value=value, date_start=d, date_end=d, precision="day"))
        result.sort(key=lambda t: t.start)
    return result
