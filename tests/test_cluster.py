"""Clustering: reports of one happening become one event, whatever order they arrive in."""

from __future__ import annotations

import random
from datetime import date

from tracker.cluster import ClusterInput, cluster_group
from tracker.extract.mentions import sentence_key
from tracker.ids import entity_key

TALKS = "Russian and Ukrainian delegations held talks in Istanbul on Friday."


def mention(mid: str, *, article: str, source: str, anchor: str | None, start: date,
            end: date | None = None, precision: str = "day", published: date | None = None,
            title: str = "Istanbul talks", date_text: str = "Friday",
            entities: frozenset[str] = frozenset(), written: bool = True,
            sentence: str = TALKS, modality: str = "asserted",
            furniture: bool = False) -> ClusterInput:
    return ClusterInput(
        id=mid, article_id=article, source=source, published=published or start,
        group="diplomacy", anchor=anchor, date_start=start, date_end=end or start,
        precision=precision,  # type: ignore[arg-type]
        date_text=date_text, title=title, kind="diplomacy", confidence=0.8,
        entity_ids=entities, date_written=written, sentence=sentence,
        sentence_key=sentence_key(sentence), modality=modality,  # type: ignore[arg-type]
        furniture=furniture, published_at=(published or start).isoformat(),
    )


MAY16 = date(2025, 5, 16)


def test_reports_of_the_same_day_and_place_from_three_outlets_are_one_event() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="Harbour Post", anchor="place:istanbul", start=MAY16),
        mention("m2", article="a2", source="Atlas Report", anchor="place:istanbul", start=MAY16),
        mention("m3", article="a3", source="Atlas Report", anchor="place:istanbul", start=MAY16),
    ])
    assert len(events) == 1
    assert (events[0].n_mentions, events[0].n_articles, events[0].n_sources) == (3, 3, 2)


def test_talks_on_different_days_stay_apart() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:istanbul", start=MAY16),
        mention("m2", article="a2", source="s", anchor="place:istanbul", start=date(2025, 6, 2)),
    ])
    assert [e.date_start for e in events] == [MAY16, date(2025, 6, 2)]


def test_a_month_mention_supports_the_day_event_inside_it() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:istanbul", start=MAY16),
        mention("m2", article="a2", source="t", anchor="place:istanbul", start=date(2025, 5, 1),
                end=date(2025, 5, 31), precision="month", date_text="in May",
                sentence="The Istanbul talks between Russian and Ukrainian delegations in May "
                         "ended without a ceasefire."),
    ])
    assert len(events) == 1
    assert (events[0].date_start, events[0].precision, events[0].date_text) == (MAY16, "day",
                                                                                "Friday")


def test_the_year_2022_talks_are_not_the_2025_talks() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:istanbul", start=MAY16),
        mention("m2", article="a1", source="s", anchor="place:istanbul", start=date(2022, 1, 1),
                end=date(2022, 12, 31), precision="year", date_text="2022"),
    ])
    assert sorted(e.precision for e in events) == ["day", "year"]


def test_an_undated_report_joins_the_event_of_the_days_before_its_publication() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:istanbul", start=MAY16),
        mention("m2", article="a2", source="t", anchor="place:istanbul", start=date(2025, 5, 18),
                precision="reported", published=date(2025, 5, 18), date_text="undated",
                written=False),
    ])
    assert len(events) == 1 and events[0].precision == "day" and events[0].n_sources == 2


def test_an_undated_report_with_nothing_to_join_is_kept_as_reported() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:istanbul", start=MAY16,
                precision="reported", date_text="undated", written=False),
    ])
    assert [(e.precision, e.date_start) for e in events] == [("reported", MAY16)]


def test_a_coarse_mention_needs_more_than_the_same_kind_to_support_a_day() -> None:
    # A mayor's third term "in 2008" is not the election of 4 November 2008.
    vote = "Voters elected a new president on November 4, 2008, in a record turnout."
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor=None, start=date(2008, 11, 4),
                sentence=vote),
        mention("m2", article="a2", source="t", anchor=None, start=date(2008, 1, 1),
                end=date(2008, 12, 31), precision="year", date_text="in 2008",
                sentence="Few would bet against the mayor running for a third term in 2008."),
    ])
    assert sorted(e.precision for e in events) == ["day", "year"]


