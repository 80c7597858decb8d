"""Reader comments and page furniture are found in article text, and news sentences are kept."""

from __future__ import annotations

import itertools
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extract.furniture import furniture_spans, is_furniture_sentence, parse_rules, rules
from tracker.extract.sentences import split_sentences

STORY = (
    "Rescue teams reached the flooded town of Lindqvist on Tuesday, officials said.\n"
    "The river rose two metres overnight and cut the only road, the mayor told reporters.\n"
    "Power was restored to most homes by Wednesday evening.\n"
)


def kept(text: str) -> list[str]:
    """The sentences a caller keeps: not starting inside a span, not furniture themselves."""
    spans = furniture_spans(text)
    return [
        s.text for s in split_sentences(text)
        if not any(start <= s.start < end for start, end in spans)
        and not is_furniture_sentence(s.text)
    ]


def story_sentences() -> list[str]:
    return [s.text for s in split_sentences(STORY)]


# -- comment threads ---------------------------------------------------------------------------

@pytest.mark.parametrize("thread", [
    # Blog comments headed by time, date and handle (also tokenized: "wrote :").
    "At 4:17 pm on 06 Jun 2011, kiwi_in_oslo wrote: The flood on Tuesday took my cousin.\n"
    "At 19:48 3rd Jun 2011 , Brian_NE37 wrote : The same road flooded in 2009 too.\n"
    "At 21:15 3rd Jun 2011 , mossbank77 said : Not in my street.\n",
    # A blog post's footer, then its comments.
    "Posted by lena88 at 10:12 AM\n2 comments:\nThe bridge closed on Monday.\n",
    # Signature after each comment: the first comment's text sits before its marker, so only
    # the heading just before it says where the thread starts.
    "Reader comments\n"
    "The levee failed on Monday, not Tuesday. Posted by: harbour_cat | June 3, 2011 9:41 PM"
    " | Report abuse\nWho pays for the new road? Posted by: mossbank77 | June 3, 2011 10:02 PM"
    " | Report abuse\n",
    # A comment widget: handle and age on a line, then the comment.
    "tidewatcher9 · 2 hours ago\nThe water reached our street on Monday night.\n"
    "art600 · 1 hour ago\nOurs too.\n",
    # Two handles that "wrote:" close together, with no time at all.
    "pebble_dash wrote: I saw the bridge go on Tuesday.\n"
    "lena88 wrote: The council was warned in March.\n",
    # Only the numbering, controls and moderation notices say it is a thread.
    "Comment number 1.\nMy cousin lost his shop on Tuesday.\nReply to this comment\n"
    "This comment was removed because it broke the house rules.\n",
])
def test_a_comment_thread_after_the_story_is_not_the_article(thread: str) -> None:
    text = STORY + thread
    spans = furniture_spans(text)
    assert spans[-1][1] == len(text)
    assert kept(text) == story_sentences()


def test_the_comment_block_runs_from_its_first_marker_to_the_end() -> None:
    thread = "At 11:52 am on 19 Jan 2011, art600 wrote: They knew about the dam in 2008.\n"
    text = STORY + thread
    assert furniture_spans(text) == [(len(STORY), len(text))]


def test_a_comments_heading_right_before_the_thread_joins_it() -> None:
    thread = (
        "Comments (2)\nAdd your comment\n"
        "The levee failed on Monday. Posted by: harbour_cat | June 3, 2011 9:41 PM | Report abuse\n"
    )
    text = STORY + thread
    assert furniture_spans(text) == [(len(STORY), len(text))]


def test_the_story_before_the_comments_is_kept_whole() -> None:
    # The last story sentence and the first comment share a line, as extraction often leaves them.
    story = STORY.rstrip("\n") + " Have you been affected?"
    text = story + " At 2:14 pm on 07 Jun 2011, riverside_ann wrote: Yes, on Tuesday.\n"
    assert kept(text) == [*story_sentences(), "Have you been affected?"]
    # A comments link in the page header is not a thread: the story after it stays.
    text = "Comments (12)\n" + STORY + "At 2:14 pm on 07 Jun 2011, jdoe42 wrote: Sad news.\n"
    assert kept(text)[-3:] == story_sentences()


