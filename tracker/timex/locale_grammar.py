"""Find and normalize temporal expressions in a language other than English.

``tag_locale(text, dct, lang)`` runs a small grammar whose words come from
``tracker.timex.locale_words`` (dateparser's locale data plus ``tracker/data/timex_<lang>.tsv``),
so one set of rules serves Russian, Ukrainian, Turkish and, for absolute dates with month names,
the other languages dateparser knows. Each rule is one record: name, regex builder and handler.
The rules give exact offsets and a precision (day, week, weekend, month, season, year, decade);
values are TIMEX3 ("2025-05-16", "2025-W20", "2025-W20-WE", "2025-05", "2024-SU", "2025", "199"),
with a mod for parts of a period ("в конце мая": END). Dates without a year, and bare weekdays,
resolve backwards from the DCT unless their clause speaks of the future (per-language cues).
It does not tag clock times, durations or sets, and it does not resolve anaphora ("в тот день").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

from tracker.models import Timex
from tracker.timex.locale_words import Words, words
from tracker.timex.periods import add_months, day_value, interval, iso_week_value, safe_date

MAX_TEXT = 2_000_000  # characters; the same cap as the English tagger
_NB = r"(?<![^\W_])"  # no letter or digit before
_NA = r"(?![^\W_])"  # no letter or digit after
_APOS_SFX = r"(?:['’ʼ][^\W\d_]{1,8})?"

# start, end, rule rank, TIMEX3 value, TIMEX3 mod
Found = tuple[int, int, int, str, str | None]
Handler = Callable[[re.Match[str], "_Ctx"], str | None]


class _Ctx:
    __slots__ = ("dct", "text", "w")

    def __init__(self, text: str, dct: date, w: Words) -> None:
        self.text = text
        self.dct = dct
        self.w = w

    def future(self, m: re.Match[str]) -> bool:
        """Whether the clause around a match speaks of the future: a future cue in its
        comma-bounded clause; else, when that clause has no past-tense verb, in its sentence."""
        if not self.w.future:
            return False
        clause = self._around(m, ".!?;\n,—")
        if any(f.search(clause) for f in self.w.future):
            return True
        if any(p.search(clause) for p in self.w.past):
            return False
        sentence = self._around(m, ".!?;\n")
        return any(f.search(sentence) for f in self.w.future)

    def _around(self, m: re.Match[str], stops: str) -> str:
        lo = max(self.text.rfind(c, max(0, m.start() - 400), m.start()) for c in stops)
        his = [i for i in (self.text.find(c, m.end(), m.end() + 400) for c in stops) if i >= 0]
        hi = min(his) if his else min(len(self.text), m.end() + 400)
        return self.text[max(lo + 1, m.start() - 400) : hi]

    def word_before(self, start: int) -> str:
        """The word right before ``start`` (lower case), or "" when there is none."""
        m = re.search(r"([^\W\d_]+)\s+$", self.text[max(0, start - 30) : start])
        return m[1].lower() if m else ""

    def prep_before(self, start: int) -> bool:
        """Whether the word right before ``start`` is a preposition of the language."""
        return self.word_before(start) in self.w.preps


def _year_near(month: int, day: int | None, ctx: _Ctx, m: re.Match[str]) -> int:
    """The year of a day or month named without one: the latest not after the DCT (+1 month),
    or the earliest not before it (-1 month) when the clause speaks of the future."""
    d0, fut = ctx.dct, ctx.future(m)
    for y in ((d0.year - 1, d0.year, d0.year + 1) if fut else (d0.year + 1, d0.year, d0.year - 1)):
        first = safe_date(y, month, day or 1) or date(y, month, 28)
        last = first if day else safe_date(y, month, 28) or first
        if fut and last >= d0 - timedelta(days=31):
            return y
        if not fut and first <= d0 + timedelta(days=31):
            return y
    return d0.year


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    y = int(raw)
    return y if 1000 <= y <= 2999 else None


def _number(w: Words, raw: str | None) -> int | None:
    """The number of a digit string or number word; -1 for a vague one ("несколько")."""
    if raw is None:
        return 1
    if raw.isdigit():
        return int(raw)
    for word, value in w.numbers.items():
        if w.matches(word, raw):
            return -1 if value is None else value
    for pattern, n in w.number_res:
        if re.fullmatch(pattern, raw, re.IGNORECASE):
            return n
    return None


def _shift(unit: str, n: int, dct: date) -> str | None:
    if unit == "day":
        return day_value(dct + timedelta(days=n))
    if unit == "week":
        return iso_week_value(dct + timedelta(weeks=n))
    if unit == "month":
        y, mo = add_months(dct.year, dct.month, n)
        return f"{y:04d}-{mo:02d}"
    return f"{dct.year + n:04d}"


def _weekday(wd: int, mod: int | None, ctx: _Ctx, m: re.Match[str]) -> str:
    """A weekday: in the DCT's week (mod 0), the last one before the DCT (-1; -2 a week earlier),
    the next one after it (1), or unmodified the nearest one on the side the tense points to."""
    dct = ctx.dct
    if mod == 0:
        return day_value(dct + timedelta(days=wd - dct.weekday()))
    if mod is not None and mod < 0:
        back = (dct.weekday() - wd - 1) % 7 + 1 + 7 * (-mod - 1)
        return day_value(dct - timedelta(days=back))
    if mod is not None or ctx.future(m):
        step = 1 if mod else 0
        ahead = (wd - dct.weekday() - step) % 7 + step + 7 * max(0, (mod or 0) - 1)
        return day_value(dct + timedelta(days=ahead))
    return day_value(dct - timedelta(days=(dct.weekday() - wd) % 7))


# -- handlers -------------------------------------------------------------------------------------

def _h_numeric(m: re.Match[str], ctx: _Ctx) -> str | None:
    a, b, y = int(m["a"]), int(m["b"]), _year(m["y"])
    d, mo = (b, a) if ctx.w.date_order.startswith("M") else (a, b)
    return day_value(x) if y and (x := safe_date(y, mo, d)) else None


def _h_dmy(m: re.Match[str], ctx: _Ctx) -> str | None:
    month = ctx.w.lookup(ctx.w.months, m["m"])
    day = int(m["d"])
    if month is None or not 1 <= day <= 31:
        return None
    year = _year(m["y"]) if m["y"] else _year_near(month, day, ctx, m)
    return day_value(x) if year and (x := safe_date(year, month, day)) else None


def _h_my(m: re.Match[str], ctx: _Ctx) -> str | None:
    month, year = ctx.w.lookup(ctx.w.months, m["m"]), _year(m["y"])
    return f"{year:04d}-{month:02d}" if month and year else None


def _h_month(m: re.Match[str], ctx: _Ctx) -> str | None:
    month = ctx.w.lookup(ctx.w.months, m["m"])
    if month is None:
        return None
    # Turkish marks a bare month with a case suffix ("Mayıs'ta", "haziranda").
    suffixed = bool(ctx.w.suffixes) and m["m"].lower() not in ctx.w.months[month]
    if not (m["noun"] or suffixed or ctx.prep_before(m.start()) or _part_beside(ctx, m)):
        return None
    if not m["noun"] and _ambiguous(ctx.w, m["m"], ctx.w.months) and not re.search(
            "['’ʼ]", m["m"]):
        # "Ocak başında" may be a hearth, "aralıkta" in a gap; "ocak ayı başında" and
        # "Aralık'ta" (an apostrophe marks the name) are months.
        return None
    return f"{_year_near(month, None, ctx, m):04d}-{month:02d}"


def _ambiguous(w: Words, text: str, table: dict[int, list[str]]) -> bool:
    """Whether a matched word is a form of a word that is also a common noun, and not itself
    one of the other listed date words ("середу" is Wednesday, though "серед" is "among")."""
    low = text.lower()
    if low not in w.ambiguous and any(low in forms for forms in table.values()):
        return False
    return any(w.matches(a, text) for a in w.ambiguous)


def _part_beside(ctx: _Ctx, m: re.Match[str]) -> bool:
    before, after = _part_res(ctx.w.lang)
    return bool((before and before.search(ctx.text, max(0, m.start() - 40), m.start()))
                or (after and after.match(ctx.text, m.end(), m.end() + 40)))


def _h_season(m: re.Match[str], ctx: _Ctx) -> str | None:
    season = next((v for k, v in ctx.w.seasons.items() if ctx.w.matches(k, m["s"])), None)
    if season is None:
        return None
    g = m.groupdict()
    if g.get("y"):
        y = _year(g["y"])
        return f"{y:04d}-{season}" if y else None
    key = ctx.w.lookup({k: [k] for k in ctx.w.modifiers}, g.get("mod") or "")
    if key is None:
        return None
    off, dct = ctx.w.modifiers[key], ctx.dct
    spans = [(y, interval(f"{y:04d}-{season}", dct)) for y in range(dct.year - 3, dct.year + 3)]
    if off < 0:  # the |off|-th season of that name ended before the DCT
        past = [y for y, sp in spans if sp and sp[1] < dct]
        return f"{past[off]:04d}-{season}" if len(past) >= -off else None
    if off > 0:
        future = [y for y, sp in spans if sp and sp[0] > dct]
        return f"{future[off - 1]:04d}-{season}" if len(future) >= off else None
    # "this winter": the one under way, else the next one, in the DCT's year.
    now = [y for y, sp in spans if sp and sp[0] <= dct <= sp[1]]
    return f"{now[0] if now else dct.year:04d}-{season}"


def _h_weekend(m: re.Match[str], ctx: _Ctx) -> str | None:
    key = ctx.w.lookup({k: [k] for k in ctx.w.modifiers}, m["mod"])
    if key is None:
        return None
    return iso_week_value(ctx.dct + timedelta(weeks=ctx.w.modifiers[key])) + "-WE"


def _h_month_rel_year(m: re.Match[str], ctx: _Ctx) -> str | None:
    month = ctx.w.lookup(ctx.w.months, m["m"])
    mod = ctx.w.lookup({k: [k] for k in ctx.w.modifiers}, m["mod"])
    if month is None or mod is None or ctx.w.lookup(ctx.w.units, m["u"]) != "year":
        return None
    return f"{ctx.dct.year + ctx.w.modifiers[mod]:04d}-{month:02d}"


def _h_year(m: re.Match[str], ctx: _Ctx) -> str | None:
    y = _year(m["y"])
    if y is None:
        return None
    # A bare number is a year only after a preposition ("с 2022"), or with a case ending, and
    # then only in modern times and not before a count word: "до 2000 человек", "1000'e 1000
    # esir", "2000'den fazla asker" are counts.
    ending = (m.groupdict().get("ys") or (m["sfx"] or "")[1:]).lower()
    if m["yw"] is None:
        if not (1900 <= y <= 2100 and (ending or ctx.prep_before(m.start()))):
            return None
        nxt = re.match(r"\s+([^\W\d_]+)", ctx.text[m.end() : m.end() + 40])
        word = nxt[1].lower() if nxt else ""
        if word in ctx.w.count or (nxt and not ending and nxt[1][0].islower()
                                   and word not in ctx.w.preps):
            return None
    if ending and y % 10 == 0 and any(ending.startswith(d) for d in ctx.w.decade):
        return f"{y // 10:03d}"
    return f"{y:04d}"


def _h_word_year(m: re.Match[str], ctx: _Ctx) -> str | None:
    y = _year(m["y"])
    return f"{y:04d}" if y else None


def _h_relword(m: re.Match[str], ctx: _Ctx) -> str | None:
    hit = ctx.w.lookup({k: [k] for k in ctx.w.relative_words}, m[0])
    if hit is None:
        return None
    if hit in ctx.w.ambiguous and ctx.word_before(m.start()) in ctx.w.determiners:
        return None  # "por la mañana", "am Morgen": the morning, not tomorrow
    unit, n = ctx.w.relative_words[hit]
    return _shift(unit, n, ctx.dct)


def _h_modunit(m: re.Match[str], ctx: _Ctx) -> str | None:
    mod = ctx.w.lookup({k: [k] for k in ctx.w.modifiers}, m["mod"])
    unit = ctx.w.lookup(ctx.w.units, m["u"])
    if mod is None or unit is None or unit == "day":
        return None
    return _shift(unit, ctx.w.modifiers[mod], ctx.dct)


def _h_weekday(m: re.Match[str], ctx: _Ctx) -> str | None:
    wd = ctx.w.lookup(ctx.w.weekdays, m["wd"])
    if wd is None:
        return None
    mod = None
    if m["mod"]:
        key = ctx.w.lookup({k: [k] for k in ctx.w.modifiers}, m["mod"])
        mod = ctx.w.modifiers[key] if key is not None else None
    elif not m["noun"] and _ambiguous(ctx.w, m["wd"], ctx.w.weekdays) and (
            m["wd"].lower() not in ctx.w.ambiguous or not ctx.prep_before(m.start())):
        # "в среду" is Wednesday; "в среде", "среду обитания", "pazara" are not.
        return None
    return _weekday(wd, mod, ctx, m)


# -- rules: name, regex builder, handler (one record each) -----------------------------------

def _re_numeric(w: Words) -> str:
    return _NB + r"(?P<a>\d{1,2})[./](?P<b>\d{1,2})[./](?P<y>\d{4})" + _NA + _sfx(w)


def _re_ymd_chars(w: Words) -> str:
    """"2025年5月16日", "2025년 5월 16일", "2025年5月": numbers with one-character units."""
    y, mo, d = (w.unit_chars[u] for u in ("year", "month", "day"))
    if not (y and mo):
        return "(?!x)x"
    day = f"(?:\\s*(?P<d>\\d{{1,2}})\\s*(?:{'|'.join(map(re.escape, d))}))?" if d else ""
    return (rf"(?<!\d)(?P<y>\d{{4}})\s*(?:{'|'.join(map(re.escape, y))})\s*"
            rf"(?P<mo>\d{{1,2}})\s*(?:{'|'.join(map(re.escape, mo))})" + day)


def _h_ymd_chars(m: re.Match[str], ctx: _Ctx) -> str | None:
    y, mo = _year(m["y"]), int(m["mo"])
    if y is None or not 1 <= mo <= 12:
        return None
    if m.groupdict().get("d"):
        return day_value(x) if (x := safe_date(y, mo, int(m["d"]))) else None
    return f"{y:04d}-{mo:02d}"


def _sfx(w: Words) -> str:
    return _APOS_SFX if w.suffixes else ""


def _yearword(w: Words) -> str:
    abbr = "|".join(re.escape(a) + r"\." for a in w.year_abbr)
    words_ = w.alternation(w.units["year"])
    return f"(?:{words_}{_NA}|{abbr})" if abbr else f"{words_}{_NA}"


def _year_tail(w: Words) -> str:
    conn = _conn(w)
    return (rf"(?:\s*,?\s*{conn}{_year_digits(w)}(?:\s*(?P<yw>{_yearword(w)}))?"
            rf"{_sfx(w)})?")


def _year_digits(w: Words) -> str:
    """Four digits as group ``y``; in Russian and Ukrainian with a case ending ("2022-м")."""
    ending = r"(?:-(?P<ys>[^\W\d_]{1,4}))?" if w.endings else ""
    return rf"(?P<y>\d{{4}}){_NA}{ending}{_NA}"


def _conn(w: Words) -> str:
    return f"(?:(?:{'|'.join(map(re.escape, w.pertain))})\\s+)?" if w.pertain else ""


def _re_dmy(w: Words) -> str:
    return (_NB + r"(?P<d>\d{1,2})(?:-?(?:го|е|ого|th|er))?\.?\s*" + _conn(w)
            + f"(?P<m>{w.alternation(_flat(w.months))}){_NA}" + _year_tail(w))


def _re_my(w: Words) -> str:
    return (_NB + f"(?P<m>{w.alternation(_flat(w.months))}){_NA}\\s*,?\\s*{_conn(w)}"
            + _year_digits(w) + rf"(?:\s*(?P<yw>{_yearword(w)}))?" + _sfx(w))


def _re_month(w: Words) -> str:
    noun = (rf"(?:\s+(?P<noun>{w.alternation(w.month_nouns)}))?" if w.month_nouns
            else "(?P<noun>(?!x)x)?")
    return _NB + f"(?P<m>{w.alternation(_flat(w.months))}){_NA}" + noun


def _month_mod_year(w: Words) -> tuple[str, str, str]:
    month = f"(?P<m>{w.alternation(_flat(w.months))}){_NA}"
    if w.month_nouns:
        month += f"(?:\\s+{w.alternation(w.month_nouns)})?"
    mod = f"(?P<mod>{w.alternation(list(w.modifiers))})"
    return month, mod, f"(?P<u>{w.alternation(w.units['year'])}){_NA}"


def _re_month_rel_year(w: Words) -> str:
    """"в январе прошлого года", "у січні цього року"."""
    month, mod, unit = _month_mod_year(w)
    return _NB + f"{month}\\s+{mod}\\s+{unit}"


def _re_rel_year_month(w: Words) -> str:
    """"geçen yılın ocak ayında"."""
    month, mod, unit = _month_mod_year(w)
    return _NB + f"{mod}\\s+{unit}\\s+{month}"


def _re_year(w: Words) -> str:
    return (_NB + _year_digits(w)
            + rf"(?:\s*(?P<yw>{_yearword(w)})|(?P<sfx>['’ʼ][^\W\d_]{{1,8}}))?")


def _re_word_year(w: Words) -> str:
    """"im Jahr 2022", "el año 2022": the year word before the number."""
    return _NB + f"{w.alternation(w.units['year'])}\\s+" + _year_digits(w) + _sfx(w)


def _re_season_year(w: Words) -> str:
    """"летом 2024 года", "влітку 2024 року"."""
    if not w.seasons:
        return "(?!x)x"
    return (_NB + f"(?P<s>{w.alternation(list(w.seasons))}){_NA}\\s+" + _year_digits(w)
            + rf"(?:\s*(?P<yw>{_yearword(w)}))?" + _sfx(w))


def _re_year_season(w: Words) -> str:
    """"2024 yazında", "2024 yılı kışında"."""
    if not w.seasons:
        return "(?!x)x"
    return (_NB + _year_digits(w) + rf"(?:\s*(?P<yw>{_yearword(w)}))?{_sfx(w)}\s+"
            + f"(?P<s>{w.alternation(list(w.seasons))}){_NA}")


def _re_mod_season(w: Words) -> str:
    """"прошлой зимой", "минулого літа", "geçen kış"."""
    if not w.seasons:
        return "(?!x)x"
    return (_NB + f"(?P<mod>{w.alternation(list(w.modifiers))})\\s+"
            + f"(?P<s>{w.alternation(list(w.seasons))}){_NA}")


def _re_relword(w: Words) -> str:
    return _NB + w.alternation(list(w.relative_words)) + _NA


def _re_modunit(w: Words) -> str:
    mod = f"(?P<mod>{w.alternation(list(w.modifiers))})"
    unit = f"(?P<u>{w.alternation(w.units['week'] + w.units['month'] + w.units['year'])})"
    return _NB + f"{mod}\\s+{unit}" + _NA


def _re_unitmod(w: Words) -> str:
    mod = f"(?P<mod>{w.alternation(list(w.modifiers))})"
    unit = f"(?P<u>{w.alternation(w.units['week'] + w.units['month'] + w.units['year'])})"
    return _NB + f"{unit}\\s+{mod}" + _NA


def _re_weekend(w: Words) -> str:
    if not w.weekend:
        return "(?!x)x"
    return (_NB + f"(?P<mod>{w.alternation(list(w.modifiers))})\\s+"
            + f"{w.alternation(w.weekend)}{_NA}")


def _re_weekday(w: Words) -> str:
    mod = f"(?:(?P<mod>{w.alternation(list(w.modifiers))})\\s+)?"
    noun = (rf"(?:\s+(?P<noun>{w.alternation(w.day_nouns)}))?" if w.day_nouns
            else "(?P<noun>(?!x)x)?")
    return _NB + mod + f"(?P<wd>{w.alternation(_flat(w.weekdays))}){_NA}" + noun


def _re_ago(w: Words) -> str:
    """"N units ago" and "in N units", the number optional ("неделю назад" is one week)."""
    words_ = [*(w.form(n) for n in w.numbers), *(f"(?:{p})" for p, _ in w.number_res)]
    unit = w.alternation(_flat(w.units))

    def num(g: str) -> str:
        return rf"(?:(?P<{g}>\d{{1,4}}{''.join('|' + x for x in words_)}){_NA}\s+)?"

    alts = []
    if w.ago:
        ago = "|".join(map(re.escape, w.ago))
        alts.append(num("n") + f"(?P<u>{unit}){_NA}" + rf"\s+(?:{ago})")
    pre = "|".join(re.escape(x) for x, v in w.later if v in ("pre", "pre_future"))
    post = "|".join(re.escape(x) for x, v in w.later if v == "post")
    if pre:
        alts.append(rf"(?P<later>{pre})\s+" + num("n2") + f"(?P<u2>{unit})")
    if post:
        alts.append(num("n3") + f"(?P<u3>{unit}){_NA}" + rf"\s+(?P<later3>{post})")
    if not alts:
        return "(?!x)x"
    return _NB + "(?:" + "|".join(f"(?:{a})" for a in alts) + ")" + _NA


def _flat(table: dict[int, list[str]] | dict[str, list[str]]) -> list[str]:
    return [f for forms in table.values() for f in forms]


def _h_ago_any(m: re.Match[str], ctx: _Ctx) -> str | None:
    g = m.groupdict()
    for n, u, later in (("n", "u", "later"), ("n2", "u2", "later"), ("n3", "u3", "later3")):
        if g.get(u):
            num = _number(ctx.w, g.get(n))
            unit = ctx.w.lookup(ctx.w.units, g[u])
            if num is None or unit is None:
                return None
            is_later = g.get(later) is not None
            if is_later and not ctx.future(m) and any(
                    v == "pre_future" and w == g[later].lower() for w, v in ctx.w.later):
                return None  # "за два тижні" is "in two weeks" only when it speaks of the future
            if num < 0:
                return "FUTURE_REF" if is_later else "PAST_REF"
            if num > 5000:
                return None
            return _shift(unit, num if is_later else -num, ctx.dct)
    return None


RULES: tuple[tuple[str, Callable[[Words], str], Handler], ...] = (
    ("numeric", _re_numeric, _h_numeric),
    ("ymd_chars", _re_ymd_chars, _h_ymd_chars),
    ("dmy", _re_dmy, _h_dmy),
    ("my", _re_my, _h_my),
    ("month", _re_month, _h_month),
    ("month_rel_year", _re_month_rel_year, _h_month_rel_year),
    ("rel_year_month", _re_rel_year_month, _h_month_rel_year),
    ("year", _re_year, _h_year),
    ("word_year", _re_word_year, _h_word_year),
    ("relword", _re_relword, _h_relword),
    # Before "modunit": "этим летом" is a summer, though "лет-ом" also inflects "лет" (years).
    ("season_year", _re_season_year, _h_season),
    ("year_season", _re_year_season, _h_season),
    ("mod_season", _re_mod_season, _h_season),
    ("modunit", _re_modunit, _h_modunit),
    ("unitmod", _re_unitmod, _h_modunit),
    ("weekday", _re_weekday, _h_weekday),
    ("weekend", _re_weekend, _h_weekend),
    ("ago", _re_ago, _h_ago_any),
)
_RANK = {name: i for i, (name, _, _) in enumerate(RULES)}


@cache
def _compiled(lang: str) -> tuple[tuple[str, re.Pattern[str], Handler], ...] | None:
    w = words(lang)
    if w is None:
        return None
    return tuple((name, re.compile(build(w), re.IGNORECASE), h) for name, build, h in RULES)


def supports(lang: str) -> bool:
    """Whether the locale grammar has words for ``lang``."""
    return _compiled(lang) is not None


@cache
def _part_res(lang: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Regexes for a part word right before ("в начале ") or right after (" sonunda") a match."""
    w = words(lang)
    if w is None:
        return None, None
    before = (re.compile(f"{_NB}(?P<p>{w.alternation(list(w.parts_before))})\\s+$", re.I)
              if w.parts_before else None)
    after = (re.compile(f"\\s+(?P<p>{w.alternation(list(w.parts_after))}){_NA}", re.I)
             if w.parts_after else None)
    return before, after


