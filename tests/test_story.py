"""The story, not the noise: one event per happening, told in a sentence, the key events a
reader needs, and nothing made of page furniture, comments, plans or numbers.

Every article here is a few sentences written for these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracker.ids import article_id
from tracker.ingest import Ingestor
from tracker.models import Article
from tracker.query import EventFilter, export_timeline, kinds, top_events
from tracker.store import Store

ALL = EventFilter(min_confidence=0)


def article(published: str, text: str, *, outlet: str | None = "Harbour Post",
            url: str | None = None, n: int = 0) -> Article:
    if url is None and outlet is not None:
        url = f"https://{outlet.lower().replace(' ', '-')}.example.org/{published}/{n}"
    return Article(id=article_id(url, text), title=text[:50], text=text, url=url,
                   canonical_url=url, published_at=datetime.fromisoformat(published).replace(
                       tzinfo=UTC), published_basis="given", source_name=outlet)


@pytest.fixture
def ingest(tmp_path: Path) -> Iterator[Any]:
    stores: list[Store] = []

    def run(*articles: Article) -> Store:
        store = Store(tmp_path / f"story{len(stores)}.db")
        stores.append(store)
        report = Ingestor(store).ingest(list(articles))
        assert report.failed == 0, report.failures
        return store

    yield run
    for s in stores:
        s.close()


def events(store: Store, f: EventFilter | None = None) -> list[dict[str, Any]]:
    return list(export_timeline(store, f)["events"])


def sentences(event: dict[str, Any]) -> set[str]:
    return {m["sentence"] for m in event["mentions"]}


MEETING_A = ("The foreign ministers of Chile and Argentina met in Mendoza on Tuesday and "
             "agreed to share data on melting glaciers. The talks in Mendoza lasted six hours.")
MEETING_B = ("Argentina and Chile signed an agreement in Mendoza on Tuesday to share glacier "
             "data, after negotiations between their foreign ministers.")


def test_two_phrasings_of_one_meeting_give_one_event(ingest: Any) -> None:
    store = ingest(article("2024-03-12", MEETING_A, outlet="Harbour Post"),
                   article("2024-03-12", MEETING_B, outlet="Atlas Report"))
    that_day = [e for e in events(store, ALL) if e["date_start"] == "2024-03-12"
                and e["kind"] == "diplomacy"]
    assert len(that_day) == 1, [e["title"] for e in that_day]
    assert that_day[0]["n_sources"] == 2


def test_a_title_names_actor_and_action(ingest: Any) -> None:
    store = ingest(article("2024-03-12", MEETING_A, outlet="Harbour Post"),
                   article("2024-03-12", MEETING_B, outlet="Atlas Report"))
    event = next(e for e in events(store) if e["date_start"] == "2024-03-12")
    title = event["title"].lower()
    assert any(actor in title for actor in ("chile", "argentina", "ministers")), title
    assert any(verb in title for verb in ("met", "meet", "agree", "sign")), title
    assert event["summary"] and set(event["summary"]) <= sentences(event) | {
        s for e in events(store, ALL) for s in sentences(e)}


def test_every_event_has_a_headline_and_a_summary_from_its_own_sentences(ingest: Any) -> None:
    store = ingest(article("2024-03-12", MEETING_A, outlet="Harbour Post"),
                   article("2024-03-12", MEETING_B, outlet="Atlas Report"))
    for event in events(store, ALL):
        assert event["title"]
        assert 1 <= len(event["summary"]) <= 3
        assert set(event["summary"]) <= sentences(event)


def story() -> list[Article]:
    """Three months of a made-up Iberian story; 14 February is the busiest day."""
    return [
        article("2024-01-10", "Floods swept through Valencia on Wednesday, January 10, "
                "forcing thousands from their homes.", outlet="Harbour Post"),
        article("2024-01-10", "Floodwater covered much of Valencia on January 10 after two "
                "days of rain.", outlet="Atlas Report"),
        article("2024-01-20", "Valencia is still cleaning up after the January 10 floods.",
                outlet="Harbour Post", n=1),
        article("2024-02-14", "Tens of thousands protested in Madrid on Wednesday, February "
                "14, against the new housing law.", outlet="Harbour Post"),
        article("2024-02-14", "Protesters filled the streets of Madrid on February 14 to "
                "oppose the housing law.", outlet="Atlas Report"),
        article("2024-02-14", "Police arrested a bank robber in Seville on February 14. The "
                "mayor of Toledo visited Lisbon on February 14. A factory opened in Bilbao on "
                "February 14.", outlet="Atlas Report", n=1),
        article("2024-02-25", "The February 14 protests in Madrid were the largest in years.",
                outlet="Atlas Report", n=2),
        article("2024-03-20", "Catalonia held a regional election on Wednesday, March 20, "
                "and turnout was high.", outlet="Harbour Post"),
        article("2024-03-20", "Voters in Catalonia went to the polls in the March 20 "
                "election.", outlet="Atlas Report"),
        article("2024-03-28", "Coalition talks began after the March 20 election in "
                "Catalonia.", outlet="Harbour Post", n=1),
    ]


def test_key_events_spread_over_the_span_one_per_day(ingest: Any) -> None:
    store = ingest(*story())
    top = top_events(store, 3)
    assert {t["date"][:7] for t in top} == {"2024-01", "2024-02", "2024-03"}
    assert len({t["date"] for t in top}) == len(top)
    for t in top:
        assert t["title"] and 1 <= len(t["summary"]) <= 3


def test_timeline_entries_have_the_promised_shape(ingest: Any) -> None:
    store = ingest(*story())
    entry = top_events(store, 1, sentences=1)[0]
    assert {"date", "title", "summary", "score", "event_id"} <= set(entry)
    assert len(entry["summary"]) == 1


def test_a_hypothetical_or_future_event_stays_out_of_the_key_events(ingest: Any) -> None:
    store = ingest(*story(), article(
        "2024-03-21", "The presidents of Peru and Bolivia will meet in Lima on Friday, March 29. "
        "They could sign a trade deal in Lima on March 29.", outlet="Harbour Post", n=3),
        article("2024-03-22", "Peru and Bolivia may hold talks in Lima on March 29, officials "
                "said.", outlet="Atlas Report", n=3))
    planned = [e for e in events(store, ALL) if e["date_start"] == "2024-03-29"]
    assert planned, "a plan is stored and searchable as evidence"
    assert all(m["modality"] in ("future", "hypothetical") for e in planned
               for m in e["mentions"])
    assert "2024-03-29" not in {t["date"] for t in top_events(store, 10)}
    assert not [e for e in events(store) if e["date_start"] == "2024-03-29"]


def test_numbers_are_not_dates(ingest: Any) -> None:
    store = ingest(article("2024-05-02", "Critics say the senator told 1000s of lies and was "
                           "arrested on Monday. Some 2,000 troops were sent to the border.",
                           outlet="Harbour Post"))
    for event in events(store, ALL):
        assert event["date_start"] >= "2024-01-01", event


def test_a_teaser_repeated_across_articles_gives_no_event(ingest: Any) -> None:
    teaser = "Also today: police arrested a bank robber in Porto on Monday, May 6."
    stories = [
        "Farmers in Braga protested on Monday, May 6, against water cuts.",
        "The Douro river rose sharply in Porto after heavy rain on Monday, May 6.",
        "A new ferry between Lisbon and Setubal opened on Monday, May 6.",
        "The president of Portugal visited Coimbra on Monday, May 6.",
    ]
    store = ingest(*(article("2024-05-07", f"{text}\n\n{teaser}", outlet="Harbour Post", n=i)
                     for i, text in enumerate(stories)))
    for event in events(store, ALL):
        assert teaser not in sentences(event), event["title"]


def test_a_reader_comment_gives_no_event(ingest: Any) -> None:
    text = ("The old bridge in Porto was closed on Monday, May 6, after cracks appeared.\n\n"
            "Comments (2)\n"
            "At 10:15 am on 7 May 2024, riverfan22 wrote: My uncle said the bridge collapsed "
            "in Porto on Monday, May 6, I saw it myself.\n"
            "At 11:02 am on 7 May 2024, porto_local wrote: Nonsense, nothing collapsed.")
    store = ingest(article("2024-05-07", text, outlet="Harbour Post"))
    for event in events(store, ALL):
        for sentence in sentences(event):
            assert "wrote" not in sentence and "collapsed" not in sentence, sentence


def test_a_running_total_is_not_the_days_news(ingest: Any) -> None:
    store = ingest(article("2024-03-01", "More than 300 people have died since the floods "
                           "began in January.", outlet="Harbour Post"))
    assert not [e for e in events(store, ALL) if e["date_start"] == "2024-03-01"]


def test_an_article_without_a_source_counts_as_one_unknown_source(ingest: Any) -> None:
    store = ingest(*(article("2024-04-02", f"An earthquake struck Naples on Monday, April 1. "
                             f"Report number {i}.", outlet=None) for i in range(4)))
    quake = next(e for e in events(store, ALL) if e["date_start"] == "2024-04-01")
    assert quake["n_articles"] == 4 and quake["n_sources"] == 1


def test_other_is_not_the_biggest_kind(ingest: Any) -> None:
    store = ingest(*story())
    counts = {k["kind"]: k["events"] for k in kinds(store, 0)}
    assert counts.get("other", 0) < max(counts.values())


def test_time_words_that_date_no_happening_make_no_event(ingest: Any) -> None:
    store = ingest(article("2024-06-05", "The Sunday Times reported that the minister resigned. "
                           "A decision on the new bridge is expected by Friday. The vote on "
                           "the budget is due on June 20.", outlet="Harbour Post"))
    shown = events(store)
    assert not [e for e in shown if e["date_start"] in ("2024-06-02", "2024-06-07",
                                                         "2024-06-20")], shown
    stored = events(store, ALL)
    assert not [e for e in stored if e["date_start"] == "2024-06-02"]  # "Sunday" is a name


def test_titles_say_what_happened_not_which_kind(ingest: Any) -> None:
    store = ingest(*story())
    generic = {"Disaster", "Protests", "Election", "Talks", "Arrest", "Opening", "Visit"}
    titles = [e["title"] for e in events(store)]
    assert titles and not set(titles) & generic, titles
