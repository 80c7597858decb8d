"""Ingestion: articles in, events out. Runs extract -> store -> cluster for a stream of articles.

One transaction per article, so a failing article loses nothing else; clustering runs for the
trigger groups that changed, every ``recluster_every`` articles and at the end. A stream may mix
articles and ``InputError``s (a bad line of a JSON-lines file): errors are counted and reported,
never raised. It does not fetch or parse (``tracker.sources`` and ``tracker.parse`` do).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tracker.cluster import cluster_group
from tracker.errors import TrackerError
from tracker.extract.mentions import EXTRACTOR_VERSION, extract
from tracker.models import Article
from tracker.store import Store

log = logging.getLogger(__name__)

Progress = Callable[["IngestReport"], None]


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

    @property
    def seen(self) -> int:
        return self.new + self.changed + self.unchanged + self.failed

    def add(self, other: IngestReport) -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.events += other.events
        self.failures += other.failures
        self.article_ids += other.article_ids

    def summary(self) -> str:
        """The one line a run ends with."""
        return (
            f"articles: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.failed} failed; events changed: {self.events}; time: {self.seconds:.1f}s"
        )


class Ingestor:
    """Feeds articles through extraction, storage and clustering for one store."""

    def __init__(
        self, store: Store, *, recluster_every: int = 500, progress: Progress | None = None
    ) -> None:
        self.store = store
        self.recluster_every = recluster_every
        self.progress = progress

    def ingest(
        self, items: Iterable[Article | TrackerError], *, source_id: str | None = None
    ) -> IngestReport:
        report = IngestReport()
        started = time.monotonic()
        dirty: set[str] = set()
        pending = 0
        for item in items:
            if isinstance(item, TrackerError):
                report.failed += 1
                report.failures.append(str(item))
                log.warning("skipped: %s", item)
            else:
                pending += self._one(item, source_id, report, dirty)
            if pending >= self.recluster_every:
                report.events += self.recluster(dirty)
                dirty.clear()
                pending = 0
            report.seconds = time.monotonic() - started
            if self.progress:
                self.progress(report)
        report.events += self.recluster(dirty)
        report.seconds = time.monotonic() - started
        return report

    def _one(self, article: Article, source_id: str | None, report: IngestReport,
             dirty: set[str]) -> int:
        try:
            status, _ = self.store.article_status(article)
            if status == "unchanged":
                report.unchanged += 1
                return 0
            mentions = extract(article)
            saved = self.store.save_article(
                article, mentions, extractor_version=EXTRACTOR_VERSION, source_id=source_id
            )
        except (TrackerError, ValueError, RecursionError, MemoryError) as exc:
            # One bad article never stops the others; the run log says which and why.
            report.failed += 1
            label = article.url or article.title[:60] or article.id
            report.failures.append(f"{label}: {exc}")
            log.warning("article failed: %s: %s", label, exc)
            return 0
        if saved.status == "unchanged":
            report.unchanged += 1
            return 0
        if saved.status == "new":
            report.new += 1
        else:
            report.changed += 1
        report.article_ids.append(saved.article_id)
        dirty |= saved.groups
        return 1

    def recluster(self, groups: Iterable[str]) -> int:
        """Recompute the events of the given trigger groups; returns events changed."""
        changed = 0
        for group in sorted(groups):
            drafts = cluster_group(self.store.cluster_inputs(group))
            changed += self.store.replace_events(group, drafts)
        return changed

    def recluster_all(self) -> int:
        return self.recluster(self.store.groups())
