"""What every normalization handler shares: the ``Norm`` result, the ``Context`` it may read,
the handler registry type, calendar helpers (which year a bare "March" means, which date a
bare "Friday" means, ISO durations from a quantity and a unit), and whether a weekday or month
name starts a name ("The Sunday Times": ``name_head_after``).

It holds no handler itself and does not know which rules exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from tracker.models import TimexType
from tracker.timex.finder import Candidate
from tracker.timex.lexicon import (
    MONTHS,
    UNIT_MULTIPLIER,
    UNITS,
    alternation,
    name_heads,
    number_value,
    words,
)
from tracker.timex.periods import add_months, day_value, month_end, quarter_of, safe_date
from tracker.timex.tense import Tense, TenseIndex


@dataclass(frozen=True)
class Norm:
    """A normalized expression; ``start``/``end`` override the candidate span when set."""

    type: TimexType
    value: str
    mod: str | None = None
    start: int | None = None
    end: int | None = None
    until: str | None = None  # a day range's last day ("May 16-17"): widens the interval


@dataclass
class Context:
    """What a handler may look at: the text, the DCT, and the last explicit mentions."""

    text: str
    dct: date
    ref_quarter: str | None = None
    last_quarter: str | None = None  # the quarter named last, for "that quarter"
    # Whether the period last reported on is that quarter or a longer part of its year ("the
    # nine months", "the first half"): "a year earlier" then means a quarter or a year.
    ref_span_quarter: bool = True
    ref_year: int | None = None
    ref_day: date | None = None
    ref_day_end: int = -1  # where the day last named ends in the text
    ref_month: date | None = None  # first day of the last month named
    final: bool = True  # False in the first pass, which only decides spans

    _tenses: TenseIndex | None = field(default=None, init=False, repr=False)

    def tense(self, c: Candidate) -> Tense | None:
        """Past/future cue around the candidate (None in the first, span-only pass)."""
        if not self.final:
            return None
        if self._tenses is None:
            self._tenses = TenseIndex(self.text)
        local, lean = local_tense(self.text, c.start)
        clause = self._tenses.tense(c.start, c.end)
        if lean and re.match(r"['’]s\b", self.text[c.end : c.end + 3]):
            local = None  # "killed by Tuesday's quake": "by" names the agent, not a deadline
        if local and not (lean and clause == "past"):
            return local
        return clause

    def firm(self, c: Candidate) -> bool:
        """Whether the words right before the candidate fix its direction ("since", "ended",
        "payable", "effective"), so that no nearer date in the other direction may win."""
        if not self.final:
            return False
        tense, lean = local_tense(self.text, c.start)
        return tense is not None and not lean

    def prev_word(self, pos: int) -> str:
        """The word before ``pos`` (commas skipped), lower-cased."""
        m = re.search(r"([A-Za-z']+)[\s,]*$", self.text[max(0, pos - 30) : pos])
        return m.group(1).lower() if m else ""

    def next_text(self, pos: int, n: int = 30) -> str:
        """Up to ``n`` characters of text from ``pos``."""
        return self.text[pos : pos + n]


# Words right before a date that fix its direction whatever the verb of the clause: a date
# something is "payable", "effective" or "due" on lies ahead; one something happened "since" or
# a period "ended" on lies behind ("the fiscal year ended Jan. 31").
_CLOCK = r"(?:(?:\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?|noon|midnight)(?:\s+[ECMP][SD]T)?,?\s+)?"
_LOCAL_FUTURE = re.compile(
    r"(?i)\b(?:payable|effective|due|expires?|expiring|of\s+record|deadline\s+of)"
    r"(?:\s+(?:on|in|at|as\s+of))?\s+" + _CLOCK + "$"
)
# Weaker: "until Tuesday", "by Friday", "starting June 1", "scheduled for July" lean ahead unless
# the clause is plainly past ("the cuts, starting Oct. 1, hit exports").
_LOCAL_AHEAD = re.compile(
    r"(?i)\b(?:until|till|by|as\s+soon\s+as|no\s+later\s+than|starting|beginning"
    r"|scheduled\s+for|set\s+for|slated\s+for)"
    r"(?:\s+(?:on|at|in))?\s+" + _CLOCK + "$"
)
# A deadline set, moved or granted lies ahead even in a past clause: "extended its offer to
# Nov. 6", "postponed the vote until Tuesday", "gave them until 9 a.m. Tuesday".
_DEADLINE = re.compile(
    r"(?i)\b(?:postpone[ds]?|delay(?:ed|s)?|extend(?:ed|s)?|adjourn(?:ed|s)?|defer(?:red|s)?"
    r"|deadline|gave|give[sn]?)\b[^.;:!?]{0,30}\b(?:until|till|to)\s+" + _CLOCK + "$"
)
# ... but not when the plan itself is told in the past: "was due on Monday", "had been due to
# expire Friday".
_PAST_PLAN = re.compile(r"(?i)\b(?:had|was|were)\s+(?:been\s+)?(?:due|payable|effective|set"
                        r"|scheduled|slated)\b")
_LOCAL_PAST = re.compile(
    r"(?i)\b(?:since(?:\s+[a-z]+ing(?:\s+(?:in|on))?|(?:\s+shortly)?\s+(?:after|before)"
    r"(?:\s+the)?)?|ended|as\s+recently\s+as|as\s+late\s+as)\s+$"
)


def local_tense(text: str, start: int) -> tuple[Tense | None, bool]:
    """The direction fixed by the words just before ``start`` and whether it is only a lean."""
    before = text[max(0, start - 40) : start]
    wide = text[max(0, start - 70) : start]
    deadline = _DEADLINE.search(wide) and not re.search(r"(?i)\bhad\b", wide)
    if (_LOCAL_FUTURE.search(before) or deadline) and not _PAST_PLAN.search(before):
        return "future", False
    if _LOCAL_PAST.search(before):
        return "past", False
    if _LOCAL_AHEAD.search(before):
        return "future", True
    return None, False


Handler = Callable[[re.Match[str], Candidate, Context], Norm | None]


def registrar(table: dict[str, Handler]) -> Callable[[str], Callable[[Handler], Handler]]:
    """A decorator factory that files handlers in ``table`` under their rule name."""

    def handler(name: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            table[name] = fn
            return fn

        return deco

    return handler


TEMPORAL_PREPS = words(
    """in on at since until till by from to through thru during before after of between and or
    early late mid around about this last next that than circa throughout into"""
)


TENSE_PENALTY = 120  # days: how much a contradicting tense pushes a date to the other year


def year_for_month(month: int, day: int | None, tense: Tense | None, dct: date,
                   strict: bool = False) -> int:
    """The year that puts a month (or month and day) nearest the DCT, leaning with the tense
    (or, when ``strict``, never against it: "the fiscal year ended Jan. 31")."""
    best: tuple[int, int] | None = None
    for year in (dct.year - 1, dct.year, dct.year + 1):
        if day is None:
            lo, hi = date(year, month, 1), month_end(year, month)
        else:
            lo = hi = safe_date(year, month, day) or month_end(year, month)
        if lo <= dct <= hi:
            return year
        dist = (lo - dct).days if lo > dct else (dct - hi).days
        pen = 10_000 if strict else TENSE_PENALTY
        if tense == "past" and lo > dct:
            dist += pen
        if tense == "future" and hi < dct:
            dist += pen
        if best is None or dist < best[0]:
            best = (dist, year)
    return best[1] if best else dct.year


def weekday_date(wd: int, tense: Tense | None, dct: date) -> date:
    """The day named by a bare weekday: the latest one on or before the DCT, or the next one
    on or after it when the sentence is in the future tense ("will meet on Friday")."""
    back = (dct.isoweekday() - wd) % 7
    past = dct - timedelta(days=back)
    future = dct + timedelta(days=(wd - dct.isoweekday()) % 7)
    if tense == "past":
        return past
    if tense == "future":
        return future
    return past


def quarter_year(q: int, tense: Tense | None, dct: date) -> int:
    """The year of a bare "third quarter": the latest such quarter unless the tense is future."""
    if q > quarter_of(dct.month) and tense != "future":
        return dct.year - 1
    return dct.year


def two_digit_year(yy: int, dct: date) -> int:
    """A two-digit year ("'98", "FY25") in the century that keeps it at most 20 years ahead."""
    century = dct.year // 100 * 100
    y = century + yy
    return y - 100 if y > dct.year + 20 else y


def quant(word: str) -> float | None:
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
    if n is not None and n != int(n) and (letter in ("Y", "D", "H") or (letter, timed) == (
            "M", True)) and mult == 1:
        whole = int(n)
        sub_n = {"Y": 12, "D": 24, "H": 60, "M": 60}[letter]
        rest = round((n - whole) * sub_n)
        if letter == "Y":
            return f"P{whole}Y{rest}M" if whole else f"P{rest}M"
        if letter == "D":
            return f"P{whole}DT{rest}H" if whole else f"PT{rest}H"
        if letter == "M":  # minutes
            return f"PT{whole}M{rest}S" if whole else f"PT{rest}S"
        return f"PT{whole}H{rest}M" if whole else f"PT{rest}M"
    num = "X" if n is None else _fmt_num(n * mult)
    if base in ("decade", "century") and n is None:
        letter = "E" if base == "decade" else "C"
    return f"PT{num}{letter}" if timed else f"P{num}{letter}"


def unit_base(unit: str) -> str:
    """The singular of a unit word ("centuries" -> "century")."""
    u = unit.lower()
    if u == "centuries":
        return "century"
    return u[:-1] if u.endswith("s") and u != "s" else u


def day_norm(y: int, m: int, d: int) -> Norm | None:
    """A DATE for that day, or None when the day does not exist."""
    dd = safe_date(y, m, d)
    return Norm("DATE", day_value(dd)) if dd else None


def month_num(word: str) -> int:
    """Month number of a month name or abbreviation ("Sept." -> 9)."""
    return MONTHS[word.lower().rstrip(".")]


def shift_quarter(value: str, n: int) -> str:
    """A quarter value moved by n quarters ("2024-Q4", 1 -> "2025-Q1")."""
    y, q = int(value[:4]), int(value[-1])
    y2, m2 = add_months(y, 3 * q - 2, 3 * n)
    return f"{y2:04d}-Q{quarter_of(m2)}"


def year_earlier(ctx: Context) -> str:
    """What "a year earlier" means in a report: the reported quarter or, after "the nine
    months", that period's year, one year back."""
    if ctx.ref_quarter is None:
        return f"{ctx.dct.year - 1:04d}"
    if ctx.ref_span_quarter:
        return shift_quarter(ctx.ref_quarter, -4)
    return f"{int(ctx.ref_quarter[:4]) - 1:04d}"


