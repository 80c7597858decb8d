"""Temporal expressions in Russian, Ukrainian, Turkish and other languages: ``tag_text``.

Golden files under tests/golden/timex/<lang>/ are short sentences and articles written for the
project: ``sentences.json`` (dct, text, expected [span text, value]) and ``article.txt`` with
``article.expected.json`` (exact offsets).
"""

from __future__ import annotations

import importlib.util
import io
import itertools
import json
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dateparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.models import Timex
from tracker.timex import tag, tag_text
from tracker.timex.annotate import run_annotate
from tracker.timex.locale_words import words
from tracker.timex.periods import interval

GOLDEN = Path(__file__).parent / "golden" / "timex"
LANGS = sorted(p.name for p in GOLDEN.iterdir() if (p / "sentences.json").exists())
ARTICLE_LANGS = sorted(p.name for p in GOLDEN.iterdir() if (p / "article.txt").exists())
SUPPORTED = ("en", "ru", "uk", "tr", "de", "fr", "es", "pl")


def _items(lang: str) -> list[dict[str, Any]]:
    data = json.loads((GOLDEN / lang / "sentences.json").read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = data["items"]
    return items


CASES = [(lang, i) for lang in LANGS for i in range(len(_items(lang)))]


def _well_formed(text: str, found: list[Timex]) -> None:
    for t in found:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start : t.end] == t.text
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start, (a, b)


def test_golden_files_cover_twelve_sentences_of_each_story_language() -> None:
    for lang in ("ru", "uk", "tr"):
        items = _items(lang)
        assert len(items) >= 12
        assert sum(1 for it in items if it["expected"]) >= 12


@pytest.mark.parametrize(("lang", "index"), CASES)
def test_golden_sentence_spans_and_values(lang: str, index: int) -> None:
    item = _items(lang)[index]
    found = tag_text(item["text"], date.fromisoformat(item["dct"]), lang)
    _well_formed(item["text"], found)
    assert [[t.text, t.value] for t in found] == item["expected"], item["text"]


@pytest.mark.parametrize("lang", ARTICLE_LANGS)
def test_golden_article_offsets_are_exact(lang: str) -> None:
    text = (GOLDEN / lang / "article.txt").read_text(encoding="utf-8")
    expected = json.loads((GOLDEN / lang / "article.expected.json").read_text(encoding="utf-8"))
    found = tag_text(text, date.fromisoformat(expected["dct"]), lang)
    got = [{"start": t.start, "end": t.end, "text": t.text, "value": t.value} for t in found]
    assert got == expected["timexes"]
    for t in expected["timexes"]:
        assert text[t["start"] : t["end"]] == t["text"]


@pytest.mark.parametrize(("lang", "index"), CASES)
def test_values_carry_the_calendar_interval_and_precision(lang: str, index: int) -> None:
    item = _items(lang)[index]
    dct = date.fromisoformat(item["dct"])
    for t in tag_text(item["text"], dct, lang):
        span = interval(t.value, dct)
        assert span is not None
        assert (t.date_start, t.date_end, t.precision) == span