@pytest.mark.parametrize("news", [
    "In a letter, the minister wrote: 'We will not resign.'",
    "Trump wrote on social media: 'The talks went very well on Friday.'",
    "Halvorsen wrote: \"Nobody on the council read the warning in time.\"",
    "At 9:30 am on 14 March 2011, Larsen said: 'Today the whole valley is under water.'",
    "A nurse at the clinic, Ana Lima, wrote: \"We ran out of beds on Tuesday.\"",
    "This discussion has been closed, the speaker ruled on Monday, and a vote follows.",
    "'This post has been removed because it breaks our rules,' his account read on Monday.",
])
def test_a_single_quoted_letter_is_news_not_a_comment(news: str) -> None:
    text = STORY + news + "\n" + STORY
    assert furniture_spans(text) == []
    assert kept(text) == [*story_sentences(), news, *story_sentences()]


def test_two_named_writers_quoted_in_a_story_are_not_a_thread() -> None:
    text = (STORY + "Smith wrote: 'The ceasefire began at noon.'\n"
            "Jones wrote: 'It ended on Friday.'\n")
    assert furniture_spans(text) == []


def test_one_handle_that_wrote_is_not_enough_for_a_thread() -> None:
    text = STORY + "pebble_dash wrote: the dam was inspected in 2009.\n" + STORY
    assert furniture_spans(text) == []


# -- furniture lines ---------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Reporting by Ana Ruiz in Quito; Editing by Tom Hale",
    "-LRB- Reporting by Ana Ruiz ; editing by Tom Hale -RRB-",
    "Additional reporting by Pia Lund in Oslo and Tom Rye in Bergen.",
    "The Associated Press contributed to this report.",
    "Harbour Press staff writer Mara Lind in Oslo, and Ken Ito contributed to this report.",
    "By Mara Lind",
    "By MARA LIND, Harbour Press Writer",
    "By Mara Lind | March 3, 2011; 9:41 PM ET",
    "Copyright 2011 Harbour Press Ltd. All rights reserved.",
    "© 2011 Harbour Press",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Click here to see the map of flooded streets.",
    "For our full coverage of the flood, click here.",
    "Follow us on Twitter",
    "Follow the latest on the floods on Twitter",
    "Sign up for our newsletter",
    "Subscribe to our morning briefing.",
    "Share this article",
    "Share | Tweet | Email",
    "Read more: Ferry fares rise again in May",
    "(Photo: Ines Varga/Harbour Press)",
    "Photograph: Ines Varga/Harbour Press",
    "To watch this clip, switch on JavaScript and update your media player.",
    "In order to view the map you need JavaScript enabled.",
    "The views expressed are the writer's own.",
    "Advertisement",
])
def test_credits_and_share_lines_are_furniture(line: str) -> None:
    assert is_furniture_sentence(line)
    text = STORY + line + "\n" + STORY
    assert kept(text) == story_sentences() * 2
    start = text.index(line)
    assert (start, start + len(line)) in furniture_spans(text)


@pytest.mark.parametrize("news", [
    "By Tuesday, the death toll had risen to 200.",
    "By Election Day, the Democrats had lost the state.",
    "By Western standards, the response on Monday was slow.",
    "Reporting by the BBC suggested the talks failed on Monday.",
    "Share prices fell 5 percent on Tuesday.",
    "Follow-up talks are planned for June 3.",
    "Photographs of the minister at a party caused anger in Oslo on Saturday.",
    "Copyright lawsuits against the firm rose in 2010.",
    "Dozens of scientists contributed to this report, published on Monday.",
    "(Harbour Press Photo) BERGEN -- Divers found the missing ferry on Friday.",
    "Photograph: Ines Varga/HP The storm that flooded Lindqvist reached Bergen on Monday.",
    "For a chart of the losses, click here: Shares in the ferry firm fell 9% in 2011.",
    "The views expressed by the minister on Tuesday angered the opposition.",
    "Comments by the minister on Tuesday angered the opposition.",
])
def test_a_news_sentence_that_looks_like_furniture_is_kept(news: str) -> None:
    assert not is_furniture_sentence(news)
    text = STORY + news + "\n"
    assert kept(text) == [*story_sentences(), *(s.text for s in split_sentences(news))]


def test_furniture_on_the_first_line_is_found_too() -> None:
    text = "By Mara Lind\n" + STORY
    assert furniture_spans(text) == [(0, len("By Mara Lind"))]


