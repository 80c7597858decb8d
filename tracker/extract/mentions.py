"""Extraction: (Article) -> event mentions. Pure: no clock, network or database.

For each sentence of the article proper (reader comments and page furniture are skipped:
``tracker.extract.furniture``) that holds an event trigger, pair each dated temporal expression
with the nearest trigger; one trigger left without a date is placed at the publication day, as
"day" when the sentence reports it in the present tense ("delegates meet in Istanbul") and as
"reported" otherwise, unless the sentence is background ("3,000 have died so far"), which is not
the day's news. "The first talks since 2022" yields both the earlier talks (2022) and the
current ones. Each mention gets its modality (asserted, negated, hypothetical, future, quoted,
background), a kind (a death or a statement takes its article's main kind), the people and
places of its sentence, and a cluster key (kind + main participant) that clustering merges on.
Time is linear in the text's length (what lies in a sentence is found by bisecting offsets
sorted once), and an article yields at most ``MAX_MENTIONS_PER_ARTICLE`` mentions.
An article in Russian, Ukrainian or Turkish (``Article.language``) is read with that language's
dates (``tracker.timex.tag_text``), triggers (same groups as English) and names (resolved to the
English canonical entities, ``tracker.extract.names_intl``) and modality cues
(``tracker.extract.modality``), so its events cluster with English reports of the same
happenings; the present-tense cues are English only.
It does not merge mentions (``tracker.cluster``) or store them (``tracker.store``).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tracker.confidence import DATE_WEIGHT
from tracker.extract.entities import country_of_demonym, find_entities, is_country
from tracker.extract.events import Trigger, find_triggers, render_title
from tracker.extract.furniture import furniture_spans, is_furniture_sentence
from tracker.extract.modality import is_background, modality_of
from tracker.extract.names_intl import LANGUAGES as NAME_LANGUAGES
from tracker.extract.names_intl import find_names, words
from tracker.extract.sentences import Sentence, split_sentences
from tracker.ids import fold
from tracker.models import (
    Article,
    DateRef,
    EntityMention,
    EventKind,
    Extraction,
    Mention,
    Modality,
    Timex,
)
from tracker.timex import tag_text

__all__ = ["EXTRACTOR_VERSION", "MAX_MENTIONS_PER_ARTICLE", "Extraction", "extract", "extract_all",
           "sentence_key"]

# Bump when extraction changes, so `tracker reprocess` knows which articles to redo.
EXTRACTOR_VERSION = 3

MAX_DATED_PER_SENTENCE = 3
# Undated happenings per sentence: the surest trigger's, and another of a different kind ("talks
# amid fighting in Donetsk" tells of both); more triggers of one kind are one happening told.
MAX_UNDATED_PER_SENTENCE = 2
# Distance (characters) within which a place "belongs" to a trigger: "talks in Istanbul".
PLACE_REACH = 60
# Mentions kept per article, the first in text order (a story's lede comes first). The densest
# news at hand (the bundled examples) gives about 6.5 mentions per 1,000 characters, so even a
# text at the ingest cap (1,000,000 characters, ``tracker.ingest.MAX_TEXT_CHARS``) that reads
# like news stays under this. What passes it is no story but a table or a data dump: 140,000
# one-word "sentences" of a 1 MB results list could give five mentions each, 700,000 rows that
# would flood the store and the re-clustering of their groups.
MAX_MENTIONS_PER_ARTICLE = 10_000

_PRESENT = re.compile(
    r"\b(meet|meets|are meeting|is meeting|begin|begins|are holding|is holding|hold|holds|"
    r"opens?|takes? place|(?:is|are) taking place|(?:is|are) under ?way|continues?|occurs?|"
    r"(?:is|are) happening|gathers?|convenes?|(?:is|are) being held)\b",
    re.IGNORECASE,
)
# A locative word, then at most a determiner, possessive or "town of"-style head before the name.
_LOCATIVE_BEFORE = re.compile(
    r"\b(in|at|near|outside|inside|across|around|into|onto|on|over|to|towards?|from|through|"
    r"throughout|off|along|within|beyond|of)\s+"
    r"(?:(?:the|a|an|eastern|western|northern|southern|central|[A-Z][\w’']*['’]s|"
    r"(?:city|town|village|port|region|province|capital|district|oblast) of)\s+)*$",
    re.IGNORECASE,
)
# What breaks a clause. ``_Clauses`` answers what this finds in a slice of a sentence without
# reading the slice, from these parts: the marks, the words, and a word at a slice's start.
_CLAUSE_BREAK = re.compile(r"[,;:()–—]|\band\b|\bbut\b|\bwhile\b|\bafter\b|\bbefore\b")
_CLAUSE_MARK = re.compile(r"[,;:()–—]")
_CLAUSE_WORDS = ("and", "but", "while", "after", "before")
_CLAUSE_WORD = re.compile(r"\b(?:and|but|while|after|before)\b")
_CLAUSE_WORD_FIRST = re.compile(r"(?:and|but|while|after|before)\b")
_WORD_CHAR = re.compile(r"\w")
_MODAL_BEFORE = re.compile(r"\b(would|will|could|can|may|might|should|must|to|not|n't)\s+$",
                           re.IGNORECASE)
_SINCE_BEFORE = re.compile(r"\bsince\s+$", re.IGNORECASE)
_QUOTE_OR_BREAK = re.compile(r'[“”"]|\n\s*\n')
_DEMONYM = re.compile(r"\b[A-Z][a-z]+(?:an|ian|ish|ese|i|ic)\b")


def sentence_key(sentence: str) -> str:
    """The identity of a sentence across articles: its words, whatever the case and spacing.

    A light normalization (not ``fold``): a sentence an outlet repeats is copied, not retold,
    and this runs for every dated or eventful sentence of every article.
    """
    return hashlib.blake2b(" ".join(sentence.lower().split()).encode("utf-8"),
                           digest_size=8).hexdigest()


def extract(article: Article) -> list[Mention]:
    """The event mentions of one article, in text order."""
    return extract_all(article).mentions


def extract_all(article: Article) -> Extraction:
    """Mentions plus the days (day or finer precision) the article's sentences refer to.

    The days feed importance: a day that later articles keep referring to mattered. Time is
    linear in the text's length: every lookup of what lies in a sentence (dates, entities,
    quotes, furniture) is a bisection of offsets sorted once, never a scan of the whole text's
    items; at most ``MAX_MENTIONS_PER_ARTICLE`` mentions are made.
    """
    dct = article.reference_date
    if dct is None:
        raise ValueError(f"article {article.id} has neither publication nor fetch date")
    text = article.text
    language = article.language if article.language in NAME_LANGUAGES else "en"
    timexes = sorted((t for t in tag_text(text, dct, article.language)
                      if t.date_start is not None and t.date_end is not None),
                     key=lambda t: (t.start, t.end))
    # Sorted by start already (``find_entities`` says so); sorting again costs nothing and keeps
    # the bisection below right whatever it returns.
    found_entities = find_entities(text) if language == "en" else find_names(text, language)
    entities = sorted(found_entities, key=lambda e: (e.start, e.end))
    entity_starts = [e.start for e in entities]
    quoted = quoted_spans(text)
    skipped = furniture_spans(text)
    starts = [t.start for t in timexes]
    found: list[tuple[Sentence, list[Trigger], list[Timex]]] = []
    refs: set[DateRef] = set()
    for sentence in split_sentences(text):
        if _inside(sentence.start, skipped) or is_furniture_sentence(sentence.text):
            continue
        in_sentence = _within(timexes, starts, sentence.start, sentence.end)
        days = [t.date_start for t in in_sentence
                if t.precision in ("day", "time") and t.date_start is not None]
        if days:
            key = sentence_key(sentence.text)
            refs.update(DateRef(day, key) for day in days)
        triggers = find_triggers(sentence.text, language)
        if triggers:
            found.append((sentence, triggers, in_sentence))
    article_kind = main_kind(t for _, triggers, _ in found for t in triggers)
    mentions: list[Mention] = []
    for sentence, triggers, in_sentence in found:
        if len(mentions) >= MAX_MENTIONS_PER_ARTICLE:
            break
        first = bisect.bisect_left(entity_starts, sentence.start)
        last = bisect.bisect_right(entity_starts, sentence.end)
        people_places = [e for e in entities[first:last] if e.end <= sentence.end]
        if language == "en":  # the other languages' finder gives their demonyms itself
            people_places += _demonym_countries(sentence, people_places)
        mentions.extend(_sentence_mentions(article, dct, sentence, triggers, in_sentence,
                                           people_places, quoted, article_kind,
                                           _grammar(language)))
    return Extraction(mentions[:MAX_MENTIONS_PER_ARTICLE], frozenset(refs))


def main_kind(triggers: Iterable[Trigger]) -> EventKind:
    """The kind most of an article's specific triggers have (deaths and statements take it)."""
    counts: Counter[EventKind] = Counter()
    first: dict[EventKind, int] = {}
    for i, t in enumerate(triggers):
        kind = t.group.kind
        if kind is not None and kind != "other":
            counts[kind] += 1
            first.setdefault(kind, i)
    if not counts:
        return "other"
    return min(counts, key=lambda k: (-counts[k], first[k]))