def test_day_values_agree_with_dateparser_where_it_parses_the_expression() -> None:
    # Our grammar finds the expression; where dateparser can parse that span on its own it must
    # give the same day (it cannot parse many inflected or suffixed forms: "мае", "Mayıs'ta").
    compared = 0
    for lang in ("ru", "uk", "tr"):
        for item in _items(lang):
            dct = date.fromisoformat(item["dct"])
            base = datetime(dct.year, dct.month, dct.day, 12)
            for t in tag_text(item["text"], dct, lang):
                if t.precision != "day":
                    continue
                parsed = dateparser.parse(t.text, languages=[lang], settings={
                    "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
                if parsed is None or _is_weekday(lang, t.text):
                    continue  # weekdays: ours look at the tense, dateparser's always back
                compared += 1
                assert parsed.date() == t.date_start, (lang, t.text)
    assert compared >= 10


def _is_weekday(lang: str, text: str) -> bool:
    w = words(lang)
    return w is not None and w.lookup(w.weekdays, text.split()[-1]) is not None


def test_english_goes_to_the_english_tagger() -> None:
    text = "Talks resumed on Friday, May 16, 2025, two weeks after a ceasefire."
    assert tag_text(text, date(2025, 5, 18)) == tag(text, date(2025, 5, 18))
    assert tag_text(text, date(2025, 5, 18), "en-GB") == tag(text, date(2025, 5, 18))


@pytest.mark.parametrize("language", ["xx", "zz-ZZ", "", "english", "qqq"])
def test_unknown_languages_fall_back_to_the_english_tagger(language: str) -> None:
    text = "The exchange happened yesterday, on May 16."
    assert tag_text(text, date(2025, 5, 18), language) == tag(text, date(2025, 5, 18))


def test_language_tags_are_read_by_their_primary_subtag() -> None:
    text = "Переговори відбулися 16 травня 2025 року."
    want = [("16 травня 2025 року", "2025-05-16")]
    for language in ("uk", "uk-UA", "UK", "uk_UA"):
        assert [(t.text, t.value) for t in tag_text(text, date(2025, 5, 18), language)] == want


def test_inflected_month_forms_are_found_through_stems() -> None:
    dct = date(2025, 5, 21)
    cases = {
        "ru": ["в феврале 2024 года", "16 февраля 2024 года", "февраль 2024 года"],
        "uk": ["у лютому 2024 року", "16 лютого 2024 року", "лютий 2024 року"],
    }
    for lang, texts in cases.items():
        for text in texts:
            found = tag_text(text, dct, lang)
            assert len(found) == 1, text
            assert found[0].value.startswith("2024-02"), text


def test_turkish_suffixes_after_an_apostrophe_are_part_of_the_expression() -> None:
    dct = date(2025, 5, 21)
    for sfx in ("'te", "'de", "'ta", "'da", "'ten", "'den", "’e", "'ye", "'nde"):
        text = f"Anlaşma 16 Mayıs 2024{sfx} imzalandı."
        found = tag_text(text, dct, "tr")
        assert [(t.text, t.value) for t in found] == [(f"16 Mayıs 2024{sfx}", "2024-05-16")]


def test_turkish_counts_with_a_suffix_are_not_years() -> None:
    found = tag_text("1500'den fazla asker ve 1000'e yakın araç bölgede.", date(2025, 5, 21), "tr")
    assert found == []


def test_words_that_are_also_date_words_need_context() -> None:
    dct = date(2025, 5, 21)
    assert tag_text("Экологи защищают среду обитания.", dct, "ru") == []
    assert tag_text("Pazar kurulmadı; aralık verildi.", dct, "tr") == []
    assert [t.value for t in tag_text("Pazar günü seçim var.", dct, "tr")] == ["2025-05-18"]


def test_weekdays_resolve_forwards_when_the_clause_speaks_of_the_future() -> None:
    dct = date(2025, 5, 21)  # a Wednesday
    assert tag_text("В пятницу прошёл обмен.", dct, "ru")[0].value == "2025-05-16"
    assert tag_text("В пятницу состоится обмен.", dct, "ru")[0].value == "2025-05-23"
    assert tag_text("Cuma günü takas yapıldı.", dct, "tr")[0].value == "2025-05-16"
    assert tag_text("Cuma günü takas yapılacak.", dct, "tr")[0].value == "2025-05-23"


def test_n_units_ago_keeps_the_unit_as_precision() -> None:
    dct = date(2025, 5, 21)
    got = {t.text: (t.value, t.precision) for t in tag_text(
        "5 дней назад; две недели назад; три месяца назад; два года назад.", dct, "ru")}
    assert got == {
        "5 дней назад": ("2025-05-16", "day"),
        "две недели назад": ("2025-W19", "week"),
        "три месяца назад": ("2025-02", "month"),
        "два года назад": ("2023", "year"),
    }


def test_other_dateparser_languages_get_absolute_dates_with_month_names() -> None:
    dct = date(2025, 5, 21)
    cases = {
        "de": ("Am 3. März 2024 begann es.", "3. März 2024"),
        "fr": ("Le 3 mars 2024, tout a commencé.", "3 mars 2024"),
        "es": ("El 3 de marzo de 2024 empezó.", "3 de marzo de 2024"),
        "pl": ("Zaczęło się 3 marca 2024 r.", "3 marca 2024 r."),
        "it": ("Tutto è iniziato il 3 marzo 2024.", "3 marzo 2024"),
        "ja": ("2024年3月3日に始まった。", "2024年3月3日"),
        "zh": ("冲突始于2024年3月3日。", "2024年3月3日"),
        "ko": ("2024년 3월 3일에 시작됐다.", "2024년 3월 3일"),
    }
    for lang, (text, span) in cases.items():
        assert [(t.text, t.value) for t in tag_text(text, dct, lang)] == [(span, "2024-03-03")]


def test_annotate_takes_a_language_in_both_modes() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_annotate("2025-05-21", None, io.StringIO("Вчора почався обмін."), out, err, "uk")
    assert code == 0 and err.getvalue() == ""
    assert json.loads(out.getvalue()) == {
        "start": 0, "end": 5, "text": "Вчора", "type": "DATE", "value": "2025-05-20"}
    lines = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "tr", "dct": "2025-05-21", "text": "Dün takas yapıldı.", "language": "tr"},
        {"id": "en", "dct": "2025-05-21", "text": "Yesterday talks ended."},
    ])
    out, err = io.StringIO(), io.StringIO()
    assert run_annotate(None, "-", io.StringIO(lines), out, err) == 0
    got = {r["id"]: [t["value"] for t in r["timexes"]] for r in map(json.loads, out.getvalue()
                                                                     .splitlines())}
    assert got == {"tr": ["2025-05-20"], "en": ["2025-05-20"]}


