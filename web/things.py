"""Pages of things: one article with its dates and event mentions highlighted, and the events
as a sortable, paginated table with a CSV download.

- ``/articles/<id>``: the article's title, outlet, date and link, and its text with the
  temporal expressions (``<mark class="timex">``) and the event mentions (``<a class="mention">``
  to the event's page) picked out. The text is cut into segments by ``tracker.views`` and
  rendered by Jinja with autoescaping: article text is never trusted as HTML.
- ``/table``: the events of the ``/api/events`` filter (``from``, ``to``, ``q``, ``kind``,
  ``entity``, ``min_sources``, ``min_confidence``) sorted by ``sort`` (``date``, ``title``,
  ``sources``, ``confidence``; ``-`` reverses), ``PER_PAGE`` a page (``page``).
- ``/table.csv``: the whole filtered list in the same order, streamed as CSV (columns
  ``tracker.views.CSV_COLUMNS``) on its own database connection.

Bad parameters are a 400 page (``web.api.BadParameter``). Nothing here writes.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, url_for

from tracker import views
from web import get_store, open_store
from web.api import BadParameter, parse_filter

bp = Blueprint("things", __name__)

PER_PAGE = 50
CSV_BATCH = 200  # rows per write of the streamed CSV


@bp.get("/articles/<article_id>")
def article(article_id: str) -> Any:
    found = views.get_article(get_store(), article_id)
    if found is None:
        abort(404, description=f"No article with id {article_id!r}.")
    return render_template("article.html", article=found)


def _sort_param() -> str:
    sort = (request.args.get("sort") or "date").strip()
    if sort.removeprefix("-") not in views.SORTS:
        raise BadParameter(f"sort must be one of {', '.join(views.SORTS)} (or -name for the "
                           f"reverse), got {sort!r}")
    return sort


def _page_param() -> int:
    raw = (request.args.get("page") or "1").strip()
    try:
        number = int(raw)
    except ValueError:
        raise BadParameter(f"page must be a whole number, got {raw!r}") from None
    if number < 1:
        raise BadParameter(f"page must be at least 1, got {number}")
    return number


def _table_url(endpoint: str, **changes: str | None) -> str:
    """This table's URL (or its CSV's) with some parameters changed (``None`` removes one);
    built from the query string, never through ``url_for``'s keywords a visitor could set."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    here: str = url_for(endpoint)
    return f"{here}?{urlencode(params)}" if params else here


# Which way a column sorts first when its header is followed: words A to Z, numbers and
# dates most first? Dates oldest first (the timeline's order), counts highest first.
_FIRST_ORDER = {"date": "date", "title": "title", "sources": "-sources",
                "confidence": "-confidence"}


@bp.get("/table")
def table() -> Any:
    f = parse_filter(request.args)
    sort = _sort_param()
    number = _page_param()
    events = views.sort_events(list(views.iter_events(get_store(), f)), sort)
    pages = max(1, -(-len(events) // PER_PAGE))
    if number > pages:
        raise BadParameter(f"page must be between 1 and {pages}, got {number}")
    rows = events[(number - 1) * PER_PAGE:number * PER_PAGE]
    headers = []
    for key, label in (("date", "Date"), ("title", "Event"), ("sources", "Sources"),
                       ("confidence", "Confidence")):
        current = sort.removeprefix("-") == key
        following = (sort[1:] if sort.startswith("-") else f"-{key}") if current \
            else _FIRST_ORDER[key]
        headers.append({
            "key": key, "label": label,
            "url": _table_url("things.table", sort=following, page=None),
            "aria_sort": ("descending" if sort.startswith("-") else "ascending")
            if current else None,
        })
    return render_template(
        "table.html", events=rows, total=len(events), page=number, pages=pages,
        first=(number - 1) * PER_PAGE + 1, sort=sort, headers=headers,
        prev_url=_table_url("things.table", page=str(number - 1)) if number > 1 else None,
        next_url=_table_url("things.table", page=str(number + 1)) if number < pages else None,
        csv_url=_table_url("things.table_csv", page=None),
        args=request.args,
    )


@bp.get("/table.csv")
def table_csv() -> Any:
    f = parse_filter(request.args)  # bad parameters are a 400 before anything streams
    sort = _sort_param()
    # Its own connection: the request's goes back to its thread before the body is sent.
    store = open_store()

    def close() -> None:
        with contextlib.suppress(Exception):
            store.close()

    def body() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        try:
            writer.writerow(views.CSV_COLUMNS)
            events = views.iter_events(store, f)
            if sort != "date":  # any other order needs the whole list first
                events = iter(views.sort_events(list(events), sort))
            for n, event in enumerate(events, 1):
                writer.writerow(views.csv_row(event))
                if n % CSV_BATCH == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()
        finally:
            close()

    response = Response(body(), mimetype="text/csv")
    response.call_on_close(close)  # also when the body is never read
    response.headers["Content-Disposition"] = "attachment; filename=events.csv"
    return response
