"""Split article text into sentences with character offsets.

Rule-based and fast: a sentence ends at ., ! or ? (plus closing quotes or brackets) followed by
space and a capital (Latin, accented, Turkish or Cyrillic), digit or quote, unless the dot ends
a known abbreviation ("Gen.", "U.S.", "p.m."), and at every line break (headlines, bullets
and paragraphs carry no full stop).
Overlong runs (a 100,000-digit "sentence") are cut at whitespace into bounded pieces, so later
stages never see unbounded input. ``cut_point`` says where to cut a text that is too long, at a
paragraph or sentence boundary. It does not tokenize words or detect language. Linear in the
text's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCE_CHARS = 1500
# How far back from a length limit ``cut_point`` looks for a paragraph or sentence to end on:
# far enough to find one in any prose, near enough to keep nearly all that the limit allows.
CUT_REACH = 10_000

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen lt col maj capt cmdr adm sgt sen rep gov pres supt insp
    rev fr hon amb no vol fig jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed
    thu thur thurs fri sat sun inc corp ltd co bros dept univ est approx vs etc al e.g i.e u.s
    u.k u.n a.m p.m mt ft""".split()
)
# End of sentence candidates: terminal punctuation, then optional closers, then whitespace.
# A candidate starts only where a run of marks starts: tried at every mark of a long run
# ("......"), each attempt would scan the rest of the run, quadratic in its length. A match
# never starts inside a run anyway (the run's rest is followed by what follows the whole run).
# A capital is Latin (with the accented and Turkish ones: "Ümit", "İstanbul") or Cyrillic.
_BOUNDARY = re.compile(
    r"(?<![.!?])[.!?]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9À-ÖØ-ÞĞİŞА-ЯЁЄІЇҐ])")
_LINE_BREAK = re.compile(r"\n")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order; ``text[s.start:s.end] == s.text``, stripped of spaces."""
    sentences: list[Sentence] = []
    line_start = 0
    for line_break in [*_LINE_BREAK.finditer(text), None]:
        line_end = line_break.start() if line_break else len(text)
        _split_line(text, line_start, line_end, sentences)
        line_start = line_break.end() if line_break else len(text)
    return sentences


def _split_line(text: str, start: int, end: int, out: list[Sentence]) -> None:
    piece_start = start
    for match in _BOUNDARY.finditer(text, start, end):
        if match.group().startswith(".") and _is_abbreviation(text, piece_start, match.start()):
            continue
        _emit(text, piece_start, match.end(), out)
        piece_start = match.end()
    _emit(text, piece_start, end, out)


def _is_abbreviation(text: str, piece_start: int, dot: int) -> bool:
    word_start = dot
    while word_start > piece_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lower().lstrip("\"'“‘(")
    if word in _ABBREVIATIONS:
        return True
    # Initials ("J. Smith") and dotted acronyms ("U.S.") do not end sentences.
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _emit(text: str, start: int, end: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        if cut <= start:
            cut = start + MAX_SENTENCE_CHARS
        _emit(text, start, cut, out)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


def cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` so that at most ``limit`` characters remain: ``len(text)`` when it
    is short enough; else the end of the last paragraph, or failing that of the last sentence
    or line, that ends within ``CUT_REACH`` characters before the limit; else the last space
    there; else the limit itself. Trailing spaces are left out of what remains."""
    if len(text) <= limit:
        return len(text)
    low = max(0, limit - CUT_REACH)
    cut = max((m.start() for m in _PARAGRAPH_BREAK.finditer(text, low, limit + 1)), default=-1)
    if cut < 0:
        cut = text.rfind("\n", low, limit + 1)
        # A sentence end is only known from the words after it: read a few past the limit.
        for match in _BOUNDARY.finditer(text, low, limit + 3):
            if match.end() <= limit and not (match.group().startswith(".") and
                                             _is_abbreviation(text, low, match.start())):
                cut = max(cut, match.end())
    if cut < 0:
        cut = max((m.start() for m in _SPACE.finditer(text, low, limit + 1)), default=limit)
    while cut > 0 and text[cut - 1].isspace():
        cut -= 1
    return cut