def test_annotate_rejects_a_bad_language_with_exit_code_2() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_annotate("2025-05-21", None, io.StringIO("x"), out, err, "r u!") == 2
    assert "language" in err.getvalue()


def test_tracker_annotate_command_has_a_language_option() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from tracker.cli import main; sys.exit(main())",
         "annotate", "--dct", "2025-05-21", "--language", "ru"],
        input="Три дня назад начался штурм.", capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["value"] == "2025-05-18"


@pytest.mark.parametrize("lang", SUPPORTED)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300))
def test_any_unicode_text_never_crashes(lang: str, text: str) -> None:
    _well_formed(text, tag_text(text, date(2025, 5, 21), lang))


@pytest.mark.parametrize("lang", SUPPORTED)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(st.sampled_from([
    "16", "мая", "травня", "Mayıs'ta", "2025", "года", "року", "yılında", "в", "у", "назад",
    "тому", "önce", "три", "üç", "gün", "дня", "прошлой", "минулого", "geçen", "hafta", "'", "’",
    "ayında", "пятницу", "günü", ".", ",", "\n", "Mai", "de", "mayo", "r.", "1000'e",
]), max_size=60))
def test_date_like_word_salad_stays_well_formed(lang: str, words: list[str]) -> None:
    text = " ".join(words)
    _well_formed(text, tag_text(text, date(2025, 5, 21), lang))


@pytest.mark.parametrize("lang", ["ru", "uk", "tr", "de"])
def test_long_hostile_text_is_tagged_in_bounded_time(lang: str) -> None:
    pieces = ["16 " * 2000, "мая " * 2000, "'" * 5000, "а" * 20000, "2025'" * 2000,
              "прошлой " * 2000, "günü " * 2000, "три дня " * 2000]
    text = " ".join(pieces)
    t0 = time.perf_counter()
    _well_formed(text, tag_text(text, date(2025, 5, 21), lang))
    assert time.perf_counter() - t0 < 5.0


def test_parts_of_a_period_become_mods() -> None:
    dct = date(2025, 5, 21)
    cases = [
        ("ru", "В начале мая шли бои.", "начале мая", "2025-05", "START"),
        ("ru", "Так было в конце прошлого года.", "конце прошлого года", "2024", "END"),
        ("uk", "Наприкінці 2024 року фронт просів.", "Наприкінці 2024 року", "2024", "END"),
        ("tr", "Mayıs ayının sonunda görüşme olacak.", "Mayıs ayının sonunda", "2025-05", "END"),
        ("tr", "Bu yılın başında saldırılar arttı.", "Bu yılın başında", "2025", "START"),
    ]
    for lang, text, span, value, mod in cases:
        assert [(t.text, t.value, t.mod) for t in tag_text(text, dct, lang)] == \
            [(span, value, mod)], text


