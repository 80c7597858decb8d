"""Plain frozen dataclasses that flow between the pipeline stages.

source -> fetch -> parse -> extract -> store -> cluster -> query. Each stage takes and returns
these, never database rows or loose dicts. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

# How exactly a date is known. "reported" is not a calendar unit: it marks an event told without
# any date, placed at its article's publication day so it is neither lost nor passed off as known.
Precision = Literal[
    "time", "day", "week", "month", "quarter", "season", "year", "decade", "century", "reported"
]
PRECISIONS: tuple[Precision, ...] = (
    "time", "day", "week", "month", "quarter", "season", "year", "decade", "century", "reported"
)

TimexType = Literal["DATE", "TIME", "DURATION", "SET"]
EntityKind = Literal["person", "place", "org"]
EventKind = Literal[
    "diplomacy", "conflict", "politics", "economy", "disaster", "legal", "health", "other"
]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)
SourceKind = Literal["feed", "page", "dir", "jsonl", "file"]
# How a sentence tells its event (tracker.extract.modality): it happened ("asserted"), did not
# ("negated"), might ("hypothetical"), will ("future"), someone is quoted saying so ("quoted"),
# or it is told as background (a running total, a look back), not as the day's news.
Modality = Literal["asserted", "negated", "hypothetical", "future", "quoted", "background"]
MODALITIES: tuple[Modality, ...] = (
    "asserted", "negated", "hypothetical", "future", "quoted", "background"
)


@dataclass(frozen=True, slots=True)
class Timex:
    """A temporal expression found in a text, with TIMEX3 normalization.

    ``start``/``end`` are character offsets into the text it was found in
    (``text[start:end] == self.text``). ``date_start``/``date_end`` are the inclusive calendar
    interval the timeline uses; they are ``None`` when the expression names no anchorable
    period (durations, sets, ``PAST_REF``, "March" of an unknown year).
    """

    start: int
    end: int
    text: str
    type: TimexType
    value: str
    date_start: date | None = None
    date_end: date | None = None
    precision: Precision | None = None
    mod: str | None = None  # TIMEX3 mod: START, MID, END, APPROX, BEFORE, AFTER, ON_OR_AFTER...


@dataclass(frozen=True, slots=True)
class Article:
    """One news article, parsed to plain text, with where it came from and when it appeared.

    ``published_basis`` says how ``published_at`` was learned: "given" (command line),
    "feed", "meta" (HTML metadata), "jsonl", or "fetched" when only the fetch time was known.
    """

    id: str
    title: str
    text: str
    url: str | None = None
    canonical_url: str | None = None
    published_at: datetime | None = None
    published_basis: str = "unknown"
    fetched_at: datetime | None = None
    language: str = "en"
    source_name: str | None = None
    # The length of the text before it was cut to the per-article cap (None: kept whole).
    truncated_from: int | None = None
    # A fingerprint of the feed entry the article came from (None: not from a feed).
    entry_hash: str | None = None

    @property
    def reference_date(self) -> date | None:
        """The date relative expressions ("last Friday") resolve against."""
        when = self.published_at or self.fetched_at
        return when.date() if when else None


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A person, place or organization named in a text, resolved to its canonical name."""

    start: int
    end: int
    text: str
    name: str
    kind: EntityKind
    role: str | None = None
    lat: float | None = None
    lon: float | None = None
    match_key: str | None = None  # a person's surname spelling key ("zelenski")

    @property
    def key(self) -> str:
        """The entity's deterministic identity across articles: kind plus folded name."""
        from tracker.ids import entity_key

        return entity_key(self.kind, self.name)


@dataclass(frozen=True, slots=True)
class Mention:
    """One statement in one article that reports an event, with the date the text gives it.

    This is the provenance of an event: clustering merges mentions of the same happening from
    many articles into one event, and every event can show the sentences behind it.
    """

    article_id: str
    sentence: str
    sentence_start: int
    sentence_end: int
    trigger: str
    kind: EventKind
    title: str
    date_start: date
    date_end: date
    precision: Precision
    date_text: str
    confidence: float
    timex: Timex | None = None
    entities: tuple[EntityMention, ...] = field(default_factory=tuple)
    # Where the event is clustered: its kind and its main participant ("diplomacy|place:istanbul").
    cluster_key: str = ""
    modality: Modality = "asserted"
    group: str = ""  # the trigger group ("talks"), whatever kind the event was given
    trigger_start: int = 0  # offset of the trigger in the sentence
    sentence_key: str = ""  # the sentence's identity across articles (furniture, repeats)


@dataclass(frozen=True, slots=True)
class DateRef:
    """A day an article refers to, and the sentence that does (so repeated page furniture can
    be told apart from the articles' own references)."""

    day: date
    sentence_key: str


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one article yields: its event mentions and every day it refers to."""

    mentions: list[Mention]
    refs: frozenset[DateRef]

    @property
    def days(self) -> frozenset[date]:
        return frozenset(r.day for r in self.refs)


@dataclass(frozen=True, slots=True)
class ClusterInput:
    """What clustering needs to know about one stored mention."""

    id: str
    article_id: str
    source: str
    published: date
    group: str  # the clustering group: the event kind
    anchor: str | None
    date_start: date
    date_end: date
    precision: Precision
    date_text: str
    title: str
    kind: str
    confidence: float
    entity_ids: frozenset[str] = frozenset()
    date_written: bool = True  # False when the date was inferred (present tense, undated)
    sentence: str = ""
    sentence_key: str = ""
    trigger_start: int = 0  # in the sentence
    trigger_end: int = 0
    timex_start: int | None = None  # in the sentence
    timex_end: int | None = None
    modality: Modality = "asserted"
    trigger_group: str = ""
    furniture: bool = False  # its sentence recurs across its outlet's articles: not news
    published_at: str = ""  # the article's publication time, for "reported early"


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event as clustering decided it, ready for the store."""

    id: str
    cluster_key: str
    title: str
    kind: str
    date_start: date
    date_end: date
    precision: Precision
    date_text: str
    mention_ids: tuple[str, ...]
    n_mentions: int
    n_articles: int
    n_sources: int
    score: float
    entity_counts: tuple[tuple[str, int], ...]
    summary: tuple[str, ...] = ()
    confidence: float = 1.0  # from its mentions alone (tracker.confidence)
    quality: float = 1.0  # its best mention's: the most its confidence can reach
