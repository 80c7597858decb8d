"""Ingestion: articles in, events out. Runs extract -> store -> cluster for a stream of articles.

One transaction per article, so a failing article loses nothing else; clustering runs for the
trigger groups that changed, at the end and along the way on a geometric cadence: after
``recluster_every`` articles, then whenever the articles saved since the last re-clustering
reach the number saved before it (500, 1000, 2000, 4000...). A group is re-clustered whole, so a
fixed cadence made a bulk load quadratic; doubling keeps the total work within about twice that
of one final pass while events still appear as a long ingestion goes. With ``recluster=False``
re-clustering waits for ``flush`` (a worker polling many sources does one pass for all of them);
every flush also picks up groups left unclustered by an interrupted run. A stream may mix
articles and ``InputError``s (a bad line of a JSON-lines file): errors are counted and reported,
never raised. ``should_stop`` is asked between articles, so a stopping worker leaves a long feed
after the article in hand. ``reprocess`` re-extracts stored articles without fetching them
again.

Text is capped per article before extraction (``MAX_TEXT_CHARS``, ``max_text_chars``): a longer
one is cut at a paragraph or sentence end near the cap, stored cut with its original length
(``Article.truncated_from``), and the report and the log say so. Extraction takes time linear in
the text, but a multi-megabyte page (a data dump, a whole archive) is no article, and its
mentions would crowd out everything else in its groups. It does not fetch or parse
(``tracker.sources`` and ``tracker.parse`` do).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from tracker.cluster import cluster_group
from tracker.errors import TrackerError
from tracker.extract.mentions import EXTRACTOR_VERSION, extract_all
from tracker.extract.pool import ExtractionPool, Prepared
from tracker.extract.sentences import cut_point
from tracker.models import Article, Extraction
from tracker.store import Store

log = logging.getLogger(__name__)

Progress = Callable[["IngestReport"], None]
_Item = TypeVar("_Item", bound=Article | Prepared | TrackerError)

# Characters of text extracted and stored per article. Long reads run to 50,000-100,000
# characters and a book-length report to a few hundred thousand; past a million a page is no
# article but a dump, whose extraction (about 4 s per million characters of dense news, and
# ~140 MB) would hold up every article behind it. ``tracker.extract.pool.MAX_POOLED_CHARS`` is
# the same number.
MAX_TEXT_CHARS = 1_000_000


@dataclass
class IngestReport:
    """Counts of one ingestion; ``failures`` says what failed and why, one line each."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    events: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    interrupted: bool = False  # stopped early on request; the rest of the stream was not read
    cut: list[str] = field(default_factory=list)  # articles stored cut to the text cap
    # Articles stored with no date of their own, dated by their file's modification time.
    file_dated: int = 0

    @property
    def seen(self) -> int:
        return self.new + self.changed + self.unchanged + self.failed

    def add(self, other: IngestReport) -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.events += other.events
        self.interrupted = self.interrupted or other.interrupted
        self.failures += other.failures
        self.article_ids += other.article_ids
        self.cut += other.cut
        self.file_dated += other.file_dated

    def summary(self) -> str:
        """The one line a run ends with."""
        cut = f" ({len(self.cut)} cut to the text cap)" if self.cut else ""
        dated = (f"; {self.file_dated} dated by their file's modification time (they carry "
                 f"no date; --published gives one)" if self.file_dated else "")
        return (
            f"articles: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.failed} failed{cut}; events changed: {self.events}; "
            f"time: {self.seconds:.1f}s{dated}"
        )


def cap_text(article: Article, max_chars: int = MAX_TEXT_CHARS) -> Article:
    """The article with its text cut to at most ``max_chars`` characters, at a paragraph or
    sentence end near the cap (``cut_point``), and its original length in ``truncated_from``;
    the article itself when its text is short enough. Cutting again changes nothing."""
    if len(article.text) <= max_chars:
        return article
    cut = cut_point(article.text, max_chars)
    # Cut before (by a parser): the first length is the original one.
    original = article.truncated_from or len(article.text)
    return replace(article, text=article.text[:cut], truncated_from=original)


