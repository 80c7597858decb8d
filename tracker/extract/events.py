"""Event triggers: find what happened in a sentence, in the sense the words are used.

The lexicon is data (``tracker/data/triggers.tsv``): trigger groups ("talks", "fighting"), their
kind, a confidence and fallback title templates. Words used in another sense are data too
(``tracker/data/senses.tsv``: "a heart attack" is no attack, "struck a deal" is an agreement,
"hunger strike" a protest), one rule per line. This module matches the word forms, applies
those rules and renders fallback titles ("Istanbul talks"); it does not find dates, entities or
modality (``tracker.extract.modality``), and does not decide which trigger a date belongs to
(``tracker.extract.mentions``).

Russian, Ukrainian and Turkish word forms (``tracker/data/triggers_intl.tsv``) belong to the same
groups, so a report in any of them joins the same events; their forms may be stems
("переговор*") that cover case endings and suffixes. Sense rules are English only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from tracker.models import EventKind

_SLOT = re.compile(r"\{(\w+)\}")
# Groups that say little by themselves (a death, a statement, an opening) take the kind of their
# article's other events; this is their kind in the data file.
ARTICLE_KIND = "article"
SENSE_WINDOW = 60  # characters of context a sense rule may look at on either side


@dataclass(frozen=True)
class TriggerGroup:
    name: str
    kind: EventKind | None  # None: the article's main kind (see ARTICLE_KIND)
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


@dataclass(frozen=True)
class SenseRule:
    """One context in which a word form means something else: drop it, or read it as
    another group. ``pattern`` is anchored at the trigger's edge on its ``side``."""

    forms: frozenset[str]
    side: str  # "before" | "after"
    pattern: re.Pattern[str]
    action: str  # "drop" or a group name
    example: str


def _data_lines(name: str) -> list[list[str]]:
    raw = resources.files("tracker").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.split("\t") for line in raw.splitlines()
            if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def lexicon() -> tuple[TriggerGroup, ...]:
    """The trigger groups shipped with the package, in file order."""
    groups = []
    for name, kind, confidence, titles, forms in _data_lines("triggers.tsv"):
        groups.append(TriggerGroup(
            name=name,
            kind=None if kind == ARTICLE_KIND else kind,  # type: ignore[arg-type]
            confidence=float(confidence),
            titles=tuple(t.strip() for t in titles.split("|")),
            forms=tuple(f.strip().lower() for f in forms.split(",") if f.strip()),
        ))
    return tuple(groups)


@lru_cache(maxsize=1)
def groups_by_name() -> dict[str, TriggerGroup]:
    return {g.name: g for g in lexicon()}


@lru_cache(maxsize=1)
def sense_rules() -> dict[str, tuple[SenseRule, ...]]:
    """The sense rules by word form (a rule naming several forms is listed under each)."""
    by_form: dict[str, list[SenseRule]] = {}
    for forms, side, pattern, action, example in _data_lines("senses.tsv"):
        anchored = (rf"(?:{pattern})\s*$" if side == "before" else rf"^\s*(?:{pattern})")
        rule = SenseRule(frozenset(f.strip().lower() for f in forms.split(",")), side,
                         re.compile(anchored, re.IGNORECASE), action, example)
        for form in rule.forms:
            by_form.setdefault(form, []).append(rule)
    return {form: tuple(rules) for form, rules in by_form.items()}


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


# One word form of the other languages: the word, and whether it is a stem (matches as a prefix).
_IntlWord = tuple[str, bool]
_IntlForm = tuple[tuple[_IntlWord, ...], TriggerGroup]
_INTL_WORD = re.compile(r"[^\W\d_]+")
# Ukrainian writes an apostrophe inside words ("перемир’я"): it is no word break there.
_UK_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
MIN_STEM = 2  # letters a stem must have: shorter ones would match most words


def languages() -> frozenset[str]:
    """The languages with a trigger lexicon: English and those of ``triggers_intl.tsv``."""
    return frozenset({"en", *_intl_lexicon()})


