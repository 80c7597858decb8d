"""The annotate command's contract: stdin mode, batch mode, and bad input (exit code 2)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tracker.timex.annotate import run_annotate


def call(dct: str | None, batch: str | None, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_annotate(dct, batch, io.StringIO(stdin), out, err)
    return code, out.getvalue(), err.getvalue()


def test_stdin_mode_writes_one_json_line_per_expression() -> None:
    text = "The port reopened on Friday, May 16, 2025, after two weeks of repairs."
    code, out, err = call("2025-05-18", None, text)
    assert code == 0 and err == ""
    lines = [json.loads(x) for x in out.splitlines()]
    assert lines == [
        {"start": 21, "end": 41, "text": "Friday, May 16, 2025", "type": "DATE",
         "value": "2025-05-16"},
        {"start": 49, "end": 58, "text": "two weeks", "type": "DURATION", "value": "P2W"},
    ]
    for rec in lines:
        assert text[rec["start"] : rec["end"]] == rec["text"]


def test_stdin_mode_with_no_expressions_writes_nothing() -> None:
    assert call("2025-05-18", None, "Nothing temporal here.") == (0, "", "")


def test_stdin_mode_bad_date_exits_2_with_one_line() -> None:
    code, out, err = call("2025-02-30", None, "today")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "2025-02-30" in err


def test_batch_mode_writes_one_line_per_document(tmp_path: Path) -> None:
    batch = tmp_path / "docs.jsonl"
    docs = [
        {"id": "a", "dct": "2025-05-16", "text": "The mayor resigned yesterday."},
        {"id": "b", "dct": "2024-01-02", "text": "No dates in this one."},
        {"id": "c", "dct": "2024-01-02", "text": "Growth slowed in 2023."},
    ]
    batch.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    code, out, err = call(None, str(batch))
    assert code == 0 and err == ""
    got = [json.loads(x) for x in out.splitlines()]
    assert [g["id"] for g in got] == ["a", "b", "c"]
    assert got[0]["timexes"] == [{"start": 19, "end": 28, "text": "yesterday", "type": "DATE",
                                  "value": "2025-05-15"}]
    assert got[1]["timexes"] == []
    assert got[2]["timexes"][0]["value"] == "2023"


def test_batch_mode_reads_stdin_with_dash() -> None:
    line = json.dumps({"id": "x", "dct": "2025-05-16", "text": "due next week"})
    code, out, _ = call(None, "-", line + "\n")
    assert code == 0
    assert json.loads(out)["timexes"][0]["value"] == "2025-W21"


def test_batch_mode_reports_bad_lines_by_number_and_keeps_going(tmp_path: Path) -> None:
    batch = tmp_path / "docs.jsonl"
    batch.write_text(
        json.dumps({"id": "ok1", "dct": "2025-05-16", "text": "today"}) + "\n"
        + "{not json\n"
        + json.dumps({"id": "bad", "dct": "16/05/2025", "text": "today"}) + "\n"
        + json.dumps({"id": "nokey", "text": "today"}) + "\n"
        + json.dumps({"id": "ok2", "dct": "2025-05-16", "text": "tomorrow"}) + "\n",
        encoding="utf-8",
    )
    code, out, err = call(None, str(batch))
    assert code == 2
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["ok1", "ok2"]
    assert "line 2" in err and "line 3" in err and "line 4" in err
    assert "skipped" in err
    lines = err.splitlines()
    assert all(line.startswith("tracker: warning: ") for line in lines[:-1])
    assert lines[-1].startswith("tracker: error: 3 bad line(s) skipped")  # said once, at the end


def test_batch_mode_missing_file_exits_2(tmp_path: Path) -> None:
    code, out, err = call(None, str(tmp_path / "absent.jsonl"))
    assert code == 2 and out == "" and "absent.jsonl" in err


def test_exactly_one_mode_is_required() -> None:
    assert call(None, None)[0] == 2
    assert call("2025-05-16", "x.jsonl")[0] == 2
