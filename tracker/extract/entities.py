"""Named entities (people, places, organizations) in English news text, without a model.

Rules plus gazetteers. Runs of capitalized words are split into the longest phrases the
gazetteer knows (organizations, countries, regions, US states, cities, titles, demonyms); a word
left over is part of a candidate name, taken as a person only with evidence: a title before it
("Finance Minister Laura Castellano", also lower-case: "spokesman Ivan Petrov"), a role in
apposition after it ("Lena Berg, the president of Finland,"), a verb of saying beside it
("Castellano said", "said Castellano"), a common given name before a surname, a listed
well-known person, or the same name found with evidence elsewhere in the document. Surnames
and spelling variants then resolve to the fullest form of the name ("Zelensky" -> "Volodymyr
Zelenskyy"; a listed well-known person's listed form wins, so names agree across articles),
and "the Ukrainian president" / "Ukraine's president" to the one person the document gives that
role and country. Organizations also come from phrases ending in an organization word
("... Defence Ministry", "Bank of ..."), and from an unknown acronym that speaks ("KXR said").

Precision is preferred to recall: place names that are ordinary words ("Reading", "Nice") or
given names ("Chad") need a locative context ("in Reading"), small towns need one too, months
and weekdays are never entities, sentence-initial and headline words never start a new person,
and all-capital headline words are ignored. Demonyms ("Ukrainian") are not place mentions; see
``country_of_demonym``. Not done: lower-case mentions, pronouns, nested entities, coreference
beyond names and role phrases, languages other than English.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import accumulate, compress, pairwise
from typing import Generic, TypeVar

from tracker.extract.entity_names import (
    known_full_name,
    listed_name_words,
    person_match_key,
    raw_person_key,
    word_key,
)
from tracker.extract.gazetteer import (
    MAX_WORDS,
    Entry,
    Place,
    country_of_demonym,
    gazetteer,
    is_country,
)
from tracker.ids import fold as _slow_fold
from tracker.models import EntityKind, EntityMention

__all__ = ["country_of_demonym", "find_entities", "is_country", "person_match_key"]

# Folding is on the hot path and words repeat: remember them.
fold = functools.lru_cache(maxsize=131072)(_slow_fold)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# A word: letters with inner apostrophes ("O'Brien"), or dotted capitals ("U.S.", "D.C.").
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)*")
# The same, capturing, so that splitting keeps the words between the gaps; possessive "*+"
# because a match never needs to give back (it only makes the scan faster). A text whose
# letters are all ASCII ones (most news, even with curly quotes) splits faster with a pattern
# saying the same with ASCII letters.
_TOKEN_SPLIT = re.compile(r"([A-Z]\.(?:[A-Z]\.)+|[^\W\d_]+(?:['’][^\W\d_]+)*+)")
_ASCII_TOKEN_SPLIT = re.compile(r"([A-Z]\.(?:[A-Z]\.)+|[A-Za-z]+(?:['’][A-Za-z]+)*+)")
_NON_ASCII_WORD_CHAR = re.compile(r"[^\W\x00-\x7f]")
_CONTRACTION = re.compile(r"['’](?:ll|re|ve|d|m|t)$|n['’]t$")
# Between two words of one capitalized run: spaces, or a bare hyphen ("Guinea-Bissau").
_RUN_GAP = re.compile(r"-|[ \t\u00a0]+")
# After an abbreviation or an initial ("Gen. Ana Ruiz", "Donald J. Trump").
_ABBREV_GAP = re.compile(r"\.[ \t\u00a0]+")
_SENTENCE_MARK = re.compile(r"[.!?:;•\n\u2013\u2014|\[\]]")
_ABBREV = _wordset("mr mrs ms dr st sen gen lt maj col adm gov rep jr sr prof sgt capt cpl rev fr")
# Lower-case words allowed inside a capitalized phrase ("Bank of England", "Bosnia and ...").
_CONNECTORS = _wordset("of the and de du da del della di la le von van der den bin ibn al el for "
                       "on in")
_NAME_PARTICLES = _wordset("de du da del della di la le von van der den bin ibn al el")
_HEADLINE_SMALL = _wordset("of the and a an to in for on at by with from as is are vs")
# Capitalized words that are never (the start of) a name: sentence openers, pronouns, auxiliaries.
_FUNCTION = _wordset("""
a an the and but or nor so yet for of in on at to by with from as into onto upon about above
after against along amid among around before behind below beneath beside besides between beyond
despite down during except inside near off out outside over since than through throughout till
toward towards under unlike until up via within without it its he she they we i you me him her
us them his hers their theirs our ours my mine your yours this that these those there here what
which who whom whose why how where when whenever while whether if unless although though because
both all any each every either neither some many much most more few several other another such
only just also even still then now thus hence however meanwhile moreover furthermore nevertheless
instead indeed perhaps maybe yes no not never always often sometimes one two three four five six
seven eight nine ten first second third last next like according look let please dear oh well
is are was were be been being has have had do does did will would shall should can could may
might must myself yourself himself herself itself ourselves themselves everyone everybody
someone somebody anyone anybody nobody noone others
""")
_FUNCTION_OR_CONNECTOR = _FUNCTION | _CONNECTORS
_HONORIFICS = _wordset("mr mrs ms miss dr sir dame lord")
# Verbs of saying. Forms that are also plural nouns ("Gulf states", "claims") are left out.
_SAY = _wordset("""
said says stated told tells added adds noted remarked warned warns argued argues insisted
insists explained explains wrote writes declared declares announced announces urged urges asked
asks replied replies claimed stressed stresses emphasized emphasised emphasizes emphasises
acknowledged admitted confirmed denied tweeted posted responded recalled predicted suggested
vowed pledged promised threatened demanded criticized criticised praised accused blamed believes
thinks believed thought
""")
# Words after which a capitalized word names an event, not a person ("Hurricane Katrina").
_EVENT_WORDS = _wordset("hurricane typhoon cyclone storm operation")
_AUX = _wordset("has had also later then once again")
_LOCATIVE = _wordset("in at from near outside to into across around toward towards via through "
                     "visited visiting visit reached entered left")
_STRONG_LOCATIVE = _wordset("in near outside")
_REGION_WORDS = _wordset("region oblast province governorate district krai")
_ORG_WORDS = _wordset("""
ministry party council bank agency commission organization organisation university corp
corporation inc company court parliament congress senate army forces union committee department
institute association federation fund office service services navy guard front movement
authority assembly foundation alliance coalition group league club college school hospital
laboratory laboratories centre center museum church airlines airways survey bureau
administration network
""")
_CALENDAR = _wordset("january february march april may june july august september october "
                     "november december monday tuesday wednesday thursday friday saturday sunday")
_BIG_CITY = 100_000
_MAX_NAME_WORDS = 5  # "Mohammed bin Salman Al Saud"; also bounds the work on title-case junk
_SAY_GAP = frozenset(" \t\u00a0\n\"'“”‘’«»")
_MEMO_SIZE = 1 << 17  # distinct words (or gaps, phrases) remembered before starting over
_V = TypeVar("_V")


class _Memo(dict[str, _V], Generic[_V]):
    """A dict that computes and keeps a missing value on first use. Words and the gaps between
    them repeat within and across articles, so each distinct one is looked at once. Bounded: a
    long-running worker meets an unbounded vocabulary."""

    __slots__ = ("_compute",)

    def __init__(self, compute: Callable[[str], _V]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: str) -> _V:
        if len(self) >= _MEMO_SIZE:
            self.clear()
        value = self[key] = self._compute(key)
        return value


# What a word says by itself, wherever it stands, as bits of one byte per token: a column of
# one fact for every token of a text is then cut out in C (``_column``), not word by word.
_CAP = 1  # capitalized, and no contraction ("I'll" is no name)
_UPPER = 2  # all capitals, two letters or more
_LOWER = 4  # starts with a lower-case letter
_CANDIDATE = 8  # may take part in a capitalized run: capitalized, or a connector
_CUT = 16  # ends in a possessive "'s", which is not part of the token
# For the headline test, which looks at words as matched (with any "'s"):
_COUNTED = 32  # not a small word ("of", "the")
_COUNTED_CAP = 64  # counted, and capitalized
_COUNTED_UPPER = 128  # counted, and all capitals
_BIT_TABLES = {bit: bytes(int(flags & bit != 0) for flags in range(256))
               for bit in (_CAP, _UPPER, _LOWER, _CANDIDATE, _CUT, _COUNTED, _COUNTED_CAP,
                           _COUNTED_UPPER)}


def _column(flags: bytes, bit: int) -> bytes:
    """Per token, 1 if its ``flags`` have ``bit``, else 0."""
    return flags.translate(_BIT_TABLES[bit])


def _cut(raw: str) -> str:
    """The token in a word as the token pattern matched it: "Putin's" -> "Putin"."""
    return raw[:-2] if len(raw) > 2 and raw.endswith(("'s", "’s")) else raw


def _word_flags(raw: str) -> int:
    """The flags (``_CAP`` ...) of a word as the token pattern matched it."""
    word = _cut(raw)
    cap = word[0].isupper() and _CONTRACTION.search(word) is None
    counted = raw.lower() not in _HEADLINE_SMALL
    return (
        (_CAP if cap else 0)
        | (_UPPER if len(word) > 1 and word.isupper() else 0)
        | (_LOWER if word[:1].islower() else 0)
        | (_CANDIDATE if cap or _KEYS[raw] in _CONNECTORS else 0)
        | (_CUT if word is not raw else 0)
        | (_COUNTED if counted else 0)
        | (_COUNTED_CAP if counted and raw[0].isupper() else 0)
        | (_COUNTED_UPPER if counted and len(raw) > 1 and raw.isupper() else 0)
    )


# Does a word after a gap (the text since the previous word) open a sentence or clause?
_NEVER = 0  # falsy: the only common answer
_ALWAYS = 1
_NEW_LINE = 2  # always, and the word starts a new line
_UNLESS_ABBREV = 3  # unless the previous word is an abbreviation or an initial ("Gen. Ruiz",
# "Donald J. Trump"), whose dot ends no sentence


def _gap_opens(gap: str) -> int:
    """Whether a word after ``gap`` opens a sentence or clause: ``_NEVER`` ... (see above)."""
    if gap[-1:] in ("\"", "“", "‘", "(", "'"):
        opens = _ALWAYS  # an opening quote or bracket right before the word
    elif _SENTENCE_MARK.search(gap) is None:
        return _NEVER
    else:
        opens = _UNLESS_ABBREV if _ABBREV_GAP.fullmatch(gap) else _ALWAYS
    return _NEW_LINE if "\n" in gap else opens


# Per word as matched: its token's folded key, and its flags.
_KEYS = _Memo(lambda raw: _slow_fold(_cut(raw)))
_FLAGS = _Memo(_word_flags)
_OPENS = _Memo(_gap_opens)
# Gaps that join two words of one capitalized run; or that do after an abbreviation.
_JOINS = _Memo(lambda gap: _RUN_GAP.fullmatch(gap) is not None)
_ABBREV_JOINS = _Memo(lambda gap: _ABBREV_GAP.fullmatch(gap) is not None)


@dataclass(slots=True)
class _Seg:
    """A piece of a capitalized run: a known phrase, or one unknown or function word."""

    kind: str  # org place city title demonym other conn
    i: int  # first token index
    j: int  # last token index (inclusive)
    entry: Entry | None = None
    place: Place | None = None


@dataclass(slots=True)
class _Person:
    i: int
    j: int
    words: list[str]
    role: str | None = None
    country: str | None = None
    derived: bool = False  # found only by resemblance to another name: never the fullest form


@dataclass
class _Doc:
    """A text and its words (tokens), as parallel sequences indexed by token number: an object
    per token cost more than everything done with the tokens afterwards."""

    text: str
    starts: list[int]
    ends: list[int]
    words: list[str]  # as written, without a possessive "'s"
    keys: list[str]  # folded
    caps: bytes  # 1: starts with an upper-case letter (see ``_CAP``)
    uppers: bytes  # 1: all capitals, two letters or more
    initials: list[bool]  # first word of a sentence, of a clause after a colon, quote or bullet
    headlines: list[bool]  # in a headline-style or all-capitals line, where capitals say nothing
    gaps: list[str]  # gaps[k]: the text between tokens k - 1 and k; the last one: the tail
    candidates: list[int]  # tokens that may take part in a capitalized run
    lower_words: frozenset[str]  # words the document itself writes in lower case
    mid_caps: frozenset[str]  # words it capitalizes where capitals mean something
    mentions: list[EntityMention] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # token indices inside a mention
    not_people: set[str] = field(default_factory=set)  # "Katrina" after "Hurricane"
    acronym_orgs: set[str] = field(default_factory=set)  # "BP" once "BP said"
    single_places: list[tuple[int, EntityMention]] = field(default_factory=list)
    persons: list[_Person] = field(default_factory=list)
    countries: dict[str, set[str]] = field(default_factory=dict)  # person name -> countries
    appositions: list[tuple[int, int]] = field(default_factory=list)  # ", the mayor" spans


def find_entities(text: str) -> list[EntityMention]:
    """Every person, place and organization mention in ``text``, sorted by start offset.

    Each mention's ``name`` is canonical (aliases and spelling variants resolved), and
    ``text[m.start:m.end] == m.text``. Mentions never overlap.
    """
    doc = _read(text)
    if doc is None:
        return []
    keys, caps = doc.keys, doc.caps
    if not _EVENT_WORDS.isdisjoint(keys):
        doc.not_people.update(keys[k] for k in range(1, len(keys))
                              if caps[k] and keys[k - 1] in _EVENT_WORDS)
    pending: list[tuple[int, int]] = []
    words = doc.words
    for first, last in _runs(doc):
        if (first == last and keys[first] in _FUNCTION_OR_CONNECTOR
                and _PHRASES[words[first]] is None):
            continue  # a lone "The", "He" (a third of all runs) names nothing: skip the work
        pending.extend(_classify(doc, _segment(doc, first, last)))
    _resolve_people(doc, pending)
    _role_phrases(doc)
    # A person's surname key travels with the mention, so the store can join "Zelensky" to the
    # one stored "Volodymyr Zelenskyy" without knowing how names are keyed.
    return sorted((replace(m, match_key=person_match_key(m.name.split()[-1]))
                   if m.kind == "person" else m for m in doc.mentions),
                  key=lambda m: (m.start, m.end))


# --- tokens -------------------------------------------------------------------------------


def _read(text: str) -> _Doc | None:
    """Split ``text`` into tokens and what is known of each; None when it has no words.

    Per-token work is done in bulk (one split, one memo lookup per word, columns) rather than
    word by word: this runs on every word of every article.
    """
    ascii_words = text.isascii() or _NON_ASCII_WORD_CHAR.search(text) is None
    parts = (_ASCII_TOKEN_SPLIT if ascii_words else _TOKEN_SPLIT).split(text)
    n = len(parts) // 2  # parts: gap, word, gap, word, ..., gap
    if n == 0:
        return None
    raw = parts[1::2]
    keys = list(map(_KEYS.__getitem__, raw))
    flags = bytes(map(_FLAGS.__getitem__, raw))
    caps = _column(flags, _CAP)
    bounds = list(accumulate(map(len, parts)))  # bounds[p]: where parts[p] ends
    starts, ends, gaps = bounds[0:2 * n:2], bounds[1:2 * n:2], parts[0::2]
    words = raw.copy()
    for k in compress(range(n), _column(flags, _CUT)):  # the "'s" goes to the gap after
        words[k] = raw[k][:-2]
        ends[k] -= 2
        gaps[k + 1] = raw[k][-2:] + gaps[k + 1]
    initials = [False] * n
    initials[0] = True
    lines = [0]  # token lines: the tokens from lines[x] to lines[x + 1] - 1 share a line
    opens = list(map(_OPENS.__getitem__, gaps[1:n]))  # opens[k - 1]: before token k
    for k in compress(range(1, n), opens):  # few: most gaps never open a sentence
        code = opens[k - 1]
        if code == _UNLESS_ABBREV:
            prev = keys[k - 1]
            initials[k] = not (prev in _ABBREV or len(prev) == 1)
        else:
            initials[k] = True
            if code == _NEW_LINE:
                lines.append(k)
    lines.append(n)
    headlines = _headlines(raw, words, gaps, lines, flags)
    return _Doc(
        text, starts, ends, words, keys, caps, _column(flags, _UPPER), initials, headlines, gaps,
        candidates=list(compress(range(n), _column(flags, _CANDIDATE))),
        lower_words=frozenset(compress(keys, _column(flags, _LOWER))),
        mid_caps=frozenset(keys[k] for k in compress(range(n), caps)
                           if not initials[k] and not headlines[k]),
    )


def _headlines(raw: list[str], words: list[str], gaps: list[str], lines: list[int],
               flags: bytes) -> list[bool]:
    """Per token: is its line one where capitals carry no information (title case or all
    capitals)? Small words ("of", "the") are not counted; ``raw`` are the words as matched.
    ``lines``: where each line's tokens start (lines without a word do not matter)."""
    counted = _column(flags, _COUNTED)
    counted_caps = _column(flags, _COUNTED_CAP)
    counted_uppers = _column(flags, _COUNTED_UPPER)
    headlines = [False] * len(raw)
    for lo, hi in pairwise(lines):
        size = counted.count(1, lo, hi)
        if size < 2:
            headline = size == 1 and any(
                w.isupper() and len(w) > 4 for w in compress(raw[lo:hi], counted[lo:hi]))
        else:
            headline = counted_uppers.count(1, lo, hi) * 2 >= size or (
                counted_caps.count(1, lo, hi) >= 0.75 * size
                # How the line ends: after its last word, the gap up to the line break.
                and not (words[hi - 1] + gaps[hi].partition("\n")[0]).rstrip().endswith(
                    (".", "?", "!", "”", "\"", ":")))
        if headline:
            headlines[lo:hi] = [True] * (hi - lo)
    return headlines


