"""Parsing fetched bytes and local files into articles: feeds, HTML pages, text, JSON lines."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import clock
from tracker.errors import InputError, ParseError
from tracker.ids import article_id, canonical_url
from tracker.models import Article
from tracker.parse import (
    FeedEntry,
    decode_html_bytes,
    entry_to_article,
    explicit_article_id,
    html_to_text,
    looks_like_feed,
    parse_feed,
    parse_html,
    parse_text_file,
    read_jsonl,
)
from tracker.parse.feeds import read_feed

FETCHED = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Lakeside Gazette</title>
  <link>https://gazette.example.org/</link>
  <description>Local news from the lake towns</description>
  <item>
    <title>Ferry service to Nordholm resumes</title>
    <link>/2025/03/ferry-resumes?utm_source=rss</link>
    <pubDate>Tue, 04 Mar 2025 08:30:00 +0100</pubDate>
    <description>&lt;p&gt;The ferry is back.&lt;/p&gt;</description>
    <content:encoded><![CDATA[
      <p>The ferry between Lakeside and Nordholm resumed service on Monday after the
      winter ice cleared.</p>
      <p>The operator said crossings will run every hour until October.</p>
      <script>trackReader();</script>
    ]]></content:encoded>
  </item>
  <item>
    <title>Council approves new library budget</title>
    <link>https://gazette.example.org/2025/03/library-budget</link>
    <pubDate>Wed, 05 Mar 2025 17:00:00 GMT</pubDate>
    <description>Councillors voted 7 to 2 on Wednesday to fund a larger children&#39;s
    section &amp; longer opening hours.</description>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Mountain Rescue Bulletin</title>
  <id>urn:example:mountain-rescue</id>
  <updated>2025-03-05T10:00:00Z</updated>
  <entry>
    <title type="html">Hikers found safe near &lt;em&gt;Gr&#252;nkopf&lt;/em&gt;</title>
    <link rel="alternate" href="https://rescue.example.net/bulletins/42"/>
    <id>https://rescue.example.net/bulletins/42</id>
    <published>2025-03-05T06:15:00+02:00</published>
    <updated>2025-03-05T09:00:00+02:00</updated>
    <summary>Two hikers were found.</summary>
    <content type="html">&lt;p&gt;Two hikers missing since Sunday were found safe
    near Grünkopf on Wednesday morning.&lt;/p&gt;&lt;p&gt;Both were taken to hospital
    in Talberg for checks.&lt;/p&gt;</content>
  </entry>
</feed>
""".encode()

ARTICLE_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Storm closes coastal road | Coastline Courier</title>
  <meta property="article:published_time" content="2025-02-27T07:45:00+01:00">
  <meta property="og:title" content="Storm closes coastal road">
</head>
<body>
  <nav><a href="/">Home</a> <a href="/weather">Weather</a> <a href="/sport">Sport</a></nav>
  <article>
    <h1>Storm closes coastal road</h1>
    <p>The coastal road between Westby and Marnholt was closed on Wednesday night after
    waves threw stones and seaweed across both lanes during the storm.</p>
    <p>Road crews expect to reopen one lane by Friday, the regional transport office said,
    but warned that a second storm could arrive over the weekend.</p>
    <p>Residents of Marnholt have been asked to use the inland route through Kessel, which
    adds about twenty minutes to the drive.</p>
  </article>
  <footer>© Coastline Courier. All rights reserved.</footer>
  <script>var tracking = "do not include me";</script>
