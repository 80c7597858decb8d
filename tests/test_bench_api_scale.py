"""The API benchmark runs end to end on a small database: its numbering of changes gives
``updated_since`` a history, and its list and sync pages answer 200 (the timing is ``make
bench``'s)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import api_scale
from benchmarks.dashboard_scale import build
from tracker.store import Store


def test_the_api_benchmark_runs_on_a_small_database(tmp_path: Path) -> None:
    db = build(tmp_path / "small.db", 3000, seed=5)
    results = api_scale.run(db, 6)
    assert results["commits"] == 3  # 3,000 events in commits of 1,000
    assert results["list"]["n"] == results["sync"]["n"] == results["baseline"]["n"] == 6
    with Store(db) as store:
        numbered = store.query("SELECT COUNT(*) AS n FROM events WHERE seq > 0")[0]["n"]
        assert numbered == 3000
    assert api_scale.number_changes(db) == 3  # numbered once: a second call keeps them