def _within(timexes: Sequence[Timex], starts: Sequence[int], start: int,
            end: int) -> list[Timex]:
    """The temporal expressions inside ``start:end`` (``starts``: theirs, sorted)."""
    first = bisect.bisect_left(starts, start)
    last = bisect.bisect_left(starts, end)
    return [t for t in timexes[first:last] if t.end <= end]


def _sentence_mentions(
    article: Article, dct: date, sentence: Sentence, triggers: Sequence[Trigger],
    timexes: Sequence[Timex], entities: Sequence[EntityMention],
    quoted: Sequence[tuple[int, int]], article_kind: EventKind, grammar: _Grammar,
) -> list[Mention]:
    content = [t for t in triggers if t.group.name != "statement"]
    has_speaker = any(e.kind == "person" for e in entities)
    # A statement is only an event when someone makes it; "officials said" is not one.
    pool = content or (list(triggers) if has_speaker else [])
    if not pool:
        return []
    out: list[Mention] = []
    dated: set[int] = set()
    # A long sentence may hold hundreds of triggers, dates and places: what each pairing needs
    # to know of the sentence is found once, not read again for every pair.
    clauses = _Clauses(sentence.text)
    nearest = _NearestTrigger(pool)
    for timex in timexes[:MAX_DATED_PER_SENTENCE]:
        rel_start, rel_end = timex.start - sentence.start, timex.end - sentence.start
        trigger = pool[0] if len(pool) == 1 else min(
            pool, key=lambda t: _attachment_cost(clauses, t, rel_start, rel_end))
        prefix = sentence.text[max(0, rel_start - 8):rel_start]
        since = bool(grammar.since_before.search(prefix)) or bool(
            grammar.since_after and grammar.since_after.match(sentence.text, rel_end))
        out.append(_mention(article, sentence, trigger, entities, quoted, article_kind,
                            timex=timex, nearest=nearest, earlier=since, dct=dct,
                            grammar=grammar))
        if not since:
            dated.add(trigger.start)
    if len(dated) >= 1 or is_background(sentence.text, grammar.language):
        return out  # the sentence's happening is dated; or it is a look back, not today's news
    # The undated happenings: the surest trigger's, then one of each other kind.
    undated: list[Trigger] = []
    for trigger in sorted(pool, key=lambda t: (-t.group.confidence, t.start)):
        if len(undated) < MAX_UNDATED_PER_SENTENCE and all(
                (t.group.kind or article_kind) != (trigger.group.kind or article_kind)
                for t in undated):
            undated.append(trigger)
    for trigger in undated:
        present = (grammar.language == "en" and trigger.group.name != "statement"
                   and _reported_in_present(sentence.text, trigger))
        out.append(_mention(article, sentence, trigger, entities, quoted, article_kind,
                            timex=None, nearest=nearest, undated_day=dct, present=bool(present),
                            dct=dct, grammar=grammar))
    return out


