"""Guess whether an expression sits in a past or a future context, from nearby verbs.

Used to resolve "Friday" or "in March" to the previous or next occurrence. It looks only at the
words of the same sentence (cheap token cues: "will", "said", "-ed" forms ...), never at a
parser; it returns "past", "future" or None when there is no cue.
"""

from __future__ import annotations

import bisect
import re
from typing import Literal

from tracker.timex.lexicon import words

Tense = Literal["past", "future"]

_WORD = re.compile(r"[A-Za-z']+")
_FUTURE = words(
    """will 'll shall won't gonna would upcoming scheduled schedule plans plan planned planning
    intends intend expects expect expected tomorrow soon"""
)
_PAST = words(
    """said was were had did told ago yesterday last earlier got went came made took gave held
    met saw began left won lost fell rose struck hit killed announced reported found came
    died sent ran became brought led sold bought paid kept spent thought fought sought
    caught taught wrote spoke broke chose drove flew grew knew threw stood struck fled heard"""
)
_NOT_PAST_ED = words(
    """need speed feed seed red bed hundred indeed shed united based proposed expected
    scheduled planned unexpected alleged so-called armed"""
)
_NOUNS_TOO = words("plan plans schedule")
_NOUN_BEFORE = re.compile(r"(?i)\b(?:its|their|his|her|our|my|your|a|the|this|that)\s+$")
_PASSIVE = re.compile(r"\b(?:be|been|being|to|is|are|am|'re|'s)\s+$", re.IGNORECASE)
# A sentence ends at . ! ? ; before a capital, but not after an initial ("U.S."), a title
# ("Mr.", "Gen.") or a clock abbreviation ("4 a.m. EDT").
_SENTENCE_BREAK = re.compile(
    r"(?<!\b[A-Z])(?<!\b[ap]\.m)(?<!\bMrs)(?<!\b(?:Mr|Ms|Dr|St|Lt|Jr|Sr))"
    r"(?<!\b(?:Gen|Sen|Rep|Gov|Col|Sgt|Maj|Adm|Rev))(?<!\b(?:Capt|Cmdr|Prof))"
    r"[.!?;]\s+(?=[A-Z\"'(])|[.!?;]\s*\n|\n\s*\n"
    r"|''|``|[\"“”]"
)
_WINDOW = 240
# A bare "-ed" word after the expression counts this many words farther than a listed verb: it
# is often a participle ("new markets untouched by the crisis"), not the verb of the clause; one
# before it ("concluded on Monday") is usually that verb.
_ED_EXTRA = 4


def _alternation(ws: frozenset[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))


# One pass finds every cue word: future words (and "going to", "set to", "is to"), past words,
# and "-ed" forms of five letters or more.
_CUE_RE = re.compile(
    r"(?i)(?<=[A-Za-z])(?P<ll>['’]ll)(?![A-Za-z])"
    r"|(?<![A-Za-z'])(?:(?P<fut>(?:going|set|is|are)(?=\s+to\s)|"
    + _alternation(_FUTURE)
    + r")|(?P<past>"
    + _alternation(_PAST)
    + r"|[A-Za-z']{3,}ed))(?![A-Za-z'])"
)
_CUE_LOW = re.compile(_CUE_RE.pattern.replace("(?i)", "", 1).replace("A-Za-z", "a-z"))


class TenseIndex:
    """The tense cues and sentence breaks of one text, found once, queried per expression."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._cues: list[Tense] = []
        self._weak: list[int] = []  # 1 for a bare "-ed" word, which may be a participle
        low = text.lower()
        same = len(low) == len(text)  # lower() may change lengths of rare Unicode text
        for m in (_CUE_LOW if same else _CUE_RE).finditer(low if same else text):
            weak = 0
            if m["fut"] or m["ll"]:
                if _NOUN_BEFORE.search(text[max(0, m.start() - 8) : m.start()]) and \
                        m.group().lower() in _NOUNS_TOO:
                    continue  # "its plan to divest": a noun, no future verb
                cue: Tense = "future"
            else:
                word = m.group().lower()
                before = text[max(0, m.start() - 12) : m.start()]
                if word in _NOT_PAST_ED or _PASSIVE.search(before):
                    continue  # "will be finished": the auxiliary carries the tense
                cue = "past"
                if word not in _PAST:
                    weak = 1  # "markets untouched by the crisis" is no past verb
            self._weak.append(weak)
            self._starts.append(m.start())
            self._ends.append(m.end())
            self._cues.append(cue)
        self._breaks = [m.start() + 1 for m in _SENTENCE_BREAK.finditer(text)]

    def tense(self, start: int, end: int) -> Tense | None:
        """The tense around text[start:end].

        The nearest cue in words wins; cues after the expression count two words farther, since
        English mostly puts the verb before its time adverbial ("met on Friday", "will meet
        Friday"). Only the same sentence (at most 240 characters either side) is searched.
        """
        lo, hi = max(0, start - _WINDOW), min(len(self.text), end + _WINDOW)
        i = bisect.bisect_right(self._breaks, start) - 1
        if i >= 0:
            lo = max(lo, self._breaks[i])
        j = bisect.bisect_left(self._breaks, end)
        if j < len(self._breaks):
            hi = min(hi, self._breaks[j])
        best: tuple[int, Tense] | None = None
        b = bisect.bisect_right(self._ends, start) - 1
        if b >= 0 and self._starts[b] >= lo:
            rank = len(_WORD.findall(self.text, self._ends[b], start)) + 1
            best = (rank, self._cues[b])
        a = bisect.bisect_left(self._starts, end)
        if a < len(self._starts) and self._ends[a] <= hi:
            rank = len(_WORD.findall(self.text, end, self._starts[a])) + 3
            rank += _ED_EXTRA * self._weak[a]
            if best is None or rank < best[0]:
                best = (rank, self._cues[a])
        return best[1] if best else None


def tense_at(text: str, start: int, end: int) -> Tense | None:
    """The tense of the clause around text[start:end] (builds a one-off index)."""
    return TenseIndex(text).tense(start, end)
