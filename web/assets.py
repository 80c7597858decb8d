"""Serves the Plotly bundle that ships inside the installed ``plotly`` package, from our own origin.

``/static/vendor/plotly.min.js`` is read from ``plotly/package_data/plotly.min.js`` (no CDN: the
dashboard must work on a closed network) and sent with long cache headers; the page links it with
``?v=<plotly version>`` so an upgrade changes the URL. The ~5 MB file is gzipped once per process
for clients that accept it. It serves nothing else: the app's own CSS/JS use Flask's static folder.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.resources
import threading
from functools import cache

from flask import Blueprint, Response, abort, request

bp = Blueprint("assets", __name__)

ONE_YEAR = 365 * 24 * 3600
_lock = threading.Lock()


def plotly_version() -> str:
    try:
        return importlib.metadata.version("plotly")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@cache
def _bundle() -> tuple[bytes, bytes, str] | None:
    """(plain bytes, gzipped bytes, etag) of plotly.min.js, or None when plotly lacks it."""
    resource = importlib.resources.files("plotly") / "package_data" / "plotly.min.js"
    if not resource.is_file():
        return None
    data = resource.read_bytes()
    return data, gzip.compress(data, compresslevel=6, mtime=0), hashlib.sha1(data).hexdigest()


def warm_up() -> None:
    """Read and compress the bundle now, in a background thread, so the first chart a server
    shows does not wait for it (about 0.15 s)."""
    def work() -> None:
        with _lock:
            _bundle()

    threading.Thread(target=work, name="plotly-gzip", daemon=True).start()


@bp.get("/static/vendor/plotly.min.js")
def plotly_js() -> Response:
    with _lock:  # compress once even when the first requests arrive together
        bundle = _bundle()
    if bundle is None:
        abort(404, description="plotly.min.js is missing from the installed plotly package")
    plain, packed, etag = bundle
    return compressed_response(plain, packed, etag, "text/javascript", ONE_YEAR,
                               immutable=True)


def compressed_response(plain: bytes, packed: bytes, etag: str, mimetype: str, max_age: int,
                        *, immutable: bool = False) -> Response:
    """A static file kept in memory both plain and gzipped: the gzipped copy for clients
    that accept it, public caching for ``max_age`` seconds, and a 304 when the browser
    already has this version (``etag``)."""
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(packed if use_gzip else plain, mimetype=mimetype)
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(etag + ("-gz" if use_gzip else ""))
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.cache_control.immutable = immutable
    response.make_conditional(request)
    return response