# --- capitalized runs and their segmentation ----------------------------------------------


def _runs(doc: _Doc) -> Iterator[tuple[int, int]]:
    """Maximal runs of capitalized words (with inner connectors) that no punctuation splits,
    as (first, last) token indices: a run is consecutive tokens."""
    keys, caps, words, uppers, gaps = doc.keys, doc.caps, doc.words, doc.uppers, doc.gaps
    headlines = doc.headlines
    exact = gazetteer().exact
    first = last = -1  # the run so far, if first >= 0
    for k in doc.candidates:
        # All-capital words that are no known acronym ("REVIVES") are headline noise.
        member = caps[k] and not (uppers[k] and (headlines[k] or len(words[k]) > 3)
                                  and words[k] not in exact)
        if first >= 0:
            # Only candidates can be in a run: any other word in between has ended it.
            if last == k - 1 and (member or keys[k] in _CONNECTORS):
                gap, p = gaps[k], k - 1
                if _JOINS[gap] or ((keys[p] in _ABBREV or (len(words[p]) == 1 and caps[p]))
                                   and _ABBREV_JOINS[gap]):
                    last = k
                    continue
            while not caps[last]:  # the first word is capitalized: this stops
                last -= 1
            yield first, last
        first = last = k if member else -1
    if first >= 0:
        while not caps[last]:
            last -= 1
        yield first, last


