"""Read the time a person means from a short phrase, in their own timezone and language.

`dateparser` reads calendar dates ("Dec 3", "3 dicembre"); everything around it (times of
day, zones, relative durations, weekdays, "tonight") is a small set of named rules on top,
because that is where raw dateparser picks the wrong instant. Rewriting rules first turn
what people type into the canonical forms the reading rules take:

- `_spelling`: "tonite", "2moro", "tommorow" and other common misspellings of the day words.
- `_zone_in_phrase`: an explicit zone or offset wins over the user's, also in parentheses; IST and
  "india time" are India, "uk time" is London; "eastern"/"pacific" (time), "central time" and
  "mountain time" are the US zones.
- `_hedge`: "around 6pm", "at about 3", "3ish", "6pm-ish", "noonish": the time is read; the notes say it is exact.
- `_short_meridiem`: "3p", "7a", "3 p.m.", "3:30 p m", "@ 3pm".
- `_spelled_numbers`: "eight tonight", "at three pm", "ten thirty tomorrow".
- `_clock_phrase`: "half past 5", "a quarter to 6pm", "20 minutes to 2", "15 past 3".
- `_relative_duration`: "in 2 hours", "in a couple hours", "in a quarter of an hour",
  "in 2 and a half hours", "in 1h30", "in 1 1/2 hours", "today in one hour", and a duration alone
  ("15 minutes", "+2h", said in the notes) count elapsed time ("a few" is 3, said in the notes).
- `_duration_day`: "in 3 days at 10am", "a week from today 9am", "10am in 2 weeks": a day, then the time.
- `_same_time`: "same time tomorrow", "this time next friday": the wall-clock time of now, on that day.
- `_named_time`: "noon", "12 noon", "midday"/"mid day"/"mid-day", "midnight" (the end of the named day),
  "end of day"/"eod"/"cob" (17:00) and "first thing" (09:00), both said in the notes.
- `_clock_time`: "5pm", "17:30", "5.30 pm", "17.30", "08.00", "15h30", "16h", "17:00 hrs", "at 1030",
  "1120pm", "at 5"; "25:00" is refused.
- `_apply_period`: a clock without am/pm from 1:00 to 6:59 is afternoon, 7:00-11:59 morning
  (a bare hour's other reading is in the notes; a leading zero or "hrs" is read as written).
- `_day_period`: "tonight", "this evening", "tomorrow morning", "3 in (the) afternoon" set the half of
  the day; "tonight at 12" is midnight.
- `_holiday`: christmas/xmas (25 Dec), christmas eve (24 Dec), new year / new year's day (1 Jan),
  new year's eve (31 Dec).
- `_month_end`: "end of the month", "last day of the month" (this month's last day, said in the notes).
- `_ordinal_weekday`: "first monday of december", "last friday of january 2027".
- `_relative_day` and `_weekday`: "tomorrow", "friday", "next friday", "friday next",
  "next week tuesday".
- `_numeric_date`: "25/12", "5.12.", "2026/12/05"; dotted dates are day-first, "03/04" follows the user.
- `_calendar_date`: month names in English or the user's language, read by dateparser with a fixed
  base; "next month on the 1st".
- `_translate`: Italian, Spanish, French, German, Brazilian Portuguese and Japanese words for
  the above (weekdays also by three-letter abbreviation, except those that are also months), used
  when the English rules cannot read the phrase and the user's locale is one of them.
- `_localise`: wall-clock time to an instant with the zone's offset *on that date*.
- `_next_occurrence`: a time with no date is its next occurrence after now.
- `_BARE_HOURS`: "2h" alone, in English, is as likely two hours as two o'clock: asked, not guessed
  ("16h", and "9h" from a French, Italian, ... user, are times of day).
- `_same_today`: "tomorrow 9am PT" said where it is already another date than in PT is asked about
  (whose tomorrow?); a weekday or a date is not, it names the same day everywhere.
- `_still_ahead`: a time that has passed ("this morning at 3" said at 04:30) is refused, never returned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateparser.date import DateDataParser
from dateparser.languages.loader import default_loader
from dateutil.relativedelta import relativedelta

from bot.core.errors import TimeParseError
from bot.core.timewords import DECIMAL_COMMA, ENGLISH_MONTHS, ENGLISH_WEEKDAYS, LEXICONS

__all__ = ["LANGUAGES", "ParsedTime", "TimeParseError", "interpret", "means_now", "parse_when", "warm_up"]

MAX_PHRASE_LENGTH = 100
EXAMPLES = "“tomorrow 5pm”, “in 2 hours”, “friday 9:30am” or “Dec 3 at 14:30 IST”"
END_OF_DAY = time(17, 0)
FIRST_THING = time(9, 0)


@dataclass(frozen=True)
class ParsedTime:
    """The instant meant, and what was assumed to get there (shown at confirmation)."""

    when: datetime
    notes: tuple[str, ...] = ()
    counts_days: bool = field(default=False, repr=False, compare=False)  # "tomorrow", "friday": from whose today?


def parse_when(text: str, tz: str, now: datetime, locale: str | None = None) -> datetime:
    """The timezone-aware instant `text` means, read in `tz` as of `now` (English, and `locale`'s language)."""
    return interpret(text, tz, now, locale=locale).when


_BARE_HOURS = re.compile(r"([1-9]|1[0-2])\s?h")  # in English "2h" is as likely "2 hours" as 2 o'clock
_NOW_WORDS = frozenset({"now", "right now", "immediately", "asap", "right away", "straight away"})


def means_now(text: str) -> bool:
    """True for phrases asking to send immediately rather than schedule."""
    return _normalise(text) in _NOW_WORDS


def interpret(text: str, tz: str, now: datetime, locale: str | None = None) -> ParsedTime:
    """Like `parse_when`, also returning the assumptions made (ambiguities, DST gaps, rounding)."""
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
    language = _language(locale)
    if language is None and (bare := _BARE_HOURS.fullmatch(phrase)) is not None:
        hours = int(bare.group(1))
        raise TimeParseError(f"“{text.strip()}” could be a time or a duration: “at {hours}pm” or “in {hours} hours”?")
    month_first = _month_first(user_zone, language)
    try:
        return _read(phrase, text, user_zone, now, month_first, None)
    except TimeParseError:
        if language is None:
            raise
    # Read again with the language's words, also when none needed rewriting: "3 décembre 14h30"
    # has only a month name, which the English reading does not know.
    return _read(_translate(phrase, language), text, user_zone, now, month_first, language)


def _read(
    phrase: str, original: str, user_zone: tzinfo, now: datetime, month_first: bool, lang: str | None
) -> ParsedTime:
    """One reading of the phrase by the rules, then the checks every reading must pass."""
    zone, phrase, hedged = _rewritten(phrase)
    zone = zone or user_zone
    if not phrase:
        raise TimeParseError(f"I couldn't find a time in “{original.strip()}”. Try {EXAMPLES}.")
    if (instant := _iso_timestamp(phrase, zone)) is not None:
        parsed = _localised_iso(instant, zone)
    elif (duration := _relative_duration(phrase)) is not None:
        parsed = _after(now, duration, zone)
    elif _looks_like_phone(phrase):
        raise TimeParseError(f"“{original.strip()}” looks like a phone number, not a time.")
    else:
        parsed = _absolute(phrase, original, zone, now.astimezone(zone), month_first, lang)
        _same_today(parsed, zone, user_zone, now)
    _still_ahead(parsed, original, zone, now)
    if hedged:
        local = parsed.when.astimezone(zone)
        parsed = replace(parsed, notes=(*parsed.notes, f"An exact time is used: {local:%H:%M}."))
    return replace(parsed, when=_comparable(parsed.when))


@lru_cache(maxsize=4096)
def _rewritten(phrase: str) -> tuple[tzinfo | None, str, bool]:
    """The zone named in the phrase, the phrase without it in the forms the rules read, and whether it was
    hedged ("around 5"). Text alone, so cached: people write the same few phrases again and again."""
    zone, phrase = _zone_in_phrase(_spelling(phrase))
    phrase, hedged = _hedge(_spelled_numbers(phrase))
    return zone, _clock_phrase(_short_meridiem(phrase)), hedged


def _comparable(instant: datetime) -> datetime:
    """An instant in a repeated hour (clocks going back) keeps its offset as a fixed zone: Python never finds
    such a time equal to the same instant written in another zone (PEP 495), which would surprise callers."""
    offset = instant.utcoffset()
    if offset is None or instant.replace(fold=1 - instant.fold).utcoffset() == offset:
        return instant
    return instant.astimezone(timezone(offset))


def _same_today(parsed: ParsedTime, zone: tzinfo, user_zone: tzinfo, now: datetime) -> None:
    """'tomorrow 9am PT' from Sydney: whose tomorrow? Asked when the two zones are on different dates."""
    theirs, yours = now.astimezone(zone).date(), now.astimezone(user_zone).date()
    if parsed.counts_days and theirs != yours:
        raise TimeParseError(
            f"It is {theirs:%a %d %b} in that timezone and {yours:%a %d %b} in yours, so a day counted from "
            f"today is unclear: give the date, e.g. “{parsed.when.astimezone(zone):%b %d %H:%M}” with the zone."
        )


def _still_ahead(parsed: ParsedTime, original: str, zone: tzinfo, now: datetime) -> None:
    """Never hand back a past instant: say which time has passed instead."""
    if parsed.when <= now:
        local = parsed.when.astimezone(zone)
        raise TimeParseError(
            f"That time is in the past: “{original.strip()}” is {local:%H:%M} on {local:%a %d %b %Y}, "
            "which has passed. Give a later time."
        )


# --- normalising -------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "\u00a0": " ", "(": " ", ")": " "})
_DOTTED_DATE_END = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.$")


def _normalise(text: str) -> str:
    """Lower case, one space, full-width digits as ASCII; a final full stop only after a dotted date."""
    return (_normalised_cached if len(text) <= MAX_PHRASE_LENGTH else _normalised)(text)


def _normalised(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text).translate(_QUOTES).strip().strip("\"'").strip()
    cleaned = re.sub(r"\s+", " ", cleaned.lower()).rstrip("!?").strip()
    if cleaned.endswith(".") and not _DOTTED_DATE_END.search(cleaned):
        cleaned = cleaned.rstrip(".").strip()
    return cleaned


_normalised_cached = lru_cache(maxsize=4096)(_normalised)  # a phrase is normalised up to three times a command


def _cut(phrase: str, match: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", phrase[: match.start()] + " " + phrase[match.end() :]).strip()


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
    "hst": _fixed(-10),
    "akst": _fixed(-9),
    "akdt": _fixed(-8),
    "eet": _fixed(2),
    "eest": _fixed(3),
    "msk": _fixed(3),
    "wib": _fixed(7),
    "hkt": _fixed(8),
    "pht": _fixed(8),
    "awst": _fixed(8),
    "kst": _fixed(9),
    "acst": _fixed(9.5),
    "acdt": _fixed(10.5),
    "aest": _fixed(10),
    "aedt": _fixed(11),
    "nzst": _fixed(12),
    "nzdt": _fixed(13),
    **dict.fromkeys(("india time", "indian time"), ZoneInfo("Asia/Kolkata")),
    "uk time": ZoneInfo("Europe/London"),
    **dict.fromkeys(("eastern", "eastern time"), ZoneInfo("America/New_York")),
    "central time": ZoneInfo("America/Chicago"),
    "mountain time": ZoneInfo("America/Denver"),
    **dict.fromkeys(("pacific", "pacific time"), ZoneInfo("America/Los_Angeles")),
}
"""Abbreviations with one meaning for this product's users; summer/winter ones are literal."""

_ZONE_WORD = re.compile(r"(?<![\w/])(" + "|".join(sorted(ZONE_ABBREVIATIONS, key=len, reverse=True)) + r")(?![\w/])")
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


# --- rewriting rules: spelling, hedges, short am/pm, spelled numbers, "half past 5" ---------------

_MISSPELLINGS = {
    "tonite": "tonight", "2nite": "tonight", "2night": "tonight", "tmw": "tomorrow", "2moro": "tomorrow",
    "2morow": "tomorrow", "2morrow": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow",
    "tommorrow": "tomorrow", "tomorroww": "tomorrow", "tomrrow": "tomorrow", "tomoro": "tomorrow",
}  # fmt: skip
_MISSPELLING = re.compile(r"(?<!\w)(" + "|".join(_MISSPELLINGS) + r")(?!\w)")


def _spelling(phrase: str) -> str:
    """'tonite', '2moro', 'tommorow': the day words people misspell most, as the words themselves."""
    return _MISSPELLING.sub(lambda match: _MISSPELLINGS[match.group(1)], phrase)


_HEDGE_WORDS = re.compile(r"(?<!\w)(?:around|about|approximately|approx|roughly|circa|ca|sometime)(?!\w)\s*")
_HEDGE_SUFFIX = re.compile(r"(?:-|(?<=\d)|(?<=[ap]m)|(?<=noon))ish(?!\w)")


def _hedge(phrase: str) -> tuple[str, bool]:
    """'around 6pm' is read as 6pm; the caller notes that an exact time is used."""
    cleaned = _HEDGE_SUFFIX.sub("", _HEDGE_WORDS.sub("", phrase))
    if cleaned == phrase:
        return phrase, False
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if re.fullmatch(r"\d{1,4}", cleaned):
        cleaned = f"at {cleaned}"  # "3ish", "around 1030": a hedged number is a time of day
    return cleaned, True


_SPACED_MERIDIEM = re.compile(r"(?<=\d)\s*([ap])\.?\s?m(?:\.|(?!\w))")
_LETTER_MERIDIEM = re.compile(r"(?<=\d)([ap])(?!\w)")


def _short_meridiem(phrase: str) -> str:
    """'3 p.m.', '3:30 p m', '3p', '7a' as 3pm, 3:30pm, 3pm, 7am; '@' as 'at'."""
    phrase = _SPACED_MERIDIEM.sub(r"\1m", phrase.replace("@", " at "))
    return re.sub(r"\s+", " ", _LETTER_MERIDIEM.sub(r"\1m", phrase)).strip()


_UNIT_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_SPELLED = {word: value for value, word in enumerate(_UNIT_WORDS) if value} | _TENS_WORDS
_SPELLED_NUMBER = (
    r"(?:(?:"
    + "|".join(_TENS_WORDS)
    + r")(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|"
    + "|".join(sorted(_SPELLED, key=len, reverse=True))
    + r")"
)
_SPELLED_CLOCK = re.compile(
    r"(?<!\w)(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
    r"(?:(oh)\s+(one|two|three|four|five|six|seven|eight|nine)|(" + _SPELLED_NUMBER + r"))(?![\w-])"
)
_SPELLED_ALONE = re.compile(r"(?<![\w-])(" + _SPELLED_NUMBER + r")(?![\w-])")


def _number_value(words: str) -> int:
    return sum(_SPELLED[word] for word in re.split(r"[\s-]", words))


def _spelled_numbers(phrase: str) -> str:
    """'ten thirty' as 10:30, 'nine oh five' as 9:05, 'eight' as 8."""

    def clock(match: re.Match[str]) -> str:
        minute = _number_value(match.group(3) or match.group(4))
        if not (match.group(2) or 10 <= minute <= 59):
            return match.group(0)
        return f"{_SPELLED[match.group(1)]}:{minute:02d}"

    phrase = _SPELLED_CLOCK.sub(clock, phrase)
    return _SPELLED_ALONE.sub(lambda match: str(_number_value(match.group(1))), phrase)


_CLOCK_PHRASE = re.compile(
    r"(?<![\w:.])(?:(?:a\s+)?(?P<word>quarter|half)|(?P<n>\d{1,2})(?:\s*(?:minutes?|mins?))?)\s+"
    r"(?P<dir>past|after|to|before|till|til|of)\s+(?P<h>\d{1,2}|noon)(?P<ampm>\s*[ap]m)?(?:\s*o'?clock)?(?![\w:.])"
)


def _clock_phrase(phrase: str) -> str:
    """'half past 5' as 5:30, 'quarter to 6pm' as 5:45pm; without am/pm the usual clock rule follows."""
    match = _CLOCK_PHRASE.search(phrase)
    if match is None:
        return phrase
    minutes = {"quarter": 15, "half": 30}.get(match["word"] or "") or int(match["n"] or 0)
    before = match["dir"] in ("to", "before", "till", "til", "of")
    if before and match["n"] and "min" not in match.group(0):
        return phrase  # "5 to 6" may be a range; "5 minutes to 6" is a time
    if not 1 <= minutes <= 59 or (before and match["word"] == "half"):
        raise TimeParseError(f"“{match.group(0)}” is not a time of day.")
    meridiem = (match["ampm"] or "").strip() or ("pm" if match["h"] == "noon" else "")
    hour = 12 if match["h"] == "noon" else int(match["h"])
    if (meridiem and not 1 <= hour <= 12) or hour > 23:
        raise TimeParseError(f"“{match.group(0)}” is not a time of day.")
    if meridiem:
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    total = (hour * 60 + (-minutes if before else minutes)) % (24 * 60)
    hour, minute = divmod(total, 60)
    if meridiem:
        written = f"{hour % 12 or 12}:{minute:02d}{'pm' if hour >= 12 else 'am'}"
    else:
        written = f"{(hour % 12 or 12) if hour <= 12 else hour}:{minute:02d}"
    return re.sub(r"\s+", " ", f"{phrase[: match.start()]} {written} {phrase[match.end() :]}").strip()


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
_NUMBER_WORDS: dict[str, float] = {
    "a": 1, "an": 1, "a couple of": 2, "a couple": 2, "couple of": 2, "couple": 2, "a few": 3, "few": 3,
    "half a": 0.5, "half an": 0.5, "a half": 0.5, "half": 0.5,
    "a quarter of an": 0.25, "a quarter of a": 0.25, "quarter of an": 0.25, "a quarter": 0.25, "quarter": 0.25,
}  # fmt: skip
_FUZZY = {"a couple of": 2, "a couple": 2, "couple of": 2, "couple": 2, "a few": 3, "few": 3}
_AMOUNT_WORDS = "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
_AMOUNT_TEXT = r"\d+(?:\.\d+)?|(?<![a-z])(?:" + _AMOUNT_WORDS + r")(?![a-z])"  # not the "an" of "and"
_AMOUNT = "(" + _AMOUNT_TEXT + ")"
_UNIT = r"(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")(?![a-z])"
_PART = re.compile(_AMOUNT + r"(\s+and\s+a\s+half)?\s*" + _UNIT + r"(\s+and\s+a\s+half)?")
_RELATIVE = re.compile(
    r"(?:in|after)\s+(?P<ahead>.+?)(?:\s+from\s+(?:now|today)|'?\s+time)?"
    r"|(?P<back>.+?)\s+(?:from\s+(?:now|today)|later)|(?:now\s*)?\+\s*(?P<plus>.+)|(?P<bare>.+)"
)
_HALF_FRACTION = re.compile(r"(?:(\d+)\s*)?1[/⁄]2(?!\d)")  # "1 1/2", "1½" (NFKC writes ½ as 1⁄2)
_HOURS_MINUTES = re.compile(r"(?<![\w.])(\d+)\s*h\s*([0-5]\d)(?!\w)")  # "in 1h30", as in French and Italian
_TODAY_AROUND = re.compile(r"today\s+(.+)|(.+?)\s+today")


