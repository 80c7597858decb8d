"""Named entities without a model: people, places and organizations in news sentences.

Every sentence here is written for these tests; none is taken from a real article.
"""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import shared_path
from tracker.extract.entities import (
    country_of_demonym,
    find_entities,
    is_country,
    person_match_key,
)
from tracker.models import EntityMention


def names(text: str, kind: str) -> list[str]:
    return [m.name for m in find_entities(text) if m.kind == kind]


def by_text(text: str) -> dict[str, EntityMention]:
    return {m.text: m for m in find_entities(text)}


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    find_entities("Warm-up in Paris.")  # load the gazetteer once for the timing tests


# --- people -------------------------------------------------------------------------------


def test_surname_resolves_to_full_name_seen_earlier() -> None:
    text = ("Finance Minister Laura Castellano presented the budget on Monday. "
            "Castellano said the deficit would shrink next year.")
    people = [m for m in find_entities(text) if m.kind == "person"]
    assert [(m.text, m.name) for m in people] == [
        ("Laura Castellano", "Laura Castellano"), ("Castellano", "Laura Castellano")]


def test_surname_resolves_to_full_name_seen_later() -> None:
    text = ("Okafor said the talks were useful. "
            "The delegation was led by Senator Tom Okafor of the foreign relations panel.")
    assert names(text, "person") == ["Tom Okafor", "Tom Okafor"]


def test_zelensky_spellings_are_one_person() -> None:
    text = ("Volodymyr Zelenskyy arrived in Warsaw late on Tuesday. Zelensky met the Polish "
            "prime minister, and aides to Zelenskiy said more meetings were planned.")
    assert set(names(text, "person")) == {"Volodymyr Zelenskyy"}
    assert len(names(text, "person")) == 3
    assert (person_match_key("Zelensky") == person_match_key("Zelenskyy")
            == person_match_key("Zelenskiy") == person_match_key("Volodymyr Zelenskyy"))


def test_match_key_folds_diacritics_and_keeps_different_people_apart() -> None:
    assert person_match_key("Recep Tayyip Erdoğan") == person_match_key("Erdogan")
    assert person_match_key("Donald J. Trump") == person_match_key("Donald Trump")
    assert person_match_key("Anna Kovacs") != person_match_key("Peter Kovacs")


def test_well_known_surname_alone_gets_the_listed_full_name() -> None:
    assert names("Analysts expect Putin to reject the offer.", "person") == ["Vladimir Putin"]


def test_roles_are_captured_as_written() -> None:
    text = ("Defence Secretary Mara Lindqvist and Senator Tom Okafor toured the base, while "
            "Turkish Foreign Minister Selim Aydin stayed in the capital.")
    found = by_text(text)
    assert found["Mara Lindqvist"].role == "Defence Secretary"
    assert found["Tom Okafor"].role == "Senator"
    assert found["Selim Aydin"].role == "Foreign Minister"
    assert "Turkish" not in found  # a demonym is not a place


def test_verb_of_saying_marks_an_unknown_surname() -> None:
    text = "\u201cWe are ready,\u201d Marchetti said after the vote."
    assert names(text, "person") == ["Marchetti"]


def test_sentence_initial_surname_with_a_verb_of_saying_is_a_person() -> None:
    assert names("Castellano said the deficit would shrink.", "person") == ["Castellano"]
    assert names("Ministers said the deficit would shrink. Everyone said so.", "person") == []


def test_given_name_marks_a_person_without_title() -> None:
    assert names("The convoy was escorted by Vladimir Sorokin and two aides.", "person") == [
        "Vladimir Sorokin"]


def test_two_people_sharing_a_surname_keep_surname_mentions_unresolved() -> None:
    text = ("Governor Ellen Hartley met Mayor Paul Hartley on Friday. "
            "Hartley said the budget was balanced.")
    assert names(text, "person") == ["Ellen Hartley", "Paul Hartley", "Hartley"]