class Ingestor:
    """Feeds articles through extraction, storage and clustering for one store."""

    def __init__(
        self, store: Store, *, recluster_every: int = 500, progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
        extraction: ExtractionPool | None = None, max_text_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        if max_text_chars < 1:
            raise ValueError(f"max_text_chars must be positive, not {max_text_chars}")
        self.store = store
        self.max_text_chars = max_text_chars
        # Extraction ahead in other processes, for long streams; None: all in this process.
        self.extraction = extraction
        self.recluster_every = recluster_every
        self.progress = progress
        self.should_stop = should_stop
        # Groups whose events are stale: saved with ``recluster=False`` and not flushed yet.
        self.pending_groups: set[str] = set()
        self.pending_articles = 0
        self.clustered_articles = 0  # saved and re-clustered by this ingestor: sets the cadence

    def ingest(
        self, items: Iterable[Article | Prepared | TrackerError], *,
        source_id: str | None = None,
        recluster: bool = True,
    ) -> IngestReport:
        """Extract, store and cluster every article of ``items``; returns the counts.

        With ``recluster=False`` the changed groups are only remembered (``pending_groups``),
        and re-clustered on the module's cadence or at ``flush``. A ``Prepared`` item (extracted
        ahead, in another process: ``tracker.extract.pool``) is stored without extracting again.
        """
        report = IngestReport()
        started = time.monotonic()
        # Cut before anything else: the extraction processes must see the text that is stored.
        items = self._capped(items)
        if self.extraction is not None:
            items = self.extraction.stream(items, needed=self._needs_extraction)
        for item in items:
            if self.should_stop is not None and self.should_stop():
                report.interrupted = True
                break
            if isinstance(item, TrackerError):
                report.failed += 1
                report.failures.append(str(item))
                log.warning("skipped: %s", item)
            else:
                self.pending_articles += self._one(item, source_id, report, self.pending_groups)
            if self._flush_due():
                report.events += self.flush()
            report.seconds = time.monotonic() - started
            if self.progress:
                self.progress(report)
        if recluster:
            report.events += self.flush()
        report.seconds = time.monotonic() - started
        return report

    def _capped(self, items: Iterable[_Item]) -> Iterator[_Item | Article]:
        """``items`` with each article cut to the text cap; an article extracted ahead whole
        (by a caller's own pool) comes back cut, to be extracted again here."""
        for item in items:
            if isinstance(item, Article):
                yield cap_text(item, self.max_text_chars)
            elif isinstance(item, Prepared) and len(item.article.text) > self.max_text_chars:
                yield cap_text(item.article, self.max_text_chars)
            else:
                yield item

    def _needs_extraction(self, article: Article) -> bool:
        return self.store.article_status(article)[0] != "unchanged"

    def _flush_due(self) -> bool:
        return self.pending_articles >= max(self.recluster_every, self.clustered_articles)

    def flush(self) -> int:
        """Re-cluster the groups changed since the last flush; returns events changed.

        Groups holding mentions without an event (saved by a run killed before it re-clustered)
        are included, so an interruption heals at the next flush.
        """
        groups = self.pending_groups | set(self.store.unclustered_groups())
        if groups:
            # Page furniture is counted across all stored articles: new ones may have made a
            # sentence recur (or a changed one, stop recurring) in other groups too.
            groups |= self.store.refresh_furniture()
        changed = self.recluster(groups) if groups else 0
        self.pending_groups.clear()
        self.clustered_articles += self.pending_articles
        self.pending_articles = 0
        return changed

    def reprocess(self, *, everything: bool = False) -> IngestReport:
        """Re-extract stored articles of an older ``EXTRACTOR_VERSION`` (all with ``everything``).

        Nothing is fetched again; each article's mentions are replaced in one transaction and
        the affected groups (old and new mentions) are re-clustered. An article stored whole
        before the text cap existed is re-extracted from its first ``max_text_chars``
        characters; its stored text stays as it is.
        """
        report = IngestReport()
        started = time.monotonic()
        stored: Iterable[Article | Prepared] = self._capped(self.store.articles_to_reprocess(
            EXTRACTOR_VERSION, everything=everything))
        if self.extraction is not None:
            stored = self.extraction.stream(stored)
        for item in stored:
            if self.should_stop is not None and self.should_stop():
                report.interrupted = True
                break
            article = _article_of(item)
            try:
                extraction = _extraction_of(item)
                with self.store.transaction():
                    saved = self.store.replace_mentions(
                        article.id, extraction.mentions, extractor_version=EXTRACTOR_VERSION)
                    self.store.save_references(saved.article_id, extraction)
            except (TrackerError, ValueError, RecursionError, MemoryError) as exc:
                report.failed += 1
                report.failures.append(f"{article.url or article.id}: {exc}")
                continue
            report.changed += 1
            if article.truncated_from is not None:  # the store does not say: cut just now
                line = (f"{article.id}: {article.truncated_from:,} characters, re-extracted "
                        f"from the first {len(article.text):,}")
                report.cut.append(line)
                log.warning("stored article longer than the text cap: %s", line)
            report.article_ids.append(saved.article_id)
            self.pending_groups |= saved.groups
            self.pending_articles += 1
            if self._flush_due():
                report.events += self.flush()
            report.seconds = time.monotonic() - started
            if self.progress:
                self.progress(report)
        report.events += self.flush()
        report.seconds = time.monotonic() - started
        return report

    def _one(self, item: Article | Prepared, source_id: str | None, report: IngestReport,
             dirty: set[str]) -> int:
        article = _article_of(item)
        try:
            status, stored_id = self.store.article_status(article)
            if status == "unchanged":
                # Seen before: maybe under another outlet (a syndicated copy), which the store
                # records; its events then need re-clustering to count the new outlet.
                report.unchanged += 1
                dirty |= self.store.add_article_source(stored_id, article, source_id)
                return 0
            extraction = _extraction_of(item)
            with self.store.transaction():
                saved = self.store.save_article(article, extraction.mentions,
                                                extractor_version=EXTRACTOR_VERSION,
                                                source_id=source_id)
                if saved.status != "unchanged":
                    self.store.save_references(saved.article_id, extraction)
        except (TrackerError, ValueError, RecursionError, MemoryError) as exc:
            # One bad article never stops the others; the run log says which and why.
            report.failed += 1
            label = article.url or article.title[:60] or article.id
            report.failures.append(f"{label}: {exc}")
            log.warning("article failed: %s: %s", label, exc)
            return 0
        if saved.status == "unchanged":
            report.unchanged += 1
            dirty |= saved.groups
            return 0
        if saved.status == "new":
            report.new += 1
        else:
            report.changed += 1
        if article.published_basis == "mtime":
            report.file_dated += 1
        if article.truncated_from is not None:
            line = (f"{saved.article_id}: {article.truncated_from:,} characters cut to "
                    f"{len(article.text):,}")
            report.cut.append(line)
            log.warning("article cut to the text cap: %s (%s)", line,
                        article.url or article.title[:60])
        report.article_ids.append(saved.article_id)
        dirty |= saved.groups
        return 1

    def recluster(self, groups: Iterable[str]) -> int:
        """Recompute the events of the given trigger groups; returns events changed."""
        changed = 0
        for group in sorted(groups):
            drafts = cluster_group(self.store.cluster_inputs(group))
            changed += self.store.replace_events(group, drafts)
        self.store.rescore()
        return changed

    def recluster_all(self) -> int:
        return self.recluster(self.store.groups())


def _article_of(item: Article | Prepared) -> Article:
    return item.article if isinstance(item, Prepared) else item


def _extraction_of(item: Article | Prepared) -> Extraction:
    """Extracted ahead in another process (``Prepared``), or here and now."""
    return item.extraction if isinstance(item, Prepared) else extract_all(item)
