"""The temporal tagger: find temporal expressions in English news and normalize them to TIMEX3.

Public API: ``tag(text, dct) -> list[Timex]`` (sorted by start, non-overlapping, exact offsets).
This package is the only code in the project that imports dateparser (``baseline.py``, used to
compare against naive ``search_dates``); the tagger itself uses its own grammar and arithmetic.
"""

from tracker.timex.tagger import tag

__all__ = ["tag"]
