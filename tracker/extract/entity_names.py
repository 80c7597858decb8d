"""Person-name keys: spelling variants of one person's name collide under one key.

"Zelensky", "Zelenskyy", "Zelenskiy" and "Volodymyr Zelenskyy" all key alike: letters folded to
ASCII lower case, doubled consonants collapsed, a final "-iy"/"-yy"/"-y"/"-ij" read as "-i",
honorifics and middle initials dropped, and a name listed in ``tracker/data/people.tsv`` keyed
as its listed full name. This does not decide whether two *different* full names are one person
("Donald Trump" vs "Ivanka Trump" stay apart); that needs a document and is ``entities.py``'s job.
"""

from __future__ import annotations

import functools
import re

from tracker.extract.gazetteer import gazetteer
from tracker.ids import fold

_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "prof"})
# Doubled consonants collapse ("Zelenskyy"); doubled vowels stay ("Moody" is not "Modi").
_DOUBLE = re.compile(r"([b-df-hj-np-tv-z])\1+")
_ENDING = re.compile(r"(?:iy|ij|yi|y|ii)$")


@functools.lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """Key of one name word: "Zelenskyy" -> "zelenski", "Erdoğan" -> "erdogan"."""
    w = _DOUBLE.sub(r"\1", "".join(fold(word).split()))
    return _ENDING.sub("i", w) if len(w) > 3 else w


@functools.lru_cache(maxsize=65536)
def raw_person_key(name: str) -> str:
    """Key of a name from spelling alone, without consulting the list of known people."""
    words = [w for w in fold(name).split() if w not in _HONORIFICS]
    if len(words) > 1:
        words = [w for w in words if len(w) > 1] or words  # "Donald J. Trump" = "Donald Trump"
    return " ".join(word_key(w) for w in words)


def person_match_key(name: str) -> str:
    """Key under which spelling variants of one person's name collide across articles."""
    full = known_full_name(name)
    return raw_person_key(full if full is not None else name)


@functools.lru_cache(maxsize=65536)
def known_full_name(name: str) -> str | None:
    """The listed full name for a well-known person's name or surname, if there is one."""
    return gazetteer().people.get(fold(name)) or _known_by_key().get(raw_person_key(name))


@functools.cache
def _known_by_key() -> dict[str, str]:
    """Listed people by the spelling key of each alias ("zelenski" -> "Volodymyr Zelenskyy")."""
    known: dict[str, str] = {}
    for alias, full in gazetteer().people.items():
        known.setdefault(raw_person_key(alias), full)
    return known


@functools.cache
def listed_name_words() -> frozenset[str] | None:
    """Every word that can end a listed person's name, folded and as a spelling key
    ("zelenskyy", "zelenski"): a name none of whose words (folded, or their keys) is one of
    these is no listed person, which rules out most capitalized words at once. None when
    words cannot tell (a listed name that folds to nothing)."""
    people = gazetteer().people
    known = _known_by_key()
    if "" in people or "" in known:
        return None
    return frozenset(k.split()[-1] for k in [*people, *known])
