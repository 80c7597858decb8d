"""How alike two sentences (or two bundles of sentences) are: bag-of-words vectors and cosine.

Clustering asks whether two reports tell one happening, and summaries ask which sentence is the
most typical of an event; both need the same thing: content words (function words and reporting
verbs removed, ``tracker/data/stopwords.txt``), lightly stemmed so "talks"/"talked" and
"attack"/"attacks" meet, weighted by TF-IDF where a collection is at hand, compared by cosine.
Words of any alphabet count: an English word is stemmed by suffix, any other is cut to its
first ``PREFIX`` letters (Russian, Ukrainian and Turkish inflect by ending, and a prefix of
six letters is the usual light stemmer for them: "переговоры"/"переговорах" meet).
Vectors are plain dicts: the bundles compared are a day's reports of one kind, tens of
sentences, where a sparse-matrix library would cost more to set up than the arithmetic.
It does not decide thresholds (its callers do) and holds no state beyond cached word lists.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources

Vector = dict[str, float]
MAX_CHARS = 2000  # a sentence is compared by its first words; monsters are cut, not choked on
# A word: letters of any alphabet (inner apostrophes and hyphens kept), or a number.
_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-])*[^\W\d_]|\d[\d,.]*\d|\d")
PREFIX = 6  # letters kept of a word that is not plain English (ASCII)
# Suffixes stripped, longest first, leaving at least three letters: a light stemmer that maps
# the inflections news uses ("strikes", "struck" stays apart; "agreed", "agreement" meet).
_SUFFIXES = ("ements", "ement", "ations", "ation", "ings", "ing", "ed", "es", "s")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    raw = resources.files("tracker").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w for line in raw.splitlines() if not line.startswith("#")
                     for w in line.split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if not word.isascii():
        return word[:PREFIX]
    word = word.replace("’", "'").rstrip("'")
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "i"  # "casualties", "casualty" -> "casualti"
    if word.endswith(("eed", "ees")):
        word = word[:-1]  # "agreed", "agrees" -> "agree", which stems as "agree" does
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[:-len(suffix)]
            break
    if len(word) > 3 and word[-1] in "ey":
        word = word[:-1] + ("i" if word[-1] == "y" else "")  # "strike"/"strikes" -> "strik"
    return word


@lru_cache(maxsize=16384)
def _terms(text: str) -> tuple[str, ...]:
    stop = stopwords()
    # Turkish dotted capital I lowercases to "i" plus a combining dot, which no word holds.
    lowered = text[:MAX_CHARS].replace("İ", "I").lower()
    return tuple(stem(w) for w in _TOKEN.findall(lowered)
                 if w not in stop and len(w) > 1)


def terms(text: str) -> tuple[str, ...]:
    """The content words of a text, stemmed, in order (numbers kept: "1,000 prisoners")."""
    return _terms(text)


def idf(documents: Iterable[Iterable[str]]) -> dict[str, float]:
    """Inverse document frequency of each term over documents given as term sequences."""
    df: Counter[str] = Counter()
    n = 0
    for doc in documents:
        n += 1
        df.update(set(doc))
    return {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}


def vector(words: Iterable[str], weights: Mapping[str, float] | None = None) -> Vector:
    """A term-count vector, each count scaled by ``weights`` (IDF) when given."""
    counts = Counter(words)
    if weights is None:
        return {t: float(c) for t, c in counts.items()}
    return {t: c * weights.get(t, 1.0) for t, c in counts.items()}


def add(into: Vector, other: Mapping[str, float]) -> Vector:
    for t, w in other.items():
        into[t] = into.get(t, 0.0) + w
    return into


def norm(v: Mapping[str, float]) -> float:
    return math.sqrt(sum(w * w for w in v.values()))


def cosine(a: Mapping[str, float], b: Mapping[str, float], *,
           norm_a: float | None = None, norm_b: float | None = None) -> float:
    """Cosine of two vectors; pass norms already known to save computing them again."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = 0.0
    for t, w in small.items():
        other = large.get(t)
        if other is not None:
            dot += w * other
    if dot == 0.0:
        return 0.0
    return dot / ((norm_a if norm_a is not None else norm(a))
                  * (norm_b if norm_b is not None else norm(b)))