@dataclass(frozen=True)
class _Duration:
    delta: relativedelta
    notes: tuple[str, ...] = ()
    today: bool = False  # "today in one hour": must still be today


@lru_cache(maxsize=4096)
def _relative_duration(phrase: str) -> _Duration | None:
    """'in 2 hours', 'in a couple hours', 'in 2 and a half hours', '90 mins from now', 'today in 1 hour'.

    A duration alone ('15 minutes', '+2h', 'now + 2 hours') is also from now: in a "when" box it can
    mean nothing else. A one-letter unit alone is not ('16h' is 16:00).
    """
    today = _TODAY_AROUND.fullmatch(phrase)
    inner = (today.group(1) or today.group(2)) if today else phrase
    match = _RELATIVE.fullmatch(inner)
    if match is None:
        return None
    spec = match["ahead"] or match["back"] or match["plus"] or match["bare"]
    spec = _HOURS_MINUTES.sub(r"\1h \2m", _HALF_FRACTION.sub(lambda m: f"{m.group(1) or 0}.5", spec))
    total = relativedelta()
    notes: list[str] = []
    position = 0
    for part in _PART.finditer(spec):
        if spec[position : part.start()].strip(" ,").removeprefix("and").strip():
            return None
        amount_text, half_before, unit_text, half_after = part.groups()
        if match["bare"] and len(unit_text) == 1:
            return None  # "16h" alone is a time of day; "16 hours" alone is a duration
        amount = _NUMBER_WORDS.get(amount_text) or float(amount_text)
        amount += 0.5 if half_before or half_after else 0
        if amount_text in _FUZZY:
            notes.append(f"“{amount_text} {unit_text}” was read as {amount:g} {_UNITS[unit_text]}.")
        total += _duration(amount, _UNITS[unit_text])
        position = part.end()
    if position == 0 or spec[position:].strip():
        return None
    if match["bare"]:
        notes.append(f"“{spec}” was read as {spec} from now.")
    return _Duration(total, tuple(notes), today is not None)


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


