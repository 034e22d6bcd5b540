"""Read the time a person means from a short phrase, in their own timezone.

`dateparser` reads calendar dates ("Dec 3", "15th January 2027"); everything around it
(times of day, zones, relative durations, weekdays, "tonight") is a small set of named
rules on top, because that is where raw dateparser picks the wrong instant:

- `_zone_in_phrase`: an explicit zone or offset wins over the user's; IST is India.
- `_relative_duration`: "in 2 hours", "in 1.5 hours", "in half an hour" count elapsed time.
- `_clock_time`: 12- and 24-hour clocks, "noon", "midnight"; "25:00" is refused.
- `_day_period`: "tonight", "this evening", "tomorrow morning" set the half of the day.
- `_relative_day` and `_weekday`: "tomorrow", "friday", "next friday".
- `_numeric_date`: "25/12", "03/04" (ambiguous: the confirmation says which was taken).
- `_calendar_date`: month names, read by dateparser with a fixed base (no per-call settings).
- `_localise`: wall-clock time to an instant with the zone's offset *on that date*.
- `_next_occurrence`: a time with no date is its next occurrence after now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateparser.date import DateDataParser
from dateutil.relativedelta import relativedelta

from bot.core.errors import TimeParseError

__all__ = ["ParsedTime", "TimeParseError", "interpret", "means_now", "parse_when"]

MAX_PHRASE_LENGTH = 100
EXAMPLES = "“tomorrow 5pm”, “in 2 hours”, “friday 9:30am” or “Dec 3 at 14:30 IST”"


@dataclass(frozen=True)
class ParsedTime:
    """The instant meant, and what was assumed to get there (shown at confirmation)."""

    when: datetime
    notes: tuple[str, ...] = ()


def parse_when(text: str, tz: str, now: datetime) -> datetime:
    """The timezone-aware instant `text` means, read in `tz` as of `now`."""
    return interpret(text, tz, now).when


_NOW_WORDS = frozenset({"now", "right now", "immediately", "asap", "right away", "straight away"})


def means_now(text: str) -> bool:
    """True for phrases asking to send immediately rather than schedule."""
    return _normalise(text) in _NOW_WORDS


def interpret(text: str, tz: str, now: datetime) -> ParsedTime:
    """Like `parse_when`, also returning the assumptions made (ambiguities, DST gaps)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    phrase = _normalise(text)
    if not phrase:
        raise TimeParseError(f"No time given. Try {EXAMPLES}.")
    if len(phrase) > MAX_PHRASE_LENGTH:
        raise TimeParseError(f"That time is too long to be a time ({len(phrase)} characters).")
    if phrase in _NOW_WORDS:
        return ParsedTime(now)
    user_zone = _user_zone(tz)
    zone, phrase = _zone_in_phrase(phrase)
    zone = zone or user_zone
    if (instant := _iso_timestamp(phrase, zone)) is not None:
        return _localised_iso(instant, zone)
    if (delta := _relative_duration(phrase)) is not None:
        return ParsedTime(_add_duration(now, delta, zone))
    if _looks_like_phone(phrase):
        raise TimeParseError(f"“{text.strip()}” looks like a phone number, not a time.")
    return _absolute(phrase, text, zone, user_zone, now.astimezone(zone))


# --- normalising -------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def _normalise(text: str) -> str:
    cleaned = text.translate(_QUOTES).strip().strip("\"'").strip()
    cleaned = re.sub(r"\s+", " ", cleaned.lower())
    return cleaned.rstrip(".!?").strip()


# --- rule: an explicit zone in the phrase wins ------------------------------------------------


