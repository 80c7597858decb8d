"""One news sentence to a short headline that says what happened: who did what, where.

``headline(sentence, trigger, dates=..., max_chars=...)`` keeps the clause holding the event word
(its subject, verb, object and place) and removes, in this order, what a headline does without:

1. temporal expressions (the spans given, plus obvious weekdays), with their preposition and
   modifiers ("late on Thursday", "in March 2011"); not amounts ("jailed for 12 years", "1,000
   barrels a day") nor dates that name something ("in Sunday's election");
2. parentheses, dash asides, the parts after a semicolon or a lone dash that do not hold the
   trigger, datelines, live-blog time stamps and labels ("1751", "Floods:");
3. leading connectives and adverbials ("However,", "On Saturday,", "In a statement,"), but not a
   short place ("In Nairobi, ...");
4. attribution: "..., officials said", "X, police said, Y", "according to ...", "X said (that)
   Y" (kept when Y starts with a pronoun: "BP says it had capped the well"); only neutral
   reporting verbs go, "claimed" or "denied" stay;
5. while over ~80% of ``max_chars``: trailing clauses (", bringing the total to ...", ", after
   ...", "which ..."), asides after the subject, then the trigger's own clause after ", but"
   when the rest cannot fit; above ``max_chars``, a cut at a clause or phrase boundary, never
   inside a word, a name or a quotation, never leaving a dangling "and"/"of"/"the" or a "that"
   clause without its verb;
6. a leading "The/A/An" and the final full stop; the first letter is capitalized.

The verb after the subject moves to headline present when it is in
``tracker/data/headline_verbs.tsv`` and the subject's number is clear ("delegations agreed" ->
"delegations agree", "has capped" -> "caps"), with the verbs sharing its subject; a passive loses
its auxiliary ("was killed" -> "killed"). When unsure the past tense stays.

It returns None for what cannot make a headline: a question, a quotation, bare attribution, a
fragment without a verb, links and boilerplate, mostly numbers, all caps, a headline whose
subject is a pronoun ("He resigns" names nobody), or one that cannot fit without losing the
trigger's clause. Sentences over 600 characters give None at once: the cap bounds the work (a
sentence splitter's overlong piece is not a sentence).

It does not choose which sentence represents an event (the caller does), find dates or triggers
(``tracker.timex``, ``tracker.extract.events``), reorder words, or write any word that is not in
the sentence apart from the present form of a verb. Pure: no I/O but reading the verb list once,
no clock, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from types import MappingProxyType

from tracker.textsim import stopwords

MAX_SENTENCE_CHARS = 600
# Before a date, these make it name which happening ("the 2008 election", "its May 5 vote").
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "its", "their",
                          "his", "her", "our", "last", "next"})
# Above this share of max_chars, trailing clauses go: editors want the event, not its sequel
# ("..., bringing the total to 40"), even when the whole sentence would just fit.
_SOFT_SHARE = 0.8

# -- tokens ------------------------------------------------------------------------------------

_WORD, _CLITIC, _QUOTE, _DASH, _OPEN, _CLOSE, _PUNCT = range(7)

# One pass over the sentence. Handles both ordinary text and the Penn-Treebank-tokenized text of
# research corpora ("Turkey 's", "`` quoted ''", "-LRB- ... -RRB-"), which the tracker also reads.
# An apostrophe after an -s word is a possessive ("the ministers' meeting"), not a quote.
_TOKEN = re.compile(r"""
    (?P<open>-L[RSC]B-|[(\[{])
  | (?P<close>-R[RSC]B-|[)\]}])
  | (?P<clitic>(?:n['’]t|['’](?:s|re|ve|ll|d|m))(?!\w)|(?<=[sS])['’](?=\s|$)|(?<=[sS]\s)'(?=\s))
  | (?P<quote>``|''|["“”„«»`‘]|(?<=\s)['’]|['’](?=\s|$))
  | (?P<dash>--+|[—–]|(?<=\s)-(?=\s))
  | (?P<abbr>(?:[A-Za-z]\.){2,})
  | (?P<word>\w+(?:(?:[-/&]|(?<=\d)[.,:](?=\d)|['’](?!(?:s|re|ve|ll|d|m)(?!\w)))\w+)*%?)
  | (?P<other>\S)
""", re.VERBOSE | re.IGNORECASE)
_KINDS = {"open": _OPEN, "close": _CLOSE, "quote": _QUOTE, "dash": _DASH, "abbr": _WORD,
          "clitic": _CLITIC, "word": _WORD, "other": _PUNCT}
# A treebank "n't" keeps its space ("ca n't"): joined, it would spell a word ("can") the sentence
# does not have.
_SPACED_CLITICS = frozenset({"n't", "n’t"})
_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}",
        "``": '"', "''": '"'}
_OPENING_QUOTES = frozenset({"``", "“", "„", "«", "`", "‘"})
_CLOSING_QUOTES = frozenset({"''", "”", "»", "’"})
# Punctuation written against the word before it / after it.
_ATTACH_LEFT = frozenset({",", ".", ";", ":", "!", "?", "%", "…"})
_ATTACH_RIGHT = frozenset({"$", "£", "€", "#"})


@dataclass(slots=True)
class _Token:
    text: str
    low: str
    start: int
    end: int
    kind: int
    space: bool  # whitespace before it in the sentence
    is_word: bool
    capitalized: bool  # a word starting with a capital


def _tokenize(sentence: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(sentence):
        kind = _KINDS[match.lastgroup or "other"]
        text = match.group()
        start = match.start()
        # An acronym keeps its case: "WHO", "US" and "IT" are names, not "who", "us", "it".
        low = text if len(text) > 1 and text.isupper() else text.lower()
        tokens.append(_Token(text, low, start, match.end(), kind,
                             start > 0 and sentence[start - 1].isspace(), kind == _WORD,
                             kind == _WORD and text[0].isupper()))
    return tokens


# -- closed word classes (grammar, not lexicon: they do not grow with the news) ----------------

_DETERMINERS = frozenset("""the a an this that these those its their his her our my your some
    any each every no another such""".split())
_PREPOSITIONS = frozenset("""in on at near for from into onto over under during by of to across
    against outside inside between among through toward towards about around off with without
    within upon after before since until till amid despite following like unlike via per""".split())
_PRONOUNS = frozenset("""he she it they we i you there this that these those one who what which
    him her them us me""".split())
_AUXILIARIES = frozenset("""is are was were be been being am has have had will would can could
    may might must shall should do does did""".split())
_DANGLING = (_DETERMINERS - {"each"}) | _PREPOSITIONS | _AUXILIARIES | frozenset(
    """and or but nor that which who whom whose as than including while when where because
    although though whether if not said says say told""".split())
# Connectives and sentence adverbials that open a sentence and carry no event.
_CONNECTIVES = frozenset("""however meanwhile but and also still yet so moreover furthermore
    nevertheless nonetheless separately elsewhere additionally instead indeed now then thus
    finally overall earlier later previously currently subsequently eventually ultimately
    initially first second third similarly likewise consequently therefore hence otherwise
    besides anyway again already recently today tonight yesterday""".split())
_ORDINALS = frozenset("first second third".split())  # connectives only before a comma
_ASIDE_OPENERS = frozenset("most especially notably particularly including mainly".split())
_INTERJECTIONS = frozenset("yes no well ok okay oh indeed".split())  # only before a comma
_MULTIWORD_CONNECTIVES = tuple(tuple(p.split()) for p in (
    "in addition", "at the same time", "in a statement", "in an interview", "on the other hand",
    "for its part", "for his part", "for her part", "for their part", "by contrast",
    "in contrast", "in response", "as a result", "in total", "in all", "all told", "so far",
    "to date", "in the meantime", "at least", "of course", "in turn", "even so", "after all",
))
# First words of a leading adverbial clause or phrase ("After the vote, ...").
_LEADERS = _PREPOSITIONS | frozenset("""as while when whenever although though because if once
    unless whereas according ahead prior speaking writing addressing responding commenting asked
    citing quoting referring talking""".split())
# "In Haiti, rescuers ..." keeps its place: a short locative naming somewhere stays.
_LOCATIVES = frozenset("in at across near outside inside throughout".split())
_CALENDAR = frozenset("""january february march april may june july august september october
    november december monday tuesday wednesday thursday friday saturday sunday""".split())
# A sentence-opening adverb ("Separately,"), strict because names end in -ly too ("Italy",
# "Kelly"); inside a sentence, any lowercase -ly word but a few nouns and verbs is one.
_OPENING_ADVERB = re.compile(r"\w{3,}(?:ally|ately|ently|antly|ously|ively|arly|edly|ingly|ntly)$")
_NOT_ADVERBS = frozenset("""family rally ally supply reply apply assembly anomaly monopoly july
    fly belly bully jelly lily tally folly comply multiply imply rely""".split())
_INTENSIFIERS = frozenset("""also later reportedly finally officially formally then now quickly
    eventually initially subsequently already still allegedly again never soon just even""".split())

# Temporal expressions: the preposition and modifier words dropped with them.
_DATE_PREPOSITIONS = frozenset("""on in at by during since until till from around before after
    through throughout over within for of to into""".split())
_DATE_MODIFIERS = frozenset("""late early earlier later least most than more less up nearly
    almost about roughly another""".split())
# A duration is an amount ("sentenced to 12 years"), unless it frames the time ("in the past
# two weeks", "three days ago").
_DURATION = re.compile(r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|"
                       r"eleven|twelve|several|a few|a couple of) (?:years?|months?|weeks?|"
                       r"days?|hours?|minutes?|decades?|centuries)\b")
_TIME_FRAME = re.compile(r"\b(?:past|last|next|previous|coming|ago|this|these|first|early|late)\b")
_DAYPARTS = frozenset("morning afternoon evening night".split())
# Obvious temporal expressions found even when the caller gives no spans.
_FALLBACK_DATES = re.compile(
    r"\b(?:(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?:\s+(?:morning|afternoon|evening|night))?"
    r"|yesterday|today|tonight|last\s+night"
    r"|(?:earlier\s+|later\s+)?(?:this|last|next)\s+(?:week|weekend|month|year))\b",
    re.IGNORECASE)

# Attribution: reporting verbs that may be dropped with their subject. Only neutral ones:
# "claimed", "denied", "alleged" or "warned" change what the content means, so they stay.
_SAY = frozenset("""said says say told tells added adds stated states noted notes explained
    reported reports wrote writes announced announces confirmed confirms showed show
    shows""".split())
# Of those, the ones that drop before a bare clause ("officials said the well ..."); the others
# need "that" ("announced that ..."), or they are the event ("confirmed 12 new cases").
_SAY_BARE = frozenset("said says say told tells added adds stated states".split())
_AUDIENCE = frozenset("""reporters journalists parliament lawmakers legislators mps congress the
    a an news conference agency briefing press media radio television tv state bbc cnn ap afp
    reuters""".split())
_RELATIVES = frozenset("who which whose whom where when".split())
_ALWAYS_DROPPED = frozenset("saying adding citing according".split())
# Words opening a trailing clause that can go when over budget (after a comma, or bare).
_SUBORDINATORS = frozenset("""after as amid despite because following while when whereas
    although though before since until so unless which who whose including""".split())
# Cut points before a clause ("that" only after a name: "likely | that BP will ..." loses the
# news, "in Hong Kong | that was seen as ..." does not).
_CLAUSE_CUTS = _SUBORDINATORS | frozenset("and but or".split())
# Words opening a clause whose verb must be kept if they are.
_CLAUSE_OPENERS = frozenset("""that whether if because although though while whereas unless
    which who whose whom where when how why""".split())
# Verbs followed by a clause ("argued the spill, a blast in 2005 and ... reflect ..."): a cut
# before that clause's verb leaves it in pieces.
_CLAUSE_VERBS = _SAY_BARE | frozenset("""argue argues argued believe believes believed think
    thinks thought suggest suggests suggested warn warns warned claim claims claimed insist
    insists insisted fear fears feared hope hopes hoped predict predicts predicted acknowledge
    acknowledges acknowledged admit admits admitted deny denies denied know knows knew
    estimate estimates estimated""".split())
_ARGUMENT_PREPOSITIONS = frozenset("for on with into about against from over by off".split())
_PARTICLES = frozenset("out up down off back away over".split())  # "sending out | testing kits"
_AS_QUANTITY = frozenset("""many much well long far soon part high low little few large recently
    early late""".split())

# Subject number: plurals that do not end in -s, and -s words that are not plurals.
_PLURAL_WORDS = frozenset("""people police men women children troops personnel cattle two three
    four five six seven eight nine ten eleven twelve dozens hundreds thousands millions several
    many both few""".split())
_SINGULAR_PRONOUNS = frozenset("he she it".split())
_POSSESSIVES = frozenset("his her its their our my your".split())  # "Their findings will ..."
_PLURAL_PRONOUNS = frozenset("they we you i".split())
_UNSURE_ENDINGS = ("ics", "news", "series", "species", "means", "headquarters")
# Capitalized words ending in -s: plural peoples and parties, and endings too mixed to tell.
_PLURAL_NAMES = ("ans", "ists", "ites", "ers", "ats", "ives", "als")
_UNSURE_NAMES = ("is", "ens", "ks", "hs", "ees", "ds")
# Endings of plural nouns that open a sentence ("Officials said"), which names rarely have.
_PLURAL_ENDINGS = ("ers", "ors", "ists", "ans", "ants", "ents", "ies", "als", "ces", "ees",
                   "ops", "ands", "eds", "ares", "ests")

# Links, page furniture and bylines: plain substrings of the lowercased sentence (a substring test
# is several times faster than one regex with this many alternatives).
_BOILERPLATE = ("http://", "https://", "www.", "@", "©", "all rights reserved", "click here",
                "read more", "sign up", "subscribe", "newsletter", "cookie", "javascript",
                "advertisement", "share this", "follow us", "copyright", "terms of use",
                "terms of service", "privacy policy", "image caption", "photo:")
_SEPARATORS = ("|", "•", "»")


# -- the verb list ------------------------------------------------------------------------------

@dataclass(frozen=True)
class VerbForms:
    """How one past form reads in a headline: ``present`` for one actor, ``base`` for many."""

    present: str
    base: str


@lru_cache(maxsize=1)
def _verb_rows() -> tuple[tuple[str, ...], ...]:
    """The rows of ``tracker/data/headline_verbs.tsv``: past, present[, participle]."""
    raw = resources.files("tracker").joinpath("data/headline_verbs.tsv").read_text(
        encoding="utf-8")
    return tuple(tuple(column.strip().lower() for column in line.split("\t"))
                 for line in raw.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def verb_forms() -> Mapping[str, VerbForms]:
    """Past forms of the verb list ("agreed", "began"), to their present forms."""
    return MappingProxyType({row[0]: VerbForms(row[1], _base_form(row[1])) for row in _verb_rows()})


@lru_cache(maxsize=1)
def participle_forms() -> Mapping[str, VerbForms]:
    """Past participles of the verb list ("agreed", "begun"), for "has begun" -> "begins"."""
    return MappingProxyType({(row[2] if len(row) > 2 else row[0]): VerbForms(
        row[1], _base_form(row[1])) for row in _verb_rows()})


@lru_cache(maxsize=1)
def _participles() -> frozenset[str]:
    return frozenset(participle_forms())


@lru_cache(maxsize=1)
def _present_forms() -> frozenset[str]:
    return frozenset({v.present for v in verb_forms().values()}
                     | {v.base for v in verb_forms().values()})


def _live_blog_time(text: str) -> bool:
    """ "1751", "2125": a live blog's time stamp (not a year: 1900-2099 stay, "2010 World Cup")."""
    if len(text) != 4 or not text.isdigit():
        return False
    value = int(text)
    return value // 100 < 24 and value % 100 < 60 and not 1900 <= value <= 2099


def _adverb(low: str) -> bool:
    """ "rapidly", "commonly", "also": a word a clause can neither end on nor start with."""
    return low in _INTENSIFIERS or (len(low) > 4 and low.endswith("ly") and low.isalpha()
                                    and low not in _NOT_ADVERBS)


def _base_form(present: str) -> str:
    """ "agrees" -> "agree", "launches" -> "launch", "carries" -> "carry", "dies" -> "die"."""
    if present.endswith("ies"):
        return present[:-1] if len(present) <= 4 else present[:-3] + "y"
    if re.search(r"(?:ss|sh|ch|x|zz|o)es$", present):
        return present[:-2]
    return present[:-1]


# -- the draft: tokens, which are still kept, and the verb rewritten ----------------------------

class _Draft:
    """The sentence's tokens and which of them the headline keeps so far."""

    def __init__(self, sentence: str, trigger: tuple[int, int] | None) -> None:
        self.tokens = _tokenize(sentence)
        self.alive = [True] * len(self.tokens)
        # Caches of what the current draft gives, cleared by every change (_changed).
        self._kept: list[int] | None = None
        self._rendered: str | None = None
        self._verb: tuple[int | None] | None = None
        self._unfinished_at: list[bool] | None = None
        self.replaced: dict[int, str] = {}
        self.protected: set[int] = set()
        if trigger is not None:
            start, end = trigger
            self.protected = {i for i, t in enumerate(self.tokens)
                              if t.start < end and t.end > start}
        self.in_quotes = self._quoted()
        self.first_word = next((i for i, t in enumerate(self.tokens) if t.is_word), -1)

    def _quoted(self) -> list[bool]:
        inside = [False] * len(self.tokens)
        state = False
        for i, token in enumerate(self.tokens):
            if state and token.kind == _CLITIC and token.text in ("'", "’"):
                state = False  # "‘good news’": the possessive-looking mark closes the quote
                continue
            if token.kind == _QUOTE:
                if token.text in _OPENING_QUOTES:
                    state = True
                elif token.text in _CLOSING_QUOTES:
                    if not state:  # the sentence began inside a quotation (split paragraph)
                        inside[:i] = [True] * i
                    state = False
                else:
                    state = not state
                continue
            inside[i] = state
        return inside

    # --- views ---

    def kept(self) -> list[int]:
        """Positions of the tokens still kept (a fresh list: callers slice and keep it)."""
        if self._kept is None:
            self._kept = [i for i, a in enumerate(self.alive) if a]
        return list(self._kept)

    def words(self, indices: Sequence[int]) -> list[int]:
        return [i for i in indices if self.tokens[i].kind in (_WORD, _CLITIC)]

    def low(self, i: int) -> str:
        return self.tokens[i].low

    def pronoun_after_place(self, kept: list[int]) -> bool:
        """ "In Houston, he participated ...": a kept place, then nobody named."""
        if not kept or self.low(kept[0]) not in _LOCATIVES:
            return False
        comma = next((k for k, i in enumerate(kept[:8]) if self.tokens[i].text == ","), None)
        return comma is not None and comma + 1 < len(kept) and self.pronoun(kept[comma + 1])

    def pronoun(self, i: int) -> bool:
        """ "it", "They"; not "US" or "IT" (acronyms keep their case in ``low``)."""
        return self.tokens[i].low in _PRONOUNS

    def drop(self, indices: Sequence[int], *, force: bool = False) -> bool:
        """Drop these tokens, unless one holds the trigger: then drop nothing."""
        if not force and any(i in self.protected for i in indices):
            return False
        for i in indices:
            self.alive[i] = False
            self.replaced.pop(i, None)
        self._changed()
        return True

    def _changed(self) -> None:
        self._kept = None
        self._rendered = None
        self._verb = None
        self._unfinished_at = None

    def render(self, indices: Sequence[int] | None = None) -> str:
        if indices is not None:
            return "".join(self._pieces(indices))
        if self._rendered is None:
            self._rendered = "".join(self._pieces(self.kept()))
        return self._rendered

    def _pieces(self, kept: Sequence[int]) -> list[str]:
        """Each kept token's text with the space before it: the sentence's own spacing between
        neighbours, one space across a gap, none before a comma or after an opening bracket
        (which also undoes Penn Treebank spacing: "Turkey 's" -> "Turkey's")."""
        pieces: list[str] = []
        previous: int | None = None
        previous_opens = False
        quote_open = False
        for i in kept:
            token = self.tokens[i]
            text = self.replaced.get(i, _PTB.get(token.text, token.text))
            opens = token.kind == _OPEN or text in _ATTACH_RIGHT
            closes = (token.kind == _CLOSE or text in _ATTACH_LEFT
                      or (token.kind == _CLITIC and token.low not in _SPACED_CLITICS))
            if token.kind == _QUOTE:
                if token.text in _OPENING_QUOTES or (
                        token.text not in _CLOSING_QUOTES and not quote_open):
                    quote_open, opens = True, True
                else:
                    quote_open, closes = False, True
            if previous is None or closes or previous_opens:
                separator = ""
            elif previous == i - 1:
                separator = " " if token.space else ""
            else:
                separator = " "
            pieces.append(separator + text)
            previous, previous_opens = i, opens
        return pieces

    # --- rules, in the order headline() applies them ---

    def drop_dates(self, spans: Sequence[tuple[int, int]]) -> None:
        tokens = self.tokens
        for start, end in sorted(spans):
            inside = [i for i, t in enumerate(tokens) if t.start < end and t.end > start]
            if not inside or any(i in self.protected for i in inside):
                continue
            low, high = inside[0], inside[-1]
            if high + 1 < len(tokens) and tokens[high + 1].low == "of":
                continue  # "within an hour of the blast": without it, "tests of the blast"
            words = " ".join(tokens[i].low for i in inside)
            if _DURATION.search(words) and not _TIME_FRAME.search(words):
                continue  # "jailed for 12 years", "faces up to four years": an amount
            if high + 1 < len(tokens) and tokens[high + 1].kind == _CLITIC:
                continue  # "in Sunday's election": the date says which election
            if tokens[low].low in ("a", "an", "per", "each") and low > 0 and (
                    tokens[low - 1].is_word and tokens[low - 1].low not in _DATE_PREPOSITIONS):
                continue  # "1,000 barrels a day": a rate
            following = tokens[high + 1] if high + 1 < len(tokens) else None
            determined = tokens[low].low == "the" or (
                low > 0 and tokens[low - 1].low in _DETERMINERS)
            if (determined and following is not None and following.is_word
                    and not following.capitalized and following.low not in stopwords()):
                # "in the spring 2022 talks", "the 2008 election": the date names which one;
                # only its own words go, the phrase it modifies stays whole.
                if tokens[low].low == "the":
                    low += 1
                if low <= high:
                    self.drop(range(low, high + 1))
                continue
            # "late on Thursday", "in March 2011", "for at least another day": the preposition,
            # its modifier and quantifier go too.
            while low > 0 and tokens[low - 1].is_word and (
                    tokens[low - 1].low in _DATE_PREPOSITIONS
                    or tokens[low - 1].low in _DATE_MODIFIERS):
                if tokens[low - 1].low == "to" and not (
                        tokens[low].capitalized or tokens[low].low[:1].isdigit()):
                    break  # "postponed to May 5" but not "expected to last five weeks"
                low -= 1
            while high + 1 < len(tokens) and tokens[high + 1].low in _DAYPARTS:
                high += 1
            if low > 0 and tokens[low - 1].low in _AUXILIARIES | {"to"}:
                # "the soonest date is late August": the date is what is said; "expected to
                # last five weeks": a verb the tagger took for a date.
                continue
            self.drop(range(low, high + 1))
        # ", which began last week," without its date says nothing: the aside goes.
        segments = self.segments()
        for n in range(1, len(segments) - 1):
            aside = self.words(segments[n])
            if aside and self.low(aside[0]) in _RELATIVES and len(aside) <= 2:
                self.drop_segment(segments, n)
        # "between March and May", "from May 1 to 5": a connector left between two dropped dates.
        for i in range(1, len(tokens) - 1):
            if (self.alive[i] and tokens[i].low in ("and", "to", "-", "–", "until", "through")
                    and not self.alive[i - 1] and not self.alive[i + 1]):
                self.drop([i])

    def drop_brackets(self) -> None:
        stack: list[int] = []
        for i, token in enumerate(self.tokens):
            if token.kind == _OPEN:
                stack.append(i)
            elif token.kind == _CLOSE:
                if stack:
                    self.drop(range(stack.pop(), i + 1))
                else:
                    self.drop([i])
        for i in stack:  # an unclosed bracket: the mark goes, the words stay
            self.drop([i])

    def split_at(self, kinds: tuple[int, ...], texts: frozenset[str] = frozenset()) -> None:
        """Keep one part of a sentence split by dashes or semicolons: the trigger's, or the first
        that has a verb (a dateline "WASHINGTON -" has none)."""
        kept = self.kept()
        parts: list[list[int]] = [[]]
        for i in kept:
            if self.tokens[i].kind in kinds or self.tokens[i].text in texts:
                parts.append([])
            else:
                parts[-1].append(i)
        parts = [p for p in parts if self.words(p)]
        if len(parts) < 2:
            return
        chosen = next((p for p in parts if self.protected & set(p)), None)
        if chosen is None:
            chosen = next((p for p in parts if self.main_verb(p) is not None), parts[0])
        self.drop([i for i in kept if i not in set(chosen)], force=True)

    def drop_dash_asides(self) -> None:
        dashes = [i for i in self.kept() if self.tokens[i].kind == _DASH]
        for first, second in zip(dashes[::2], dashes[1::2], strict=False):
            self.drop(range(first, second + 1))
        self.split_at((_DASH,))

    def drop_leading_adverbials(self) -> None:
        for _ in range(4):
            kept = self.kept()
            self._strip_leading_punctuation(kept)
            kept = self.kept()
            if not kept or not self._drop_one_leading(kept):
                return

    def _strip_leading_punctuation(self, kept: list[int]) -> None:
        for i in kept:
            if self.tokens[i].kind in (_WORD, _QUOTE, _OPEN) or i in self.protected:
                return
            self.drop([i])

    def _drop_one_leading(self, kept: list[int]) -> bool:
        lows = [self.low(i) for i in kept[:20]]
        # A label or kicker: "2043:", "Gulf oil spill:", "NEW CAP FOR LEAKING OIL WELL Once ...".
        colon = next((k for k, i in enumerate(kept[:7]) if self.tokens[i].text == ":"), None)
        if colon and len(self.words(kept[:colon])) <= 4 and not any(
                self.verbish(self.low(i), []) for i in kept[1:colon]):
            return self._drop_lead(kept, colon + 1)
        if _live_blog_time(self.tokens[kept[0]].text) and len(kept) > 1 and (
                self.tokens[kept[1]].capitalized):
            return self._drop_lead(kept, 1)  # "1751 Medecins Sans Frontieres says ..."
        shouting = next((k for k, i in enumerate(kept) if not (
            self.tokens[i].is_word and self.tokens[i].text.isupper())), len(kept))
        if shouting >= 3 or (shouting == 2 and all(
                len(self.tokens[i].text) >= 5 for i in kept[:2])):
            return self._drop_lead(kept, shouting)  # not "US EPA officials"
        comma = next((k for k, i in enumerate(kept[:16]) if self.tokens[i].text == ","), None)
        for phrase in _MULTIWORD_CONNECTIVES:
            if tuple(lows[:len(phrase)]) == phrase:
                if comma is not None and comma >= len(phrase) and not self._locative(kept[:comma]):
                    return self._drop_lead(kept, comma + 1)
                return self._drop_lead(kept, len(phrase))
        if lows[0] in _INTERJECTIONS and len(kept) > 1 and self.tokens[kept[1]].text == ",":
            return self._drop_lead(kept, 2)  # "Yes, the flu could mutate"
        if lows[0] in _CONNECTIVES and len(kept) > 1:
            skip = 2 if self.tokens[kept[1]].text == "," else 1
            if skip == 1 and lows[0] in _ORDINALS:
                return False  # "First hurricane of season hits ...": an adjective here
            return self._drop_lead(kept, skip)
        if comma is not None and comma > 0 and self.tokens[kept[0]].text.islower() and (
                _adverb(lows[0]) or lows[0] in _ASIDE_OPENERS):
            # What is left of an aside after a dropped lead: "In some cases, | most
            # significantly the Exxon Valdez spill, companies try ...".
            return self._drop_lead(kept, comma + 1)
        if comma is None or comma == 0:
            return False
        first = lows[0]
        if not (first in _LEADERS or _OPENING_ADVERB.match(first)) or self._locative(
                kept[:comma]):
            return False
        end = comma + 1
        # "Speaking in Theodore, Alabama, Obama said": the place runs on past the comma.
        nxt = next((k for k in range(end, min(len(kept), end + 5))
                    if self.tokens[kept[k]].text == ","), None)
        if nxt is not None and all(self.tokens[i].capitalized for i in kept[end:nxt]):
            end = nxt + 1
        return self._drop_lead(kept, end)

    def _drop_lead(self, kept: list[int], count: int) -> bool:
        if len(self.words(kept[count:])) < 2:
            return False
        return self.drop(kept[:count])

    def _locative(self, part: list[int]) -> bool:
        """ "In Haiti", "At the United Nations": a short phrase naming a place stays."""
        words = self.words(part)
        return (len(words) <= 5 and self.low(words[0]) in _LOCATIVES and any(
            self.tokens[i].capitalized and self.low(i) not in _CALENDAR for i in words[1:]))

    def segments(self) -> list[list[int]]:
        """Kept tokens split at commas (the commas themselves open each later segment)."""
        segments: list[list[int]] = [[]]
        for i in self.kept():
            if self.tokens[i].text == "," and segments[-1]:
                segments.append([])
            segments[-1].append(i)
        return segments

    def drop_segment(self, segments: list[list[int]], n: int) -> bool:
        """Drop a comma segment; right after the subject it takes the closing comma too when the
        verb follows ("The spill, the biggest in history, has soiled" -> "The spill has
        soiled"), elsewhere the comma closing the aside before it stays ("Birnbaum, head of
        the service, which issues permits, resigned")."""
        part = list(segments[n])
        # Loose: right after the subject an -ed word is its verb ("The blast, witnesses said,
        # shattered windows"), where elsewhere it may open an aside (", installed on Monday").
        if n == 1 and n + 1 < len(segments) and self._continues(segments[n + 1][1:], loose=True):
            part.append(segments[n + 1][0])
        return self.drop(part)

    def is_attribution(self, part: Sequence[int], *, whole: bool = False) -> bool:
        """ "officials said", "the ministry said in a statement", "said the minister",
        "according to state media", "he told reporters". A part holding the trigger is not
        dropped as attribution, but a ``whole`` sentence that is only attribution is one."""
        words = [self.tokens[i].text if self.tokens[i].capitalized else self.low(i)
                 for i in self.words(part)]
        if not words or len(words) > 16 or (not whole and any(i in self.protected for i in part)):
            return False
        words[0] = words[0].lower()
        if words[:2] == ["according", "to"]:
            return True
        for k, word in enumerate(words):
            if word in _SAY:
                subject, tail = words[:k], words[k + 1:]
                if subject and subject[-1] in ("has", "have", "had", "would"):
                    subject = subject[:-1]
                # The tail says where or to whom ("in a statement", "told reporters") or, after
                # the verb, who ("said the minister"); an object or a clause makes it news
                # ("confirmed their first cases", "said it had capped the well").
                if (len(subject) > 9 or len(tail) > 8 or any(w in _AUXILIARIES for w in subject)
                        or any(w in _AUXILIARIES or w in verb_forms() for w in tail)):
                    return False
                return (not tail or tail[0] in _PREPOSITIONS - {"to"}
                        or (word in ("told", "tells") and all(
                            w.lower() in _AUDIENCE or w in _PREPOSITIONS for w in tail))
                        or (not subject and word in _SAY_BARE))
            if word in _AUXILIARIES or word in verb_forms():
                return False
        return False

    def drop_attribution(self) -> None:
        # Trailing and inner attribution segments: "..., officials said", "X, police said, Y".
        for _ in range(6):
            segments = self.segments()
            if len(segments) < 2:
                break
            for n in range(len(segments) - 1, 0, -1):
                segment = segments[n]
                if self.is_attribution(segment[1:]) or (
                        self.words(segment) and self.low(self.words(segment)[0])
                        in _ALWAYS_DROPPED):
                    self.drop_segment(segments, n)
                    break
            else:
                break
        self._drop_leading_attribution()

    def _drop_leading_attribution(self) -> None:
        """ "The company said (late on Thursday) that the well ..." keeps what was said."""
        kept = self.kept()
        say = next((k for k, i in enumerate(kept[:18]) if self.low(i) in _SAY
                    and self.tokens[i].text.islower()), None)  # "The United States" is no verb
        if say is None or say == 0 or any(i in self.protected for i in kept[:say + 1]):
            return
        if any(self.low(i) in _RELATIVES or self.tokens[i].kind == _QUOTE for i in kept[:say]):
            return
        verb = self.low(kept[say])
        content: int | None = None
        for k in range(say + 1, min(len(kept), say + 9)):
            if self.low(kept[k]) == "that":
                content = k + 1
                break
        if content is None and verb in _SAY_BARE:
            content = say + 1
            if verb in ("told", "tells"):
                # "told reporters", "told the BBC", "told London's Sunday Telegraph"
                while content < len(kept) and (
                        self.low(kept[content]) in _AUDIENCE
                        or self.tokens[kept[content]].capitalized
                        or self.tokens[kept[content]].kind == _CLITIC):
                    content += 1
            rest = kept[content:content + 14]
            if not rest or not self.tokens[rest[0]].is_word or not any(
                    self.low(i) in _AUXILIARIES or self.low(i) in verb_forms() for i in rest):
                return
        if content is None or len(self.words(kept[content:])) < 2:
            return
        if self.pronoun(self.words(kept[content:])[0]):
            return  # "BP said it had capped the well": who said it stays
        self.drop(kept[:content])

    def quotation_or_attribution_only(self) -> bool:
        kept = self.kept()
        words = self.words(kept)
        if len(words) < 2:
            return True
        quoted = sum(1 for i in words if self.in_quotes[i])
        if quoted * 2 >= len(words) or any(self.in_quotes[i] for i in self.protected):
            return True
        return self.is_attribution(kept, whole=True)

    def main_verb(self, indices: Sequence[int] | None = None) -> int | None:
        """Position (in ``indices``) of the verb after the subject, skipping ", who ...," asides.

        A present form counts only where it agrees with the word before it ("Obama signs",
        "tests confirm"): after a noun it is more often a compound ("the oil spill has risen")."""
        if indices is not None:
            return self._main_verb(list(indices))
        if self._verb is None:
            self._verb = (self._main_verb(self.kept()),)
        return self._verb[0]

    def _main_verb(self, kept: list[int]) -> int | None:
        # A relative clause without commas ("patients in areas where cases are rising would be
        # allowed", "the company that owns the rig agreed") has its own verb group: skip it,
        # the sentence's verb is the next one after a word outside the group.
        relative = False  # inside "where/that/who ..." and its verb not yet seen
        group = False  # inside that verb group ("are rising quickly")
        aside = False
        start = 0
        if kept and self.low(kept[0]) in _LEADERS:
            # "Since the spill started, Obama has made ...": the verb comes after the comma.
            start = next((k + 1 for k, i in enumerate(kept[:24]) if self.tokens[i].text == ","),
                         0)
        for k in range(max(start, 1), len(kept)):
            i = kept[k]
            token = self.tokens[i]
            if token.text == ",":
                aside = self._aside_end(kept, k) is not None
                continue
            if aside or not token.is_word or token.capitalized or self.in_quotes[i]:
                continue  # a quoted word is a name for something ("the 'junk shot'"), not a verb
            if token.low in _RELATIVES or token.low == "that":
                relative, group = True, False
                continue
            previous = self.tokens[kept[k - 1]]
            if relative and not group:
                # The relative's verb: the first verb after it, or an unlisted "-s" word right
                # after it ("that owns").
                right_after = previous.low in _RELATIVES or previous.low == "that"
                if self._finite(token, previous) or (right_after and token.low.endswith("s")):
                    group = True
                continue
            if group:
                if _adverb(token.low) or token.low.endswith("ing") or (
                        self.verbish(token.low, []) and previous.low in _AUXILIARIES):
                    continue  # "are | rising | quickly", "was | arrested"
                relative = group = False
                if not self._finite(token, previous):
                    continue
                return k
            if previous.low in _DETERMINERS or previous.low in _PREPOSITIONS or previous.low in (
                    "not", "to") or previous.kind not in (_WORD, _CLITIC, _PUNCT, _CLOSE):
                continue  # after a comma is fine: "Clinton, the secretary of state, pledged"
            if k + 1 < len(kept) and self.tokens[kept[k + 1]].text in _CLOSING_QUOTES | {"'"}:
                continue
            if self.verbish(token.low, kept[k + 1:k + 2], present=False) or (
                    token.low in _present_forms() and self._agrees(previous, token.low)):
                return self._past_the_participle(kept, k)
        return None

    def _past_the_participle(self, kept: list[int], k: int) -> int:
        """ "a moratorium imposed by Obama ... will slow", "the man arrested at the airport was
        released": a past form with an auxiliary later in its clause was a participle in the
        subject; the auxiliary is the verb."""
        low = self.low(kept[k])
        if low in _SAY or not (low in verb_forms() or low.endswith("ed")):
            return k
        ahead = self._auxiliary_ahead(kept[k + 1:])
        return k if ahead is None else k + 1 + ahead

    def _finite(self, token: _Token, previous: _Token) -> bool:
        return self.verbish(token.low, [], present=False) or (
            token.low in _present_forms() and self._agrees(previous, token.low))

    def _aside_end(self, kept: list[int], k: int) -> int | None:
        """Where the aside opened by the comma at ``kept[k]`` ends, if it is one: ", who ..."
        anywhere, or ", commonly known as ...," / ", installed on Monday," / ", the biggest in
        history," before a comma and the verb they interrupt. None when it is no aside."""
        if k + 1 >= len(kept):
            return None
        first = self.tokens[kept[k + 1]]
        closing = next((m for m in range(k + 1, len(kept)) if self.tokens[kept[m]].text == ","),
                       None)
        if first.low in _RELATIVES:
            return closing if closing is not None else len(kept)
        if closing is None or not first.is_word or not first.text.islower():
            return None
        opens_aside = (first.low in _DETERMINERS or _adverb(first.low)
                       or first.low in _participles() or first.low.endswith(("ed", "ing")))
        return closing if opens_aside and self._continues(kept[closing + 1:]) else None

    def _agrees(self, previous: _Token, low: str) -> bool:
        """ "Obama signs", "it ends", "tests confirm", "they agree"; not "the volunteer
        rescue" (a base form after a name is a noun) nor "air strikes" after "the"."""
        plural = previous.low.endswith("s") and not previous.low.endswith(("ss", "us", "is"))
        if low.endswith("s"):
            return previous.capitalized or previous.low in _SINGULAR_PRONOUNS or not plural
        return (previous.low in _PLURAL_PRONOUNS or previous.low in _PLURAL_WORDS
                or (plural and not previous.capitalized))

    def verbish(self, low: str, following: Sequence[int], *, present: bool = True) -> bool:
        forms = verb_forms()
        if low in forms:
            # "the rate cut boosted shares": a past form that is also a noun, before a verb.
            nxt = self.low(following[0]) if following else ""
            return not (forms[low].base == low and (nxt in forms or nxt.endswith("ed")))
        return (low in _AUXILIARIES or (present and low in _present_forms())
                or (low.endswith("ed") and len(low) > 4))

    def headline_tense(self) -> None:
        kept = self.kept()
        k = self.main_verb()
        if k is None:
            return
        subject = self._subject(kept[:k])
        if self._hidden_verb(subject):
            return  # "BP acknowledges this photo ... was altered": the verb was before
        verb = self.low(kept[k])
        nxt = kept[k + 1:k + 4]
        participles = _participles()
        if verb in ("was", "were", "is", "are") and nxt:
            # "X was killed" -> "X killed": the headline passive.
            j = 1 if (self.low(nxt[0]) in _INTENSIFIERS or _adverb(self.low(nxt[0]))) else 0
            if j < len(nxt) and self._participle(nxt[j], participles):
                self.drop([kept[k]], force=True)
            return
        if verb in ("has", "have", "had") and len(nxt) >= 2 and self.low(nxt[0]) == "been":
            j = 2 if (self.low(nxt[1]) in _INTENSIFIERS or _adverb(self.low(nxt[1]))) else 1
            if j < len(nxt) and self._participle(nxt[j], participles):
                self.drop([kept[k], nxt[0]], force=True)
            return
        if verb in ("has", "have") and nxt:
            # "BP has capped the well" -> "BP caps the well" ("has also agreed" -> "also agrees").
            j = 1 if self.low(nxt[0]) in _INTENSIFIERS and len(nxt) > 1 else 0
            if self.low(nxt[j]) in participles:
                forms = participle_forms()[self.low(nxt[j])]
                # The auxiliary already agrees with the subject: "has" one, "have" many.
                form: str | None = forms.present if verb == "has" else forms.base
                if self._auxiliary_ahead(kept[k + 2 + j:]) is not None:
                    form = None
                if form is not None:
                    self.drop([kept[k]], force=True)
                    self.replaced[nxt[j]] = form
                    self._changed()
            return
        if verb in verb_forms():
            form = self._present(verb_forms()[verb], subject, kept[k + 1:], say=verb in _SAY)
            if form is not None:
                self.replaced[kept[k]] = form
                many = form != verb_forms()[verb].present
                # "killed 11 workers, sank a rig and led to ..." -> "kills ..., sinks ... and
                # leads ...": verbs sharing the subject move with it.
                for j in range(k + 2, len(kept)):
                    low = self.low(kept[j])
                    if low in _CLAUSE_OPENERS or self.pronoun(kept[j]):
                        break
                    joined = self.low(kept[j - 1]) in (",", "and", "or", "but")
                    if joined and low in verb_forms() and self.tokens[kept[j]].text.islower() and (
                            j + 1 >= len(kept) or self.low(kept[j + 1]) != "by"):
                        later = verb_forms()[low]
                        self.replaced[kept[j]] = later.base if many else later.present
                self._changed()

    def _participle(self, i: int, participles: frozenset[str]) -> bool:
        token = self.tokens[i]
        return token.is_word and not token.capitalized and (
            token.low in participles or (token.low.endswith("ed") and len(token.low) > 4))

    def _hidden_verb(self, subject: list[int]) -> bool:
        """An unlisted verb inside what looks like the subject: a name, an -s word, then a
        determiner or pronoun ("BP acknowledges this photo", "Obama insists he")."""
        for j in range(1, len(subject) - 1):
            token, nxt = self.tokens[subject[j]], self.low(subject[j + 1])
            if (token.text.islower() and token.low.endswith("s") and not token.low.endswith("ss")
                    and self.tokens[subject[j - 1]].capitalized
                    and (nxt in _DETERMINERS or nxt in _PRONOUNS)):
                return True
        return False

    def _subject(self, before: list[int]) -> list[int]:
        """The words of the subject: the last comma segment before the verb that is not a
        relative aside ("In Haiti, rescuers", "..., she said", "Clinton, the secretary of
        state,")."""
        segments: list[list[int]] = [[]]
        for i in before:
            if self.tokens[i].text in (",", ":"):
                segments.append([])
            elif self.tokens[i].kind in (_WORD, _CLITIC):
                segments[-1].append(i)
        for segment in reversed(segments):
            if segment and self.low(segment[0]) not in _RELATIVES:
                return segment
        return []

    def _auxiliary_ahead(self, rest: Sequence[int]) -> int | None:
        """Position in ``rest`` of a verb still in the clause of the past form before it: an
        auxiliary, or a past form after a noun or adverb ("the commission set up to
        investigate the spill also began"); then that past form was a participle inside the
        subject. A comma, a relative, a subordinator or a new subject ("... and they were")
        opens another clause; after "and" a past form shares the subject ("arrested a man and
        charged him")."""
        for j, i in enumerate(rest):
            low = self.low(i)
            if low == "," or low in _CLAUSE_OPENERS or self.pronoun(i):
                return None
            if low in _AUXILIARIES:
                return j
            if j > 0 and low in verb_forms() and self.tokens[i].text.islower():
                before = self.tokens[rest[j - 1]]
                if before.low not in ("and", "or", "but", "to") and before.is_word and (
                        before.low not in _PREPOSITIONS and before.low not in _DETERMINERS):
                    return j
        return None

    def _present(self, forms: VerbForms, subject: list[int], rest: Sequence[int], *,
                 say: bool = False) -> str | None:
        if rest and self.low(rest[0]) == "by":
            return None  # "a moratorium imposed by Obama ...": a participle, not the verb
        if not say and self._auxiliary_ahead(rest) is not None:
            return None
        number = self._number(subject)
        if number is None:
            return None
        return forms.present if number == "one" else forms.base

    def _number(self, subject: list[int]) -> str | None:
        """ "one" or "many" for the subject's head noun; None when unsure."""
        if not subject:
            return None
        lows = [self.low(i) for i in subject]
        # The head is the last word before a preposition, a relative or a participle
        # ("thousands of people", "engineers working for the railway").
        cut = next((k for k, w in enumerate(lows) if k > 0 and (
            w in _PREPOSITIONS or w in _RELATIVES or w == "that"
            or self._participle_phrase(subject, k))), len(lows))
        head_at = cut - 1
        # "The US Coast Guard partially reopened": adverbs and clitics are not the head.
        while head_at > 0 and (self.tokens[subject[head_at]].kind == _CLITIC
                               or lows[head_at] in _INTENSIFIERS or _adverb(lows[head_at])):
            head_at -= 1
        head = self.tokens[subject[head_at]]
        word = head.low
        if head_at == 0 and subject[0] == self.first_word and head.capitalized and (
                not head.text.isupper()):
            # Capitalized only because it opens the sentence, or a name: "Thousands of
            # protesters", "Officials" are plural, "Brussels" or "Athens" are not.
            if word in _SINGULAR_PRONOUNS or not word.endswith("s"):
                return "one" if word not in _PLURAL_PRONOUNS | _PLURAL_WORDS else "many"
            if (cut < len(lows) and lows[cut] == "of") or word.endswith(_PLURAL_ENDINGS):
                return "many"
            return None
        if "and" in lows[:cut]:
            if word.endswith("s") and not head.capitalized:
                return "many"
            before = lows.index("and")
            if (before > 0 and self.tokens[subject[before - 1]].capitalized
                    and head.capitalized and cut <= 5):
                return "many"  # "Russia and Ukraine"
            return None
        if word in _SINGULAR_PRONOUNS or word in ("one", "each", "everyone", "nobody"):
            return "one"
        if word in _PLURAL_PRONOUNS or word in _PLURAL_WORDS:
            return "many"
        if word[:1].isdigit():
            return "one" if word == "1" else "many"
        if word.endswith(_UNSURE_ENDINGS):
            return None
        if head.capitalized:
            if head.text.isupper() or not word.endswith("s"):
                return "one"  # an acronym (BP, WHO) or a name
            if word.endswith(_PLURAL_NAMES):
                return "many"  # Russians, Democrats, Conservatives
            if word.endswith(_UNSURE_NAMES):
                return None  # Israelis or Paris, Yankees, Kurds
            return "one"  # Holmes, Texas, the United States, the Philippines
        if word.endswith(("ss", "us", "is")):
            return "one"
        return "many" if word.endswith("s") else "one"

    def _participle_phrase(self, subject: list[int], k: int) -> bool:
        """ "engineers | working for the railway"; not "the ministers' meeting in Brussels"."""
        token = self.tokens[subject[k]]
        return (token.low.endswith("ing") and token.text.islower()
                and self.tokens[subject[k - 1]].kind == _WORD
                and k + 1 < len(subject) and (self.low(subject[k + 1]) in _PREPOSITIONS
                                              or self.low(subject[k + 1]) in _DETERMINERS))

    def drop_leading_article(self) -> None:
        kept = self.kept()
        if len(kept) > 2 and self.low(kept[0]) in ("the", "a", "an") and kept[0] not in (
                self.protected):
            self.drop([kept[0]])

    def shorten(self, soft: int, hard: int) -> bool:
        """Trailing clauses go while over ``soft``; still over, the trigger's own coordinated
        clause stands alone; above ``hard`` a cut at a boundary. False when no cut fits."""
        self._trim(soft)
        if len(self.render()) > soft and self._keep_trigger_clause():
            self.headline_tense()  # the clause kept has its own subject and verb
            self.drop_leading_article()
            self._trim(soft)
        return len(self.render()) <= hard or self._cut(hard)

    def _trim(self, soft: int) -> None:
        while len(self.render()) > soft:
            if not (self._drop_trailing_clause() or self._drop_inner_aside()
                    or self._drop_bare_subordinate()):
                return

    def _keep_trigger_clause(self) -> bool:
        """ "The government sued, but the lawsuit seeks no sum": when the whole cannot fit,
        the clause after ", but" (", and", ";") that holds the trigger stands alone."""
        kept = self.kept()
        first = next((k for k, i in enumerate(kept) if i in self.protected), None)
        if first is None:
            return False
        for k in range(first - 1, 0, -1):
            if (self.tokens[kept[k - 1]].text == "," and self.low(kept[k]) in (
                    "and", "but", "yet", "while", "whereas")):
                rest = kept[k + 1:]
                opener = self.tokens[rest[0]] if rest else None
                # "..., and implies ..." shares the subject before it: no clause of its own.
                own_subject = opener is not None and (
                    opener.capitalized or opener.low in _DETERMINERS or opener.low[:1].isdigit()
                    or opener.low in _PLURAL_WORDS
                    or not (self.verbish(opener.low, []) or opener.low.endswith(("s", "ed"))))
                if (own_subject and self.main_verb(rest) is not None
                        and not self.pronoun(rest[0])):
                    return self.drop(kept[:k + 1])
                return False
        return False

    def _cut_floor(self, kept: list[int]) -> int:
        """Nothing before this position may be cut: the trigger and one word past the verb."""
        floor = 0
        verb = self.main_verb()
        if verb is not None:
            floor = verb + 1
        for k, i in enumerate(kept):
            if i in self.protected:
                floor = max(floor, k + 1)
        return floor

    def _drop_trailing_clause(self) -> bool:
        kept = self.kept()
        floor = self._cut_floor(kept)
        unfinished = self._unfinished(kept)
        for k in range(len(kept) - 1, max(floor, 1) - 1, -1):
            token = self.tokens[kept[k]]
            if unfinished[k]:
                continue
            if token.text == ":" or (token.text == "," and k + 1 < len(kept) and self._opens_clause(
                    kept[k + 1])):
                closing = next((m for m in range(k + 1, len(kept))
                                if self.tokens[kept[m]].text == ","), None)
                if closing is not None and self._continues(kept[closing + 1:]):
                    # "valves, known as preventers, are reliable": an aside, not the end.
                    return self.drop(kept[k:closing + 1])
                return self.drop(kept[k:])
        return False

    def _opens_clause(self, i: int) -> bool:
        """After a comma: a function word, a participle or an adverb starts a clause or aside; a
        name or a number does not (", Port-au-Prince" and lists keep their places), nor a verb,
        which continues the clause an aside interrupted (", has soiled ...")."""
        token = self.tokens[i]
        if not token.is_word or not token.text[:1].islower() or self._continues([i]):
            return False
        # "..., containment, relief well drilling": a bare noun is the next item of a list.
        low = token.low
        return (low in _CLAUSE_CUTS or low in _RELATIVES or low in _DETERMINERS
                or low in _PREPOSITIONS or low in _ALWAYS_DROPPED or low in _participles()
                or low.endswith(("ing", "ed")) or _adverb(low))

    def _continues(self, rest: Sequence[int], *, loose: bool = False) -> bool:
        """Whether ``rest`` opens with a finite verb (an auxiliary or a listed form; ``loose``,
        any -ed word), maybe after an adverb (", again called ...")."""
        rest = list(rest[:3])
        while len(rest) > 1 and _adverb(self.low(rest[0])):
            rest.pop(0)
        if not rest or not self.tokens[rest[0]].text.islower():
            return False
        low = self.low(rest[0])
        return (low in _AUXILIARIES or low in verb_forms() or low in _present_forms()
                or (loose and low.endswith("ed") and len(low) > 4))

    def _drop_inner_aside(self) -> bool:
        segments = self.segments()
        verb = self.main_verb()
        kept = self.kept()
        for n in range(1, len(segments) - 1):
            words = self.words(segments[n])
            first = self.low(words[0]) if words else ""
            if words and len(words) <= 16 and (
                    first in _RELATIVES or first in _DETERMINERS or first in _participles()
                    or ((first.endswith(("ed", "ing")) or _adverb(first))
                        and self.tokens[words[0]].text.islower())):
                position = kept.index(segments[n][0])
                if (verb is None or position < verb) and self.drop_segment(segments, n):
                    return True
        return False

    def _drop_bare_subordinate(self) -> bool:
        kept = self.kept()
        floor = self._cut_floor(kept)
        unfinished = self._unfinished(kept)
        for k in range(len(kept) - 1, max(floor, 1) - 1, -1):
            if unfinished[k]:
                continue
            # A bare "as" is too often no clause ("the well as configured", "as many as").
            if (self.low(kept[k]) in _SUBORDINATORS and self.low(kept[k]) != "as"
                    and self.drop(kept[k:])):
                return True
        return False

    def _quantity(self, kept: list[int], k: int) -> bool:
        """ "as many as 10,000", "as well as": this "as" opens no clause."""
        return (self.low(kept[k]) == "as" and k + 1 < len(kept)
                and self.low(kept[k + 1]) in _AS_QUANTITY)

    def _unfinished(self, kept: list[int]) -> list[bool]:
        """For each position, whether cutting there leaves a clause without its verb: after
        "that", "because", "which" or a reporting verb ("says all three companies BP, |
        Halliburton and Transocean were ...") until a verb comes. ``kept`` is ``self.kept()``."""
        if self._unfinished_at is None:
            self._unfinished_at = self._find_unfinished(kept)
        return self._unfinished_at

    def _find_unfinished(self, kept: list[int]) -> list[bool]:
        unfinished = [False] * (len(kept) + 1)
        waiting = 0  # verbs still owed: "says that | as time goes on, | knowing ... can be"
        opened = False  # the word before opened a clause
        for k in range(1, len(kept) + 1):
            previous = self.tokens[kept[k - 1]]
            following = self.low(kept[k]) if k < len(kept) else ""
            if previous.low in _CLAUSE_OPENERS or (previous.low == "as" and opened) or (
                    previous.low in _CLAUSE_VERBS and following != "that"):
                waiting = waiting + 1 if opened else max(waiting, 1)
                opened = True
                unfinished[k] = True
                continue
            opened = False
            before = self.tokens[kept[k - 2]] if k > 1 else None
            if before is not None and before.low not in _PREPOSITIONS and (
                    before.low not in _DETERMINERS) and (
                    self.verbish(previous.low, kept[k:k + 1], present=False) or (
                        previous.low in _present_forms() and self._agrees(before, previous.low))):
                waiting = max(waiting - 1, 0)  # not "for lost wages": no verb after "for"
            unfinished[k] = waiting > 0
        return unfinished

    def _cut(self, hard: int) -> bool:
        kept = self.kept()
        floor = max(self._cut_floor(kept), 2)
        verb = self.main_verb()
        ends = self._rendered_ends(kept)
        best: dict[int, int] = {}
        unfinished = self._unfinished(kept)
        for k in range(1, len(kept)):
            if ends[k - 1] > hard:
                break
            token = self.tokens[kept[k]]
            previous = self.tokens[kept[k - 1]]
            quoted = self.in_quotes[kept[k]] and self.in_quotes[kept[k - 1]]
            if k < floor or unfinished[k] or quoted:
                continue  # "reports that two students |" or "a 'mobile | drilling unit'"
            if ((previous.low in _DANGLING and previous.text.islower())
                    or _adverb(previous.low) or previous.kind not in (_WORD, _CLITIC, _CLOSE)):
                continue  # not after "and", "the", "now" or "rapidly"
            if (token.kind == _PUNCT and token.text not in (",", ";", ":")) or (
                    k > 1 and self.low(kept[k - 2]) == "to" and previous.low in _present_forms()):
                continue  # "Adm. Thad W. | Allen", "$ | 48m"; "rushed to release | or transfer"
            if token.low in ("and", "or") and (
                    "between" in (self.low(i) for i in kept[max(k - 4, 0):k])
                    or previous.low[:1].isdigit()):
                continue  # "between 1,000 | and 1,500"
            if token.low in ("and", "or"):
                after = self.tokens[kept[k + 1]] if k + 1 < len(kept) else None
                if after is not None and after.is_word and after.text.islower() and not (
                        after.low in _DETERMINERS or after.low in _PRONOUNS
                        or after.low[:1].isdigit() or self.verbish(after.low, [])):
                    continue  # "an economic | and environmental disaster"
            if token.low == "as" and (previous.low in _participles()
                                      or previous.low.endswith("ed")):
                continue  # "seen | as the start of ...": a preposition here
            clause_word = (token.low in _CLAUSE_CUTS and not self._quantity(kept, k)) or (
                token.low == "that" and previous.capitalized)
            if token.kind == _PUNCT or clause_word:
                level = 0  # "... in Hong Kong | that was seen as ..." (a relative after a name)
            elif token.is_word and token.low.endswith("ing") and token.text.islower() and (
                    previous.is_word and previous.text.islower()
                    and not self.verbish(previous.low, []) and previous.low not in _PARTICLES):
                # "march through the capital | demanding ...", but not "has the Service |
                # re-examining ..." or "would stop | calling ...", where it completes the verb.
                level = 1
            elif token.low in _PREPOSITIONS and token.low not in ("to", "of") and not (
                    verb is not None and k == verb + 1 and token.low in _ARGUMENT_PREPOSITIONS):
                # Right after the verb, only an adjunct: "march | through the capital", not
                # "calls | for a halt".
                # Not before "to" or "of": "agreed | to swap" and "a state | of emergency" lose
                # their point; and not inside a name ("Bank | for International Settlements").
                nxt = self.tokens[kept[k + 1]] if k + 1 < len(kept) else None
                if previous.capitalized and nxt is not None and nxt.capitalized:
                    continue
                level = 1
            else:
                continue  # a bare word boundary is not a phrase boundary: better no headline
            best[level] = k
        for level in (0, 1):
            if level in best:
                self.drop(kept[best[level]:], force=True)
                return True
        return False

    def _rendered_ends(self, kept: list[int]) -> list[int]:
        """Per kept token, the length of the rendered text up to its end."""
        ends, total = [], 0
        for piece in self._pieces(kept):
            total += len(piece)
            ends.append(total)
        return ends

    def tidy(self) -> None:
        """No leading or trailing punctuation, no dangling function word at the end."""
        for _ in range(len(self.tokens)):
            kept = self.kept()
            if not kept:
                return
            last = self.tokens[kept[-1]]
            if last.kind in (_PUNCT, _DASH, _OPEN) or (last.kind == _QUOTE and not any(
                    self.tokens[i].kind == _QUOTE for i in kept[:-1])) or (
                    last.low in _DANGLING and last.is_word and last.text.islower()):
                if not self.drop([kept[-1]]):
                    return
            else:
                break
        self._strip_leading_punctuation(self.kept())
        kept = self.kept()
        # ", ," or ": ," left where something between them went.
        doubled = [i for previous, i in pairwise(kept)
                   if self.tokens[i].text in (",", ";") and self.tokens[previous].text in (
                       ",", ";", ":")]
        if doubled:
            self.drop(doubled)
            kept = self.kept()
        quotes = [k for k, i in enumerate(kept) if self.tokens[i].kind == _QUOTE]
        if len(quotes) % 2:
            # A quotation opened and never closed ("told reporters, `` It 's clear ..."): what
            # follows is someone's words, not the news; a stray mark just goes.
            mark = quotes[-1]
            if not (mark + 1 < len(kept) and all(self.in_quotes[i] for i in kept[mark + 1:])
                    and self.drop(kept[mark:])):
                self.drop([kept[k] for k in quotes], force=True)
            self.tidy()


def _rejected(sentence: str) -> bool:
    """Questions, boilerplate, numbers and shouting: nothing a headline can say."""
    if "?" in sentence:
        return True
    letters = sum(map(str.isalpha, sentence))
    digits = sum(map(str.isdigit, sentence))
    if letters < 8 or digits > 0.35 * (letters + digits):
        return True
    if sum(map(str.isupper, sentence)) > 0.6 * letters:
        return True
    lowered = sentence.lower()
    return (any(marker in lowered for marker in _BOILERPLATE)
            or sum(sentence.count(mark) for mark in _SEPARATORS) >= 2)


def headline(sentence: str, trigger: tuple[int, int] | None = None, *,
             dates: Sequence[tuple[int, int]] = (), max_chars: int = 90) -> str | None:
    """A headline of at most ``max_chars`` built from ``sentence``, or None.

    ``trigger`` is the event word's span in the sentence (kept, with its clause); ``dates`` are
    spans of temporal expressions, dropped with their preposition.
    """
    if len(sentence) > MAX_SENTENCE_CHARS or not sentence.strip() or _rejected(sentence):
        return None
    draft = _Draft(sentence, trigger)
    fallback = [(m.start(), m.end()) for m in _FALLBACK_DATES.finditer(sentence)
                if not _after_name(sentence, m.start(), m.group())]
    draft.drop_dates([*dates, *fallback])
    draft.drop_brackets()
    draft.drop_dash_asides()
    draft.split_at((), frozenset({";"}))
    draft.drop_leading_adverbials()
    draft.drop_attribution()
    draft.drop_leading_adverbials()
    if draft.quotation_or_attribution_only():
        return None
    draft.headline_tense()
    draft.drop_leading_article()
    draft.tidy()
    if not draft.shorten(int(max_chars * _SOFT_SHARE), max_chars):
        return None
    draft.drop_leading_article()
    draft.tidy()
    kept = draft.kept()
    words = draft.words(kept)
    if len(words) < 2 or (draft.main_verb() is None and not _has_verb(draft, kept)):
        return None
    if draft.is_attribution(kept, whole=True) or draft.low(words[-1]) in _SAY:
        return None  # "Hutchinson says": what was said did not fit
    if draft.pronoun(words[0]) or draft.low(words[0]) in _POSSESSIVES or (
            draft.pronoun_after_place(kept)):
        return None
    if draft.low(words[0]) in _CLAUSE_OPENERS | {"once", "since", "as"} and not any(
            draft.tokens[i].text == "," for i in kept):
        return None  # "Once you have lots of cases": the main clause was cut
    if len(words) > 1 and draft.verbish(draft.low(words[0]), []) and draft.low(words[1]) in (
            _DETERMINERS):
        return None  # "Shows the site of ...": the subject was lost
    text = draft.render()
    if not text or len(text) > max_chars:
        return None
    first = len(text) - len(text.lstrip("\"'“‘(["))  # '"Junk shot" fails', not "70 Orphans"
    return text[:first] + text[first:first + 1].upper() + text[first + 1:]


def _has_verb(draft: _Draft, kept: list[int]) -> bool:
    """A verb anywhere but first ("Tests confirm ...", "Jackson dies"), or an unlisted -s word
    after a name ("Gary Johnson swears by ..."): not a bare noun phrase. A verb after "who",
    "which" or "that" is not the sentence's ("Michelle Bachelet, who has been visiting ...")."""
    relative = False
    previous: _Token | None = None
    for i in kept:
        token = draft.tokens[i]
        if token.text == ",":
            relative = False
        elif previous is not None and (token.low in _RELATIVES or token.low == "that"):
            relative = True  # "An oil spill that might foul her properties": no verb of its own
        elif (previous is not None and token.is_word and not token.capitalized and not relative
              and (draft.verbish(token.low, []) or (
                  token.low.endswith("s") and previous.capitalized))):
            return True
        previous = token
    return False


def _after_name(sentence: str, start: int, found: str) -> bool:
    """ "Black Monday", "London's Sunday Telegraph", "the Sunday Times": a bare weekday next
    to a capitalized word or after a possessive is part of a name."""
    if not found[:1].isupper() or found.lower().startswith("on "):
        return False
    after = sentence[start + len(found):].split()
    if after and after[0][:1].isupper():
        return True
    before = sentence[:start].rstrip()
    if not before or before[-1] in ".!?\"“":
        return False
    word = before.split()[-1]
    return word[:1].isupper() or word.endswith(("'s", "’s"))
