"""Sources from a TOML file: `tracker source sync --config sources.toml` adds, updates, prunes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tracker.config import (
    ALLOW_PRIVATE_NETWORKS_SETTING,
    apply_config,
    load_config,
    read_config,
    sync_sources,
)
from tracker.errors import InputError
from tracker.sources import url_policy
from tracker.store import Store
from tracker.store import sources as table

CONFIG = f"""
[defaults]
interval = 1800
language = "en"

[[source]]
url = "https://news.example.org/world/rss.xml"
name = "World News"
interval = 900

[[source]]
url = "https://paper.example.net/politics"
kind = "page"
language = "fr"
fetch_pages = false

[[source]]
path = "{EXAMPLES.name}"
kind = "jsonl"
name = "Bundled examples"
enabled = false
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_file_lists_sources_with_defaults_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / EXAMPLES.name).write_bytes(EXAMPLES.read_bytes())
    specs = load_config(write(tmp_path, CONFIG))
    assert [(s.kind, s.name, s.interval, s.language, s.fetch_pages, s.enabled) for s in specs] == [
        (None, "World News", 900, "en", True, True),
        ("page", None, 1800, "fr", False, True),
        ("jsonl", "Bundled examples", 1800, "en", True, False),
    ]
    assert specs[2].target == str(tmp_path / EXAMPLES.name)  # relative to the file


def test_sync_adds_then_updates_then_prunes(tmp_path: Path, store: Store) -> None:
    (tmp_path / EXAMPLES.name).write_bytes(EXAMPLES.read_bytes())
    first = sync_sources(store, load_config(write(tmp_path, CONFIG)))
    assert (len(first.added), len(first.updated), len(first.unchanged)) == (3, 0, 0)
    assert sync_sources(store, load_config(write(tmp_path, CONFIG))).summary() == (
        "sources: 0 added, 0 updated, 3 unchanged, 0 disabled")

    shorter = CONFIG.split("[[source]]")
    edited = "[[source]]".join(shorter[:2]).replace("interval = 900", "interval = 600")
    report = sync_sources(store, load_config(write(tmp_path, edited)), prune=True)
    assert [s.name for s in report.updated] == ["World News"]
    assert sorted(s.kind for s in report.disabled) == ["page"]  # the jsonl one was off already
    by_name = {s.name: s for s in table.all_sources(store)}
    assert by_name["World News"].interval == 600
    assert len(by_name) == 3  # pruned sources are disabled, not deleted: history stays
    assert [s.name for s in table.enabled_sources(store)] == ["World News"]


@pytest.mark.parametrize(("text", "fragment"), [
    ("[[source]]\nurl = 'https://a.example/rss'\ninterval = 'hourly'", "source 1: interval"),
    ("[[source]]\nurl = 'https://a.example/rss'\ninterval = 5", "interval must be between"),
    ("[[source]]\nname = 'x'", "exactly one of url or path"),
    ("[[source]]\nurl = 'https://a.example/rss'\npath = 'x'", "exactly one of url or path"),
    ("[[source]]\nurl = 'https://a.example/rss'\ncolour = 'red'", "unknown key 'colour'"),
    ("[[source]]\nurl = 'https://a.example/rss'\nkind = 'podcast'", "kind must be one of"),
    ("[[source]]\nurl = 'https://a.example/rss'\n[[source]]\nurl = 'https://a.example/rss'",
     "source 2: same source as"),
    ("[sources]\nurl = 'x'", "unknown section 'sources'"),
    ("[network]\nallow_private_networks = 'yes'", "allow_private_networks must be bool"),
    ("[network]\nproxy = 'x'", "unknown key 'proxy'"),
    ("[[source]\nurl = ", "not valid TOML"),
    ("[[source]]\npath = 'missing-folder'", "no such file or directory"),
])
def test_a_bad_config_is_refused_naming_the_entry_and_field(
        tmp_path: Path, store: Store, text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        sync_sources(store, load_config(write(tmp_path, text)))
    assert table.all_sources(store) == []  # all or nothing


def test_source_sync_command(tmp_path: Path, db_path: Path) -> None:
    (tmp_path / EXAMPLES.name).write_bytes(EXAMPLES.read_bytes())
    config = write(tmp_path, CONFIG)
    result = subprocess.run([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                             "source", "sync", "--config", str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("added\t") == 3
    assert "3 added" in result.stderr
    missing = subprocess.run([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                              "source", "sync", "--config", str(tmp_path / "nope.toml")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "nope.toml: no such file" in missing.stderr


def test_the_private_network_setting_is_written_for_the_worker(tmp_path: Path,
                                                                store: Store) -> None:
    (tmp_path / EXAMPLES.name).write_bytes(EXAMPLES.read_bytes())
    allowed = read_config(write(tmp_path, "[network]\nallow_private_networks = true\n" + CONFIG))
    assert allowed.allow_private_networks
    apply_config(store, allowed)
    assert store.get_setting(ALLOW_PRIVATE_NETWORKS_SETTING) == "1"
    # Taken out of the file, the setting goes back to its safe default.
    apply_config(store, read_config(write(tmp_path, CONFIG)))
    assert store.get_setting(ALLOW_PRIVATE_NETWORKS_SETTING) == "0"


@pytest.mark.network_policy
def test_the_database_setting_decides_the_url_policy_unless_the_environment_allows(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not url_policy(store).allow_private  # the safe default
    store.set_setting(ALLOW_PRIVATE_NETWORKS_SETTING, "1")
    assert url_policy(store).allow_private
    store.set_setting(ALLOW_PRIVATE_NETWORKS_SETTING, "0")
    monkeypatch.setenv("TRACKER_ALLOW_PRIVATE_NETWORKS", "1")
    assert url_policy(store).allow_private
