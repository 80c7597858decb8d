"""Which parts of an article's plain text are not the article: reader comments and page furniture.

Extracted article text often still carries a reader-comment thread after the story ("At 4:05 pm
on 2 Jun 2009, someuser wrote: ...", "Posted by: jdoe42 | June 3, 2010 9:41 PM | Report abuse")
and furniture lines inside it (credits, bylines, copyright, share and sign-up prompts, photo
credits, player notices). A dated sentence in either becomes a false event, so
``furniture_spans`` names those character spans and ``is_furniture_sentence`` judges one sentence
by the line rules; the caller skips sentences that start inside a span.

The rules are data (``tracker/data/furniture.tsv``: name, kind, regex, example). A comment block
needs strong evidence: a commenter with a timestamp, two commenter markers close together, or a
mark only posted comments carry ("Report abuse", "Comment number 3."). A lone "the minister
wrote:" is news. A furniture sentence must be furniture from end to end, so a caption glued to a
news sentence leaves the sentence alone.

It does not change the text (spans are offsets into it), detect comments that carry no marker at
all, or find boilerplate that repeats across an outlet's articles (teasers, promos: that needs
counts over many articles, kept in the database). Pure and linear: no I/O beyond reading its
data once.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal, cast, get_args

from tracker.extract.sentences import MAX_SENTENCE_CHARS, split_sentences

RuleKind = Literal["macro", "comment_marker", "comment_section", "comment_header", "line"]

# Furniture lines are short; a longer sentence is news, and the bound keeps the work per
# sentence constant.
MAX_FURNITURE_CHARS = 400
# Comments in one thread follow each other closely; two commenter markers further apart than
# this are more likely two quotes in a story than a thread.
MARKER_CHAIN_CHARS = 3000
# A heading such as "Comments (12)" joins a block only when it stands right before it: the same
# words in a page header must not pull the whole story into the block.
HEADER_REACH_CHARS = 600
HEADER_REACH_LINES = 3
# Comment rules read a few blanks between a comment's fields ("jdoe42 · 2 hours ago"); a rule
# written with two optional runs of them (``[ \t]*[,·•|–-]?[ \t]*``) backtracks over every
# way to split a long run of blanks between the two: quadratic in the run (a 20,000-space run
# took seconds, a 1 MB one would take hours). The comment rules therefore read a copy of the text
# whose runs of more than this many blanks are cut to this many, and what they find is mapped
# back: no rule counts that many blanks, so none tells such a run from a longer one. A text
# without such a run (any ordinary article) is read as it is.
MAX_BLANK_RUN = 64

_MACRO_REF = re.compile(r"\{([A-Z][A-Z_]*)\}")
# What may stand between two furniture units of one sentence ("Reporting by A; Editing by B").
_UNIT_SEPARATOR = re.compile(r"(?:[\s.;,:|·•–—]|-(?![LR][RC]B-))*")  # not the "-" of "-LRB-"
# {LINE} consumes the line break before a rule: a match starts at the first word after it.
_WHITESPACE = re.compile(r"\s*")
_LONG_BLANKS = re.compile(rf"[ \t]{{{MAX_BLANK_RUN}}}[ \t]+")


@dataclass(frozen=True)
class Rule:
    """One row of ``furniture.tsv``, its regex with the macros expanded."""

    name: str
    kind: RuleKind
    regex: str
    example: str


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The rules shipped with the package, in file order (macros included)."""
    raw = resources.files("tracker").joinpath("data/furniture.tsv").read_text(encoding="utf-8")
    return parse_rules(raw)


def parse_rules(raw: str) -> tuple[Rule, ...]:
    """Rules from the TSV format described in the file's header; errors name the line."""
    macros: dict[str, str] = {}
    parsed: list[Rule] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"furniture.tsv:{number}: want 4 tab-separated fields")
        name, kind, regex, example = fields
        if kind not in get_args(RuleKind):
            raise ValueError(f"furniture.tsv:{number}: unknown kind {kind!r}")
        expanded = _expand(regex, macros, number)
        try:
            re.compile(expanded)
        except re.error as error:
            raise ValueError(f"furniture.tsv:{number} ({name}): {error}") from error
        if kind == "macro":
            # Grouped, so "{LP}?" makes the whole macro optional, not its last atom.
            macros[name] = f"(?:{expanded})"
        example = example.replace("\\n", "\n")
        parsed.append(Rule(name, cast(RuleKind, kind), expanded, example))
    return tuple(parsed)


