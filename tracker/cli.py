"""The `tracker` command: ingest, export, serve, worker, sources, reprocess, annotate, run.

Scripts outside the project call these commands, so their options and outputs are a contract
(see README). Every user error is one line on stderr and a non-zero exit, never a traceback.
The web server and the worker live in ``web`` and ``jobs``, which add their commands
(`serve`, `run`, `worker`) through an entry-point group, so the core never imports them.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from tracker import __version__, settings
from tracker.dates import parse_iso_date
from tracker.errors import InputError, TrackerError
from tracker.extract.pool import ExtractionPool, default_processes
from tracker.ingest import Ingestor, IngestReport
from tracker.models import EVENT_KINDS, SourceKind
from tracker.store import Store
from tracker.store.db import describe_database_error
from tracker.urlpolicy import redact_url

DEFAULT_DB = "tracker.db"
EXIT_USAGE = 2


def default_db() -> str:
    return os.environ.get("TRACKER_DB") or DEFAULT_DB


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors in the one form every error of ours has."""

    def error(self, message: str) -> Any:  # argparse's signature: it never returns
        where = self.prog.removeprefix("tracker").strip()
        hint = f"tracker {where} --help" if where else "tracker --help"
        self.exit(EXIT_USAGE, f"tracker: error: {message} (see {hint})\n")


DB_HELP = f"database file (default: $TRACKER_DB, else ./{DEFAULT_DB})"