def _lookup(doc: _Doc, i: int, j: int) -> _Seg | None:
    """What tokens i..j name as a whole, if anything."""
    found = _PHRASES[doc.text[doc.starts[i]:doc.ends[j]]]
    return None if found is None else _Seg(found[0], i, j, found[1], found[2])


def _phrase(surface: str) -> tuple[str, Entry | None, Place | None] | None:
    """What a phrase names as a whole, by its text as written: (segment kind, entry, place).

    The text alone decides (its words and their keys are those of its tokens in the document),
    so the answer is remembered per text: the same names come up in article after article.
    """
    g = gazetteer()
    entry = g.exact.get(surface)
    if entry is None:
        words = _TOKEN.findall(surface)
        if all(_FLAGS[word] & _UPPER for word in words):
            return None  # all capitals: only an acronym written exactly so ("NATO") counts
        key = " ".join(_KEYS[word] for word in words)
        entry = g.folded.get(key)
        if entry is None:
            city = g.cities.get(key)
            return ("city", None, city) if city is not None else None
    return entry.kind, entry, entry.place


_PHRASES = _Memo(_phrase)


def _segment(doc: _Doc, first: int, last: int) -> list[_Seg]:
    """Split a run into the longest known phrases, left to right; unknown words stand alone."""
    keys, caps = doc.keys, doc.caps
    orgs = not _ORG_WORDS.isdisjoint(keys[first:last + 1])  # else no use looking for one
    segs: list[_Seg] = []
    i = first
    while i <= last:
        key = keys[i]
        best: _Seg | None = None
        # A phrase may open with a capitalized "The" ("The Hague") but no other connector.
        if key not in _CONNECTORS or (key == "the" and caps[i]):
            for j in range(min(last, i + MAX_WORDS - 1), i - 1, -1):
                if caps[j]:
                    best = _lookup(doc, i, j)
                    if best is not None:
                        break
        org = _org_pattern(doc, i, last) if orgs else None
        if org is not None and (best is None or org.j > best.j):
            best = org
        if best is None:
            kind = "conn" if (key in _CONNECTORS or key in _FUNCTION) else "other"
            best = _Seg(kind, i, i)
        segs.append(best)
        i = best.j + 1
    return segs