def test_the_ukrainian_president_resolves_when_one_person_fits() -> None:
    text = ("Ukrainian President Volodymyr Zelenskyy spoke by phone with officials in Paris. "
            "Later the Ukrainian president thanked them for the air defence systems.")
    people = [m for m in find_entities(text) if m.kind == "person"]
    assert [(m.text, m.name) for m in people] == [
        ("Volodymyr Zelenskyy", "Volodymyr Zelenskyy"),
        ("Ukrainian president", "Volodymyr Zelenskyy"),
    ]


def test_the_ukrainian_president_stays_unresolved_with_two_candidates() -> None:
    text = ("Ukrainian President Volodymyr Zelenskyy and former Ukrainian President Petro "
            "Poroshenko attended the ceremony. The Ukrainian president spoke first.")
    people = [m for m in find_entities(text) if m.kind == "person"]
    assert [m.name for m in people] == ["Volodymyr Zelenskyy", "Petro Poroshenko"]


def test_sentence_initial_and_headline_words_are_not_people() -> None:
    text = ("Markets Rally As Hopes Grow\n\n"
            "Despite the rain, Monday trading was busy. Officials said prices rose. "
            "Nobody expected it.")
    assert names(text, "person") == []


def test_all_caps_headline_words_make_no_entities() -> None:
    text = "Okafor SLAMS Budget – Voters FURIOUS\n\nSenator Tom Okafor criticized the plan."
    found = find_entities(text)
    assert {m.text for m in found} == {"Okafor", "Tom Okafor"}
    assert {m.name for m in found} == {"Tom Okafor"}


def test_lower_case_role_and_its_country_are_captured() -> None:
    text = ("Russian foreign minister Ivan Sorokin met reporters. Kremlin spokesman Pavel "
            "Orlov declined to comment. Later the Russian foreign minister left.")
    people = [(m.text, m.name, m.role) for m in find_entities(text) if m.kind == "person"]
    assert people == [
        ("Ivan Sorokin", "Ivan Sorokin", "foreign minister"),
        ("Pavel Orlov", "Pavel Orlov", "spokesman"),
        ("Russian foreign minister", "Ivan Sorokin", "foreign minister"),
    ]


def test_a_role_in_apposition_is_captured_and_makes_a_person() -> None:
    text = ("Lena Berg, the president of Finland, spoke first. Ivan Sorokin, Russia's foreign "
            "minister, replied. Later the Finnish president left.")
    people = [(m.text, m.name, m.role) for m in find_entities(text) if m.kind == "person"]
    assert people == [
        ("Lena Berg", "Lena Berg", "president"),
        ("Ivan Sorokin", "Ivan Sorokin", "foreign minister"),
        ("Finnish president", "Lena Berg", "president"),
    ]


def test_country_possessive_role_resolves_to_the_one_holder() -> None:
    text = ("Ukraine's president spoke first. Ukrainian President Olena Marchuk then took "
            "questions.")
    found = [(m.text, m.name, m.kind) for m in find_entities(text)]
    assert found == [("Ukraine", "Ukraine", "place"), ("president", "Olena Marchuk", "person"),
                     ("Olena Marchuk", "Olena Marchuk", "person")]


def test_abbreviated_titles_and_initials_stay_in_one_name() -> None:
    text = "Gen. Ana Ruiz met Donald J. Trump, and Mr. Okafor took notes."
    found = {m.text: m for m in find_entities(text) if m.kind == "person"}
    assert set(found) == {"Ana Ruiz", "Donald J. Trump", "Okafor"}
    assert found["Ana Ruiz"].role == "Gen."
    assert found["Donald J. Trump"].name == "Donald Trump"
    assert found["Okafor"].role is None  # "Mr." is no role


def test_headline_surname_resolves_but_headline_words_do_not_join_it() -> None:
    text = "Comrade Castellano Wins Again\n\nFinance Minister Laura Castellano won the vote."
    people = [(m.text, m.name) for m in find_entities(text) if m.kind == "person"]
    assert people == [("Castellano", "Laura Castellano"), ("Laura Castellano", "Laura Castellano")]


def test_a_namesake_keeps_their_own_first_name() -> None:
    text = ("Conductor Adam Fischer opened the festival. On Sunday Thierry Fischer closed it, "
            "and Fischer said it went well.")
    people = [m.name for m in find_entities(text) if m.kind == "person"]
    assert people[:2] == ["Adam Fischer", "Thierry Fischer"]
    assert people[2] == "Fischer"  # two Fischers: the surname alone stays unresolved