def _fixed(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


ZONE_ABBREVIATIONS: dict[str, tzinfo] = {
    "ist": ZoneInfo("Asia/Kolkata"),
    "utc": UTC,
    "gmt": UTC,
    "z": UTC,
    "pst": _fixed(-8),
    "pdt": _fixed(-7),
    "pt": ZoneInfo("America/Los_Angeles"),
    "mst": _fixed(-7),
    "mdt": _fixed(-6),
    "est": _fixed(-5),
    "edt": _fixed(-4),
    "et": ZoneInfo("America/New_York"),
    "cst": _fixed(-6),
    "cdt": _fixed(-5),
    "ct": ZoneInfo("America/Chicago"),
    "bst": _fixed(1),
    "cet": _fixed(1),
    "cest": _fixed(2),
    "sgt": _fixed(8),
    "jst": _fixed(9),
}
"""Abbreviations with one meaning for this product's users; summer/winter ones are literal."""

_ZONE_WORD = re.compile(r"(?<![\w/])(" + "|".join(ZONE_ABBREVIATIONS) + r")(?![\w/])")
_PREFIXED_OFFSET = re.compile(r"(?<![\w/])(?:utc|gmt)\s*([+-])(\d{1,2})(?::?(\d{2}))?(?![\w:])")
_BARE_OFFSET = re.compile(r"(?<=[\d\s])([+-])(\d{2}):?(\d{2})$")
_IANA_NAME = re.compile(r"(?<![\w/])([a-z]+(?:/[a-z0-9_+-]+)+)(?![\w/])")


@cache
def _iana_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _user_zone(tz: str) -> tzinfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeParseError(f"Unknown timezone “{tz}”.") from exc


def _offset_zone(sign: str, hours: str, minutes: str | None) -> tzinfo:
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if offset > timedelta(hours=14) or int(minutes or 0) >= 60:
        raise TimeParseError(f"{sign}{hours}:{minutes or '00'} is not a UTC offset.")
    return timezone(-offset if sign == "-" else offset)


def _zone_in_phrase(phrase: str) -> tuple[tzinfo | None, str]:
    """Find at most one zone (abbreviation, UTC±h, ±hh:mm, IANA name) and cut it out."""
    found: list[tuple[tzinfo, re.Match[str]]] = []
    for match in _PREFIXED_OFFSET.finditer(phrase):
        found.append((_offset_zone(*match.groups()), match))
    if not found:
        for match in _ZONE_WORD.finditer(phrase):
            found.append((ZONE_ABBREVIATIONS[match.group(1)], match))
    for match in _IANA_NAME.finditer(phrase):
        if (name := _iana_names().get(match.group(1))) is not None:
            found.append((ZoneInfo(name), match))
    offset = _BARE_OFFSET.search(phrase)
    if offset is not None and not _ISO.fullmatch(phrase):
        found.append((_offset_zone(*offset.groups()), offset))
    if not found:
        return None, phrase
    if len(found) > 1:
        raise TimeParseError("The time names more than one timezone; give just one.")
    zone, match = found[0]
    return zone, _cut(phrase, match)


def _cut(phrase: str, match: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", phrase[: match.start()] + " " + phrase[match.end() :]).strip()


# --- rule: ISO 8601 timestamps -------------------------------------------------------------

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?")


def _iso_timestamp(phrase: str, zone: tzinfo) -> datetime | None:
    if not _ISO.fullmatch(phrase):
        return None
    try:
        parsed = datetime.fromisoformat(phrase.upper())
    except ValueError as exc:
        raise TimeParseError(f"“{phrase}” is not a valid date and time.") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _localised_iso(instant: datetime, zone: tzinfo) -> ParsedTime:
    if instant.tzinfo is zone:
        return _localise(instant.date(), instant.time(), zone)
    return ParsedTime(instant)


# --- rule: relative durations count elapsed time --------------------------------------------

_UNITS: dict[str, str] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "seconds"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "month", "months"), "months"),
}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50,
    "a couple of": 2, "a few": 3, "half a": 0.5, "half an": 0.5,
}  # fmt: skip
_AMOUNT = r"(\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + ")"
_PART = re.compile(
    _AMOUNT + r"\s*(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")(?![a-z])(\s+and\s+a\s+half)?"
)
_RELATIVE = re.compile(r"(?:in|after)\s+(.+?)(?:\s+from\s+now)?|(.+?)\s+(?:from\s+now|later)")