def _expand(regex: str, macros: dict[str, str], number: int) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise ValueError(f"furniture.tsv:{number}: unknown macro {{{name}}}")
        return macros[name]

    return _MACRO_REF.sub(substitute, regex)


@dataclass(frozen=True)
class _Compiled:
    markers: tuple[re.Pattern[str], ...]
    sections: tuple[re.Pattern[str], ...]
    headers: tuple[re.Pattern[str], ...]
    units: tuple[re.Pattern[str], ...]
    any_unit: re.Pattern[str]
    unit_at_line_start: re.Pattern[str]


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    by_kind: dict[str, list[Rule]] = {}
    for rule in rules():
        by_kind.setdefault(rule.kind, []).append(rule)
    line = next(r.regex for r in by_kind["macro"] if r.name == "LINE")
    units = "|".join(f"(?:{r.regex})" for r in by_kind["line"])
    return _Compiled(
        markers=tuple(re.compile(r.regex) for r in by_kind.get("comment_marker", [])),
        sections=tuple(re.compile(r.regex) for r in by_kind.get("comment_section", [])),
        headers=tuple(re.compile(r.regex) for r in by_kind.get("comment_header", [])),
        units=tuple(re.compile(r.regex) for r in by_kind["line"]),
        any_unit=re.compile(units),
        # One search over the whole text finds the candidate furniture lines in C, instead of a
        # Python call per sentence.
        unit_at_line_start=re.compile(f"{line}(?:{units})"),
    )


def is_furniture_sentence(sentence: str) -> bool:
    """Whether the sentence is page furniture from end to end (a credit, byline, prompt...)."""
    text = sentence.strip()
    if not text or len(text) > MAX_FURNITURE_CHARS:
        return False
    # Cheap rejection first: almost every sentence starts with no furniture unit at all.
    if _compiled().any_unit.match(text) is None:
        return False
    # The first unit that fits usually covers the sentence; when it does not, the longest unit
    # at each step may ("By Mara Lind | March 3, 2011" read as a byline, not a bare name).
    return _covered(text, _first_unit_end) or _covered(text, _longest_unit_end)


def _covered(text: str, unit_end: Callable[[str, int], int]) -> bool:
    position = 0
    while True:
        position = _skip_separators(text, position)
        if position >= len(text):
            return True
        end = unit_end(text, position)
        if end <= position:
            return False
        position = end


def _first_unit_end(text: str, position: int) -> int:
    match = _compiled().any_unit.match(text, position)
    return match.end() if match else position


def _longest_unit_end(text: str, position: int) -> int:
    ends = (m.end() for unit in _compiled().units if (m := unit.match(text, position)))
    return max(ends, default=position)


def _skip_separators(text: str, position: int) -> int:
    match = _UNIT_SEPARATOR.match(text, position)
    return match.end() if match else position


