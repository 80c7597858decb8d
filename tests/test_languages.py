"""Articles in Russian, Ukrainian and Turkish: their language is known, their events and names
are found, and they name the same events and entities an English report of the news names.

Golden files (``tests/data/languages/*.txt`` + ``*.expected.json``, short articles written for
these tests) pin the triggers and entities found per language.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extract.events import find_triggers, groups_by_name, languages
from tracker.extract.mentions import extract
from tracker.extract.names_intl import find_names, name_key, transliterate
from tracker.extract.sentences import split_sentences
from tracker.ids import text_hash
from tracker.models import Article, Mention
from tracker.parse.feeds import entry_to_article, parse_feed
from tracker.parse.html import parse_html
from tracker.parse.language import article_language, detect

DATA = Path(__file__).parent / "data" / "languages"
GOLDEN = sorted(DATA.glob("*.txt"))
FETCHED = datetime(2025, 5, 17, 8, tzinfo=UTC)


# ---------------------------------------------------------------- language of an article

@pytest.mark.parametrize(("text", "language"), [
    ("Делегации России и Украины встретились в Стамбуле впервые за три года.", "ru"),
    ("Делегації України та Росії зустрілися в Стамбулі вперше за три роки.", "uk"),
    ("Rusya ve Ukrayna heyetleri üç yıl sonra ilk kez İstanbul'da bir araya geldi.", "tr"),
])
def test_russian_ukrainian_and_turkish_are_told_by_their_letters(text: str,
                                                                 language: str) -> None:
    assert detect(text) == language


@pytest.mark.parametrize("text", [
    "President Erdoğan met the delegations at the Dolmabahçe Palace in Istanbul on Friday, "
    "and Foreign Minister Hakan Fidan said the talks in Diyarbakır would follow.",
    "Делегациите на двете страни се срещнаха в Истанбул в петък.",  # Bulgarian
    "Делегације су се састале у Истанбулу у петак, јавља агенција.",  # Serbian
    "Short.",
])
def test_english_about_turkey_and_other_languages_are_not_mistaken(text: str) -> None:
    assert detect(text) is None


def test_a_source_setting_wins_then_the_declaration_then_the_letters() -> None:
    russian = "Переговоры в Стамбуле продолжались меньше двух часов, сообщили источники."
    assert article_language("uk", "ru", russian) == "uk"  # the user said so
    assert article_language("en", "tr", russian) == "tr"  # "en" is the default: not a choice
    assert article_language(None, "ru-RU", "anything") == "ru"
    assert article_language("en", None, russian) == "ru"
    assert article_language(None, None, "Talks ended in Istanbul.") == "en"


def test_a_feed_entry_takes_the_language_its_feed_declares() -> None:
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            '<language>uk-UA</language><item><title>Переговори</title>'
            '<link>https://wire.example.org/1</link>'
            '<description>Сторони домовилися про обмін.</description></item>'
            '</channel></rss>').encode()
    entry = parse_feed(feed, "https://wire.example.org/feed", fetched_at=FETCHED)[0]
    assert entry.language == "uk-UA"
    assert entry_to_article(entry, fetched_at=FETCHED, source_name=None).language == "uk"
    assert entry_to_article(entry, fetched_at=FETCHED, source_name=None,
                            language="ru").language == "ru"


def test_a_page_without_lang_is_read_in_the_language_of_its_letters() -> None:
    page = ("<html><body><article><p>У суботу російський дрон атакував пасажирський автобус у "
            "Сумській області, повідомила обласна влада.</p></article></body></html>")
    assert parse_html(page.encode(), None, fetched_at=FETCHED).language == "uk"


def test_texts_in_cyrillic_that_share_only_their_numbers_are_different_articles() -> None:
    assert text_hash("У Стамбулі 16 травня відбулися переговори.") != text_hash(
        "В Стамбуле 16 мая прошли переговоры.")
    assert text_hash("Talks, in Istanbul!") == text_hash("talks in istanbul")


# ---------------------------------------------------------------- names across scripts

@pytest.mark.parametrize(("text", "language", "name", "kind"), [
    ("Зеленский прибыл в Анкару.", "ru", "Volodymyr Zelenskyy", "person"),
    ("Зеленський прибув до Анкари.", "uk", "Volodymyr Zelenskyy", "person"),
    ("Zelenskiy Ankara'ya geldi.", "tr", "Volodymyr Zelenskyy", "person"),
    ("Путин выступил в Кремле.", "ru", "Vladimir Putin", "person"),
    ("Путін виступив у Кремлі.", "uk", "Vladimir Putin", "person"),
    ("Переговоры прошли в Стамбуле.", "ru", "Istanbul", "place"),
    ("Переговори відбулися у Стамбулі.", "uk", "Istanbul", "place"),
    ("Görüşmeler İstanbul'da yapıldı.", "tr", "Istanbul", "place"),
    ("Бои идут под Донецком.", "ru", "Donetsk", "place"),
    ("Бої тривають біля Донецька.", "uk", "Donetsk", "place"),
    ("Делегация России прибыла.", "ru", "Russia", "place"),
    ("Делегація Росії прибула.", "uk", "Russia", "place"),
    ("Rusya'nın heyeti geldi.", "tr", "Russia", "place"),
    ("Делегация Украины прибыла.", "ru", "Ukraine", "place"),
    ("Делегація України прибула.", "uk", "Ukraine", "place"),
    ("Ukrayna'nın heyeti geldi.", "tr", "Ukraine", "place"),
    ("Встреча прошла в Анкаре.", "ru", "Ankara", "place"),
    ("Görüşme Ankara'da yapıldı.", "tr", "Ankara", "place"),
    ("Удар по Харькову.", "ru", "Kharkiv", "place"),
    ("Удар по Харкову.", "uk", "Kharkiv", "place"),
    ("Лавров встретился с Фиданом.", "ru", "Sergei Lavrov", "person"),
    ("Kırım'da patlama oldu.", "tr", "Crimea", "place"),
])
def test_a_name_in_any_script_and_case_is_the_english_reports_entity(
        text: str, language: str, name: str, kind: str) -> None:
    assert (name, kind) in {(e.name, e.kind) for e in find_names(text, language)}


def test_a_place_adjective_before_region_names_the_region() -> None:
    found = {e.name for text, lang in [("Бои в Донецкой области.", "ru"),
                                       ("Удар у Сумській області.", "uk"),
                                       ("Харьковской области", "ru"),
                                       ("Donetsk bölgesinde çatışmalar.", "tr")]
             for e in find_names(text, lang)}
    assert found == {"Donetsk Oblast", "Sumy Oblast", "Kharkiv Oblast"}


def test_words_that_only_look_like_names_are_not_entities() -> None:
    assert find_names("Мир и стабильность важны. Переговоры были трудными.", "ru") == []
    assert find_names("Bu sabah Mayıs ayının son Cuma günü.", "tr") == []


def test_cyrillic_is_transliterated_as_english_news_spells_it() -> None:
    assert transliterate("Лавров", "ru") == "lavrov"
    assert transliterate("Харків", "uk") == "kharkiv"
    assert transliterate("Зеленский", "ru") == "zelenskiy"


def test_turkish_dotted_and_dotless_i_fold_to_i() -> None:
    assert name_key("İstanbul") == name_key("Istanbul") == "istanbul"
    assert name_key("Kırım") == "kirim"


# ---------------------------------------------------------------- triggers

def test_every_language_has_triggers_in_the_english_groups() -> None:
    assert {"en", "ru", "uk", "tr"} <= languages()
    for sentence, language in [("Переговоры завершились.", "ru"),
                               ("Переговори завершилися.", "uk"),
                               ("Görüşmeler sona erdi.", "tr"),
                               ("Talks ended.", "en")]:
        assert [t.group for t in find_triggers(sentence, language)] == [
            groups_by_name()["talks"]]


@pytest.mark.parametrize(("sentence", "language", "group"), [
    ("Стороны договорились об обмене пленными.", "ru", "exchange"),
    ("Сторони домовилися про обмін полоненими.", "uk", "exchange"),
    ("Taraflar esir takası konusunda anlaştı.", "tr", "exchange"),
    ("Бои продолжаются.", "ru", "fighting"),
    ("Бої тривають.", "uk", "fighting"),
    ("Çatışmalar sürüyor.", "tr", "fighting"),
    ("Объявлено перемирие.", "ru", "ceasefire"),
    ("Оголошено перемир’я.", "uk", "ceasefire"),
    ("Ateşkes ilan edildi.", "tr", "ceasefire"),
    ("ЕС ввел новые санкции.", "ru", "sanctions"),
    ("Выборы пройдут осенью.", "ru", "election"),
    ("Müzakerelerde ilerleme var.", "tr", "talks"),
])
def test_inflected_triggers_find_their_group(sentence: str, language: str, group: str) -> None:
    assert group in {t.group.name for t in find_triggers(sentence, language)}


def test_a_word_that_merely_starts_like_a_trigger_is_none() -> None:
    # "наступного" (next) is not "наступ" (offensive); "боевой" alone is no battle
    assert find_triggers("Наступного тижня відбудеться засідання.", "uk") == []


# ---------------------------------------------------------------- golden files

@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_articles_give_their_triggers_and_entities(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8").strip()
    language = expected["language"]
    entities = [[e.text, e.name, e.kind] for e in find_names(text, language)]
    triggers = [[t.text, t.group.name] for s in split_sentences(text)
                for t in find_triggers(s.text, language)]
    assert entities == expected["entities"]
    assert triggers == expected["triggers"]


# ---------------------------------------------------------------- one event, any language

def _mentions(text: str, language: str) -> list[Mention]:
    article = Article(id=f"a-{language}", title=text[:40], text=text,
                      published_at=datetime(2025, 5, 16, 19, tzinfo=UTC), language=language)
    return extract(article)


@pytest.mark.parametrize(("text", "language"), [
    ("Russian and Ukrainian delegations held direct talks in Istanbul on Friday.", "en"),
    ("В пятницу в Стамбуле прошли прямые переговоры делегаций России и Украины.", "ru"),
    ("У п’ятницю у Стамбулі відбулися прямі переговори делегацій України та Росії.", "uk"),
    ("Rusya ve Ukrayna heyetleri Cuma günü İstanbul'da doğrudan müzakere yaptı.", "tr"),
])
def test_a_report_of_the_istanbul_talks_gives_the_same_event_key_in_every_language(
        text: str, language: str) -> None:
    dated = [m for m in _mentions(text, language) if m.precision == "day"]
    assert {(m.cluster_key, m.date_start.isoformat(), m.group) for m in dated} == {
        ("diplomacy|place:istanbul", "2025-05-16", "talks")}
    assert {"Russia", "Ukraine", "Istanbul"} <= {e.name for m in dated for e in m.entities}


def test_the_first_talks_since_2022_date_the_earlier_talks_apart_in_every_language() -> None:
    for text, language in [
            ("В Стамбуле прошли первые с 2022 года переговоры России и Украины.", "ru"),
            ("Rusya ve Ukrayna 2022'den bu yana ilk kez İstanbul'da müzakere yaptı.", "tr")]:
        earlier = [m for m in _mentions(text, language) if m.precision == "year"]
        assert earlier and all(not m.cluster_key.endswith("istanbul") for m in earlier)


# ---------------------------------------------------------------- any text at all

@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=400), language=st.sampled_from(["ru", "uk", "tr", "en", "de"]))
def test_any_unicode_text_is_read_without_error_in_any_language(text: str,
                                                                language: str) -> None:
    detect(text)
    if language in ("ru", "uk", "tr"):
        for e in find_names(text, language):
            assert text[e.start:e.end] == e.text
    for s in split_sentences(text):
        for t in find_triggers(s.text, language):
            assert s.text[t.start:t.end] == t.text
    article = Article(id="any", title="any", text=text or "x",
                      published_at=datetime(2025, 5, 16, tzinfo=UTC), language=language)
    extract(article)


def test_a_long_text_of_names_and_triggers_is_read_in_bounded_time() -> None:
    text = ("Делегации России и Украины провели переговоры в Стамбуле; Зеленский и Путин "
            "обсудили обмен пленными в Донецкой области. ") * 2000  # about 250,000 characters
    started = time.monotonic()
    article = Article(id="long", title="long", text=text,
                      published_at=datetime(2025, 5, 16, tzinfo=UTC), language="ru")
    assert extract(article)
    assert time.monotonic() - started < 30


def test_a_given_name_joins_its_person_but_a_place_after_a_preposition_stays_a_place() -> None:
    assert [(e.text, e.name) for e in find_names("Владимир Путин выступил.", "ru")] == [
        ("Владимир Путин", "Vladimir Putin")]
    assert [(e.name, e.kind) for e in find_names("В Стамбул Зеленский прибыл.", "ru")] == [
        ("Istanbul", "place"), ("Volodymyr Zelenskyy", "person")]


def test_sentences_in_any_alphabet_are_compared_by_their_words() -> None:
    from tracker.textsim import cosine, terms, vector

    russian = "Делегации провели переговоры в Стамбуле 16 мая."
    same = "Переговоры делегаций в Стамбуле прошли 16 мая."
    other = "Обстрел Харькова ночью повредил жилые дома."
    assert "перего" in terms(russian) and "перего" in terms(same)  # inflections meet
    assert cosine(vector(terms(russian)), vector(terms(same))) > \
        cosine(vector(terms(russian)), vector(terms(other)))
    assert terms("İstanbul'da görüşmeler") == ("istanbul'da", "görüşm")
    assert terms("Talks in Istanbul") == ("talk", "istanbul")  # English stemmed as before


@pytest.mark.parametrize(("sentence", "trigger", "language", "modality"), [
    ("Переговоры в Стамбуле не состоялись.", "Переговоры", "ru", "negated"),
    ("Стороны так и не начали переговоры.", "переговоры", "ru", "negated"),
    ("Завтра в Стамбуле состоятся переговоры.", "переговоры", "ru", "future"),
    ("Стороны могут провести переговоры в Стамбуле.", "переговоры", "ru", "hypothetical"),
    ("Переговоры прошли в Стамбуле.", "Переговоры", "ru", "asserted"),
    ("Переговори у Стамбулі не відбулися.", "Переговори", "uk", "negated"),
    ("Наступного тижня відбудуться переговори.", "переговори", "uk", "future"),
    ("Сторони можуть провести переговори.", "переговори", "uk", "hypothetical"),
    ("Переговори відбулися в Стамбулі, і делегації поїхали.", "Переговори", "uk", "asserted"),
    ("İstanbul'daki görüşmeler yapılmadı.", "görüşmeler", "tr", "negated"),
    ("Görüşmeler cuma günü İstanbul'da yapılacak.", "Görüşmeler", "tr", "future"),
    ("Taraflar İstanbul'da görüşme yapabilir.", "görüşme", "tr", "hypothetical"),
    ("Görüşmeler İstanbul'da yapıldı.", "Görüşmeler", "tr", "asserted"),
    ("Yılmaz görüşmeler için İstanbul'a gitti.", "görüşmeler", "tr", "asserted"),
])
def test_what_did_not_happen_will_happen_or_might_is_read_in_each_language(
        sentence: str, trigger: str, language: str, modality: str) -> None:
    from tracker.extract.modality import modality_of

    start = sentence.index(trigger)
    assert modality_of(sentence, start, start + len(trigger), language) == modality


def test_a_russian_report_of_talks_that_did_not_happen_is_no_asserted_event() -> None:
    article = Article(id="ru-neg", title="Переговоры", language="ru",
                      text="Переговоры в Стамбуле 16 мая не состоялись, сообщили дипломаты.",
                      published_at=datetime(2025, 5, 17, tzinfo=UTC))
    mentions = [m for m in extract(article) if m.trigger.lower().startswith("переговор")]
    assert mentions and all(m.modality == "negated" for m in mentions)


def test_a_cue_of_the_next_clause_does_not_reach_back() -> None:
    from tracker.extract.modality import modality_of

    for sentence, trigger, language in (
            ("Görüşmeler yapıldı ve anlaşma sağlanmadı.", "Görüşmeler", "tr"),
            ("Переговоры прошли, но соглашение не подписано.", "Переговоры", "ru")):
        start = sentence.index(trigger)
        assert modality_of(sentence, start, start + len(trigger), language) == "asserted"
