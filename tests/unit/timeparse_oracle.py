"""What a time phrase should mean, computed from the stated rules independently of the parser."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
SPELLED = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def wall(day: date, hour: int, minute: int, tz: str) -> datetime:
    """The instant of a wall-clock time in `tz` on `day`, with that date's offset.

    Through UTC, so a time that does not exist (clocks go forward) becomes the valid one after it:
    converting to the same zone directly would keep the impossible wall-clock reading. The answer
    carries a fixed offset: a zoneinfo time in a repeated hour never equals a time in another zone
    (PEP 495), so it could not be compared with the parser's instant.
    """
    naive = datetime.combine(day, time(hour, minute))
    local = naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).astimezone(ZoneInfo(tz))
    return local.replace(tzinfo=timezone(local.utcoffset() or timedelta()))


def local_day(now: datetime, tz: str, ahead: int = 0) -> date:
    return now.astimezone(ZoneInfo(tz)).date() + timedelta(days=ahead)


def next_at(now: datetime, tz: str, hour: int, minute: int = 0) -> datetime:
    """The next time the wall clock in `tz` shows hour:minute after `now`."""
    today = wall(local_day(now, tz), hour, minute, tz)
    return today if today > now else wall(local_day(now, tz, 1), hour, minute, tz)


def afternoon_rule(hour: int) -> int:
    """A 12-hour clock time without am/pm: 1-6 is afternoon, 7-11 morning, 12 noon."""
    return hour + 12 if 1 <= hour <= 6 else hour


def twelve_hour(hour: int, meridiem: str) -> int:
    return hour % 12 + (12 if meridiem == "pm" else 0)


def next_weekday(now: datetime, tz: str, weekday: int, hour: int, minute: int = 0) -> datetime:
    """A weekday's next occurrence at a time: today if still ahead, else the coming one."""
    today = local_day(now, tz)
    ahead = (weekday - today.weekday()) % 7
    candidate = wall(today + timedelta(days=ahead), hour, minute, tz)
    return candidate if candidate > now else wall(today + timedelta(days=ahead + 7), hour, minute, tz)


def upcoming(now: datetime, tz: str, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A month and day with no year: this year's if not before today, else next year's."""
    today = local_day(now, tz)
    year = today.year if date(today.year, month, day) >= today else today.year + 1
    return wall(date(year, month, day), hour, minute, tz)