def _org_pattern(doc: _Doc, i: int, last: int) -> _Seg | None:
    """Capitalized words from token i on, in a run ending at token ``last``, that end in an
    organization word ("Russian Defence Ministry"), maybe going on with "of ..." ("Ministry of
    Defence", "Bank of England"); two words at least."""
    keys, caps = doc.keys, doc.caps
    first = keys[i]
    if first in _FUNCTION or first in _CONNECTORS:
        return None
    if doc.initials[i] and (first in doc.lower_words or first in gazetteer().common_words):
        return None  # "Retired Coast Guard ...": the sentence's first word is just capitalized
    if first in _CALENDAR:
        return None  # "Friday BBC World Service"
    end: int | None = None
    for b in range(i, min(last + 1, i + MAX_WORDS)):
        if not caps[b]:
            break  # "Gaza and the West Bank" is two places, not one bank
        if keys[b] in _ORG_WORDS:
            end = b
    if end is None:
        return None
    b = end + 1
    limit = min(last + 1, i + 2 * MAX_WORDS)  # "Bank of Bank of ..." must stop somewhere
    while b + 1 < limit and keys[b] in ("of", "for") and caps[b + 1]:
        b += 2
        while b < limit and caps[b]:
            b += 1
        end = b - 1
    if end == i:
        return None  # a lone "Council" or "Party" says too little
    name = " ".join(doc.text[doc.starts[i]:doc.ends[end]].split())
    return _Seg("org", i, end, Entry("org", name))


# --- classification -----------------------------------------------------------------------


def _emit(doc: _Doc, i: int, j: int, name: str, kind: EntityKind, role: str | None = None,
          place: Place | None = None) -> None:
    start, end = doc.starts[i], doc.ends[j]
    doc.mentions.append(EntityMention(
        start=start, end=end, text=doc.text[start:end], name=name, kind=kind, role=role,
        lat=place.lat if place else None, lon=place.lon if place else None,
    ))
    doc.used.update(range(i, j + 1))