def _reported_in_present(text: str, trigger: Trigger) -> bool:
    """A present-tense verb near the trigger, not after a modal ("delegates meet in Istanbul",
    "fighting continues"; not "work would continue")."""
    window_start = max(0, trigger.start - 40)
    for match in _PRESENT.finditer(text, window_start, min(len(text), trigger.end + 40)):
        if not _MODAL_BEFORE.search(text[max(0, match.start() - 12):match.start()]):
            return True
    return False


def _attachment_cost(clauses: _Clauses, trigger: Trigger, start: int,
                     end: int) -> tuple[int, int, int]:
    """How unlikely it is that the date at ``start:end`` dates this trigger (lower is likelier).

    English puts the date after what it dates ("talks took place in Istanbul on May 16"), so
    a trigger to the left in the same clause wins, then one to the right in the same clause,
    then the nearest anywhere.
    """
    if trigger.end <= start:
        broken, side = clauses.broken(trigger.end, start), 0
    else:
        broken, side = clauses.broken(end, trigger.start), 1
    rank = side if not broken else 2
    return rank, _gap(trigger.start, trigger.end, start, end), trigger.start


class _Clauses:
    """Where a sentence's clauses break, found once (on first use): ``broken(a, b)`` is what
    ``_CLAUSE_BREAK.search(text[a:b])`` says, answered by bisection instead of reading the
    slice (a sentence with hundreds of triggers and dates would otherwise be read for each
    pair of them)."""

    __slots__ = ("_marks", "_text", "_word_ends", "_word_starts")

    def __init__(self, text: str) -> None:
        self._text = text
        self._marks: list[int] | None = None
        self._word_starts: list[int] = []
        self._word_ends: list[int] = []

    def _index(self) -> list[int]:
        if self._marks is None:
            self._marks = [m.start() for m in _CLAUSE_MARK.finditer(self._text)]
            words = [m.span() for m in _CLAUSE_WORD.finditer(self._text)]
            # Whole words never overlap, so the ends are in order too.
            self._word_starts = [start for start, _ in words]
            self._word_ends = [end for _, end in words]
        return self._marks

    def broken(self, a: int, b: int) -> bool:
        text = self._text
        b = min(b, len(text))
        if a >= b:
            return False  # an empty slice
        marks = self._index()
        i = bisect.bisect_left(marks, a)
        if i < len(marks) and marks[i] < b:
            return True
        # A word strictly inside the slice is bounded there as in the whole sentence.
        i = bisect.bisect_right(self._word_starts, a)
        if i < len(self._word_starts) and self._word_ends[i] < b:
            return True
        # At the slice's edges, its ends count as word bounds ("band" cut to "and").
        if _CLAUSE_WORD_FIRST.match(text, a, b):
            return True
        for word in _CLAUSE_WORDS:
            at = b - len(word)
            if at > a and text.startswith(word, at) and not _WORD_CHAR.match(text, at - 1):
                return True
        return False


