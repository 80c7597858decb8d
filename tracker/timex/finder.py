"""Candidate temporal-expression spans, found with compiled regular expressions over raw text.

Each rule is a (name, pattern) pair; ``find_candidates`` returns every match of every rule with
its character offsets. It does not decide which candidates are real or what they mean (that is
``normalize.py``) and it does not resolve overlaps (that is ``tagger.py``). Month and weekday
names are matched case-sensitively (capitalized or upper case) so the modal "may" or the verb
"march" never start a date; everything else is case-insensitive. For speed each rule only runs
in windows around its anchor words (one scan of the lower-cased text finds them all), and most
case-insensitive rules are first tried on that lower-cased text; this gives exactly the matches
a full scan would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.timex.lexicon import (
    MONTH_ABBREVIATIONS,
    MONTH_FULL_NAMES,
    WEEKDAY_NAMES,
    alternation,
    time_zones,
)


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
    # Not the tail of a longer number or an amount ("21000s", "$1000s", "1,1000s").
    ("decade", r"(?:(?P<the>(?i:the))\s+)?(?:(?<![\d$£€#])(?<!\d[.,])"
               r"(?P<dec>(?:1[0-9]|20)[0-9]0)'?s"
               r"|['\u2019](?P<d2>[0-9]0)'?s|(?P<dw>(?i:twenties|thirties|forties|fifties|sixties"
               r"|seventies|eighties|nineties)))\b"),
    # "'82", "the class of '98", "June '82": a year in two digits after an apostrophe, not a
    # decade ("'90s", the rule above), a quote ("'98 percent'") or a clock ("'10:30").
    ("apos_year", rf"(?:(?P<mon>{MONTH_FULL})\s+)?(?<![\w'’])['’](?P<yy>\d\d)(?![\w'’]|[.,:]\d)"),
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
                r"|night)|the\s+day))\b"),
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
                     r"|quarter|decade|day))\b(?![-\w])"),
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
             r"|the\s+past|in\s+the\s+short\s+term|current|recent|future"
             # Said of the present or the near future without a calendar date: "for the time
             # being", "at the moment", "(very) soon", "shortly" (the handler reads the context).
             r"|(?<=\bfor\s)the\s+time\s+being|(?<=\bat\s)(?:the|this)\s+moment"
             r"|(?:very\s+)?soon|shortly))\b(?!-|'(?!s\b|'))"),
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
                   r"|annual|biannual|semiannual|quarterly))\b(?!-)"),
    ("set_times", rf"\b(?i:(?P<n>once|twice|thrice|(?:{NUMW})\s+times)\s+(?:a|an|per|each|every)"
                  rf"\s+(?P<unit>{UNIT}))\b"),
    ("time", r"(?<![\d:.$,])\b(?:(?P<h>1[0-2]|0?[1-9])(?:[:.](?P<mi>[0-5]\d))?\s*"
             r"(?P<ap>(?i:a\.m\.|p\.m\.|a\.m|p\.m|am|pm))(?![A-Za-z])"
             r"|(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)(?![\d:]|\.\d)"
             r"|(?P<oc>1[0-2]|[1-9]|(?i:one|two|three|four|five|six|seven|eight|nine|ten|eleven"
             r"|twelve))\s+o'clock(?:\s+(?i:in\s+the\s+(?P<ocpod>morning|afternoon|evening)"
             r"|(?P<ocnight>at\s+night)))?|(?P<w>(?i:noon|midnight|midday))"
             r"|(?P<hp>1[0-2]|[1-9])\s+(?i:in\s+the\s+(?P<pod>morning|afternoon|evening)|at\s+night))"
             rf"(?:\s+(?P<tz>{alternation(time_zones())}|[ECMP]T)\b)?"),
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

# Each rule only runs near its anchors: lower-case literals (or "#" for any digit run) that
# every match of the rule contains. Scanning the lower-cased text once for all anchors and
# running each rule in windows around its own anchors is several times faster than running
# every rule over the whole text, and gives the same matches.
# A literal written "<now" must start a word and "<per>" must be a whole word: as bare
# substrings they hide in common words ("know", "percent", "parties", "doctor", "behalf") and
# would open windows, and run rules, all over an article.
# Each rule also says how far its matches reach from an anchor: (literals, characters before
# the anchor's start, characters after its end). The reaches are the longest match a rule can
# make around that anchor, counting each run of spaces as up to 7 characters (texts with
# longer runs of spaces or hyphens get windows of at least WINDOW), plus what its lookaheads
# read. Where a match can contain several anchors (the digit runs of "2024-05-06"), their
# windows join up.
_D = "#"
_MONTHS = ("<jan>", "<january>", "<feb>", "<february>", "<mar>", "<march>", "<apr>", "<april>",
           "<may>", "<jun>", "<june>", "<jul>", "<july>", "<aug>", "<august>", "<sep>",
           "<sept>", "<september>", "<oct>", "<october>", "<nov>", "<november>", "<dec>",
           "<december>")
# Rules that take a month name right after a letter ("inMay 5") need no word start.
_MONTH_ENDS = tuple(m.lstrip("<") for m in _MONTHS)
# A unit word in a duration starts a word ("two-day", not "Monday" or "today").
_UNIT_START = ("<second", "<minute", "<hour", "<day", "<night", "<week", "<fortnight",
               "<month", "<quarter", "<year", "<decade", "<centur")
_UNIT_WORD = ("<week>", "<month>", "<year>", "<decade>")
_RULE_ANCHORS: dict[str, tuple[tuple[str, ...], int, int]] = {
    # Matches made of digit runs start at one (a lookbehind reads before the window anyway)
    # and end a few characters after the last.
    "iso": ((_D,), 8, 16), "slash": ((_D,), 8, 16), "ymd_slash": ((_D,), 8, 16),
    "dotted": ((_D,), 8, 16), "year": ((_D,), 8, 16), "year_pair": ((_D,), 8, 24),
    "fiscal_year": ((_D,), 30, 16),  # "fiscal year 2024", "the year 2024"
    "half_abbr": ((_D,), 30, 16), "q_abbr": ((_D,), 30, 24),  # "H1 2024", "Q3 of 2024"
    "decade": ((_D, "twenties", "thirties", "forties", "fifties", "sixties", "seventies",
                "eighties", "nineties"), 30, 16),  # "the 1990s", "the '90s", "the sixties"
    # "ten o'clock in the morning EST", "10 in the morning EST"
    "time": ((_D, "noon", "midnight", "midday", "o'clock"), 30, 50),
    # "Wednesday, March twenty-first, 2024", "Wednesday, the 30th - 31st of March, 2024"
    "mdy": (_MONTH_ENDS, 30, 60), "dmy": (_MONTHS, 80, 30),
    "month_year": (_MONTH_ENDS, 10, 40), "month": (_MONTHS, 10, 10),
    "week_of": (_MONTHS, 40, 40), "named_rel_year": (_MONTH_ENDS, 10, 30),
    # "the following Wednesday": a weekday name ends in "day"
    "rel_named": ((*_MONTHS, "day>"), 40, 10), "weekday": (("day",), 10, 10),
    "rel_day": (("<day>", "morning", "evening", "night"), 40, 20),
    "century": (("centur",), 40, 10), "century_rel": (("centur",), 40, 10),
    "apos_year": ((_D,), 20, 16),  # "September '82"
    "season": (("<spring", "summer", "<fall", "autumn", "winter"), 40, 40),
    # "next year's latest fiscal first quarter of the current year"
    "quarter": (("<quarter", "<half"), 80, 70), "quarter_rel": (("<quarter", "<period"), 50, 10),
    "year_ago": (("<year",), 40, 40), "year_end": (("<year",), 30, 20),
    "rel_unit": ((*_UNIT_WORD, "<weekend>", "<fortnight>"), 50, 10),
    "rel_unit_the": ((*_UNIT_WORD, "<quarter>", "<day>"), 60, 10),  # "the remainder of the year"
    "pod": (("morning", "afternoon", "evening", "night"), 30, 10),
    "pod_bare": (("morning", "afternoon", "evening"), 30, 30),
    "nth_day": (("<day>",), 50, 10),
    "deictic": (("day", "tonight", "overnight", "tomorrow"), 50, 40),
    # Words, not phrases: a phrase literal would miss "these  days" or "New\nYear's".
    "refs": (("<now", "current", "recent", "lately", "previous", "future", "past",
              "<present", "<these>", "<term>", "<being>", "<moment>", "<soon>", "<shortly>"),
             40, 20),
    # "ago" ends at its direction word ("two years and a half or so ago"), which is at most 90
    # characters after its unit, and it starts at most 80 (a window's old reach) before that.
    "ago": (("<ago>", "<earlier>", "<later>", "<hence>", "<back>", "<now>"), 170, 10),
    "duration": (_UNIT_START, 80, 40),  # ends right after its unit: "two and a half years-long"
    "vague_dur": (("<year", "<month", "<week", "<day", "<decade", "<hour", "<minute",
                   "<centur"), 40, 30),
    "set_every": (("<every>", "<each>", "<per>"), 10, 80),
    "set_named": (("<every>", "<each>"), 10, 30),
    "set_adverb": (("hourly", "daily", "nightly", "weekly", "monthly", "quarterly", "yearly",
                    "annual"), 10, 20),
    "set_times": (("<once>", "<twice>", "<thrice>", "times"), 80, 40),
    "holiday": (("christmas", "year's", "year’s", "independence", "halloween", "valentine",
                 "<july>", "thanksgiving", "day>", "easter", "juneteenth"), 40, 50),
    "spoken_year": (("nineteen", "twenty", "<thousand"), 40, 50),
}
assert set(_RULE_ANCHORS) == {name for name, _ in _RULES}
WINDOW = 80
_LONG_GAP = re.compile(r"[\s-][\s-]{7}")  # not [\s-]{8}: re finds a leading class faster

# Some rules need more than the anchor right next to it: a duration's unit comes after its
# quantity ("three weeks", not "last week"), a day-month date's month after its day or "of", a
# month-day date's month before its day, a clock time's number before ":", "a.m." or
# "o'clock", a decade's digits before "s". An anchor without it opens no window for them (on
# texts with long gaps every anchor does). Checked on the lower-cased text, a guard only needs
# to let through every place the rule could match; where a match holds several anchors, one
# that passes must reach over it (the first digit run of "2024-05-06T10:20", the last ones
# too: they need "-0", ":2" after them, or are long).
_GUARD_REACH = 48  # characters, beyond each guard's longest match
_GUARDS: dict[str, tuple[re.Pattern[str], bool]] = {  # name -> (pattern, reads before anchor)
    "quantity": (re.compile(
        rf"(?:\d|\b(?:several|few|many|of|couple|numerous|zero|{_ONES}|ten|eleven|twelve"
        r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty"
        r"|fifty|sixty|seventy|eighty|ninety|hundred|a|an|half|to|or|more|additional|extra"
        r"|full|straight|consecutive|trading|business|working|calendar|school|long"
        r"|successive|whole|entire))[\s-]+\Z"), True),
    "day_before": (re.compile(r"(?:\d(?:st|nd|rd|th)?|\bof)\s+\Z"), True),
    "day_after": (re.compile(rf"\.?\s*(?:\d|\s{DAY_ORDW})"), False),
    "year_after": (re.compile(r"\.?\s*,?\s+(?:of\s+)?(?:1\d|20)"), False),
    "fiscal": (re.compile(r"(?:fiscal|year|fy)[\s-]*\Z"), True),
    "separated": (re.compile(r"[^\s\d]\d|(?<=\d{5})"), False),
    "year_range": (re.compile(r"\s*[-–/]\s*\d"), False),
    # A word anchor needs nothing ("noon", "the sixties").
    "clock": (re.compile(r"(?<!\d)|[:.]\d|\s*[ap]|\s+(?:o'clock|in\s+the\s|at\s+night)"), False),
    "decade": (re.compile(r"(?<!\d)|'?s"), False),
    "apostrophe": (re.compile(r"['’]\Z"), True),
}
_RULE_GUARD = {"duration": "quantity", "dmy": "day_before", "mdy": "day_after",
               "month_year": "year_after", "fiscal_year": "fiscal", "iso": "separated",
               "slash": "separated", "ymd_slash": "separated", "dotted": "separated",
               "year_pair": "year_range", "time": "clock", "decade": "decade",
               "apos_year": "apostrophe"}

# A window ends after the word it would cut and the next one, before a space: a lookahead at
# a window's end would read the end of the text there ("June" of "Juneteenth" would pass for a
# month).
_CUT = re.compile(r"\S*\s*\S*")
_CUT_MAX = 200


def _cut(text: str, hi: int) -> int:
    """Where a window reaching ``hi`` ends, at most _CUT_MAX characters farther."""
    m = _CUT.match(text, hi, hi + _CUT_MAX)
    return m.end() if m else hi


# Most rules are case-insensitive but for a few lookahead letters ("year's" yes, "year'S"
# no). They are first tried, without the case folding, on lower-cased text: several times
# faster (re tests a branch's first character cheaply only when it is case-sensitive). That
# finds every place the rule matches (and rarely more: "year'S"), as long as lower-casing maps
# a character to an ASCII letter exactly when (?i) matches it to that letter (hence the three
# fixes below; "İ" alone lower-cases to two characters) and keeps word, space and digit
# characters so. Each place found is then matched by the rule itself on the text.
_CASELESS_RULES = ("duration", "ago", "vague_dur", "rel_unit", "rel_unit_the", "century",
                   "century_rel", "season", "quarter", "rel_day", "quarter_rel", "year_ago",
                   "year_end", "pod_bare", "deictic", "refs", "set_every", "set_adverb",
                   "set_times")
_FOLD_FIXES = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def _caseless(pattern: str) -> str:
    """``pattern`` with its ``(?i:...)`` groups made plain, to find on lower-cased text every
    place where ``pattern`` matches the text. Its letters must be lower case and either in
    such a group or outside negative lookarounds (or inside two): a case-sensitive "s" that
    also takes "S" only lets more through there."""
    out: list[str] = []
    groups: list[str] = []  # for each open group: "i" for (?i:...), "!" if negative, or ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        step = 1
        if pattern.startswith("(?i:", i):
            groups.append("i")
            out.append("(?:")
            i += 4
            continue
        if ch == "\\":
            step = 2  # an escape such as \b or \s: no letter
        elif ch == "(":
            negative = pattern.startswith(("(?!", "(?<!"), i)
            groups.append("!" if negative else "")
            if pattern.startswith("(?P<", i):
                step = pattern.index(">", i) + 1 - i  # a group's name is no literal
        elif ch == ")":
            groups.pop()
        else:
            if ch == "[":
                step = pattern.index("]", i + 2) + 1 - i  # no class here starts with "]"
            letters = re.sub(r"\\.", "", pattern[i : i + step])
            if re.search("[A-Za-z]", letters):
                assert letters.islower(), pattern[i:]
                assert "i" in groups or (ch != "[" and groups.count("!") % 2 == 0), pattern[i:]
        out.append(pattern[i : i + step])
        i += step
    return "".join(out)


_FAST: dict[str, re.Pattern[str]] = {
    name: re.compile(_caseless(p)) for name, p in _RULES if name in _CASELESS_RULES
}


def _bare(literal: str) -> str:
    return literal.strip("<>")


def _found_in(word: str, starts_word: bool, ends_word: bool, literal: str) -> list[int]:
    """Where ``literal`` occurs in ``word`` with its word bounds holding, given whether
    ``word`` itself starts and ends a word of the text."""
    inner = _bare(literal)
    places: list[int] = []
    if inner not in word:
        return places
    for at in range(len(word) - len(inner) + 1):
        if not word.startswith(inner, at):
            continue
        start_ok = starts_word if at == 0 else not word[at - 1].isalpha()
        end = at + len(inner)
        end_ok = ends_word if end == len(word) else not word[end].isalpha()
        if (start_ok or not literal.startswith("<")) and (end_ok or not literal.endswith(">")):
            places.append(at)
    return places


# Rules sharing anchors, reaches and guard share windows: each such set is a group.
_Group = tuple[tuple[str, ...], int, int, str]  # literals, before, after, guard or ""
_GROUPS: list[_Group] = sorted({
    (*anchors, _RULE_GUARD.get(rule, "")) for rule, anchors in _RULE_ANCHORS.items()})
_RULE_GROUP: dict[str, int] = {
    rule: _GROUPS.index((*anchors, _RULE_GUARD.get(rule, "")))
    for rule, anchors in _RULE_ANCHORS.items()}
_WORDS = sorted({_bare(w) for g in _GROUPS for w in g[0] if w != _D})


def _key_groups() -> dict[tuple[str, bool, bool], list[int]]:
    """For each literal, when it (starts a word, ends a word): the groups of the literals
    found in it (a scan finds only the longest literal at a place, "tonight", not "night")."""
    literal_groups: dict[str, list[int]] = {}
    for i, (literals, _, _, _) in enumerate(_GROUPS):
        for literal in literals:
            if literal != _D:
                literal_groups.setdefault(literal, []).append(i)
    out: dict[tuple[str, bool, bool], list[int]] = {}
    for word in _WORDS:
        inside = [lit for lit in literal_groups if _bare(lit) in word]
        for starts_word in (False, True):
            for ends_word in (False, True):
                places = {lit: _found_in(word, starts_word, ends_word, lit) for lit in inside}
                out[word, starts_word, ends_word] = sorted(
                    {i for lit, at in places.items() if at for i in literal_groups[lit]})
                # A guard reads next to the anchor, which must then be where the literal is in
                # the longest literal found there (its start, or for a guard after it, its end).
                for lit, at in places.items():
                    for i in literal_groups[lit]:
                        if guard := _GROUPS[i][3]:
                            end = len(word) - len(_bare(lit))
                            assert at in ([], [0] if _GUARDS[guard][1] else [end]), (word, lit)
    return out


_KEY_GROUPS = _key_groups()
_DIGIT_GROUPS = [i for i, g in enumerate(_GROUPS) if _D in g[0]]
# Literals and digit runs never overlap, so two scans find what one alternation would.
_ANCHOR = re.compile(alternation(_WORDS))
_DIGITS = re.compile(r"\d\d*")  # not \d+: re finds a leading class faster
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
# Each rule with its pattern, its caseless one if any, and its group.
_PLAN = [(name, pattern, _FAST.get(name), _RULE_GROUP[name]) for name, pattern in RULES]


@dataclass(frozen=True)
class Candidate:
    """One rule's match: the rule name, the span, and the regex match for its groups."""

    rule: str
    start: int
    end: int
    match: re.Match[str]


