"""``tag_text(text, dct, language)``: the temporal tagger's entry point for any language.

English, and any language dateparser has no locale data for, goes to the English tagger
(``tracker.timex.tagger.tag``); every other language goes to the locale grammar
(``tracker.timex.locale_grammar``), whose words come from dateparser's locale data and, for
Russian, Ukrainian and Turkish, from ``tracker/data/timex_<lang>.tsv`` as well. Both return the
same contract: ``Timex`` objects sorted by start, non-overlapping, with exact offsets, a TIMEX3
value and the calendar interval. It does not detect the language: the caller says which
("uk", "uk-UA" and "UK" are the same language).
"""

from __future__ import annotations

from datetime import date

from tracker.models import Timex
from tracker.timex.locale_grammar import tag_locale
from tracker.timex.tagger import tag


def normalize_language(language: str | None) -> str:
    """The primary subtag of a language tag, lower case ("uk-UA" -> "uk"); "en" when empty."""
    if not language:
        return "en"
    return language.strip().replace("_", "-").split("-")[0].lower() or "en"


def tag_text(text: str, dct: date, language: str = "en") -> list[Timex]:
    """Temporal expressions in ``text`` (written in ``language``), sorted and non-overlapping."""
    lang = normalize_language(language)
    if lang != "en":
        found = tag_locale(text, dct, lang)
        if found is not None:
            return found
    return tag(text, dct)