class _NearestTrigger:
    """The trigger of a sentence nearest to a place (ties: the earlier), by bisection.

    Triggers are found left to right without overlapping, so the gap to a place falls and then
    rises along them: the nearest is one of the two around the place. Should that order not
    hold, every trigger is compared.
    """

    __slots__ = ("_ends", "_pool")

    def __init__(self, pool: Sequence[Trigger]) -> None:
        self._pool = pool
        self._ends: list[int] | None = None  # found on first use; empty when not in order

    def to(self, start: int, end: int) -> Trigger:
        """The nearest to ``start:end`` (offsets in the sentence)."""
        def cost(t: Trigger) -> tuple[int, int]:
            return _gap(t.start, t.end, start, end), t.start

        if self._ends is None:
            ordered = all(a.end <= b.start for a, b in itertools.pairwise(self._pool))
            self._ends = [t.end for t in self._pool] if ordered else []
        if not self._ends:
            return min(self._pool, key=cost)
        j = bisect.bisect_left(self._ends, start)  # the first that does not end before it
        around = self._pool[max(0, j - 1):j + 1]
        return min(around, key=cost)


def _gap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, b_start - a_end, a_start - b_end)


def _mention(
    article: Article, sentence: Sentence, trigger: Trigger, entities: Sequence[EntityMention],
    quoted: Sequence[tuple[int, int]], article_kind: EventKind, *, timex: Timex | None,
    nearest: _NearestTrigger, dct: date, grammar: _Grammar, undated_day: date | None = None,
    present: bool = False, earlier: bool = False,
) -> Mention:
    """One mention; ``earlier`` marks "since <date>": an earlier happening, not here and now.

    People named inside a quotation belong to the mention (the speaker spoke of them) but do
    not name the event.
    """
    if earlier:
        # An earlier happening ("the first talks since 2022") shares its sentence's countries
        # and people, not the places where the later one happens.
        entities = [e for e in entities if e.kind != "place" or is_country(e.name)]
    speakers = [e for e in entities if not (e.kind == "person" and _inside(e.start, quoted))]
    slots, anchors = _slots(sentence, trigger, speakers, nearest, grammar,
                            local_places=not earlier)
    title, used = render_title(trigger.group, slots)
    anchor = next((anchors[name] for name in ("place", "parties", "person", "actor")
                   if name in used), "")
    confidence = trigger.group.confidence
    if timex is not None and timex.date_start is not None and timex.date_end is not None:
        start, end, precision, date_text = (timex.date_start, timex.date_end,
                                            timex.precision or "day", timex.text)
    else:
        assert undated_day is not None
        start = end = undated_day
        if present:
            precision, date_text = "day", "publication day (present tense)"
            confidence *= DATE_WEIGHT["present"]
        else:
            precision, date_text = "reported", "undated"
            confidence *= DATE_WEIGHT["reported"]
    modality = _modality(sentence, trigger, quoted, start, dct, earlier=earlier,
                         language=grammar.language)
    kind = trigger.group.kind or article_kind
    return Mention(
        article_id=article.id,
        sentence=sentence.text,
        sentence_start=sentence.start,
        sentence_end=sentence.end,
        trigger=trigger.text.lower(),
        kind=kind,
        title=title,
        date_start=start,
        date_end=end,
        precision=precision,
        date_text=date_text,
        confidence=round(confidence, 3),
        timex=timex,
        entities=tuple(entities),
        cluster_key=f"{kind}|{anchor}",
        modality=modality,
        group=trigger.group.name,
        trigger_start=trigger.start,
        sentence_key=sentence_key(sentence.text),
    )


