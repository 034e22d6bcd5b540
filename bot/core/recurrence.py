"""Recurring SMS: `every monday 9am`, `every weekday at 8:30`, `daily 6pm until dec 31`,
`every 2 weeks on friday 5pm for 4 times`, `on the 1st of every month at 10am`.

A series is kept as an RFC 5545 rule (dateutil's `rrule`) in the sender's *wall-clock* time, so each
occurrence gets its own offset: 09:00 stays 09:00 across daylight saving. Every series ends: on its date,
after its count, or after the longest series allowed, and says which.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil import rrule

from bot.core.errors import TimeParseError
from bot.core.timeparse import interpret

Frequency = Literal[0, 1, 2, 3, 4, 5, 6]  # dateutil's YEARLY ... SECONDLY

_WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_DAY = r"(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")s?"
_NTH = r"(\d{1,2})(?:st|nd|rd|th)?"
_STARTS = re.compile(r"^(every|daily|weekly|monthly|on the \d)")
_TIME = re.compile(r"(?:\bat\s+)?\b(noon|midnight|(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?)\s*$")
_UNTIL = re.compile(r"\s+until\s+(.+)$")
_COUNT = re.compile(r"\s+(?:for\s+)?(\d{1,3})\s+times$")
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_LONGEST_INTERVAL = {rrule.DAILY: 366, rrule.WEEKLY: 52, rrule.MONTHLY: 12}
_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def is_series(text: str) -> bool:
    return bool(_STARTS.match(text.strip().lower()))


def parse(text: str, tz: str, now: datetime, earliest: datetime, max_days: int) -> tuple[str, bool]:
    """The series `text` names, as a rule starting at its first send from `earliest` on, and whether it was
    cut to `max_days`; raises TimeParseError saying what was not understood."""
    phrase = " ".join(text.strip().lower().replace(",", " ").split())
    until = count = None
    if match := _UNTIL.search(phrase):
        phrase = phrase[: match.start()]
        until = interpret(f"{match.group(1)} 23:59", tz, now).when.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    elif match := _COUNT.search(phrase):
        phrase, count = phrase[: match.start()], int(match.group(1))
        if count < 1:
            raise TimeParseError("A series needs at least one time.")
    timed = _TIME.search(phrase)
    if timed is None:
        raise TimeParseError(f"Say at what time “{text.strip()}” should send, e.g. “every monday 9am”.")
    at = _time_of_day(timed)
    frequency, interval, weekdays, monthday = _frequency(phrase[: timed.start()].strip(), text)
    if not 1 <= interval <= _LONGEST_INTERVAL[frequency]:  # 0 would make the rule loop for ever
        unit = {rrule.DAILY: "day", rrule.WEEKLY: "week", rrule.MONTHLY: "month"}[frequency]
        raise TimeParseError(
            f"A series repeats every 1 to {_LONGEST_INTERVAL[frequency]} {unit}s; “{text.strip()}” does not."
        )
    start = earliest.astimezone(ZoneInfo(tz)).replace(tzinfo=None, second=0, microsecond=0) + timedelta(minutes=1)
    rule = rrule.rrule(
        frequency, interval=interval, dtstart=start,
        byweekday=weekdays, bymonthday=monthday, byhour=at.hour, byminute=at.minute, bysecond=0,
    )  # fmt: skip
    begin = rule.after(start, inc=True)
    if begin is None:
        raise TimeParseError(f"“{text.strip()}” names no time to send.")
    limit = begin + timedelta(days=max_days) - timedelta(seconds=1)  # sends on `max_days` days at most
    if count is not None:
        last = rule.replace(dtstart=begin, count=count)[-1]
        if last <= limit:
            return str(rule.replace(dtstart=begin, count=count)), False
    elif until is not None and until < begin:
        raise TimeParseError(f"The series ends before its first time ({begin:%a %d %b %H:%M}).")
    capped = until is None or until > limit
    return str(rule.replace(dtstart=begin, until=limit if capped else until)), capped


def occurrences(rule: str, tz: str, after: datetime, count: int) -> list[datetime]:
    """The next `count` sends after `after`, each with its own offset in `tz` (daylight saving included)."""
    zone = ZoneInfo(tz)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    found: list[datetime] = []
    for occurrence in rrule.rrulestr(rule):
        if occurrence > local_after:
            found.append(occurrence.replace(tzinfo=zone))
            if len(found) == count:
                break
    return found


def first(rule: str, tz: str) -> datetime:
    start: datetime = rrule.rrulestr(rule)[0]
    return start.replace(tzinfo=ZoneInfo(tz))


def ends(rule: str) -> str:
    """How the series ends, in words."""
    if count := re.search(r"COUNT=(\d+)", rule):
        return f"after {count.group(1)} times"
    sends = list(rrule.rrulestr(rule))
    return f"on {sends[-1]:%a %d %b %Y}, after {len(sends)} times"


def last(rule: str, tz: str) -> datetime:
    sends = list(rrule.rrulestr(rule))
    end: datetime = sends[-1]
    return end.replace(tzinfo=ZoneInfo(tz))


def describe(rule: str) -> str:
    """'every 2 weeks on Friday at 17:00', read from the rule's own fields."""
    fields = dict(part.split("=", 1) for part in rule.split("RRULE:", 1)[1].split(";"))
    start: datetime = rrule.rrulestr(rule)[0]
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month"}[fields["FREQ"]]
    interval = int(fields.get("INTERVAL", "1"))
    every = f"every {interval} {unit}s" if interval > 1 else f"every {unit}"
    days = [_CODES.index(code) for code in fields.get("BYDAY", "").split(",") if code]
    if unit == "week" and days == [0, 1, 2, 3, 4] and interval == 1:
        every = "every weekday"
    elif unit == "week":
        every += " on " + ", ".join(_NAMES[day] for day in days)
    if unit == "month":
        every += f" on day {start.day}"
    return f"{every} at {start:%H:%M}"


