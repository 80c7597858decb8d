"""News-like articles and RSS feeds for worker tests and the feed benchmark, made up from templates.

``article(seed)`` gives a deterministic, varied article (title, 1–4 kB of text about people,
places and dated events, in our own words); ``rss(entries, base)`` an RSS 2.0 document; and
``ChangingFeed`` a feed that grows between polls and answers conditional GETs with 304 while
unchanged. Nothing here is real news and nothing is downloaded.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.httpserver import RecordedRequest, Reply

PEOPLE = ["Maria Keller", "Tomas Novak", "Amina Diallo", "Kenji Sato", "Olga Petrova",
          "Luis Ortega", "Fatima Haddad", "Erik Lindqvist", "Priya Nair", "Daniel Mensah"]
ROLES = ["the prime minister", "the foreign minister", "the mayor", "the union leader",
         "the central bank governor", "the health minister", "the opposition leader"]
PLACES = ["Geneva", "Nairobi", "Lisbon", "Oslo", "Santiago", "Manila", "Krakow", "Tunis",
          "Montreal", "Hanoi", "Vienna", "Accra", "Lima", "Riga", "Dakar"]
ORGS = ["the transport union", "the central bank", "the port authority", "the health agency",
        "the electoral commission", "the chamber of commerce"]
TOPICS = [
    ("talks", "held talks on {topic} in {place}"),
    ("strike", "began a strike over {topic} in {place}"),
    ("vote", "voted on a bill about {topic} in {place}"),
    ("flood", "reported floods that damaged {topic} near {place}"),
    ("protest", "led a protest against cuts to {topic} in {place}"),
    ("agreement", "signed an agreement on {topic} in {place}"),
    ("election", "called an early election after a dispute over {topic} in {place}"),
]
SUBJECTS = ["port wages", "rail fares", "water supply", "school funding", "grain exports",
            "fishing quotas", "energy prices", "housing rules", "hospital staffing"]
WHEN = ["on Monday", "on Tuesday", "last week", "on {day}", "in {month}", "earlier this month",
        "two days ago", "on Friday", "in {year}", "since {year}"]
# About one sentence in three carries a date, as in ordinary news copy.
FILLER = [
    "{person}, {role}, said the decision would be reviewed {when}.",
    "Officials in {place} said more meetings were planned.",
    "{org} said it had not been consulted before the announcement.",
    "Analysts said the outcome would depend on the next budget.",
    "Residents of {place} told reporters they were worried about {topic}.",
    "The last comparable dispute, {when}, ended after three weeks of negotiation.",
    "{person} met representatives of {org} to discuss {topic}.",
    "Observers expect a statement from {org} soon.",
    "A spokesperson for {org} declined to comment on {topic}.",
    "The government in {place} has promised a response {when}.",
    "Local newspapers in {place} devoted their front pages to the dispute.",
    "Several smaller groups said they would wait for the details before taking a position.",
    "Critics argued that {topic} had been neglected for years.",
    "Supporters of the plan said it would protect jobs and keep prices stable.",
]


@dataclass(frozen=True)
class NewsArticle:
    url: str
    title: str
    text: str
    published: datetime
    summary: str


def _when(rng: random.Random, published: date) -> str:
    template = rng.choice(WHEN)
    day = published - timedelta(days=rng.randint(1, 6))
    return template.format(day=f"{day:%B} {day.day}", month=f"{day:%B}",
                           year=published.year - rng.randint(1, 4))


def article(seed: int, *, base: str = "https://news.example.org", size: int = 2500,
            published: datetime | None = None) -> NewsArticle:
    """A deterministic news-like article of about ``size`` characters (1–4 kB suits most tests)."""
    rng = random.Random(seed)
    published = published or datetime(2025, 3, 1, 8, tzinfo=UTC) + timedelta(hours=seed % 2000)
    person, place, org = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(ORGS)
    kind, action = rng.choice(TOPICS)
    topic = rng.choice(SUBJECTS)
    lead = (f"{person}, {rng.choice(ROLES)}, {action.format(topic=topic, place=place)} "
            f"{_when(rng, published.date())}, according to {org}.")
    title = f"{place}: {kind} over {topic} ({seed})"
    paragraphs = [lead]
    while sum(len(p) for p in paragraphs) < size:
        sentences = [
            rng.choice(FILLER).format(
                person=rng.choice(PEOPLE), role=rng.choice(ROLES), place=rng.choice(PLACES),
                org=rng.choice(ORGS), topic=rng.choice(SUBJECTS),
                when=_when(rng, published.date()))
            for _ in range(rng.randint(2, 4))
        ]
        paragraphs.append(" ".join(sentences))
    return NewsArticle(url=f"{base}/{published:%Y/%m/%d}/{kind}-{seed}", title=title,
                       text="\n\n".join(paragraphs), published=published, summary=lead)


def rss(entries: list[NewsArticle], base: str, *, full_text: bool = True,
        title: str = "Example News") -> bytes:
    """An RSS 2.0 feed of ``entries``; without ``full_text`` only summaries (``description``)."""
    items = []
    for e in entries:
        content = (f"<content:encoded>{escape(e.text)}</content:encoded>" if full_text else "")
        items.append(
            f"<item><title>{escape(e.title)}</title><link>{escape(e.url)}</link>"
            f"<guid>{escape(e.url)}</guid><pubDate>{format_datetime(e.published)}</pubDate>"
            f"<description>{escape(e.summary)}</description>{content}</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>{escape(base)}/</link>"
        f"<description>news</description>{''.join(items)}</channel></rss>"
    ).encode()


def page(entry: NewsArticle) -> bytes:
    """The article's own HTML page, with its text in paragraphs and a publication date."""
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in entry.text.split("\n\n"))
    return (f"<!doctype html><html lang=\"en\"><head><title>{escape(entry.title)}</title>"
            f'<meta property="article:published_time" content="{entry.published.isoformat()}">'
            f"</head><body><nav>Home | World</nav><article><h1>{escape(entry.title)}</h1>"
            f"{paragraphs}</article><footer>Example News</footer></body></html>").encode()


class ChangingFeed:
    """A feed whose content is set between polls; answers If-None-Match with 304 when unchanged.

    Use as a ``LocalServer.handle`` handler. ``set(entries)`` publishes a new version.
    """

    def __init__(self, base: str, entries: list[NewsArticle] | None = None, *,
                 full_text: bool = True) -> None:
        self.base = base
        self.full_text = full_text
        self._lock = threading.Lock()
        self.version = 0
        self.statuses: list[int] = []
        self._body = b""
        self.set(entries or [])

    def set(self, entries: list[NewsArticle]) -> None:
        with self._lock:
            self.version += 1
            self._body = rss(entries, self.base, full_text=self.full_text)

    def __call__(self, request: RecordedRequest) -> Reply:
        with self._lock:
            etag = f'"v{self.version}"'
            status = 304 if request.headers.get("if-none-match") == etag else 200
            self.statuses.append(status)
            if status == 304:
                return Reply(status=304, headers={"ETag": etag})
            return Reply(body=self._body, headers={
                "Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag})
