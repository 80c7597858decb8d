"""Extraction takes time linear in the length of the text, whatever the text is made of.

Texts are generated from a news vocabulary (dates, numbers, names, places, triggers, function
words, punctuation) in proportions hypothesis draws, in blocks that also carry long runs of
digits, blanks, letters without a space, dots or capitalized words. Time is the process's CPU
time (other processes on the machine do not count), for a text of n characters and one of 4n
made the same way: linear work gives about 4 times as much, quadratic 16 times. Pathological
inputs (a 100,000-digit sentence, 2 MB without a space, a commenter line padded with a million
blanks) must extract quickly and give a bounded result. The index-based helpers that replaced
scans must answer exactly as the scans did.
"""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.extract.events import Trigger, lexicon
from tracker.extract.furniture import furniture_spans
from tracker.extract.mentions import (
    _CLAUSE_BREAK,
    MAX_MENTIONS_PER_ARTICLE,
    Extraction,
    _Clauses,
    _gap,
    _NearestTrigger,
    extract_all,
)
from tracker.models import Article

PUBLISHED = datetime(2025, 5, 16, 9, tzinfo=UTC)

DATES = ["May 5, 2025", "on Friday", "last week", "2024-05-06", "3 p.m. Tuesday", "in March",
         "two days ago", "the first quarter of 2024", "since 2022", "12/05/2024", "early June"]
NUMBERS = ["3,000", "12.5", "40 percent", "$1.2 billion", "1990s", "No. 7", "1.2.3.4"]
NAMES = ["Vladimir Putin", "Recep Tayyip Erdogan", "Ms. Keller", "President Zelenskyy",
         "the Russian president", "Gen. Ana Ruiz", "Kenji Sato", "Smith"]
PLACES = ["Istanbul", "Kyiv", "the Donetsk region", "Geneva", "Washington", "Turkey",
          "Russian", "Ukrainian", "Paris, Texas"]
TRIGGERS = ["talks", "fighting", "met", "strike", "ceasefire", "said", "elections", "protest",
            "killed", "summit", "vote", "attack"]
WORDS = ["the", "a", "of", "and", "in", "on", "with", "officials", "delegates", "would", "will",
         "not", "after", "before", "but", "while", "report", "government"]
PUNCT = [". ", ", ", "; ", ": ", "! ", "? ", "\n", "\n\n", ' "', '" ', " (", ") ", " – "]
CLASSES = [DATES, NUMBERS, NAMES, PLACES, TRIGGERS, WORDS, PUNCT]
# Long runs a block may carry: what a regex could backtrack over, or a sentence never end in.
RUNS = {"digits": "7", "blanks": " ", "no spaces": "ab", "dots": ".", "capitals": "Alpha Beta "}
BLOCK = 20_000