def _db_everywhere(parser: argparse.ArgumentParser) -> None:
    """``--db`` after any command name as well as before it (``tracker export --db x``): each
    subcommand takes it too, and sets it only when given."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if not any("--db" in a.option_strings for a in child._actions):
                    child.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH",
                                       help=DB_HELP)
                _db_everywhere(child)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tracker",
        description="Follow news stories over time: ingest articles, find dated events, "
                    "serve a timeline.",
    )
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    parser.add_argument("--db", default=None, metavar="PATH", help=DB_HELP)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create or upgrade the database")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("ingest", help="ingest files, folders, JSON lines, feeds or pages")
    p.add_argument("targets", nargs="+", metavar="TARGET",
                   help="a .txt/.html file, a folder, a .jsonl file, a feed URL or a page URL")
    p.add_argument("--published", metavar="YYYY-MM-DD",
                   help="publication day of the files, pages and JSON-lines records that "
                        "carry none (default: a file's modification time; a record without "
                        "one is refused)")
    p.add_argument("--source", metavar="NAME", help="outlet name to record for these articles")
    p.add_argument("--kind", choices=["feed", "page"],
                   help="what a URL is (default: a feed when the URL says rss, atom, feed or "
                        ".xml, else whatever the content is)")
    p.add_argument("--no-progress", action="store_true", help="no progress line on a terminal")
    add_processes_option(p)
    p.set_defaults(func=cmd_ingest)

    from tracker.exports import DEFAULT as DEFAULT_FORMAT
    from tracker.exports import FORMATS

    p = sub.add_parser("export", help="write the timeline (or the events of filters) to stdout",
                       description="The same filters as /api/events and /api/export.")
    p.add_argument("--format", choices=list(FORMATS), default=DEFAULT_FORMAT,
                   help=f"the output's format (default {DEFAULT_FORMAT})")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                   help="events that end on or after this day")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                   help="events that start on or before this day")
    p.add_argument("--q", metavar="TEXT",
                   help="full-text search: plain words, or SQLite FTS5 syntax")
    p.add_argument("--kind", choices=EVENT_KINDS, metavar="KIND",
                   help=f"one kind of event: {', '.join(EVENT_KINDS)} (default: every kind)")
    p.add_argument("--entity", metavar="NAME", help="events naming this person, place or org")
    p.add_argument("--place", metavar="NAME", help="events naming this place")
    p.add_argument("--source", metavar="NAME",
                   help="events reported by this source (id or name) or outlet")
    p.add_argument("--precision", metavar="P", help="events dated to this precision: "
                   "time, day, week, month, quarter, season, year, decade, century, reported")
    p.add_argument("--min-sources", type=int, default=0, metavar="N",
                   help="events reported by at least N outlets (default 0: any)")
    add_confidence_option(p)
    p.add_argument("--output", metavar="FILE",
                   help="write to FILE (replaced whole, only once complete) instead of stdout")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("timeline", help="the key events: most important first, one per day")
    p.add_argument("--top", type=int, default=10, metavar="K",
                   help="how many key events (default 10)")
    p.add_argument("--sentences", type=int, default=3, metavar="L",
                   help="at most L summary sentences per event (default 3)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                   help="key events that end on or after this day (default: no limit)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                   help="key events that start on or before this day (default: no limit)")
    p.add_argument("--format", choices=["json", "text"], default="text",
                   help="text for people, json for programs (default text)")
    add_confidence_option(p)
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("annotate", help="tag temporal expressions (TIMEX3) as JSON lines")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--dct", metavar="YYYY-MM-DD", help="reference date; text on stdin")
    group.add_argument("--batch", metavar="FILE",
                       help='JSON lines {"id", "dct", "text"} with an optional "language"')
    p.add_argument("--language", metavar="CODE",
                   help="language of the text, e.g. ru, uk, tr (default en; in --batch, the "
                        "default for lines without one)")
    p.set_defaults(func=cmd_annotate)

    src = sub.add_parser("source", help="manage the sources the worker polls")
    ssub = src.add_subparsers(dest="source_command", required=True, metavar="ACTION")
    p = ssub.add_parser("add", help="add a feed, page, folder or JSON-lines file "
                                    "(again: change the settings given, keep the others)")
    p.add_argument("target", metavar="URL_OR_PATH")
    p.add_argument("--kind", choices=["feed", "page", "dir", "jsonl", "file"],
                   help="guessed from the URL or path when omitted")
    p.add_argument("--name", help="the outlet's name (default: the host or file name)")
    p.add_argument("--interval", type=int, default=None, metavar="SECONDS",
                   help="seconds between polls, at least 60 (default 3600)")
    p.add_argument("--language", default=None,
                   help="two-letter language code of its articles (default en, which lets what "
                        "a feed or page declares, or the text's letters, decide)")
    p.add_argument("--fetch-pages", action=argparse.BooleanOptionalAction, default=None,
                   help="fetch each feed entry's article page; --no-fetch-pages keeps the "
                        "feed's summaries (default: fetch)")
    p.add_argument("--published", metavar="YYYY-MM-DD",
                   help="publication day of its files and records that carry none (default: "
                        "a file's modification time; a record without one is refused)")
    p.add_argument("--disabled", action="store_true", help="add it switched off")
    p.set_defaults(func=cmd_source_add)
    p = ssub.add_parser("sync", help="add or update the sources a TOML file lists")
    p.add_argument("--config", required=True, metavar="FILE", help="a sources.toml file")
    p.add_argument("--prune", action="store_true",
                   help="disable the sources the file does not list")
    p.set_defaults(func=cmd_source_sync)
    p = ssub.add_parser("list", help="list sources")
    p.add_argument("--format", choices=["json", "text"], default="text",
                   help="text for people, json for programs (default text)")
    p.set_defaults(func=cmd_source_list)
    for action, help_text in (("show", "show one source"), ("remove", "remove a source"),
                              ("enable", "enable a source"), ("disable", "disable a source")):
        p = ssub.add_parser(action, help=help_text)
        p.add_argument("ref", metavar="ID_URL_OR_NAME")
        p.set_defaults(func=cmd_source_action, action=action)

    p = sub.add_parser("status", help="the database, its counts, sources and their health, "
                                      "the worker's heartbeat and the last runs")
    p.add_argument("--format", choices=["json", "text"], default="text",
                   help="text for people, json for programs (default text)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("runs", help="the latest runs (polls, ingests), newest first")
    p.add_argument("--source", metavar="ID_URL_OR_NAME", help="only this source's polls")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="how many runs (default 20)")
    p.add_argument("--format", choices=["json", "text"], default="text",
                   help="text for people, json for programs (default text)")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("completion", help="a shell completion script for tracker",
                       description="Print a completion script. Bash: "
                                   "tracker completion bash > ~/.local/share/bash-completion/"
                                   "completions/tracker; zsh: tracker completion zsh > "
                                   "\"${fpath[1]}/_tracker\".")
    p.add_argument("shell", choices=["bash", "zsh", "tcsh"], help="the shell to complete in")
    p.set_defaults(func=cmd_completion)

    p = sub.add_parser("backup", help="copy the database safely, even while the worker runs")
    p.add_argument("destination", metavar="PATH",
                   help="the backup file to write, or a folder to put a dated backup in")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database's content with a backup's")
    p.add_argument("backup", metavar="BACKUP", help="a file written by `tracker backup`")
    p.add_argument("--force", action="store_true",
                   help="replace a database that holds articles (default: refuse)")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("reprocess", help="re-extract stored articles after an extractor upgrade")
    p.add_argument("--all", action="store_true", dest="everything",
                   help="every article, not only those of an older extractor version")
    p.add_argument("--no-progress", action="store_true", help="no progress line on a terminal")
    add_processes_option(p)
    p.set_defaults(func=cmd_reprocess)
    _add_plugin_commands(sub)
    _db_everywhere(parser)
    return parser


PLUGIN_GROUP = "tracker.commands"


def _add_plugin_commands(sub: Any) -> None:
    """Commands that live outside the core (``serve``/``run`` in ``web``, ``worker`` in ``jobs``).

    They register through the ``tracker.commands`` entry-point group, so the core never imports
    the packages that depend on it.
    """
    for entry_point in sorted(metadata.entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        entry_point.load()(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings.apply()  # the optional tracker.toml, beneath the environment and the options
    except TrackerError as exc:
        return _fail(str(exc), args.debug)
    args.db = args.db or default_db()
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "waitress.queue",
                      "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        result: int = args.func(args)
        return result
    except TrackerError as exc:
        return _fail(str(exc), args.debug)
    except sqlite3.DatabaseError as exc:
        message = describe_database_error(exc, args.db)
        if message is None:
            if args.debug:
                raise
            message = f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)"
        return _fail(message, args.debug)
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if args.debug:
            raise
        return _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)", False)


def _fail(message: str, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exc()
    print(f"tracker: error: {message.splitlines()[0] if message else 'failed'}", file=sys.stderr)
    return 1


def open_store(args: argparse.Namespace) -> Store:
    """The database named by ``--db``, created and migrated if needed."""
    return _open(args)


def _open(args: argparse.Namespace, *, create: bool = True) -> Store:
    """The database of ``--db``; with ``create=False`` (the commands that only read or change
    what is there) a missing file is an error that names the databases nearby, never a new
    empty database."""
    path = Path(args.db)
    if not create and not path.exists():
        raise InputError(missing_database(path))
    return Store(path)


KNOWN_DATABASES = ("var/tracker.db", DEFAULT_DB)  # `make run`'s, then this command's default


def missing_database(path: Path) -> str:
    """'no database at …', with the database the user may have meant."""
    candidates = [Path(c) for c in (os.environ.get("TRACKER_DB"), *KNOWN_DATABASES) if c]
    found = [c for c in candidates if c.is_file() and c.resolve() != path.resolve()]
    if found:
        return f"no database at {path}; did you mean --db {found[0]}?"
    return (f"no database at {path}; create it with `tracker init` (or `tracker ingest`), "
            f"or name another with --db or TRACKER_DB")


def _date_arg(value: str | None, option: str) -> Any:
    if value is None:
        return None
    try:
        return parse_iso_date(value)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


# ---------------------------------------------------------------- commands

def cmd_init(args: argparse.Namespace) -> int:
    with _open(args) as store:
        print(f"{args.db}: schema version {store.schema_version}, "
              f"{store.counts()['articles']} articles")
    return 0


class _ProgressLine:
    """A one-line progress display on a terminal, redrawn at most five times a second."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self.last = 0.0
        self.base = IngestReport()

    def __call__(self, report: IngestReport) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        seen = self.base.seen + report.seen
        rate = report.seen / report.seconds if report.seconds > 0 else 0.0
        self.stream.write(f"\r{seen} articles: {self.base.new + report.new} new, "
                          f"{self.base.unchanged + report.unchanged} unchanged, "
                          f"{self.base.failed + report.failed} failed ({rate:.1f}/s)   ")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def add_processes_option(p: argparse.ArgumentParser) -> None:
    """``--processes N``, for the commands that extract (``worker`` registers it too)."""
    p.add_argument("--processes", type=int, default=None, metavar="N",
                   help="processes that extract articles beside the one that stores, for long "
                        "inputs (default: one per core when there are several; 0: none)")


