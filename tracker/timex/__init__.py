"""The temporal tagger: find temporal expressions in English news and normalize them to TIMEX3.

Public API: ``tag(text, dct) -> list[Timex]`` (sorted by start, non-overlapping, exact offsets)
for English, and ``tag_text(text, dct, language)`` for any language (English and unsupported
languages go to ``tag``; others to the locale grammar built from dateparser's locale data).
This package is the only code in the project that imports dateparser: ``baseline.py`` (naive
``search_dates``, for the benchmark) and ``locale_words.py`` (dateparser's locale data: month,
weekday and relative words of other languages); the taggers use their own grammar and arithmetic.
"""

from tracker.timex.languages import tag_text
from tracker.timex.tagger import tag

__all__ = ["tag", "tag_text"]
