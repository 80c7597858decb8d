"""What an event says: its headline and the one to three sentences that tell it best.

Among an event's mentions, a sentence is representative when it says what most of the reports
say (cosine to the event's centroid of words), states the event's date, was reported early,
asserts the happening (not a quote, a plan or a denial), and reads as a sentence (not a
fragment, a question or a wall of text). The summary is the best few, skipping any that repeat
one already chosen or fall far below the best. The title is the headline (``tracker.headline``)
of the best sentence that gives one; when none does, the fallback the caller passes (a template
title such as "Istanbul talks"), or the best sentence cut short when that fallback names no more
than a kind of event. The scoring weights are named here once. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from tracker import textsim
from tracker.headline import headline

SUMMARY_SENTENCES = 3  # what an event stores; more can be asked for at query time
# Score of a sentence: centrality, plus these.
STATES_DATE = 0.15  # its temporal expression dates the event itself
EARLY = 0.1  # reported first (scaled down linearly to 0 for the last report)
MODALITY_PENALTY: dict[str, float] = {
    "asserted": 0.0, "background": 0.05, "quoted": 0.15, "future": 0.3, "hypothetical": 0.35,
    "negated": 0.45,
}
FORM_PENALTY = 0.15  # too short, too long, a question, a fragment
MIN_WORDS, MAX_WORDS = 6, 60
LONG_WORDS = 25  # longer, a sentence buries what happened under detail
REDUNDANT = 0.6  # a sentence this alike (cosine) to one chosen adds nothing
WEAKER = 0.7  # a sentence scoring under this share of the best adds words, not news
TITLE_CANDIDATES = 10  # how many of the best sentences are tried for a headline
TRIGGER_EARLY = 0.1  # for a headline: the event word is among the sentence's first words
TRIGGER_EARLY_WORDS = 6
# "The talks were the first direct negotiations in years" describes; a headline says what
# happened, so such a sentence is used only when no other gives a headline.
_DESCRIBES = re.compile(r"^(?:\S+\s+){1,5}?(?:is|are|was|were)\s+(?:also\s+|still\s+|now\s+)?"
                        r"(?:the|a|an|one|not|\w+['’]s)\b", re.IGNORECASE)
# Page text that leaks into sentences when a page is flattened: photo credits, update stamps,
# live-blog times. A sentence carrying it reads badly as a summary.
_CLUTTER = re.compile(
    r"\b(?:Photograph|Photo|Picture|Image|Illustration)s?\s*:|Getty Images|\b[A-Z][a-z]+/(?:AP|AFP|"
    r"Reuters|Getty|EPA|PA)\b|\b(?:AP|AFP|EPA)\s+Photo\b|[Ll]ast updated|\b\d{1,2}[.:]\d{2}\s*"
    r"(?:BST|GMT|ET|EST|EDT|CET|UTC)\b|\bLive (?:Q&A|blog|coverage)\b|\binteractive\b")


class Evidence(Protocol):
    """What summaries need of a mention (``ClusterInput`` has it)."""

    @property
    def sentence(self) -> str: ...
    @property
    def sentence_key(self) -> str: ...
    @property
    def article_id(self) -> str: ...
    @property
    def published_at(self) -> str: ...
    @property
    def date_written(self) -> bool: ...
    @property
    def modality(self) -> str: ...
    @property
    def trigger_start(self) -> int: ...
    @property
    def trigger_end(self) -> int: ...
    @property
    def timex_start(self) -> int | None: ...
    @property
    def timex_end(self) -> int | None: ...


@dataclass(frozen=True)
class Ranked:
    """A candidate sentence with its scores and the mention it came from."""

    score: float  # as a summary sentence
    evidence: Evidence
    vector: textsim.Vector
    title_score: float = 0.0  # as the source of the headline (see ``title``)


def rank(members: Sequence[Evidence]) -> list[Ranked]:
    """The event's distinct sentences, most representative first (ties: earliest, then text)."""
    by_key: dict[str, Evidence] = {}
    articles_of: dict[str, set[str]] = {}
    for m in sorted(members, key=lambda m: (m.published_at, m.article_id, m.sentence_key,
                                            not m.date_written)):
        key = m.sentence_key or m.sentence
        by_key.setdefault(key, m)  # the earliest report of the sentence speaks for it
        articles_of.setdefault(key, set()).add(m.article_id)
    if not by_key:
        return []
    vectors = {k: textsim.vector(textsim.terms(m.sentence)) for k, m in by_key.items()}
    centroid: textsim.Vector = {}
    for k, v in vectors.items():
        # A sentence carried by several articles pulls the centroid harder: reports agree.
        textsim.add(centroid, {t: w * len(articles_of[k]) for t, w in v.items()})
    order = sorted({m.published_at for m in by_key.values()})
    position = {p: i for i, p in enumerate(order)}
    ranked = []
    for k, m in by_key.items():
        score = textsim.cosine(vectors[k], centroid)
        if m.date_written and m.timex_start is not None:
            score += STATES_DATE
        if len(order) > 1:
            score += EARLY * (1 - position[m.published_at] / (len(order) - 1))
        else:
            score += EARLY
        score -= MODALITY_PENALTY.get(m.modality, 0.3)
        title_score = score - FORM_PENALTY * _form_faults(m.sentence, long_ok=True)
        if len(m.sentence[:m.trigger_start].split()) <= TRIGGER_EARLY_WORDS:
            title_score += TRIGGER_EARLY
        score -= FORM_PENALTY * _form_faults(m.sentence)
        ranked.append(Ranked(round(score, 6), m, vectors[k], round(title_score, 6)))
    ranked.sort(key=lambda r: (-r.score, r.evidence.published_at, r.evidence.sentence))
    return ranked