def _after(now: datetime, duration: _Duration, zone: tzinfo) -> ParsedTime:
    """Months move the calendar in the local zone; everything else is elapsed time."""
    delta = duration.delta
    elapsed = timedelta(seconds=delta.seconds + 60 * delta.minutes + 3600 * delta.hours)
    elapsed += timedelta(days=delta.days)
    moved = now.astimezone(zone) + relativedelta(months=delta.months) if delta.months else now
    when = (moved.astimezone(UTC) + elapsed).astimezone(zone)
    if duration.today and when.date() != now.astimezone(zone).date():
        raise TimeParseError(f"That is {when:%a %d %b %H:%M}, not today.")
    return ParsedTime(when, duration.notes)


# --- rule: a duration in days, weeks or months, then a time of day ------------------------------

_DAY_UNITS = {"d": "days", "day": "days", "days": "days", "w": "weeks", "wk": "weeks", "wks": "weeks"}
_DAY_UNITS |= {"week": "weeks", "weeks": "weeks", "month": "months", "months": "months"}
_DAY_UNIT_TEXT = "|".join(sorted(_DAY_UNITS, key=len, reverse=True))
_DAY_SPAN = re.compile(_AMOUNT + r"\s*(" + _DAY_UNIT_TEXT + r")")
_SPAN = r"(?:" + _AMOUNT_TEXT + r")\s*(?:" + _DAY_UNIT_TEXT + r")(?![a-z])"
_DURATION_DAY = re.compile(
    r"(?<!\w)(?:in\s+(?P<ahead>" + _SPAN + r")(?:\s+(?:from\s+(?:now|today)|time))?"
    r"|(?P<back>" + _SPAN + r")\s+(?:from\s+(?:now|today)|later))(?!\w)"
)


