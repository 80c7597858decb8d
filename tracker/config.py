"""Sources listed in a TOML file, applied to the database by `tracker source sync --config FILE`.

The database stays the one place the worker reads its sources from; the file is a convenient,
reviewable way to write them there (deployments keep it in version control). Syncing adds new
sources, updates the settings of known ones (their schedule, validators and history stay), and
with ``prune`` disables the sources the file no longer lists (disabled, not removed: their
articles and run history remain). Relative paths are relative to the file's folder. The format::

    [defaults]                  # optional; applies to every [[source]] below
    interval = 1800             # seconds between polls (>= 60)
    language = "en"
    fetch_pages = true          # fetch the page of summary-only feed entries

    [network]                   # optional
    allow_private_networks = false   # true: sources on private and loopback addresses may be
                                     # fetched (closed networks); the worker reads it from the
                                     # database, like TRACKER_ALLOW_PRIVATE_NETWORKS=1

    [[source]]
    url = "https://example.org/news/rss.xml"   # or: path = "archive/" (a folder or .jsonl file)
    kind = "feed"               # feed | page | dir | jsonl | file; guessed when omitted
    name = "Example News"
    interval = 900
    enabled = true

It does not fetch, schedule or watch the file for changes (run the sync again, e.g. from the
deployment script, after editing it).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from tracker.errors import InputError
from tracker.models import SourceKind
from tracker.sources import (
    ALLOW_PRIVATE_NETWORKS_SETTING,
    DEFAULT_INTERVAL,
    KINDS,
    Source,
    add_source,
)
from tracker.store import Store
from tracker.store import sources as table

_FIELDS = {"url", "path", "kind", "name", "interval", "language", "fetch_pages", "enabled",
           "published"}
_DEFAULT_FIELDS = {"interval", "language", "fetch_pages", "enabled"}
_NETWORK_FIELDS = {"allow_private_networks"}


@dataclass(frozen=True)
class SourceSpec:
    """One ``[[source]]`` entry, defaults applied, before validation by ``add_source``."""

    target: str
    kind: SourceKind | None
    name: str | None
    interval: int
    language: str
    fetch_pages: bool
    enabled: bool
    where: str  # "sources.toml, source 3": for error messages
    published: date | None = None  # the publication day of its undated files and records


@dataclass(frozen=True)
class Config:
    """A whole sources.toml: its sources and its network setting."""

    sources: list[SourceSpec]
    allow_private_networks: bool = False


@dataclass
class SyncReport:
    added: list[Source] = field(default_factory=list)
    updated: list[Source] = field(default_factory=list)
    unchanged: list[Source] = field(default_factory=list)
    disabled: list[Source] = field(default_factory=list)

    def summary(self) -> str:
        return (f"sources: {len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.disabled)} disabled")


def load_config(path: Path) -> list[SourceSpec]:
    """The sources a TOML file lists. Raises ``InputError`` naming the file, entry and field."""
    return read_config(path).sources


def read_config(path: Path) -> Config:
    """The sources and settings a TOML file holds; ``InputError`` names what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"defaults", "source", "network"}
    if unknown:
        raise InputError(f"{path}: unknown section {sorted(unknown)[0]!r}; "
                         f"expected [defaults], [network] and [[source]]")
    network = _table(data, "network", _NETWORK_FIELDS, path)
    allow_private = _typed(network, "allow_private_networks", bool, f"{path}, [network]", False)
    defaults = _table(data, "defaults", _DEFAULT_FIELDS, path)
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise InputError(f"{path}: sources are [[source]] tables")
    base = path.resolve().parent
    specs = [_spec(entry, defaults, base, f"{path}, source {n}")
             for n, entry in enumerate(entries, start=1)]
    seen: dict[tuple[str | None, str], str] = {}
    for spec in specs:
        key = (spec.kind, spec.target)
        if key in seen:
            raise InputError(f"{spec.where}: same source as {seen[key]}")
        seen[key] = spec.where
    return Config(specs, allow_private_networks=allow_private)


