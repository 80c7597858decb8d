"""The README's CLI and HTTP API tables are true: every row is run.

Each command of the CLI table runs for real against a database of the bundled examples (the
servers start and stop), and every option a row names is one its `--help` lists. Each route of
the API table is asked for real, with ids from that database, and answers without a server
error. A command or route added to the README without a way to run it here fails the test.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tracker.store import Store
from web import create_app

README = (ROOT / "README.md").read_text(encoding="utf-8")
TOKEN = "readme-token-0123456789"


def _table(heading: str) -> list[str]:
    """The first cells of the table under ``heading``."""
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [line.split(" | ")[0].removeprefix("| ") for line in section.splitlines()
            if line.startswith("| `")]


def documented_commands() -> dict[tuple[str, ...], set[str]]:
    """Each command the CLI table names (its words after ``tracker``), with the options its
    rows name."""
    found: dict[tuple[str, ...], set[str]] = {}
    for cell in _table("CLI reference"):
        parent: tuple[str, ...] = ()
        for code in re.findall(r"`([^`]+)`", cell):
            if code.startswith("tracker "):
                words = []
                for word in code.split()[1:]:
                    if not re.fullmatch(r"[a-z]+", word):
                        break
                    words.append(word)
                command = tuple(words)
                parent = command[:-1]
            elif re.fullmatch(r"[a-z]+", code) and parent:
                command = (*parent, code)  # "`tracker source list`, `show`, `enable`"
            else:
                continue
            found.setdefault(command, set()).update(re.findall(r"--[a-z][a-z-]*", code))
    return found


def test_the_cli_table_names_the_commands_there_are() -> None:
    commands = documented_commands()
    assert ("export",) in commands and ("status",) in commands and ("source", "add") in commands
    assert len(commands) >= 20


@pytest.mark.parametrize("command", sorted(documented_commands()), ids=" ".join)
def test_every_option_a_cli_row_names_is_in_the_commands_help(command: tuple[str, ...]
                                                               ) -> None:
    result = subprocess.run([sys.executable, "-m", "tracker.cli", *command, "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for option in sorted(documented_commands()[command]):
        assert re.search(rf"{option}\b", result.stdout), (command, option)


def _runs(tmp: Path) -> dict[tuple[str, ...], list[str]]:
    """A real invocation of each command, in an order that makes sense one after the other."""
    (tmp / "sources.toml").write_text(f'[[source]]\npath = "{EXAMPLES}"\nkind = "jsonl"\n'
                                      f'name = "Bundled examples"\n')
    return {
        ("init",): [],
        ("ingest",): [str(EXAMPLES), "--no-progress", "--processes", "0"],
        ("export",): ["--format", "ndjson", "--kind", "diplomacy"],
        ("timeline",): ["--top", "3", "--sentences", "1"],
        ("annotate",): ["--dct", "2025-05-16", "--language", "en"],
        ("source", "add"): [str(EXAMPLES), "--kind", "jsonl", "--name", "Bundled examples"],
        ("source", "sync"): ["--config", str(tmp / "sources.toml")],
        ("source", "list"): ["--format", "json"],
        ("source", "show"): ["Bundled examples"],
        ("source", "disable"): ["Bundled examples"],
        ("source", "enable"): ["Bundled examples"],
        ("worker",): ["--once", "--processes", "0"],
        ("status",): ["--format", "text"],
        ("runs",): ["--source", "Bundled examples"],
        ("reprocess",): ["--all", "--no-progress", "--processes", "0"],
        ("completion",): ["bash"],
        ("backup",): [str(tmp / "copy.db")],
        ("restore",): [str(tmp / "copy.db"), "--force"],
        ("source", "remove"): ["Bundled examples"],
        ("serve",): [],
        ("run",): [],
    }


def _serve_briefly(command: list[str], env: dict[str, str]) -> None:
    """Start a server command, wait for the line saying where it serves, stop it with Ctrl-C."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "http://127.0.0.1:" in line:
                break
        else:
            raise AssertionError("no URL printed")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert proc.returncode == 0


