"""Rules for days: today and tomorrow, weekdays, holidays, numeric dates, and month names (by dateparser)."""

from __future__ import annotations

import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import ClassVar

from dateparser.date import DateDataParser
from dateparser.languages.loader import default_loader
from dateutil.relativedelta import relativedelta

from bot.core.errors import TimeParseError
from bot.core.timeparse.values import DIGITS, Day, DaySpec, Found, Mark, Read, Rule, any_of, longest_first

ENGLISH_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
ENGLISH_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
MONTH_NUMBERS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
YEAR_FIRST_DATE = re.compile(r"(\d(?<![\w.:/-]\d)\d{3})([-/.])(\d{1,2})\2(\d{1,2})(?![\w:/-])")
_WEEKDAY_NAMES = longest_first(WEEKDAYS)
_MONTH_NAMES = longest_first(MONTH_NUMBERS)


def make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise TimeParseError(f"“{text}” is not a date.") from exc


def upcoming(month: int, day: int, today: date) -> date:
    """The next date with this month and day, today included (Feb 29 waits for a leap year)."""
    year = today.year
    while True:
        with suppress(ValueError):
            if (candidate := date(year, month, day)) >= today:
                return candidate
        year += 1


# --- the days a phrase can name, placed once today is known ----------------------------------------


@dataclass(frozen=True)
class Ahead(DaySpec):
    """Today, tomorrow, the day after."""

    counts_days: ClassVar[bool] = True
    days: int

    def on(self, today: date) -> Day:
        return Day(today + timedelta(days=self.days))


@dataclass(frozen=True)
class Weekday(DaySpec):
    """'friday' (its next occurrence), 'next friday', 'friday of next week', 'friday this week'."""

    is_weekday: ClassVar[bool] = True
    target: int
    name: str
    qualifier: str | None = None  # "this", "next", "coming"
    week: str | None = None  # "next" or "this": that calendar week (Monday to Sunday)

    def on(self, today: date) -> Day:
        if self.week is not None:
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7 if self.week == "next" else 0)
            return Day(monday + timedelta(days=self.target))
        ahead = (self.target - today.weekday()) % 7
        if self.qualifier == "next" and ahead == 0:
            return Day(today + timedelta(days=7))
        day = today + timedelta(days=ahead)
        note = None
        if self.qualifier == "next":
            later = day + timedelta(days=7)
            note = f"“next {self.name}” was read as {day:%a %d %b}; write “{later:%d %b}” for the week after."
        return Day(day, weekday_rolls=True, note=note)


@dataclass(frozen=True)
class MonthDay(DaySpec):
    """A month and day with no year: the next such date, today included."""

    month: int
    day: int
    text: str
    note: str | None = None

    def on(self, today: date) -> Day:
        return Day(upcoming(self.month, self.day, today), note=self.note)


@dataclass(frozen=True)
class FullDate(DaySpec):
    day: date
    note: str | None = None

    def on(self, today: date) -> Day:
        return Day(self.day, note=self.note)


@dataclass(frozen=True)
class DayOfMonth(DaySpec):
    """'the 5th': the next such day (or next month's, with 'next month')."""

    day: int
    next_month: bool
    text: str

    def on(self, today: date) -> Day:
        month_start = today.replace(day=1)
        if self.next_month:
            start = month_start + relativedelta(months=1)
            return Day(make_date(start.year, start.month, self.day, self.text))
        for months_ahead in range(4):
            start = month_start + relativedelta(months=months_ahead)
            try:
                candidate = start.replace(day=self.day)
            except ValueError:
                continue
            if candidate >= today:
                return Day(candidate)
        raise TimeParseError(f"“{self.text}” is not a day of the month.")


