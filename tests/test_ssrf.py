"""Whoever controls a feed does not choose what the worker fetches: the URL policy end to end.

These run without ``TRACKER_ALLOW_PRIVATE_NETWORKS`` (marker ``network_policy``). The feed
server is on 127.0.0.1, reachable only through an explicit allowance for that one address;
every other address below is refused by the policy before any connection is made, so no packet
leaves 127.0.0.0/8.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from jobs.worker import Worker
from tests.httpserver import LocalServer
from tests.newsfeed import article, rss
from tracker.errors import InputError
from tracker.fetch import Fetcher
from tracker.query import export_timeline, list_sources
from tracker.sources import ALLOW_PRIVATE_NETWORKS_SETTING, add_source, url_policy
from tracker.store import Store
from tracker.store import sources as table
from tracker.urlpolicy import UrlPolicy

pytestmark = pytest.mark.network_policy

RSS = {"Content-Type": "application/rss+xml"}
HOSTILE_LINKS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://10.0.0.5/admin",
    "http://0xa000005/admin",  # 10.0.0.5 in hex
    "http://167772165/admin",  # and in decimal
    "http://0251.0376.0251.0376/latest/",  # 169.254.169.254 in octal
    "http://[::ffff:10.0.0.5]/admin",  # IPv4-mapped IPv6
    "http://admin:hunter2@news.example.org/private",  # kept as no link at all
]


def add_local_source(db_path: Path, url: str, *, then_allowed: bool) -> str:
    """Add a source on 127.0.0.1 (allowed while adding), then set the database's setting."""
    with Store(db_path) as store:
        store.set_setting(ALLOW_PRIVATE_NETWORKS_SETTING, "1")
        source = add_source(store, url)
        store.set_setting(ALLOW_PRIVATE_NETWORKS_SETTING, "1" if then_allowed else "0")
    return source.id


def serve_one_feed(server: LocalServer) -> str:
    server.add("/feed.xml", body=rss([article(1, base=server.base_url)], server.base_url),
               headers=RSS)
    return server.url("/feed.xml")


def only_the_test_server() -> Fetcher:
    """The default policy, plus the one address the test's feed server listens on."""
    return Fetcher(policy=UrlPolicy(allow=("127.0.0.1/32",)), total_timeout=5)


def test_feed_items_linking_inside_the_network_are_never_fetched_and_the_poll_says_so(
        server: LocalServer, db_path: Path) -> None:
    entries = [replace(article(i, base=server.base_url), url=link)
               for i, link in enumerate(HOSTILE_LINKS)]
    server.add("/feed.xml", body=rss(entries, server.base_url, full_text=False), headers=RSS)
    add_local_source(db_path, server.url("/feed.xml"), then_allowed=False)
    assert Worker(str(db_path), fetcher_factory=only_the_test_server,
                  processes=0).run_once() == 0
    with Store(db_path) as store:
        run = store.query("SELECT status, detail FROM runs")[0]
        texts = " ".join(r["text"] for r in store.query("SELECT text FROM articles"))
        exported = str(export_timeline(store))
    assert run["status"] == "partial"
    for link in HOSTILE_LINKS[:-1]:
        assert f"page {link}: refused {link}: " in run["detail"]
    assert "hunter2" not in run["detail"] + texts + exported
    assert server.count("/admin") == 0


def test_a_source_inside_the_network_is_refused_with_its_reason_on_the_source(
        server: LocalServer, db_path: Path) -> None:
    source_id = add_local_source(db_path, serve_one_feed(server), then_allowed=False)
    assert Worker(str(db_path), processes=0).run_once() == 0  # the policy of the database
    with Store(db_path) as store:
        stored = table.source_by_id(store, source_id)
        (full,) = list_sources(store)
        (shown,) = list_sources(store, public=True)
    assert stored is not None and stored.consecutive_failures == 1
    assert "127.0.0.1 is a loopback address" in full["last_error"]
    assert "TRACKER_ALLOW_PRIVATE_NETWORKS" in full["last_error"]
    assert shown["last_error"] == "refused by URL policy"
    assert server.count("/feed.xml") == 0


def test_the_database_setting_lets_a_closed_network_fetch_its_own_sources(
        server: LocalServer, db_path: Path) -> None:
    add_local_source(db_path, serve_one_feed(server), then_allowed=True)
    assert Worker(str(db_path), processes=0).run_once() == 0
    with Store(db_path) as store:
        assert store.counts()["articles"] == 1
        assert url_policy(store).allow_private


@pytest.mark.parametrize("url", [
    "http://admin:hunter2@news.example.org/rss",
    "http://169.254.169.254/latest/meta-data/",
    "http://0x7f000001/feed.xml",
    "http://localhost:8000/feed.xml",
])
def test_a_source_that_could_never_be_fetched_is_refused_when_added(store: Store,
                                                                    url: str) -> None:
    with pytest.raises(InputError, match="refused") as refused:
        add_source(store, url)
    assert "hunter2" not in str(refused.value)
    assert table.all_sources(store) == []