</body>
</html>
"""


@pytest.fixture
def fixed_clock() -> Iterator[datetime]:
    clock.set_now(lambda: FETCHED)
    yield FETCHED
    clock.set_now(None)


# -- feeds -----------------------------------------------------------------------------------


def test_rss_feed_gives_entries_with_full_text_dates_and_absolute_links() -> None:
    entries = parse_feed(RSS, "https://gazette.example.org/feed.xml", fetched_at=FETCHED)
    assert [e.title for e in entries] == [
        "Ferry service to Nordholm resumes",
        "Council approves new library budget",
    ]
    ferry = entries[0]
    assert ferry.url == "https://gazette.example.org/2025/03/ferry-resumes?utm_source=rss"
    assert ferry.published_at == datetime(2025, 3, 4, 7, 30, tzinfo=UTC)
    assert ferry.is_summary is False
    assert "winter ice cleared" in ferry.text and "every hour until October" in ferry.text
    assert "trackReader" not in ferry.text and "<p>" not in ferry.text
    assert "\n" in ferry.text  # paragraphs stay apart


def test_feed_entry_with_only_a_summary_is_marked_as_summary() -> None:
    entries = parse_feed(RSS, "https://gazette.example.org/feed.xml", fetched_at=FETCHED)
    budget = entries[1]
    assert budget.is_summary is True
    assert budget.text.startswith("Councillors voted 7 to 2")
    assert "children's" in budget.text and "& longer" in budget.text


def test_atom_feed_prefers_content_over_summary_and_published_over_updated() -> None:
    (entry,) = parse_feed(ATOM, "https://rescue.example.net/atom", fetched_at=FETCHED)
    assert entry.title == "Hikers found safe near Grünkopf"
    assert entry.url == "https://rescue.example.net/bulletins/42"
    assert entry.published_at == datetime(2025, 3, 5, 4, 15, tzinfo=UTC)
    assert entry.is_summary is False
    assert "taken to hospital" in entry.text


def test_entry_becomes_an_article_dated_by_the_feed() -> None:
    entry = parse_feed(RSS, "https://gazette.example.org/feed.xml", fetched_at=FETCHED)[0]
    article = entry_to_article(entry, fetched_at=FETCHED, source_name="Lakeside Gazette")
    assert isinstance(article, Article)
    assert article.published_basis == "feed"
    assert article.published_at == datetime(2025, 3, 4, 7, 30, tzinfo=UTC)
    assert article.fetched_at == FETCHED
    assert article.source_name == "Lakeside Gazette"
    assert article.canonical_url == "https://gazette.example.org/2025/03/ferry-resumes"
    # The tracking parameter does not change the id: same article, same id.
    assert article.id == article_id("https://gazette.example.org/2025/03/ferry-resumes", "")


def test_undated_entry_falls_back_to_fetch_time() -> None:
    entry = FeedEntry(url=None, title="Notice", published_at=None, text="Office closed.",
                      is_summary=True)
    article = entry_to_article(entry, fetched_at=FETCHED, source_name=None, language="de")
    assert article.published_basis == "fetched" and article.published_at == FETCHED
    assert article.language == "de"
    assert article.id == article_id(None, "Office closed.")


def test_feed_entry_dated_in_the_future_loses_its_date() -> None:
    future = RSS.replace(b"Tue, 04 Mar 2025 08:30:00 +0100", b"Sat, 01 Mar 2031 08:30:00 GMT")
    entries = parse_feed(future, "https://gazette.example.org/feed.xml", fetched_at=FETCHED)
    assert entries[0].published_at is None
    assert entry_to_article(entries[0], fetched_at=FETCHED, source_name=None).published_basis \
        == "fetched"


def test_html_page_instead_of_a_feed_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"is not an RSS or Atom feed \(got HTML\)"):
        parse_feed(ARTICLE_PAGE.encode(), "https://coast.example.com/feed", fetched_at=FETCHED)


def test_xhtml_page_instead_of_a_feed_is_a_parse_error() -> None:
    page = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0'
        b' Strict//EN" "x"><html xmlns="http://www.w3.org/1999/xhtml"><body>Hi</body></html>'
    )
    assert not looks_like_feed(page, "application/xml")
    with pytest.raises(ParseError, match="got HTML"):
        parse_feed(page, "https://x.example/feed", fetched_at=FETCHED)


def test_html_with_leading_whitespace_and_comment_is_still_html() -> None:
    page = b"\n\n  <!-- generated -->\n<html><body><p>Hi</p></body></html>"
    with pytest.raises(ParseError, match="got HTML"):
        parse_feed(page, "https://x.example/feed", fetched_at=FETCHED)


@pytest.mark.parametrize("body", [b"", b"   ", b"plain words, no markup", b'{"items": []}'])
def test_bytes_that_are_no_feed_at_all_are_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError, match="is not an RSS or Atom feed"):
        parse_feed(body, "https://x.example/feed", fetched_at=FETCHED)


def test_malformed_xml_without_entries_is_a_parse_error() -> None:
    broken = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Half</title><item'
    with pytest.raises(ParseError, match=re.escape(
            "feed is not well-formed XML: unclosed token at line 1; kept 0 entries")):
        parse_feed(broken, "https://x.example/feed", fetched_at=FETCHED)


def test_a_feed_whose_only_entry_is_unclosed_is_a_parse_error_not_an_empty_feed() -> None:
    with pytest.raises(ParseError, match=re.escape(
            "https://x.example/feed: feed is not well-formed XML: no element found at line 1; "
            "kept 0 entries")):
        read_feed(b"<rss><channel><item><title>unclosed", "https://x.example/feed",
                  fetched_at=FETCHED)


def test_a_feed_cut_short_keeps_its_complete_entries_and_says_where_it_broke() -> None:
    cut = (
        b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Cut</title>\n'
        b"<item><title>Ferry resumes</title><link>https://c.example/1</link>"
        b"<description>The ferry is back.</description></item>\n"
        b"<item><title>Library budget</title><link>https://c.example/2</link><descr"
    )
    feed = read_feed(cut, "https://c.example/feed", fetched_at=FETCHED)
    assert [e.title for e in feed.entries] == ["Ferry resumes"]  # the half entry is dropped
    assert feed.problem == "feed is not well-formed XML: unclosed token at line 4; kept 1 entry"


def test_line_numbers_of_broken_xml_are_the_documents_own_with_or_without_a_declaration() -> None:
    body = (b'<rss version="2.0"><channel><title>T</title>\n'
            b"<item><title>A</title><link>https://l.example/a</link></item>\n"
            b"<item><title>B & C</title><link>https://l.example/b</link></item>\n"
            b"</channel></rss>")
    without = read_feed(body, "https://l.example/feed", fetched_at=FETCHED)
    with_declaration = read_feed(b'<?xml version="1.0" encoding="utf-8"?>\n' + body,
                                 "https://l.example/feed", fetched_at=FETCHED)
    assert without.problem is not None and "at line 3;" in without.problem
    assert with_declaration.problem is not None and "at line 4;" in with_declaration.problem
    assert [e.title for e in without.entries] == ["A", "B & C"]


def test_malformed_xml_that_still_yields_entries_keeps_them_and_names_the_problem() -> None:
    sloppy = (
        b'<rss version="2.0"><channel><title>Sloppy</title>'
        b"<item><title>Bakery wins award</title><link>https://s.example/a</link>"
        b"<description>Bread & butter prize for the corner bakery.</description></item>"
        b"</channel>"  # unescaped '&' and no closing </rss>
    )
    entries = parse_feed(sloppy, "https://s.example/feed", fetched_at=FETCHED)
    assert [e.title for e in entries] == ["Bakery wins award"]
    problem = read_feed(sloppy, "https://s.example/feed", fetched_at=FETCHED).problem
    assert problem == ("feed is not well-formed XML: not well-formed (invalid token) at line 1; "
                       "kept 1 entry")


def test_a_well_formed_feed_has_no_problem_even_when_feedparser_complains_of_its_type() -> None:
    # feedparser is "bozo" here too (no Content-Type was given): that is no XML error.
    assert read_feed(RSS, "https://gazette.example.org/feed.xml",
                     fetched_at=FETCHED).problem is None


def test_entry_fingerprints_change_with_what_the_feed_says_about_the_entry_and_only_then() -> None:
    def fingerprints(body: bytes) -> list[str | None]:
        return [e.fingerprint for e in
                parse_feed(body, "https://gazette.example.org/feed.xml", fetched_at=FETCHED)]

    ferry, budget = fingerprints(RSS)
    assert ferry and budget and ferry != budget
    assert fingerprints(RSS) == [ferry, budget]  # the same feed again: the same fingerprints
    edited = fingerprints(RSS.replace(b"Councillors voted 7 to 2", b"Councillors voted 8 to 1"))
    assert edited[0] == ferry and edited[1] != budget
    redated = RSS.replace(b"Wed, 05 Mar 2025 17:00:00 GMT", b"Wed, 05 Mar 2025 18:00:00 GMT")
    assert fingerprints(redated)[1] != budget
    retitled = RSS.replace(b"Ferry service to Nordholm resumes", b"Ferry service resumes")
    assert fingerprints(retitled)[0] != ferry
    rewritten = RSS.replace(b"every hour until October", b"every two hours until October")
    assert fingerprints(rewritten)[0] != ferry  # full content counts too
    entry = parse_feed(RSS, "https://gazette.example.org/feed.xml", fetched_at=FETCHED)[0]
    assert entry_to_article(entry, fetched_at=FETCHED, source_name=None).entry_hash == ferry


def test_feed_with_wrong_charset_declaration_still_parses() -> None:
    # Declares UTF-8 but is really Latin-1: 0xfc is "ü" there and invalid UTF-8.
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>M</title>'
        "<item><title>Neues aus München</title><link>https://m.example/1</link>"
        "<description>Die Brücke ist wieder offen.</description></item></channel></rss>"
    ).encode("latin-1")
    entries = parse_feed(feed, "https://m.example/feed", fetched_at=FETCHED)
    assert entries[0].title == "Neues aus München"
    assert "Brücke" in entries[0].text


def test_empty_but_valid_feed_gives_no_entries() -> None:
    empty = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert parse_feed(empty, "https://q.example/feed", fetched_at=FETCHED) == []


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (RSS, "text/html", True),  # mislabelled feeds are still feeds
        (ATOM, "", True),
        (b"\xef\xbb\xbf  <rdf:RDF xmlns:rdf='x'>", "", True),
        (ARTICLE_PAGE.encode(), "application/rss+xml", False),
        (b"<html><body>no</body></html>", "text/xml", False),
        (b"<?xml version='1.0'?><something/>", "application/atom+xml", True),
        (b"hello", "text/plain", False),
    ],
)
def test_looks_like_feed_sniffs_bytes_before_trusting_content_type(
    body: bytes, content_type: str, expected: bool
) -> None:
    assert looks_like_feed(body, content_type) is expected


# -- HTML pages ------------------------------------------------------------------------------


def test_html_article_gives_main_text_title_and_meta_date() -> None:
    url = "https://coast.example.com/news/storm-road?utm_medium=x"
    article = parse_html(ARTICLE_PAGE.encode(), url, fetched_at=FETCHED, source_name="Courier")
    assert article.title == "Storm closes coastal road"
    assert "waves threw stones" in article.text and "inland route through Kessel" in article.text
    assert "do not include me" not in article.text and "All rights reserved" not in article.text
    assert article.published_basis == "meta"
    assert article.published_at == datetime(2025, 2, 27, 6, 45, tzinfo=UTC)
    assert article.fetched_at == FETCHED
    assert article.language == "en"
    assert article.canonical_url == canonical_url(url)
    assert article.id == article_id(url, article.text)
    assert article.source_name == "Courier"


def test_given_publication_date_wins_over_page_metadata() -> None:
    article = parse_html(
        ARTICLE_PAGE.encode(), None, fetched_at=FETCHED, published=date(2025, 2, 28)
    )
    assert article.published_basis == "given"
    assert article.published_at == datetime(2025, 2, 28, tzinfo=UTC)


def test_future_meta_date_is_rejected_and_fetch_time_used() -> None:
    page = ARTICLE_PAGE.replace("2025-02-27T07:45:00+01:00", "2031-02-27T07:45:00+01:00")
    article = parse_html(page.encode(), "https://coast.example.com/a", fetched_at=FETCHED)
    assert article.published_basis == "fetched"
    assert article.published_at == FETCHED


def test_future_date_is_judged_against_now_when_fetch_time_is_unknown(
    fixed_clock: datetime,
) -> None:
    page = ARTICLE_PAGE.replace("2025-02-27T07:45:00+01:00", "2025-04-01")
    article = parse_html(page.encode(), None, fetched_at=None)
    assert article.published_at is None and article.published_basis == "unknown"


def test_date_from_json_ld_metadata() -> None:
    page = ARTICLE_PAGE.replace(
        '<meta property="article:published_time" content="2025-02-27T07:45:00+01:00">',
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2025-02-26"}</script>',
    )
    article = parse_html(page.encode(), None, fetched_at=FETCHED)
    assert article.published_basis == "meta"
    assert article.published_at == datetime(2025, 2, 26, tzinfo=UTC)


def test_page_without_any_date_is_dated_by_fetch_time() -> None:
    page = ARTICLE_PAGE.replace(
        '<meta property="article:published_time" content="2025-02-27T07:45:00+01:00">', ""
    )
    article = parse_html(page.encode(), "https://coast.example.com/undated", fetched_at=FETCHED)
    assert article.published_basis == "fetched" and article.published_at == FETCHED


def test_page_trafilatura_finds_nothing_in_falls_back_to_plain_text() -> None:
    # Everything is in a <footer>, which trafilatura discards as boilerplate.
    page = (
        b'<html><head><title>Gate notice</title><script>var x = "hidden";</script>'
        b'<meta property="article:published_time" content="2025-03-01"></head>'
        b"<body><footer><p>The north gate closes at nine.</p><p>Use the east gate after that."
        b"</p></footer></body></html>"
    )
    article = parse_html(page, None, fetched_at=FETCHED)
    assert article.text == "The north gate closes at nine.\nUse the east gate after that."
    assert article.title == "Gate notice"
    assert article.published_basis == "meta"  # the fallback does not lose the page metadata


def test_page_without_text_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no text"):
        parse_html(b"<html><body><script>x()</script></body></html>", "https://e.example/",
                   fetched_at=FETCHED)


@pytest.mark.parametrize(
    ("body", "kind"),
    [(b"%PDF-1.7\n%\xe2\xe3", "PDF"), (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
     (b"\x00\x01\x02binary\x00", "binary")],
)
def test_binary_body_served_as_a_page_is_a_parse_error(body: bytes, kind: str) -> None:
    with pytest.raises(ParseError, match=f"not an HTML page \\(got .*{kind}"):
        parse_html(body, "https://e.example/report", fetched_at=FETCHED)


def test_utf16_page_with_bom_is_not_mistaken_for_binary() -> None:
    article = parse_html(ARTICLE_PAGE.encode("utf-16"), None, fetched_at=FETCHED)
    assert "waves threw stones" in article.text


def test_html_page_with_wrong_charset_header_keeps_its_accents() -> None:
    page = ARTICLE_PAGE.replace("Marnholt have", "Marnholt (Ærøskøbing's twin town) have")
    article = parse_html(page.encode("utf-8"), None, fetched_at=FETCHED, charset="iso-8859-1")
    assert "Ærøskøbing" in article.text


def test_page_language_comes_from_html_lang() -> None:
    page = ARTICLE_PAGE.replace('lang="en-GB"', 'lang="de-AT"')
    assert parse_html(page.encode(), None, fetched_at=FETCHED).language == "de"


# -- charsets ----------------------------------------------------------------------------------


def test_decode_uses_byte_order_mark_first() -> None:
    assert decode_html_bytes("\ufeff<p>naïve</p>".encode("utf-16-le")[0:], "utf-8") == (
        "<p>naïve</p>"
    )
    assert decode_html_bytes(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "windows-1252") == "<p>café</p>"


def test_decode_uses_meta_charset_before_header() -> None:
    body = '<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251")
    assert "Привет" in decode_html_bytes(body, "utf-8")


def test_decode_uses_header_charset_when_no_meta() -> None:
    body = "<p>Grüße</p>".encode("cp1252")
    assert decode_html_bytes(body, "windows-1252") == "<p>Grüße</p>"


@pytest.mark.parametrize("declared", ["iso-8859-1", "ascii", "utf-8", "no-such-charset", None])
def test_decode_survives_a_wrong_charset_declaration_on_utf8(declared: str | None) -> None:
    assert decode_html_bytes("<p>Zürich – Genève</p>".encode(), declared) == (
        "<p>Zürich – Genève</p>"
    )


def test_decode_of_undecodable_bytes_replaces_instead_of_failing() -> None:
    text = decode_html_bytes(b"<p>ok \xff\xfe\xfa end</p>", "utf-8")
    assert text.startswith("<p>ok ") and text.endswith(" end</p>")


def test_html_to_text_keeps_blocks_apart_and_drops_scripts() -> None:
    text = html_to_text("<p>One &amp; two</p><ul><li>three</li><li>four</li></ul><style>x</style>")
    assert text.split("\n") == ["One & two", "three", "four"]


# -- local files -------------------------------------------------------------------------------


def test_text_file_with_given_date_becomes_an_article(
    tmp_path: Path, fixed_clock: datetime
) -> None:
    path = tmp_path / "harbour.txt"
    path.write_text("\n\nHarbour crane replaced\r\nThe old crane was lifted out on Tuesday.\r\n")
    article = parse_text_file(path, published=date(2025, 3, 5), source_name="notes")
    assert article.title == "Harbour crane replaced"
    assert article.text == "Harbour crane replaced\nThe old crane was lifted out on Tuesday."
    assert article.published_at == datetime(2025, 3, 5, tzinfo=UTC)
    assert article.published_basis == "given"
    assert article.fetched_at == fixed_clock
    assert article.url is None and article.id == article_id(None, article.text)


def test_text_file_with_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfTitle here\nBody.")
    assert parse_text_file(path, published=date(2025, 1, 1)).title == "Title here"


def test_an_undated_file_is_dated_by_its_modification_time_and_says_so(
        tmp_path: Path) -> None:
    written = datetime(2025, 5, 14, 9, 30, tzinfo=UTC)
    for name, body in (("undated.txt", "Something happened\nDetails follow."),
                       ("undated.html", "<html><body><h1>Something</h1><p>Details follow, "
                                        "at length, in a paragraph of the page.</p></body>"
                                        "</html>")):
        path = tmp_path / name
        path.write_text(body)
        os.utime(path, (written.timestamp(), written.timestamp()))
        article = parse_text_file(path, published=None)
        assert (article.published_at, article.published_basis) == (written, "mtime"), name
        given = parse_text_file(path, published=date(2025, 5, 16))
        assert (given.published_at, given.published_basis) == (
            datetime(2025, 5, 16, tzinfo=UTC), "given"), name


def test_a_json_lines_record_without_a_date_takes_published_or_is_refused(
        tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"id": "a1", "title": "T", "text": "Talks were held."}) + "\n")
    [refused] = list(read_jsonl(path))
    assert isinstance(refused, InputError) and "pass --published" in str(refused)
    [dated] = list(read_jsonl(path, published=date(2025, 5, 16)))
    assert isinstance(dated, Article)
    assert (dated.published_at, dated.published_basis) == (
        datetime(2025, 5, 16, tzinfo=UTC), "given")


def test_non_utf8_text_file_is_an_input_error_pointing_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Café opens".encode("latin-1"))
    expected = r"latin\.txt: not UTF-8 text \(invalid byte 0xe9 at offset 3\)"
    with pytest.raises(InputError, match=expected):
        parse_text_file(path, published=date(2025, 1, 1))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        parse_text_file(tmp_path / "nope.txt", published=date(2025, 1, 1))


def test_directory_empty_and_binary_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        parse_text_file(tmp_path, published=date(2025, 1, 1))
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(InputError, match="empty"):
        parse_text_file(tmp_path / "empty.txt", published=date(2025, 1, 1))
    (tmp_path / "blob.txt").write_bytes(b"PK\x03\x04\x00\x00")
    with pytest.raises(InputError, match="binary"):
        parse_text_file(tmp_path / "blob.txt", published=date(2025, 1, 1))


def test_oversized_file_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tracker.parse.files as files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_text("x" * 1001)
    with pytest.raises(InputError, match="larger than"):
        files.parse_text_file(path, published=date(2025, 1, 1))


def test_html_file_is_parsed_as_a_page_with_its_meta_date(tmp_path: Path) -> None:
    path = tmp_path / "saved-page.html"
    path.write_text(ARTICLE_PAGE)
    article = parse_text_file(path, published=None)
    assert article.title == "Storm closes coastal road"
    assert article.published_basis == "meta"
    assert "waves threw stones" in article.text


def test_html_file_is_sniffed_whatever_its_extension(tmp_path: Path) -> None:
    path = tmp_path / "download.txt"
    path.write_text(ARTICLE_PAGE)
    assert parse_text_file(path, published=date(2025, 3, 1)).published_basis == "given"


def test_html_file_without_any_date_takes_its_modification_time(tmp_path: Path) -> None:
    path = tmp_path / "undated.html"
    path.write_text("<html><body><p>A quiet day in the valley.</p></body></html>")
    assert parse_text_file(path, published=None).published_basis == "mtime"


# -- JSON lines --------------------------------------------------------------------------------


def _jsonl(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_yields_articles_and_one_error_per_bad_line(tmp_path: Path) -> None:
    good_url = json.dumps({
        "url": "https://valley.example/a", "title": "Dam inspection", "published": "2025-03-01",
        "text": "Inspectors checked the dam on Saturday.", "source": "Valley Post",
    })
    good_id = json.dumps({
        "id": "archive-17", "title": "Snow report", "published": "2025-03-02T09:30:00+01:00",
        "text": "Fresh snow fell overnight.", "source": "Valley Post", "language": "de",
    })
    path = _jsonl(tmp_path, good_url, '{"title": "cut off', "", good_id)
    results = list(read_jsonl(path))
    assert len(results) == 3
    first, error, second = results
    assert isinstance(first, Article) and isinstance(second, Article)
    assert isinstance(error, InputError)
    assert "line 2" in str(error) and "invalid JSON" in str(error)
    assert first.id == article_id("https://valley.example/a", first.text)
    assert first.published_at == datetime(2025, 3, 1, tzinfo=UTC)
    assert first.published_basis == "jsonl" and first.source_name == "Valley Post"
    assert second.id == explicit_article_id("archive-17")
    assert second.published_at == datetime(2025, 3, 2, 8, 30, tzinfo=UTC)
    assert second.language == "de" and second.url is None


def test_jsonl_ids_are_deterministic(tmp_path: Path) -> None:
    line = json.dumps({"id": "x1", "title": "t", "published": "2025-01-01", "text": "Body."})
    first = list(read_jsonl(_jsonl(tmp_path, line)))
    second = list(read_jsonl(_jsonl(tmp_path, line)))
    assert [a.id for a in first if isinstance(a, Article)] == [
        a.id for a in second if isinstance(a, Article)
    ]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"title": "t", "published": "2025-01-01", "text": "x"}, 'needs a "url" or an "id"'),
        ({"id": "1", "title": "t", "text": "x"}, 'missing "published"'),
        ({"id": "1", "title": "t", "published": "last week", "text": "x"}, "not an ISO date"),
        ({"id": "1", "title": "t", "published": "2025-01-01", "text": ""}, '"text" is empty'),
        ({"id": "1", "title": "t", "published": 20250101, "text": "x"}, "must be a string"),
        ({"url": "ftp://x/y", "title": "t", "published": "2025-01-01", "text": "x"}, "http"),
        (["not", "an", "object"], "expected a JSON object"),
    ],
)
def test_jsonl_bad_records_name_their_line_and_problem(
    tmp_path: Path, record: object, message: str
) -> None:
    (result,) = list(read_jsonl(_jsonl(tmp_path, json.dumps(record))))
    assert isinstance(result, InputError)
    assert "line 1" in str(result) and message in str(result)


def test_jsonl_line_that_is_not_utf8_is_an_error_for_that_line_only(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    ok = json.dumps({"id": "1", "title": "t", "published": "2025-01-01", "text": "ok"})
    path.write_bytes(b'{"id": "2", "text": "caf\xe9"}\n' + ok.encode() + b"\n")
    bad, good = list(read_jsonl(path))
    assert isinstance(bad, InputError) and "line 1" in str(bad) and "UTF-8" in str(bad)
    assert isinstance(good, Article)


def test_missing_jsonl_file_raises_at_once(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_jsonl(tmp_path / "absent.jsonl")


def test_jsonl_numeric_id_is_accepted(tmp_path: Path) -> None:
    line = json.dumps({"id": 1234, "title": "t", "published": "2025-01-01", "text": "Body."})
    (article,) = list(read_jsonl(_jsonl(tmp_path, line)))
    assert isinstance(article, Article) and article.id == explicit_article_id("1234")


def test_jsonl_naive_datetime_is_taken_as_utc(tmp_path: Path) -> None:
    line = json.dumps({"id": "n", "published": "2025-03-02T09:30:00", "text": "Body."})
    (article,) = list(read_jsonl(_jsonl(tmp_path, line)))
    assert isinstance(article, Article)
    assert article.published_at == datetime(2025, 3, 2, 9, 30, tzinfo=UTC)
    assert article.title == "Body."  # no title: the first line stands in


# -- robustness: whatever the bytes, only the documented errors ---------------------------------


def test_feed_entry_links_that_are_not_web_links_are_dropped() -> None:
    feed = (
        b'<rss version="2.0"><channel><title>c</title><item><title>Trap</title>'
        b"<link>javascript:alert(1)</link><guid>tag:example.org,2025:1</guid>"
        b"<description>text</description></item></channel></rss>"
    )
    (entry,) = parse_feed(feed, "https://t.example/feed", fetched_at=FETCHED)
    assert entry.url is None


def test_naive_fetch_time_is_treated_as_utc() -> None:
    naive = datetime(2025, 3, 6, 12, 0)
    article = parse_html(ARTICLE_PAGE.encode(), None, fetched_at=naive)
    assert article.fetched_at == FETCHED
    (entry, _) = parse_feed(RSS, "https://gazette.example.org/feed.xml", fetched_at=naive)
    assert entry_to_article(entry, fetched_at=naive, source_name=None).fetched_at == FETCHED


def test_large_page_parses_in_reasonable_time() -> None:
    import time

    paragraph = "<p>The harbour board met again to discuss the silting of the eastern channel.</p>"
    page = ("<html><body><article>" + paragraph * 20_000 + "</article></body></html>").encode()
    started = time.monotonic()
    article = parse_html(page, None, fetched_at=FETCHED)
    assert "eastern channel" in article.text
    assert time.monotonic() - started < 15


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=400),
    declared=st.sampled_from([None, "utf-8", "latin-1", "utf-16", "bogus", "shift_jis", ""]),
)
def test_decode_html_bytes_never_fails(body: bytes, declared: str | None) -> None:
    assert isinstance(decode_html_bytes(body, declared), str)


_MARKUPISH = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<rss>", "<feed>", "<item>", "<entry>", "<title>", "</title>", "&amp;",
         "<?xml version='1.0'?>", "<html>", "<!--", "-->", "<![CDATA[", "]]>", "x", " ", "\n",
         "é", "<", ">", "&", "\x00"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=_MARKUPISH, content_type=st.sampled_from(["", "text/html", "application/rss+xml"]))
def test_feed_parsing_raises_only_parse_error(text: str, content_type: str) -> None:
    body = text.encode("utf-8")
    looks_like_feed(body, content_type)
    try:
        entries = parse_feed(body, "https://h.example/feed", fetched_at=FETCHED)
    except ParseError as exc:
        assert "\n" not in str(exc)
    else:
        for entry in entries:
            entry_to_article(entry, fetched_at=FETCHED, source_name=None)


@settings(max_examples=100, deadline=None)
@given(text=_MARKUPISH)
def test_html_parsing_raises_only_parse_error(text: str) -> None:
    try:
        article = parse_html(text.encode("utf-8"), None, fetched_at=FETCHED)
    except ParseError:
        return
    assert article.text.strip()
    assert html_to_text(text) is not None


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.one_of(st.text(max_size=60), st.builds(json.dumps, st.dictionaries(
    st.sampled_from(["id", "url", "title", "published", "text", "source", "language"]),
    st.one_of(st.text(max_size=20), st.integers(), st.none(), st.just("2025-01-01")),
))), max_size=8))
def test_jsonl_never_raises_on_bad_lines(lines: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.jsonl"
        path.write_text("\n".join(line.replace("\n", " ") for line in lines), encoding="utf-8",
                        errors="surrogatepass")
        for result in read_jsonl(path):
            assert isinstance(result, Article | InputError)


def test_a_page_whose_json_ld_nests_past_the_stack_is_read_for_its_text() -> None:
    deep = (b'<html><head><script type="application/ld+json">' + b"[" * 100_000
            + b"]" * 100_000 + b'</script><script type="application/ld+json">'
            + b'{"@graph": [{"@type": "NewsArticle", "datePublished": "2025-05-02T08:00:00Z"}]}'
            + b"</script></head><body><article><p>"
            + b"The harbour board met again to discuss the eastern channel. " * 20
            + b"</p></article></body></html>")
    page = parse_html(deep, "https://news.example.org/harbour", fetched_at=clock.now())
    assert "harbour board" in page.text
    assert page.published_at == datetime(2025, 5, 2, 8, tzinfo=UTC)


def test_a_json_line_python_cannot_read_is_skipped_and_the_others_are_kept(
        tmp_path: Path) -> None:
    wire = tmp_path / "wire.jsonl"
    good = {"url": "https://news.example.org/a", "title": "Talks", "published": "2025-05-02",
            "text": "Delegates met in Geneva on Friday."}
    wire.write_text(json.dumps(good) + "\n" + '{"id": ' + "7" * 5000 + ', "text": "x"}\n'
                    + json.dumps({**good, "url": "https://news.example.org/b"}) + "\n",
                    encoding="utf-8")
    items = list(read_jsonl(wire))
    assert [type(i).__name__ for i in items] == ["Article", "InputError", "Article"]
    assert "line 2" in str(items[1]) and "cannot read this JSON" in str(items[1])
