"""Benchmark the temporal tagger on the TempEval-3 training corpus (TimeBank + AQUAINT).

    .venv/bin/python benchmarks/timex.py [--json] [--limit N] [--save FILE]
        [--baseline FILE [--looked-at PART ...]]

Reads ../shared/data/tempeval3-train at run time (exits 2 with a message when absent), tags every
document with ``tracker.timex.tag`` and with naive ``dateparser.search_dates`` (through
``tracker.timex.baseline``), scores both with the reference scorer ../shared/tools/te3score.py
(imported, so the figures are the scorer's own: strict, relaxed, value and type F1; ours also per
top-level corpus folder, TimeBank and AQUAINT), and times both on the same documents in the same
run (documents/s, kB/s, and the speed ratio).

Cross-check (how much of a change's gain carries to text its rules were not written on): save a
run before the change (``--save before.json``, or ``--json > before.json``), then run after it
with ``--baseline before.json --looked-at TimeBank`` (the corpus parts whose documents or errors
were read while writing the rules; ``none`` when the rules came from the author's own
sentences). The report gives value F1 per part before, after and the difference, and the gain
on the parts not looked at against the gain on those looked at: a rule fitted to one part shows
a gain there and little or none on the other. Both runs must use the same documents (no
``--limit`` difference).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
CORPUS = SHARED / "data" / "tempeval3-train"
TOOLS = SHARED / "tools"

sys.path.insert(0, str(ROOT))

from tracker.timex import tag  # noqa: E402
from tracker.timex.annotate import timex_json  # noqa: E402
from tracker.timex.baseline import naive_search_dates  # noqa: E402

Tagger = Callable[[str, date], list[dict[str, Any]]]


def _load_scorer() -> ModuleType:
    sys.path.insert(0, str(TOOLS))  # te3score imports timeml from its own folder
    spec = importlib.util.spec_from_file_location("te3score", TOOLS / "te3score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {TOOLS / 'te3score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(text: str, dct: date) -> list[dict[str, Any]]:
    """Our tagger, in the scorer's system format."""
    return [timex_json(t) for t in tag(text, dct)]


def _figures(res: dict[str, Any]) -> dict[str, Any]:
    return {
        "strict_f1": res["strict"]["F1"], "relaxed_f1": res["relaxed"]["F1"],
        "value_f1": res["value"]["F1"], "type_f1": res["type"]["F1"],
        "gold": res["counts"]["gold"], "system": res["counts"]["system"],
    }