def _classify(doc: _Doc, segs: list[_Seg]) -> list[tuple[int, int]]:
    """Emit the run's organizations and places and its people with evidence of their own.

    Returns the spans of candidate names left for the document-level pass, which takes them as
    people only if they match someone found elsewhere (or a listed well-known person).
    """
    pending: list[tuple[int, int]] = []
    n = len(segs)
    k = 0
    while k < n:
        seg = segs[k]
        if seg.kind in ("other", "city", "place") and _nameish(doc, segs, k):
            e = k
            while e + 1 < n and e - k + 1 < _MAX_NAME_WORDS and _name_part(doc, segs, e + 1):
                e += 1
                if e - k >= 2 and doc.keys[segs[e].i] in gazetteer().given_names:
                    e -= 1  # "... Michael Flanagan Conrad Murray": a second name begins
                    break
            title = segs[k - 1] if k > 0 and segs[k - 1].kind == "title" else None
            person = _person_from(doc, segs, k, e, title)
            if person is not None:
                doc.persons.append(person)
                doc.used.update(range(person.i, person.j + 1))
                k = e + 1
                continue
            if seg.kind == "other":
                pending.append((seg.i, segs[e].j))
                k = e + 1 if all(s.kind in ("other", "conn") for s in segs[k:e + 1]) else k + 1
                continue
        if seg.kind == "other" and doc.uppers[seg.i]:
            if _said_after(doc, seg.i) or _said_before(doc, seg.i, seg.i):
                doc.acronym_orgs.add(doc.words[seg.i])  # "BP said": a body, not a person
            pending.append((seg.i, seg.i))
        elif seg.kind == "org" and seg.entry is not None:
            _emit(doc, seg.i, seg.j, seg.entry.name, "org")
        elif seg.kind in ("place", "city") and seg.place is not None:
            region = _region_after(doc, seg)
            if region is not None:
                _emit(doc, seg.i, region[0], region[1].name, "place", place=region[1])
            elif _place_ok(doc, seg, (k > 0 and segs[k - 1].kind == "other")
                           or (k + 1 < n and segs[k + 1].kind == "other"),
                           k + 1 < n and segs[k + 1].kind != "conn"):
                _emit(doc, seg.i, seg.j, seg.place.name, "place", place=seg.place)
                if seg.i == seg.j:  # may turn out to be a surname ("Jackson", "Hayward")
                    doc.single_places.append((seg.i, doc.mentions[-1]))
            elif seg.i == seg.j:
                pending.append((seg.i, seg.j))
        k += 1
    return pending


def _region_after(doc: _Doc, seg: _Seg) -> tuple[int, Place] | None:
    """A place followed by a region word ("the Donetsk region") names the region around it."""
    k = seg.j + 1
    keys = doc.keys
    base = seg.place
    if (base is None or k >= len(keys) or keys[k] not in _REGION_WORDS
            or not _JOINS[doc.gaps[k]]):
        return None
    g = gazetteer()
    stem = " ".join(keys[seg.i:seg.j + 1])
    entry = g.folded.get(f"{stem} {keys[k]}") or g.folded.get(f"{stem} region")
    if entry is not None and entry.place is not None:
        return k, entry.place
    if seg.kind != "city":
        return None  # "U.S. District Judge" is no region
    word = "region" if keys[k] == "region" else doc.words[k].capitalize()
    return k, Place(f"{base.name} {word}", "region", base.lat, base.lon, base.country)


def _place_ok(doc: _Doc, seg: _Seg, by_unknown: bool, before_capital: bool) -> bool:
    """Is this gazetteer place, in this context, really a place mention?

    A name that is also an ordinary word, a given name or a listed person's name ("Reading",
    "Chad", "Obama") needs a locative context ("in Reading"); so does a one-word town under
    100,000 people, a name of three letters or fewer, or one matched only by an alternate
    spelling, unless a state or country follows it ("Paducah, Kentucky"). A one-word city next
    to an unknown capitalized word is part of a longer name ("Bar Harbor", "Ken Livingstone"),
    and an ambiguous one before any capitalized word too ("Central America").
    """
    keys = doc.keys
    place = seg.place
    if place is None:
        return False
    g = gazetteer()
    key = " ".join(keys[seg.i:seg.j + 1])
    first = seg.i
    located = (first > 0 and keys[first - 1] in _LOCATIVE and not doc.initials[first]
               and not doc.headlines[first])
    if known_full_name(key) is not None or key in doc.not_people or key in _CALENDAR:
        return False  # "Obama" is also a town in Japan, "March" one in England
    single_city = seg.kind == "city" and seg.i == seg.j
    if single_city and by_unknown and not doc.headlines[first]:
        return False
    if key in g.common_words or key in g.given_names or key in doc.lower_words:
        # Only a strong locative will do: "a call from Mary" is from a person.
        return (located and keys[first - 1] in _STRONG_LOCATIVE and not before_capital
                and not _said_after(doc, seg.j))
    if not single_city:
        return True
    if (place.population < _BIG_CITY or len(doc.words[first]) <= 3
            or (key in g.city_alternates and place.population < 1_000_000)):
        return located or _next_is_place(doc, seg.j)
    return True


def _next_is_place(doc: _Doc, j: int) -> bool:
    if j + 1 >= len(doc.keys) or doc.gaps[j + 1].strip() != ",":
        return False
    seg = _lookup(doc, j + 1, j + 1)
    return seg is not None and seg.kind == "place"


# --- people -------------------------------------------------------------------------------


def _nameish(doc: _Doc, segs: list[_Seg], k: int) -> bool:
    """Can segment k start a person's name?"""
    seg = segs[k]
    i = seg.i
    key = doc.keys[i]
    if (i != seg.j or key in _FUNCTION or key in _CONNECTORS or key in doc.not_people
            or (len(doc.words[i]) == 1 and not _initial_dot(doc, i))):
        return False
    if doc.uppers[i]:  # an acronym starts a name only before more of it ("JD Vance")
        return (k + 1 < len(segs) and segs[k + 1].kind == "other"
                and not doc.uppers[segs[k + 1].i])
    if seg.kind == "other":
        return True
    # A place word starts a name after a title ("President Jordan"), or before an unknown word
    # when it is a city or a given name ("Chad Miller").
    if k > 0 and segs[k - 1].kind == "title":
        return True
    before_other = (k + 1 < len(segs) and segs[k + 1].kind == "other"
                    and _name_part(doc, segs, k + 1))
    return before_other and (seg.kind == "city" or key in gazetteer().given_names)


def _name_part(doc: _Doc, segs: list[_Seg], k: int) -> bool:
    """Can segment k continue a person's name?"""
    seg = segs[k]
    key = doc.keys[seg.i]
    if seg.kind == "title" and seg.i == seg.j and key not in _HONORIFICS:
        # "Martin Luther King": a title word after a name, with no name after it, is a name.
        return k + 1 == len(segs) or segs[k + 1].kind not in ("other", "city")
    if seg.i != seg.j or seg.kind not in ("other", "city", "conn"):
        return False
    if seg.kind == "conn":  # "Ursula von der Leyen": particles only before more of the name
        rest = k + 1
        while rest < len(segs) and segs[rest].kind == "conn":
            rest += 1
        return (key in _NAME_PARTICLES and rest < len(segs) and segs[rest].kind == "other"
                and all(doc.keys[segs[x].i] in _NAME_PARTICLES for x in range(k, rest)))
    if seg.kind == "city" and _next_is_place(doc, seg.j):
        return False  # "by Ann Lee Venice, Louisiana": the place ends the name
    return (key not in _FUNCTION and key not in doc.not_people and not doc.uppers[seg.i]
            and (len(doc.words[seg.i]) > 1 or _initial_dot(doc, seg.i)))