def processes_option(args: argparse.Namespace) -> int | None:
    """The ``--processes`` given, checked; None when not given (one per core)."""
    if args.processes is not None and not 0 <= args.processes <= 64:
        raise InputError(f"--processes must be between 0 and 64, got {args.processes}")
    processes: int | None = args.processes
    return processes


def _extraction_pool(args: argparse.Namespace) -> ExtractionPool:
    processes = processes_option(args)
    return ExtractionPool(default_processes() if processes is None else processes)


def cmd_ingest(args: argparse.Namespace) -> int:
    from tracker.fetch import Fetcher
    from tracker.sources import (
        articles_from_path,
        articles_from_url,
        guess_kind,
        is_url,
        url_policy,
    )

    published = _date_arg(args.published, "--published")
    progress = _ProgressLine(sys.stderr, not args.no_progress)
    total = IngestReport()
    started = time.monotonic()
    errors: list[str] = []
    problems: list[str] = []
    extraction = _extraction_pool(args)
    with _open(args) as store:
        _close_dead_runs(store)
        run_id = store.start_run("ingest")
        ingestor = Ingestor(store, progress=progress, extraction=extraction)
        fetcher: Fetcher | None = None
        try:
            for target in args.targets:
                progress.base = total
                try:
                    if is_url(target):
                        fetcher = fetcher or Fetcher(policy=url_policy(store))
                        # A URL that names a feed must be one: HTML there is an error, not a
                        # page to ingest by mistake.
                        kind: SourceKind | None = args.kind or (
                            "feed" if guess_kind(target) == "feed" else None)
                        fetched = articles_from_url(fetcher, target, published=published,
                                                    source_name=args.source, kind=kind)
                        report = ingestor.ingest(fetched.items)
                        # A broken feed kept in part, pages that failed: said, and the run
                        # is partial.
                        problems.extend(f"{target}: {p}" for p in fetched.problems)
                    else:
                        path = Path(target)
                        if not path.exists():
                            raise InputError(f"{target}: no such file or directory")
                        report = ingestor.ingest(articles_from_path(
                            path, published=published, source_name=args.source))
                except TrackerError as exc:
                    errors.append(str(exc))
                    continue
                total.add(report)
        finally:
            extraction.close()
            if fetcher:
                fetcher.close()
            progress.done()
            total.seconds = time.monotonic() - started
            failed_targets = len(errors)
            status = "failed" if failed_targets == len(args.targets) else (
                "partial" if errors or problems or total.failed else "ok")
            store.finish_run(run_id, status=status, n_new=total.new + total.changed,
                             n_unchanged=total.unchanged, n_failed=total.failed + failed_targets,
                             n_events=total.events,
                             error=(errors + problems)[0] if errors or problems else None,
                             detail=(errors + problems + total.failures)[:100])
    for failure in total.failures:
        print(f"tracker: skipped: {failure}", file=sys.stderr)
    for problem in problems:
        print(f"tracker: warning: {problem}", file=sys.stderr)
    for error in errors:
        print(f"tracker: error: {error}", file=sys.stderr)
    print(total.summary(), file=sys.stderr)
    return 1 if errors or (total.failed and not (total.new or total.changed or total.unchanged)) \
        else 0


