"""The worker: polls the enabled sources on their schedules, in its own process, alone.

``Worker.run_forever`` runs APScheduler 3 (a background scheduler; the main thread only waits
for a signal): one job per enabled source with a stable id, its interval plus jitter,
``max_instances=1``, ``coalesce`` and a misfire grace time of half an interval. The database's
``next_due_at`` is the schedule's truth: a job's first run is the stored due time, so a restart
resumes where the last worker left off, and after each poll the job is moved to the new due time
(which includes the backoff after failures). A sync job picks up sources added, removed,
enabled, disabled or re-timed while running; a recluster job turns what the polls stored into
events every few seconds; a heartbeat job writes ``worker_heartbeat``.

``Worker.run_once`` (`tracker worker --once`) polls every enabled source that is due, once.
Both poll concurrently: fetching and parsing run in threads (one HTTP client per thread) while
database writes are serialized by one lock, so the worker has one writer at a time and SQLite
never has to arbitrate between its own threads. Re-clustering is deferred and done once per batch.

Each poll does bounded work (``tracker.sources.PollLimits``, which a worker can be given) and
skips feed entries already stored as they are (asked on the fetch thread's own read connection).
Whatever goes wrong in one source, even running out of memory on a hostile response, is that
source's recorded failure with backoff: the other sources go on and the worker stays up.

Stopping (SIGTERM, Ctrl-C) sets a flag that polls check between articles, so a long feed is left
after the article in hand (each article is one transaction); polls still fetching are abandoned
after a few seconds, and whatever was not finished stays due for the next worker. Runs left
"running" by a killed worker (or by any killed process: runs record their pid) are closed, and
mentions it stored without clustering are clustered, when the next worker starts. A file lock
beside the database keeps a second worker out.

It does not fetch, parse or extract itself (``tracker.sources``, ``tracker.ingest``) and serves
no HTTP.
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import IO, Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker import clock
from tracker.errors import TrackerError
from tracker.extract.pool import ExtractionPool, default_processes
from tracker.fetch import Fetcher
from tracker.ingest import Ingestor, IngestReport, cap_text
from tracker.models import Article
from tracker.sources import (
    DEFAULT_LIMITS,
    EntryState,
    PollLimits,
    PollResult,
    Source,
    SourceRead,
    describe_error,
    read_source,
    record_failed_poll,
    store_poll,
    url_policy,
)
from tracker.store import Store
from tracker.store import sources as table

log = logging.getLogger("jobs.worker")

SYNC_SECONDS = 30
MAX_JITTER_SECONDS = 120
DEFAULT_THREADS = 8
STOP_GRACE_SECONDS = 5.0
RECLUSTER_EVERY = 500  # first re-clustering of a batch of polls; then the gaps double
RECLUSTER_SECONDS = 15  # the scheduled worker re-clusters what its polls changed this often


class WorkerLocked(TrackerError):
    """Another worker already holds this database."""


def acquire_lock(db_path: str) -> IO[str]:
    """An exclusive lock on ``<db>.worker.lock``, held while the returned file stays open.

    flock is released by the kernel when the process dies, even by kill -9: no stale locks.
    """
    lock_path = Path(db_path + ".worker.lock")
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise WorkerLocked(
            f"another worker (pid {holder}) is already running on {db_path}; "
            f"stop it first or use another --db"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def jitter_seconds(interval: int) -> int:
    """Up to a tenth of the interval (at most two minutes): sources polled together drift apart."""
    return min(MAX_JITTER_SECONDS, max(1, interval // 10))


@dataclass
class BatchReport:
    """What one pass over the due sources did."""

    polled: int = 0
    failed: int = 0
    partial: int = 0  # stored something, but not all: see the run's detail
    not_modified: int = 0
    fetched: int = 0  # answered with a body (HTTP 200)
    new: int = 0
    unchanged: int = 0
    events: int = 0
    interrupted: int = 0
    seconds: float = 0.0

    def add(self, result: PollResult) -> None:
        self.polled += 1
        self.failed += result.error is not None
        self.partial += result.status == "partial"
        self.interrupted += result.interrupted
        self.not_modified += result.not_modified
        self.fetched += (result.error is None and not result.not_modified
                         and not result.interrupted and result.source.kind in ("feed", "page"))
        self.new += result.report.new + result.report.changed
        self.unchanged += result.report.unchanged
        self.events += result.report.events


class Worker:
    """Polls the sources of one database. Create one per process; see the module docstring."""

    def __init__(self, db_path: str, *, threads: int = DEFAULT_THREADS,
                 stop_grace: float = STOP_GRACE_SECONDS,
                 fetcher_factory: Callable[[], Fetcher] | None = None,
                 recluster_every: int = RECLUSTER_EVERY,
                 processes: int | None = None,
                 limits: PollLimits = DEFAULT_LIMITS) -> None:
        self.db_path = db_path
        self.limits = limits  # what one poll may do: entries, page fetches, seconds
        self.threads = max(1, threads)
        self.stop_grace = stop_grace
        # Default: fetchers under the URL policy of the environment and of the database's
        # own setting (`[network]` in sources.toml), read as each thread makes its fetcher.
        self.fetcher_factory = fetcher_factory or self._policed_fetcher
        self.recluster_every = recluster_every
        # A plain attribute, set from a signal handler: no lock may be taken there.
        self.stopping = False
        self._write_lock = threading.Lock()  # the one-writer rule
        self._local = threading.local()
        self._fetchers: list[Fetcher] = []
        self._fetchers_lock = threading.Lock()
        self._active = 0
        self._active_lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None
        self._pending_groups: set[str] = set()  # written under the write lock only
        # Extraction is CPU-bound Python: fetch threads hand what they read to processes, so
        # every core extracts while this process stores (``processes=0``: all in process).
        self.extraction = ExtractionPool(default_processes() if processes is None else processes)

    # -------------------------------------------------------------- shared pieces

    def should_stop(self) -> bool:
        return self.stopping

    def _fetcher(self) -> Fetcher:
        """This thread's HTTP client (a client's cookie jar and deadline are per thread)."""
        fetcher: Fetcher | None = getattr(self._local, "fetcher", None)
        if fetcher is None:
            fetcher = self.fetcher_factory()
            self._local.fetcher = fetcher
            with self._fetchers_lock:
                self._fetchers.append(fetcher)
        return fetcher

    def close(self) -> None:
        """Release the HTTP clients and the extraction processes (``poll_due`` callers)."""
        self.extraction.close()
        self._close_fetchers()

    def _close_fetchers(self) -> None:
        with self._fetchers_lock:
            for fetcher in self._fetchers:
                fetcher.close()
            self._fetchers.clear()

    @contextmanager
    def _writing(self) -> Iterator[Store]:
        """The store, for this thread, while holding the one-writer lock."""
        with self._write_lock:
            store: Store | None = getattr(self._local, "store", None)
            if store is None:
                store = Store(self.db_path)
                self._local.store = store
            yield store

    @contextmanager
    def _busy(self) -> Iterator[None]:
        with self._active_lock:
            self._active += 1
        try:
            yield
        finally:
            with self._active_lock:
                self._active -= 1

    def _policed_fetcher(self) -> Fetcher:
        # A connection of its own: this may run while the thread holds the write lock.
        with Store(self.db_path) as store:
            policy = url_policy(store)
        return Fetcher(policy=policy)

    def recover(self) -> None:
        """Undo what a killed worker left behind: open runs, mentions never clustered.

        Holding the worker lock, every poll run still open is a dead worker's; runs of other
        jobs (a killed `tracker ingest`) are closed when their process is gone.
        """
        with self._writing() as store:
            closed = table.close_interrupted_runs(store)
            closed += table.close_dead_runs(store)
            groups = store.unclustered_groups()
            # ``flush``, not ``recluster``: it counts page furniture again first, as after any
            # batch of articles, so the healed events are exactly those of an uninterrupted run.
            events = Ingestor(store).flush() if groups else 0
            table.clear_worker_stopped(store)  # running again: no earlier stop says otherwise
            table.write_heartbeat(store, clock.now())
        if closed or groups:
            log.info("recovered runs_closed=%d groups_reclustered=%d events=%d",
                     closed, len(groups), events)

    # -------------------------------------------------------------- --once

    def poll_due(self) -> BatchReport:
        """Poll every enabled source that is due now, fetching in threads, writing in this one."""
        started = time.monotonic()
        report = BatchReport()
        with self._writing() as store:
            due = table.due_sources(store, clock.now())
        remote = [s for s in due if s.kind in ("feed", "page")]
        local = [s for s in due if s.kind not in ("feed", "page")]
        window = self.threads * 4  # reads waiting for the writer: bounded, so memory is too
        with self._writing() as store:
            ingestor = Ingestor(store, recluster_every=self.recluster_every,
                                should_stop=self.should_stop, extraction=self.extraction)
        # Not a with-block: its exit would wait for fetches still running when we are stopping.
        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="fetch")
        pending = iter(remote)
        in_flight: set[Future[SourceRead]] = set()
        try:
            while not self.stopping:
                while len(in_flight) < window:
                    source = next(pending, None)
                    if source is None:
                        break
                    in_flight.add(pool.submit(self._read, source))
                if not in_flight:
                    break
                done, in_flight = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    with self._busy(), self._writing() as store:
                        report.add(self._store(store, future.result(), ingestor))
            for source in local:
                if self.stopping:
                    break
                with self._busy(), self._writing() as store:
                    report.add(self._store(store, SourceRead(source), ingestor))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            with self._writing() as store:
                # Stopping: leave re-clustering (seconds on a big database) to the next start.
                if not self.stopping:
                    report.events += self._cluster(store, ingestor)
                table.write_heartbeat(store, clock.now())
        report.seconds = time.monotonic() - started
        return report

    def _read(self, source: Source) -> SourceRead:
        """Fetch, parse and extract one source in a pool thread, with that thread's HTTP client.

        Never raises: whatever fails is the read's error, recorded by ``_store``.
        """
        with self._busy():
            started = time.monotonic()
            try:
                read = read_source(source, self._fetcher(), should_stop=self.should_stop,
                                   stored_entry=self._stored_entry, limits=self.limits)
            except Exception as exc:  # read_source records its own; this is the thread's setup
                log.error("read failed source=%s", source.id, exc_info=True)
                return SourceRead(source, error=f"{source.url}: {describe_error(exc)}",
                                  seconds=time.monotonic() - started)
            return self._prepare(read)

    def _prepare(self, read: SourceRead) -> SourceRead:
        """Extract the articles of a read in the extraction processes, outside the write lock.

        When that fails, the read goes on unprepared: the writer extracts what it stores.
        """
        if read.fetched is None or not read.fetched.items or self.stopping:
            return read
        # Cut to the text cap first, as the writer would: a page over the cap is then cut and
        # extracted in a pool process, not extracted again by the writer.
        capped = [cap_text(item) if isinstance(item, Article) else item
                  for item in read.fetched.items]
        try:
            items = self.extraction.prepare(capped, needed=self._is_new)
        except Exception as exc:
            log.warning("extraction ahead failed source=%s (%s: %s); extracting while storing",
                        read.source.id, type(exc).__name__, exc)
            return read
        return replace(read, fetched=replace(read.fetched, items=items))

    def _store(self, store: Store, read: SourceRead, ingestor: Ingestor) -> PollResult:
        """``store_poll``, under the write lock; when even recording fails, record that.

        ``store_poll`` records every failure of the poll itself; what reaches here is a failure
        to write the record (the database refused), tried once more as a plain failed poll.
        """
        try:
            return store_poll(store, read, ingestor=ingestor, should_stop=self.should_stop)
        except Exception as exc:
            error = f"{read.source.url}: recording the poll failed: {describe_error(exc)}"
            log.error("poll source=%s could not be recorded", read.source.id, exc_info=True)
        try:
            table.rollback(store)
            return record_failed_poll(store, read.source, error)
        except Exception:
            log.error("poll source=%s: not even its failure could be recorded", read.source.id,
                      exc_info=True)
            return PollResult(read.source, IngestReport(), error, status="failed")

    def _stored_entry(self, article_id: str, entry_hash: str) -> EntryState:
        """Whether a feed entry's article is stored as it is now (on this thread's reader)."""
        return table.entry_state(self._reader(), article_id, entry_hash)

    def _is_new(self, article: Article) -> bool:
        """Whether an article is not stored yet as it is (read on this thread's connection;
        the writer checks again before it stores)."""
        return self._reader().article_status(article)[0] != "unchanged"

    def _reader(self) -> Store:
        """This thread's connection for reads outside the write lock."""
        reader: Store | None = getattr(self._local, "reader", None)
        if reader is None:
            # Closed when its thread ends (a connection may only be closed by its own thread).
            reader = Store(self.db_path)
            self._local.reader = reader
        return reader

    def run_once(self) -> int:
        """`tracker worker --once`: poll what is due, then exit 0 even when sources failed."""
        lock = acquire_lock(self.db_path)  # WorkerLocked: the CLI prints it on one line
        previous = _install_signal_handlers(self)
        try:
            self.recover()
            report = self.poll_due()
            log.info("worker once sources=%d failed=%d partial=%d http200=%d http304=%d "
                     "new=%d unchanged=%d events=%d interrupted=%d seconds=%.2f",
                     report.polled, report.failed, report.partial, report.fetched,
                     report.not_modified, report.new, report.unchanged, report.events,
                     report.interrupted, report.seconds)
            print(f"polled {report.polled} due sources, {report.failed} failed, "
                  f"{report.partial} partial, {report.new} new articles, "
                  f"{report.events} events made or changed", file=sys.stderr)
            with self._writing() as store:  # done: no longer alive for /api/health
                table.write_worker_stopped(store, clock.now())
        finally:
            _restore_signal_handlers(previous)
            self._close_store()
            self.extraction.close()
            lock.close()
        self._leave_or_wait()
        self._close_fetchers()
        return 0

    def _leave_or_wait(self) -> None:
        """When stopping, give polls in hand ``stop_grace`` seconds, then leave without them.

        Only fetches (no data at stake) or one article's transaction can still be running:
        leaving rolls that article back and its source stays due for the next worker.
        """
        if not self.stopping:
            return
        deadline = time.monotonic() + self.stop_grace
        while self._active and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._active:
            log.warning("worker stopped with %d polls in hand; they stay due", self._active)
            logging.shutdown()
            os._exit(0)

    def _close_store(self) -> None:
        store: Store | None = getattr(self._local, "store", None)
        if store is not None:
            store.close()
            self._local.store = None

    # -------------------------------------------------------------- scheduled

    def poll_source(self, source_id: str) -> None:
        """The job body: poll one source if it is still enabled and due, then move its job.

        A failure of the poll itself is recorded by ``_read``/``_store``; what is left (the
        database refusing even the look-up) is logged here, and the job runs again next time.
        """
        if self.stopping:
            return
        try:
            self._poll_source(source_id)
        except Exception:
            log.error("poll source=%s failed before it could be recorded", source_id,
                      exc_info=True)

    def _poll_source(self, source_id: str) -> None:
        with self._busy():
            with self._writing() as store:
                source = table.source_by_id(store, source_id)
                if source is None or not source.enabled:
                    return
                now = clock.now()
                if source.next_due_at is not None and source.next_due_at > now:
                    # Not due (backoff, or a poll by `--once` meanwhile): wait until it is.
                    self._move(source, source.next_due_at)
                    return
            read = self._read(source)
            if self.stopping:
                return  # the source stays due; the next worker polls it
            with self._writing() as store:
                ingestor = Ingestor(store, should_stop=self.should_stop,
                                    extraction=self.extraction)
                result = self._store(store, read, ingestor)
                # Re-clustering waits for the flush job: one pass for every poll since the last.
                self._pending_groups |= ingestor.pending_groups
            if result.next_due_at is not None:
                self._move(source, result.next_due_at)

    def _move(self, source: Source, due: datetime) -> None:
        if self._scheduler is None:
            return
        jitter = random.uniform(0, jitter_seconds(source.interval))
        with suppress(LookupError):  # the job was removed by a sync meanwhile
            self._scheduler.modify_job(f"poll:{source.id}",
                                       next_run_time=due + timedelta(seconds=jitter))

    def _schedule(self, source: Source) -> None:
        assert self._scheduler is not None
        now = clock.now()
        first = max(source.next_due_at, now) if source.next_due_at else now
        first += timedelta(seconds=random.uniform(0, min(5, jitter_seconds(source.interval))))
        self._scheduler.add_job(
            self.poll_source, IntervalTrigger(seconds=source.interval,
                                              jitter=jitter_seconds(source.interval)),
            args=[source.id], id=f"poll:{source.id}", name=f"poll {source.name}",
            replace_existing=True, max_instances=1, coalesce=True,
            # A poll late by less than half an interval still runs; later, it waits for the next.
            misfire_grace_time=max(30, source.interval // 2), next_run_time=first,
        )

    def sync_jobs(self) -> None:
        """Make the scheduler's poll jobs match the enabled sources in the database."""
        assert self._scheduler is not None
        with self._writing() as store:
            wanted = {f"poll:{s.id}": s for s in table.enabled_sources(store)}
        for job in self._scheduler.get_jobs():
            if job.id.startswith("poll:") and job.id not in wanted:
                job.remove()
        for job_id, source in wanted.items():
            job = self._scheduler.get_job(job_id)
            if job is None or getattr(job.trigger, "interval", None) != timedelta(
                    seconds=source.interval):
                self._schedule(source)

    def heartbeat(self) -> None:
        with self._writing() as store:
            table.write_heartbeat(store, clock.now())

    def flush(self) -> int:
        """Re-cluster the groups the polls since the last flush changed; returns events changed.

        Runs every ``RECLUSTER_SECONDS`` rather than after each poll: a group is re-clustered
        whole, so with hundreds of sources one pass for many polls is much cheaper.
        """
        with self._writing() as store:
            groups, self._pending_groups = self._pending_groups, set()
            if not groups:
                return 0
            ingestor = Ingestor(store)
            ingestor.pending_groups |= groups
            changed = self._cluster(store, ingestor)
        log.info("recluster groups=%d events=%d", len(groups), changed)
        return changed

    @staticmethod
    def _cluster(store: Store, ingestor: Ingestor) -> int:
        """Cluster the groups the polls left to ``ingestor``; recorded as a run of its own
        (job "cluster", its events made or changed), since the polls' runs made none."""
        if not ingestor.pending_groups and not store.unclustered_groups():
            return 0
        run_id = store.start_run("cluster")
        try:
            changed = ingestor.flush()
        except Exception as exc:
            store.finish_run(run_id, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        store.finish_run(run_id, status="ok", n_events=changed)
        return changed

    def run_forever(self, *, sync_seconds: float = SYNC_SECONDS) -> int:
        """Run until SIGINT or SIGTERM; the article in hand finishes, the rest stays due."""
        lock = acquire_lock(self.db_path)  # WorkerLocked: the CLI prints it on one line
        previous = _install_signal_handlers(self)
        scheduler = BackgroundScheduler(
            timezone="UTC",
            executors={"default": {"type": "threadpool", "max_workers": self.threads}},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._scheduler = scheduler
        try:
            self.recover()
            self.sync_jobs()
            scheduler.add_job(self.sync_jobs, IntervalTrigger(seconds=sync_seconds), id="sync",
                              replace_existing=True, misfire_grace_time=int(sync_seconds) + 1)
            scheduler.add_job(self.flush, IntervalTrigger(seconds=RECLUSTER_SECONDS),
                              id="recluster", replace_existing=True, max_instances=1,
                              coalesce=True, misfire_grace_time=RECLUSTER_SECONDS)
            scheduler.add_job(self.heartbeat, IntervalTrigger(seconds=sync_seconds),
                              id="heartbeat", replace_existing=True,
                              misfire_grace_time=int(sync_seconds) + 1)
            n_sources = len([j for j in scheduler.get_jobs() if j.id.startswith("poll:")])
            log.info("worker started pid=%d sources=%d database=%s", os.getpid(), n_sources,
                     self.db_path)
            scheduler.start()
            while not self.stopping:
                time.sleep(0.1)
            log.info("worker stopping")
            scheduler.shutdown(wait=False)
            self._leave_or_wait()
            # Said at once: /api/health stops calling this worker alive now, not when its last
            # heartbeat goes stale.
            with self._writing() as store:
                table.write_worker_stopped(store, clock.now())
            # No last re-clustering: it can take long on a big database, and the next start's
            # recover() clusters whatever this run stored since the last flush.
        finally:
            _restore_signal_handlers(previous)
            self.extraction.close()
            lock.close()
        self._close_fetchers()
        log.info("worker stopped")
        return 0


Handlers = dict[int, Any]


def _install_signal_handlers(worker: Worker) -> Handlers:
    def stop(signum: int, frame: FrameType | None) -> None:
        worker.stopping = True  # nothing else here: the main thread may hold any lock

    previous: Handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, stop)
    return previous


def _restore_signal_handlers(previous: Handlers) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def run_once(db_path: str, *, threads: int = DEFAULT_THREADS) -> int:
    return Worker(db_path, threads=threads).run_once()


def run_forever(db_path: str, *, threads: int = DEFAULT_THREADS) -> int:
    return Worker(db_path, threads=threads).run_forever()