def _initial_dot(doc: _Doc, i: int) -> bool:
    return len(doc.words[i]) == 1 and doc.caps[i] == 1 and doc.gaps[i + 1][:1] == "."


def _said_after(doc: _Doc, j: int) -> bool:
    """Is a name ending at token j followed by a verb of saying ("Ruiz said", "Ruiz has said")?"""
    keys = doc.keys
    k = j + 1
    while k < len(keys) and keys[k] in _AUX and k - j < 3:
        k += 1
    return k < len(keys) and keys[k] in _SAY and _SAY_GAP.issuperset(doc.gaps[j + 1])


def _said_before(doc: _Doc, i: int, j: int) -> bool:
    """Is name i..j preceded by "said" or "according to", and closed by punctuation (", said
    Ruiz." but not "has said Ruiz was ...", where the name starts reported speech)?"""
    keys = doc.keys
    if i == 0 or not _SAY_GAP.issuperset(doc.gaps[i]):
        return False
    after = doc.gaps[j + 1].strip(" \t\u00a0\"'”’")
    closed = after[:1] in (",", ".", ";", ":", ")", "!", "?", "\u2014", "\u2013", "\n") or (
        not after and j + 1 == len(keys))
    if not closed:
        return False
    prev = keys[i - 1]
    return prev in _SAY or (prev == "to" and i > 1 and keys[i - 2] == "according")


def _lower_title_before(doc: _Doc, i: int) -> tuple[str, str | None] | None:
    """A lower-case title right before token i ("spokesman", "foreign minister"), as written,
    and the country of a demonym or country right before it ("Russian foreign minister")."""
    keys, caps, gaps = doc.keys, doc.caps, doc.gaps
    if i == 0 or keys[i - 1] not in _title_endings():
        return None  # no title ends with the word before: the common case, answered at once
    folded = gazetteer().folded
    for size in (3, 2, 1):
        a = i - size
        if a < 0 or any(caps[x] for x in range(a, i)):
            continue
        if not all(_JOINS[gaps[x]] for x in range(a + 1, i + 1)):
            continue
        entry = folded.get(" ".join(keys[a:i]))
        if entry is None or entry.kind != "title":
            continue
        role = " ".join(doc.text[doc.starts[a]:doc.ends[i - 1]].split())
        country = None
        if a > 0 and _JOINS[gaps[a]]:
            seg = _lookup(doc, a - 1, a - 1)
            country = _country_of_seg(seg) if seg is not None else None
        return role, country
    return None


@functools.cache
def _title_endings() -> frozenset[str]:
    """The last words of every title: "minister", "foreign minister" for "foreign minister"."""
    endings: set[str] = set()
    for key, entry in gazetteer().folded.items():
        if entry.kind == "title":
            words = key.split()
            endings.update(" ".join(words[x:]) for x in range(len(words)))
    return frozenset(endings)


def _person_from(doc: _Doc, segs: list[_Seg], k: int, e: int, title: _Seg | None) -> _Person | None:
    """A person from name segments k..e when some evidence says so, else None."""
    keys = doc.keys
    g = gazetteer()
    i, j = segs[k].i, segs[e].j
    words = doc.words[i:j + 1]
    first = keys[i]
    multi = j > i
    # An ordinary English word is not a name word; nor, without strong evidence (a title, a
    # given name, an apposition), is one the document itself writes in lower case ("price").
    plain = [key for key in keys[i:j + 1] if key not in _NAME_PARTICLES]
    if any(key in g.common_words for key in plain):
        return None
    weak = any(key in doc.lower_words for key in plain)
    headline = doc.headlines[i]
    if title is not None and not headline:  # "Major Oil Slump" is a headline
        end = doc.ends[title.j]
        if keys[title.j] in _ABBREV and doc.text[end:end + 1] == ".":
            end += 1  # "Gen." as written
        role = " ".join(doc.text[doc.starts[title.i]:end].split())
        country = _country_of_seg(segs[k - 2]) if k >= 2 else None
        return _Person(i, j, words, None if fold(role) in _HONORIFICS else role, country)
    if headline:
        return None
    lower_title = _lower_title_before(doc, i)
    if lower_title is not None:
        return _Person(i, j, words, lower_title[0], lower_title[1])
    if multi and first in g.given_names:
        return _Person(i, j, words)
    if multi and _apposition(doc, j) is not None:
        return _Person(i, j, words)  # "Lena Berg, the president of Finland,"
    if k > 0 and segs[k - 1].kind in ("place", "demonym"):
        return None  # "the US Geological Survey said": a body named after its country
    # "Ministers said": a lone sentence-initial plural-looking word needs to be capitalized
    # mid-sentence elsewhere too.
    if (not weak and (_said_after(doc, j) or _said_before(doc, i, j))
            and (multi or not doc.initials[i] or first in doc.mid_caps
                 or not first.endswith("s"))):
        return _Person(i, j, words)
    return None


def _country_of_seg(seg: _Seg) -> str | None:
    """The country a demonym or country segment names ("Turkish", "UK"), else None."""
    if seg.kind == "demonym" and seg.entry is not None:
        return seg.entry.name
    if seg.kind == "place" and seg.place is not None and seg.place.kind == "country":
        return seg.place.name
    return None


