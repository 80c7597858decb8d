"""The date words of one language, as regex fragments: dateparser's locale data plus our word lists.

``words(lang)`` loads, once per language, the month, weekday, unit ("week", "year"), "ago" and
one-word relative ("вчера", "dün") words from dateparser's installed locale modules
(``dateparser/data/date_translation_data/<lang>.py``), the last/this/next modifiers found inside
dateparser's relative phrases ("на прошлой неделе" -> "прошлой" = -1), and the extra words of
``tracker/data/timex_<lang>.tsv`` (inflection endings, prepositions, number words, guards).
Every word becomes a regex fragment that also matches its inflected forms: Russian and Ukrainian
words as a stem plus any listed ending (also without a fleeting vowel: "понеділок" ->
"понеділка"), Turkish words plus up to two case suffixes or an apostrophe suffix; other languages
match dateparser's forms as they are. Abbreviations in dateparser's lists ("янв", "may" of
"mayıs") are left out: in running text they are mostly other words. It only builds words and
fragments; finding and normalizing expressions is ``tracker.timex.locale_grammar``'s job.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNITS = ("day", "week", "month", "year")
_APOS = "['’ʼ]"
# dateparser's relative keys: "1 week ago", "in 2 day", "0 year ago".
_REL_KEY = re.compile(r"^(?:(\d+) (day|week|month|year) ago|in (\d+) (day|week|month|year))$")
_CJK = ("CJK", "HANGUL", "HIRAGANA", "KATAKANA")
_VOWELS = "аеёиоуыэюяіїєьйaeiou"
_FLEETING = re.compile(rf"^(.*[^{_VOWELS}])[оеё]([^{_VOWELS}])ь?$")
_SIMPLE_NUMBER = re.compile(r"^[^\W\d_]+(?:\([^\W\d_|]+(?:\|[^\W\d_]+)*\))?[^\W\d_]*$")


def _letters(word: str) -> bool:
    return bool(word) and all(ch.isalpha() or ch in "'’ʼ" for ch in word)


def _full_forms(forms: list[str], min_len: int = 3) -> list[str]:
    """Lower-cased word forms without abbreviations: a form that starts a form three letters
    longer, or two when it has at most three ("янв" of "января", "may" of "mayıs", "сент" of
    "сентябрь"; not "год" of "года", "woche" of "wochen" nor "jahr" of "jahren")."""
    low = sorted({f.lower().rstrip(".") for f in forms if _letters(f.rstrip("."))})
    return [f for f in low if len(f) >= min_len and not any(
        g.startswith(f) and (len(g) - len(f) >= 3 or (len(f) <= 3 and len(g) - len(f) >= 2))
        for g in low)]


def _esc(word: str) -> str:
    return re.sub(_APOS, _APOS, re.escape(word).replace("\\'", "'"))


class Words:
    """The date words of one language and the regex fragments built from them."""

    def __init__(self, lang: str, info: dict[str, Any], table: list[tuple[str, str, str]]):
        self.lang = lang
        self._compiled: dict[str, re.Pattern[str]] = {}
        self.date_order = str(info.get("date_order", "DMY"))
        kinds: dict[str, list[tuple[str, str]]] = {}
        for kind, word, value in table:
            kinds.setdefault(kind, []).append((word.lower(), value))
        self.endings = sorted({w for w, _ in kinds.get("ending", [])}, key=len, reverse=True)
        self.suffixes = sorted({w for w, _ in kinds.get("suffix", [])}, key=len, reverse=True)
        self.preps = {w for w, _ in kinds.get("prep", [])}
        self.ambiguous = {w for w, _ in kinds.get("ambiguous", [])}
        # Words that read as an inflected date word and are none ("четверо", four of people,
        # is not "четвер", Thursday): an expression holding one is not a date.
        self.never = {w for w, _ in kinds.get("never", [])}
        self.month_nouns = [w for w, _ in kinds.get("month_noun", [])]
        self.day_nouns = [w for w, _ in kinds.get("day_noun", [])]
        self.seasons = {w: v for w, v in kinds.get("season", [])}
        self.future = [re.compile(w, re.I) for w, _ in kinds.get("future", [])]
        self.past = [re.compile(w) for w, _ in kinds.get("past", [])]
        self.decade = sorted({w for w, _ in kinds.get("decade", [])}, key=len, reverse=True)
        self.count = {w for w, _ in kinds.get("count", [])}
        self.determiners = {w for w, _ in kinds.get("determiner", [])}
        self.parts_before = {w: v for w, v in kinds.get("part_before", [])}
        self.parts_after = {w: v for w, v in kinds.get("part_after", [])}
        self.weekend = [w for w, _ in kinds.get("weekend", [])]
        self.months = {i + 1: _full_forms(info.get(m, [])) for i, m in enumerate(MONTHS)}
        self.weekdays = {i: _full_forms(info.get(d, []), 4) for i, d in enumerate(WEEKDAYS)}
        self.units = {u: _full_forms(info.get(u, []), 2) for u in UNITS}
        # Chinese, Japanese and Korean write dates as numbers with one-character unit words
        # ("2025年5月16日", "2025년 5월 16일").
        self.unit_chars = {u: sorted({f for f in info.get(u, []) if len(f) == 1
                                      and unicodedata.name(f, "").startswith(_CJK)})
                           for u in UNITS}
        # One-letter year abbreviations ("2025 г.", "2025 р.") count only right after a year.
        self.year_abbr = sorted({y.lower() for y in info.get("year", [])
                                 if len(y) == 1 and y.isalpha()})
        self.ago = [a.lower() for a in info.get("ago", []) if _letters(a.replace(" ", ""))]
        self.pertain = [p.lower() for p in (info.get("pertain") or []) if _letters(p)]
        self.numbers: dict[str, int | None] = {}
        for word, value in kinds.get("number", []):
            self.numbers[word] = int(value) if value.isdigit() else None
        self.number_res: list[tuple[str, int]] = []
        for simp in info.get("simplifications") or []:
            for key, rep in simp.items():
                if rep.isdigit() and _SIMPLE_NUMBER.match(key):
                    self.number_res.append((key, int(rep)))
        self.later = [(w, v) for w, v in kinds.get("later", [])]
        self.relative_words: dict[str, tuple[str, int]] = {}
        self.modifiers: dict[str, int] = {}
        self._read_relative(info.get("relative-type") or {})
        for word, value in kinds.get("modifier", []):
            self.modifiers[word] = int(value)

    def _read_relative(self, rel: dict[str, list[str]]) -> None:
        """One-word relative expressions, and the modifiers inside the two-word ones: the word
        next to the unit word ("прошлой" in "на прошлой неделе"), kept only when every phrase
        it occurs in has the same offset (so articles and prepositions drop out)."""
        seen: dict[str, set[int]] = {}
        for key, phrases in rel.items():
            m = _REL_KEY.match(key)
            if not m:
                continue
            n = -int(m[1]) if m[1] else int(m[3])
            unit = m[2] or m[4]
            for phrase in phrases:
                toks = phrase.lower().split()
                if len(toks) == 1 and _letters(toks[0]) and len(toks[0]) >= 3:
                    self.relative_words.setdefault(toks[0], (unit, n))
                    continue
                unit_re = [re.compile(self.form(u)) for u in self.units[unit]]
                unit_at = [i for i, t in enumerate(toks) if any(r.fullmatch(t) for r in unit_re)]
                if unit == "day" or len(unit_at) != 1 or n not in (-1, 0, 1):
                    continue
                i = unit_at[0]
                for j in (i - 1, i + 1):
                    if 0 <= j < len(toks) and _letters(toks[j]) and len(toks[j]) >= 2:
                        seen.setdefault(toks[j], set()).add(n)
        for word, offsets in seen.items():
            if len(offsets) == 1 and word not in self.preps:
                self.modifiers[word] = offsets.pop()

    # -- regex fragments -------------------------------------------------------------------

    def form(self, word: str) -> str:
        """A regex for a word and its inflected forms."""
        if self.suffixes:
            sfx = "|".join(map(_esc, self.suffixes))
            return f"{_esc(word)}(?:{_APOS}[^\\W\\d_]{{1,8}}|(?:{sfx}){{0,2}}(?![^\\W\\d_]))"
        if not self.endings:
            return _esc(word.rstrip("-"))
        if word.endswith("-"):
            stem, full = word[:-1], ""
        else:
            stem = word
            for e in self.endings:
                if word.endswith(e) and len(word) - len(e) >= 2:
                    stem = word[: -len(e)]
                    break
            full = _esc(word)
        # A stem written in the word list takes every ending; a stem cut from a short word
        # ("ма" of "мая") only one letter, so that it cannot grow into unrelated words.
        ends = self.endings if len(stem) >= 3 or not full else \
            [e for e in self.endings if len(e) == 1]
        alt = f"{_esc(stem)}(?:{'|'.join(map(_esc, ends))})"
        # A fleeting vowel in the last syllable drops before an ending: "понеділок" ->
        # "понеділка", "вівторок" -> "вівторка", "тиждень" -> "тижня".
        fleeting = _FLEETING.match(word) if full and len(word) >= 6 else None
        if fleeting:
            alt += f"|{_esc(fleeting[1] + fleeting[2])}(?:{'|'.join(map(_esc, ends))})"
        return f"(?:{full}|{alt})" if full else alt

    def alternation(self, words: list[str] | set[str]) -> str:
        """One regex alternation of words and their forms, longest first."""
        ws = sorted(set(words), key=len, reverse=True)
        return "(?:" + "|".join(self.form(w) for w in ws) + ")" if ws else "(?!x)x"

    def lookup(self, table: dict[Any, list[str]], text: str) -> Any:
        """The key of ``table`` whose word forms match ``text`` (a matched word), else None."""
        # Case-insensitive matching, not str.lower(): "İki".lower() is "i̇ki" (with a dot).
        for key, forms in table.items():
            for f in forms:
                if self.matches(f, text):
                    return key
        return None

    def matches(self, word: str, text: str) -> bool:
        """Whether ``text`` is ``word`` or one of its forms, ignoring case."""
        pattern = self._compiled.get(word)
        if pattern is None:
            pattern = self._compiled[word] = re.compile(self.form(word), re.IGNORECASE)
        return pattern.fullmatch(text) is not None


def _table(lang: str) -> list[tuple[str, str, str]]:
    try:
        raw = resources.files("tracker").joinpath(f"data/timex_{lang}.tsv").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return []
    rows: list[tuple[str, str, str]] = []
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] == "kind":
            continue
        rows.append((parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2
                     else ""))
    return rows


@cache
def words(lang: str) -> Words | None:
    """The words of ``lang`` ("ru", "uk", "tr", "de", ...), or None when dateparser lacks it."""
    if not re.fullmatch(r"[a-z]{2,3}", lang):
        return None
    try:
        mod = importlib.import_module(f"dateparser.data.date_translation_data.{lang}")
    except ImportError:
        return None
    info = getattr(mod, "info", None)
    if not isinstance(info, dict) or not any(info.get(m) for m in MONTHS):
        return None
    return Words(lang, info, _table(lang))
