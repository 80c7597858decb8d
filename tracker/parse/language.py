"""The language an article is written in: from the source's setting, a declaration, or its letters.

``article_language(setting, declared, text)`` decides, in this order:

1. the source's setting, when the user set one. A source's language defaults to "en" (the
   column's default, the CLI's and sources.toml's), so "en" cannot be told from "not set": it
   counts as *not set*, and any other code ("ru", "uk", "tr", "de") as the user's choice;
2. what the feed entry, the feed, the page (``<html lang>``) or a JSON-lines record declares;
3. detection from the text's own letters (``detect``), else "en".

Detection needs no model for the languages the extractor reads beyond English: Cyrillic text
is Ukrainian when it has the letters only Ukrainian uses (і ї є ґ) and Russian when it has
those only Russian uses (ы э ё); Latin text is Turkish when it has Turkish letters (one of
ğ ş ı İ at least, with ç ö ü three in all) and more Turkish than English function words.
Anything else is left undecided (None), which means English downstream, as before. It does not
tell other languages apart (German, French, Bulgarian...): the extractor has no rules for them,
so naming them would change nothing, and no detector library is needed.
A JSON-lines record's own "language" is more specific than its source's setting and wins over it
(``tracker.parse.jsonl``).
"""

from __future__ import annotations

import re

DEFAULT_LANGUAGE = "en"
# How much of a text detection reads: enough letters to decide, bounded for huge pages.
DETECT_CHARS = 5000
MIN_LETTERS = 20  # fewer letters than this say too little to go by
_TAG = re.compile(r"^[a-z]{2,3}$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_UKRAINIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN_ONLY = re.compile(r"[ыэёЫЭЁ]")
# Letters of other Cyrillic alphabets (Serbian, Macedonian, Belarusian, Kazakh...): such a text
# is neither Russian nor Ukrainian, whatever else it has.
_OTHER_CYRILLIC = re.compile(r"[јљњћђџѓќѕўҗқңүұһәөЈЉЊЋЂЏЃЌЅЎҚҢҮҰҺӘӨ]")
_TURKISH_ONLY = re.compile(r"[ğışĞİŞ]")
_TURKISH_SHARED = re.compile(r"[çöüÇÖÜ]")  # Turkish letters German or French have too
_AZERBAIJANI = re.compile(r"[əƏ]")
_WORD = re.compile(r"[^\W\d_]+")
_TURKISH_WORDS = frozenset("ve bir bu ile için da de olarak olan daha ama gibi çok ise".split())
_ENGLISH_WORDS = frozenset("the and of to in is was for that with on by".split())


def normalize_language(tag: str | None) -> str | None:
    """The primary subtag of a language tag, lower case ("uk-UA" -> "uk", "ru_RU" -> "ru");
    None for no tag or one that is not a two- or three-letter code."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if _TAG.match(primary) else None


def detect(text: str) -> str | None:
    """"ru", "uk" or "tr" when the text's letters say so, else None (undecided)."""
    sample = text[:DETECT_CHARS]
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    if cyrillic + latin < MIN_LETTERS:
        return None
    if cyrillic > latin:
        if _OTHER_CYRILLIC.search(sample):
            return None
        uk = len(_UKRAINIAN_ONLY.findall(sample))
        ru = len(_RUSSIAN_ONLY.findall(sample))
        # Each language's own letters are frequent (і in most Ukrainian sentences, ы in most
        # Russian ones); a few of the other's come with quoted names ("Київ" in Russian text).
        if uk > 2 * ru:
            return "uk"
        if ru > 2 * uk:
            return "ru"
        return None
    turkish = len(_TURKISH_ONLY.findall(sample))
    shared = len(_TURKISH_SHARED.findall(sample))
    if turkish == 0 or turkish + shared < 3 or _AZERBAIJANI.search(sample):
        return None
    # An English report on Turkey has names with Turkish letters ("Erdoğan", "Diyarbakır"); its
    # function words are English.
    words = [w.lower() for w in _WORD.findall(sample)]
    tr_words = sum(w in _TURKISH_WORDS for w in words)
    en_words = sum(w in _ENGLISH_WORDS for w in words)
    return "tr" if tr_words > en_words else None


def article_language(setting: str | None, declared: str | None, text: str) -> str:
    """The language of an article: the source's explicit setting, else the declared one, else
    the detected one, else English (see the module docstring for why "en" counts as unset)."""
    chosen = normalize_language(setting)
    if chosen and chosen != DEFAULT_LANGUAGE:
        return chosen
    return normalize_language(declared) or detect(text) or DEFAULT_LANGUAGE
