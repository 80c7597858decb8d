"""Extraction in worker processes, so that all cores share the CPU-heavy step of ingestion.

Extraction is pure Python and holds the GIL, so threads cannot run it side by side; processes
can. ``ExtractionPool.prepare(items)`` sends the articles among ``items`` to a process pool and
returns the items in the same order, each article paired with its extraction (``Prepared``),
which ``tracker.ingest.Ingestor`` then stores without extracting again. It may be called from
several threads at once (the worker's fetch threads each hand over the feed they read), which
keeps every process busy while the one writer stores. ``stream(items)`` does the same for a long
stream (a JSON-lines file), a few batches ahead of the ingestor that consumes it.

Nothing is lost when something fails. An article whose extraction raises is returned as it came,
so the ingestor extracts it again in process and records the error the usual way. A broken pool
(a child killed, out of memory) is dropped and from then on items come back unprepared: ingestion
goes on in one process, only slower. Processes start with ``forkserver`` (forking a process that
runs threads is unsafe) and load the gazetteer once each.

The processes do not outlive the process that started them (their owner), however it ends
(``kill -9`` included). Their parent is the forkserver, which lives as long as any of them does,
so the kernel's death signal (``PR_SET_PDEATHSIG``, on Linux, set in each) only covers the
forkserver dying. What ends them when their owner dies is a watchdog thread in each: it wakes as
the pipe ``multiprocessing`` keeps to the owner closes, and looks every second whether its
parent changed (the portable fallback). A thread runs between bytecodes, so a process inside one
long C call would end when the call returns; extraction makes none that last.
An article longer than ``MAX_POOLED_CHARS`` is not sent to them: the ingestor cuts it to its
text cap and extracts it itself, so no process holds a whole oversized page.

It does not decide what needs extracting (the ingestor skips unchanged articles), store anything,
or fetch.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from tracker.errors import TrackerError
from tracker.extract.entities import find_entities
from tracker.extract.mentions import Extraction, extract_all
from tracker.models import Article
from tracker.timex import tag

log = logging.getLogger(__name__)

# Below this many articles in one call, sending them to another process costs more than it saves.
MIN_BATCH = 4
# Starting the processes costs about two seconds (imports, gazetteer): not worth it for a handful
# of articles, so a pool starts once this many articles have passed through it.
START_AFTER = 200
STREAM_BATCH = 16  # articles per task when streaming: enough to make a task worth sending
# Longer articles stay out of the processes. The same number as ``tracker.ingest.MAX_TEXT_CHARS``
# (which cannot be imported here: the ingestor imports this module): the ingestor cuts a longer
# text to its cap before it streams articles here, so only articles handed over uncut (the
# worker's ``prepare``) are held back, and extracting one whole took ~420 MB for 5 MB of text.
MAX_POOLED_CHARS = 1_000_000
# How often a pool process checks that the processes it works for are still there.
PARENT_CHECK_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@dataclass(frozen=True)
class Prepared:
    """An article with its extraction, computed ahead of storing it."""

    article: Article
    extraction: Extraction


Item = Article | Prepared | TrackerError
# What a caller streams through: articles, maybe with errors (a bad line of a file) among them.
ItemT = TypeVar("ItemT", bound=Item)
Needed = Callable[[Article], bool]


@dataclass
class _Batch(Generic[ItemT]):
    """Items sent to the pool together: all of them, the articles sent, the pending result."""

    items: list[ItemT]
    articles: list[Article]
    future: Future[list[Extraction | None]] | None


def default_processes() -> int:
    """One process per core when there are several cores; none (extract in process) on one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores if cores and cores > 1 else 0


def _warm_up() -> None:
    """Runs first in each pool process."""
    _die_with_parent()
    # Ctrl-C reaches every process of the terminal's group; the parent decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The gazetteer and the compiled patterns load on first use: once per process, not per batch.
    find_entities("Delegates met in Istanbul on Friday.")
    tag("on Friday, 16 May 2025", date(2025, 5, 16))