@dataclass(frozen=True)
class _Day:
    """A date, or a weekday whose date depends on the time of day (next occurrence)."""

    day: date
    weekday_rolls: bool = False  # a plain weekday: a week later if that time has passed
    note: str | None = None


def _duration_day(phrase: str, today: date) -> tuple[_Day | None, str]:
    """'in 3 days', '2 weeks from now', 'a week from today': the day, counted on the calendar."""
    match = _DURATION_DAY.search(phrase)
    if match is None:
        return None, phrase
    spec = _DAY_SPAN.fullmatch(match["ahead"] or match["back"])
    if spec is None:
        return None, phrase
    amount_text, unit_text = spec.groups()
    amount = _NUMBER_WORDS.get(amount_text) or float(amount_text)
    if amount != int(amount) or amount_text in _FUZZY:
        raise TimeParseError(f"“{match.group(0)}” is not a whole number of days; give the date.")
    if amount > 1200:
        raise TimeParseError("That is too far away to schedule.")
    count = int(amount)
    steps = {
        "days": relativedelta(days=count),
        "weeks": relativedelta(weeks=count),
        "months": relativedelta(months=count),
    }
    return _Day(today + steps[_DAY_UNITS[unit_text]]), _cut(phrase, match)


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
    end_of_day: bool = False  # "midnight", "tonight at 12:30": the night after the named day
    meridiem: str | None = None  # "am", "pm" or None
    flexible: bool = False  # no am/pm, no leading zero, 1-12: the half of the day is chosen by rule
    written: str = ""  # as typed, for the note that shows the other reading


