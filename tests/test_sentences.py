"""Sentence splitting keeps offsets exact and does not break on abbreviations."""

from __future__ import annotations

from tracker.extract.sentences import MAX_SENTENCE_CHARS, split_sentences


def test_sentences_slice_back_to_their_text() -> None:
    text = "The talks began on Friday. Gen. Smith arrived at 3 p.m. Monday! Did it work?\n\nYes."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "The talks began on Friday.", "Gen. Smith arrived at 3 p.m. Monday!", "Did it work?",
        "Yes.",
    ]
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_us_and_initials_do_not_end_a_sentence() -> None:
    text = "The U.S. envoy met J. Doe in Geneva. They spoke."
    assert len(split_sentences(text)) == 2


def test_headlines_and_bullets_on_their_own_lines_are_sentences() -> None:
    text = "Talks Resume In Geneva\n  • Delegates meet today\nThe meeting began."
    assert [s.text for s in split_sentences(text)] == [
        "Talks Resume In Geneva", "• Delegates meet today", "The meeting began."]


def test_a_run_of_100000_digits_is_cut_into_bounded_pieces() -> None:
    text = "1" * 100_000
    sentences = split_sentences(text)
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert "".join(s.text for s in sentences) == text