def current_quarter(dct: date) -> str:
    """The quarter the DCT falls in."""
    return f"{dct.year:04d}-Q{quarter_of(dct.month)}"


def title_case(word: str, c: Candidate, ctx: Context) -> bool:
    """A capitalized unit word inside a sentence: a title or a name ("60 Minutes", "This Week")."""
    if not word[:1].isupper() or word.isupper():
        return False
    before = ctx.text[max(0, c.start - 12) : c.start].rstrip(" \t\"'`(")
    return bool(before) and before[-1] not in ".!?:\n"


@lru_cache(maxsize=1)
def _name_head() -> re.Pattern[str]:
    """A name head (``tracker/data/name_heads.txt``) as written or in capitals, right after
    a space or one line break (not a blank line: a heading may start with any word)."""
    heads = [*name_heads(), *(h.upper() for h in name_heads())]
    return re.compile(rf"(?:[ \t]+|[ \t]*\n[ \t]*)(?:{alternation(heads)})(?!\w)")


def name_head_after(ctx: Context, end: int, after_prep: bool) -> bool:
    """Whether the weekday or month name ending at ``end`` is part of a name because a name
    head follows it ("The Sunday Times", "Monday Night Football", "the Tuesday Group").
    ``after_prep`` says a preposition that introduces dates comes before the name: then only
    a head of several words makes a name ("on Monday Night Football"); a newspaper or a group
    takes an article ("the Sunday Post", but "on Sunday Post Office workers struck", "in March
    Group of Seven ministers met")."""
    m = _name_head().match(ctx.text, end, end + 40)
    if m is None:
        return False
    return not after_prep or " " in m.group().strip()
