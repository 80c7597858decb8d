"""Bad input loses nothing: pathological articles are ingested (or refused) quickly and cleanly."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.extract.mentions import extract
from tracker.ids import article_id
from tracker.ingest import Ingestor
from tracker.models import Article
from tracker.store import Store

PUBLISHED = datetime(2025, 5, 16, tzinfo=UTC)


def article(text: str, title: str = "odd") -> Article:
    return Article(id=article_id(None, text), title=title, text=text,
                   published_at=PUBLISHED, published_basis="given")


def test_monsters_are_ingested_without_failure_in_bounded_time(store: Store) -> None:
    monsters = [
        "1" * 100_000,                                   # a sentence of 100,000 digits
        "talks" * 200_000,                               # 1 MB without a space
        "🙂 " * 50_000 + "Talks began in Geneva on Monday.",  # emoji
        "On February 30, 2025, talks were held in Oslo.",  # an impossible date
        "\x00\x01\x02 fighting \ufffd\ufffd in Kyiv on May 3",  # control characters
        ("Talks in Paris on May 2. " * 4000),            # 100 kB of one repeated sentence
    ]
    started = time.monotonic()
    report = Ingestor(store).ingest(article(m, title=f"monster {i}")
                                    for i, m in enumerate(monsters))
    assert time.monotonic() - started < 60
    assert report.failed == 0 and report.new == len(monsters)
    oslo = [e for e in store.query("SELECT title, date_start FROM events")
            if "Oslo" in e["title"]]
    assert all(not e["date_start"].startswith("2025-02-30") for e in oslo)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text_extracts_without_error_and_offsets_slice_back(text: str) -> None:
    for m in extract(article(text)):
        assert text[m.sentence_start:m.sentence_end] == m.sentence
        if m.timex is not None:
            assert text[m.timex.start:m.timex.end] == m.timex.text
        for e in m.entities:
            assert text[e.start:e.end] == e.text
        assert m.date_start <= m.date_end