def _resolve_people(doc: _Doc, pending: list[tuple[int, int]]) -> None:
    """Take candidate names matching someone found (or listed) as people; name everyone."""
    words = doc.words
    strong = list(doc.persons)
    surnames = {word_key(p.words[-1]) for p in strong}
    # Full names found with evidence, as sets of key words by surname (see ``_compatible``).
    full_names = _WordSets()
    for person in strong:
        if len(person.words) > 1:
            full = raw_person_key(" ".join(person.words)).split()
            if full:
                full_names.add(full[-1], full)
    # A one-word "place" that is the surname of someone in the document is that person.
    removed: set[int] = set()
    for i, m in doc.single_places:
        if word_key(words[i]) in surnames:
            # By identity: comparing mentions field by field would be slow, and no two are equal.
            # All removed in one pass below: one deletion at a time is quadratic in a long text.
            removed.add(id(m))
            doc.used.discard(i)
            pending.append((i, i))
    if removed:
        doc.mentions = [m for m in doc.mentions if id(m) not in removed]
    # Any resemblance ``_resolve_candidate`` finds ends on a word that is one of these (a listed
    # person's, a surname or a full name's): a candidate without one (most: "Officials",
    # "Monday") is no one, as can be told at once.
    listed = listed_name_words()
    wanted = None if listed is None else listed | surnames | full_names.groups.keys()
    keys = doc.keys
    for i, j in pending:
        if not doc.used.isdisjoint(range(i, j + 1)):
            continue
        if i == j and words[i] in doc.acronym_orgs:
            _emit(doc, i, i, words[i], "org")
            continue
        if wanted is not None and all(wanted.isdisjoint(_NAME_ENDS[keys[x]])
                                      for x in range(i, j + 1)):
            continue
        p = _resolve_candidate(doc, i, j, surnames, full_names)
        if p is not None:
            doc.persons.append(p)
            doc.used.update(range(p.i, p.j + 1))
    canon = _canonical_names(doc.persons)
    for p in doc.persons:
        found = _apposition(doc, p.j)
        if found is not None:
            doc.appositions.append((doc.ends[p.j], found[2]))
            if p.role is None:
                p.role, p.country = found[0], found[1] or p.country
        name = canon[" ".join(p.words)]
        _emit(doc, p.i, p.j, name, "person", role=p.role)
        if p.country:
            doc.countries.setdefault(name, set()).add(p.country)


def _name_ends(key: str) -> frozenset[str]:
    """What a name ending in a token with this folded key may end on, as ``_resolve_candidate``
    compares names: the token's spelling key, its words and their spelling keys."""
    words = key.split()
    return frozenset([word_key(key), *words, *map(word_key, words)])


_NAME_ENDS = _Memo(_name_ends)


def _apposition(doc: _Doc, j: int) -> tuple[str, str | None, int] | None:
    """A role in apposition after a name ending at token j, as written, with its country:
    "Ana Ruiz, the mayor," "Ivan Sorokin, Russia's foreign minister," "Lena Berg, the
    president of Finland." Also returns where the apposition ends in the text."""
    keys, caps, gaps = doc.keys, doc.caps, doc.gaps
    n = len(keys)
    k = j + 1
    if k >= n or gaps[k].strip() != ",":
        return None
    if keys[k] in ("the", "a", "an") and not caps[k]:
        k += 1
    country: str | None = None
    if k < n and caps[k]:
        seg = _lookup(doc, k, k)
        country = _country_of_seg(seg) if seg is not None else None
        if country is None:
            return None
        k += 1
    folded = gazetteer().folded
    for size in (3, 2, 1):
        e = k + size - 1
        if e >= n or any(caps[x] for x in range(k, e + 1)):
            continue
        entry = folded.get(" ".join(keys[k:e + 1]))
        if entry is None or entry.kind != "title" or keys[e] in _HONORIFICS:
            continue
        after = gaps[e + 1] if e + 1 < n else "."
        nxt = keys[e + 1] if e + 1 < n else ""
        if after.strip()[:1] not in (",", ".", ";", ")") and nxt not in ("of", "for", "at"):
            return None
        if nxt == "of" and after.strip() == "" and country is None and e + 2 < n:
            seg = _lookup(doc, e + 2, e + 2)
            country = _country_of_seg(seg) if seg is not None else None
        role = " ".join(doc.text[doc.starts[k]:doc.ends[e]].split())
        return role, country, doc.ends[e]
    return None


def _resolve_candidate(doc: _Doc, i: int, j: int, surnames: set[str],
                       full_names: _WordSets) -> _Person | None:
    """The person a candidate name i..j is, by resemblance to people found with evidence.

    Words that carry no information (a headline's words, a sentence's first word, ordinary
    words) may be dropped from either end: "Comrade Ruiz Wins Again" in a headline is "Ruiz".
    A plain capitalized first name before a known surname makes a namesake ("Thierry Fischer"
    beside "Adam Fischer"), a person of their own. ``full_names``: the key words of each full
    name found, by surname.
    """
    keys, headlines, initials = doc.keys, doc.headlines, doc.initials
    common = gazetteer().common_words
    if j - i >= _MAX_NAME_WORDS:
        return None

    def ordinary(x: int) -> bool:
        return keys[x] in common or keys[x] in doc.lower_words

    def droppable(x: int, leading: bool) -> bool:
        return headlines[x] or ordinary(x) or (leading and initials[x])

    def junk(x: int) -> bool:
        if doc.uppers[x] or keys[x] in doc.not_people:
            return True
        # "Young voters ..." opening a sentence is no Mr Young; "Young said ..." is.
        return ordinary(x) and (headlines[x] or (initials[x] and not _said_after(doc, x)))

    for b in range(j, i - 1, -1):
        if b < j and not droppable(b + 1, leading=False):
            break
        for a in range(i, b + 1):
            if a > i and not droppable(a - 1, leading=True):
                break
            if any(junk(x) for x in range(a, b + 1)):
                continue
            words = doc.words[a:b + 1]
            name = " ".join(words)
            key = raw_person_key(name).split()
            if (known_full_name(name) is not None
                    or (a == b and word_key(words[-1]) in surnames)
                    or (key and full_names.holding(key[-1], key))):
                return _Person(a, b, words, derived=True)
            if (a < b and word_key(words[-1]) in surnames and not droppable(a, leading=True)
                    and b == j):
                return _Person(a, b, words)  # a namesake: counts as a full name of its own
    return None


