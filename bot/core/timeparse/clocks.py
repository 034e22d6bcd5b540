"""Rules for the time of day: clock times, named times, clock phrases, parts of the day, hedges."""

from __future__ import annotations

import re
from datetime import time
from typing import Literal

from bot.core.errors import TimeParseError
from bot.core.timeparse.dates import month_names
from bot.core.timeparse.values import (
    DIGITS,
    TYPED,
    AboutThePhrase,
    Clock,
    Found,
    Mark,
    Period,
    Read,
    Rule,
    any_of,
    longest_first,
)

END_OF_DAY = time(17, 0)
FIRST_THING = time(9, 0)
_CLOCK = re.compile(
    r"(?<![\w:./-])(?P<at>at\s+)?(?P<h>\d{1,2})"
    r"(?:(?P<sep>[:.h])(?P<m>\d{2})(?::(?P<s>\d{2})|(?<=h\d\d)(?P<hms>m)(?:(?P<hs>\d{2})s)?)?|(?P<glued>\d{2})"
    r"|(?P<hsuffix>h))?"
    r"\s*(?P<ampm>am|pm)?(?P<oclock>\s*o'?\s?clock|\s*h(?:rs?)?(?!\w))?(?:(?<=clock)\s*(?P<late>am|pm))?(?![\w:/-])"
)


def _is_clock(match: re.Match[str]) -> bool:
    """Which numbers are times: a colon or 'h', am/pm, o'clock, hrs or 'at'; dots only when no date fits."""
    marked = bool(match["ampm"] or match["late"] or match["oclock"] or match["at"])
    if match["sep"] in (":", "h") or match["hsuffix"]:
        return True
    if match["sep"] == ".":
        hour, minute = int(match["h"]), int(match["m"])
        return marked or not (1 <= hour <= 31 and 1 <= minute <= 12)
    return marked