def test_seasons_weekends_and_decades() -> None:
    dct = date(2025, 5, 21)
    cases = [
        ("ru", "Летом 2024 года ВСУ вошли в область.", "Летом 2024 года", "2024-SU"),
        ("ru", "Прошлой зимой удары по энергетике усилились.", "Прошлой зимой", "2024-WI"),
        ("uk", "Минулої осені удари посилилися.", "Минулої осені", "2024-FA"),
        ("tr", "Geçen kış elektrik kesintileri yaşandı.", "Geçen kış", "2024-WI"),
        ("ru", "На прошлых выходных город обстреляли.", "прошлых выходных", "2025-W20-WE"),
        ("tr", "Geçen hafta sonu şehir bombalandı.", "Geçen hafta sonu", "2025-W20-WE"),
        ("ru", "В 1990-х годах завод закрыли.", "1990-х годах", "199"),
        ("uk", "У 2010-ті місто розбудовували.", "2010-ті", "201"),
        ("tr", "1990'larda fabrika kapandı.", "1990'larda", "199"),
        ("ru", "В 2022-м всё изменилось.", "2022-м", "2022"),
    ]
    for lang, text, span, value in cases:
        assert [(t.text, t.value) for t in tag_text(text, dct, lang)] == [(span, value)], text


def test_counts_are_not_years() -> None:
    dct = date(2025, 5, 21)
    assert tag_text("До 2000 человек эвакуировали из города.", dct, "ru") == []
    assert tag_text("Обмен 1000 на 1000 пленных.", dct, "ru") == []
    assert tag_text("2000'den fazla asker bölgeye gönderildi.", dct, "tr") == []
    assert [t.value for t in tag_text("Yaptırımlar 2030'a kadar sürecek.", dct, "tr")] == ["2030"]


def test_tense_is_read_from_the_clause_of_the_expression() -> None:
    dct = date(2025, 5, 23)  # a Friday
    text = "Как заявил в четверг представитель МИД, следующий раунд пройдёт в понедельник."
    got = [(t.text, t.value) for t in tag_text(text, dct, "ru")]
    assert got == [("четверг", "2025-05-22"), ("понедельник", "2025-05-26")]


def test_ukrainian_za_is_in_n_units_only_when_speaking_of_the_future() -> None:
    dct = date(2025, 6, 10)
    assert [t.value for t in tag_text("За два тижні розпочнеться саміт.", dct, "uk")] == \
        ["2025-W26"]
    assert tag_text("За два тижні ворог втратив сотню танків.", dct, "uk") == []


def test_ukrainian_among_is_not_wednesday() -> None:
    assert tag_text("Серед загиблих є діти.", date(2025, 5, 21), "uk") == []


def test_ukrainian_four_of_people_is_not_thursday() -> None:
    assert tag_text("Загинули четверо людей.", date(2025, 5, 21), "uk") == []
    [thursday] = tag_text("Четверо солдатів поранено в четвер.", date(2025, 5, 21), "uk")
    assert (thursday.text, thursday.value) == ("четвер", "2025-05-15")


def test_benchmark_sentences_meet_the_target_and_beat_naive_search_dates() -> None:
    spec = importlib.util.spec_from_file_location(
        "bench_timex_languages", Path(__file__).parents[1] / "benchmarks" / "timex_languages.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    records = [json.loads(x) for x in bench.DATA.read_text(encoding="utf-8").splitlines() if x]
    table = bench.score(records)
    ours = sum(table[lang]["tag_text"]["correct"] for lang in ("ru", "uk", "tr"))
    naive = sum(table[lang]["search_dates"]["correct"] for lang in ("ru", "uk", "tr"))
    assert ours >= 30 and ours > naive
