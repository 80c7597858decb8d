"""Split article text into sentences with character offsets.

Rule-based and fast: a sentence ends at ., ! or ? (plus closing quotes or brackets) followed by
space and a capital, digit or quote, unless the dot ends a known abbreviation ("Gen.", "U.S.",
"p.m."), and at every line break (headlines, bullets and paragraphs carry no full stop).
Overlong runs (a 100,000-digit "sentence") are cut at whitespace into bounded pieces, so later
stages never see unbounded input. It does not tokenize words or detect language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCE_CHARS = 1500

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen lt col maj capt cmdr adm sgt sen rep gov pres supt insp
    rev fr hon amb no vol fig jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed
    thu thur thurs fri sat sun inc corp ltd co bros dept univ est approx vs etc al e.g i.e u.s
    u.k u.n a.m p.m mt ft""".split()
)
# End of sentence candidates: terminal punctuation, then optional closers, then whitespace.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_LINE_BREAK = re.compile(r"\n")


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
