"""The ``tracker annotate`` command: tag text from stdin, or a JSON-lines batch, as JSON lines.

Two modes (exactly one of ``dct``/``batch``):

* ``--dct YYYY-MM-DD [--language ru]``: read all of stdin as one text, write one JSON line per
  expression ``{"start", "end", "text", "type", "value"}``.
* ``--batch FILE`` (``-`` for stdin): read lines ``{"id", "dct", "text"}`` with an optional
  ``"language"`` (default: the ``--language`` option, else English), write one line
  ``{"id", "timexes": [...]}`` per input line (the te3score.py system format).

Texts are tagged by ``tracker.timex.languages.tag_text``: English, and languages it has no
grammar for, by the English tagger.

Bad input (a bad date, a line that is not a JSON object with those keys) gets one clear
``tracker: error:`` line on stderr and exit code 2; in batch mode each bad line is a
``tracker: warning:`` naming it by number, it is skipped, the remaining lines are still
processed, and one error line at the end counts them. It does no argument parsing (the CLI
does that).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from typing import Any, TextIO

from tracker.models import Timex
from tracker.timex.languages import tag_text


def timex_json(t: Timex) -> dict[str, Any]:
    """The JSON object written for one expression."""
    return {"start": t.start, "end": t.end, "text": t.text, "type": t.type, "value": t.value}


def _parse_dct(raw: object) -> date:
    if not isinstance(raw, str):
        raise ValueError("dct must be a string YYYY-MM-DD")
    text = raw.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z]*)?", text):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise ValueError(f"bad date {raw!r}: expected YYYY-MM-DD")


def _parse_language(raw: object) -> str:
    if not isinstance(raw, str) or not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*",
                                                     raw.strip()):
        raise ValueError(f"bad language {raw!r}: expected a code such as 'en', 'ru', 'uk-UA'")
    return raw.strip()


def _run_batch(
    lines: TextIO, stdout: TextIO, stderr: TextIO, name: str, language: str = "en"
) -> int:
    bad = 0
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise ValueError("not a JSON object")
            for key in ("id", "dct", "text"):
                if key not in rec:
                    raise ValueError(f"missing key {key!r}")
            if not isinstance(rec["text"], str):
                raise ValueError("text must be a string")
            dct = _parse_dct(rec["dct"])
            lang = _parse_language(rec["language"]) if "language" in rec else language
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            stderr.write(f"tracker: warning: {name} line {lineno}: {exc}; skipped\n")
            continue
        timexes = [timex_json(t) for t in tag_text(rec["text"], dct, lang)]
        stdout.write(json.dumps({"id": rec["id"], "timexes": timexes}, ensure_ascii=False) + "\n")
    if bad:
        stderr.write(f"tracker: error: {bad} bad line(s) skipped (see the warnings above); "
                     f"the others were annotated\n")
        return 2
    return 0


def run_annotate(
    dct: str | None, batch: str | None, stdin: TextIO, stdout: TextIO, stderr: TextIO,
    language: str | None = None,
) -> int:
    """Run the annotate command; returns the process exit code (0 ok, 2 bad input).

    ``language`` is the text's language (default English); in batch mode it is the default
    for lines without their own ``"language"``."""
    if (dct is None) == (batch is None):
        stderr.write("tracker: error: give exactly one of --dct YYYY-MM-DD or --batch FILE\n")
        return 2
    try:
        lang = _parse_language(language) if language is not None else "en"
    except ValueError as exc:
        stderr.write(f"tracker: error: --language: {exc}\n")
        return 2
    if batch is not None:
        if batch == "-":
            return _run_batch(stdin, stdout, stderr, "<stdin>", lang)
        try:
            with open(batch, encoding="utf-8") as fh:
                return _run_batch(fh, stdout, stderr, batch, lang)
        except OSError as exc:
            stderr.write(f"tracker: error: cannot read {batch}: {exc.strerror or exc}\n")
            return 2
        except UnicodeDecodeError:
            stderr.write(f"tracker: error: {batch} is not UTF-8 text\n")
            return 2
    assert dct is not None
    try:
        ref = _parse_dct(dct)
    except ValueError as exc:
        stderr.write(f"tracker: error: --dct: {exc}\n")
        return 2
    try:
        text = stdin.read()
    except UnicodeDecodeError:
        stderr.write("tracker: error: stdin is not UTF-8 text\n")
        return 2
    for t in tag_text(text, ref, lang):
        stdout.write(json.dumps(timex_json(t), ensure_ascii=False) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m tracker.timex.annotate (--dct D | --batch FILE) [--language L]``."""
    import argparse

    p = argparse.ArgumentParser(prog="tracker annotate", description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--dct", help="reference date YYYY-MM-DD; text on stdin")
    g.add_argument("--batch", help="JSON lines file {id, dct, text[, language]} ('-' for stdin)")
    p.add_argument("--language", help="language of the text (default en)")
    args = p.parse_args(argv)
    return run_annotate(args.dct, args.batch, sys.stdin, sys.stdout, sys.stderr, args.language)


if __name__ == "__main__":
    sys.exit(main())
