"""Benchmark ``tag_text`` on Russian, Ukrainian and Turkish news sentences against naive dateparser.

    .venv/bin/python benchmarks/timex_languages.py [--json] [--repeat N] [--data FILE]

Reads benchmarks/data/timex_languages.jsonl (sentences written for the project, 12 per language,
kept apart from the tests' golden files; each line: lang, dct, text, gold [[span, value], ...]).
``--data benchmarks/data/timex_languages_heldout.jsonl`` scores a second set, written after the
grammar and scored before any change to it, as an estimate on unseen sentences.
For each language it reports how many gold expressions each system finds (a returned span
overlapping the gold span) and gets right (an overlapping expression whose value equals the gold
value), beside naive ``dateparser.search_dates(text, languages=[lang],
settings={"RELATIVE_BASE": dct})`` in the same run, whose value is its datetime written at the gold
value's granularity (day, ISO week, month or year). Also the spurious expressions (overlapping no
gold) and the throughput of both (sentences/s, best of ``--repeat`` runs), and English
throughput of ``tag_text`` against ``tag`` on the same English text (dispatch must cost nothing).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "timex_languages.jsonl"

sys.path.insert(0, str(ROOT))

from tracker.timex import tag, tag_text  # noqa: E402
from tracker.timex.baseline import search_date_spans  # noqa: E402
from tracker.timex.periods import iso_week_value  # noqa: E402

Span = tuple[int, int, str]  # start, end, value
System = Callable[[str, date, str], list[Span]]

ENGLISH = (
    "Russian and Ukrainian delegations met in Istanbul on Friday, May 16, 2025, for the first "
    "direct talks since March 2022. Two days later, the Kremlin said a memorandum would be ready "
    "next week. Last year, exports through Odesa rose by a third; three days ago a missile hit "
    "Dnipro. The next round may take place in June, officials said on Monday.\n"
)


def ours(text: str, dct: date, lang: str) -> list[Span]:
    return [(t.start, t.end, t.value) for t in tag_text(text, dct, lang)]


def _at_granularity(when: datetime, like: str) -> str:
    if re.fullmatch(r"\d{4}-W\d{2}", like):
        return iso_week_value(when.date())
    if re.fullmatch(r"\d{4}-\d{2}", like):
        return when.strftime("%Y-%m")
    if re.fullmatch(r"\d{4}", like):
        return when.strftime("%Y")
    return when.strftime("%Y-%m-%d")


def naive(text: str, dct: date, lang: str) -> list[tuple[int, int, datetime]]:
    return search_date_spans(text, dct, lang)


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def score(records: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    """Per language and system: gold, found, correct, spurious."""
    table: dict[str, dict[str, dict[str, int]]] = {}
    for rec in records:
        text, dct, lang = rec["text"], date.fromisoformat(rec["dct"]), rec["lang"]
        golds = []
        for span, value in rec["gold"]:
            i = text.index(span)
            golds.append((i, i + len(span), value))
        mine = ours(text, dct, lang)
        base = naive(text, dct, lang)
        for name, spans in (("tag_text", mine), ("search_dates", None)):
            row = table.setdefault(lang, {}).setdefault(
                name, {"gold": 0, "found": 0, "correct": 0, "spurious": 0})
            for g0, g1, value in golds:
                row["gold"] += 1
                if spans is not None:
                    hits = [v for s0, s1, v in spans if _overlaps(s0, s1, g0, g1)]
                else:
                    hits = [_at_granularity(w, value) for s0, s1, w in base
                            if _overlaps(s0, s1, g0, g1)]
                row["found"] += bool(hits)
                row["correct"] += value in hits
            starts = [(s0, s1) for s0, s1, _ in (spans if spans is not None else base)]
            row["spurious"] += sum(1 for s0, s1 in starts
                                   if not any(_overlaps(s0, s1, g0, g1) for g0, g1, _ in golds))
    return table


def _best_rate(fn: Callable[[], None], n_items: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n_items / best if best > 0 else float("inf")


def throughput(records: list[dict[str, Any]], repeat: int) -> dict[str, float]:
    """Sentences per second of both systems on the gold sentences, and English dispatch cost."""
    items = [(r["text"], date.fromisoformat(r["dct"]), r["lang"]) for r in records]
    for t, d, lang in items:  # warm the per-language caches: we time tagging, not loading
        ours(t, d, lang)
        naive(t, d, lang)
    eng = ENGLISH * 20
    dct = date(2025, 5, 18)
    return {
        "tag_text_sentences_per_s": _best_rate(
            lambda: [ours(t, d, lang) for t, d, lang in items] and None, len(items), repeat),
        "search_dates_sentences_per_s": _best_rate(
            lambda: [naive(t, d, lang) for t, d, lang in items] and None, len(items), repeat),
        **_english(eng, dct, 3 * repeat),
    }


def _english(eng: str, dct: date, repeat: int) -> dict[str, float]:
    """kB/s of ``tag`` and ``tag_text(..., "en")``, timed alternately so both see the same load."""
    best = {"english_tag_kb_per_s": float("inf"), "english_tag_text_kb_per_s": float("inf")}
    tag(eng, dct)
    for _ in range(repeat):
        for key, fn in (("english_tag_kb_per_s", lambda: tag(eng, dct)),
                        ("english_tag_text_kb_per_s", lambda: tag_text(eng, dct, "en"))):
            t0 = time.perf_counter()
            fn()
            best[key] = min(best[key], time.perf_counter() - t0)
    return {k: len(eng) / 1000 / v for k, v in best.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--repeat", type=int, default=5, help="timing runs (best is kept)")
    p.add_argument("--data", type=Path, default=DATA, help="gold sentences (JSON lines)")
    args = p.parse_args(argv)
    records = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    table = score(records)
    speed = throughput(records, max(1, args.repeat))
    if args.json:
        print(json.dumps({"table": table, "throughput": speed}, ensure_ascii=False))
        return 0
    print(f"{'lang':<6}{'system':<14}{'gold':>6}{'found':>7}{'correct':>9}{'spurious':>10}")
    totals: dict[str, dict[str, int]] = {}
    for lang, systems in table.items():
        for name, row in systems.items():
            print(f"{lang:<6}{name:<14}{row['gold']:>6}{row['found']:>7}{row['correct']:>9}"
                  f"{row['spurious']:>10}")
            tot = totals.setdefault(name, dict.fromkeys(row, 0))
            for k, v in row.items():
                tot[k] += v
    for name, row in totals.items():
        print(f"{'all':<6}{name:<14}{row['gold']:>6}{row['found']:>7}{row['correct']:>9}"
              f"{row['spurious']:>10}")
    print()
    print(f"tag_text:     {speed['tag_text_sentences_per_s']:,.0f} sentences/s")
    print(f"search_dates: {speed['search_dates_sentences_per_s']:,.0f} sentences/s "
          f"({speed['tag_text_sentences_per_s'] / speed['search_dates_sentences_per_s']:.0f}x "
          "slower than tag_text)")
    print(f"English: tag {speed['english_tag_kb_per_s']:,.0f} kB/s, "
          f"tag_text(en) {speed['english_tag_text_kb_per_s']:,.0f} kB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