def test_every_cli_row_runs(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    missing = set(documented_commands()) - set(runs)
    assert not missing, f"README commands this test cannot run yet: {sorted(missing)}"
    db = tmp_path / "readme.db"
    env = {**os.environ, "TRACKER_DB": str(db)}
    port = 0
    for command, args in runs.items():
        invocation = [sys.executable, "-m", "tracker.cli", *command, *args]
        if command in (("serve",), ("run",)):
            import socket

            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            _serve_briefly([*invocation, "--port", str(port)], env)
            continue
        stdin = "Talks resumed on Friday in Istanbul." if command == ("annotate",) else None
        result = subprocess.run(invocation, capture_output=True, text=True, timeout=300,
                                input=stdin, env=env)
        assert result.returncode == 0, (command, result.stderr)


def documented_routes() -> list[tuple[str, str]]:
    """(method, path) of each route the API table names."""
    routes = []
    for cell in _table("HTTP API"):
        pending: list[str] = []  # "`GET`/`DELETE /api/sources/<id>`": both methods
        for token in re.findall(r"`([^`]+)`", cell):
            # "<id or name>" is one placeholder
            token = re.sub(r"<[^>]*>", lambda m: m.group(0).replace(" ", "_"), token)
            parts = token.split()
            if len(parts) == 1 and parts[0] in ("GET", "POST", "DELETE"):
                pending.append(parts[0])
                continue
            if parts[0] in ("GET", "POST", "DELETE") and parts[1].startswith("/"):
                methods, path = [*pending, parts[0]], parts[1]
            elif parts[0].startswith("/"):
                methods, path = pending or ["GET"], parts[0]
            else:
                continue
            pending = []
            routes += [(method, _concrete_query(path)) for method in methods]
    return routes


EXAMPLE_VALUES = {"updated_since": "2020-01-01T00:00:00Z"}


def _concrete_query(path: str) -> str:
    """The path with the query parameters a row gives a value (``?view=map``), placeholders
    (``from=``, ``<filters>``, ``sort=date|title``) left out, ``updated_since`` given a time."""
    base, _, query = path.partition("?")
    kept = []
    for pair in query.split("&") if query else []:
        key, _, value = pair.partition("=")
        if key in EXAMPLE_VALUES:
            kept.append(f"{key}={EXAMPLE_VALUES[key]}")
        elif value and not re.search(r"[<|\\]", value) and not value.isupper():
            kept.append(pair)
    return f"{base}?{'&'.join(kept)}" if kept else base


def test_every_api_row_answers(examples_db: Path) -> None:
    with Store(examples_db) as store:
        ids = {table: store.db.execute(f"SELECT id FROM {table} LIMIT 1").fetchone()[0]
               for table in ("events", "articles", "entities")}
    app = create_app({"DATABASE": str(examples_db), "TESTING": True, "API_TOKEN": TOKEN})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = client.post("/api/sources", headers=auth,
                          json={"url": "https://news.example.org/rss.xml"})
    assert created.status_code == 201
    ids["sources"] = created.get_json()["source"]["id"]
    routes = documented_routes()
    assert ("GET", "/api/events?key=1") in routes and ("DELETE", "/api/sources/<id>") in routes
    for method, template in sorted(routes, key=lambda r: r[0] == "DELETE"):
        path = template.replace("<scope>_<110\\|50>m.json", "world_110m.json")
        path = path.replace("enable\\|disable", "enable")
        for table, value in ids.items():
            if f"/{table}/<" in path:
                path = re.sub(rf"/{table}/<[^>]+>", f"/{table}/{value}", path)
        assert "<" not in path, template
        answer = client.open(path, method=method, headers=auth,
                             json={"url": "https://news.example.org/rss.xml"}
                             if method == "POST" else None)
        assert answer.status_code < 500, (method, template, answer.status_code)
        if template.startswith("/topojson/"):
            assert answer.status_code in (200, 404)  # 404 says how to install them
        else:
            assert answer.status_code in (200, 201), (method, template, answer.status_code)
