"""Copies of a database that can be trusted: `tracker backup` and `tracker restore`.

``backup`` uses SQLite's online backup API, which copies a consistent snapshot page by page
while other connections keep reading and writing (the worker may keep running). The copy is
written beside its destination under a temporary name, checked with ``PRAGMA
integrity_check``, and only then renamed into place, so a half-written backup never carries
the final name.

``restore`` puts a backup's content into a database file through the same API, after checking
that the backup is a sound tracker database this version can read. It refuses while a worker
holds the database (the worker's lock file), since the worker would keep writing into what is
being replaced. The restored database is then migrated to this version's schema.

It does not schedule backups, rotate them or copy them elsewhere: run `tracker backup` from
cron or a systemd timer, and keep the files where a failing disk cannot take them too.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import StoreError
from tracker.store.migrations import MIGRATIONS

PAGES_PER_STEP = 1024  # copy 4 MB at a time, so writers get the database between steps


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    articles: int
    events: int
    schema_version: int


def backup(database: Path, destination: Path) -> BackupReport:
    """Copy ``database`` to ``destination`` (a file, or a folder to put a dated file in)."""
    if not database.is_file():
        raise StoreError(f"no database at {database}")
    if destination.is_dir():
        from tracker.clock import now

        stamp = now().strftime("%Y%m%dT%H%M%SZ")
        destination = destination / f"{database.stem}-{stamp}.db"
    if not destination.parent.is_dir():
        raise StoreError(f"cannot write the backup: folder {destination.parent} does not exist")
    if destination.resolve() == database.resolve():
        raise StoreError("the backup must not overwrite the database itself")
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        with _connect(database, readonly=True) as source, _connect(partial) as copy:
            source.backup(copy, pages=PAGES_PER_STEP)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        _check(partial, what="the backup just written")
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        raise StoreError(f"backup of {database} failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return _report(destination)


def restore(backup_file: Path, database: Path, *, force: bool = False) -> BackupReport:
    """Replace ``database``'s content with ``backup_file``'s; see the module docstring."""
    if not backup_file.is_file():
        raise StoreError(f"no backup at {backup_file}")
    if database.exists() and backup_file.resolve() == database.resolve():
        raise StoreError("the backup and the database are the same file")
    version = _check(backup_file, what=f"backup {backup_file}")
    if version > len(MIGRATIONS):
        raise StoreError(f"backup {backup_file} has schema version {version}, newer than this "
                         f"tracker knows ({len(MIGRATIONS)}); upgrade the tracker first")
    if not database.parent.is_dir():
        raise StoreError(f"folder {database.parent} does not exist")
    with _no_worker(database):
        if database.exists() and not force and _articles(database) > 0:
            raise StoreError(f"{database} holds articles; add --force to replace them with "
                             f"the backup's")
        try:
            with _connect(backup_file, readonly=True) as source, _connect(database) as target:
                source.backup(target, pages=PAGES_PER_STEP)
        except sqlite3.Error as exc:
            raise StoreError(f"restore into {database} failed: {exc}") from exc
    from tracker.store.db import Store

    with Store(database):  # brings an older backup's schema up to date
        pass
    return _report(database)


@contextmanager
def _connect(path: Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    conn = sqlite3.connect(uri, uri=readonly, timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def _check(path: Path, *, what: str) -> int:
    """The schema version of a sound tracker database; raises ``StoreError`` otherwise."""
    try:
        with _connect(path, readonly=True) as conn:
            result = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if result != ["ok"]:
                raise StoreError(f"{what} is damaged: {'; '.join(result[:3])}")
            tables = {str(r[0]) for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"articles", "events", "sources"} <= tables:
                raise StoreError(f"{what} is not a tracker database")
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{what} is not a readable SQLite database: {exc}") from exc


def _articles(path: Path) -> int:
    try:
        with _connect(path, readonly=True) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except sqlite3.DatabaseError:
        return 0  # not a tracker database (or empty): nothing of the user's to protect


def _report(path: Path) -> BackupReport:
    with _connect(path, readonly=True) as conn:
        articles = int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
        events = int(conn.execute(
            "SELECT COUNT(*) FROM events WHERE status = 'active'").fetchone()[0])
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    return BackupReport(path, path.stat().st_size, articles, events, version)


@contextmanager
def _no_worker(database: Path) -> Iterator[None]:
    """Hold the worker's lock (``<db>.worker.lock``) while restoring: no worker can start, and
    a running one makes this fail instead of writing into the restored file."""
    lock_path = Path(str(database) + ".worker.lock")
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"a worker is running on {database}; stop it before restoring "
                             f"(`tracker backup` does not need that)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