def _close_dead_runs(store: Store) -> None:
    """Runs of processes that died (a killed ingest, worker or reprocess) are closed as
    interrupted by the next process that writes, so none stays "running" forever."""
    from tracker.store.sources import close_dead_runs

    closed = close_dead_runs(store)
    if closed:
        logging.getLogger("tracker").info("closed %d runs whose process had stopped", closed)


def add_confidence_option(p: argparse.ArgumentParser) -> None:
    from tracker.confidence import MIN_CONFIDENCE

    p.add_argument("--min-confidence", type=float, default=MIN_CONFIDENCE, metavar="C",
                   help=f"leave out events less sure than C, 0 to 1 (default {MIN_CONFIDENCE}; "
                        f"0 brings back every stored event)")


def _confidence_arg(value: float) -> float:
    if not 0 <= value <= 1:
        raise InputError(f"--min-confidence must be between 0 and 1, got {value}")
    return value


def _export_filter(args: argparse.Namespace) -> Any:
    """The ``EventFilter`` of ``tracker export``'s options, checked as ``/api/export`` checks
    its parameters."""
    from tracker.query import PRECISIONS, EventFilter, search_syntax_error

    date_from = _date_arg(args.date_from, "--from")
    date_to = _date_arg(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise InputError("--from must not be after --to")
    texts: dict[str, str | None] = {}
    for option in ("q", "kind", "entity", "place", "source", "precision"):
        value = (getattr(args, option) or "").strip()
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise InputError(f"--{option} must not contain control characters")
        texts[option] = value or None
    q = texts["q"]
    if q is not None and not any(word.strip('"') for word in q.split()):
        q = None  # nothing but quotes: no search, as the API reads it
    problem = search_syntax_error(q)
    if problem:
        raise InputError(f"--q: {problem} (plain words, or SQLite FTS5 syntax: "
                         f'"a phrase", word*, AND, OR, NOT, title: word)')
    if texts["precision"] is not None and texts["precision"] not in PRECISIONS:
        raise InputError(f"--precision must be one of {', '.join(PRECISIONS)}, "
                         f"got {texts['precision']!r}")
    if args.min_sources < 0:
        raise InputError(f"--min-sources must be 0 or more, got {args.min_sources}")
    return EventFilter(date_from=date_from, date_to=date_to, q=q, kind=texts["kind"],
                       entity=texts["entity"], place=texts["place"], source=texts["source"],
                       precision=texts["precision"], min_sources=args.min_sources,
                       min_confidence=_confidence_arg(args.min_confidence))


def cmd_export(args: argparse.Namespace) -> int:
    from tracker.exports import FORMATS, jsondoc

    f = _export_filter(args)
    target = Path(args.output) if args.output else None
    if target is not None and (target.is_dir() or not target.parent.is_dir()):
        raise InputError(f"--output {target}: not a file in an existing folder")
    with _open(args, create=False) as store, contextlib.ExitStack() as stack:
        # Streamed, a batch of events at a time: a year of events is never in memory at once.
        if args.format == "json":  # indented and UTF-8, as this command always wrote it
            pieces = jsondoc.pieces(store, f, indent=1, ensure_ascii=False)
        else:
            pieces = FORMATS[args.format].pieces(store, f)
        # Closed before the store is, also when the reader went away (a broken pipe), so the
        # export's own clean-up still has its connection.
        stack.callback(getattr(pieces, "close", lambda: None))
        # A one-off process: its modules' objects left out of the cycle collector's full
        # passes, which the export's millions of row tuples would otherwise set off again and
        # again (a few per cent of a large export).
        gc.freeze()
        if target is None:
            sys.stdout.flush()
            _write_pieces(pieces, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return 0
        # Atomic: written beside the target, which is replaced only once the file is whole.
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            with partial.open("wb") as out:
                _write_pieces(pieces, out)
                out.flush()
                os.fsync(out.fileno())  # on disk before it takes the name
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return 0


def _write_pieces(pieces: Any, out: Any, size: int = 1 << 16) -> None:
    """Text pieces written as UTF-8, about ``size`` characters a write."""
    buffer: list[str] = []
    held = 0
    for piece in pieces:
        buffer.append(piece)
        held += len(piece)
        if held >= size:
            out.write("".join(buffer).encode("utf-8"))
            buffer, held = [], 0
    out.write("".join(buffer).encode("utf-8"))


def cmd_timeline(args: argparse.Namespace) -> int:
    from tracker.query import top_events

    if args.top < 1:
        raise InputError("--top must be at least 1")
    if args.sentences < 0:
        raise InputError("--sentences must be 0 or more")
    date_from = _date_arg(args.date_from, "--from")
    date_to = _date_arg(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise InputError("--from must not be after --to")
    with _open(args, create=False) as store:
        events = top_events(store, args.top, sentences=args.sentences, date_from=date_from,
                            date_to=date_to, min_confidence=_confidence_arg(args.min_confidence))
    if args.format == "json":
        keys = ("date", "title", "summary", "score", "event_id")
        json.dump([{k: e[k] for k in keys} for e in events], sys.stdout, ensure_ascii=False,
                  indent=1)
        sys.stdout.write("\n")
    else:
        for e in events:
            print(f"{e['date']}  {e['score']:7.2f}  {e['title']}")
            for sentence in e["summary"]:
                print(f"            {sentence}")
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from tracker.timex.annotate import run_annotate

    return run_annotate(args.dct, args.batch, sys.stdin, sys.stdout, sys.stderr, args.language)


def cmd_source_add(args: argparse.Namespace) -> int:
    from tracker.sources import add_source

    with _open(args) as store:
        source = add_source(store, args.target, kind=args.kind, name=args.name,
                            interval=args.interval, language=args.language,
                            fetch_pages=args.fetch_pages,
                            enabled=False if args.disabled else None,
                            published=_date_arg(args.published, "--published"))
    print(f"{source.id}\t{source.kind}\t{source.name}\t{redact_url(source.url)}")
    return 0


def cmd_source_sync(args: argparse.Namespace) -> int:
    from tracker.config import apply_config, read_config

    config = read_config(Path(args.config))
    with _open(args) as store:
        report = apply_config(store, config, prune=args.prune)
    for label, group in (("added", report.added), ("updated", report.updated),
                         ("disabled", report.disabled)):
        for source in group:
            print(f"{label}\t{source.id}\t{source.kind}\t{source.name}\t"
                  f"{redact_url(source.url)}")
    print(report.summary(), file=sys.stderr)
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    from tracker.extract.mentions import EXTRACTOR_VERSION

    progress = _ProgressLine(sys.stderr, not args.no_progress)
    extraction = _extraction_pool(args)
    with _open(args, create=False) as store:
        todo = store.count_to_reprocess(EXTRACTOR_VERSION, everything=args.everything)
        _close_dead_runs(store)
        run_id = store.start_run("reprocess")
        report = IngestReport()
        try:
            report = Ingestor(store, progress=progress, extraction=extraction).reprocess(
                everything=args.everything)
        finally:
            extraction.close()
            progress.done()
            store.finish_run(run_id, status="partial" if report.failed else "ok",
                             n_new=report.changed, n_failed=report.failed,
                             n_events=report.events, detail=report.failures[:100])
    for failure in report.failures:
        print(f"tracker: skipped: {failure}", file=sys.stderr)
    print(f"reprocessed {report.changed} of {todo} articles (extractor version "
          f"{EXTRACTOR_VERSION}), {report.failed} failed; events changed: {report.events}; "
          f"time: {report.seconds:.1f}s", file=sys.stderr)
    return 1 if report.failed and not report.changed else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from tracker.store.backup import backup

    if not Path(args.db).exists():
        raise InputError(missing_database(Path(args.db)))
    report = backup(Path(args.db), Path(args.destination))
    print(f"backed up {report.articles} articles and {report.events} events "
          f"({report.bytes / 1e6:.1f} MB, schema {report.schema_version}) to {report.path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from tracker.store.backup import restore

    report = restore(Path(args.backup), Path(args.db), force=args.force)
    print(f"restored {report.articles} articles and {report.events} events into "
          f"{report.path} (schema {report.schema_version})")
    return 0


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab  # generates the script from this very parser, plugin commands included

    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from tracker import status

    with _open(args, create=False) as store:
        report = status.status(store)
    if args.format == "json":
        json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(status.status_text(report))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from tracker import sources as src
    from tracker import status

    if not 1 <= args.limit <= 10_000:
        raise InputError(f"--limit must be between 1 and 10000, got {args.limit}")
    with _open(args, create=False) as store:
        source_id = src.get_source(store, args.source).id if args.source else None
        found = status.runs(store, source_id=source_id, limit=args.limit)
    if args.format == "json":
        json.dump(found, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not found:
        print("no runs yet" + (f" of {args.source}" if args.source else ""))
    for run in found:
        print(status.run_line(run).strip())
    return 0


def cmd_source_list(args: argparse.Namespace) -> int:
    from tracker.query import list_sources

    with _open(args, create=False) as store:
        sources = list_sources(store)
    if args.format == "json":
        json.dump(sources, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not sources:
        print(f"no sources in {args.db}: add one with `tracker source add URL_OR_PATH`")
    for s in sources:
        state = "enabled" if s["enabled"] else "disabled"
        health = f"error: {s['last_error']}" if s["consecutive_failures"] else (
            f"ok {s['last_ok_at']}" if s["last_ok_at"] else "never polled")
        print(f"{s['id']}  {s['kind']:5}  {state:8}  every {s['interval']}s  "
              f"{s['articles']} articles  {s['name']}  ({health})")
    return 0


def cmd_source_action(args: argparse.Namespace) -> int:
    from tracker import sources as src
    from tracker.query import list_sources

    with _open(args, create=False) as store:
        if args.action == "remove":
            removed = src.remove_source(store, args.ref)
            print(f"removed {removed.id} {removed.name}")
            return 0
        if args.action in ("enable", "disable"):
            source = src.set_enabled(store, args.ref, args.action == "enable")
            print(f"{source.id} {'enabled' if source.enabled else 'disabled'}")
            return 0
        source = src.get_source(store, args.ref)
        row = next(s for s in list_sources(store) if s["id"] == source.id)
    json.dump(row, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