def _relative_duration(phrase: str) -> relativedelta | None:
    """'in 2 hours', 'in 1.5 hours', 'in half an hour', 'in 2h 30m', '90 mins from now'."""
    match = _RELATIVE.fullmatch(phrase)
    if match is None:
        return None
    spec = match.group(1) or match.group(2)
    total = relativedelta()
    position = 0
    for part in _PART.finditer(spec):
        if spec[position : part.start()].strip(" ,").removeprefix("and").strip():
            return None
        amount_text, unit_text, and_a_half = part.groups()
        amount = _NUMBER_WORDS.get(amount_text) or float(amount_text)
        amount += 0.5 if and_a_half else 0
        total += _duration(amount, _UNITS[unit_text])
        position = part.end()
    if position == 0 or spec[position:].strip():
        return None
    return total


def _duration(amount: float, unit: str) -> relativedelta:
    if unit == "months":
        if amount != int(amount):
            raise TimeParseError("Months must be whole, e.g. “in 2 months”.")
        if amount > 1200:
            raise TimeParseError("That is too far away to schedule.")
        return relativedelta(months=int(amount))
    if amount > 100_000:
        raise TimeParseError("That is too far away to schedule.")
    return relativedelta(seconds=round(timedelta(**{unit: amount}).total_seconds()))


def _add_duration(now: datetime, delta: relativedelta, zone: tzinfo) -> datetime:
    """Months move the calendar in the local zone; everything else is elapsed time."""
    elapsed = timedelta(seconds=delta.seconds + 60 * delta.minutes + 3600 * delta.hours)
    elapsed += timedelta(days=delta.days)
    moved = now.astimezone(zone) + relativedelta(months=delta.months) if delta.months else now
    return (moved.astimezone(UTC) + elapsed).astimezone(zone)


# --- absolute phrases: date words, clock times, calendar dates ---------------------------------


def _looks_like_phone(phrase: str) -> bool:
    """A bare run of 7+ digits is a phone number or a Unix timestamp, never a time here."""
    if not re.fullmatch(r"\+?[\d\s()-]+", phrase) or _ISO_DATE.fullmatch(phrase):
        return False
    return sum(char.isdigit() for char in phrase) >= 7


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    second: int
    end_of_day: bool = False  # "midnight": 00:00 at the end of the named day
    meridiem: str | None = None  # "am", "pm" or None
    bare: bool = False  # "at 5": an hour with no minutes, am/pm or 24-hour form


_CLOCK = re.compile(
    r"(?<![\w:./-])(?P<at>at\s+)?(?P<h>\d{1,2})"
    r"(?:(?P<sep>[:.])(?P<m>\d{2})(?::(?P<s>\d{2}))?)?"
    r"\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?(?P<oclock>\s*o'?clock)?(?![\w:/-])"
)
_NAMED_TIMES = re.compile(r"(?<!\w)(?:at\s+)?(noon|midday|midnight)(?!\w)")


def _clock_time(phrase: str) -> tuple[_Clock | None, str]:
    """Take out the one time of day in the phrase: '5pm', '17:30', '5.30 pm', 'at 9', 'noon'."""
    found: list[tuple[_Clock, re.Match[str]]] = []
    for match in _NAMED_TIMES.finditer(phrase):
        word = match.group(1)
        found.append((_Clock(0, 0, 0, end_of_day=True) if word == "midnight" else _Clock(12, 0, 0), match))
    for match in _CLOCK.finditer(phrase):
        groups = match.groupdict()
        is_clock = groups["sep"] == ":" or groups["ampm"] or groups["oclock"] or groups["at"]
        if groups["sep"] == "." and not groups["ampm"]:
            is_clock = False
        if is_clock:
            found.append((_read_clock(match), match))
    if not found:
        return None, phrase
    if len(found) > 1:
        raise TimeParseError("The phrase has more than one time of day; give just one.")
    clock, match = found[0]
    return clock, _cut(phrase, match)