@dataclass(frozen=True)
class NthWeekday(DaySpec):
    """'first monday of december': this year's if still ahead, else next year's (unless a year is given)."""

    nth: int
    weekday: int
    month: int
    year: int | None

    def on(self, today: date) -> Day:
        for year in [self.year] if self.year else [today.year, today.year + 1]:
            if self.nth < 0:
                last = date(year, self.month, 1) + relativedelta(months=1, days=-1)
                day = last - timedelta(days=(last.weekday() - self.weekday) % 7)
            else:
                first = date(year, self.month, 1)
                day = first + timedelta(days=(self.weekday - first.weekday()) % 7 + 7 * (self.nth - 1))
            if self.year or day >= today:
                return Day(day)
        raise AssertionError("next year's date is always ahead")  # pragma: no cover


@dataclass(frozen=True)
class MonthEnd(DaySpec):
    def on(self, today: date) -> Day:
        last = today.replace(day=1) + relativedelta(months=1, days=-1)
        return Day(last, note=f"The end of the month is read as {last:%a %d %b}.")


# --- the rules ---------------------------------------------------------------------------------------

_HOLIDAYS = {
    "christmas eve": (12, 24), "xmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
    "xmas": (12, 25), "new year's eve": (12, 31), "new years eve": (12, 31), "nye": (12, 31),
    "new year's day": (1, 1), "new years day": (1, 1), "new year's": (1, 1), "new years": (1, 1), "new year": (1, 1),
}  # fmt: skip
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}


def _ahead(match: re.Match[str], _found: Found) -> Read:
    word = match.group(1)
    return Read(Ahead(2 if "after" in word else 0 if word == "today" else 1))


def _week(match: re.Match[str], _found: Found) -> Read:
    return Read(Mark("this week" if "this" in match.group(0) else "next week"))


def _weekday(match: re.Match[str], found: Found) -> Read:
    before, name, after = match.groups()
    week = "next" if found.marked("next week") else "this" if found.marked("this week") else None
    return Read(Weekday(WEEKDAYS[name], name, before or after, week))


def _holiday(match: re.Match[str], _found: Found) -> Read:
    month, day = _HOLIDAYS[match.group(1)]
    return Read(MonthDay(month, day, match.group(1)))


def _nth_weekday(match: re.Match[str], _found: Found) -> Read:
    ordinal, weekday, month_name, year_text = match.groups()
    year = int(year_text) if year_text else None
    return Read(NthWeekday(_ORDINALS[ordinal], WEEKDAYS[weekday], MONTH_NUMBERS[month_name], year))


def _iso_date(match: re.Match[str], _found: Found) -> Read:
    year, _separator, month, day = match.groups()
    return Read(FullDate(make_date(int(year), int(month), int(day), match.group(0))))


def _numeric_date(match: re.Match[str], found: Found) -> Read:
    """'25/12', '5.12.', '25/12/2026'; '03/04' takes the user's order and says so."""
    first, separator, second, year_text = match.groups()
    text = match.group(0)
    month_first = found.context.month_first and separator != "."  # dotted dates are written day-first everywhere
    month, day = (int(first), int(second)) if month_first else (int(second), int(first))
    note = None
    if month > 12 >= day:
        month, day = day, month
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise TimeParseError(f"“{text}” is not a date.")
    if month != day and day <= 12 and separator != ".":
        written = f"{date(2000, day, 1):%B} {month}" if month_first else f"{month} {date(2000, day, 1):%B}"
        order = "month/day" if month_first else "day/month"
        note = f"“{text}” was read as {order}; for {written}, write the month's name."
    if year_text is None:
        make_date(2024, month, day, text)  # a leap year: refuses only dates that never exist
        return Read(MonthDay(month, day, text, note))
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    return Read(FullDate(make_date(year, month, day, text), note))


_DAY_ONLY = re.compile(r"(?:the )?(\d{1,2})(?:st|nd|rd|th|\.)?")
_FIXED_BASE = datetime(2024, 1, 1)  # a leap year, so "feb 29" parses; the real year is set after
_DATE_WORDS = frozenset({"of", "the", ",", ".", "de", "del"})
_DATE_NUMBER = re.compile(r"\d{1,2}(?:st|nd|rd|th)?|\d{4}")