_CLOCK = re.compile(
    r"(?<![\w:./-])(?P<at>at\s+)?(?P<h>\d{1,2})"
    r"(?:(?P<sep>[:.h])(?P<m>\d{2})(?::(?P<s>\d{2}))?|(?P<glued>\d{2})|(?P<hsuffix>h))?"
    r"\s*(?P<ampm>am|pm)?(?P<oclock>\s*o'?\s?clock|\s*h(?:rs?)?(?!\w))?(?![\w:/-])"
)
_NAMED_TIMES: dict[str, tuple[_Clock, str | None]] = {
    "noon": (_Clock(12, 0, 0, meridiem="pm"), None),
    "midday": (_Clock(12, 0, 0, meridiem="pm"), None),
    "mid day": (_Clock(12, 0, 0, meridiem="pm"), None),
    "mid-day": (_Clock(12, 0, 0, meridiem="pm"), None),
    "midnight": (_Clock(0, 0, 0, end_of_day=True), None),
    **dict.fromkeys(
        ("end of day", "end of the day", "end of business", "close of business", "eod", "eob", "cob"),
        (_Clock(END_OF_DAY.hour, END_OF_DAY.minute, 0), f"End of day is read as {END_OF_DAY:%H:%M}."),
    ),
    **dict.fromkeys(
        ("first thing", "first thing in the morning"),
        (_Clock(FIRST_THING.hour, FIRST_THING.minute, 0), f"“First thing” is read as {FIRST_THING:%H:%M}."),
    ),
}
_NAMED_TIME = re.compile(
    r"(?<!\w)(?:at\s+|by\s+)?(?:12(?::00)?\s*)?(" + "|".join(sorted(_NAMED_TIMES, key=len, reverse=True)) + r")(?!\w)"
)


def _named_time(phrase: str) -> tuple[_Clock | None, str | None, str]:
    match = _NAMED_TIME.search(phrase)
    if match is None:
        return None, None, phrase
    clock, note = _NAMED_TIMES[match.group(1)]
    return clock, note, _cut(phrase, match)


_SAME_TIME = re.compile(r"(?<!\w)(?:at\s+)?(?:the\s+)?(?:same|this)\s+time(?!\w)")


def _same_time(phrase: str, now: datetime) -> tuple[_Clock | None, str | None, str]:
    """'same time tomorrow', 'this time next friday': the wall-clock time it is now, on that day."""
    match = _SAME_TIME.search(phrase)
    if match is None:
        return None, None, phrase
    note = f"“{match.group(0)}” was read as {now:%H:%M}."
    return _Clock(now.hour, now.minute, 0), note, _cut(phrase, match)


def _clock_time(phrase: str) -> tuple[_Clock | None, str]:
    """Take out the one time of day in the phrase: '5pm', '17:30', '15h30', 'at 1030', '0800 hrs'."""
    found: list[tuple[_Clock, re.Match[str]]] = []
    for match in _CLOCK.finditer(phrase):
        if _is_clock(match):
            found.append((_read_clock(match), match))
    if not found:
        return None, phrase
    if len(found) > 1:
        raise TimeParseError("The phrase has more than one time of day; give just one.")
    clock, match = found[0]
    return clock, _cut(phrase, match)


def _is_clock(match: re.Match[str]) -> bool:
    """Which numbers are times: a colon or 'h', am/pm, o'clock, hrs or 'at'; dots only when no date fits."""
    marked = bool(match["ampm"] or match["oclock"] or match["at"])
    if match["sep"] in (":", "h") or match["hsuffix"]:
        return True
    if match["sep"] == ".":
        hour, minute = int(match["h"]), int(match["m"])
        return marked or not (1 <= hour <= 31 and 1 <= minute <= 12)
    return marked