def _part_mod(w: Words, table: dict[str, str], word: str) -> str | None:
    return next((mod for part, mod in table.items() if w.matches(part, word)), None)


def _widen_parts(ctx: _Ctx, kept: list[Found]) -> list[Found]:
    """Take in a part word beside a month, year or week: "в конце мая" is May with mod END."""
    before, after = _part_res(ctx.w.lang)
    if before is None and after is None:
        return kept
    out: list[Found] = []
    for i, (start, end, rank, value, mod) in enumerate(kept):
        if not re.fullmatch(r"\d{4}(?:-\d{2}|-W\d{2})?", value):
            out.append((start, end, rank, value, mod))
            continue
        lo = out[-1][1] if out else 0
        hi = kept[i + 1][0] if i + 1 < len(kept) else len(ctx.text)
        if before is not None and (m := before.search(ctx.text, max(lo, start - 40), start)):
            start, mod = m.start(), _part_mod(ctx.w, ctx.w.parts_before, m["p"])
        elif after is not None and (m := after.match(ctx.text, end, min(hi, end + 40))):
            end, mod = m.end(), _part_mod(ctx.w, ctx.w.parts_after, m["p"])
        out.append((start, end, rank, value, mod))
    return out


def _longest_first(found: list[Found]) -> list[Found]:
    """Non-overlapping matches: longest first, then the earlier rule, then the earlier start."""
    found.sort(key=lambda f: (-(f[1] - f[0]), f[2], f[0]))
    starts: list[int] = []
    kept: list[Found] = []
    for f in found:
        i = bisect.bisect_left(starts, f[0])
        if i > 0 and kept[i - 1][1] > f[0]:
            continue
        if i < len(kept) and kept[i][0] < f[1]:
            continue
        starts.insert(i, f[0])
        kept.insert(i, f)
    return kept


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def tag_locale(text: str, dct: date, lang: str) -> list[Timex] | None:
    """Temporal expressions of ``text`` in ``lang``; None when the language is not supported."""
    rules = _compiled(lang)
    w = words(lang)
    if rules is None or w is None:
        return None
    if len(text) > MAX_TEXT:
        out: list[Timex] = []
        for off in range(0, len(text), MAX_TEXT):
            for t in tag_locale(text[off : off + MAX_TEXT], dct, lang) or []:
                out.append(Timex(t.start + off, t.end + off, t.text, t.type, t.value,
                                 t.date_start, t.date_end, t.precision, t.mod))
        return out
    ctx = _Ctx(text, dct, w)
    found: list[Found] = []
    for name, pattern, handler in rules:
        for m in pattern.finditer(text):
            if m.end() <= m.start():
                continue
            if w.never and not w.never.isdisjoint(_WORD.findall(m.group(0).lower())):
                continue
            value = handler(m, ctx)
            if value is not None:
                found.append((m.start(), m.end(), _RANK[name], value, None))
    kept = _widen_parts(ctx, _longest_first(found))
    result: list[Timex] = []
    for start, end, _, value, mod in kept:
        span = interval(value, dct)
        result.append(Timex(
            start=start, end=end, text=text[start:end], type="DATE", value=value,
            date_start=span[0] if span else None, date_end=span[1] if span else None,
            precision=span[2] if span else None, mod=mod,
        ))
    return result
