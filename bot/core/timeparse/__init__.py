"""Time phrases → instants in the user's zone and language: rules as data, dateparser for month names.

    reader.py      interpret / parse_when: English first, then the user's language; normalising
    english.py     English as the rules read it: spelled numbers, ways of writing a time
    languages.py   rewrites into English, built from the table of words
    words.py       the table: each concept once, its words in every language
    engine.py      the rules in their stated order, each taking the words it reads
    values.py      what rules produce, and the one rule interface
    zones.py, phrase.py, clocks.py, durations.py, dates.py   the rules
    resolve.py     from the pieces read to one future instant, as of now, in the zone
    docs.py        the documentation's tables, from the rules and the words

docs/time-phrases.md says how a phrase is read.
"""

from __future__ import annotations

from bot.core.errors import TimeParseError
from bot.core.timeparse.clocks import END_OF_DAY, FIRST_THING
from bot.core.timeparse.languages import READ as LANGUAGES
from bot.core.timeparse.reader import interpret, means_now, parse_when, warm_up
from bot.core.timeparse.resolve import ParsedTime

__all__ = [
    "END_OF_DAY",
    "FIRST_THING",
    "LANGUAGES",
    "ParsedTime",
    "TimeParseError",
    "interpret",
    "means_now",
    "parse_when",
    "warm_up",
]
