"""Modality: does the sentence say its event happened, or only that it might, will, or did not?

"Talks will resume on Monday", "leaders could meet", "no ceasefire was agreed", "the meeting was
postponed" all name an event that has not happened (yet). The cues are data
(``tracker/data/modality.tsv``), one per line, each with the part of the sentence it reads: the
trigger's clause before it, the words after it, or the whole sentence. ``background`` marks
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


@lru_cache(maxsize=1)
def cues() -> tuple[Cue, ...]:
    """The cues shipped with the package, in the order they are tried."""
    raw = resources.files("tracker").joinpath("data/modality.tsv").read_text(encoding="utf-8")
    found = []
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        modality, scope, pattern, example = line.split("\t")
        found.append(Cue(modality, scope,  # type: ignore[arg-type]  # tests check the names
                         re.compile(pattern, re.IGNORECASE), example))
    return tuple(sorted(found, key=lambda c: _ORDER.index(c.modality)))


def clause_before(sentence: str, start: int) -> str:
    """The words of the clause before ``start`` (at most ``BEFORE_WINDOW`` characters)."""
    window = sentence[max(0, start - BEFORE_WINDOW):start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end():] if breaks else window


def modality_of(sentence: str, start: int, end: int) -> Modality:
    """How the sentence tells the event whose trigger is at ``start:end``."""
    before = clause_before(sentence, start)
    after = sentence[end:end + AFTER_WINDOW]
    whole = _sentence_cues(sentence)
    for i, cue in enumerate(cues()):
        if cue.scope == "sentence":
            if i in whole:
                return cue.modality
        elif cue.pattern.search(before if cue.scope == "before" else after):
            return cue.modality
    return "asserted"


@lru_cache(maxsize=256)
def _sentence_cues(sentence: str) -> frozenset[int]:
    """The whole-sentence cues that match (a sentence has several triggers: read it once)."""
    return frozenset(i for i, cue in enumerate(cues())
                     if cue.scope == "sentence" and cue.pattern.search(sentence))


def is_background(sentence: str) -> bool:
    """A running total or a look back ("have died since March", "so far"): not the day's news."""
    found = _sentence_cues(sentence)
    return any(cues()[i].modality == "background" for i in found)
