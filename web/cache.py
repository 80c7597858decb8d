"""A response cache for the read views that depend on nothing but the database and the URL.

The dashboard (``/``), ``/api/events``, ``/api/top`` and ``/api/kinds`` are asked the same
questions by every reader, and the answers change only when the database does. Under steady
reading with no ingestion, answering them again from memory is what keeps a 2-core server's
tail latency down. Recomputing costs a few milliseconds of Python under the GIL; 20 readers
queue behind that.

Invalidation is exact, not by time. Every request asks its thread's connection for
``PRAGMA data_version``, which changes whenever another connection commits. The first request
after any commit, by any process, therefore sees the change and moves the process-wide
generation on, before reading anything. Requests that change data through our own connection
(POST, DELETE: SQLite does not report a connection its own commits) move it on when they end.
Entries are keyed by (generation, path and query string), so a response computed before the
latest commit is never served after it. Old entries age out of a small LRU (at most 256
entries, 32 MB, and 1 MB each).

It caches only successful, non-streamed GET responses of the views marked ``@cached``; pages
that differ by reader (``/sources``, health) are not marked. It does not compress or set
HTTP caching headers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, make_response, request

MAX_ENTRIES = 256
MAX_BYTES = 32 * 1024 * 1024
MAX_ENTRY_BYTES = 1024 * 1024
_CACHE = "tracker.response_cache"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _Entry:
    body: bytes
    status: int
    content_type: str


class ResponseCache:
    """Responses by (generation, URL); the generation moves on when the database changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, str], _Entry] = OrderedDict()
        self._bytes = 0
        self.generation = 0
        self.hits = self.misses = 0

    def changed(self) -> None:
        """The database changed: nothing cached so far may be served again."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self._bytes = 0

    def get(self, key: tuple[int, str]) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple[int, str], entry: _Entry) -> None:
        size = len(entry.body)
        if size > MAX_ENTRY_BYTES:
            return
        with self._lock:
            if key[0] != self.generation or key in self._entries:
                return  # computed before a change: already out of date
            self._entries[key] = entry
            self._bytes += size
            while len(self._entries) > MAX_ENTRIES or self._bytes > MAX_BYTES:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


def response_cache() -> ResponseCache:
    cache: ResponseCache = current_app.extensions[_CACHE]
    return cache


def cached(view: F) -> F:
    """Serve this GET view from the cache while the database is unchanged."""

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        if request.method != "GET":
            return view(*args, **kwargs)
        from web import get_store

        get_store()  # checks the database's data_version first (see ``web.get_store``)
        cache = response_cache()
        key = (cache.generation, request.full_path)
        hit = cache.get(key)
        if hit is not None:
            return Response(hit.body, status=hit.status, content_type=hit.content_type)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed:
            cache.put(key, _Entry(response.get_data(), response.status_code,
                                  response.content_type or "application/octet-stream"))
        return response

    return cast(F, serve)


def _after_writes(response: Response) -> Response:
    if request.method not in _SAFE_METHODS:
        response_cache().changed()
    return response


def install(app: Flask) -> None:
    app.extensions[_CACHE] = ResponseCache()
    app.after_request(_after_writes)