def _modality(sentence: Sentence, trigger: Trigger, quoted: Sequence[tuple[int, int]],
              start: date, dct: date, *, earlier: bool, language: str = "en") -> Modality:
    """How the sentence tells this trigger's event; a date after publication is a plan or a
    forecast ("talks are expected by Friday"), whatever the grammar says."""
    modality = modality_of(sentence.text, trigger.start, trigger.end, language)
    if modality == "asserted" and start > dct and not earlier:
        return "future"
    if modality == "asserted" and _inside(sentence.start + trigger.start, quoted):
        return "quoted"
    return modality


def _slots(
    sentence: Sentence, trigger: Trigger, entities: Sequence[EntityMention],
    nearest: _NearestTrigger, grammar: _Grammar, *, local_places: bool = True,
) -> tuple[dict[str, str], dict[str, str]]:
    """Title slot values and, for each, the anchor key it would give the event.

    A place goes to the trigger nearest to it ("talks amid fighting in the Donetsk region":
    the region is the fighting's, not the talks'). A person is preferably the one just before
    the trigger (its subject).
    """
    t_start, t_end = sentence.start + trigger.start, sentence.start + trigger.end
    countries = [e for e in entities if e.kind == "place" and is_country(e.name)]
    local = [e for e in entities if e.kind == "place" and not is_country(e.name)
             and local_places and _owns_place(trigger, e, sentence, nearest)
             and _is_location(sentence, e, trigger, grammar)]
    people = _distinct(sorted(
        (e for e in entities if e.kind == "person"),
        key=lambda e: (e.start > t_start, abs(t_start - e.end)),
    ))
    orgs = [e for e in entities if e.kind == "org"]
    slots: dict[str, str] = {}
    anchors: dict[str, str] = {}
    near = [e for e in local if _gap(e.start, e.end, t_start, t_end) <= PLACE_REACH]
    # A place said to be where ("met in Istanbul") beats one that only stands before the
    # trigger ("Moscow met": the subject, or "the Istanbul talks"), then the nearest wins.
    place = min(near or local, key=lambda e: (not _said_where(sentence, e, grammar),
                                              _gap(e.start, e.end, t_start, t_end), e.start),
                default=None)
    if place is not None:
        # Another language's surface form would put its grammar in an English title.
        slots["place"] = (_place_label(place, sentence) if grammar.language == "en"
                          else place.name)
        anchors["place"] = "place:" + fold(place.name)
    parties = sorted({e.name for e in countries})
    if len(parties) >= 2:
        slots["parties"] = "–".join(parties[:3])
        anchors["parties"] = "parties:" + "+".join(fold(p) for p in parties[:3])
    if people:
        slots["person"] = people[0].name
        anchors["person"] = "person:" + fold(people[0].name)
    if len(people) > 1:
        slots["person2"] = people[1].name
    actor = next(iter(countries + orgs), None)
    if actor is not None:
        slots["actor"] = actor.name
        anchors["actor"] = "actor:" + fold(actor.name)
    return slots, anchors


