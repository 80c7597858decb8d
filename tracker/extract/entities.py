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

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tracker.extract.entity_names import (
    known_full_name,
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
_POSSESSIVE = re.compile(r"['’]s$")
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


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    text: str
    key: str  # folded text
    cap: bool  # starts with an upper-case letter
    upper: bool  # all capitals, two letters or more
    initial: bool  # first word of a sentence, of a clause after a colon, quote or bullet
    headline: bool  # in a headline-style or all-capitals line, where capitals say nothing


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
    text: str
    toks: list[_Tok]
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
    toks = list(_tokenize(text))
    if not toks:
        return []
    doc = _Doc(
        text, toks,
        lower_words=frozenset(t.key for t in toks if t.text[:1].islower()),
        mid_caps=frozenset(t.key for t in toks if t.cap and not t.initial and not t.headline),
    )
    doc.not_people.update(
        t.key for k, t in enumerate(toks[1:], 1) if t.cap and toks[k - 1].key in _EVENT_WORDS)
    pending: list[tuple[int, int]] = []
    for run in _runs(doc):
        pending.extend(_classify(doc, _segment(doc, run)))
    _resolve_people(doc, pending)
    _role_phrases(doc)
    return sorted(doc.mentions, key=lambda m: (m.start, m.end))


# --- tokens -------------------------------------------------------------------------------


def _tokenize(text: str) -> Iterator[_Tok]:
    line_flags = _headline_lines(text)
    prev_end = 0
    prev_key = ""
    line_no = 0
    for m in _TOKEN.finditer(text):
        start, end = m.start(), m.end()
        word = m.group()
        if len(word) > 2 and _POSSESSIVE.search(word):
            end -= 2
            word = word[:-2]
        cap = word[0].isupper() and _CONTRACTION.search(word) is None  # "I'll" is no name
        gap = text[prev_end:start]
        line_no += gap.count("\n")
        key = fold(word)
        yield _Tok(
            start, end, word, key, cap, len(word) > 1 and word.isupper(),
            prev_end == 0 or _starts_sentence(gap, prev_key), line_flags[line_no],
        )
        prev_end, prev_key = end, key


def _starts_sentence(gap: str, prev_key: str) -> bool:
    """Does a word after ``gap`` (the text since the previous word) open a sentence or clause?"""
    if gap[-1:] in ("\"", "“", "‘", "(", "'"):
        return True  # an opening quote or bracket right before the word
    if _SENTENCE_MARK.search(gap) is None:
        return False
    # "Gen. Ruiz", "Donald J. Trump": the dot ends an abbreviation, not a sentence.
    return not ((prev_key in _ABBREV or len(prev_key) == 1) and _ABBREV_GAP.fullmatch(gap))


def _headline_lines(text: str) -> list[bool]:
    """Per line: True when capitals carry no information (title case or all capitals)."""
    flags = []
    for line in text.split("\n"):
        words = [w for w in _TOKEN.findall(line) if w.lower() not in _HEADLINE_SMALL]
        if len(words) < 2:
            flags.append(len(words) == 1 and words[0].isupper() and len(words[0]) > 4)
            continue
        caps = sum(1 for w in words if w[0].isupper())
        upper = sum(1 for w in words if w.isupper() and len(w) > 1)
        flags.append(
            upper * 2 >= len(words)
            or (caps >= 0.75 * len(words)
                and not line.rstrip().endswith((".", "?", "!", "”", "\"", ":")))
        )
    return flags


# --- capitalized runs and their segmentation ----------------------------------------------


def _runs(doc: _Doc) -> Iterator[list[int]]:
    """Maximal runs of capitalized words (with inner connectors) that no punctuation splits."""
    toks, text = doc.toks, doc.text
    exact = gazetteer().exact
    run: list[int] = []
    for k, t in enumerate(toks):
        # All-capital words that are no known acronym ("REVIVES") are headline noise.
        member = t.cap and not (t.upper and (t.headline or len(t.text) > 3)
                                and t.text not in exact)
        joined = False
        if run:
            prev = toks[k - 1]
            gap = text[prev.end:t.start]
            joined = _RUN_GAP.fullmatch(gap) is not None or (
                (prev.key in _ABBREV or (len(prev.text) == 1 and prev.cap))
                and _ABBREV_GAP.fullmatch(gap) is not None)
        if joined and (member or t.key in _CONNECTORS):
            run.append(k)
            continue
        if run:
            yield _trim(doc, run)
        run = [k] if member else []
    if run:
        yield _trim(doc, run)


def _trim(doc: _Doc, run: list[int]) -> list[int]:
    while run and not doc.toks[run[-1]].cap:
        run.pop()
    return run


def _lookup(doc: _Doc, i: int, j: int) -> _Seg | None:
    """What tokens i..j name as a whole, if anything."""
    g = gazetteer()
    toks = doc.toks
    entry = g.exact.get(doc.text[toks[i].start:toks[j].end])
    if entry is None:
        if all(toks[x].upper for x in range(i, j + 1)):
            return None  # all capitals: only an acronym written exactly so ("NATO") counts
        key = " ".join(toks[x].key for x in range(i, j + 1))
        entry = g.folded.get(key)
        if entry is None:
            city = g.cities.get(key)
            return _Seg("city", i, j, None, city) if city is not None else None
    return _Seg(entry.kind, i, j, entry, entry.place)


def _segment(doc: _Doc, run: list[int]) -> list[_Seg]:
    """Split a run into the longest known phrases, left to right; unknown words stand alone."""
    toks = doc.toks
    segs: list[_Seg] = []
    a = 0
    while a < len(run):
        i = run[a]
        best: _Seg | None = None
        # A phrase may open with a capitalized "The" ("The Hague") but no other connector.
        if toks[i].key not in _CONNECTORS or (toks[i].key == "the" and toks[i].cap):
            for b in range(min(len(run), a + MAX_WORDS) - 1, a - 1, -1):
                if toks[run[b]].cap:
                    best = _lookup(doc, i, run[b])
                    if best is not None:
                        break
        org = _org_pattern(doc, run, a)
        if org is not None and (best is None or org.j > best.j):
            best = org
        if best is None:
            kind = "conn" if (toks[i].key in _CONNECTORS or toks[i].key in _FUNCTION) else "other"
            best = _Seg(kind, i, i)
        segs.append(best)
        a = run.index(best.j, a) + 1
    return segs


def _org_pattern(doc: _Doc, run: list[int], a: int) -> _Seg | None:
    """Capitalized words ending in an organization word ("Russian Defence Ministry"), maybe
    going on with "of ..." ("Ministry of Defence", "Bank of England"); two words at least."""
    toks = doc.toks
    first = toks[run[a]]
    if first.key in _FUNCTION or first.key in _CONNECTORS:
        return None
    if first.initial and (first.key in doc.lower_words or first.key in gazetteer().common_words):
        return None  # "Retired Coast Guard ...": the sentence's first word is just capitalized
    if first.key in _CALENDAR:
        return None  # "Friday BBC World Service"
    end: int | None = None
    for b in range(a, min(len(run), a + MAX_WORDS)):
        t = toks[run[b]]
        if not t.cap:
            break  # "Gaza and the West Bank" is two places, not one bank
        if t.key in _ORG_WORDS:
            end = b
    if end is None:
        return None
    b = end + 1
    limit = min(len(run), a + 2 * MAX_WORDS)  # "Bank of Bank of ..." must stop somewhere
    while b + 1 < limit and toks[run[b]].key in ("of", "for") and toks[run[b + 1]].cap:
        b += 2
        while b < limit and toks[run[b]].cap:
            b += 1
        end = b - 1
    if end == a:
        return None  # a lone "Council" or "Party" says too little
    name = " ".join(doc.text[toks[run[a]].start:toks[run[end]].end].split())
    return _Seg("org", run[a], run[end], Entry("org", name))


# --- classification -----------------------------------------------------------------------


def _emit(doc: _Doc, i: int, j: int, name: str, kind: EntityKind, role: str | None = None,
          place: Place | None = None) -> None:
    start, end = doc.toks[i].start, doc.toks[j].end
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
                if e - k >= 2 and doc.toks[segs[e].i].key in gazetteer().given_names:
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
        if seg.kind == "other" and doc.toks[seg.i].upper:
            t = doc.toks[seg.i]
            if _said_after(doc, seg.i) or _said_before(doc, seg.i, seg.i):
                doc.acronym_orgs.add(t.text)  # "BP said": a body, not a person
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
    toks = doc.toks
    base = seg.place
    if (base is None or k >= len(toks) or toks[k].key not in _REGION_WORDS
            or not _RUN_GAP.fullmatch(doc.text[toks[seg.j].end:toks[k].start])):
        return None
    g = gazetteer()
    stem = " ".join(toks[x].key for x in range(seg.i, seg.j + 1))
    entry = g.folded.get(f"{stem} {toks[k].key}") or g.folded.get(f"{stem} region")
    if entry is not None and entry.place is not None:
        return k, entry.place
    if seg.kind != "city":
        return None  # "U.S. District Judge" is no region
    word = "region" if toks[k].key == "region" else toks[k].text.capitalize()
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
    toks = doc.toks
    place = seg.place
    if place is None:
        return False
    g = gazetteer()
    key = " ".join(toks[x].key for x in range(seg.i, seg.j + 1))
    first = toks[seg.i]
    located = (seg.i > 0 and toks[seg.i - 1].key in _LOCATIVE and not first.initial
               and not first.headline)
    if known_full_name(key) is not None or key in doc.not_people or key in _CALENDAR:
        return False  # "Obama" is also a town in Japan, "March" one in England
    single_city = seg.kind == "city" and seg.i == seg.j
    if single_city and by_unknown and not first.headline:
        return False
    if key in g.common_words or key in g.given_names or key in doc.lower_words:
        # Only a strong locative will do: "a call from Mary" is from a person.
        return (located and toks[seg.i - 1].key in _STRONG_LOCATIVE and not before_capital
                and not _said_after(doc, seg.j))
    if not single_city:
        return True
    if (place.population < _BIG_CITY or len(first.text) <= 3
            or (key in g.city_alternates and place.population < 1_000_000)):
        return located or _next_is_place(doc, seg.j)
    return True


def _next_is_place(doc: _Doc, j: int) -> bool:
    toks = doc.toks
    if j + 1 >= len(toks) or doc.text[toks[j].end:toks[j + 1].start].strip() != ",":
        return False
    seg = _lookup(doc, j + 1, j + 1)
    return seg is not None and seg.kind == "place"


# --- people -------------------------------------------------------------------------------


def _nameish(doc: _Doc, segs: list[_Seg], k: int) -> bool:
    """Can segment k start a person's name?"""
    seg = segs[k]
    t = doc.toks[seg.i]
    if (seg.i != seg.j or t.key in _FUNCTION or t.key in _CONNECTORS or t.key in doc.not_people
            or (len(t.text) == 1 and not _initial_dot(doc, seg.i))):
        return False
    if t.upper:  # an acronym starts a name only before more of it ("JD Vance")
        return (k + 1 < len(segs) and segs[k + 1].kind == "other"
                and not doc.toks[segs[k + 1].i].upper)
    if seg.kind == "other":
        return True
    # A place word starts a name after a title ("President Jordan"), or before an unknown word
    # when it is a city or a given name ("Chad Miller").
    if k > 0 and segs[k - 1].kind == "title":
        return True
    before_other = (k + 1 < len(segs) and segs[k + 1].kind == "other"
                    and _name_part(doc, segs, k + 1))
    return before_other and (seg.kind == "city" or t.key in gazetteer().given_names)


def _name_part(doc: _Doc, segs: list[_Seg], k: int) -> bool:
    """Can segment k continue a person's name?"""
    seg = segs[k]
    t = doc.toks[seg.i]
    if seg.kind == "title" and seg.i == seg.j and t.key not in _HONORIFICS:
        # "Martin Luther King": a title word after a name, with no name after it, is a name.
        return k + 1 == len(segs) or segs[k + 1].kind not in ("other", "city")
    if seg.i != seg.j or seg.kind not in ("other", "city", "conn"):
        return False
    if seg.kind == "conn":  # "Ursula von der Leyen": particles only before more of the name
        rest = k + 1
        while rest < len(segs) and segs[rest].kind == "conn":
            rest += 1
        return (t.key in _NAME_PARTICLES and rest < len(segs) and segs[rest].kind == "other"
                and all(doc.toks[segs[x].i].key in _NAME_PARTICLES for x in range(k, rest)))
    if seg.kind == "city" and _next_is_place(doc, seg.j):
        return False  # "by Ann Lee Venice, Louisiana": the place ends the name
    return (t.key not in _FUNCTION and t.key not in doc.not_people and not t.upper
            and (len(t.text) > 1 or _initial_dot(doc, seg.i)))


def _initial_dot(doc: _Doc, i: int) -> bool:
    t = doc.toks[i]
    return len(t.text) == 1 and t.cap and doc.text[t.end:t.end + 1] == "."


def _said_after(doc: _Doc, j: int) -> bool:
    """Is a name ending at token j followed by a verb of saying ("Ruiz said", "Ruiz has said")?"""
    toks = doc.toks
    k = j + 1
    while k < len(toks) and toks[k].key in _AUX and k - j < 3:
        k += 1
    return (k < len(toks) and toks[k].key in _SAY
            and all(c in _SAY_GAP for c in doc.text[toks[j].end:toks[j + 1].start]))


def _said_before(doc: _Doc, i: int, j: int) -> bool:
    """Is name i..j preceded by "said" or "according to", and closed by punctuation (", said
    Ruiz." but not "has said Ruiz was ...", where the name starts reported speech)?"""
    toks = doc.toks
    if i == 0 or not all(c in _SAY_GAP for c in doc.text[toks[i - 1].end:toks[i].start]):
        return False
    after = doc.text[toks[j].end:toks[j + 1].start if j + 1 < len(toks) else len(doc.text)]
    after = after.strip(" \t\u00a0\"'”’")
    closed = after[:1] in (",", ".", ";", ":", ")", "!", "?", "\u2014", "\u2013", "\n") or (
        not after and j + 1 == len(toks))
    if not closed:
        return False
    prev = toks[i - 1].key
    return prev in _SAY or (prev == "to" and i > 1 and toks[i - 2].key == "according")


def _lower_title_before(doc: _Doc, i: int) -> tuple[str, str | None] | None:
    """A lower-case title right before token i ("spokesman", "foreign minister"), as written,
    and the country of a demonym or country right before it ("Russian foreign minister")."""
    toks = doc.toks
    folded = gazetteer().folded
    for size in (3, 2, 1):
        a = i - size
        if a < 0 or any(toks[x].cap for x in range(a, i)):
            continue
        if not all(_RUN_GAP.fullmatch(doc.text[toks[x].end:toks[x + 1].start])
                   for x in range(a, i)):
            continue
        entry = folded.get(" ".join(toks[x].key for x in range(a, i)))
        if entry is None or entry.kind != "title":
            continue
        role = " ".join(doc.text[toks[a].start:toks[i - 1].end].split())
        country = None
        if a > 0 and _RUN_GAP.fullmatch(doc.text[toks[a - 1].end:toks[a].start]):
            seg = _lookup(doc, a - 1, a - 1)
            country = _country_of_seg(seg) if seg is not None else None
        return role, country
    return None


def _person_from(doc: _Doc, segs: list[_Seg], k: int, e: int, title: _Seg | None) -> _Person | None:
    """A person from name segments k..e when some evidence says so, else None."""
    toks = doc.toks
    g = gazetteer()
    i, j = segs[k].i, segs[e].j
    words = [toks[x].text for x in range(i, j + 1)]
    first = toks[i]
    multi = j > i
    # An ordinary English word is not a name word; nor, without strong evidence (a title, a
    # given name, an apposition), is one the document itself writes in lower case ("price").
    plain = [t for t in toks[i:j + 1] if t.key not in _NAME_PARTICLES]
    if any(t.key in g.common_words for t in plain):
        return None
    weak = any(t.key in doc.lower_words for t in plain)
    if title is not None and not first.headline:  # "Major Oil Slump" is a headline
        end = toks[title.j].end
        if toks[title.j].key in _ABBREV and doc.text[end:end + 1] == ".":
            end += 1  # "Gen." as written
        role = " ".join(doc.text[toks[title.i].start:end].split())
        country = _country_of_seg(segs[k - 2]) if k >= 2 else None
        return _Person(i, j, words, None if fold(role) in _HONORIFICS else role, country)
    if first.headline:
        return None
    lower_title = _lower_title_before(doc, i)
    if lower_title is not None:
        return _Person(i, j, words, lower_title[0], lower_title[1])
    if multi and first.key in g.given_names:
        return _Person(i, j, words)
    if multi and _apposition(doc, j) is not None:
        return _Person(i, j, words)  # "Lena Berg, the president of Finland,"
    if k > 0 and segs[k - 1].kind in ("place", "demonym"):
        return None  # "the US Geological Survey said": a body named after its country
    # "Ministers said": a lone sentence-initial plural-looking word needs to be capitalized
    # mid-sentence elsewhere too.
    if (not weak and (_said_after(doc, j) or _said_before(doc, i, j))
            and (multi or not first.initial or first.key in doc.mid_caps
                 or not first.key.endswith("s"))):
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
    toks = doc.toks
    strong = list(doc.persons)
    surnames = {word_key(p.words[-1]) for p in strong}
    full_keys = [raw_person_key(" ".join(p.words)) for p in strong if len(p.words) > 1]
    # A one-word "place" that is the surname of someone in the document is that person.
    for i, m in doc.single_places:
        if word_key(toks[i].text) in surnames:
            doc.mentions.remove(m)
            doc.used.discard(i)
            pending.append((i, i))
    for i, j in pending:
        if any(x in doc.used for x in range(i, j + 1)):
            continue
        if i == j and toks[i].text in doc.acronym_orgs:
            _emit(doc, i, i, toks[i].text, "org")
            continue
        p = _resolve_candidate(doc, i, j, surnames, full_keys)
        if p is not None:
            doc.persons.append(p)
            doc.used.update(range(p.i, p.j + 1))
    canon = _canonical_names(doc.persons)
    for p in doc.persons:
        found = _apposition(doc, p.j)
        if found is not None:
            doc.appositions.append((doc.toks[p.j].end, found[2]))
            if p.role is None:
                p.role, p.country = found[0], found[1] or p.country
        name = canon[" ".join(p.words)]
        _emit(doc, p.i, p.j, name, "person", role=p.role)
        if p.country:
            doc.countries.setdefault(name, set()).add(p.country)


def _apposition(doc: _Doc, j: int) -> tuple[str, str | None, int] | None:
    """A role in apposition after a name ending at token j, as written, with its country:
    "Ana Ruiz, the mayor," "Ivan Sorokin, Russia's foreign minister," "Lena Berg, the
    president of Finland." Also returns where the apposition ends in the text."""
    toks = doc.toks
    k = j + 1
    if k >= len(toks) or doc.text[toks[j].end:toks[k].start].strip() != ",":
        return None
    if toks[k].key in ("the", "a", "an") and not toks[k].cap:
        k += 1
    country: str | None = None
    if k < len(toks) and toks[k].cap:
        seg = _lookup(doc, k, k)
        country = _country_of_seg(seg) if seg is not None else None
        if country is None:
            return None
        k += 1
    folded = gazetteer().folded
    for size in (3, 2, 1):
        e = k + size - 1
        if e >= len(toks) or any(toks[x].cap for x in range(k, e + 1)):
            continue
        entry = folded.get(" ".join(toks[x].key for x in range(k, e + 1)))
        if entry is None or entry.kind != "title" or toks[e].key in _HONORIFICS:
            continue
        after = doc.text[toks[e].end:toks[e + 1].start] if e + 1 < len(toks) else "."
        nxt = toks[e + 1].key if e + 1 < len(toks) else ""
        if after.strip()[:1] not in (",", ".", ";", ")") and nxt not in ("of", "for", "at"):
            return None
        if nxt == "of" and after.strip() == "" and country is None and e + 2 < len(toks):
            seg = _lookup(doc, e + 2, e + 2)
            country = _country_of_seg(seg) if seg is not None else None
        role = " ".join(doc.text[toks[k].start:toks[e].end].split())
        return role, country, toks[e].end
    return None


def _resolve_candidate(doc: _Doc, i: int, j: int, surnames: set[str],
                       full_keys: list[str]) -> _Person | None:
    """The person a candidate name i..j is, by resemblance to people found with evidence.

    Words that carry no information (a headline's words, a sentence's first word, ordinary
    words) may be dropped from either end: "Comrade Ruiz Wins Again" in a headline is "Ruiz".
    A plain capitalized first name before a known surname makes a namesake ("Thierry Fischer"
    beside "Adam Fischer"), a person of their own.
    """
    toks = doc.toks
    g = gazetteer()
    if j - i >= _MAX_NAME_WORDS:
        return None

    def ordinary(x: int) -> bool:
        return toks[x].key in g.common_words or toks[x].key in doc.lower_words

    def droppable(x: int, leading: bool) -> bool:
        t = toks[x]
        return t.headline or ordinary(x) or (leading and t.initial)

    def junk(x: int) -> bool:
        t = toks[x]
        if t.upper or t.key in doc.not_people:
            return True
        # "Young voters ..." opening a sentence is no Mr Young; "Young said ..." is.
        return ordinary(x) and (t.headline or (t.initial and not _said_after(doc, x)))

    for b in range(j, i - 1, -1):
        if b < j and not droppable(b + 1, leading=False):
            break
        for a in range(i, b + 1):
            if a > i and not droppable(a - 1, leading=True):
                break
            if any(junk(x) for x in range(a, b + 1)):
                continue
            words = [toks[x].text for x in range(a, b + 1)]
            name = " ".join(words)
            key = raw_person_key(name)
            if (known_full_name(name) is not None
                    or (a == b and word_key(words[-1]) in surnames)
                    or any(_compatible(key, f) for f in full_keys)):
                return _Person(a, b, words, derived=True)
            if (a < b and word_key(words[-1]) in surnames and not droppable(a, leading=True)
                    and b == j):
                return _Person(a, b, words)  # a namesake: counts as a full name of its own
    return None


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
    """
    keys = {w: raw_person_key(w) for w in {" ".join(p.words) for p in persons}}
    full_by_surname: dict[str, list[str]] = {}
    for w in {" ".join(p.words) for p in persons if not p.derived}:
        if " " in keys[w]:
            full_by_surname.setdefault(keys[w].split()[-1], []).append(w)
    out: dict[str, str] = {}
    for w, key in keys.items():
        if not key:
            out[w] = w
            continue
        fulls = [f for f in full_by_surname.get(key.split()[-1], []) if _compatible(key, keys[f])]
        # Distinct people: full names that are not a shorter form of another full name.
        distinct = {keys[f] for f in fulls
                    if not any(keys[f] != keys[o] and _compatible(keys[f], keys[o]) for o in fulls)}
        known = known_full_name(w)
        known_key = raw_person_key(known) if known else ""
        if (known is not None and (" " not in key or _compatible(key, known_key))
                and (not distinct or any(_compatible(d, known_key) for d in distinct))):
            out[w] = known
        elif len(distinct) == 1:
            out[w] = max(fulls, key=lambda f: (len(keys[f].split()), len(f)))
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
    taken = [(m.start, m.end) for m in doc.mentions] + doc.appositions
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
        if len(names) == 1 and not any(s < end and start < e for s, e in taken):
            doc.mentions.append(EntityMention(
                start, end, doc.text[start:end], next(iter(names)), "person", role=role))