def _read_clock(match: re.Match[str]) -> _Clock:
    text = match.group(0).strip()
    hour, minute, second = int(match["h"]), int(match["m"] or 0), int(match["s"] or 0)
    meridiem = match["ampm"].replace(".", "") if match["ampm"] else None
    if minute > 59 or second > 59:
        raise TimeParseError(f"“{text}” is not a time of day.")
    if meridiem:
        if not 1 <= hour <= 12:
            raise TimeParseError(f"“{text}” is not a time of day: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        raise TimeParseError(f"“{text}” is not a time of day: hours go up to 23.")
    bare = match["sep"] is None and meridiem is None and 1 <= hour <= 12
    return _Clock(hour, minute, second, meridiem=meridiem, bare=bare)


def _bare_hour(hour: int, original: str) -> _Clock:
    if hour > 23:
        raise TimeParseError(f"“{original.strip()}”: {hour} is not an hour of the day.")
    return _Clock(hour, 0, 0, bare=1 <= hour <= 12)


# --- rule: parts of the day ----------------------------------------------------------------

_PERIODS = re.compile(
    r"(?<!\w)(tonight|this (?:morning|afternoon|evening)|(?:in the |at )?(?:morning|afternoon|evening|night))(?!\w)"
)


def _day_period(phrase: str) -> tuple[str | None, bool, str]:
    """('morning' | 'afternoon' | 'evening' | None, whether it also means today, rest)."""
    match = _PERIODS.search(phrase)
    if match is None:
        return None, False, phrase
    words = match.group(1)
    period = "evening" if words in ("tonight", "at night", "night") else words.split()[-1]
    period = "evening" if period == "night" else period
    return period, words == "tonight" or words.startswith("this "), _cut(phrase, match)


def _apply_period(clock: _Clock, period: str | None) -> tuple[_Clock, str | None]:
    """Set the half of the day; a bare hour with no period follows a stated rule."""
    if period is not None:
        wants_pm = period in ("afternoon", "evening")
        if clock.meridiem and (clock.meridiem == "pm") != wants_pm:
            raise TimeParseError(f"{clock.hour % 12 or 12}{clock.meridiem} is not in the {period}.")
        if wants_pm and 1 <= clock.hour <= 11:
            return _Clock(clock.hour + 12, clock.minute, clock.second), None
        if not wants_pm and clock.hour == 12 and clock.meridiem is None:
            return _Clock(0, clock.minute, clock.second), None
        return clock, None
    if not clock.bare or clock.hour == 12:
        return clock, None
    # Rule for "at 5" with no am/pm: 1-6 read as afternoon/evening, 7-11 as morning.
    hour = clock.hour + 12 if clock.hour <= 6 else clock.hour
    other = "am" if hour > 12 else "pm"
    chosen = _Clock(hour, clock.minute, clock.second)
    return chosen, f"“{clock.hour}” was read as {hour:02d}:00; write “{clock.hour}{other}” for the other."


# --- rule: today, tomorrow, weekdays ----------------------------------------------------------

_RELATIVE_DAYS = re.compile(r"(?<!\w)(today|(?:the )?day after (?:tomorrow|tmrw)|tomorrow|tmrw|tmr|tomo)(?!\w)")
_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
_WEEKDAY = re.compile(
    r"(?<!\w)(?:(this|next|coming)\s+)?(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")(?!\w)"
)


@dataclass(frozen=True)
class _Day:
    """A date, or a weekday whose date depends on the time of day (next occurrence)."""

    day: date
    weekday_rolls: bool = False  # a plain weekday: a week later if that time has passed
    note: str | None = None


def _relative_day(phrase: str, today: date) -> tuple[_Day | None, str]:
    match = _RELATIVE_DAYS.search(phrase)
    if match is None:
        return None, phrase
    word = match.group(1)
    offset = 2 if "after" in word else 0 if word == "today" else 1
    return _Day(today + timedelta(days=offset)), _cut(phrase, match)


def _weekday(phrase: str, today: date) -> tuple[_Day | None, str]:
    match = _WEEKDAY.search(phrase)
    if match is None:
        return None, phrase
    qualifier, name = match.groups()
    target = _WEEKDAYS[name]
    ahead = (target - today.weekday()) % 7
    if qualifier == "next" and ahead == 0:
        return _Day(today + timedelta(days=7)), _cut(phrase, match)
    day = today + timedelta(days=ahead)
    note = None
    if qualifier == "next":
        later = day + timedelta(days=7)
        note = f"“next {name}” was read as {day:%a %d %b}; write “{later:%d %b}” for the week after."
    return _Day(day, weekday_rolls=True, note=note), _cut(phrase, match)


# --- rule: numeric dates (day-first unless the user is in the Americas) -------------------------