def test_a_town_named_like_someone_in_the_story_is_that_person() -> None:
    text = "Singer Laura Jackson toured Europe. Jackson said the shows sold out."
    assert names(text, "place") == ["Europe"]
    assert names(text, "person") == ["Laura Jackson", "Laura Jackson"]


def test_a_hurricane_is_not_a_person() -> None:
    text = "Hurricane Odalys hit the coast on Monday. Odalys said nothing, of course."
    assert names(text, "person") == []


def test_unknown_acronym_that_speaks_is_an_organization() -> None:
    text = "The KXR said it would appeal the ruling. Shares in KXR fell."
    assert [(m.text, m.kind) for m in find_entities(text)] == [("KXR", "org"), ("KXR", "org")]


# --- places -------------------------------------------------------------------------------


def test_kyiv_and_kiev_are_one_place_with_coordinates() -> None:
    text = "Drones struck Kiev overnight, and air defences over Kyiv were busy until dawn."
    places = [m for m in find_entities(text) if m.kind == "place"]
    assert [m.name for m in places] == ["Kyiv", "Kyiv"]
    assert all(m.lat is not None and 50 < m.lat < 51 and m.lon is not None for m in places)


def test_the_donetsk_region_is_a_place_with_coordinates() -> None:
    (m,) = [m for m in find_entities("Shelling went on in the Donetsk region all week.")
            if m.kind == "place"]
    assert m.text == "Donetsk region"
    assert m.name == "Donetsk Oblast"
    assert m.lat is not None and m.lon is not None


def test_country_aliases_resolve_to_one_name() -> None:
    text = ("Officials in the US, the U.S. Treasury and America's allies agreed. Britain, the UK "
            "and the United Kingdom signed, as did Türkiye, which Turkey's press welcomed.")
    assert names(text, "place") == [
        "United States", "United States", "United States",
        "United Kingdom", "United Kingdom", "United Kingdom", "Turkey", "Turkey"]


def test_countries_have_a_representative_coordinate() -> None:
    (m,) = find_entities("Exports from Ukraine rose.")
    assert m.name == "Ukraine" and m.lat is not None and m.lon is not None


def test_months_and_ordinary_words_are_not_places() -> None:
    text = ("May brought heavy rain. Reading the report, officials said the vote is set for "
            "March and talks may resume in May. Nice work, said one aide. Split decisions "
            "followed, and Mobile phones were banned. The count ends in March.")
    assert names(text, "place") == []


def test_an_ordinary_word_city_is_a_place_after_a_locative_preposition() -> None:
    assert names("She grew up in Reading before moving abroad.", "place") == ["Reading"]


def test_chad_the_name_is_not_chad_the_country() -> None:
    text = "Chad Miller said the team was ready. Aid convoys arrived in Chad on Sunday."
    assert names(text, "person") == ["Chad Miller"]
    assert names(text, "place") == ["Chad"]


def test_demonyms_map_to_countries_but_are_not_places() -> None:
    assert country_of_demonym("Ukrainian") == "Ukraine"
    assert country_of_demonym("Turkish") == "Turkey"
    assert country_of_demonym("table") is None
    assert names("Russian and Ukrainian troops clashed.", "place") == []


def test_well_known_regions_are_places() -> None:
    text = "Aid reached Gaza and the West Bank as the Middle East and Europe watched."
    assert names(text, "place") == ["Gaza", "West Bank", "Middle East", "Europe"]


def test_small_towns_and_respellings_need_context() -> None:
    # "Dual" is a respelling of Douala; "Bar Harbor" is not the town of Bar.
    text = "He is a Dual Citizen who summers in Bar Harbor, far from Douala."
    assert names(text, "place") == ["Douala"]


def test_is_country_knows_canonical_country_names() -> None:
    assert is_country("Ukraine") and is_country("United Kingdom") and is_country("Netherlands")
    assert not is_country("UK") and not is_country("Istanbul") and not is_country("Gaza")


# --- organizations ------------------------------------------------------------------------


