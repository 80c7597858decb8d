"""``/api/articles/<id>``: one article as JSON, the API's twin of the article page.

It answers ``{"ok": true, "article": {...}}`` (``tracker.query.ArticleDocument``): the article's
metadata (``id``, ``url``, ``title``, ``source``, ``published_at`` and how it was learned,
``fetched_at``, ``language``, ``truncated_from``), its ``text``, the temporal expressions the
article page marks (``timexes``: ``start``/``end`` offsets into ``text``, TIMEX3 ``type`` and
``value``) and the events it mentions in the order it first does, merges followed, each with
the offsets of its mentions. ``tracker.views.article_document`` computes it from the same
spans as the page. An unknown id is a 404 in the API's error shape. Served from the response
cache while the database is unchanged; it never writes.

The other single documents live with their lists: ``/api/events/<id>`` and
``/api/entities/<id>`` in ``web.api``, ``/api/sources/<id>`` in ``web.sources_api``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from tracker import views
from web import get_store, json_error
from web.cache import cached

bp = Blueprint("things_api", __name__, url_prefix="/api")


@bp.get("/articles/<article_id>")
@cached
def article(article_id: str) -> Any:
    found = views.article_document(get_store(), article_id)
    if found is None:
        return json_error(404, "article not found")
    return jsonify({"ok": True, "article": found})