def _first_word(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def furniture_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that are not the article: furniture sentences and the comment block.

    Sorted, non-overlapping ``(start, end)`` offsets into ``text``. The comment block, when there
    is one, runs from the sentence holding its first marker to the end of the text.
    """
    block = _comment_block_start(text)
    story_end = len(text) if block is None else block
    spans = _furniture_sentences(text, story_end)
    if block is not None and block < len(text):
        spans.append((block, len(text)))
    return _merged(spans)


def _furniture_sentences(text: str, end: int) -> list[tuple[int, int]]:
    """Furniture sentences at the start of a line, and those right after them on that line.

    Furniture stands in its own paragraph; looking only at line starts lets one search in C find
    the candidates. A furniture sentence elsewhere in a line is left to ``is_furniture_sentence``.
    """
    spans: list[tuple[int, int]] = []
    compiled = _compiled()
    # The first line has no line break before it for {LINE} to consume: try it directly.
    first = _first_word(text, 0)
    if first < end and compiled.any_unit.match(text, first, end):
        spans.extend(_leading_furniture(text, first, end))
    position = 0
    while match := compiled.unit_at_line_start.search(text, position, end):
        start = _first_word(text, match.start())
        spans.extend(_leading_furniture(text, start, end))
        # On from the end of this line: a unit may have matched across the line break.
        line_end = text.find("\n", start, end)
        position = end if line_end == -1 else line_end
    return spans


def _leading_furniture(text: str, start: int, end: int) -> list[tuple[int, int]]:
    line_end = text.find("\n", start, end)
    window_end = min(end if line_end == -1 else line_end, start + 4 * MAX_FURNITURE_CHARS)
    if is_furniture_sentence(text[start:window_end]):
        # Every sentence of the line is furniture: one span, no need to split it.
        return [(start, start + len(text[start:window_end].rstrip()))]
    spans: list[tuple[int, int]] = []
    # Sentences as the caller's splitter cuts them, so a span starts where a sentence starts.
    for sentence in split_sentences(text[start:window_end]):
        if not is_furniture_sentence(sentence.text):
            break
        spans.append((start + sentence.start, start + sentence.end))
    return spans


@dataclass(frozen=True)
class _Evidence:
    start: int
    strong: bool


def _comment_block_start(text: str) -> int | None:
    start = _first_opener(text)
    if start is None:
        return None
    return _sentence_start(text, _pull_back_to_headers(text, start))


def _first_opener(text: str) -> int | None:
    """Where the first comment evidence strong enough to open a block starts.

    A marker without a timestamp ("jdoe42 wrote:") opens one only when more comment evidence
    follows close by: one such line can be a quote in a story, a thread has many. Walks all
    rules' matches in text order, lazily, and stops at the answer.
    """
    compiled = _compiled()
    blanks = _Squeezed(text)
    streams = [_evidence(text, blanks, p, strong=False) for p in compiled.markers]
    streams += [_evidence(text, blanks, p, strong=True) for p in compiled.sections]
    previous: _Evidence | None = None
    for item in heapq.merge(*streams, key=lambda e: e.start):
        if previous is not None and item.start - previous.start <= MARKER_CHAIN_CHARS:
            return previous.start
        if item.strong:
            return item.start
        previous = item
    return None


class _Squeezed:
    """A text with its runs of more than ``MAX_BLANK_RUN`` blanks cut to that many, and the way
    back from its offsets to the text's."""

    __slots__ = ("_cuts", "_dropped", "text")

    def __init__(self, text: str) -> None:
        self._cuts: list[int] = []  # where, in the copy, each cut run goes on
        self._dropped: list[int] = []  # blanks dropped up to and including that cut
        pieces: list[str] = []
        kept_to = dropped = 0
        for run in _LONG_BLANKS.finditer(text):
            keep_end = run.start() + MAX_BLANK_RUN
            pieces.append(text[kept_to:keep_end])
            dropped += run.end() - keep_end
            self._cuts.append(run.end() - dropped)
            self._dropped.append(dropped)
            kept_to = run.end()
        self.text = text if not pieces else "".join(pieces) + text[kept_to:]

    def original(self, position: int) -> int:
        """The text's offset of the copy's ``position``."""
        i = bisect.bisect_right(self._cuts, position)
        return position + (self._dropped[i - 1] if i else 0)


def _evidence(text: str, blanks: _Squeezed, pattern: re.Pattern[str],
              strong: bool) -> Iterator[_Evidence]:
    timed = "when" in pattern.groupindex
    for match in pattern.finditer(blanks.text):
        is_strong = strong or (timed and match.group("when") is not None)
        yield _Evidence(_first_word(text, blanks.original(match.start())), is_strong)


def _pull_back_to_headers(text: str, start: int) -> int:
    headers = _compiled().headers
    while True:
        # Only the text just before the block can hold a heading that joins it.
        window = max(0, start - HEADER_REACH_CHARS - MAX_FURNITURE_CHARS)
        ends_before = [
            (m.end(), _first_word(text, m.start()))
            for p in headers for m in p.finditer(text, window, start) if m.end() <= start
        ]
        if not ends_before:
            return start
        header_end, header_start = max(ends_before)
        if (start - header_end > HEADER_REACH_CHARS
                or text.count("\n", header_end, start) > HEADER_REACH_LINES
                or header_start >= start):
            return start
        start = header_start


def _sentence_start(text: str, position: int) -> int:
    """Where the caller's sentence holding ``position`` starts.

    A comment signature ("... Posted by: jdoe42 | June 3, 2010") ends the sentence it sits in; if
    the span began at the marker, the caller would keep that sentence and the date in it.
    """
    line_start = text.rfind("\n", 0, position) + 1
    window_start = max(line_start, position - 2 * MAX_SENTENCE_CHARS)
    line_end = text.find("\n", position)
    window_end = min(len(text) if line_end == -1 else line_end, position + MAX_SENTENCE_CHARS)
    for sentence in split_sentences(text[window_start:window_end]):
        if window_start + sentence.start > position:
            break
        if position < window_start + sentence.end:
            return window_start + sentence.start
    return position


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
