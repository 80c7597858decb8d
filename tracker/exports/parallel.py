"""A large export rendered by two processes that read one snapshot of the database.

An export's time goes into turning rows into Python values and those into text: at 1,000,000
events, about two thirds in the sqlite3 module fetching rows, a third formatting, all on one
core however the queries are batched. For an export of ``PARALLEL_FROM`` events or more (found
by walking the filter's keys that far), ``start`` brings in a helper process; ``stream`` then
reads and renders batches 0, 2, 4, ... in this process while the helper renders 1, 3, 5, ...
(each skips the other's batches by their keys) and sends each text back through a pipe, and
``interleave`` writes them in order. The output is exactly the one-process output.

One snapshot: both read transactions start while this process holds the database's write lock
(``export_reads.writers_held``), so no commit can land between them and both see the same state
all through, as a one-process export does. Writers wait those few milliseconds; they do not
fail. Whenever that cannot be had (the lock stays busy, the file is read-only, the helper does
not start within ``START_WAIT`` seconds, the machine has one core) the export runs in one
process, as every export does with ``TRACKER_EXPORT_PARALLEL=0``. The helper stops at the end,
when the reader stops reading (a client gone: ``close``), and when this process dies (its next
write to the pipe fails). At most ``AHEAD`` of the helper's batches wait here, so memory stays
flat in both. Processes start with ``forkserver``, as extraction's do (forking a process that runs
threads is unsafe).

It renders nothing itself (the formats do) and never writes to the database.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Final

from tracker.errors import TrackerError
from tracker.exports import events
from tracker.store import Store, export_reads, reads
from tracker.store.reads import EventFilter

log = logging.getLogger(__name__)

ENV_SWITCH: Final = "TRACKER_EXPORT_PARALLEL"  # "0": every export in one process
PARALLEL_FROM: Final = 100_000  # events: below, a helper's start (0.4 to 0.6 s) costs what it saves
START_WAIT: Final = 30.0  # seconds for the helper to start (imports) and to take its snapshot
BATCH_WAIT: Final = 600.0  # seconds for one batch from the helper before the export fails
AHEAD: Final = 4  # the helper's batches received and held here at most (a few MB)
_READY, _GO, _PINNED, _TEXT, _DONE, _FAILED = b"R", b"G", b"P", b"T", b"D", b"E"


class ExportHelperError(TrackerError):
    """The helper process of a parallel export failed or stopped answering."""


class Helper:
    """The helper process of one export and the pipe its texts come through."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process, self.conn = process, conn
        self._stop = threading.Event()
        self._pump: threading.Thread | None = None

    def _receive(self, wait: float) -> bytes:
        try:
            if not self.conn.poll(wait):
                raise ExportHelperError(
                    f"the export's helper process sent nothing for {wait:g} s")
            return self.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise ExportHelperError(f"the export's helper process stopped "
                                    f"(exit code {self.process.exitcode})") from exc

    def share_snapshot(self, store: Store) -> bool:
        """Start this store's read transaction (inside ``reads.snapshot``) and the helper's
        with no commit between them; False (this store's snapshot started anyway) when that
        cannot be had."""
        try:
            with export_reads.writers_held(Path(store.path)):
                export_reads.pin_snapshot(store)
                self.conn.send_bytes(_GO)
                return self._receive(START_WAIT) == _PINNED
        except (sqlite3.Error, OSError, ExportHelperError) as exc:
            log.info("export runs in one process: %s", exc)
            export_reads.pin_snapshot(store)
            return False

    def interleave(self, mine: Iterator[str]) -> Iterator[str]:
        """This process's batch texts (batches 0, 2, 4, ...) with the helper's (1, 3, ...)
        between them, in order, until either has no more. The helper's are received by a
        thread up to ``AHEAD`` batches ahead, so that neither process waits for the other at
        every batch (a process the machine gives no core for a moment would stall both)."""
        received: queue.Queue[bytes] = queue.Queue(maxsize=AHEAD)
        self._pump = threading.Thread(target=self._receive_all, args=(received,), daemon=True,
                                      name="tracker-export-helper-reader")
        self._pump.start()
        for text in mine:
            yield text
            try:
                message = received.get(timeout=BATCH_WAIT)
            except queue.Empty:
                raise ExportHelperError(f"the export's helper process sent nothing for "
                                        f"{BATCH_WAIT:g} s") from None
            if message[:1] == _DONE:
                return
            if message[:1] == _FAILED:
                raise ExportHelperError(message[1:].decode("utf-8", "replace"))
            yield message[1:].decode("utf-8")

    def _receive_all(self, received: queue.Queue[bytes]) -> None:
        """Move the helper's messages into ``received`` until its last one or ``close``."""
        while not self._stop.is_set():
            try:
                message = self._receive(BATCH_WAIT)
            except ExportHelperError as exc:
                message = _FAILED + str(exc).encode()
            while not self._stop.is_set():
                try:
                    received.put(message, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if message[:1] != _TEXT:
                return

    def close(self) -> None:
        """Stop the helper (done or not) and wait for it."""
        self._stop.set()
        self.process.join(1)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        if self._pump is not None:
            self._pump.join(5)
        self.conn.close()


def start(store: Store, f: EventFilter, name: str, *, size: int, threshold: int
          ) -> Helper | None:
    """A helper process for the export of ``f`` in format ``name``, started and ready to take
    its snapshot, when the export is large enough and a second core there; else None."""
    if f.top or (os.cpu_count() or 1) < 2 or os.environ.get(ENV_SWITCH, "1") == "0":
        return None  # the key events are a few; one core cannot run two processes at once
    if export_reads.key_after(store, f, after=None, n=max(threshold, 1)) is None:
        return None
    context = multiprocessing.get_context("forkserver")
    mine, theirs = context.Pipe(duplex=True)
    process = context.Process(target=_helper, args=(str(store.path), f, name, size, theirs),
                              name="tracker-export-helper", daemon=True)
    try:
        process.start()
    except OSError as exc:
        log.info("export runs in one process: %s", exc)
        return None
    theirs.close()
    helper = Helper(process, mine)
    try:
        if helper._receive(START_WAIT) == _READY:
            return helper
    except ExportHelperError as exc:
        log.info("export runs in one process: %s", exc)
    helper.close()
    return None


def _helper(path: str, f: EventFilter, name: str, size: int, conn: Connection) -> None:
    """The helper process: open the database, take the snapshot when told, then render the
    odd batches and send each text; a failure is sent as one line."""
    try:
        from tracker.exports import LAYOUTS

        # The rows read allocate millions of tuples, and each full pass of the cycle collector
        # walks every object the process holds: frozen, the modules' objects are left out.
        gc.freeze()

        render = LAYOUTS[name].render
        with Store(path) as store:
            conn.send_bytes(_READY)
            if conn.recv_bytes() != _GO:
                return
            with export_reads.unmapped(store), reads.snapshot(store):
                export_reads.pin_snapshot(store)
                conn.send_bytes(_PINNED)
                for batch in events.batches(store, f, size=size, stride=2, phase=1):
                    conn.send_bytes(_TEXT + render(batch).encode("utf-8"))
            conn.send_bytes(_DONE)
    except (BrokenPipeError, EOFError, ConnectionResetError):
        return  # the export stopped reading: nothing left to do
    except BaseException as exc:
        with contextlib.suppress(OSError):
            conn.send_bytes(_FAILED + f"{type(exc).__name__}: {exc}".encode())
    finally:
        conn.close()