@cache
def calendar_parser(lang: str | None) -> DateDataParser:
    """One dateparser per language (English plus the user's), with a fixed base and no per-call settings."""
    return DateDataParser(
        languages=["en"] if lang is None else [lang, "en"],
        settings={
            "RELATIVE_BASE": _FIXED_BASE,
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["day", "month"],
            "PARSERS": ["absolute-time"],
        },
    )


def plain(word: str) -> str:
    """The word without accents: people often leave them out."""
    return "".join(char for char in unicodedata.normalize("NFD", word) if not unicodedata.combining(char))


@cache
def month_names(lang: str | None) -> frozenset[str]:
    """Month names and abbreviations dateparser knows, in English and the user's language."""
    names = set(MONTH_NUMBERS)
    if lang is not None and lang != "ja":
        info = default_loader.get_locale(lang).info
        for month in ENGLISH_MONTHS:
            for name in info.get(month, ()):
                if len(name) >= 3:
                    names |= {name.lower(), plain(name.lower())}
    return frozenset(names)


@cache
def _month_name(lang: str | None) -> re.Pattern[str]:
    names = month_names(lang)
    return re.compile(any_of(names, r"[^\W\d_]") + r"(?![^\W\d_])")


def _calendar_date(match: re.Match[str], found: Found) -> Read | None:
    """'Dec 3', '3rd of December', '3 dicembre 2027', or 'the 5th' (next such day, or next month's)."""
    phrase = match.group(0)
    next_month = found.marked("next month")
    if found.read_by("numeric date", "year-first date"):
        return None
    if (day_only := _DAY_ONLY.fullmatch(phrase)) is not None and (next_month or phrase != day_only.group(1)):
        return Read(DayOfMonth(int(day_only.group(1)), next_month, phrase))
    if next_month or _month_name(found.context.language).search(phrase) is None:
        return None
    tokens = re.findall(r"[^\W\d_]+\.?|\d+(?:st|nd|rd|th)?|,|\S", phrase)
    months = month_names(found.context.language)
    if not any(token.rstrip(".") in months for token in tokens) or not all(
        token.rstrip(".") in months or token in _DATE_WORDS or _DATE_NUMBER.fullmatch(token) for token in tokens
    ):
        return None
    parsed = calendar_parser(found.context.language).get_date_data(re.sub(r"(?<!\w)the\s+", "", phrase))
    if parsed.date_obj is None or parsed.period != "day":  # "the 15 dicembre": no English article
        raise TimeParseError(f"“{phrase}” is not a date.")
    day: date = parsed.date_obj.date()
    if any(re.fullmatch(r"\d{4}", token) for token in tokens):
        return Read(FullDate(day))
    return Read(MonthDay(day.month, day.day, phrase))