def read_clock(match: re.Match[str]) -> Read:
    text = match.group(0).strip()
    minutes_text = match["m"] or match["glued"]
    hour, minute, second = int(match["h"]), int(minutes_text or 0), int(match["s"] or match["hs"] or 0)
    meridiem = match["ampm"] or match["late"]
    notes: tuple[str, ...] = ()
    if minute > 59 or second > 59:
        raise TimeParseError(f"“{text}” is not a time of day.")
    if meridiem == "pm" and minutes_text and 13 <= hour <= 23:
        meridiem, notes = None, (f"“{text}” was read as {hour:02d}:{minute:02d}.",)  # "1515pm": pm said twice
    if meridiem:
        if not 1 <= hour <= 12:
            raise TimeParseError(f"“{text}” is not a time of day: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        raise TimeParseError(f"“{text}” is not a time of day: hours go up to 23.")
    if match["hms"]:
        notes = (f"“{text}” was read as a time of day; for a duration, write “in {text}”.",)
    as_written = match["h"].startswith("0") or "hr" in (match["oclock"] or "")
    flexible = meridiem is None and not as_written and 1 <= hour <= 12
    written = match["h"] + (f":{minutes_text}" if minutes_text else "")
    return Read(Clock(hour, minute, second, meridiem=meridiem, flexible=flexible, written=written), notes)


def _clock_text(text: str) -> Read:
    """A clock time the other clock rules wrote out ('5:45pm'), read as the clock rule reads it."""
    match = _CLOCK.fullmatch(text)
    if match is None:  # pragma: no cover - the rules write only what the clock rule reads
        raise AssertionError(text)
    return read_clock(match)


def _clock_time(match: re.Match[str], _found: Found) -> Read | None:
    """'5pm', '17:30', '15h30', 'at 1030', '0800 hrs', '8h10m', '3 o'clock pm'."""
    return read_clock(match) if _is_clock(match) else None


def digits_clock(digits: str) -> Clock:
    """A number standing alone beside a day word: 'tonight 9', 'tomorrow 1700', 'friday 815'."""
    hour, minute = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hour > 23 or minute > 59:
        raise AboutThePhrase(f"“{TYPED}”: {digits} is not a time of day.")
    written = f"{hour}:{minute:02d}" if len(digits) > 2 else digits
    return Clock(hour, minute, 0, flexible=1 <= hour <= 12 and not digits.startswith("0"), written=written)


def _number_as_time(match: re.Match[str], found: Found) -> Read | None:
    """'tonight 9', 'tomorrow 1700', 'may 19 1120', 'around 3': a number that can only be a time of day is one."""
    if found.has(Clock):
        return None
    digits = match.group(0)
    beside_day_word = found.read_by("part of the day", "today and tomorrow", "weekday", "days from now")
    if match.string == digits and (beside_day_word or found.marked("hedge")):
        return Read(digits_clock(digits))  # no date for a year to belong to
    year = found.context.year
    if len(digits) < 3 or (len(digits) == 4 and year is not None and year - 1 <= int(digits) <= year + 10):
        return None
    if int(digits[:-2]) <= 23 and int(digits[-2:]) <= 59:
        return Read(digits_clock(digits))
    return None


_NAMED_TIMES: dict[str, tuple[Clock, str | None]] = {
    "noon": (Clock(12, 0, meridiem="pm"), None),
    "midday": (Clock(12, 0, meridiem="pm"), None),
    "mid day": (Clock(12, 0, meridiem="pm"), None),
    "mid-day": (Clock(12, 0, meridiem="pm"), None),
    "midnight": (Clock(0, 0, end_of_day=True), None),
    **dict.fromkeys(
        ("end of day", "end of the day", "end of business", "close of business", "eod", "eob", "cob"),
        (Clock(END_OF_DAY.hour, END_OF_DAY.minute), f"End of day is read as {END_OF_DAY:%H:%M}."),
    ),
    **dict.fromkeys(
        ("first thing", "first thing in the morning"),
        (Clock(FIRST_THING.hour, FIRST_THING.minute), f"“First thing” is read as {FIRST_THING:%H:%M}."),
    ),
}


def _named_time(match: re.Match[str], _found: Found) -> Read:
    clock, note = _NAMED_TIMES[match.group(1)]
    return Read(clock, (note,) if note else ())


_CLOCK_PHRASE_HOUR = r"(?P<h>\d{1,2}|noon)(?:h(?:00)?|:00)?(?P<ampm>\s*[ap]m)?(?:\s*o'?clock)?(?![\w:.])"


def _clock_phrase(match: re.Match[str], _found: Found) -> Read | None:
    """'half past 5' as 5:30, 'quarter to 6pm' as 5:45pm; without am/pm the usual clock rule follows."""
    minutes = {"quarter": 15, "half": 30}.get(match["word"] or "") or int(match["n"] or 0)
    before = match["dir"] in ("to", "before", "till", "til", "of")
    if before and match["n"] and "min" not in match.group(0):
        return None  # "5 to 6" may be a range; "5 minutes to 6" is a time
    if not 1 <= minutes <= 59 or (before and match["word"] == "half"):
        raise TimeParseError(f"“{match.group(0)}” is not a time of day.")
    meridiem = (match["ampm"] or "").strip() or ("pm" if match["h"] == "noon" else "")
    hour = 12 if match["h"] == "noon" else int(match["h"])
    if (meridiem and not 1 <= hour <= 12) or hour > 23:
        raise TimeParseError(f"“{match.group(0)}” is not a time of day.")
    if meridiem:
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    hour, minute = divmod((hour * 60 + (-minutes if before else minutes)) % (24 * 60), 60)
    if meridiem:
        return _clock_text(f"{hour % 12 or 12}:{minute:02d}{'pm' if hour >= 12 else 'am'}")
    return _clock_text(f"{(hour % 12 or 12) if hour <= 12 else hour}:{minute:02d}")


def _half_hour(match: re.Match[str], _found: Found) -> Read:
    """British 'half three' is 3:30."""
    hour, meridiem = int(match["h"]), (match["ampm"] or "").strip()
    read = _clock_text(f"{hour}:30{meridiem}")
    return Read(read.value, (f"“{match.group(0)}” was read as half past {hour}.", *read.notes))


def _spoken_clock(match: re.Match[str], found: Found) -> Read | None:
    """'at 3 15' is 3:15; but in 'at 3 15 december', 'december at 3 15' and 'next month at 3 15' the 15 is
    a day, as it was read before hours and minutes apart were."""
    months = month_names(found.context.language)
    following = match.string[match.end() :].split(maxsplit=1)[:1]
    preceding = match.string[: match.start()].split()[-1:]
    if match["ampm"] is None and (
        "next month" in match.string
        or any(word.rstrip(".,") in {"of", *months} for word in following)
        or any(word.rstrip(".,") in months for word in preceding)
    ):
        return None
    return _clock_text(f"{match['h']}:{match['m']}{(match['ampm'] or '').strip()}")


_PERIODS: dict[str, Literal["morning", "afternoon", "evening"]] = {
    "morning": "morning", "morn": "morning", "afternoon": "afternoon", "evening": "evening", "night": "evening",
}  # fmt: skip


def _part_of_day(match: re.Match[str], _found: Found) -> Read:
    words = match.group(1)
    name = "evening" if words == "tonight" else _PERIODS[words.split()[-1]]
    return Read(Period(name, today=words == "tonight" or words.startswith("this ")))


def apply_period(clock: Clock, period: Period | None) -> tuple[Clock, str | None]:
    """Set the half of the day; a clock with no am/pm and no period follows a stated rule."""
    if period is not None:
        return _in_period(clock, period.name), None
    if not clock.flexible or clock.hour == 12:
        return clock, None
    # Rule for "at 5" or "3:30" with no am/pm: 1:00-6:59 read as afternoon, 7:00-11:59 as morning.
    hour = clock.hour + 12 if clock.hour <= 6 else clock.hour
    chosen = Clock(hour, clock.minute, clock.second)
    if hour < 12 and ":" in clock.written:
        return chosen, None  # "9:30" reads as written on either clock
    other = "am" if hour > 12 else "pm"
    return (
        chosen,
        f"“{clock.written}” was read as {hour:02d}:{clock.minute:02d}; write “{clock.written}{other}” for the other.",
    )


def _in_period(clock: Clock, period: str) -> Clock:
    wants_pm = period in ("afternoon", "evening")
    hour = clock.hour
    if period == "evening" and ((hour == 0 and clock.meridiem == "am") or (hour == 12 and clock.meridiem is None)):
        return Clock(0, clock.minute, clock.second, end_of_day=True)  # "tonight at 12" is midnight
    if clock.end_of_day:
        return clock
    if clock.meridiem:
        if (clock.meridiem == "pm") != wants_pm or (period == "evening" and hour == 12):
            raise TimeParseError(f"{hour % 12 or 12}{clock.meridiem} is not in the {period}.")
        return clock
    if hour >= 13 and not wants_pm:
        raise TimeParseError(f"{hour:02d}:{clock.minute:02d} is not in the {period}.")
    if period == "evening" and 1 <= hour <= 4:
        raise TimeParseError(
            f"“{clock.written}” this {period}: write {hour}am for after midnight or {hour}pm for the afternoon."
        )
    if wants_pm and 1 <= hour <= 11:
        return Clock(hour + 12, clock.minute, clock.second)
    if not wants_pm and hour == 12:
        return Clock(0, clock.minute, clock.second)
    return clock


RULES = (
    Rule(
        "hedge",
        "marks",
        re.compile(
            any_of(("around", "about", "approximately", "approx", "roughly", "circa", "ca", "sometime"))
            + r"(?!\w)\s*|~\s*"
            r"|(?:-ish|ish(?:(?<=\dish)|(?<=[ap]mish)|(?<=noonish)))(?!\w)"
        ),
        lambda _match, _found: Read(Mark("hedge")),
        "Hedges",
        ("around 6pm", "at about 3pm", "approximately 10", "3ish", "6pm-ish", "noonish", "in about ~5 hours"),
        "the time itself; the confirmation says “An exact time is used: 18:00”",
        each=True,
        needs=("around", "about", "approx", "roughly", "circa", "ca", "sometime", "~", "ish"),
    ),
    Rule(
        "named time",
        "times",
        re.compile(r"(?<!\w)(?:at\s+|by\s+)?(?:12(?::00)?\s*)?(" + longest_first(_NAMED_TIMES) + r")(?!\w)"),
        _named_time,
        "Named times",
        ("noon", "midday", "mid day", "12 noon", "midnight", "end of day", "eod", "cob", "first thing tomorrow"),
        "midnight is the end of the named day (`tomorrow 12am` is the start of it, and the confirmation says so); "
        "end of day is 17:00; first thing is 09:00 (both said in the confirmation)",
        after={"clock phrase": "“quarter to noon” is one time, not noon"},
        needs=tuple(_NAMED_TIMES),
    ),
    Rule(
        "same time",
        "times",
        re.compile(r"(?<!\w)(?:at\s+)?(?:the\s+)?(?:same|this)\s+time(?!\w)"),
        lambda _match, _found: Read(Clock(0, 0, now=True)),
        "Same time",
        ("same time tomorrow", "this time next friday", "tomorrow at this time"),
        "the wall-clock time it is now, on that day (said in the confirmation)",
        needs=("time",),
    ),
    Rule(
        "clock phrase",
        "times",
        re.compile(
            r"(?<![\w:.])(?:(?:a\s+)?(?P<word>quarter|half)|(?P<n>\d{1,2})(?:\s*(?:minutes?|mins?))?)\s+"
            r"(?P<dir>past|after|to|before|till|til|of)\s+" + _CLOCK_PHRASE_HOUR
        ),
        _clock_phrase,
        "Clock phrases",
        (
            "half past 5",
            "a quarter past 3pm",
            "quarter to 6",
            "20 minutes to 2pm",
            "15 past 3",
            "quarter to noon",
            "15 minutes past 15h",
        ),
        "the time named; `5 to 6` (maybe a range) needs “minutes”",
        needs=("past", "after", "to", "before", "till", "til", "of"),
    ),
    Rule(
        "half hour",
        "times",
        re.compile(r"(?<![\w:.])half\s+(?P<h>1[0-2]|[1-9])(?P<ampm>\s*[ap]m)?(?![\w:./])"),
        _half_hour,
        "British half hours",
        ("half three", "half 5 tomorrow"),
        "half past that hour, as in British English (said in the confirmation); then the rules for am/pm",
        after={"clock phrase": "“half past 5” is a clock phrase"},
        needs=("half",),
    ),
    Rule(
        "spoken clock",
        "times",
        re.compile(r"(?<![\w:./-])at\s+(?P<h>\d{1,2})\s(?P<m>[0-5]\d)(?P<ampm>\s*[ap]m)?(?![\w:./-])"),
        _spoken_clock,
        "Hour and minutes apart",
        ("at 3 15", "tomorrow at 10 30"),
        "as `3:15`, then the rules for am/pm; without “at”, `dec 3 10pm` is a date and a time, and before a "
        "month or with `next month` the number is a day (`at 3 15 december`)",
        needs=("at",),
    ),
    Rule(
        "clock time",
        "times",
        _CLOCK,
        _clock_time,
        "Clock times",
        (
            "5pm",
            "17:30",
            "5.30 pm",
            "17.30",
            "08.00",
            "15h30",
            "16h",
            "17:00 hrs",
            "8h10m",
            "8h10m00s",
            "3 o'clock pm",
            "1515pm",
        ),
        "as written; `25:00` and `13pm` are refused; `1515pm` is 15:15 (said in the confirmation); `8h10m` is a "
        "time of day, with the duration's spelling in the confirmation",
        after={
            "named time": "“12 noon” holds the number 12",
            "clock phrase": "“quarter to 6pm” holds “6pm”",
            "half hour": "“half 3pm” holds “3pm”",
            "spoken clock": "“at 3 15” holds “at 3”",
        },
        each=True,
        needs=DIGITS,
    ),
    Rule(
        "part of the day",
        "times",
        re.compile(
            r"(?<!\w)(tonight|this (?:morning|afternoon|evening)"
            r"|(?:in the |in |at )?(?:morning|morn|afternoon|evening|night))(?!\w)"
        ),
        _part_of_day,
        "Parts of the day",
        (
            "tonight 9",
            "this evening at 9:30",
            "tomorrow morning at 9",
            "3 in the afternoon",
            "3 in the am",
            "this afternoon at 12",
        ),
        "`tonight`, `evening`, `afternoon`, `night` make a bare hour p.m., `morning` a.m.; 12 in the afternoon "
        "is noon; `tonight at 12` is midnight; `tonight at 2` asks for am or pm",
        after={"named time": "“first thing in the morning” is one named time"},
        needs=("tonight", "morn", "afternoon", "evening", "night"),
    ),
    Rule(
        "number as a time",
        "leftover",
        re.compile(r"\d(?<![\w:./-]\d)\d{0,3}(?![\w:./-])"),
        _number_as_time,
        "Numbers without separators",
        ("at 1030", "tonight 815", "1700 tomorrow", "May 19 at 1120pm", "may 19 1120"),
        "a 3–4 digit number is a time after `at`, with am/pm or `hrs`, beside a day word, or when it cannot be a year",
        after={"connecting words": "“tomorrow at 9” leaves “9” alone once “at” is read"},
        each=True,
        needs=DIGITS,
    ),
)
