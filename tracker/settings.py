"""The optional settings file: the database, the web address and the access settings in one place.

A TOML file, found at ``$TRACKER_CONFIG``, else ``./tracker.toml``, else
``$XDG_CONFIG_HOME/tracker/tracker.toml`` (``~/.config/...``); none is needed. Each key stands
for one environment variable (``KEYS``) and is used only where that variable is not set, so the
order is: a command-line option, then the environment, then this file, then the built-in
default. ``apply`` puts the file's values into the environment of this process (and so of the
worker that `tracker run` starts), where every part of the tracker already looks.

It does not hold sources (that is ``sources.toml``, ``tracker.config``) and never writes files.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Final

from tracker.errors import InputError

ENV: Final = "TRACKER_CONFIG"
FILE_NAME: Final = "tracker.toml"
# key: (environment variable, type)
KEYS: Final[dict[str, tuple[str, type]]] = {
    "db": ("TRACKER_DB", str),
    "host": ("TRACKER_HOST", str),
    "port": ("TRACKER_PORT", int),
    "api_token": ("TRACKER_API_TOKEN", str),
    "reads_need_token": ("TRACKER_READS_NEED_TOKEN", bool),
    "allow_private_networks": ("TRACKER_ALLOW_PRIVATE_NETWORKS", bool),
    "cors_origins": ("TRACKER_CORS_ORIGINS", str),
}


def find(environ: Mapping[str, str] = os.environ, cwd: Path | None = None) -> Path | None:
    """The settings file in use, None when there is none. ``$TRACKER_CONFIG`` must exist."""
    named = environ.get(ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise InputError(f"{ENV}={named}: no such file")
        return path
    here = (cwd or Path.cwd()) / FILE_NAME
    if here.is_file():
        return here
    home = Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    user = home / "tracker" / FILE_NAME
    return user if user.is_file() else None


def read(path: Path) -> dict[str, str]:
    """The file's settings as environment values (``KEYS``); ``InputError`` for a file that
    is not TOML, an unknown key or a value of the wrong type."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not TOML ({exc})") from None
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise InputError(f"{path}: unknown key {key!r} (known: {', '.join(KEYS)})")
        variable, kind = KEYS[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise InputError(f"{path}: {key} must be {_named(kind)}, got {value!r}")
        values[variable] = ("1" if value else "0") if kind is bool else str(value)
    if "TRACKER_API_TOKEN" in values and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"tracker: warning: {path} holds the API token and others may read it "
              f"(chmod 600 {path})", file=sys.stderr)
    return values


def apply(environ: MutableMapping[str, str] = os.environ, cwd: Path | None = None
          ) -> Path | None:
    """Put the settings file's values into ``environ`` where a variable is not set; the file
    used (None: none)."""
    path = find(environ, cwd)
    if path is None:
        return None
    for variable, value in read(path).items():
        environ.setdefault(variable, value)
    return path


def _named(kind: type) -> str:
    return {str: "a string", int: "a whole number", bool: "true or false"}[kind]
