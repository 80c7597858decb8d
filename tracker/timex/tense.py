"""Guess whether an expression sits in a past or a future context, from nearby verbs.

Used to resolve "Friday" or "in March" to the previous or next occurrence. It looks only at the
words of the same sentence (cheap token cues: "will", "said", "-ed" forms ...), never at a
parser; it returns "past", "future" or None when there is no cue.
"""

from __future__ import annotations

import re
from typing import Literal

from tracker.timex.lexicon import words

Tense = Literal["past", "future"]

_WORD = re.compile(r"[A-Za-z']+")
_FUTURE = words(
    """will 'll shall won't wo gonna would upcoming scheduled schedule plans plan planned planning
    intends intend expects expect expected tomorrow soon"""
)
_PAST = words(
    """said was were had did told ago yesterday last earlier got went came made took gave held
    met saw began left won lost fell rose struck hit killed announced reported found came
    died sent ran became brought led sold bought paid kept spent thought"""
)
_NOT_PAST_ED = words(
    """need speed feed seed red bed hundred indeed shed united based proposed expected
    scheduled planned unexpected alleged so-called armed"""
)
_PASSIVE = re.compile(r"\b(?:be|been|being|to)\s+$", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?;]\s+(?=[A-Z\"'(])|\n\s*\n")
_WINDOW = 240


def _sentence(text: str, start: int, end: int) -> tuple[str, int]:
    """The sentence around [start, end) (bounded window) and its offset in text."""
    lo = max(0, start - _WINDOW)
    hi = min(len(text), end + _WINDOW)
    left = text[lo:start]
    cut = 0
    for m in _SENTENCE_BREAK.finditer(left):
        cut = m.end()
    right = text[end:hi]
    m2 = _SENTENCE_BREAK.search(right)
    stop = end + (m2.start() + 1 if m2 else len(right))
    return text[lo + cut : stop], lo + cut


def _cue(word: str) -> Tense | None:
    w = word.lower()
    if w in _FUTURE:
        return "future"
    if w in _PAST:
        return "past"
    if len(w) > 4 and w.endswith("ed") and w not in _NOT_PAST_ED:
        return "past"
    return None


def tense_at(text: str, start: int, end: int) -> Tense | None:
    """The tense of the clause around text[start:end].

    The nearest cue in words wins; cues after the expression count two words farther, since
    English mostly puts the verb before its time adverbial ("met on Friday", "will meet Friday").
    """
    sent, off = _sentence(text, start, end)
    tokens = [(m.start() + off, m.end() + off, m.group()) for m in _WORD.finditer(sent)]
    before = [t for t in tokens if t[1] <= start]
    after = [t for t in tokens if t[0] >= end]
    best: tuple[int, Tense] | None = None
    for rank, (s, e, word) in enumerate(reversed(before), 1):
        cue = _token_cue(text, s, e, word)
        if cue:
            best = (rank, cue)
            break
    for rank, (s, e, word) in enumerate(after, 3):
        if best is not None and rank >= best[0]:
            break
        cue = _token_cue(text, s, e, word)
        if cue:
            best = (rank, cue)
            break
    return best[1] if best else None


def _token_cue(text: str, s: int, e: int, word: str) -> Tense | None:
    cue = _cue(word)
    low = word.lower()
    if cue == "past" and _PASSIVE.search(text[max(0, s - 12) : s]):
        return None  # "will be finished": the auxiliary carries the tense
    if low == "going" and text[e : e + 4] == " to ":
        return "future"
    if low == "set" and text[e : e + 4] == " to ":
        return "future"
    if low in ("is", "are") and re.match(r"\s+to\s", text[e : e + 5]):
        return "future"
    return cue