def _time_of_day(match: re.Match[str]) -> time:
    word, hour, minute, meridiem = match.groups()
    if word in ("noon", "midnight"):
        return time(12 if word == "noon" else 0)
    clock = int(hour) % 12 + (12 if meridiem == "pm" else 0) if meridiem else int(hour)
    if clock > 23 or int(minute or 0) > 59:
        raise TimeParseError(f"“{match.group(0).strip()}” is not a time of day.")
    return time(clock, int(minute or 0))


def _frequency(phrase: str, text: str) -> tuple[Frequency, int, tuple[int, ...] | None, int | None]:
    """(frequency, interval, weekdays, day of month) of the words before the time."""
    phrase = re.sub(r"\b(at|on)$", "", phrase).strip()
    if phrase in ("daily", "every day"):
        return rrule.DAILY, 1, None, None
    if match := re.fullmatch(r"every (\d{1,4}) days", phrase):
        return rrule.DAILY, int(match.group(1)), None, None
    if phrase in ("every weekday", "weekdays", "every weekday on"):
        return rrule.WEEKLY, 1, (0, 1, 2, 3, 4), None
    if match := re.fullmatch(rf"(?:every|weekly on|every week on)\s+((?:{_DAY}(?:\s+and\s+|\s+)?)+)", phrase):
        return rrule.WEEKLY, 1, _days(match.group(1)), None
    if match := re.fullmatch(rf"every (\d{{1,4}}) weeks on ((?:{_DAY}(?:\s+and\s+|\s+)?)+)", phrase):
        return rrule.WEEKLY, int(match.group(1)), _days(match.group(2)), None
    if match := re.fullmatch(rf"(?:on the {_NTH} of every month|monthly on the {_NTH})", phrase):
        day = int(match.group(1) or match.group(2))
        if not 1 <= day <= 31:
            raise TimeParseError(f"There is no day {day} in a month.")
        return rrule.MONTHLY, 1, None, day
    raise TimeParseError(
        f"“{text.strip()}” is not a series the app understands; try “every monday 9am”, “every weekday at 8:30”, "
        "“daily 6pm until dec 31”, “every 2 weeks on friday 5pm for 4 times” or “on the 1st of every month at 10am”."
    )


def _days(text: str) -> tuple[int, ...]:
    names = re.findall(_DAY, text)
    return tuple(sorted({_WEEKDAYS[name.removesuffix("s") if name not in _WEEKDAYS else name] for name in names}))