def test_nato_and_the_united_nations_are_organizations() -> None:
    text = "NATO ministers met at the United Nations, and the UN chief spoke after them."
    assert names(text, "org") == ["NATO", "United Nations", "United Nations"]


def test_organization_word_endings_make_organizations() -> None:
    text = "The Russian Defence Ministry and the Bank of England issued statements."
    assert names(text, "org") == ["Russian Defence Ministry", "Bank of England"]


def test_ordinary_lower_case_words_do_not_become_organizations() -> None:
    assert names("The who and the us of it were unclear to everyone.", "org") == []


# --- robustness ---------------------------------------------------------------------------


def test_offsets_slice_back_to_the_mention_text() -> None:
    text = ("\u201cNo deal yet,\u201d said Hakan Demir in Istanbul \U0001F600 on Friday; "
            "President Ana Ruiz\u2019s envoy flew to Brazil-Argentina talks in Buenos Aires.")
    found = find_entities(text)
    assert len(found) >= 5
    assert all(text[m.start:m.end] == m.text for m in found)
    assert [m.start for m in found] == sorted(m.start for m in found)


_WORDS = ["Kyiv", "Kiev", "the", "Donetsk", "region", "President", "Ana", "Ruiz", "said", "U.S.",
          "NATO", "in", "Reading", "March", "of", "Bank", "England", "Zelensky", "Ukrainian",
          "president", "Mr.", "J.", "’s", ",", ".", "“", "”", "\n", "–", "Gen.", "REVIVES"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_WORDS) | st.text(max_size=6), max_size=60))
def test_any_text_gives_sorted_non_overlapping_mentions_that_slice_back(parts: list[str]) -> None:
    text = " ".join(parts)
    found = find_entities(text)
    assert all(text[m.start:m.end] == m.text and m.name for m in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_empty_and_punctuation_only_text() -> None:
    assert find_entities("") == []
    assert find_entities("... !!! ???") == []


def test_huge_digit_string_and_emoji_return_quickly() -> None:
    started = time.perf_counter()
    assert find_entities("7" * 100_000) == []
    assert find_entities("\U0001F600\U0001F44D " * 20_000) == []
    assert time.perf_counter() - started < 1.0


def test_pathological_capitalized_text_stays_linear() -> None:
    started = time.perf_counter()
    assert find_entities("Xx " * 20_000) == []  # one endless title-case "headline"
    assert len(find_entities("Bank of " * 5_000 + "England.")) < 1_000
    assert find_entities("A. " * 10_000) == []
    assert time.perf_counter() - started < 3.0


def test_a_four_kilobyte_article_takes_well_under_ten_milliseconds() -> None:
    paragraph = ("Senator Tom Okafor said on Tuesday that NATO allies in Europe would meet in "
                 "Brussels. Ukrainian President Volodymyr Zelenskyy thanked the United States "
                 "and Britain, and Okafor told reporters the Donetsk region was calm. ")
    text = paragraph * (4096 // len(paragraph) + 1)
    find_entities(text)
    best = float("inf")
    for _ in range(5):  # best of five batches: other processes on the machine add noise
        started = time.perf_counter()
        for _ in range(4):
            find_entities(text)
        best = min(best, (time.perf_counter() - started) / 4)
    assert best < 0.010


@pytest.mark.shared
def test_seed_article_people_places_and_organizations() -> None:
    text = shared_path("seed", "istanbul-talks.txt").read_text(encoding="utf-8")
    found = find_entities(text)
    people = {m.name for m in found if m.kind == "person"}
    assert people == {
        "Donald Trump", "Volodymyr Zelenskyy", "Vladimir Putin", "Hakan Fidan", "Marco Rubio",
        "Vladimir Medinsky", "Rustem Umerov", "John Healey", "Recep Tayyip Erdogan", "Joe Biden",
    }
    places = {m.name for m in found if m.kind == "place"}
    assert {"Istanbul", "Turkey", "Donetsk Oblast", "Ukraine", "Russia"} <= places
    assert {m.name for m in found if m.kind == "org"} == {"NATO", "Islamic State"}
    roles = {(m.name, m.role) for m in found if m.role}
    assert ("Hakan Fidan", "Foreign Minister") in roles
    assert ("Rustem Umerov", "Defense Minister") in roles