class _WordSets:
    """Sets of words, each in a group (a surname): which sets of a group hold given words.

    Answered from an index of the sets by word, so a document naming thousands of people of
    one surname is not compared name by name with each of them (quadratic in its length).
    """

    __slots__ = ("_by_word", "_sets", "groups")

    def __init__(self) -> None:
        self._sets: list[frozenset[str]] = []
        self.groups: dict[str, list[int]] = {}  # group -> its sets, in the order added
        self._by_word: dict[tuple[str, str], list[int]] = {}  # (group, word) -> sets

    def add(self, group: str, words: Iterable[str]) -> None:
        index = len(self._sets)
        self._sets.append(frozenset(words))
        self.groups.setdefault(group, []).append(index)
        for word in self._sets[index]:
            self._by_word.setdefault((group, word), []).append(index)

    def holding(self, group: str, words: Iterable[str]) -> list[int]:
        """The sets (by number, in the order added) of ``group`` that hold all of ``words``."""
        wanted = frozenset(words)
        if not wanted:
            return list(self.groups.get(group, ()))
        postings = [self._by_word.get((group, word), []) for word in wanted]
        fewest = min(postings, key=len)
        return [index for index in fewest if wanted <= self._sets[index]]


def _compatible(short: str, full: str) -> bool:
    """Can keyed name ``short`` be a shorter form of ``full``? Same surname, and every word of
    the shorter in the longer ("tayip erdogan" ~ "recep tayip erdogan")."""
    a, b = short.split(), full.split()
    return bool(a) and bool(b) and a[-1] == b[-1] and all(w in b for w in a)


def _canonical_names(persons: list[_Person]) -> dict[str, str]:
    """Canonical name for each distinct written name of a person in one document.

    The listed full name of a well-known person wins (stable across articles) when it agrees
    with the document; otherwise the fullest form in the document, when only one person with
    that surname is named in full; otherwise the name as written.

    The full names a name may be short for are looked up in an index (``_WordSets``), once per
    distinct key: compared pairwise, a document naming thousands of people of one surname took
    time cubic in their number.
    """
    keys = {w: raw_person_key(w) for w in {" ".join(p.words) for p in persons}}
    full_by_surname: dict[str, list[str]] = {}
    for w in {" ".join(p.words) for p in persons if not p.derived}:
        if " " in keys[w]:
            full_by_surname.setdefault(keys[w].split()[-1], []).append(w)
    index = _WordSets()
    written: list[str] = []  # index's set number -> the full name as written
    for surname, fulls_of_surname in full_by_surname.items():
        for f in fulls_of_surname:
            index.add(surname, keys[f].split())
            written.append(f)
    # Per key: the full names it is compatible with (``_compatible``: same surname, its words
    # among theirs), in the order above; the distinct people among them (full names that are
    # no shorter form of another one); and the fullest of them.
    resolved: dict[str, tuple[list[str], set[str]]] = {}
    maximal: dict[str, bool] = {}

    def is_maximal(full_key: str) -> bool:
        # A longer form of a full name has its words, so it is among the names compatible with
        # any key the full name is: being a shorter form is a fact of the surname's names.
        if full_key not in maximal:
            words = full_key.split()
            maximal[full_key] = all(keys[written[o]] == full_key
                                    for o in index.holding(words[-1], words))
        return maximal[full_key]

    def compatible_fulls(key: str) -> tuple[list[str], set[str]]:
        if key not in resolved:
            words = key.split()
            fulls = [written[x] for x in index.holding(words[-1], words)]
            resolved[key] = fulls, {keys[f] for f in fulls if is_maximal(keys[f])}
        return resolved[key]

    out: dict[str, str] = {}
    fullest: dict[str, str] = {}
    for w, key in keys.items():
        if not key:
            out[w] = w
            continue
        fulls, distinct = compatible_fulls(key)
        known = known_full_name(w)
        known_key = raw_person_key(known) if known else ""
        if (known is not None and (" " not in key or _compatible(key, known_key))
                and (not distinct or any(_compatible(d, known_key) for d in distinct))):
            out[w] = known
        elif len(distinct) == 1:
            if key not in fullest:
                fullest[key] = max(fulls, key=lambda f: (len(keys[f].split()), len(f)))
            out[w] = fullest[key]
        else:
            out[w] = w
    return out


# --- role phrases -------------------------------------------------------------------------

_TITLE_WORDS = (
    r"(?i:(?:vice |deputy |prime |foreign |defen[cs]e |finance |interior |justice )?"
    r"(?:president|minister|chancellor|secretary|premier)|king|queen|leader|ambassador|envoy|"
    r"secretary of state|foreign secretary|defen[cs]e secretary)"
)
_ROLE_PHRASE = re.compile(
    r"\b[Tt]he\s+([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s+(" + _TITLE_WORDS + r")\b(?!\s+[A-Z])"
    r"|\b([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)['’]s\s+(" + _TITLE_WORDS + r")\b(?!\s+[A-Z])"
)


def _role_phrases(doc: _Doc) -> None:
    """"the Ukrainian president", "Ukraine's president": the one person of that role and
    country the document names, if there is exactly one; otherwise no mention."""
    holders: dict[tuple[str, str], set[str]] = {}
    for m in doc.mentions:
        if m.kind == "person" and m.role:
            for held in doc.countries.get(m.name, ()):
                holders.setdefault((fold(m.role), held), set()).add(m.name)
    if not holders:
        return
    # Whether a span overlaps one taken: the taken spans sorted by start, with the farthest
    # end reached so far, so each phrase costs a bisection, not a pass over every mention.
    taken = sorted([(m.start, m.end) for m in doc.mentions] + doc.appositions)
    taken_starts = [s for s, _ in taken]
    taken_reach = list(accumulate((e for _, e in taken), max))
    g = gazetteer()
    for rm in _ROLE_PHRASE.finditer(doc.text):
        group = 1 if rm.group(1) is not None else 3
        where, role = str(rm.group(group)), str(rm.group(group + 1))
        country: str | None = None
        if group == 1:
            country = country_of_demonym(where)
        else:
            entry = g.folded.get(fold(where)) or g.exact.get(where)
            if entry is not None and entry.place is not None and entry.place.kind == "country":
                country = entry.name
        # "Ukraine's president" names the president; "Ukraine" stays a place mention.
        start, end = rm.start(group if group == 1 else group + 1), rm.end(group + 1)
        names = holders.get((fold(role), country or ""), set())
        before = bisect.bisect_left(taken_starts, end)  # taken spans starting before the end
        if len(names) == 1 and not (before and taken_reach[before - 1] > start):
            doc.mentions.append(EntityMention(
                start, end, doc.text[start:end], next(iter(names)), "person", role=role))
