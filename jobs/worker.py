"""The worker: APScheduler 3 in its own process, one job per enabled source.

Each source is polled at its interval (with jitter, ``max_instances=1``, ``coalesce`` and a
real misfire grace time); the schedule resumes from ``next_due_at`` after a restart; a sync job
picks up sources added, removed or changed while running; a heartbeat is written for
``/api/health``. A file lock beside the database keeps a second worker from ingesting too.
Polling itself (fetch, parse, ingest, backoff) is ``tracker.sources.poll``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import IO

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker import clock
from tracker.fetch import Fetcher
from tracker.sources import Source, enabled_sources, poll
from tracker.store import Store, iso

log = logging.getLogger("jobs.worker")

SYNC_SECONDS = 30
MAX_JITTER_SECONDS = 120


class WorkerLocked(RuntimeError):
    """Another worker already holds this database."""


def acquire_lock(db_path: str) -> IO[str]:
    """An exclusive lock on ``<db>.worker.lock``, held while the returned file stays open."""
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


def poll_source(db_path: str, source_id: str) -> None:
    """The job body: poll one source with its own connection and HTTP client."""
    with Store(db_path) as store:
        rows = store.query("SELECT * FROM sources WHERE id = ? AND enabled = 1", [source_id])
        if not rows:
            return
        with Fetcher() as fetcher:
            poll(store, Source.from_row(rows[0]), fetcher)


def write_heartbeat(db_path: str) -> None:
    with Store(db_path) as store:
        store.execute(
            "INSERT INTO meta (key, value) VALUES ('worker_heartbeat', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [iso(clock.now())]
        )


def run_once(db_path: str) -> int:
    """Poll every enabled source once; failures are recorded per source, exit status stays 0."""
    try:
        lock = acquire_lock(db_path)
    except WorkerLocked as exc:
        print(f"tracker: error: {exc}", file=sys.stderr)
        return 1
    try:
        with Store(db_path) as store, Fetcher() as fetcher:
            sources = enabled_sources(store)
            failed = 0
            for source in sources:
                result = poll(store, source, fetcher)
                failed += result.error is not None
            print(f"polled {len(sources)} sources, {failed} failed", file=sys.stderr)
        write_heartbeat(db_path)
    finally:
        lock.close()
    return 0


def _schedule(scheduler: BlockingScheduler, db_path: str, source: Source,
              next_due: datetime | None) -> None:
    jitter = min(MAX_JITTER_SECONDS, max(1, source.interval // 10))
    now = clock.now()
    first = max(next_due, now) if next_due else now + timedelta(seconds=1)
    scheduler.add_job(
        poll_source, IntervalTrigger(seconds=source.interval, jitter=jitter),
        args=[db_path, source.id], id=f"poll:{source.id}", name=f"poll {source.name}",
        replace_existing=True, max_instances=1, coalesce=True,
        # A poll that is late by less than half an interval still runs; later, wait for the next.
        misfire_grace_time=max(30, source.interval // 2), next_run_time=first,
    )


def sync_jobs(scheduler: BlockingScheduler, db_path: str) -> None:
    """Make the scheduler's poll jobs match the enabled sources in the database."""
    with Store(db_path) as store:
        rows = store.query("SELECT * FROM sources WHERE enabled = 1")
    wanted = {f"poll:{r['id']}": r for r in rows}
    for job in scheduler.get_jobs():
        if job.id.startswith("poll:") and job.id not in wanted:
            job.remove()
    for job_id, row in wanted.items():
        job = scheduler.get_job(job_id)
        source = Source.from_row(row)
        if job is None or getattr(job.trigger, "interval", None) != timedelta(
                seconds=source.interval):
            due = datetime.fromisoformat(row["next_due_at"]) if row["next_due_at"] else None
            _schedule(scheduler, db_path, source, due)


def run_forever(db_path: str) -> int:
    """Run the scheduler until SIGINT or SIGTERM; the job in hand finishes or rolls back."""
    try:
        lock = acquire_lock(db_path)
    except WorkerLocked as exc:
        print(f"tracker: error: {exc}", file=sys.stderr)
        return 1
    scheduler = BlockingScheduler(
        timezone="UTC", executors={"default": {"type": "threadpool", "max_workers": 4}},
        job_defaults={"coalesce": True, "max_instances": 1},
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("worker stopping (signal %d)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sync_jobs(scheduler, db_path)
    scheduler.add_job(sync_jobs, IntervalTrigger(seconds=SYNC_SECONDS), args=[scheduler, db_path],
                      id="sync", replace_existing=True, misfire_grace_time=SYNC_SECONDS)
    scheduler.add_job(write_heartbeat, IntervalTrigger(seconds=SYNC_SECONDS), args=[db_path],
                      id="heartbeat", replace_existing=True, next_run_time=clock.now(),
                      misfire_grace_time=SYNC_SECONDS)
    n_sources = len([j for j in scheduler.get_jobs() if j.id.startswith("poll:")])
    log.info("worker started: pid %d, %d sources, database %s", os.getpid(), n_sources, db_path)
    try:
        scheduler.start()
    finally:
        lock.close()
    log.info("worker stopped")
    return 0