def _place_label(place: EntityMention, sentence: Sentence) -> str:
    """ "the Donetsk region" as written when it names the place; the canonical name otherwise."""
    surface = place.text
    if place.name.split()[0].lower() not in surface.lower() or " " not in surface:
        return place.name
    rel = place.start - sentence.start
    if sentence.text[max(0, rel - 4):rel].lower() == "the ":
        return "the " + surface
    return surface


def _said_where(sentence: Sentence, place: EntityMention, grammar: _Grammar) -> bool:
    """Whether the sentence says the place is where ("in Istanbul", "İstanbul'da"), rather
    than only naming it before the trigger. "from" says where someone came from, not where the
    event was."""
    rel_start, rel_end = place.start - sentence.start, place.end - sentence.start
    if grammar.locative_suffix is not None and grammar.locative_suffix.match(sentence.text,
                                                                             rel_end):
        return True
    if place.text.split()[-1].lower() in grammar.locative_end:
        return True
    before = sentence.text[max(0, rel_start - 40):rel_start]
    found = grammar.locative_before.search(before)
    return found is not None and not found.group(0).lower().startswith("from")


def _is_location(sentence: Sentence, place: EntityMention, trigger: Trigger,
                 grammar: _Grammar) -> bool:
    """Whether a place is where something happened, not a government speaking ("Kyiv said").

    It must follow a locative word ("in Istanbul", "on Kyiv", "the town of Bilopillia in
    Ukraine's Sumy region"; "в Стамбуле"), carry a locative suffix ("İstanbul'da"), or stand
    right before the trigger ("the Istanbul talks").
    """
    rel_start, rel_end = place.start - sentence.start, place.end - sentence.start
    if 0 <= trigger.start - rel_end <= 2:
        return True
    if grammar.locative_suffix is not None and grammar.locative_suffix.match(sentence.text,
                                                                             rel_end):
        return True
    if place.text.split()[-1].lower() in grammar.locative_end:
        return True
    before = sentence.text[max(0, rel_start - 40):rel_start]
    return bool(grammar.locative_before.search(before))