def _lower(text: str) -> str:
    """``text`` lower-cased, keeping offsets: "İ", which lower-cases to two characters, stays."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    return low


def _fold(text: str) -> str:
    """``text`` lower-cased for the anchor scan and the caseless patterns, keeping offsets:
    "İ", "ı" and "ſ" become the ASCII letters (?i) takes them for ("İ" alone would
    lower-case to two characters)."""
    if "İ" in text or "ı" in text or "ſ" in text:
        text = text.translate(_FOLD_FIXES)
    return text.lower()


def _windows(text: str, fold: str) -> list[list[tuple[int, int]]]:
    """For each group, the merged character windows around its anchors."""
    n = len(text)
    # Word bounds are judged on letters a-z of the text as lower() gives them: an "ſ" or
    # "ı" does not count (a rule may take "ſJune 2025" for "June 2025").
    special = "İ" in text or "ı" in text or "ſ" in text
    low = _lower(text) if special else fold
    found: dict[tuple[str, bool, bool], list[tuple[int, int]]] = {}
    for m in _ANCHOR.finditer(fold):
        start, end = m.span()
        key = (m.group(), start == 0 or low[start - 1] not in _LETTERS,
               end == n or low[end] not in _LETTERS)
        spans = found.get(key)
        if spans is None:
            found[key] = [(start, end)]
        else:
            spans.append((start, end))
    anchors: list[list[tuple[int, int]]] = [[] for _ in _GROUPS]
    digits = [m.span() for m in _DIGITS.finditer(fold)]
    if digits:
        for g in _DIGIT_GROUPS:
            anchors[g].extend(digits)
    for key, spans in found.items():
        for g in _KEY_GROUPS[key]:
            anchors[g].extend(spans)
    wide = _LONG_GAP.search(text) is not None
    out: list[list[tuple[int, int]]] = []
    cuts: dict[int, int] = {}  # window ends, as cut
    for (_, before, after, guarded), spans in zip(_GROUPS, anchors, strict=True):
        if wide:
            before, after = max(before, WINDOW), max(after, WINDOW)
        elif guarded and spans:
            guard, reads_before = _GUARDS[guarded]
            spans = [(s, e) for s, e in spans if (
                guard.search(fold, max(0, s - _GUARD_REACH), s) if reads_before
                else guard.match(fold, e, e + _GUARD_REACH))]
        spans.sort()
        merged: list[tuple[int, int]] = []
        cur_lo = cur_hi = -1
        for start, end in spans:
            lo, hi = max(0, start - before), min(n, end + after)
            if cur_hi < 0:
                cur_lo = lo
            elif lo > cur_hi:
                cut = cuts.get(cur_hi)
                if cut is None:
                    cut = cuts[cur_hi] = _cut(text, cur_hi)
                cur_hi = cut
                if lo > cur_hi:
                    merged.append((cur_lo, cur_hi))
                    cur_lo = lo
            cur_hi = max(cur_hi, hi)
        if cur_hi >= 0:
            merged.append((cur_lo, _cut(text, cur_hi)))
        out.append(merged)
    return out


def find_candidates(text: str) -> list[Candidate]:
    """Every match of every rule in ``text``, unordered and possibly overlapping."""
    fold = _fold(text)
    windows = _windows(text, fold)
    out: list[Candidate] = []
    for name, pattern, fast, group in _PLAN:
        for lo, hi in windows[group]:
            if fast is None:
                for m in pattern.finditer(text, lo, hi):
                    if m.end() > m.start():
                        out.append(Candidate(name, m.start(), m.end(), m))
                continue
            # Where the rule matches in [lo, hi), as its finditer() would go: from the end of
            # one match, on to the next place the caseless pattern finds that the rule takes.
            pos = lo
            while (f := fast.search(fold, pos, hi)) is not None:
                hit = pattern.match(text, f.start(), hi)
                if hit is None or hit.end() == hit.start():
                    pos = f.start() + 1
                    continue
                out.append(Candidate(name, hit.start(), hit.end(), hit))
                pos = hit.end()
    return out