def block(seed: int, weights: list[float], runs: list[str]) -> str:
    """About ``BLOCK`` characters of made-up news in the given proportions, with the runs."""
    rng = random.Random(seed)
    pieces = []
    size = 0
    for kind in runs:
        unit = RUNS[kind]
        length = rng.randint(500, 4000)
        pieces.append(" " + unit * (length // len(unit)) + " ")
        size += length
    while size < BLOCK:
        kind = rng.choices(CLASSES, weights)[0]
        piece = rng.choice(kind)
        piece = piece if kind is PUNCT else " " + piece
        pieces.append(piece)
        size += len(piece)
    rng.shuffle(pieces)
    return "".join(pieces)[:BLOCK]


def news_like(size: int, seed: int, weights: list[float], runs: list[str]) -> str:
    """``size`` characters of blocks made alike; a longer text only has more of them."""
    return "".join(block(seed * 100_003 + i, weights, runs) for i in range(size // BLOCK))


def article(text: str) -> Article:
    return Article(id="a", title="", text=text, published_at=PUBLISHED)


def cpu_seconds(text: str) -> tuple[float, Extraction]:
    started = time.process_time()
    extraction = extract_all(article(text))
    return time.process_time() - started, extraction


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    # The gazetteer and the compiled patterns load on first use: not part of any measurement.
    extract_all(article("Talks opened in Geneva on Friday, May 16, said Ms. Keller."))


recipes = st.tuples(
    st.integers(0, 10_000),
    st.lists(st.floats(0.05, 1.0), min_size=len(CLASSES), max_size=len(CLASSES)),
    st.lists(st.sampled_from(sorted(RUNS)), max_size=3, unique=True),
)


def assert_linear(n: int, recipe: tuple[int, list[float], list[str]], slack: float) -> None:
    seed, weights, runs = recipe
    small, _ = cpu_seconds(news_like(n, seed, weights, runs))
    large, extraction = cpu_seconds(news_like(4 * n, seed, weights, runs))
    assert len(extraction.mentions) <= MAX_MENTIONS_PER_ARTICLE
    # Linear: about 4 times as long; quadratic would be 16.
    assert large < 8 * small + slack, f"{n} chars: {small:.2f}s, {4 * n} chars: {large:.2f}s"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipes)
def test_extraction_time_grows_linearly_with_the_length_of_news_like_text(
        recipe: tuple[int, list[float], list[str]]) -> None:
    assert_linear(60_000, recipe, slack=0.5)


@pytest.mark.slow
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipes)
def test_extraction_time_stays_linear_up_to_five_megabytes(
        recipe: tuple[int, list[float], list[str]]) -> None:
    assert_linear(1_250_000, recipe, slack=2.0)


PATHOLOGICAL: dict[str, str] = {
    "a sentence of 100,000 digits": "1" * 100_000,
    "2 MB without a space": "talks" * 400_000,
    "a million dots": "Talks." + "." * 1_000_000 + " Then",
    "a commenter line padded with a million blanks":
        "Talks opened in Kyiv.\njdoe42" + " " * 1_000_000 + "2 hours ago\nGreat piece.",
    "a million capitalized words": "Alpha Beta Gamma " * 60_000,
    "a million one-word sentences": "Talks. " * 150_000,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_texts_extract_quickly_with_a_bounded_result(name: str) -> None:
    seconds, extraction = cpu_seconds(PATHOLOGICAL[name])
    assert seconds < 10, f"{name}: {seconds:.1f}s"
    assert len(extraction.mentions) <= MAX_MENTIONS_PER_ARTICLE


def test_a_sentence_of_100000_digits_and_2_mb_without_spaces_name_no_event() -> None:
    for name in ("a sentence of 100,000 digits", "2 MB without a space"):
        _, extraction = cpu_seconds(PATHOLOGICAL[name])
        assert extraction.mentions == [] and not extraction.refs, name


def test_a_commenter_line_padded_with_blanks_still_starts_the_comments() -> None:
    story = "Delegates held talks in Istanbul on Friday, May 16, officials said.\n"
    for padding in (1, 1_000_000):
        text = story + "jdoe42" + " " * padding + "2 hours ago\nGreat piece, thanks.\n"
        started = time.process_time()
        spans = furniture_spans(text)
        assert time.process_time() - started < 5
        assert spans == [(len(story), len(text))], padding


# --- the index-based helpers answer as the scans they replaced --------------------------------

_PIECES = ["and", "but", "while", "after", "before", "band", "andy", "_", " ", "a", "é", "1",
           ",", "–", "—", "(", ")", ":", ";", "x", "Before", "-", "beforehand", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20), st.integers(0, 90), st.integers(0, 90))
def test_the_clause_index_finds_a_break_where_the_clause_pattern_finds_one_in_the_slice(
        pieces: list[str], a: int, b: int) -> None:
    text = "".join(pieces)
    assert _Clauses(text).broken(a, b) == bool(_CLAUSE_BREAK.search(text[a:b]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 6)), min_size=1, max_size=8),
       st.integers(0, 60), st.integers(1, 6), st.booleans())
def test_the_nearest_trigger_is_the_one_a_comparison_with_every_trigger_finds(
        layout: list[tuple[int, int]], start: int, length: int, shuffled: bool) -> None:
    group = lexicon()[0]
    pool: list[Trigger] = []
    position = 0
    for skip, size in layout:
        position += skip
        pool.append(Trigger(position, position + size, "x" * size, group))
        position += size
    if shuffled:
        random.Random(start).shuffle(pool)
    end = start + length

    def cost(t: Trigger) -> tuple[int, int]:
        return _gap(t.start, t.end, start, end), t.start

    assert _NearestTrigger(pool).to(start, end) is min(pool, key=cost)


def test_the_news_vocabulary_is_what_the_extractor_reads() -> None:
    # The generated text must exercise the extractor: dates, people and events are found.
    text = news_like(40_000, 1, [1.0] * len(CLASSES), [])
    extraction = extract_all(article(text))
    assert extraction.mentions and extraction.refs
    assert any(e.kind == "person" for m in extraction.mentions for e in m.entities)
    assert re.search(r"\n\n", text)