def apply_config(store: Store, config: Config, *, prune: bool = False) -> SyncReport:
    """Sync the sources and write the network setting (absent from the file: off)."""
    with store.transaction():
        report = sync_sources(store, config.sources, prune=prune)
        store.set_setting(ALLOW_PRIVATE_NETWORKS_SETTING,
                          "1" if config.allow_private_networks else "0")
    return report


def _table(data: dict[str, Any], name: str, known: set[str], path: Path) -> dict[str, Any]:
    """The ``[name]`` table of the file (empty when absent), its keys checked."""
    table_ = data.get(name, {})
    if not isinstance(table_, dict):
        raise InputError(f"{path}: [{name}] must be a table")
    unknown = set(table_) - known
    if unknown:
        raise InputError(f"{path}, [{name}]: unknown key {sorted(unknown)[0]!r}")
    return table_


def _spec(entry: Any, defaults: dict[str, Any], base: Path, where: str) -> SourceSpec:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: must be a table")
    bad = set(entry) - _FIELDS
    if bad:
        raise InputError(f"{where}: unknown key {sorted(bad)[0]!r}")
    merged = {**defaults, **entry}
    if ("url" in entry) == ("path" in entry):
        raise InputError(f"{where}: give exactly one of url or path")
    if "url" in entry:
        target = _typed(merged, "url", str, where)
    else:
        raw = Path(_typed(merged, "path", str, where)).expanduser()
        target = str(raw if raw.is_absolute() else base / raw)
    kind = merged.get("kind")
    if kind is not None and kind not in KINDS:
        raise InputError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    name = merged.get("name")
    return SourceSpec(
        target=target,
        kind=cast("SourceKind | None", kind),
        name=_typed(merged, "name", str, where) if name is not None else None,
        interval=_typed(merged, "interval", int, where, DEFAULT_INTERVAL),
        language=_typed(merged, "language", str, where, "en"),
        fetch_pages=_typed(merged, "fetch_pages", bool, where, True),
        enabled=_typed(merged, "enabled", bool, where, True),
        where=where,
        published=_published(merged.get("published"), where),
    )


def _published(value: Any, where: str) -> date | None:
    """A source's ``published`` day: a TOML date (``published = 2025-05-16``) or the same as a
    string."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{where}: published must be a date YYYY-MM-DD, got {value!r}")


def _typed(data: dict[str, Any], key: str, kind: type[Any], where: str,
           default: Any = None) -> Any:
    value = data.get(key, default)
    # bool is an int in Python; "interval = true" is still a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InputError(f"{where}: {key} must be {'a number' if kind is int else kind.__name__}"
                         f", got {value!r}")
    return value


def sync_sources(store: Store, specs: list[SourceSpec], *, prune: bool = False) -> SyncReport:
    """Make the database's sources match ``specs``; all or nothing (one transaction)."""
    report = SyncReport()
    with store.transaction():
        before = {s.id: s for s in table.all_sources(store)}
        kept: set[str] = set()
        for spec in specs:
            try:
                source = add_source(store, spec.target, kind=spec.kind, name=spec.name,
                                    interval=spec.interval, language=spec.language,
                                    fetch_pages=spec.fetch_pages, enabled=spec.enabled,
                                    published=spec.published)
            except InputError as exc:
                raise InputError(f"{spec.where}: {exc}") from None
            kept.add(source.id)
            old = before.get(source.id)
            if old is None:
                report.added.append(source)
            elif _settings(old) != _settings(source):
                report.updated.append(source)
            else:
                report.unchanged.append(source)
        if prune:
            for sid, old in before.items():
                if sid not in kept and old.enabled:
                    table.set_enabled(store, sid, False)
                    report.disabled.append(old)
    return report


def _settings(s: Source) -> tuple[object, ...]:
    return (s.kind, s.url, s.name, s.language, s.interval, s.enabled, s.fetch_pages,
            s.published)
