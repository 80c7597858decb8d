"""``/api/aggregate`` and ``/api/overview``: events counted per period and kind, for the
dashboard's density band (too many events in view to draw one by one) and its overview strip.

``/api/aggregate`` takes the filter parameters of ``/api/events`` (``from``, ``to``, ``kind``,
``entity``, ``q``, ``min_sources``, ``min_confidence``, ``key``/``top``; read by
``web.api.parse_filter``), ``bucket`` (``auto``, ``day``, ``week`` or ``month``; default
``auto``), ``max_buckets`` (1 to 400, default 400: the most periods ``auto`` may cut the range
into) and ``group`` (``kind``, the default, or ``entity``), and answers ``{"ok": true, "group":
"kind", "bucket": ..., "from": ..., "to": ..., "total": N, "kinds": [...], "buckets":
[{"start", "end", "kind", "count"}, ...]}``; its counts add up to the total ``/api/events``
gives for the same filter. ``group=entity`` counts per person and place instead
(``tracker.aggregate.aggregate`` says how). ``/api/overview`` is the same over the whole
timeline with no filter but ``min_confidence`` (and ``max_buckets``). Both are served from the
response cache (``web.cache``) while the database is unchanged. A bad parameter is a 400 in the
API's error shape. The counting is ``tracker.aggregate``'s; this module only reads parameters.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from tracker import aggregate as counts
from web import get_store
from web.api import BadParameter, _confidence_param, _int_param, parse_filter
from web.cache import cached

bp = Blueprint("aggregate_api", __name__, url_prefix="/api")

BUCKET_CHOICES = ("auto", *counts.BUCKETS)


def _bucket_param() -> str:
    raw = (request.args.get("bucket") or "").strip().lower() or "auto"
    if raw not in BUCKET_CHOICES:
        raise BadParameter(f"bucket must be one of {', '.join(BUCKET_CHOICES)}, got {raw!r}")
    return raw


def _group_param() -> str:
    raw = (request.args.get("group") or "").strip().lower() or "kind"
    if raw not in counts.GROUPS:
        raise BadParameter(f"group must be one of {', '.join(counts.GROUPS)}, got {raw!r}")
    return raw


def _max_buckets_param() -> int:
    return _int_param(request.args, "max_buckets", counts.MAX_BUCKETS, 1, counts.MAX_BUCKETS)


@bp.get("/aggregate")
@cached
def aggregate() -> Any:
    f = parse_filter(request.args)
    bucket = _bucket_param()
    return jsonify(counts.aggregate(get_store(), f, bucket, _max_buckets_param(),
                                    _group_param()))


@bp.get("/overview")
@cached
def overview() -> Any:
    return jsonify(counts.overview(get_store(), _confidence_param(request.args),
                                   _max_buckets_param()))
