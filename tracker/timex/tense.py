"""Guess whether an expression sits in a past or a future context, from nearby verbs.

Used to resolve "Friday" or "in March" to the previous or next occurrence. It looks only at the
words of the same sentence (cheap token cues: "will", "said", "-ed" forms ...), never at a
parser; it returns "past", "future" or None when there is no cue.
"""

from __future__ import annotations

import bisect
import re
from typing import Literal

from tracker.timex.lexicon import alternation, words

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
# ("Mr.", "Gen.") or a clock abbreviation ("4 a.m. EDT"). The lookbehinds come after the
# punctuation mark (and so span it): at the start they would run at every character.
_SENTENCE_BREAK = re.compile(
    r"[.!?;](?:(?<!\b[A-Z].)(?<!\b[ap]\.m.)(?<!\bMrs.)(?<!\b(?:Mr|Ms|Dr|St|Lt|Jr|Sr).)"
    r"(?<!\b(?:Gen|Sen|Rep|Gov|Col|Sgt|Maj|Adm|Rev).)(?<!\b(?:Capt|Cmdr|Prof).)"
    r"\s+(?=[A-Z\"'(])|\s*\n)|\n\s*\n"
    r"|''|``|[\"“”]"
)
_WINDOW = 240
# A bare "-ed" word after the expression counts this many words farther than a listed verb: it
# is often a participle ("new markets untouched by the crisis"), not the verb of the clause; one
# before it ("concluded on Monday") is usually that verb.
_ED_EXTRA = 4


# One pass finds every cue word: future words (and "going to", "set to", "is to"), past words,
# and "-ed" forms of five letters or more; each is a whole word, so the scan tests words only
# where they start (and takes an "-ed" word whole, without backtracking through it).
_CUE_RE = re.compile(
    r"(?i)(?<![A-Za-z'])(?:(?P<fut>(?:going|set|is|are)(?=\s+to\s)|"
    + alternation(_FUTURE)
    + r")|(?P<past>"
    + alternation(_PAST)
    + r"|[A-Za-z']{5,}+(?<=ed)))(?![A-Za-z'])"
)
# A second finds "'ll" after a letter ("they'll"), a future cue too. Two scans are faster than
# one alternation: re tests the branches of an alternation one by one at every character.
_LL_RE = re.compile(r"(?i)['’](?<=[A-Za-z].)ll(?![A-Za-z])")
_CUE_LOW = re.compile(_CUE_RE.pattern.replace("(?i)", "", 1).replace("A-Za-z", "a-z"))
_LL_LOW = re.compile(_LL_RE.pattern.replace("(?i)", "", 1).replace("A-Za-z", "a-z"))


def _cue_matches(text: str, low: str) -> list[re.Match[str]]:
    """The cue words of ``text`` in order, as one alternation of both scans would find them
    (the only overlap: an "'ll" inside an "-ed" word such as "x'll'ed" is part of it)."""
    same = len(low) == len(text)  # lower() may change lengths of rare Unicode text
    found = list((_CUE_LOW if same else _CUE_RE).finditer(low if same else text))
    if "'ll" not in low and "’ll" not in low:
        return found
    found.extend((_LL_LOW if same else _LL_RE).finditer(low if same else text))
    found.sort(key=lambda m: m.start())
    out: list[re.Match[str]] = []
    for m in found:
        if not out or m.start() >= out[-1].end():
            out.append(m)
    return out


class TenseIndex:
    """The tense cues and sentence breaks of one text, found once, queried per expression.

    A cue word is only judged (a noun "plan"? a passive "be finished"?) when a query reaches
    it: most never are.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._matches = _cue_matches(text, text.lower())
        self._starts = [m.start() for m in self._matches]
        self._ends = [m.end() for m in self._matches]
        self._judged: dict[int, tuple[Tense, int] | None] = {}
        self._breaks = [m.start() + 1 for m in _SENTENCE_BREAK.finditer(text)]

    def _cue(self, i: int) -> tuple[Tense, int] | None:
        """The tense the i-th cue word gives, with 1 for a bare "-ed" word (which may be a
        participle, 0 otherwise), or None if it gives none where it stands."""
        if i in self._judged:
            return self._judged[i]
        m, text = self._matches[i], self.text
        cue: tuple[Tense, int] | None
        if m.lastgroup != "past":  # a future word or "'ll"
            if _NOUN_BEFORE.search(text[max(0, m.start() - 8) : m.start()]) and \
                    m.group().lower() in _NOUNS_TOO:
                cue = None  # "its plan to divest": a noun, no future verb
            else:
                cue = ("future", 0)
        else:
            word = m.group().lower()
            before = text[max(0, m.start() - 12) : m.start()]
            if word in _NOT_PAST_ED or _PASSIVE.search(before):
                cue = None  # "will be finished": the auxiliary carries the tense
            else:
                # "markets untouched by the crisis" is no past verb
                cue = ("past", 0 if word in _PAST else 1)
        self._judged[i] = cue
        return cue

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
        # The last cue word ending before the expression that is a cue, if it starts in range
        # (an earlier one would not either).
        b = bisect.bisect_right(self._ends, start) - 1
        while b >= 0 and self._starts[b] >= lo:
            cue = self._cue(b)
            if cue is not None:
                rank = len(_WORD.findall(self.text, self._ends[b], start)) + 1
                best = (rank, cue[0])
                break
            b -= 1
        # The first one starting after it, if it ends in range.
        a = bisect.bisect_left(self._starts, end)
        while a < len(self._starts) and self._ends[a] <= hi:
            cue = self._cue(a)
            if cue is not None:
                rank = len(_WORD.findall(self.text, end, self._starts[a])) + 3
                rank += _ED_EXTRA * cue[1]
                if best is None or rank < best[0]:
                    best = (rank, cue[0])
                break
            a += 1
        return best[1] if best else None


def tense_at(text: str, start: int, end: int) -> Tense | None:
    """The tense of the clause around text[start:end] (builds a one-off index)."""
    return TenseIndex(text).tense(start, end)