def summarize(ranked: Sequence[Ranked], n: int = SUMMARY_SENTENCES) -> list[str]:
    """The best ``n`` sentences, none repeating one chosen before, in rank order; a sentence
    much weaker than the best (under ``WEAKER``) adds words, not news, and is left out."""
    chosen: list[Ranked] = []
    floor = ranked[0].score * WEAKER if ranked and ranked[0].score > 0 else float("-inf")
    for r in ranked:
        if len(chosen) >= n or (chosen and r.score < floor):
            break
        if any(textsim.cosine(r.vector, c.vector) >= REDUNDANT for c in chosen):
            continue
        chosen.append(r)
    return [r.evidence.sentence for r in chosen]


def title(ranked: Sequence[Ranked], fallback: str, *, generic: frozenset[str] = frozenset()
          ) -> str:
    """The headline of the best sentence that gives one, else ``fallback``; a fallback that
    says no more than a kind of event (one of ``generic``: "Talks", "Disaster") gives way to
    the best sentence itself, cut at a word near ``TITLE_CHARS``.

    For a headline, a long sentence is no fault (the headline keeps its main clause), and one
    whose event word comes early tells of it, not of something else it happened beside ("the
    attack came on the eve of talks" is about the attack). A mention dated by "since <date>"
    tells of an earlier happening inside a sentence about a later one ("sanctions approved
    since the invasion began in 2022"): only the words between "since" and the date speak of
    it ("the invasion began").
    """
    candidates = sorted(ranked, key=lambda r: (-r.title_score, r.evidence.published_at,
                                               r.evidence.sentence))[:TITLE_CANDIDATES]
    # First the clause that holds the event word; failing that, the sentence's main clause
    # ("BP stops the flow of oil - one of three leak points": the leak is an aside). Tried
    # lazily: this runs for every event at every re-clustering.
    describing: str | None = None
    for main_clause in (False, True):
        for r in candidates:
            found = _headline_of(r.evidence, main_clause=main_clause)
            if not found or _CLUTTER.search(found):
                continue
            if not _DESCRIBES.match(found):
                return found
            describing = describing or found
    if describing:
        return describing
    if fallback in generic and ranked:
        plain = [r for r in ranked if not _CLUTTER.search(r.evidence.sentence)] or ranked
        return _cut(plain[0].evidence.sentence)
    return fallback


TITLE_CHARS = 90


def _cut(sentence: str) -> str:
    text = " ".join(sentence.split()).strip("•-–—*· ")
    if len(text) <= TITLE_CHARS:
        return text.rstrip(".")
    cut = text.rfind(" ", 0, TITLE_CHARS)
    return text[:cut if cut > TITLE_CHARS // 2 else TITLE_CHARS].rstrip(",;:") + "…"


def _headline_of(m: Evidence, *, main_clause: bool = False) -> str | None:
    trigger = (m.trigger_start, m.trigger_end) if m.trigger_end > m.trigger_start else None
    if main_clause:
        trigger = None
    if m.timex_start is not None and m.timex_end is not None:
        since = _SINCE.search(m.sentence, 0, m.timex_start)
        if since is not None:
            return (_earlier_headline(m.sentence, since.start("clause"), m.timex_start, trigger)
                    if since.group("clause") else None)
        return _headline(m.sentence, trigger, ((m.timex_start, m.timex_end),))
    return _headline(m.sentence, trigger, ())


@lru_cache(maxsize=8192)
def _headline(sentence: str, trigger: tuple[int, int] | None,
              dates: tuple[tuple[int, int], ...]) -> str | None:
    # Every re-clustering titles every event again, and most are as they were: remembered.
    return headline(sentence, trigger, dates=dates)


# "since" right before a date, or before the clause that ends at the date.
_SINCE = re.compile(r"\bsince\s+(?P<clause>(?:the|a|an|his|her|its|their)\b[^,;:.]{0,80}?\s+"
                    r"(?:began|begun|started|broke out|erupted|ended|took place|happened|"
                    r"was signed|were signed|was held|were held)\s+(?:in|on|at)?\s*)?$",
                    re.IGNORECASE)


def _earlier_headline(sentence: str, start: int, end: int,
                      trigger: tuple[int, int] | None) -> str | None:
    """The headline of the clause "since <clause> <date>" when it holds the trigger."""
    clause = sentence[start:end]
    words = re.sub(r"\s+(?:in|on|at|of)\s*$", "", clause).strip()
    if len(words.split()) < 2 or trigger is None or not start <= trigger[0] < end:
        return None
    return headline(words, (trigger[0] - start, trigger[1] - start))


def _form_faults(sentence: str, *, long_ok: bool = False) -> int:
    """How many ways the sentence fails to read as one good sentence."""
    words = len(sentence.split())
    faults = 0
    if words < MIN_WORDS or words > MAX_WORDS:
        faults += 1
    if words > LONG_WORDS and not long_ok:
        faults += 1
    stripped = sentence.strip()
    if stripped.endswith("?"):
        faults += 1
    if stripped[:1] and not (stripped[0].isupper() or stripped[0].isdigit()):
        faults += 1  # a bullet, a fragment, a sentence cut from its start
    if _CLUTTER.search(sentence):
        faults += 1
    return faults
