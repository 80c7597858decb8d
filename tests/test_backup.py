"""Backups while the worker writes, restores that refuse to do harm, and a database that
cannot take writes (read-only, full) giving a clear error and staying sound."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tracker.cli import main
from tracker.errors import StoreError
from tracker.ingest import Ingestor
from tracker.models import Article
from tracker.parse import read_jsonl
from tracker.store import Store
from tracker.store.backup import backup, restore
from tracker.store.db import describe_database_error


def _article(n: int) -> Article:
    return Article(id=f"generated-{n}", title=f"Report {n}",
                   text=f"Negotiators met in Geneva on March {1 + n % 27}, 2025, for round {n} "
                        f"of talks about a ceasefire, officials said.")


def _counts(path: Path) -> tuple[int, int]:
    with Store(path) as s:
        counts = s.counts()
        assert s.integrity_errors() == []
    return counts["articles"], counts["mentions"]


def test_backup_while_a_writer_stores_articles_is_a_sound_snapshot(
        examples_db: Path, tmp_path: Path) -> None:
    stop = threading.Event()

    def write() -> None:
        with Store(examples_db) as s:
            ingestor = Ingestor(s)
            n = 0
            while not stop.is_set():
                ingestor.ingest([_article(n)])
                n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        reports = [backup(examples_db, tmp_path / f"copy-{i}.db") for i in range(3)]
    finally:
        stop.set()
        writer.join()
    for report in reports:
        articles, mentions = _counts(report.path)
        assert articles >= 14 and mentions > 0
        assert report.articles == articles
    assert not list(tmp_path.glob(".*partial"))


def test_backup_into_a_folder_gets_a_dated_name(examples_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    report = backup(examples_db, folder)
    assert report.path.parent == folder and report.path.name.startswith("examples-")
    assert _counts(report.path) == _counts(examples_db)


def test_restore_brings_back_what_was_backed_up(examples_db: Path, tmp_path: Path) -> None:
    saved = backup(examples_db, tmp_path / "saved.db")
    fresh = tmp_path / "fresh.db"
    report = restore(saved.path, fresh)
    assert report.articles == saved.articles and report.events == saved.events
    assert _counts(fresh) == _counts(examples_db)


def test_restore_does_not_replace_articles_without_force(examples_db: Path,
                                                          tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    Store(empty).close()
    saved = backup(empty, tmp_path / "empty-backup.db")
    with pytest.raises(StoreError, match="--force"):
        restore(saved.path, examples_db)
    restore(saved.path, examples_db, force=True)
    assert _counts(examples_db) == (0, 0)


def test_restore_refuses_while_a_worker_holds_the_database(examples_db: Path,
                                                          tmp_path: Path) -> None:
    saved = backup(examples_db, tmp_path / "saved.db")
    with open(str(examples_db) + ".worker.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(StoreError, match="worker is running"):
            restore(saved.path, examples_db, force=True)


def test_restore_refuses_what_is_not_a_sound_tracker_database(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + os.urandom(5000))
    with pytest.raises(StoreError, match="backup"):
        restore(garbage, tmp_path / "target.db")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()
    with pytest.raises(StoreError, match="not a tracker database"):
        restore(other, tmp_path / "target.db")


def test_backup_and_restore_commands(examples_db: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "copy.db"
    assert main(["--db", str(examples_db), "backup", str(copy)]) == 0
    assert "backed up 14 articles" in capsys.readouterr().out
    target = tmp_path / "restored.db"
    assert main(["--db", str(target), "restore", str(copy)]) == 0
    assert "restored 14 articles" in capsys.readouterr().out
    assert main(["--db", str(target), "restore", str(copy)]) == 1
    assert "add --force" in capsys.readouterr().err


def test_a_full_disk_is_a_clear_error_and_keeps_the_database_sound(db_path: Path) -> None:
    with Store(db_path) as s:
        Ingestor(s).ingest([_article(0)])
        pages = s.db.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own "disk is full": the file may not grow past a few more pages.
        s.db.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(sqlite3.OperationalError) as caught:
            Ingestor(s).ingest(read_jsonl(EXAMPLES))
        message = describe_database_error(caught.value, db_path)
        assert message is not None and "disk is full" in message
    articles, _ = _counts(db_path)
    assert articles >= 1


@pytest.fixture
def readonly_database(_examples_db_master: Path, tmp_path: Path) -> Iterator[Path]:
    """The examples database in a folder that cannot be written: by permissions for a normal
    user, by a read-only bind mount for root (whom permissions do not stop)."""
    with Store(_examples_db_master) as s:
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    folder = tmp_path / "readonly"
    folder.mkdir()
    path = folder / "tracker.db"
    shutil.copy(_examples_db_master, path)
    for name in ("tracker.db-wal", "tracker.db-shm"):  # WAL readers need them to exist
        (folder / name).touch()
    if os.geteuid() != 0:
        for file in folder.iterdir():
            file.chmod(stat.S_IRUSR)
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        yield path
        folder.chmod(stat.S_IRWXU)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)],
                             capture_output=True).returncode == 0
    if mounted:
        mounted = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)],
                                 capture_output=True).returncode == 0
        if not mounted:
            subprocess.run(["umount", str(folder)], check=False)
    if not mounted:
        pytest.skip("running as root without permission to mount a read-only folder")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.slow
def test_a_readonly_database_is_a_clear_error(readonly_database: Path, tmp_path: Path) -> None:
    article = tmp_path / "new.txt"
    article.write_text("Talks resumed in Vienna on May 20, 2025, the ministry said.\n")
    done = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "--db", str(readonly_database), "ingest",
         "--published", "2025-05-21", "--processes", "0", str(article)],
        capture_output=True, text=True, timeout=120, cwd=str(ROOT),
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert lines and lines[-1].startswith("tracker: error: database ")
    assert "read-only" in lines[-1] and "internal error" not in done.stderr
    assert _counts_readonly(readonly_database) == 14


def _counts_readonly(path: Path) -> int:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    finally:
        conn.close()