def _read_clock(match: re.Match[str]) -> _Clock:
    text = match.group(0).strip()
    minutes_text = match["m"] or match["glued"]
    hour, minute, second = int(match["h"]), int(minutes_text or 0), int(match["s"] or 0)
    meridiem = match["ampm"]
    if minute > 59 or second > 59:
        raise TimeParseError(f"“{text}” is not a time of day.")
    if meridiem:
        if not 1 <= hour <= 12:
            raise TimeParseError(f"“{text}” is not a time of day: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        raise TimeParseError(f"“{text}” is not a time of day: hours go up to 23.")
    as_written = match["h"].startswith("0") or "hr" in (match["oclock"] or "")
    flexible = meridiem is None and not as_written and 1 <= hour <= 12
    written = match["h"] + (f":{minutes_text}" if minutes_text else "")
    return _Clock(hour, minute, second, meridiem=meridiem, flexible=flexible, written=written)


def _digits_clock(digits: str, original: str) -> _Clock:
    """A number standing alone beside a day word: 'tonight 9', 'tomorrow 1700', 'friday 815'."""
    hour, minute = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hour > 23 or minute > 59:
        raise TimeParseError(f"“{original.strip()}”: {digits} is not a time of day.")
    written = f"{hour}:{minute:02d}" if len(digits) > 2 else digits
    return _Clock(hour, minute, 0, flexible=1 <= hour <= 12 and not digits.startswith("0"), written=written)


# --- rule: parts of the day ----------------------------------------------------------------

_PERIODS = re.compile(
    r"(?<!\w)(tonight|this (?:morning|afternoon|evening)"
    r"|(?:in the |in |at )?(?:morning|morn|afternoon|evening|night))(?!\w)"
)


def _day_period(phrase: str) -> tuple[str | None, bool, str]:
    """('morning' | 'afternoon' | 'evening' | None, whether it also means today, rest)."""
    match = _PERIODS.search(phrase)
    if match is None:
        return None, False, phrase
    words = match.group(1)
    period = "evening" if words in ("tonight", "at night", "night", "in night") else words.split()[-1]
    period = {"night": "evening", "morn": "morning"}.get(period, period)
    return period, words == "tonight" or words.startswith("this "), _cut(phrase, match)


def _apply_period(clock: _Clock, period: str | None) -> tuple[_Clock, str | None]:
    """Set the half of the day; a clock with no am/pm and no period follows a stated rule."""
    if period is not None:
        return _in_period(clock, period), None
    if not clock.flexible or clock.hour == 12:
        return clock, None
    # Rule for "at 5" or "3:30" with no am/pm: 1:00-6:59 read as afternoon, 7:00-11:59 as morning.
    hour = clock.hour + 12 if clock.hour <= 6 else clock.hour
    chosen = _Clock(hour, clock.minute, clock.second)
    if hour < 12 and ":" in clock.written:
        return chosen, None  # "9:30" reads as written on either clock
    other = "am" if hour > 12 else "pm"
    return (
        chosen,
        f"“{clock.written}” was read as {hour:02d}:{clock.minute:02d}; write “{clock.written}{other}” for the other.",
    )


def _in_period(clock: _Clock, period: str) -> _Clock:
    wants_pm = period in ("afternoon", "evening")
    hour = clock.hour
    if period == "evening" and ((hour == 0 and clock.meridiem == "am") or (hour == 12 and clock.meridiem is None)):
        return _Clock(0, clock.minute, clock.second, end_of_day=True)  # "tonight at 12" is midnight
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
        return _Clock(hour + 12, clock.minute, clock.second)
    if not wants_pm and hour == 12:
        return _Clock(0, clock.minute, clock.second)
    return clock


# --- rule: holidays ------------------------------------------------------------------------------

_HOLIDAYS = {
    "christmas eve": (12, 24), "xmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
    "xmas": (12, 25), "new year's eve": (12, 31), "new years eve": (12, 31), "nye": (12, 31),
    "new year's day": (1, 1), "new years day": (1, 1), "new year's": (1, 1), "new years": (1, 1), "new year": (1, 1),
}  # fmt: skip
_HOLIDAY = re.compile(r"(?<!\w)(?:on\s+)?(" + "|".join(sorted(_HOLIDAYS, key=len, reverse=True)) + r")(?!\w)")


def _holiday(phrase: str, today: date) -> tuple[_Day | None, str]:
    match = _HOLIDAY.search(phrase)
    if match is None:
        return None, phrase
    month, day = _HOLIDAYS[match.group(1)]
    return _Day(_upcoming(month, day, today, match.group(1))), _cut(phrase, match)


_MONTH_END = re.compile(r"(?<!\w)(?:the\s+)?(?:end|last\s+day)\s+of\s+(?:the\s+|this\s+)?month(?!\w)")


def _month_end(phrase: str, today: date) -> tuple[_Day | None, str]:
    """'end of the month', 'last day of the month': this month's last day, said in the notes."""
    match = _MONTH_END.search(phrase)
    if match is None:
        return None, phrase
    last = today.replace(day=1) + relativedelta(months=1, days=-1)
    return _Day(last, note=f"The end of the month is read as {last:%a %d %b}."), _cut(phrase, match)


# --- rule: today, tomorrow, weekdays ----------------------------------------------------------

_RELATIVE_DAYS = re.compile(
    r"(?<!\w)(?:later )?(today|(?:the )?day after (?:tomorrow|tmrw)|tomorrow|tmrw|tmr|tomo)(?!\w)"
)
_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
_WEEKDAY_NAMES = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_WEEKDAY = re.compile(
    r"(?<!\w)(?:(this|next|coming)\s+)?(" + _WEEKDAY_NAMES + r")(?:\.(?=\s|$))?(?:\s+(next))?(?![\w.])"
)
_NEXT_WEEK = re.compile(r"(?<!\w)(?:the\s+)?(?:next|following)\s+week(?!\w)")


def _relative_day(phrase: str, today: date) -> tuple[_Day | None, str]:
    match = _RELATIVE_DAYS.search(phrase)
    if match is None:
        return None, phrase
    word = match.group(1)
    offset = 2 if "after" in word else 0 if word == "today" else 1
    return _Day(today + timedelta(days=offset)), _cut(phrase, match)


def _weekday(phrase: str, today: date) -> tuple[_Day | None, str]:
    """'friday' (next occurrence), 'next friday', 'friday next', 'next week tuesday' (the week after this)."""
    next_week = _NEXT_WEEK.search(phrase)
    if next_week is not None:
        phrase = _cut(phrase, next_week)
    match = _WEEKDAY.search(phrase)
    if match is None:
        if next_week is not None:
            raise TimeParseError("Say which day next week, e.g. “next week tuesday 3pm”.")
        return None, phrase
    before, name, after = match.groups()
    qualifier = before or after
    target = _WEEKDAYS[name]
    if next_week is not None:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return _Day(monday + timedelta(days=target)), _cut(phrase, match)
    ahead = (target - today.weekday()) % 7
    if qualifier == "next" and ahead == 0:
        return _Day(today + timedelta(days=7)), _cut(phrase, match)
    day = today + timedelta(days=ahead)
    note = None
    if qualifier == "next":
        later = day + timedelta(days=7)
        note = f"“next {name}” was read as {day:%a %d %b}; write “{later:%d %b}” for the week after."
    return _Day(day, weekday_rolls=True, note=note), _cut(phrase, match)


_MONTH_NUMBERS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}
_ORDINAL_WEEKDAY = re.compile(
    r"(?<!\w)(?:the\s+)?("
    + "|".join(_ORDINALS)
    + r")\s+("
    + _WEEKDAY_NAMES
    + r")\s+(?:of|in)\s+("
    + "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
    + r")(?:\s+(\d{4}))?(?!\w)"
)


