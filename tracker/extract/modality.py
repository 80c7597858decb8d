"""Modality: does the sentence say its event happened, or only that it might, will, or did not?

"Talks will resume on Monday", "leaders could meet", "no ceasefire was agreed", "the meeting was
postponed" all name an event that has not happened (yet). The cues are data, one per line, each
with the part of the sentence it reads: the trigger's clause before it, the words after it, or
the whole sentence: English in ``tracker/data/modality.tsv``, Russian, Ukrainian and Turkish in
``tracker/data/modality_intl.tsv`` (with the words that end a clause in each); a language with no
cues reads every event as asserted. ``background`` marks
running totals and things told from before ("3,000 have died so far", "the protests began in
March"): they are not the day's news. Whether a trigger is quoted, and whether its date lies
after the article's publication, is decided by the caller (``tracker.extract.mentions``), which
knows the quotation marks and the dates.
It does not find triggers or dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

Modality = Literal["asserted", "negated", "hypothetical", "future", "quoted", "background"]
# The order cues are tried in: not happening beats might happen beats will happen.
_ORDER: tuple[Modality, ...] = ("negated", "hypothetical", "future", "background")
_CLAUSE_BREAK = re.compile(r"[,;:()–—\"“”]|\b(and|but|while|whereas|although|because)\b")
BEFORE_WINDOW = 80
AFTER_WINDOW = 50


@dataclass(frozen=True)
class Cue:
    modality: Modality
    scope: str  # "before" | "after" | "sentence"
    pattern: re.Pattern[str]
    example: str


def _rows(name: str) -> list[list[str]]:
    raw = resources.files("tracker").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.split("\t") for line in raw.splitlines()
            if line.strip() and not line.startswith("#")]


def _cue(modality: str, scope: str, pattern: str, example: str) -> Cue:
    return Cue(modality, scope,  # type: ignore[arg-type]  # tests check the names
               re.compile(pattern, re.IGNORECASE), example)


@lru_cache(maxsize=16)
def cues(language: str = "en") -> tuple[Cue, ...]:
    """The cues shipped with the package for ``language``, in the order they are tried."""
    if language == "en":
        found = [_cue(*row) for row in _rows("modality.tsv")]
    else:
        found = [_cue(*row[1:]) for row in _rows("modality_intl.tsv")
                 if row[0] == language and row[1] != "clause"]
    return tuple(sorted(found, key=lambda c: _ORDER.index(c.modality)))


@lru_cache(maxsize=16)
def _clause_break(language: str) -> re.Pattern[str]:
    """What ends a clause: punctuation, and the language's conjunctions."""
    if language == "en":
        return _CLAUSE_BREAK
    words = [row[3] for row in _rows("modality_intl.tsv")
             if row[0] == language and row[1] == "clause"]
    return re.compile("|".join([r"[,;:()–—\"“”«»]", *words]), re.IGNORECASE)


def clause_before(sentence: str, start: int, language: str = "en") -> str:
    """The words of the clause before ``start`` (at most ``BEFORE_WINDOW`` characters)."""
    window = sentence[max(0, start - BEFORE_WINDOW):start]
    breaks = list(_clause_break(language).finditer(window))
    return window[breaks[-1].end():] if breaks else window


def modality_of(sentence: str, start: int, end: int, language: str = "en") -> Modality:
    """How the sentence (in ``language``) tells the event whose trigger is at ``start:end``."""
    before = clause_before(sentence, start, language)
    after = sentence[end:end + AFTER_WINDOW]
    whole = _sentence_cues(sentence, language)
    for i, cue in enumerate(cues(language)):
        if cue.scope == "sentence":
            if i in whole:
                return cue.modality
        elif cue.pattern.search(before if cue.scope == "before" else after):
            return cue.modality
    return "asserted"


@lru_cache(maxsize=256)
def _sentence_cues(sentence: str, language: str = "en") -> frozenset[int]:
    """The whole-sentence cues that match (a sentence has several triggers: read it once)."""
    return frozenset(i for i, cue in enumerate(cues(language))
                     if cue.scope == "sentence" and cue.pattern.search(sentence))


def is_background(sentence: str, language: str = "en") -> bool:
    """A running total or a look back ("have died since March", "so far"): not the day's news."""
    found = _sentence_cues(sentence, language)
    return any(cues(language)[i].modality == "background" for i in found)
