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
    """The tense of the clause around text[start:end]: nearest cue wins, earlier on ties."""
    sent, off = _sentence(text, start, end)
    best: tuple[int, int, Tense] | None = None
    for m in _WORD.finditer(sent):
        s, e = m.start() + off, m.end() + off
        if s >= start and e <= end:
            continue
        word = m.group()
        cue = _cue(word)
        if cue == "past" and _PASSIVE.search(sent[max(0, m.start() - 12) : m.start()]):
            cue = None  # "will be finished": the auxiliary carries the tense
        if word.lower() == "going" and sent[m.end() : m.end() + 4] == " to ":
            cue = "future"
        if word.lower() == "set" and sent[m.end() : m.end() + 4] == " to ":
            cue = "future"
        if word.lower() in ("is", "are") and re.match(r"\s+to\s", sent[m.end() : m.end() + 5]):
            cue = "future"
        if cue is None:
            continue
        dist = start - e if e <= start else s - end
        key = (dist, 0 if e <= start else 1, cue)
        if best is None or key[:2] < best[:2]:
            best = key
    return best[2] if best else None