def _die_with_parent() -> None:
    """End this process when the process it works for dies, even by SIGKILL, which runs no
    clean-up there: otherwise a pool process busy with a long article goes on for minutes,
    holding its memory, after the worker it served was killed."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
                log.debug("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        except (OSError, AttributeError) as exc:  # no libc, or no prctl in it
            log.debug("prctl unavailable (%s); the watchdog thread alone ends this process", exc)
    watchdog = threading.Thread(target=_watch_parent,
                                args=(parent, multiprocessing.parent_process()),
                                name="parent-watchdog", daemon=True)
    watchdog.start()


def _watch_parent(parent: int, owner: multiprocessing.process.BaseProcess | None) -> None:
    """End this process once its owner is gone or it has been handed to another parent (its
    own died, maybe before the death signal was asked for). Waits on the owner's pipe, so it
    wakes as the owner dies, and looks at the parent every ``PARENT_CHECK_SECONDS``. (A thread
    cannot run while a long C call holds the interpreter; the kernel's death signal can.)"""
    while True:
        if owner is not None:
            owner.join(PARENT_CHECK_SECONDS)  # returns early when the owner's end closes
        else:
            time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent or (owner is not None and not owner.is_alive()):
            os.kill(os.getpid(), signal.SIGTERM)
            os._exit(1)  # only reached when something handles SIGTERM


def _extract_batch(articles: Sequence[Article]) -> list[Extraction | None]:
    """Runs in a pool process: each article's extraction, or None where it failed."""
    out: list[Extraction | None] = []
    for article in articles:
        try:
            out.append(extract_all(article))
        except (TrackerError, ValueError, RecursionError, MemoryError):
            out.append(None)  # extracted again by the ingestor, which reports the error
    return out


class ExtractionPool:
    """A process pool that extracts articles ahead of the ingestor; see the module docstring."""

    def __init__(self, processes: int, *, start_after: int = START_AFTER,
                 max_chars: int = MAX_POOLED_CHARS) -> None:
        self.processes = processes
        self.start_after = start_after
        self.max_chars = max_chars  # longer articles come back unprepared
        self.seen = 0  # articles handed over to extract so far
        self.extracted = 0  # ... and of those, extracted in the pool
        self._executor: ProcessPoolExecutor | None = None
        self._broken = processes <= 0
        self._lock = threading.Lock()

    def _pool(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._broken:
                return None
            if self._executor is None:
                context = multiprocessing.get_context("forkserver")
                self._executor = ProcessPoolExecutor(self.processes, mp_context=context,
                                                     initializer=_warm_up)
            return self._executor

    def prepare(self, items: Sequence[ItemT],
                needed: Needed | None = None) -> list[ItemT | Prepared]:
        """``items`` in order, every article among them paired with its extraction if possible
        (only those ``needed`` says yes to: an article stored before needs none)."""
        return self._collect(self._submit(items, needed))

    def stream(self, items: Iterable[ItemT], needed: Needed | None = None, *,
               batch: int = STREAM_BATCH) -> Iterator[ItemT | Prepared]:
        """``items`` in order, extracted ahead in batches: a few batches per process are in the
        pool while the caller stores the earlier ones. Closing the iterator (a stopping
        ingestor) cancels what is still queued."""
        if self.processes <= 0:
            yield from items
            return
        ahead: deque[_Batch[ItemT]] = deque()
        chunk: list[ItemT] = []
        try:
            for item in items:
                chunk.append(item)
                if len(chunk) < batch:
                    continue
                ahead.append(self._submit(chunk, needed))
                chunk = []
                while len(ahead) > 2 * self.processes or (ahead and ahead[0].future is None):
                    yield from self._collect(ahead.popleft())
            if chunk:
                ahead.append(self._submit(chunk, needed))
            while ahead:
                yield from self._collect(ahead.popleft())
        finally:
            for waiting in ahead:
                if waiting.future is not None:
                    waiting.future.cancel()

    def _submit(self, items: Sequence[ItemT], needed: Needed | None) -> _Batch[ItemT]:
        articles: list[Article] = [
            item for item in items
            if isinstance(item, Article) and len(item.text) <= self.max_chars
            and (needed is None or needed(item))]
        with self._lock:
            self.seen += len(articles)
            wanted = len(articles) >= MIN_BATCH and self.seen > self.start_after
        pool = self._pool() if wanted else None
        future = None
        if pool is not None:
            try:
                future = pool.submit(_extract_batch, articles)
            except (BrokenProcessPool, OSError, RuntimeError) as exc:
                self._give_up(exc)
        return _Batch(list(items), articles, future)

    def _collect(self, batch: _Batch[ItemT]) -> list[ItemT | Prepared]:
        if batch.future is None:
            return list(batch.items)
        try:
            extractions = batch.future.result()
        except (BrokenProcessPool, CancelledError, OSError, RuntimeError) as exc:
            # Cancelled, RuntimeError: the pool was closed by a stopping worker meanwhile.
            self._give_up(exc)
            return list(batch.items)
        done = {id(a): x for a, x in zip(batch.articles, extractions, strict=True)
                if x is not None}
        with self._lock:
            self.extracted += len(done)
        return [Prepared(item, done[id(item)])
                if isinstance(item, Article) and id(item) in done else item
                for item in batch.items]

    def _give_up(self, exc: BaseException) -> None:
        if not self._broken:  # not after ``close``: then a cancelled batch is no failure
            log.warning("extraction pool failed (%s); extracting in process from now on", exc)
        self.close()

    def close(self) -> None:
        """Stop the processes (work still queued is dropped: its callers get the items back)."""
        with self._lock:
            executor, self._executor = self._executor, None
            self._broken = True
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
