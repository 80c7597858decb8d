"""Candidate temporal-expression spans, found with compiled regular expressions over raw text.

Each rule is a (name, pattern) pair; ``find_candidates`` returns every match of every rule with
its character offsets. It does not decide which candidates are real or what they mean (that is
``normalize.py``) and it does not resolve overlaps (that is ``tagger.py``). Month and weekday
names are matched case-sensitively (capitalized or upper case) so the modal "may" or the verb
"march" never start a date; everything else is case-insensitive. For speed each rule only runs
in windows around its anchor words (one scan of the lower-cased text finds them all); this
gives exactly the matches a full scan would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.timex.lexicon import MONTH_ABBREVIATIONS, MONTH_FULL_NAMES, WEEKDAY_NAMES


def _alts(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _cased(words: tuple[str, ...]) -> list[str]:
    return [*words, *(w.upper() for w in words)]


WD = rf"(?:{_alts(_cased(WEEKDAY_NAMES))})"
WD_ABBR = r"(?:Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?"
MONTH_FULL = rf"(?:{_alts(_cased(MONTH_FULL_NAMES))})"
MONTH_ANY = rf"(?:{MONTH_FULL}|(?:{_alts(_cased(MONTH_ABBREVIATIONS))})\.?)(?![A-Za-z])"
DAYNUM = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![\d])"
YEAR = r"(?:1[0-9]{3}|20[0-9]{2})(?![\d])"
# Days spelled as ordinals ("March eighth", as transcripts write them), only before punctuation, a
# year or a preposition: not "May first quarter", not "the blast in April first triggered".
DAY_ORDW = (r"(?i:thirty-first|thirtieth|twenty-(?:first|second|third|fourth|fifth|sixth|seventh"
            r"|eighth|ninth)|twentieth|nineteenth|eighteenth|seventeenth|sixteenth|fifteenth"
            r"|fourteenth|thirteenth|twelfth|eleventh|tenth|ninth|eighth|seventh|sixth|fifth"
            r"|fourth|third|second|first)")
_ONES = "one|two|three|four|five|six|seven|eight|nine"
NUMW = (
    r"(?:\d{1,3}(?:\s+|-)1/2(?![\d/])|\d{1,4}(?:\.\d+)?(?![\d,/])|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    rf"(?:[- ](?:{_ONES}))?|zero|{_ONES}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|(?:a|one)\s+hundred|a|an|half\s+a|a\s+half)"
)
VAGUE = (r"(?:several|a\s+few|few|many|a\s+couple\s+of|a\s+couple|couple\s+of|a\s+number\s+of"
         r"|numerous)")
QUANT = rf"(?:{VAGUE}|{NUMW}(?:\s+(?:to|or|and\s+a\s+half)(?:\s+{NUMW})?)?)"
UNIT = (
    r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|quarters?|years?"
    r"|decades?|century|centuries|weekends?)"
)
SEASON = r"(?:spring|summer|fall|autumn|winter)"
ORD = r"(?:first|second|third|fourth|1st|2nd|3rd|4th|final)"

_RULES: list[tuple[str, str]] = [
    ("iso", r"(?<![\d/.-])(?P<y>\d{4})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])"
            r"(?:T(?P<hh>[01]\d|2[0-3]):(?P<mi>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?"
            r"(?:Z|[+-]\d\d:?\d\d)?)?(?![\d])"),
    ("slash", r"(?<![\d/.-])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d/])"),
    ("ymd_slash", r"(?<![\d/.-])(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])"),
    ("dotted", r"(?<![\d/.-])(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.(?P<y>\d{4})(?![\d.])"),
    ("mdy", rf"(?:(?P<wd>{WD}|{WD_ABBR})\s*,?\s+)?(?P<mon>{MONTH_ANY})\s*(?:(?P<d>{DAYNUM})"
            rf"|\s(?P<dw>{DAY_ORDW})(?=\s*(?:[,.;:)]|$)|\s+(?:\d{{4}}|at|in|on|and|to|when)\b))"
            rf"(?:\s*[-–]\s*(?P<d2>3[01]|[12][0-9]|0?[1-9])(?![\d:.]))?"
            rf"(?:(?:\s*,\s*|\s+)(?P<y>{YEAR}))?"),
    ("dmy", rf"(?:(?P<wd>{WD}|{WD_ABBR})\s*,?\s+)?(?:(?i:the)\s+)?(?<![\d.,$])(?P<d>{DAYNUM})"
            rf"(?:\s*[-–]\s*(?P<d2>3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?)?"
            rf"(?:\s+(?i:of))?\s+(?P<mon>{MONTH_ANY})(?:(?:\s*,\s*|\s+)(?P<y>{YEAR}))?"),
    ("month_year", rf"(?P<mon>{MONTH_ANY})\s*,?\s+(?:(?i:of)\s+)?(?P<y>{YEAR})"),
    ("month", rf"(?<![\w])(?P<mon>{MONTH_FULL})(?![\w-])"),
    ("year", r"(?<![\w$£€#.,/:'])(?<!\d-)(?P<y>1[0-9]{3}|20[0-9]{2})(?![\w%]|[.,:/]\d|-\d)"),
    ("year_pair", r"(?<![\w$£€#.,/:'-])(?P<y1>(?:1[5-9]|20)\d\d)(?=\s*[-–/]\s*(?:(?:1[5-9]|20)\d\d"
                  r"|\d\d)(?![\w%-]|[.,]\d))"
                  r"|(?<=\d\d[-–/])(?P<y2>(?:1[5-9]|20)\d\d|\d\d)(?![\w%-]|[.,]\d)"),
    ("fiscal_year", rf"\b(?i:fiscal)(?:\s+(?i:year))?[\s-]+(?P<y>{YEAR})"
                    r"|\bFY\s?(?P<y2>\d{4}|\d{2})\b|\b(?i:the\s+year)\s+(?P<y3>" + YEAR + ")"),
    ("decade", r"(?:(?P<the>(?i:the))\s+)?(?:(?P<dec>(?:1[0-9]|20)[0-9]0)'?s"
               r"|['\u2019](?P<d2>[0-9]0)'?s|(?P<dw>(?i:twenties|thirties|forties|fifties|sixties"
               r"|seventies|eighties|nineties)))\b"),
    ("century", r"\b(?i:(?:the\s+)?(?P<ord>\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth"
                r"|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
                r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth"
                r"|twenty-first)[\s-]+century)\b"),
    ("century_rel", r"\b(?i:(?P<det>this|last|next|the\s+(?:last|past|next|previous|current)"
                    r"|the)\s+century)\b(?!-)"),
    ("season", rf"\b(?i:(?:(?P<det>this\s+past|this\s+coming|this|last|next|the|that|the\s+coming"
               rf"|the\s+past|the\s+previous|the\s+following|early|late|mid)[\s-]+)?"
               rf"(?P<s>{SEASON})(?:\s*,?\s+(?:of\s+)?(?P<y>{YEAR}))?)\b(?!-)"),
    ("quarter", rf"\b(?i:(?:(?P<det>the|its|their|this|that|last|next|a|(?P<ry2>this|last|next)"
                rf"\s+year's)\s+)?"
                rf"(?:(?P<adj>latest|current|previous|same|comparable|corresponding|year-earlier"
                rf"|year-ago|fiscal|calendar|{YEAR})[\s-]+)?(?:(?:fiscal|calendar)[\s-]+)?"
                rf"(?P<ord>{ORD}|last|latter)[\s-]+(?:fiscal\s+)?(?P<unit>quarter|half)"
                rf"(?:\s+(?:of\s+)?(?:(?:fiscal|calendar)\s+)?(?:(?P<y>{YEAR})"
                rf"|(?P<ry>this|last|next)\s+year|(?P<ty>the)\s+(?:current\s+)?year))?)\b(?![-\w])"),
    ("half_abbr", rf"\b(?P<h>H[12])\s*(?P<y>{YEAR})|\b(?P<y0>{YEAR})\s*(?P<h0>H[12])\b"),
    ("rel_day", r"\b(?i:(?P<w>the\s+(?:previous|next|following|same)\s+day"
                r"|the\s+day\s+(?:before|after)|that\s+(?:same\s+)?day|the\s+(?:previous|next|following)\s+(?:morning|evening"
                r"|night)))\b"),
    ("q_abbr", rf"\b(?P<q>Q[1-4])(?:\s*(?:of\s+)?(?P<y>{YEAR})|\s*(?:FY|')(?P<yy>\d\d)\b)?\b"
               rf"|\b(?P<y0>{YEAR})\s*(?P<q0>Q[1-4])\b"),
    ("quarter_rel", r"\b(?i:(?P<det>the|this|last|next|that|its|their)\s+(?:(?P<adj>latest|current"
                    rf"|corresponding|{YEAR}"
                    r"|previous|past|last|next|same|coming|recent|most\s+recent|just-ended"
                    r"|year-earlier|year-ago|comparable|fiscal|june|september|december|march)"
                    r"[\s-]+)?(?P<unit>quarter|period))\b(?![-\w])"),
    ("year_ago", r"\b(?i:(?:the\s+)?(?:comparable\s+|same\s+)?year-(?:earlier|ago)"
                 r"(?:\s+(?P<what>period|quarter|(?P<months>nine|six|three)\s+months))?)\b(?!-)"),
    ("week_of", rf"\b(?i:the\s+week\s+of)\s+(?P<mon>{MONTH_ANY})\s*(?P<d>{DAYNUM})"
                rf"(?:(?:\s*,\s*|\s+)(?P<y>{YEAR}))?"),
    ("year_end", r"\b(?i:(?:the\s+)?(?:year[-\s]end|year's\s+end|end-of-year))\b(?!-)"),
    ("spoken_year", rf"\b(?:(?P<mon>{MONTH_FULL})\s+|(?i:the\s+year)\s+)?"
                    r"(?i:(?P<c>nineteen|twenty)[\s-]+(?P<rest>(?:twenty|thirty|forty|fifty"
                    r"|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven"
                    r"|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
                    r"|eighteen|nineteen|hundred)|(?P<tt>two\s+thousand)(?:\s+and\s+(?P<tr>one|two"
                    r"|three|four|five|six|seven|eight|nine|ten))?)\b(?![\s-]+(?:years?|days?"
                    r"|people|dollars|percent|months|weeks|hours|times|thousand|million|billion))"),
    ("rel_unit", r"\b(?i:(?P<det>this|last|next|past|the\s+past|the\s+last|the\s+next|the\s+coming"
                 r"|the\s+previous|the\s+following|the\s+current|current|the\s+same|that|coming"
                 r"|previous|following|the\s+full|the|this\s+past|this\s+coming)"
                 r"\s+(?P<fiscal>fiscal\s+)?(?P<unit>week|weekend|month|year|decade|fortnight))\b(?![-\w]|'(?!s\b|'))"),
    ("rel_unit_the", r"\b(?i:(?P<pre>(?:the\s+)?(?:end|beginning|start|middle|close|rest|remainder"
                     r"|balance)\s+of|(?:earlier|later)\s+in)\s+the\s+(?P<unit>year|month|week"
                     r"|quarter|decade))\b(?![-\w])"),
    ("rel_named", rf"\b(?i:(?P<det>last|next|this\s+past|this\s+coming|this|the\s+coming"
                  rf"|the\s+previous|the\s+following|coming|past))\s+(?P<name>{WD}|{MONTH_FULL})\b"),
    ("named_rel_year", rf"(?P<mon>{MONTH_FULL})\s+(?i:(?P<ry>this|last|next)\s+year)\b"),
    ("weekday", rf"(?<![\w-])(?P<wd>{WD})(?P<pl>s)?(?![\w-])"),
    ("pod", rf"\b(?:(?P<day>(?i:this|last|yesterday|tomorrow|today|tonight))|(?P<wd>{WD}))"
            r"\s+(?i:(?P<pod>morning|afternoon|evening|night))\b"),
    ("pod_bare", r"(?i:(?:(?<=\bin\s)|(?<=\bby\s)|(?<=\bduring\s))the\s+(?P<pod>morning|afternoon"
                 r"|evening)(?!\s+(?:of|after|before|papers?|news|show|edition|session|rush)\b)"
                 r"|\b(?P<mid>mid|early|late)[\s-]?(?P<pod2>morning|afternoon|evening)"
                 r"(?:\s+(?P<day>yesterday|today|tomorrow))?)\b(?!-)"),
    ("nth_day", r"(?i:(?<=\bis\s)|(?<='s\s)|(?<=\bmarks\s))(?i:the\s+)?(?P<ord>(?i:second|third"
                r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth)|\d{1,3}(?:st|nd|rd|th))"
                r"\s+(?i:(?:straight|consecutive|successive)\s+)?(?i:day)\b(?!-)"),
    ("deictic", r"\b(?i:(?P<w>the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow|today"
                r"|yesterday|tomorrow|tonight|overnight))\b(?!-)"),
    ("refs", r"\b(?i:(?P<w>now|currently|nowadays|these\s+days|at\s+present"
             r"|the\s+present\s+day|the\s+present|recently|lately"
             r"|the\s+(?:near|distant|foreseeable|immediate)\s+(?:future|term)|the\s+future"
             r"|the\s+past|in\s+the\s+short\s+term|current|recent|future))\b(?!-|'(?!s\b|'))"),
    ("ago", rf"(?<![\d$.,])\b(?i:(?P<q>{QUANT})(?:\s+(?:more|full|long))?[\s-]+(?P<unit>{UNIT})"
            r"(?P<half>\s+and\s+a\s+half)?(?:\s+or\s+(?:so|more|two|three))?"
            r"\s+(?P<dir>ago|earlier|later|from\s+now|hence|back))\b"),
    ("duration", rf"(?<![\d$.,])\b(?i:(?:(?P<det>the|these|those|its|their|his|her|our|a|an)\s+)?"
                 r"(?:(?P<rel>past|last|next|first|coming|previous|following|final|latest"
                 r"|remaining|initial|ensuing|preceding|subsequent|additional|extra|further"
                 r"|other)\s+)?"
                 rf"(?P<q>{QUANT})(?:\s+(?:more|additional|extra|full|straight|consecutive|trading"
                 r"|business|working|calendar|school"
                 rf"|long|successive|whole|entire))?[\s-]+(?P<unit>{UNIT})"
                 r"(?P<half>\s+and\s+a\s+half)?(?P<adj>-long|-old)?)\b(?!-|'(?!s\b|'))"),
    ("vague_dur", r"\b(?i:(?:(?P<det>recent|coming|past|the\s+past|the\s+coming|the\s+next"
                  r"|the\s+last|the\s+following|the\s+ensuing|for|in|over|within|the)\s+)?"
                  r"(?P<unit>years|months|weeks|days|decades|hours|minutes|centuries)"
                  r"(?:\s+(?P<dir>ago|ahead|earlier|later))?)\b(?!-|'(?!s\b|'))"),
    ("set_every", rf"\b(?i:(?P<w>every|each|per)\s+(?:(?P<q>{QUANT}|other)\s+)?"
                  rf"(?P<unit>{UNIT}|morning|afternoon|evening|night|{SEASON}))\b"),
    ("set_named", rf"\b(?i:every|each)\s+(?P<name>{WD}|{MONTH_FULL})\b"),
    ("set_adverb", r"\b(?i:(?P<w>hourly|daily|nightly|weekly|biweekly|monthly|yearly|annually"
                   r"|quarterly(?!\s+[a-z])))\b(?!-)"),
    ("set_times", rf"\b(?i:(?P<n>once|twice|thrice|(?:{NUMW})\s+times)\s+(?:a|an|per|each|every)"
                  rf"\s+(?P<unit>{UNIT}))\b"),
    ("time", r"(?<![\d:.$,])\b(?:(?P<h>1[0-2]|0?[1-9])(?:[:.](?P<mi>[0-5]\d))?\s*"
             r"(?P<ap>(?i:a\.m\.|p\.m\.|a\.m|p\.m|am|pm))(?![A-Za-z])"
             r"|(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)(?![\d:]|\.\d)"
             r"|(?P<oc>1[0-2]|[1-9]|(?i:one|two|three|four|five|six|seven|eight|nine|ten|eleven"
             r"|twelve))\s+o'clock(?:\s+(?i:in\s+the\s+(?P<ocpod>morning|afternoon|evening)"
             r"|(?P<ocnight>at\s+night)))?|(?P<w>(?i:noon|midnight|midday))"
             r"|(?P<hp>1[0-2]|[1-9])\s+(?i:in\s+the\s+(?P<pod>morning|afternoon|evening)|at\s+night))"
             r"(?:\s+(?P<tz>[ECMP][SD]T|GMT|UTC|[ECMP]T)\b)?"),
    ("holiday", r"\b(?:(?P<det>(?i:last|next|this))\s+)?"
                r"(?P<h>Christmas\s+Eve|Christmas\s+Day|Christmas|New\s+Year['’]s\s+Eve"
                r"|New\s+Year['’]s\s+Day|New\s+Year['’]s|Independence\s+Day|Halloween"
                r"|Valentine['’]s\s+Day|Thanksgiving\s+Day|Thanksgiving|Labou?r\s+Day"
                r"|Memorial\s+Day|Easter\s+Sunday|Easter\s+Monday|Easter|Good\s+Friday"
                r"|(?:Holy|Maundy)\s+Thursday|Palm\s+Sunday|Ash\s+Wednesday|Black\s+Friday"
                r"|Cyber\s+Monday|Veterans\s+Day|Boxing\s+Day|Mother['’]s\s+Day|Father['’]s\s+Day"
                r"|Juneteenth|Bastille\s+Day|Canada\s+Day|Australia\s+Day|Anzac\s+Day"
                r"|(?:Remembrance|Armistice)\s+Day|May\s+Day|Victory\s+Day|Election\s+Day"
                r"|Fourth\s+of\s+July|July\s+Fourth)\b"
                r"(?P<wk>\s+(?i:week)\b)?(?:\s+(?P<y>" + YEAR + "))?"),
]

RULES: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(p)) for name, p in _RULES]
RULE_RANK: dict[str, int] = {name: i for i, (name, _) in enumerate(_RULES)}

# Each rule only runs near its anchors: lower-case literals (or "#" for any digit) that every
# match of the rule contains. Scanning the lower-cased text once for all anchors and running
# each rule in windows around its own anchors is several times faster than running every rule
# over the whole text, and gives the same matches (a match is far shorter than a window).
# A literal written "<now" must start a word and "<per>" must be a whole word: as bare
# substrings they hide in common words ("know", "percent", "parties", "doctor", "behalf") and
# would open windows, and run rules, all over an article.
_D = "#"
_UNIT = ("second", "minute", "hour", "day", "night", "week", "fortnight", "month", "quarter",
         "year", "decade", "centur")
_MONTHS = ("<jan>", "<january>", "<feb>", "<february>", "<mar>", "<march>", "<apr>", "<april>",
           "<may>", "<jun>", "<june>", "<jul>", "<july>", "<aug>", "<august>", "<sep>",
           "<sept>", "<september>", "<oct>", "<october>", "<nov>", "<november>", "<dec>",
           "<december>")
_RULE_ANCHORS: dict[str, tuple[str, ...]] = {
    "iso": (_D,), "slash": (_D,), "ymd_slash": (_D,), "dotted": (_D,),
    "mdy": _MONTHS, "dmy": _MONTHS, "month_year": _MONTHS, "month": _MONTHS,
    "week_of": _MONTHS, "named_rel_year": _MONTHS,
    "year": (_D,), "year_pair": (_D,), "fiscal_year": (_D,), "half_abbr": (_D,),
    "rel_day": ("day", "morning", "evening", "night"),
    "decade": (_D, "<twenties", "<thirties", "<forties", "<fifties", "<sixties", "<seventies",
               "<eighties", "<nineties"),
    "q_abbr": (_D,),
    "century": ("centur",), "century_rel": ("centur",),
    "season": ("<spring", "summer", "<fall", "autumn", "winter"),
    "quarter": ("quarter", "<half"), "quarter_rel": ("quarter", "period"),
    "year_ago": ("year",), "year_end": ("year",),
    "rel_unit": (*_UNIT, "weekend"), "rel_unit_the": _UNIT,
    "rel_named": (*_MONTHS, "day"), "weekday": ("day",),
    "pod": ("morning", "afternoon", "evening", "night"),
    "pod_bare": ("morning", "afternoon", "evening"),
    "nth_day": ("day",),
    "deictic": ("day", "tonight", "overnight", "tomorrow"),
    "refs": ("<now", "current", "recent", "lately", "previous", "future", "past",
             "<present", "these days", "short term", "near term"),
    "ago": _UNIT, "duration": _UNIT, "vague_dur": _UNIT,
    "set_every": ("<every>", "<each>", "<per>"), "set_named": ("<every>", "<each>"),
    "set_adverb": ("hourly", "daily", "nightly", "weekly", "monthly", "quarterly", "yearly",
                   "annually"),
    "set_times": ("<once>", "<twice>", "<thrice>", "times"),
    "time": (_D, "noon", "midnight", "midday", "o'clock", "morning", "afternoon", "evening",
             "night"),
    "holiday": ("christmas", "new year", "independence", "halloween", "valentine", "<july>",
                "thanksgiving", "day", "easter", "juneteenth"),
    "spoken_year": ("nineteen", "twenty", "two thousand"),
}


def _bare(literal: str) -> str:
    return literal.strip("<>")


def _rules_inside(word: str, starts_word: bool, ends_word: bool) -> list[str]:
    """The rules of every anchor literal found in ``word`` whose word bounds hold there, given
    whether ``word`` itself starts and ends a word of the text. A scan finds only the longest
    literal at a place ("tonight", not "night"), so it stands for the ones inside it too."""
    rules: set[str] = set()
    for rule, literals in _RULE_ANCHORS.items():
        for literal in literals:
            inner = _bare(literal)
            if literal == _D or inner not in word:
                continue
            for at in range(len(word) - len(inner) + 1):
                if not word.startswith(inner, at):
                    continue
                start_ok = starts_word if at == 0 else not word[at - 1].isalpha()
                end = at + len(inner)
                end_ok = ends_word if end == len(word) else not word[end].isalpha()
                if (start_ok or not literal.startswith("<")) and \
                        (end_ok or not literal.endswith(">")):
                    rules.add(rule)
    return sorted(rules)


_WORDS = sorted({_bare(w) for lits in _RULE_ANCHORS.values() for w in lits if w != _D},
                key=len, reverse=True)
# For each literal: its rules when the match (starts a word, ends a word).
_KEY_RULES: dict[tuple[str, bool, bool], list[str]] = {
    (w, sw, ew): _rules_inside(w, sw, ew)
    for w in _WORDS for sw in (False, True) for ew in (False, True)
}
_DIGIT_RULES = sorted(rule for rule, lits in _RULE_ANCHORS.items() if _D in lits)
_ANCHOR = re.compile(r"\d+|" + "|".join(re.escape(w) for w in _WORDS))
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
WINDOW = 80  # characters either side of an anchor; more than any candidate reaches past it

assert set(_RULE_ANCHORS) == {name for name, _ in _RULES}


@dataclass(frozen=True)
class Candidate:
    """One rule's match: the rule name, the span, and the regex match for its groups."""

    rule: str
    start: int
    end: int
    match: re.Match[str]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    out: list[tuple[int, int]] = []
    for lo, hi in spans:
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _windows(text: str) -> dict[str, list[tuple[int, int]]]:
    """For each rule, the merged character windows around its anchors."""
    low = text.lower()
    if len(low) != len(text):  # rare Unicode ("İ") lowers to two characters: keep offsets
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    matches = _ANCHOR.finditer(low)
    n = len(text)
    by_literal: dict[str, list[tuple[int, int]]] = {}
    rules_of: dict[str, list[str]] = {_D: _DIGIT_RULES}
    for m in matches:
        start, end = m.span()
        lit = m.group()
        if lit[0].isdigit():
            key = _D
        else:
            lit = lit.lower()
            starts_word = start == 0 or low[start - 1] not in _LETTERS
            ends_word = end == n or low[end] not in _LETTERS
            key = f"{lit}{starts_word:d}{ends_word:d}"
            if key not in rules_of:
                rules_of[key] = _KEY_RULES[(lit, starts_word, ends_word)]
        spans = by_literal.setdefault(key, [])
        lo, hi = max(0, start - WINDOW), min(n, end + WINDOW)
        if spans and lo <= spans[-1][1]:
            if hi > spans[-1][1]:
                spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    per_rule: dict[str, list[tuple[int, int]]] = {}
    for key, spans in by_literal.items():
        for rule in rules_of[key]:
            per_rule.setdefault(rule, []).extend(spans)
    return {rule: _merge(spans) for rule, spans in per_rule.items()}


def find_candidates(text: str) -> list[Candidate]:
    """Every match of every rule in ``text``, unordered and possibly overlapping."""
    windows = _windows(text)
    out: list[Candidate] = []
    for name, pattern in RULES:
        for lo, hi in windows.get(name, ()):
            for m in pattern.finditer(text, lo, hi):
                if m.end() > m.start():
                    out.append(Candidate(name, m.start(), m.end(), m))
    return out