@dataclass(frozen=True)
class _Grammar:
    """The few grammar cues mentions read, in one language (``tracker/data/language_words.tsv``
    for the languages other than English)."""

    language: str
    locative_before: re.Pattern[str]
    locative_suffix: re.Pattern[str] | None  # at a name's end: "'da" in "İstanbul'da"
    since_before: re.Pattern[str]  # ends right before a date: "since ", "с "
    since_after: re.Pattern[str] | None  # starts right after a date: "'den bu yana"
    locative_end: frozenset[str] = frozenset()  # a name's last word that says "in": "bölgesinde"


def _alternatives(found: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(found, key=len, reverse=True)) or "(?!)"


@functools.lru_cache(maxsize=8)
def _grammar(language: str) -> _Grammar:
    if language == "en":
        return _Grammar("en", _LOCATIVE_BEFORE, None, _SINCE_BEFORE, None)
    suffix = words(language, "locative_suffix")
    after = words(language, "since_after")
    return _Grammar(
        language,
        re.compile(rf"(?<!\w)(?:{_alternatives(words(language, 'locative'))})\s+$",
                   re.IGNORECASE),
        re.compile(rf"['’](?:{_alternatives(suffix)})(?!\w)", re.IGNORECASE) if suffix else None,
        re.compile(rf"(?<!\w)(?:{_alternatives(words(language, 'since'))})\s+$",
                   re.IGNORECASE),
        re.compile(rf"(?:['’]\w+)?\s+(?:{_alternatives(after)})(?!\w)", re.IGNORECASE)
        if after else None,
        frozenset(words(language, "locative_end")),
    )


def _owns_place(trigger: Trigger, place: EntityMention, sentence: Sentence,
                nearest: _NearestTrigger) -> bool:
    """Whether the place may name this trigger's event: it is nearest to this trigger, or to
    one of the same kind ("delegates meet in Istanbul for talks": meeting and talks share it)."""
    closest = nearest.to(place.start - sentence.start, place.end - sentence.start)
    return closest is trigger or closest.group.kind == trigger.group.kind


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans inside quotation marks; a quote never runs past its paragraph."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for match in _QUOTE_OR_BREAK.finditer(text):
        mark, pos = match.group(), match.start()
        if mark.startswith("\n"):
            opened = None
        elif mark == "“" or (mark == '"' and opened is None):
            opened = pos
        elif opened is not None and mark in ('”', '"'):
            spans.append((opened, pos + 1))
            opened = None
    return spans


def _inside(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    index = bisect.bisect_right(spans, (position, 1 << 62)) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def _distinct(entities: Sequence[EntityMention]) -> list[EntityMention]:
    seen: dict[str, EntityMention] = {}
    for e in entities:
        seen.setdefault(e.name, e)
    return list(seen.values())


def _demonym_countries(sentence: Sentence, known: Sequence[EntityMention]) -> list[EntityMention]:
    """Countries named by adjective ("Russian and Ukrainian delegates") as place mentions."""
    matches = list(_DEMONYM.finditer(sentence.text))
    if not matches:
        return []
    # Whether a start lies in a known span: the spans sorted by start, and the farthest end
    # reached by any of them so far, so each demonym costs a bisection, not a pass over all.
    taken = sorted({(e.start, e.end) for e in known})
    starts = [s for s, _ in taken]
    reach = list(itertools.accumulate((e for _, e in taken), max))
    found = []
    for match in matches:
        start, end = sentence.start + match.start(), sentence.start + match.end()
        i = bisect.bisect_right(starts, start)
        if i and reach[i - 1] > start:
            continue
        country = country_of_demonym(match.group())
        if country:
            found.append(EntityMention(start, end, match.group(), country, "place"))
    return found
