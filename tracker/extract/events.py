"""Event triggers: find what happened in a sentence and name it like a headline.

The lexicon is data (``tracker/data/triggers.tsv``): trigger groups ("talks", "fighting"), their
kind, a confidence and title templates. This module matches the word forms and renders titles
("Istanbul talks", "Fighting in the Donetsk region"); it does not find dates or entities, and
does not decide which trigger a date belongs to (``tracker.extract.mentions`` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from tracker.models import EventKind

_SLOT = re.compile(r"\{(\w+)\}")
_NEGATION = re.compile(r"\b(not|no|none|never|neither|nor|without|failed to)\b|n't\b|n’t\b")


@dataclass(frozen=True)
class TriggerGroup:
    name: str
    kind: EventKind
    confidence: float
    titles: tuple[str, ...]
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Trigger:
    """A trigger word found in a sentence, with offsets relative to the sentence."""

    start: int
    end: int
    text: str
    group: TriggerGroup


@lru_cache(maxsize=1)
def lexicon() -> tuple[TriggerGroup, ...]:
    """The trigger groups shipped with the package, in file order."""
    raw = resources.files("tracker").joinpath("data/triggers.tsv").read_text(encoding="utf-8")
    groups = []
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, kind, confidence, titles, forms = line.split("\t")
        groups.append(TriggerGroup(
            name=name,
            kind=kind,  # type: ignore[arg-type]  # validated by tests/test_events.py
            confidence=float(confidence),
            titles=tuple(t.strip() for t in titles.split("|")),
            forms=tuple(f.strip().lower() for f in forms.split(",") if f.strip()),
        ))
    return tuple(groups)


_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*")


@lru_cache(maxsize=1)
def _forms_by_first_word() -> dict[str, list[tuple[tuple[str, ...], TriggerGroup]]]:
    """Word forms indexed by their first word, longest first ("peace talks" before "talks")."""
    index: dict[str, list[tuple[tuple[str, ...], TriggerGroup]]] = {}
    seen: set[tuple[str, ...]] = set()
    for group in lexicon():
        for form in group.forms:
            words = tuple(_WORD.findall(form))
            if words and words not in seen:
                seen.add(words)
                index.setdefault(words[0], []).append((words, group))
    for candidates in index.values():
        candidates.sort(key=lambda c: -len(c[0]))
    return index


def find_triggers(sentence: str) -> list[Trigger]:
    """Trigger words in the sentence, in order.

    A dictionary lookup per word (not one huge regex): sentences are many, forms are few.
    """
    index = _forms_by_first_word()
    words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(sentence)]
    found = []
    i = 0
    while i < len(words):
        matched = 0
        for form, group in index.get(words[i][2], ()):
            n = len(form)
            if tuple(w[2] for w in words[i:i + n]) == form:
                start, end = words[i][0], words[i + n - 1][1]
                if not _is_false_trigger(sentence, start, end, " ".join(form)):
                    found.append(Trigger(start, end, sentence[start:end], group))
                matched = n
                break
        i += matched or 1
    return found


def _is_false_trigger(sentence: str, start: int, end: int, form: str) -> bool:
    """Words that only look like triggers here: modal "may" is not ours, but some are."""
    before = sentence[max(0, start - 12):start].lower()
    clause = re.split(r"[,;:–—]", sentence[max(0, start - 40):start])[-1].lower()
    if _NEGATION.search(clause):
        return True  # "none have been ratified", "no ceasefire was agreed"
    after = sentence[end:end + 12].lower()
    capitalized = sentence[start].isupper() and start > 0
    if form in ("cases", "law", "court", "bill", "deal") and capitalized:
        return True  # part of a name: "Supreme Court", "Bill Clinton"
    if form == "strike" and re.match(r"\s+(a|the)\s+(balance|deal|chord)", after):
        return True
    if form in ("meet", "agree") and re.search(r"\b(to|would|could|might|may|will)\s+$", before):
        return False
    return form == "fight" and before.endswith("the ")


def render_title(group: TriggerGroup, slots: dict[str, str]) -> tuple[str, frozenset[str]]:
    """The first title template of the group whose slots are all known, and the slots it used."""
    for template in group.titles:
        needed = _SLOT.findall(template)
        if all(slots.get(name) for name in needed):
            title = _SLOT.sub(lambda m: slots[m.group(1)], template)
            return title[:1].upper() + title[1:], frozenset(needed)
    return group.name.capitalize(), frozenset()