@lru_cache(maxsize=1)
def _intl_lexicon() -> dict[str, tuple[dict[str, list[_IntlForm]], dict[str, list[_IntlForm]]]]:
    """Per language: forms indexed by their first word, as written and as stems."""
    groups = groups_by_name()
    out: dict[str, tuple[dict[str, list[_IntlForm]], dict[str, list[_IntlForm]]]] = {}
    for name, language, forms in _data_lines("triggers_intl.tsv"):
        group = groups[name]  # a group the English lexicon does not have is a data error
        exact, stems = out.setdefault(language, ({}, {}))
        for form in forms.split(","):
            words = tuple((w.rstrip("*"), w.endswith("*")) for w in lower(form, language).split())
            if not words or any(len(w) < MIN_STEM for w, _ in words):
                continue
            first, is_stem = words[0]
            (stems if is_stem else exact).setdefault(first, []).append((words, group))
    for exact, stems in out.values():
        for index in (exact, stems):
            for candidates in index.values():
                candidates.sort(key=lambda c: -len(c[0]))
    return out


def lower(text: str, language: str) -> str:
    """Lower case as the language writes it: Turkish "İ" is "i" and "I" is "ı"."""
    if language == "tr":
        text = text.replace("İ", "i").replace("I", "ı")
    return text.lower()


def _word_matches(word: str, form_word: _IntlWord) -> bool:
    text, is_stem = form_word
    return word.startswith(text) if is_stem else word == text


def _find_intl_triggers(sentence: str, language: str) -> list[Trigger]:
    """Trigger words of a Russian, Ukrainian or Turkish sentence: for each word, the longest
    form (most words, then longest stem) that starts there."""
    exact, stems = _intl_lexicon()[language]
    pattern = _UK_WORD if language == "uk" else _INTL_WORD
    words = [(m.start(), m.end(), lower(m.group(), language))
             for m in pattern.finditer(sentence)]
    found = []
    i = 0
    while i < len(words):
        word = words[i][2]
        candidates = list(exact.get(word, ()))
        for k in range(len(word), MIN_STEM - 1, -1):
            candidates += stems.get(word[:k], ())
        matched = 0
        for form, group in sorted(candidates, key=lambda c: -len(c[0])):
            n = len(form)
            if len(words) - i >= n and all(_word_matches(words[i + j][2], form[j])
                                           for j in range(n)):
                start, end = words[i][0], words[i + n - 1][1]
                found.append(Trigger(start, end, sentence[start:end], group))
                matched = n
                break
        i += matched or 1
    return found


def find_triggers(sentence: str, language: str = "en") -> list[Trigger]:
    """Trigger words in the sentence, in order, each read in the sense its context gives.

    A dictionary lookup per word (not one huge regex): sentences are many, forms are few.
    Languages without a lexicon of their own are read with the English one, as before.
    """
    if language != "en" and language in _intl_lexicon():
        return _find_intl_triggers(sentence, language)
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
                sense = read_sense(sentence, start, end, " ".join(form), group)
                if sense is not None:
                    found.append(Trigger(start, end, sentence[start:end], sense))
                matched = n
                break
        i += matched or 1
    return found


def read_sense(sentence: str, start: int, end: int, form: str,
               group: TriggerGroup) -> TriggerGroup | None:
    """The group the word at ``start:end`` reports here, or None when it reports no event."""
    if start > 0 and sentence[start].isupper() and form in ("cases", "law", "court", "bill",
                                                              "deal", "summit", "accord"):
        return None  # part of a name: "Supreme Court", "Bill Clinton", "Camp David Accord"
    rules = sense_rules().get(form)
    if not rules:
        return group
    before = sentence[max(0, start - SENSE_WINDOW):start]
    after = sentence[end:end + SENSE_WINDOW]
    for rule in rules:
        if rule.pattern.search(before if rule.side == "before" else after):
            if rule.action == "drop":
                return None
            return groups_by_name()[rule.action]
    return group


def render_title(group: TriggerGroup, slots: dict[str, str]) -> tuple[str, frozenset[str]]:
    """The first title template of the group whose slots are all known, and the slots it used."""
    for template in group.titles:
        needed = _SLOT.findall(template)
        if all(slots.get(name) for name in needed):
            title = _SLOT.sub(lambda m: slots[m.group(1)], template)
            return title[:1].upper() + title[1:], frozenset(needed)
    return group.name.capitalize(), frozenset()
