"""An article's text is capped before extraction, and its mentions are bounded.

A text longer than the cap (``MAX_TEXT_CHARS``, a million characters; smaller here, set on the
``Ingestor``) is cut at a paragraph end near the cap, else at a sentence end, else at a space;
it is stored cut, with its original length in ``truncated_from``, and the report and the log
say which article was cut and from what size to what size. What was cut off yields no event.
Cutting is stable, so the same long article is unchanged the next time it is seen. An article
extracted ahead whole is cut and extracted again; a stored article longer than the cap is
re-extracted from its first part. Extraction makes at most ``MAX_MENTIONS_PER_ARTICLE``
mentions, the first ones in text order.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extract import mentions as mentions_module
from tracker.extract.mentions import extract_all
from tracker.extract.pool import MAX_POOLED_CHARS, Prepared
from tracker.extract.sentences import CUT_REACH, cut_point
from tracker.ids import article_id
from tracker.ingest import MAX_TEXT_CHARS, Ingestor, cap_text
from tracker.models import Article
from tracker.store import Store

PUBLISHED = datetime(2025, 5, 16, 9, tzinfo=UTC)
CAP = 5_000
FIRST = "Delegations held talks in Geneva on Monday, May 12, officials said."
LAST = "Fighting broke out in Kharkiv on Thursday, May 15, the army said."


def article(text: str, url: str = "https://wire.example.org/long") -> Article:
    return Article(id=article_id(url, text), title="A long one", text=text, url=url,
                   canonical_url=url, published_at=PUBLISHED, published_basis="given",
                   source_name="Wire")


def paragraphs(n: int) -> str:
    """``n`` paragraphs of about 400 characters: the first and the last tell of an event."""
    filler = ("Residents said the day had been quiet and that shops stayed open late. " * 5)
    middle = [filler.strip() for _ in range(n - 2)]
    return "\n\n".join([FIRST, *middle, LAST])


def stored(store: Store) -> dict[str, object]:
    return store.query("SELECT id, text, truncated_from FROM articles")[0]


def test_the_cap_is_a_million_characters_and_the_extraction_processes_take_as_much(
        store: Store) -> None:
    assert MAX_TEXT_CHARS == 1_000_000
    assert Ingestor(store).max_text_chars == MAX_TEXT_CHARS
    assert MAX_POOLED_CHARS == MAX_TEXT_CHARS
    with pytest.raises(ValueError):
        Ingestor(store, max_text_chars=0)


def test_an_article_within_the_cap_is_stored_whole(store: Store) -> None:
    text = paragraphs(5)
    report = Ingestor(store, max_text_chars=CAP).ingest([article(text)])
    row = stored(store)
    assert row["text"] == text and row["truncated_from"] is None
    assert report.cut == [] and "cut" not in report.summary()


def test_a_longer_article_is_cut_at_a_paragraph_end_near_the_cap_and_keeps_its_length(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    text = paragraphs(40)
    assert len(text) > 2 * CAP
    with caplog.at_level(logging.WARNING, logger="tracker.ingest"):
        report = Ingestor(store, max_text_chars=CAP).ingest([article(text)])
    row = stored(store)
    kept = str(row["text"])
    assert CAP - 500 < len(kept) <= CAP
    assert text.startswith(kept) and text[len(kept):].startswith("\n\n")
    assert row["truncated_from"] == len(text)
    assert report.new == 1
    line = f"{row['id']}: {len(text):,} characters cut to {len(kept):,}"
    assert report.cut == [line]
    assert "1 cut to the text cap" in report.summary()
    assert any(line in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_what_was_cut_off_yields_no_event(store: Store) -> None:
    Ingestor(store, max_text_chars=CAP).ingest([article(paragraphs(40))])
    sentences = [r["sentence"] for r in store.query("SELECT sentence FROM mentions")]
    assert FIRST in sentences and LAST not in sentences
    assert "2025-05-15" not in {r["date_start"] for r in store.query("SELECT * FROM events")}


def test_the_same_long_article_is_unchanged_the_next_time_and_not_reported_again(
        store: Store) -> None:
    ingestor = Ingestor(store, max_text_chars=CAP)
    ingestor.ingest([article(paragraphs(40))])
    again = ingestor.ingest([article(paragraphs(40))])
    assert again.unchanged == 1 and again.new == 0 and again.cut == []


def test_an_article_extracted_ahead_whole_is_cut_and_extracted_again(store: Store) -> None:
    whole = article(paragraphs(40))
    Ingestor(store, max_text_chars=CAP).ingest([Prepared(whole, extract_all(whole))])
    kept = len(str(stored(store)["text"]))
    ends = [r["sentence_end"] for r in store.query("SELECT sentence_end FROM mentions")]
    assert ends and max(ends) <= kept


def test_a_stored_article_longer_than_the_cap_is_reextracted_from_its_first_part(
        store: Store) -> None:
    Ingestor(store).ingest([article(paragraphs(40))])  # stored whole: within the default cap
    report = Ingestor(store, max_text_chars=CAP).reprocess(everything=True)
    assert report.changed == 1 and len(report.cut) == 1
    sentences = [r["sentence"] for r in store.query("SELECT sentence FROM mentions")]
    assert FIRST in sentences and LAST not in sentences


def test_without_paragraphs_the_cut_falls_on_a_sentence_end_then_a_space() -> None:
    sentences = "Talks resumed in Geneva. Mr. Ruiz said so. " * 300
    cut = cut_point(sentences, 1_000)
    assert sentences[:cut].endswith("so.") and cut > 1_000 - 50
    words = "talks resumed in geneva " * 300
    cut = cut_point(words, 1_000)
    assert words[cut] == " " and cut > 1_000 - 10
    assert cut_point("x" * 3_000, 1_000) == 1_000
    assert cut_point("short", 1_000) == 5


def test_cap_text_uses_the_original_length_and_cutting_again_changes_nothing() -> None:
    long = article(paragraphs(40))
    cut = cap_text(long, CAP)
    assert cut.truncated_from == len(long.text) and cut.id == long.id
    assert cap_text(cut, CAP) is cut
    assert cap_text(long, len(long.text)) is long


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .\n\tZ!?\"")), max_size=400),
       st.integers(0, 450))
def test_a_cut_keeps_at_most_the_limit_and_ends_on_no_space(text: str, limit: int) -> None:
    cut = cut_point(text, limit)
    if len(text) <= limit:
        assert cut == len(text)
    else:
        assert 0 <= cut <= limit and not text[:cut][-1:].isspace()
        # A word is cut in two only when no space comes near the limit.
        if cut == limit and not text[limit].isspace():
            assert not any(c.isspace() for c in text[max(0, limit - CUT_REACH):limit])


def test_extraction_makes_at_most_the_bounded_number_of_mentions_the_first_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = " ".join(f"Talks were held in Geneva on May {d % 28 + 1}." for d in range(120))
    everything = extract_all(article(text)).mentions
    assert len(everything) > 50
    monkeypatch.setattr(mentions_module, "MAX_MENTIONS_PER_ARTICLE", 50)
    assert extract_all(article(text)).mentions == everything[:50]


def test_the_mention_bound_leaves_news_at_the_text_cap_whole() -> None:
    # The densest news at hand, the bundled examples, gives ~6.5 mentions per 1,000 characters.
    assert mentions_module.MAX_MENTIONS_PER_ARTICLE >= 6.5 * MAX_TEXT_CHARS / 1_000
