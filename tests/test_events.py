"""Event triggers and how they are told: words in another sense, modality, the data files."""

from __future__ import annotations

import pytest

from tracker.extract.events import find_triggers, lexicon, sense_rules
from tracker.extract.modality import cues, is_background, modality_of
from tracker.models import MODALITIES


def groups(sentence: str) -> list[str]:
    return [t.group.name for t in find_triggers(sentence)]


def test_the_lexicon_names_real_kinds_and_confidences() -> None:
    kinds = {"diplomacy", "conflict", "politics", "economy", "disaster", "legal", "health",
             "other", None}
    for group in lexicon():
        assert group.kind in kinds, group.name
        assert 0 < group.confidence <= 1 and group.forms and group.titles


def test_every_sense_rule_reads_its_own_example() -> None:
    names = {g.name for g in lexicon()}
    for rules in sense_rules().values():
        for rule in rules:
            assert rule.action == "drop" or rule.action in names, rule
            found = find_triggers(rule.example)
            if rule.action == "drop":
                assert not {t.text.lower() for t in found} & rule.forms, rule.example
            else:
                assert rule.action in {t.group.name for t in found}, rule.example


@pytest.mark.parametrize(("sentence", "absent"), [
    ("The minister resigned in protest at the decision.", "protest"),
    ("He died of a heart attack at his home.", "attack"),
    ("The chairman talks of a new era for the company.", "talks"),
    ("This move attacks the centre of gravity of the coalition.", "attack"),
    ("The reform bill crashed in flames in the senate.", "disaster"),
    ("The ruling party won a majority.", "trial"),
    ("Tickets must be booked in advance.", "offensive"),
    ("There is a great deal of uncertainty about prices.", "agreement"),
    ("The plan met with fierce criticism from unions.", "talks"),
    ("She fought against corruption for a decade.", "fighting"),
])
def test_words_in_another_sense_are_not_events(sentence: str, absent: str) -> None:
    assert absent not in groups(sentence)


@pytest.mark.parametrize(("sentence", "group"), [
    ("Dock workers began a general strike on Monday.", "protest"),
    ("The two companies struck a deal on prices.", "agreement"),
    ("Gunmen opened fire on the convoy near the border.", "attack"),
    ("Troops exchanged fire with rebels overnight.", "fighting"),
    ("The former president passed away at 91.", "death"),
])
def test_words_read_in_the_sense_their_context_gives(sentence: str, group: str) -> None:
    assert group in groups(sentence)


def test_every_modality_cue_names_a_modality_and_matches_its_example() -> None:
    for cue in cues():
        assert cue.modality in MODALITIES
        assert cue.pattern.search(cue.example) or cue.scope != "sentence", cue.example


@pytest.mark.parametrize(("sentence", "word", "modality"), [
    ("Delegates will meet in Geneva next week.", "meet", "future"),
    ("The two leaders could sign a peace agreement in Doha.", "agreement", "hypothetical"),
    ("No ceasefire was agreed on Friday.", "ceasefire", "negated"),
    ("Talks are expected to resume on Monday.", "Talks", "future"),
    ("The army denied that any attack took place.", "attack", "negated"),
    ("Police arrested three men in Lyon on Tuesday.", "arrested", "asserted"),
    ("The summit opened in Nairobi on Monday.", "summit", "asserted"),
])
def test_modality_says_whether_it_happened(sentence: str, word: str, modality: str) -> None:
    start = sentence.index(word)
    assert modality_of(sentence, start, start + len(word)) == modality


@pytest.mark.parametrize("sentence", [
    "More than 3,500 people have died since March.",
    "So far 120 arrests have been made.",
    "A total of 40 villages were flooded over the past week.",
])
def test_running_totals_are_background(sentence: str) -> None:
    assert is_background(sentence)


def test_the_first_talks_since_a_year_are_todays_news_not_background() -> None:
    assert not is_background("Delegates met in Istanbul for the first talks since 2022.")


def test_the_place_said_to_be_where_beats_a_place_people_came_from() -> None:
    from datetime import UTC, datetime

    from tracker.extract.mentions import extract
    from tracker.models import Article

    def keys(text: str) -> set[str]:
        article = Article(id="p", title="t", text=text,
                          published_at=datetime(2025, 5, 17, tzinfo=UTC))
        return {m.cluster_key for m in extract(article)}

    assert keys("Negotiators from Kyiv and Moscow met in Istanbul on 16 May 2025.") == {
        "diplomacy|place:istanbul"}
    assert keys("Delegations held the Istanbul talks on 16 May 2025.") == {
        "diplomacy|place:istanbul"}  # right before its trigger, a place still names it