RULES = (
    Rule(
        "holiday",
        "days",
        re.compile(r"(?<!\w)(?:on\s+)?(" + longest_first(_HOLIDAYS) + r")(?!\w)"),
        _holiday,
        "Holidays",
        ("xmas at 6 pm", "christmas eve 8pm", "new year's eve 23:00", "new year's day 10am"),
        "Christmas (25 Dec), Christmas Eve (24 Dec), New Year's Eve (31 Dec), New Year's Day (1 Jan); no others",
        needs=tuple(_HOLIDAYS),
    ),
    Rule(
        "end of the month",
        "days",
        re.compile(r"(?<!\w)(?:the\s+)?(?:end|last\s+day)\s+of\s+(?:the\s+|this\s+)?month(?!\w)"),
        lambda _match, _found: Read(MonthEnd()),
        "End of the month",
        ("end of the month at 10am", "last day of the month 9am"),
        "this month's last day (said in the confirmation); `end of the week` and `this weekend` are refused: "
        "say which day",
        needs=("month",),
    ),
    Rule(
        "nth weekday",
        "days",
        re.compile(
            rf"(?<!\w)(?:the\s+)?({'|'.join(_ORDINALS)})\s+({_WEEKDAY_NAMES})\s+(?:of|in)\s+({_MONTH_NAMES})"
            r"(?:\s+(\d{4}))?(?!\w)"
        ),
        _nth_weekday,
        "Nth weekday",
        ("first monday of december 10am", "last friday of january 2027 9am"),
        "this year's if still ahead, else next year's",
        needs=tuple(_ORDINALS),
    ),
    Rule(
        "today and tomorrow",
        "days",
        re.compile(r"(?<!\w)(?:later )?(today|(?:the )?day after (?:tomorrow|tmrw)|tomorrow|tmrw|tmr|tomo)(?!\w)"),
        _ahead,
        "Relative days",
        ("today 5pm", "tomorrow 9am", "tmrw 9am", "day after tomorrow 10am"),
        "the day, counted on the calendar from today where you are",
        after={"days from now": "“a week from today” holds “today”"},
        needs=("today", "tomorrow", "tmrw", "tmr", "tomo"),
    ),
    Rule(
        "this or next week",
        "days",
        re.compile(r"(?<!\w)(?:(?:of|in)\s+)?(?:the\s+)?(?:(?:next|following)\s+week|this\s+week)(?:'s)?(?!\w)"),
        _week,
        "A week",
        ("next week tuesday 3pm", "friday of next week at 9am", "next week's friday 9am", "friday this week 5pm"),
        "`next week <day>` is that day in the calendar week after this one, `<day> this week` in this one "
        "(Monday to Sunday); a week alone is refused: say which day",
        needs=("week",),
    ),
    Rule(
        "weekday",
        "days",
        re.compile(rf"(?<!\w)(?:(this|next|coming)\s+)?({_WEEKDAY_NAMES})(?:\.(?=\s|$))?(?:\s+(next))?(?![\w.])"),
        _weekday,
        "Weekdays",
        ("friday 9am", "next friday 9am", "friday next 9am", "this coming friday 5pm", "Thu. 3pm"),
        "the next such day; `next friday` said on a Friday is a week later, on other days the coming one "
        "(the confirmation says how to write the week after)",
        after={
            "nth weekday": "“first monday of december” holds “monday”",
            "this or next week": "“friday of next week” is read as one day",
        },
        needs=tuple(WEEKDAYS),
    ),
    Rule(
        "year-first date",
        "days",
        YEAR_FIRST_DATE,
        _iso_date,
        "Year-first dates",
        ("2026/12/05 10am", "2026-12-03 14:30", "2026.12.01 10:00"),
        "as written",
        needs=DIGITS,
    ),
    Rule(
        "numeric date",
        "days",
        re.compile(
            r"(\d(?<![\w.:/-]\d)\d?)([/.-])(\d{1,2})(?:\2(\d{4}|\d{2})(?!\d)|(?<=\.\d)\.|(?<=\.\d\d)\.)?(?![\w:/-])"
        ),
        _numeric_date,
        "Numeric dates",
        ("25/12 10am", "03/04 10am", "12/25/2026 9am", "5.12. 10am", "26.9. around 17:00"),
        "`03/04` is day/month, except for English users in the US, Canada and the Philippines and Japanese "
        "users (month/day; Latin America is day/month), and the confirmation says which was taken; dotted "
        "dates are always day-first",
        needs=DIGITS,
    ),
    Rule(
        "next month",
        "days",
        re.compile(r"(?<!\w)(?:of\s+)?next\s+month(?!\w)"),
        lambda _match, _found: Read(Mark("next month")),
        "A day next month",
        ("next month on the 1st at 10", "the 5th of next month at 9am"),
        "that day of next month; `next month` alone is refused: say which day",
        needs=("month",),
    ),
    Rule(
        "calendar date",
        "leftover",
        re.compile(r".+"),
        _calendar_date,
        "Month names",
        ("Dec 3 2pm", "3rd of December at 2pm", "1.Jun at 6:34am", "the 5th at 3pm", "dec 3 2027 5pm"),
        "the next such date, read by dateparser (in English and your language); a year may follow",
        after={"number as a time": "“may 19 1120” holds the time 11:20"},
        whole=True,
    ),
)