def test_parties_talks_join_the_place_talks_between_the_same_parties_that_day() -> None:
    parties = frozenset({entity_key("place", "Russia"), entity_key("place", "Ukraine")})
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:istanbul", start=MAY16,
                entities=parties),
        mention("m2", article="a2", source="t", anchor="parties:russia+ukraine", start=MAY16,
                title="Russia–Ukraine talks", entities=parties,
                sentence="Russia and Ukraine agreed on a prisoner swap on Friday."),
    ])
    assert len(events) == 1 and events[0].n_articles == 2


def test_talks_and_an_agreement_told_in_other_words_are_one_event() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:geneva", start=MAY16,
                sentence="Chile and Argentina held talks on water rights in Geneva on Friday."),
        mention("m2", article="a2", source="t", anchor=None, start=MAY16,
                sentence="Argentina and Chile signed a water rights agreement on Friday in "
                         "Geneva after two days of talks."),
    ])
    assert len(events) == 1 and events[0].n_sources == 2


def test_two_happenings_of_one_kind_on_one_day_stay_apart() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:geneva", start=MAY16,
                sentence="Chile and Argentina held talks on water rights in Geneva on Friday."),
        mention("m2", article="a2", source="t", anchor="place:nairobi", start=MAY16,
                sentence="Kenya's president visited Nairobi's new port on Friday with Somali "
                         "officials."),
    ])
    assert len(events) == 2


def test_page_furniture_is_no_evidence() -> None:
    events = cluster_group([
        mention("m1", article="a1", source="s", anchor="place:istanbul", start=MAY16,
                furniture=True),
    ])
    assert events == []


def test_a_future_or_hypothetical_event_is_less_sure_than_an_asserted_one() -> None:
    asserted, = cluster_group([mention("m1", article="a1", source="s", anchor="place:x",
                                       start=MAY16)])
    planned, = cluster_group([mention("m1", article="a1", source="s", anchor="place:x",
                                      start=MAY16, modality="future")])
    hypothetical, = cluster_group([mention("m1", article="a1", source="s", anchor="place:x",
                                           start=MAY16, modality="hypothetical")])
    assert asserted.confidence > planned.confidence > hypothetical.confidence


def test_more_outlets_make_an_event_surer() -> None:
    one = cluster_group([mention("m1", article="a1", source="s", anchor="place:x",
                                 start=MAY16)])
    three = cluster_group([mention(f"m{i}", article=f"a{i}", source=f"s{i}", anchor="place:x",
                                   start=MAY16) for i in range(3)])
    assert three[0].confidence > one[0].confidence


def test_the_same_mentions_in_any_order_give_the_same_events() -> None:
    inputs = [
        mention(f"m{i}", article=f"a{i % 4}", source=f"s{i % 3}",
                anchor=["place:istanbul", None, "place:ankara"][i % 3],
                start=date(2025, 5, 10 + i % 5),
                precision=["day", "reported", "day", "month", "day"][i % 5],
                end=date(2025, 5, 31) if i % 5 == 3 else None)
        for i in range(30)
    ]
    inputs = [m if m.precision != "month" else mention(
        m.id, article=m.article_id, source=m.source, anchor=m.anchor, start=date(2025, 5, 1),
        end=date(2025, 5, 31), precision="month") for m in inputs]
    expected = cluster_group(inputs)
    for seed in range(5):
        shuffled = list(inputs)
        random.Random(seed).shuffle(shuffled)
        assert cluster_group(shuffled) == expected


def test_event_ids_depend_on_what_and_when_not_on_which_mentions() -> None:
    one = cluster_group([mention("m1", article="a1", source="s", anchor="place:istanbul",
                                 start=MAY16)])
    two = cluster_group([mention("m9", article="a9", source="t", anchor="place:istanbul",
                                 start=MAY16)])
    assert one[0].id == two[0].id