_ISO_DATE = re.compile(r"(?<![\w.:/-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w:/-])")
_NUMERIC_DATE = re.compile(r"(?<![\w.:/-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\w:/-])")


def _numeric_date(phrase: str, today: date, month_first: bool) -> tuple[_Day | None, str]:
    """'2027-02-10', '25/12', '12/25/2026'; '03/04' takes the user's order and says so."""
    if (match := _ISO_DATE.search(phrase)) is not None:
        year, month, day = map(int, match.groups())
        return _Day(_make_date(year, month, day, match.group(0))), _cut(phrase, match)
    match = _NUMERIC_DATE.search(phrase)
    if match is None:
        return None, phrase
    first, _separator, second, year_text = match.groups()
    text = match.group(0)
    month, day = (int(first), int(second)) if month_first else (int(second), int(first))
    note = None
    if month > 12 >= day:
        month, day = day, month
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise TimeParseError(f"“{text}” is not a date.")
    if month != day and day <= 12:
        written = f"{date(2000, day, 1):%B} {month}" if month_first else f"{month} {date(2000, day, 1):%B}"
        order = "month/day" if month_first else "day/month"
        note = f"“{text}” was read as {order}; for {written}, write the month's name."
    if year_text is None:
        return _Day(_upcoming(month, day, today, text), note=note), _cut(phrase, match)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    return _Day(_make_date(year, month, day, text), note=note), _cut(phrase, match)


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise TimeParseError(f"“{text}” is not a date.") from exc


def _upcoming(month: int, day: int, today: date, text: str) -> date:
    """The next date with this month and day, today included (Feb 29 waits for a leap year)."""
    _make_date(2024, month, day, text)  # a leap year: refuses only dates that never exist
    year = today.year
    while True:
        try:
            candidate = date(year, month, day)
        except ValueError:
            year += 1
            continue
        if candidate >= today:
            return candidate
        year += 1


# --- rule: calendar dates with month names, read by dateparser ---------------------------------

_MONTHS = frozenset(
    {"jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul", "july",
     "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec", "december"}
)  # fmt: skip
_DATE_WORD = re.compile(r"(?:" + "|".join(_MONTHS) + r"|\d{1,2}(?:st|nd|rd|th)?|\d{4}|of|the|,)")
_DAY_ONLY = re.compile(r"(?:the )?(\d{1,2})(?:st|nd|rd|th)")
_FIXED_BASE = datetime(2024, 1, 1)  # a leap year, so "feb 29" parses; the real year is set after
_DATEPARSER = DateDataParser(
    languages=["en"],
    settings={
        "RELATIVE_BASE": _FIXED_BASE,
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["day", "month"],
        "PARSERS": ["absolute-time"],
    },
)


def _calendar_date(phrase: str, today: date) -> _Day | None:
    """'Dec 3', '3rd of December', 'January 15th 2027', or 'the 5th' (next such day)."""
    if (match := _DAY_ONLY.fullmatch(phrase)) is not None:
        return _Day(_next_day_of_month(int(match.group(1)), today, phrase))
    tokens = re.findall(r"[a-z]+|\d+(?:st|nd|rd|th)?|,|\S", phrase)
    if not any(token in _MONTHS for token in tokens):
        return None
    if not all(_DATE_WORD.fullmatch(token) for token in tokens):
        return None
    found = _dateparser_day(phrase)
    if found is None:
        raise TimeParseError(f"“{phrase}” is not a date.")
    if any(re.fullmatch(r"\d{4}", token) for token in tokens):
        return _Day(found)
    return _Day(_upcoming(found.month, found.day, today, phrase))


@lru_cache(maxsize=4096)
def _dateparser_day(phrase: str) -> date | None:
    """dateparser's reading of a calendar date; pure (fixed base), so repeats come from a bounded cache."""
    parsed = _DATEPARSER.get_date_data(phrase)
    if parsed.date_obj is None or parsed.period != "day":
        return None
    day: date = parsed.date_obj.date()
    return day