# -- offsets, shape and speed ------------------------------------------------------------------

def test_offsets_point_into_the_original_text() -> None:
    byline = "By Mara Lind | 3 June 2011"
    thread = "At 07:02 am on 04 Jun 2011 , kiwi_in_oslo wrote : Ærlig talt, på tirsdag?\r\n"
    text = "  Flommen i Lindqvist – «verst på 50 år».\r\n" + byline + "\r\n" + STORY + thread
    spans = furniture_spans(text)
    assert [text[a:b] for a, b in spans] == [byline, thread]


def spans_are_well_formed(text: str) -> None:
    spans = furniture_spans(text)
    assert spans == sorted(spans)
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start


FRAGMENTS = [
    "\n", " ", ". ", "At 4:17 pm on 06 Jun 2011, ", "jdoe42 wrote: ", "wrote :", "Posted by: ",
    "| June 3, 2010 9:41 PM ", "| Report abuse", "Comments (12)", "2 hours ago", "By Mara Lind",
    "Reporting by Ana Ruiz", "; Editing by Tom Hale", "-LRB- ", " -RRB-", "click here",
    "The flood hit on Tuesday.", "Share this article", "Comment number 3.", "é", "\r\n", "''",
]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(FRAGMENTS)).map("".join)))
def test_spans_are_sorted_within_bounds_and_disjoint(text: str) -> None:
    spans_are_well_formed(text)


def realistic_five_megabytes() -> str:
    """Articles of about 3 kB, each with a byline, a quote, a credit, and a thread at the end."""
    article = (
        "By Mara Lind | March 3, 2011; 9:41 PM ET\n" + STORY * 8
        + "In a letter, the minister wrote: 'We will not resign.' Talks resume on Friday.\n"
        + STORY * 4 + "The Associated Press contributed to this report.\nComments (3)\n"
    )
    thread = "At 4:17 pm on 06 Jun 2011, kiwi_in_oslo wrote: The flood took my cousin.\n"
    text = (article * (5_000_000 // len(article) + 1))[: 5_000_000 - 200 * len(thread)]
    return text + thread * 200


@pytest.mark.parametrize("text", [
    pytest.param(realistic_five_megabytes(), id="articles-and-a-thread"),
    pytest.param(STORY * (5_000_000 // len(STORY)), id="story-only"),
    pytest.param("x" * 5_000_000, id="one-long-word"),
    pytest.param("Aaa. Bbb. " * 500_000, id="short-sentences"),
])
def test_a_five_megabyte_text_is_handled_quickly(text: str) -> None:
    furniture_spans("warm up: compile the rules once")
    # CPU time, best of two: other processes on a busy machine must not fail the test.
    timings = []
    for _ in range(2):
        started = time.process_time()
        furniture_spans(text)
        timings.append(time.process_time() - started)
    assert min(timings) < 1.0, f"{min(timings):.2f}s for {len(text):,} characters"
    spans_are_well_formed(text)


# -- the rules as data -------------------------------------------------------------------------

def test_every_rule_matches_the_example_written_beside_it() -> None:
    for rule in rules():
        assert rule.example, rule.name
        if rule.kind == "macro":
            assert re.match(rule.regex, rule.example), rule.name
        elif rule.kind == "line":
            assert is_furniture_sentence(rule.example), rule.name
        else:
            match = re.search(rule.regex, rule.example)
            assert match, rule.name
            if rule.kind == "comment_marker" and "when" in re.compile(rule.regex).groupindex:
                assert match.group("when"), rule.name


def test_every_kind_of_rule_is_present() -> None:
    kinds = {rule.kind for rule in rules()}
    assert kinds == {"macro", "comment_marker", "comment_section", "comment_header", "line"}


@pytest.mark.parametrize(("line", "problem"), [
    ("only\ttwo", "4 tab-separated fields"),
    ("x\tbanner\tBy\tBy Mara Lind", "unknown kind"),
    ("x\tline\t{NOPE}\tBy Mara Lind", "unknown macro"),
    ("x\tline\t(unclosed\tBy Mara Lind", "furniture.tsv:2"),
])
def test_a_broken_rule_file_says_which_line(line: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_rules("# header\n" + line + "\n")