def run(name: str, fn: Tagger, docs: list[dict[str, Any]], scorer: ModuleType,
        subsets: dict[str, set[str]] | None = None) -> dict[str, Any]:
    """Tag all docs with fn, time it, and score it (also per subset of document ids)."""
    fn("warm-up on May 16, 2025.", date(2025, 5, 16))
    out: dict[str, list[dict[str, Any]]] = {}
    t0 = time.perf_counter()
    for d in docs:
        out[d["id"]] = fn(d["text"], date.fromisoformat(d["dct"]))
    secs = time.perf_counter() - t0
    kb = sum(len(d["text"].encode("utf-8")) for d in docs) / 1000
    row = {"name": name, "seconds": secs, "docs_per_s": len(docs) / secs, "kb_per_s": kb / secs,
           **_figures(scorer.score(docs, out))}
    if subsets:
        parts = {sub: [d for d in docs if d["id"] in ids] for sub, ids in subsets.items()}
        row["subsets"] = {sub: _figures(scorer.score(part, out))
                          for sub, part in parts.items() if part}
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--limit", type=int, default=0, help="only the first N documents")
    p.add_argument("--save", type=Path, help="also write the JSON result to this file")
    p.add_argument("--baseline", type=Path, help="a saved run to compare with, part by part")
    p.add_argument("--looked-at", nargs="+", default=["none"], metavar="PART",
                   help="corpus parts read while writing the rules (TimeBank, AQUAINT, none)")
    args = p.parse_args(argv)
    if not CORPUS.is_dir() or not (TOOLS / "te3score.py").is_file():
        print(f"benchmark data not found: {CORPUS.resolve()} (and ../shared/tools); "
              "this benchmark needs the shared TempEval-3 corpus", file=sys.stderr)
        return 2
    scorer = _load_scorer()
    files = scorer.tml_files([str(CORPUS)])
    docs = [scorer.parse_tml(f) for f in files]
    if args.limit:
        docs = docs[: args.limit]
    # The corpus's top-level folders (TimeBank, AQUAINT), scored apart as well.
    subsets: dict[str, set[str]] = {}
    for f in files:
        top = Path(f).relative_to(CORPUS).parts[0]
        subsets.setdefault(top, set()).add(Path(f).stem)
    subsets = {k: v for k, v in subsets.items() if len(v) > 1}
    rows = [run("tracker.timex", ours, docs, scorer, subsets),
            run("naive search_dates", naive_search_dates, docs, scorer)]
    ratio = rows[1]["seconds"] / rows[0]["seconds"]
    result = {"docs": len(docs), "results": rows, "speed_ratio": ratio}
    if args.baseline:
        result["cross_check"] = cross_check(json.loads(args.baseline.read_text()), rows[0],
                                            args.looked_at)
    if args.save:
        args.save.write_text(json.dumps(result))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"TempEval-3 train: {len(docs)} docs, {rows[0]['gold']} gold TIMEX3")
    print(f"{'tagger':<20}{'strict':>8}{'relaxed':>9}{'value':>8}{'type':>7}{'docs/s':>9}"
          f"{'kB/s':>9}")
    for r in rows:
        print(f"{r['name']:<20}{r['strict_f1']:8.3f}{r['relaxed_f1']:9.3f}{r['value_f1']:8.3f}"
              f"{r['type_f1']:7.3f}{r['docs_per_s']:9.1f}{r['kb_per_s']:9.1f}")
        for sub, f in sorted(r.get("subsets", {}).items()):
            print(f"{'  ' + sub + ' (' + str(f['gold']) + ')':<20}{f['strict_f1']:8.3f}"
                  f"{f['relaxed_f1']:9.3f}{f['value_f1']:8.3f}{f['type_f1']:7.3f}")
    print(f"speed ratio (ours / naive): {ratio:.1f}x")
    if "cross_check" in result:
        print_cross_check(result["cross_check"])
    return 0


def cross_check(before: dict[str, Any], after: dict[str, Any],
                looked_at: list[str]) -> dict[str, Any]:
    """Value F1 per part before and after a change, and the gain on the parts not looked at
    while writing its rules against the gain on those looked at."""
    old = before["results"][0].get("subsets", {})
    parts = {}
    for part, f in sorted(after.get("subsets", {}).items()):
        if part in old:
            parts[part] = {"before": old[part]["value_f1"], "after": f["value_f1"],
                           "delta": f["value_f1"] - old[part]["value_f1"],
                           "looked_at": part in looked_at}
    seen = [p["delta"] for p in parts.values() if p["looked_at"]]
    unseen = [p["delta"] for p in parts.values() if not p["looked_at"]]
    return {"parts": parts, "looked_at": looked_at,
            "gain_seen": sum(seen) / len(seen) if seen else None,
            "gain_unseen": sum(unseen) / len(unseen) if unseen else None}


def print_cross_check(cc: dict[str, Any]) -> None:
    print(f"cross-check, value F1 by part (rules looked at: {' '.join(cc['looked_at'])})")
    print(f"{'part':<12}{'before':>8}{'after':>8}{'delta':>9}  looked at")
    for part, p in cc["parts"].items():
        print(f"{part:<12}{p['before']:8.3f}{p['after']:8.3f}{p['delta']:+9.4f}  "
              f"{'yes' if p['looked_at'] else 'no (held out)'}")
    seen, unseen = cc["gain_seen"], cc["gain_unseen"]
    if seen is not None and unseen is not None:
        carried = f"{unseen / seen:.2f}" if seen else "n/a (no gain where looked at)"
        print(f"gain where looked at {seen:+.4f}, held out {unseen:+.4f}: share carried {carried}")
    elif unseen is not None:
        print(f"no part looked at: every part is held out, mean gain {unseen:+.4f}")


if __name__ == "__main__":
    sys.exit(main())