def _ordinal_weekday(phrase: str, today: date) -> tuple[_Day | None, str]:
    """'first monday of december': this year's if still ahead, else next year's (unless a year is given)."""
    match = _ORDINAL_WEEKDAY.search(phrase)
    if match is None:
        return None, phrase
    ordinal, weekday, month_name, year_text = match.groups()
    month = _MONTH_NUMBERS[month_name]
    years = [int(year_text)] if year_text else [today.year, today.year + 1]
    for year in years:
        day = _nth_weekday(year, month, _WEEKDAYS[weekday], _ORDINALS[ordinal])
        if year_text or day >= today:
            return _Day(day), _cut(phrase, match)
    raise AssertionError("next year's date is always ahead")  # pragma: no cover


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth < 0:
        last = date(year, month, 1) + relativedelta(months=1, days=-1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


# --- rule: numeric dates (day-first unless the user writes month-first) ------------------------

_ISO_DATE = re.compile(r"(?<![\w.:/-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\w:/-])")
_NUMERIC_DATE = re.compile(
    r"(?<![\w.:/-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2})(?!\d)|(?<=\.\d)\.|(?<=\.\d\d)\.)?(?![\w:/-])"
)


def _numeric_date(phrase: str, today: date, month_first: bool) -> tuple[_Day | None, str]:
    """'2027-02-10', '2026/12/05', '25/12', '5.12.'; '03/04' takes the user's order and says so."""
    if (match := _ISO_DATE.search(phrase)) is not None:
        year, _separator, month, day = match.groups()
        return _Day(_make_date(int(year), int(month), int(day), match.group(0))), _cut(phrase, match)
    match = _NUMERIC_DATE.search(phrase)
    if match is None:
        return None, phrase
    first, separator, second, year_text = match.groups()
    text = match.group(0)
    month_first = month_first and separator != "."  # dotted dates are written day-first everywhere
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

_DAY_ONLY = re.compile(r"(?:the )?(\d{1,2})(?:st|nd|rd|th|\.)?")
_NEXT_MONTH = re.compile(r"(?<!\w)(?:of\s+)?next\s+month(?!\w)")
_FIXED_BASE = datetime(2024, 1, 1)  # a leap year, so "feb 29" parses; the real year is set after
_DATE_FILLERS = frozenset({"of", "the", ",", ".", "de", "del"})
_DATE_NUMBER = re.compile(r"\d{1,2}(?:st|nd|rd|th)?|\d{4}")


@cache
def _calendar_parser(lang: str | None) -> DateDataParser:
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


def _calendar_date(phrase: str, today: date, lang: str | None, next_month: bool) -> _Day | None:
    """'Dec 3', '3rd of December', '3 dicembre 2027', or 'the 5th' (next such day, or next month's)."""
    if (match := _DAY_ONLY.fullmatch(phrase)) is not None and (next_month or phrase != match.group(1)):
        day = int(match.group(1))
        if next_month:
            start = today.replace(day=1) + relativedelta(months=1)
            return _Day(_make_date(start.year, start.month, day, phrase))
        return _Day(_next_day_of_month(day, today, phrase))
    tokens = re.findall(r"[^\W\d_]+\.?|\d+(?:st|nd|rd|th)?|,|\S", phrase)
    months = _month_names(lang)
    if next_month or not any(token.rstrip(".") in months for token in tokens):
        return None
    if not all(
        token.rstrip(".") in months or token in _DATE_FILLERS or _DATE_NUMBER.fullmatch(token) for token in tokens
    ):
        return None
    found = _dateparser_day(re.sub(r"(?<!\w)the\s+", "", phrase), lang)  # "the 15 dicembre": no English article
    if found is None:
        raise TimeParseError(f"“{phrase}” is not a date.")
    if any(re.fullmatch(r"\d{4}", token) for token in tokens):
        return _Day(found)
    return _Day(_upcoming(found.month, found.day, today, phrase))


@lru_cache(maxsize=4096)
def _dateparser_day(phrase: str, lang: str | None) -> date | None:
    """dateparser's reading of a calendar date; pure (fixed base), so repeats come from a bounded cache."""
    parsed = _calendar_parser(lang).get_date_data(phrase)
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

_FILLER = re.compile(r"(?<!\w)(?:at|on|by|for|this|sharp|,)(?!\w)")
_LONE_DIGITS = re.compile(r"(?<![\w:./-])(\d{3,4})(?![\w:./-])")


def _absolute(
    phrase: str, original: str, zone: tzinfo, now: datetime, month_first: bool, lang: str | None
) -> ParsedTime:
    today = now.date()
    counted, rest = _duration_day(phrase, today)
    named, named_note, rest = _named_time(rest)
    same, same_note, rest = _same_time(rest, now) if named is None else (None, None, rest)
    named, named_note = named or same, named_note or same_note
    clock, rest = _clock_time(rest)
    if named is not None and clock is not None:
        raise TimeParseError("The phrase has more than one time of day; give just one.")
    clock = clock or named
    period, today_implied, rest = _day_period(rest)
    holiday, rest = _holiday(rest, today)
    month_end, rest = _month_end(rest, today)
    ordinal, rest = _ordinal_weekday(rest, today)
    relative, rest = _relative_day(rest, today)
    weekday, rest = _weekday(rest, today)
    explicit, rest = _numeric_date(rest, today, month_first)
    next_month = _NEXT_MONTH.search(rest)
    rest = _cut(rest, next_month) if next_month else rest
    leftover = re.sub(r"\s+", " ", _FILLER.sub(" ", rest)).strip()
    clock, leftover = _number_as_time(clock, leftover, original, today, bool(period or relative or weekday or counted))
    if leftover and explicit is None:
        explicit = _calendar_date(leftover, today, lang, next_month is not None)
        leftover = "" if explicit is not None else leftover
    if next_month is not None and explicit is None:
        raise TimeParseError("Say which day next month, e.g. “next month on the 1st at 10am”.")
    if re.search(r"(?<!\w)week-?ends?(?!\w)", leftover):
        raise TimeParseError("A weekend is two days: say “saturday” or “sunday”, with a time.")
    if leftover:
        raise TimeParseError(f"I couldn't understand “{leftover}” in “{original.strip()}”. Try {EXAMPLES}.")
    stated = _agreeing_day([counted, holiday, month_end, ordinal, relative, explicit], weekday)
    day = stated or (_Day(today) if today_implied else None)
    if same is not None and day is None:
        raise TimeParseError("Say which day, e.g. “same time tomorrow”.")
    if clock is None:
        if day is None and period is None:
            raise TimeParseError(f"I couldn't find a time in “{original.strip()}”. Try {EXAMPLES}.")
        example = "9pm" if period in ("afternoon", "evening") else "10am"
        raise TimeParseError(f"Add a time of day, e.g. “{original.strip()} at {example}”.")
    clock, period_note = _apply_period(clock, period)
    notes = [note for note in (named_note, period_note, day.note if day else None) if note]
    wall = time(clock.hour, clock.minute, clock.second)
    if day is None:
        return _next_occurrence(wall, zone, now, notes)
    target = day.day + timedelta(days=1) if clock.end_of_day else day.day
    if clock.end_of_day:
        notes.append(f"{wall:%H:%M} was read as the night after {day.day:%a %d %b}.")
    elif clock.meridiem == "am" and clock.hour == 0:
        notes.append(f"12am on {day.day:%a %d %b} is the start of that day; for the night after, write “midnight”.")
    parsed = _localise(target, wall, zone, notes)
    if day.weekday_rolls and parsed.when <= now:
        parsed = _localise(target + timedelta(days=7), wall, zone, notes)
    return replace(parsed, counts_days=bool(relative or counted or today_implied))


def _number_as_time(
    clock: _Clock | None, leftover: str, original: str, today: date, has_day_word: bool
) -> tuple[_Clock | None, str]:
    """'tonight 9', 'tomorrow 1700', 'may 19 1120': a number that can only be a time of day is one."""
    if clock is not None:
        return clock, leftover
    if has_day_word and re.fullmatch(r"\d{1,4}", leftover):
        return _digits_clock(leftover, original), ""  # no date for a year to belong to
    for match in _LONE_DIGITS.finditer(leftover):
        digits = match.group(1)
        if len(digits) == 4 and _could_be_year(int(digits), today):
            continue
        if int(digits[:-2]) <= 23 and int(digits[-2:]) <= 59:
            return _digits_clock(digits, original), _cut(leftover, match)
    return None, leftover


def _could_be_year(number: int, today: date) -> bool:
    return today.year - 1 <= number <= today.year + 10


def _agreeing_day(stated: list[_Day | None], weekday: _Day | None) -> _Day | None:
    """One day from the words given; 'tomorrow' and 'Dec 3' together must be the same day."""
    days = [day for day in stated if day is not None]
    for other in days[1:]:
        if other.day != days[0].day:
            raise TimeParseError(f"{days[0].day:%d %b} and {other.day:%d %b} are different days; give one.")
    first = days[0] if days else None
    if first and weekday and first.day.weekday() != weekday.day.weekday():
        raise TimeParseError(f"{first.day:%d %b %Y} is a {first.day:%A}, not a {weekday.day:%A}.")
    return first or weekday


_MONTH_FIRST_ZONES = frozenset(
    f"America/{name}"
    for name in (
        "Adak", "Anchorage", "Boise", "Chicago", "Denver", "Detroit", "Juneau", "Los_Angeles", "Menominee",
        "Metlakatla", "New_York", "Nome", "Phoenix", "Sitka", "Yakutat", "Puerto_Rico", "Atikokan", "Blanc-Sablon",
        "Cambridge_Bay", "Creston", "Dawson", "Dawson_Creek", "Edmonton", "Fort_Nelson", "Glace_Bay", "Goose_Bay",
        "Halifax", "Inuvik", "Iqaluit", "Moncton", "Rankin_Inlet", "Regina", "Resolute", "St_Johns",
        "Swift_Current", "Toronto", "Vancouver", "Whitehorse", "Winnipeg", "Montreal", "Thunder_Bay", "Nipigon",
        "Rainy_River", "Yellowknife", "Pangnirtung", "Fort_Wayne", "Indianapolis", "Louisville", "Knox_IN",
    )
) | {"Pacific/Honolulu", "Asia/Manila", "Navajo"}  # fmt: skip
_MONTH_FIRST_REGIONS = ("US/", "Canada/", "America/Indiana/", "America/Kentucky/", "America/North_Dakota/")


def _month_first(zone: tzinfo, lang: str | None) -> bool:
    """Japanese, and English in the US, Canada and the Philippines, write 03/04 as March 4th.

    Everyone else, Latin America included (an English-speaking user in São Paulo or Mexico City
    writes 03/04 for 3 April), writes it day-first.
    """
    if lang is not None:
        return lang == "ja"
    name = str(zone)
    return name in _MONTH_FIRST_ZONES or name.startswith(_MONTH_FIRST_REGIONS)


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


# --- languages: the user's words for the same rules -----------------------------------------------

LANGUAGES = tuple(LEXICONS)
"""Languages read besides English, by Slack locale (`it-IT`, `es-ES`, `fr-FR`, `de-DE`, `pt-BR`, `ja-JP`)."""


def warm_up() -> None:
    """Load dateparser's data for English and every language now, so no user waits for it."""
    for lang in (None, *LANGUAGES):
        _calendar_parser(lang).get_date_data("3 december")
        _month_names(lang)
        if lang is not None:
            _rewrites(lang)


def _language(locale: str | None) -> str | None:
    """'it-IT' → 'it'; English and languages without rules → None (English only)."""
    if not locale:
        return None
    language = locale.replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else None


def _plain(word: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFD", word) if not unicodedata.combining(char))


@cache
def _month_names(lang: str | None) -> frozenset[str]:
    """Month names and abbreviations dateparser knows, in English and the user's language."""
    names = set(_MONTH_NUMBERS)
    if lang is not None and lang != "ja":
        info = default_loader.get_locale(lang).info
        for month in ENGLISH_MONTHS:
            for name in info.get(month, ()):
                if len(name) >= 3:
                    names |= {name.lower(), _plain(name.lower())}
    return frozenset(names)


@cache
def _rewrites(lang: str) -> tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...]:
    """The language's rewrites as compiled patterns: its own phrases first, then dateparser's weekday names."""
    if lang == "ja":
        return tuple((re.compile(pattern), target) for pattern, target in LEXICONS[lang])
    info = default_loader.get_locale(lang).info
    weekdays: dict[str, str] = {}
    for english in ENGLISH_WEEKDAYS:
        for name in info.get(english, ()):
            if len(name) >= 5 or _weekday_abbreviation(name.lower(), lang):
                for form in {name.lower(), _plain(name.lower()), name.lower().removesuffix("-feira")}:
                    weekdays[form] = english
    weekday_rule = ("|".join(sorted(map(re.escape, weekdays), key=len, reverse=True)), lambda m: weekdays[m.group(0)])
    rules = [DECIMAL_COMMA, *LEXICONS[lang][:-1], weekday_rule, LEXICONS[lang][-1]]  # articles last
    return tuple((re.compile(r"(?<![\w'])(?:" + pattern + r")(?!\w)"), target) for pattern, target in rules)


_NOT_WEEKDAYS = frozenset({"die", "mit"})  # German words that dateparser also lists as weekday abbreviations


def _weekday_abbreviation(name: str, lang: str) -> bool:
    """'ven', 'sáb', 'jeu', 'seg': three letters that are no month ('mar' is also March) and no common word."""
    return len(name) == 3 and name not in _month_names(lang) and name not in _NOT_WEEKDAYS


def _translate(phrase: str, lang: str) -> str:
    """The phrase with the language's time words in English, for the same rules and checks."""
    for pattern, target in _rewrites(lang):
        phrase = pattern.sub(target, phrase)
    return re.sub(r"\s+", " ", phrase).strip()