def _next_day_of_month(day: int, today: date, text: str) -> date:
    month_start = today.replace(day=1)
    for months_ahead in range(4):
        start = month_start + relativedelta(months=months_ahead)
        try:
            candidate = start.replace(day=day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise TimeParseError(f"“{text}” is not a day of the month.")


# --- putting it together -----------------------------------------------------------------------

_FILLER = re.compile(r"(?<!\w)(?:at|on|by|for|this|,)(?!\w)")


def _absolute(phrase: str, original: str, zone: tzinfo, user_zone: tzinfo, now: datetime) -> ParsedTime:
    today = now.date()
    clock, rest = _clock_time(phrase)
    period, today_implied, rest = _day_period(rest)
    relative, rest = _relative_day(rest, today)
    weekday, rest = _weekday(rest, today)
    explicit, rest = _numeric_date(rest, today, _month_first(user_zone))
    leftover = _FILLER.sub(" ", rest).strip()
    if clock is None and (period or relative or weekday) and re.fullmatch(r"\d{1,2}", leftover):
        clock, leftover = _bare_hour(int(leftover), original), ""  # "tonight 9", "tomorrow 9"
    if explicit is None and leftover:
        explicit = _calendar_date(leftover, today)
        leftover = "" if explicit is not None else leftover
    if leftover:
        raise TimeParseError(f"I couldn't understand “{leftover}” in “{original.strip()}”. Try {EXAMPLES}.")
    day = _agreeing_day(relative, weekday, explicit) or (_Day(today) if today_implied else None)
    if clock is None:
        if day is None and period is None:
            raise TimeParseError(f"I couldn't find a time in “{original.strip()}”. Try {EXAMPLES}.")
        raise TimeParseError(f"Add a time of day, e.g. “{original.strip()} at 10am”.")
    clock, period_note = _apply_period(clock, period)
    notes = [note for note in (period_note, day.note if day else None) if note]
    wall = time(clock.hour, clock.minute, clock.second)
    if day is None:
        return _next_occurrence(wall, zone, now, notes)
    target = day.day + timedelta(days=1) if clock.end_of_day else day.day
    if clock.end_of_day:
        notes.append(f"Midnight was read as the end of {day.day:%a %d %b}.")
    parsed = _localise(target, wall, zone, notes)
    if day.weekday_rolls and parsed.when <= now:
        parsed = _localise(target + timedelta(days=7), wall, zone, notes)
    return parsed


def _agreeing_day(relative: _Day | None, weekday: _Day | None, explicit: _Day | None) -> _Day | None:
    """One day from the words given; 'tomorrow' and 'Dec 3' together must be the same day."""
    stated = explicit or relative
    if explicit and relative and explicit.day != relative.day:
        raise TimeParseError(f"{explicit.day:%d %b} and {relative.day:%d %b} are different days; give one.")
    if stated and weekday and stated.day.weekday() != weekday.day.weekday():
        raise TimeParseError(f"{stated.day:%d %b %Y} is a {stated.day:%A}, not a {weekday.day:%A}.")
    return stated or weekday


def _month_first(zone: tzinfo) -> bool:
    """People in the Americas write 03/04 as March 4th; everyone else as 3 April."""
    return str(zone).startswith(("America/", "US/", "Canada/"))


def _next_occurrence(wall: time, zone: tzinfo, now: datetime, notes: list[str]) -> ParsedTime:
    """A time of day with no date: today if still ahead, else tomorrow."""
    candidate = _localise(now.date(), wall, zone, notes)
    if candidate.when <= now:
        candidate = _localise(now.date() + timedelta(days=1), wall, zone, notes)
    return candidate


def _localise(day: date, wall: time, zone: tzinfo, notes: list[str] | None = None) -> ParsedTime:
    """Wall-clock time on `day` in `zone`, with that date's offset; DST gaps and repeats noted."""
    notes = list(notes or ())
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone)
    settled = aware.astimezone(UTC).astimezone(zone)
    if settled.replace(tzinfo=None) != naive:
        notes.append(f"{wall:%H:%M} does not exist on {day:%d %b} (clocks go forward); taken as {settled:%H:%M}.")
        return ParsedTime(settled, tuple(notes))
    if aware.replace(fold=1).utcoffset() != aware.utcoffset():
        notes.append(f"{wall:%H:%M} happens twice on {day:%d %b} (clocks go back); the first was taken.")
    return ParsedTime(aware, tuple(notes))
