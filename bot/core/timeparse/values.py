"""What the time rules produce, and the one interface every rule has.

A rule reads words of the phrase into one value: a zone, a mark (a hedge, words left out), a whole instant,
an elapsed duration, a clock time, a part of the day, or a day still to be placed on the calendar. Values are
read from the text alone, so a phrase's values can be cached; what they mean *now* is settled afterwards
(`resolve.py`), from the user's zone and the moment the phrase was typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import ClassVar, Literal, Protocol

from dateutil.relativedelta import relativedelta

from bot.core.errors import TimeParseError

DIGITS = tuple("0123456789")
TYPED = "{typed}"
"""Stands for the phrase as typed in refusals made while reading, which are cached by the phrase's text."""


class AboutThePhrase(TimeParseError):
    """A refusal that quotes the phrase as the user typed it, filled in by the reader."""

    def quoting(self, typed: str) -> TimeParseError:
        return TimeParseError(str(self).replace(TYPED, typed))


def longest_first(words: Iterable[str]) -> str:
    """A regular expression for any of `words`, taken as written; the longest tried first, so "tues" is not
    read as "tue" and a trailing "s"."""
    return "(?:" + "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)) + ")"


def any_of(words: Iterable[str], not_after: str = r"\w") -> str:
    """A regular expression for any of `words` (longest first) not just after a `not_after` character.

    Each word's look-behind comes after its first character: an alternation whose branches all start with
    a character lets the regex engine jump to the places where one could start, which a leading
    look-behind prevents (most phrases are scanned by many rules, so this matters).
    """
    branches = []
    for word in sorted(set(words), key=len, reverse=True):
        first = re.escape(word[0])
        branches.append(f"{first}(?<!{not_after}{first}){re.escape(word[1:])}")
    return "(?:" + "|".join(branches) + ")"


Stage = Literal["asked", "marks", "phrase", "times", "days", "leftover"]


@dataclass(frozen=True)
class Zone:
    """A zone named in the phrase: it wins over the user's."""

    zone: tzinfo


@dataclass(frozen=True)
class Mark:
    """Words that change how the rest is read, or are not about time at all."""

    kind: Literal["hedge", "ignored", "next month", "next week", "this week", "connective"]


@dataclass(frozen=True)
class Instant:
    """A timestamp that is the whole phrase; naive means the phrase's zone."""

    when: datetime


@dataclass(frozen=True)
class Elapsed:
    """Time counted from now ('in 2 hours'); months move the calendar."""

    delta: relativedelta
    today: bool = False  # "today in one hour": must still be today


@dataclass(frozen=True)
class Clock:
    """A time of day, and how it was written (the half of the day may still be open)."""

    hour: int
    minute: int
    second: int = 0
    end_of_day: bool = False  # "midnight", "tonight at 12:30": the night after the named day
    meridiem: str | None = None  # "am", "pm" or None
    flexible: bool = False  # no am/pm, no leading zero, 1-12: the half of the day is chosen by rule
    written: str = ""  # as typed, for the note that shows the other reading
    now: bool = False  # "same time tomorrow": the wall-clock time when the phrase is read


@dataclass(frozen=True)
class Period:
    """A part of the day; 'tonight' and 'this morning' also name today."""

    name: Literal["morning", "afternoon", "evening"]
    today: bool = False


@dataclass(frozen=True)
class Day:
    """A day on the calendar, once placed."""

    day: date
    weekday_rolls: bool = False  # a plain weekday: a week later if that time has passed
    note: str | None = None


class DaySpec:
    """A day named in words, placed on the calendar only once today is known."""

    counts_days: ClassVar[bool] = False  # counted from today ("tomorrow"): whose today, when zones disagree?
    is_weekday: ClassVar[bool] = False  # a weekday name, which must agree with any date also given

    def on(self, today: date) -> Day:
        raise NotImplementedError


Value = Zone | Mark | Instant | Elapsed | Clock | Period | DaySpec


@dataclass(frozen=True)
class Read:
    """What a rule made of the words it matched, and what the confirmation should say about it."""

    value: Value
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Piece:
    """One rule's reading of some words of the phrase."""

    rule: str
    value: Value
    words: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    """What a reading may depend on besides the text: never the moment or the zone, so readings can be cached."""

    language: str | None  # whose words this reading rewrote into English (None: English as typed)
    user_language: str | None  # the user's Slack language: "2h" alone is asked about only in English
    month_first: bool  # 03/04 is March 4th
    year: int | None = None  # with a four-digit number in the phrase, this year where the user is (near it: a year)


class Found(Protocol):
    """The pieces read so far, for rules whose reading depends on them."""

    @property
    def context(self) -> Context: ...

    def read_by(self, *rules: str) -> bool:
        """Whether any of these rules has read words of the phrase."""
        ...

    def marked(self, kind: str) -> bool: ...

    def has(self, kind: type) -> bool: ...


Reader = Callable[[re.Match[str], Found], Read | None]


@dataclass(frozen=True)
class Rule:
    """A named rule: the words it looks for, how it reads them, and how it is documented.

    `after` names the rules this one must run after, each with the reason (an example phrase the other
    order would misread); the engine orders rules by these alone, so rules that name none in either
    direction must not depend on each other's order (a test reads the corpus in two orders).
    """

    name: str
    stage: Stage
    pattern: re.Pattern[str]
    read: Reader
    reads: str  # what it reads, a few words for the documentation's table
    examples: tuple[str, ...]
    meaning: str  # how it is read
    after: Mapping[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()  # every match holds one of these: a phrase with none is not looked at (speed)
    whole: bool = False  # reads all that is left of the phrase, or nothing
    each: bool = False  # every match is read (a second value where one is allowed is refused), not the first
