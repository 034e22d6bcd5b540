"""Each named rule of the time reader, with cases generated from the rule's own statement."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.timeparse import END_OF_DAY, FIRST_THING, TimeParseError, interpret, parse_when
from bot.core.timeparse.words import CONCEPTS, KEEP
from tests.unit.timeparse_oracle import (
    MONTHS,
    SPELLED,
    WEEKDAYS,
    afternoon_rule,
    local_day,
    next_at,
    next_weekday,
    twelve_hour,
    upcoming,
    wall,
)

TZ = "Asia/Kolkata"
EVENING = datetime.fromisoformat("2026-11-24T20:00:00+05:30")  # a Tuesday
MORNING = datetime.fromisoformat("2026-11-24T04:30:00+05:30")
TOMORROW = local_day(EVENING, TZ, 1)


def read(phrase: str, now: datetime = EVENING, tz: str = TZ) -> datetime:
    return parse_when(phrase, tz, now)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    return wall(TOMORROW, hour, minute, TZ)


# --- the three wrong instants ------------------------------------------------------------------

CLOCKS = [(hour, minute) for hour in range(1, 13) for minute in (0, 5, 15, 30, 45, 59)]


@pytest.mark.parametrize(("hour", "minute"), CLOCKS)
def test_a_clock_time_without_am_pm_follows_the_afternoon_rule(hour: int, minute: int) -> None:
    parsed = interpret(f"tomorrow {hour}:{minute:02d}", TZ, EVENING)
    assert parsed.when == tomorrow_at(afternoon_rule(hour), minute)
    if hour <= 6:
        assert any(f"{hour}:{minute:02d}am" in note for note in parsed.notes)


@pytest.mark.parametrize(("hour", "minute"), CLOCKS)
def test_a_leading_zero_is_a_24_hour_time_read_as_written(hour: int, minute: int) -> None:
    hour = hour % 12
    assert read(f"tomorrow {hour:02d}:{minute:02d}") == tomorrow_at(hour, minute)


@pytest.mark.parametrize("hour", range(13, 24))
def test_24_hour_times_are_read_as_written(hour: int) -> None:
    assert read(f"tomorrow {hour}:10") == tomorrow_at(hour, 10)


@pytest.mark.parametrize(
    "phrase", ["tonight at 12", "this evening at 12", "tonight 12", "tonight at 12am", "tonight at midnight"]
)
def test_twelve_tonight_is_midnight(phrase: str) -> None:
    assert read(phrase) == wall(TOMORROW, 0, 0, TZ)


@pytest.mark.parametrize("minute", [5, 15, 30, 45])
def test_past_twelve_tonight_is_after_midnight(minute: int) -> None:
    assert read(f"tonight at 12:{minute:02d}") == wall(TOMORROW, 0, minute, TZ)


@pytest.mark.parametrize("phrase", ["tonight at 12pm", "this evening at 9am", "this morning at 17:00"])
def test_a_time_outside_the_named_part_of_the_day_is_refused(phrase: str) -> None:
    with pytest.raises(TimeParseError, match="is not in the"):
        read(phrase)


@pytest.mark.parametrize("hour", [1, 2, 3, 4])
def test_small_hours_tonight_without_am_pm_are_asked_about(hour: int) -> None:
    with pytest.raises(TimeParseError, match=f"{hour}am .* {hour}pm"):
        read(f"tonight at {hour}")


@pytest.mark.parametrize("hour", [1, 2, 3, 4])
@pytest.mark.parametrize("form", ["this morning at {h}", "this morning at {h}am", "today at {h}am", "today {h}:00am"])
def test_a_time_that_has_passed_is_refused_naming_it(form: str, hour: int) -> None:
    with pytest.raises(TimeParseError, match=f"0{hour}:00 on .* has passed"):
        read(form.format(h=hour), now=MORNING)


@pytest.mark.parametrize("hour", [5, 6, 7, 8, 9, 10, 11])
def test_this_morning_still_ahead_is_today(hour: int) -> None:
    assert read(f"this morning at {hour}", now=MORNING) == wall(local_day(MORNING, TZ), hour, 0, TZ)


@pytest.mark.parametrize(
    "phrase",
    ["today 9am", "nov 24 10am", "24/11 9:00", "2026-11-24 09:00", "2026-11-24T09:00:00+05:30", "in 0 minutes"],
)
def test_nothing_in_the_past_is_ever_returned(phrase: str) -> None:
    with pytest.raises(TimeParseError, match="has passed"):
        read(phrase)


# --- clock phrases ------------------------------------------------------------------------------

CLOCK_WORDS = [
    ("quarter past", 15),
    ("a quarter past", 15),
    ("half past", 30),
    ("quarter after", 15),
    ("10 past", 10),
    ("15 past", 15),
    ("25 past", 25),
    ("5 minutes past", 5),
    ("quarter to", -15),
    ("a quarter to", -15),
    ("quarter of", -15),
    ("20 minutes to", -20),
    ("10 mins before", -10),
    ("5 minutes till", -5),
]


def clock_phrase_time(hour: int, offset: int, meridiem: str) -> tuple[int, int]:
    """The clock a 'quarter past/to' phrase names; without am/pm the result follows the afternoon rule."""
    base = twelve_hour(hour, meridiem) if meridiem else hour
    total = (base * 60 + offset) % (24 * 60)
    result_hour, minute = divmod(total, 60)
    if not meridiem:
        result_hour = afternoon_rule(result_hour % 12 or 12)
    return result_hour, minute


@pytest.mark.parametrize(("words", "offset"), CLOCK_WORDS)
@pytest.mark.parametrize("hour", range(1, 13))
@pytest.mark.parametrize("meridiem", ["", "am", "pm"])
def test_clock_phrases(words: str, offset: int, hour: int, meridiem: str) -> None:
    expected_hour, minute = clock_phrase_time(hour, offset, meridiem)
    assert read(f"{words} {hour}{meridiem} tomorrow") == tomorrow_at(expected_hour, minute)


@pytest.mark.parametrize("phrase", ["half to 5", "65 past 3", "quarter past 13pm", "quarter to 25"])
def test_clock_phrases_that_name_no_time_are_refused(phrase: str) -> None:
    with pytest.raises(TimeParseError):
        read(phrase)


def test_a_number_to_a_number_is_not_taken_as_minutes_to_an_hour() -> None:
    with pytest.raises(TimeParseError):
        read("5 to 6")


# --- hedges ---------------------------------------------------------------------------------------

HEDGES = [
    "around {t}",
    "at about {t}",
    "about {t}",
    "approximately {t}",
    "roughly {t}",
    "approx {t}",
    "{t}ish",
    "{t}-ish",
]
HEDGED_TIMES = ["6pm", "3pm", "10am", "9:30am", "tomorrow 5pm", "friday 11am", "dec 3 2pm"]


@pytest.mark.parametrize("hedge", HEDGES)
@pytest.mark.parametrize("when", HEDGED_TIMES)
def test_hedges_read_the_time_and_say_it_is_exact(hedge: str, when: str) -> None:
    hedged = interpret(hedge.format(t=when), TZ, EVENING)
    assert hedged.when == read(when)
    assert f"An exact time is used: {hedged.when:%H:%M}." in hedged.notes


@pytest.mark.parametrize("hour", range(1, 13))
@pytest.mark.parametrize("form", ["{h}ish", "around {h}", "approximately {h}", "at about {h}", "{h}-ish"])
def test_a_hedged_bare_hour_is_a_time_by_the_afternoon_rule(form: str, hour: int) -> None:
    assert read(form.format(h=hour)) == next_at(EVENING, TZ, afternoon_rule(hour))


def test_a_hedged_duration_is_exact_too() -> None:
    parsed = interpret("in about half an hour", TZ, EVENING)
    assert parsed.when == EVENING + timedelta(minutes=30) and "An exact time is used: 20:30." in parsed.notes


# --- times without separators and other separators -----------------------------------------------

GLUED = [(hour, minute) for hour in range(24) for minute in (0, 5, 30, 59)]


def as_written_or_rule(hour: int, written_with_zero: bool) -> int:
    return hour if written_with_zero or hour == 0 or hour > 12 else afternoon_rule(hour)


@pytest.mark.parametrize(("hour", "minute"), GLUED)
def test_at_and_four_digits(hour: int, minute: int) -> None:
    assert read(f"at {hour}{minute:02d} tomorrow") == tomorrow_at(as_written_or_rule(hour, False), minute)


@pytest.mark.parametrize(("hour", "minute"), GLUED)
def test_digits_beside_a_day_word(hour: int, minute: int) -> None:
    assert read(f"{hour:02d}{minute:02d} tomorrow") == tomorrow_at(hour, minute)


@pytest.mark.parametrize(("hour", "minute"), [(h, m) for h in range(1, 13) for m in (0, 20, 45)])
@pytest.mark.parametrize("meridiem", ["am", "pm"])
def test_digits_with_am_pm_after_a_date(hour: int, minute: int, meridiem: str) -> None:
    expected = upcoming(EVENING, TZ, 5, 19, twelve_hour(hour, meridiem), minute)
    assert read(f"May 19 at {hour}{minute:02d}{meridiem}") == expected


@pytest.mark.parametrize("minute", [0, 15, 30])
def test_tonight_and_three_digits(minute: int) -> None:
    assert read(f"tonight 9{minute:02d}") == wall(local_day(EVENING, TZ), 21, minute, TZ)


def test_a_number_that_can_be_this_years_date_is_a_year() -> None:
    assert read("dec 3 2027 5pm") == wall(date(2027, 12, 3), 17, 0, TZ)
    assert read("may 19 1120") == upcoming(EVENING, TZ, 5, 19, 11, 20)
    with pytest.raises(TimeParseError, match="Add a time of day"):
        read("dec 3 2027")


@pytest.mark.parametrize(("hour", "minute"), GLUED)
@pytest.mark.parametrize("form", ["{h}h{m:02d}", "{h:02d}:{m:02d} hrs", "{h:02d}{m:02d} hrs", "{h:02d}h{m:02d}"])
def test_hour_separators(form: str, hour: int, minute: int) -> None:
    phrase = form.format(h=hour, m=minute) + " tomorrow"
    written_with_zero = form.startswith("{h:02d}")
    assert read(phrase) == tomorrow_at(as_written_or_rule(hour, written_with_zero), minute)


@pytest.mark.parametrize("hour", range(24))
def test_an_hour_with_h(hour: int) -> None:
    assert read(f"tomorrow {hour}h") == tomorrow_at(as_written_or_rule(hour, False))


@pytest.mark.parametrize(("hour", "minute"), [(h, m) for h in range(24) for m in (0, 13, 30, 45, 59)])
def test_dotted_times_that_cannot_be_dates(hour: int, minute: int) -> None:
    assert read(f"tomorrow {hour:02d}.{minute:02d}") == tomorrow_at(hour, minute)


def test_zone_after_a_separated_time() -> None:
    assert read("8h00 PST tomorrow") == datetime.fromisoformat("2026-11-25T08:00:00-08:00")


# --- fuzzy and fractional durations -----------------------------------------------------------------


@pytest.mark.parametrize("count", range(1, 13))
@pytest.mark.parametrize(
    ("form", "minutes"),
    [("in {n} and a half hours", 90 - 60), ("in {n}.5 hours", 30), ("in {n} hours", 0), ("{n} hours from now", 0)],
)
def test_hours_and_a_half(count: int, form: str, minutes: int) -> None:
    assert read(form.format(n=count)) == EVENING + timedelta(hours=count, minutes=minutes)


@pytest.mark.parametrize(
    ("phrase", "minutes", "note"),
    [
        ("in a couple hours", 120, "2 hours"),
        ("in a couple of hours", 120, "2 hours"),
        ("in couple of hours", 120, "2 hours"),
        ("in a few hours", 180, "3 hours"),
        ("in a few minutes", 3, "3 minutes"),
        ("in a couple of days", 2 * 24 * 60, "2 days"),
        ("in a quarter of an hour", 15, None),
        ("in quarter of an hour", 15, None),
        ("in a quarter hour", 15, None),
        ("in half an hour", 30, None),
        ("in a half hour", 30, None),
        ("in half hour", 30, None),
        ("in about half an hour", 30, None),
        ("in an hour and a half", 90, None),
        ("in one and a half hours", 90, None),
        ("in two and a half hours", 150, None),
        ("today in one hour", 60, None),
        ("in an hour today", 60, None),
    ],
)
def test_fuzzy_and_fractional_durations(phrase: str, minutes: int, note: str | None) -> None:
    parsed = interpret(phrase, TZ, EVENING)
    assert parsed.when == EVENING + timedelta(minutes=minutes)
    if note:
        assert any(note in text for text in parsed.notes)


def test_today_in_an_hour_must_stay_today() -> None:
    with pytest.raises(TimeParseError, match="not today"):
        read("today in 5 hours")


# --- a duration with a day and a time ------------------------------------------------------------

DAY_DURATIONS = [
    ("in {n} days", 1),
    ("{n} days from now", 1),
    ("{n} days from today", 1),
    ("in {n} weeks", 7),
    ("{n} weeks from today", 7),
]


@pytest.mark.parametrize("count", range(1, 8))
@pytest.mark.parametrize(("form", "days"), DAY_DURATIONS)
@pytest.mark.parametrize(("clock", "hour", "minute"), [("at 10am", 10, 0), ("9:30pm", 21, 30), ("at 9", 9, 0)])
def test_a_duration_in_days_then_a_time(count: int, form: str, days: int, clock: str, hour: int, minute: int) -> None:
    day = local_day(EVENING, TZ, count * days)
    assert read(f"{form.format(n=count)} {clock}") == wall(day, hour, minute, TZ)
    assert read(f"{clock} {form.format(n=count)}") == wall(day, hour, minute, TZ)


@pytest.mark.parametrize("phrase", ["a week from today 9am", "in a week at 9am", "in one week at 9am", "9am in 1 week"])
def test_a_week_from_today(phrase: str) -> None:
    assert read(phrase) == wall(local_day(EVENING, TZ, 7), 9, 0, TZ)


def test_a_duration_in_days_keeps_the_wall_clock_across_daylight_saving() -> None:
    now = datetime.fromisoformat("2026-10-30T12:00:00-04:00")
    assert read("in 3 days at 10am", now, "America/New_York") == wall(date(2026, 11, 2), 10, 0, "America/New_York")


def test_a_duration_in_months_then_a_time() -> None:
    assert read("in 2 months at 10am") == wall(date(2027, 1, 24), 10, 0, TZ)


def test_half_a_day_then_a_time_is_refused() -> None:
    with pytest.raises(TimeParseError, match="whole number of days"):
        read("in 1.5 days at 10am")


# --- spelled-out numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(("hour", "word"), list(enumerate(SPELLED, start=1)))
@pytest.mark.parametrize("meridiem", [" am", " pm", " p.m.", " a.m.", " p m"])
def test_spelled_hours_with_am_pm(hour: int, word: str, meridiem: str) -> None:
    expected = twelve_hour(hour, meridiem.replace(".", "").replace(" ", ""))
    assert read(f"at {word}{meridiem} tomorrow") == tomorrow_at(expected)


@pytest.mark.parametrize(("hour", "word"), list(enumerate(SPELLED, start=1))[4:11])
@pytest.mark.parametrize("form", ["{w} tonight", "{w} in the evening tomorrow", "at {w} tomorrow evening"])
def test_spelled_hours_in_the_evening(hour: int, word: str, form: str) -> None:
    day = local_day(EVENING, TZ, 0 if "tonight" in form else 1)
    phrase = form.format(w=word)
    if "tonight" in form and hour + 12 <= 20:
        with pytest.raises(TimeParseError, match="has passed"):
            read(phrase)
        return
    assert read(phrase) == wall(day, hour + 12, 0, TZ)


@pytest.mark.parametrize(("hour", "word"), list(enumerate(SPELLED, start=1)))
@pytest.mark.parametrize(
    ("minute_words", "minute"),
    [("fifteen", 15), ("thirty", 30), ("forty-five", 45), ("forty five", 45), ("oh five", 5), ("twenty", 20)],
)
def test_spelled_hour_and_minutes(hour: int, word: str, minute_words: str, minute: int) -> None:
    assert read(f"{word} {minute_words} tomorrow") == tomorrow_at(afternoon_rule(hour), minute)


def test_spelled_durations() -> None:
    assert read("in twenty five minutes") == EVENING + timedelta(minutes=25)
    assert read("in three hours") == EVENING + timedelta(hours=3)


# --- short and spaced am/pm -------------------------------------------------------------------------


@pytest.mark.parametrize("hour", range(1, 13))
@pytest.mark.parametrize(
    ("form", "meridiem"),
    [
        ("{h}p", "pm"),
        ("{h}a", "am"),
        ("{h} p.m.", "pm"),
        ("{h} a.m.", "am"),
        ("{h}p.m.", "pm"),
        ("{h} p m", "pm"),
        ("{h} P.M.", "pm"),
        ("@ {h}pm", "pm"),
        ("@{h}am", "am"),
    ],
)
def test_short_and_spaced_am_pm(hour: int, form: str, meridiem: str) -> None:
    assert read(form.format(h=hour) + " tomorrow") == tomorrow_at(twelve_hour(hour, meridiem))


@pytest.mark.parametrize("hour", range(1, 13))
def test_minutes_and_spaced_pm(hour: int) -> None:
    assert read(f"tomorrow {hour}:30 p m") == tomorrow_at(twelve_hour(hour, "pm"), 30)


@pytest.mark.parametrize(
    ("phrase", "day", "hour", "minute"),
    [
        ("later today at 10pm", 0, 22, 0),
        ("tomorrow at 9 am sharp", 1, 9, 0),
        ("13:00h tomorrow", 1, 13, 0),
        ("tomorrow 9:15h", 1, 9, 15),
        ("wed. 3pm", 1, 15, 0),
        ("fri. 10:30am", 3, 10, 30),
        ("thurs. at 9 sharp", 2, 9, 0),
    ],
)
def test_words_around_the_time_that_change_nothing(phrase: str, day: int, hour: int, minute: int) -> None:
    assert read(phrase) == wall(local_day(EVENING, TZ, day), hour, minute, TZ)


def test_at_sign_after_a_period() -> None:
    assert read("this morning @ 10", now=MORNING) == wall(local_day(MORNING, TZ), 10, 0, TZ)


# --- parts of the day and named times ---------------------------------------------------------------


@pytest.mark.parametrize("hour", range(1, 12))
@pytest.mark.parametrize("period", ["in the afternoon", "in afternoon", "in the evening", "at night"])
def test_an_hour_in_a_named_afternoon_or_evening(hour: int, period: str) -> None:
    if "afternoon" not in period and hour <= 4:
        with pytest.raises(TimeParseError, match="after midnight"):
            read(f"{hour} {period} tomorrow")
        return
    assert read(f"{hour}:20 {period} tomorrow") == tomorrow_at(hour + 12, 20)


@pytest.mark.parametrize("hour", range(1, 12))
def test_an_hour_in_the_morning(hour: int) -> None:
    assert read(f"{hour} in the morning tomorrow") == tomorrow_at(hour)


@pytest.mark.parametrize("words", ["noon", "midday", "mid day", "at noon", "12pm"])
def test_noon(words: str) -> None:
    assert read(f"{words} tomorrow") == tomorrow_at(12)


@pytest.mark.parametrize(
    "words", ["eod", "end of day", "end of the day", "by end of day", "cob", "close of business", "eob"]
)
@pytest.mark.parametrize(("day", "ahead"), [("tomorrow", 1), ("friday", 3), ("", 1)])
def test_end_of_day_is_17(words: str, day: str, ahead: int) -> None:
    parsed = interpret(f"{words} {day}".strip(), TZ, EVENING)
    assert parsed.when == wall(local_day(EVENING, TZ, ahead), END_OF_DAY.hour, END_OF_DAY.minute, TZ)
    assert any("17:00" in note for note in parsed.notes)


def test_end_of_day_today_after_17_has_passed() -> None:
    with pytest.raises(TimeParseError, match="has passed"):
        read("eod today")


@pytest.mark.parametrize("words", ["first thing", "first thing in the morning"])
@pytest.mark.parametrize(("day", "ahead"), [("tomorrow", 1), ("monday", 6), ("", 1)])
def test_first_thing_is_nine(words: str, day: str, ahead: int) -> None:
    parsed = interpret(f"{words} {day}".strip(), TZ, EVENING)
    assert parsed.when == wall(local_day(EVENING, TZ, ahead), FIRST_THING.hour, FIRST_THING.minute, TZ)
    assert any("09:00" in note for note in parsed.notes)


# --- dates ---------------------------------------------------------------------------------------------

DAYS_OF_2027 = [date(2027, 1, 1) + timedelta(days=n) for n in range(0, 365, 9)]


@pytest.mark.parametrize("day", DAYS_OF_2027, ids=str)
@pytest.mark.parametrize("separator", ["/", "-", "."])
def test_year_first_dates(day: date, separator: str) -> None:
    phrase = f"{day.year}{separator}{day.month:02d}{separator}{day.day:02d} 10am"
    assert read(phrase) == wall(day, 10, 0, TZ)


@pytest.mark.parametrize("day", DAYS_OF_2027, ids=str)
@pytest.mark.parametrize("form", ["{d}.{m}. 10am", "{d}.{m}.{y} 10am", "{d}.{m}. around 10:00", "{d}.{m}. 10:00"])
def test_dotted_dates_are_day_first_everywhere(day: date, form: str) -> None:
    phrase = form.format(d=day.day, m=day.month, y=day.year)
    for tz in (TZ, "America/Chicago"):
        expected = wall(day, 10, 0, tz) if "{y}" in form else upcoming(EVENING, tz, day.month, day.day, 10)
        assert read(phrase, tz=tz) == expected


@pytest.mark.parametrize("day", DAYS_OF_2027[::3], ids=str)
@pytest.mark.parametrize("form", ["{d}.{mon} at 6:34am", "{d}.{mon} 6:34am", "{d} {mon} 6:34am"])
def test_day_dot_month_name(day: date, form: str) -> None:
    phrase = form.format(d=day.day, mon=MONTHS[day.month - 1][:3])
    assert read(phrase) == upcoming(EVENING, TZ, day.month, day.day, 6, 34)


ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}


@pytest.mark.parametrize("ordinal", ORDINALS)
@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("month", [1, 3, 6, 12])
def test_nth_weekday_of_a_month(ordinal: str, weekday: int, month: int) -> None:
    today = local_day(EVENING, TZ)
    for year in (today.year, today.year + 1):
        days = [week[weekday] for week in calendar.Calendar().monthdatescalendar(year, month)]
        day = [d for d in days if d.month == month][ORDINALS[ordinal] - 1]
        if day >= today:
            break
    assert read(f"{ordinal} {WEEKDAYS[weekday]} of {MONTHS[month - 1]} 10am") == wall(day, 10, 0, TZ)


@pytest.mark.parametrize("weekday", range(7))
def test_last_weekday_of_a_month(weekday: int) -> None:
    days = [week[weekday] for week in calendar.Calendar().monthdatescalendar(2027, 1)]
    day = [d for d in days if d.month == 1][-1]
    assert read(f"last {WEEKDAYS[weekday]} of january 2027 9am") == wall(day, 9, 0, TZ)


@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("said_on", range(7))
@pytest.mark.parametrize("form", ["next week {w} 3pm", "{w} next week 3pm", "next week on {w} at 3pm"])
def test_a_weekday_next_week(weekday: int, said_on: int, form: str) -> None:
    now = EVENING + timedelta(days=(said_on - EVENING.weekday()) % 7)
    monday = local_day(now, TZ) - timedelta(days=said_on) + timedelta(days=7)
    assert read(form.format(w=WEEKDAYS[weekday]), now) == wall(monday + timedelta(days=weekday), 15, 0, TZ)


def test_next_week_needs_a_day() -> None:
    with pytest.raises(TimeParseError, match="which day next week"):
        read("next week 3pm")


@pytest.mark.parametrize("day", [1, 2, 3, 10, 15, 21, 28, 30])
@pytest.mark.parametrize("form", ["next month on the {o} at 10am", "the {o} of next month at 10am"])
def test_a_day_next_month(day: int, form: str) -> None:
    suffix = "st" if day in (1, 21) else "nd" if day == 2 else "rd" if day == 3 else "th"
    assert read(form.format(o=f"{day}{suffix}")) == wall(date(2026, 12, day), 10, 0, TZ)


def test_next_month_needs_a_day() -> None:
    with pytest.raises(TimeParseError, match="which day next month"):
        read("next month at 10am")


HOLIDAYS = [
    ("xmas", 12, 25),
    ("christmas", 12, 25),
    ("christmas day", 12, 25),
    ("christmas eve", 12, 24),
    ("new year's eve", 12, 31),
    ("new years eve", 12, 31),
    ("new year's day", 1, 1),
    ("new year", 1, 1),
]


@pytest.mark.parametrize(("name", "month", "day"), HOLIDAYS)
@pytest.mark.parametrize(("clock", "hour"), [("at 6 pm", 18), ("10am", 10), ("9:00", 9)])
@pytest.mark.parametrize("now", [EVENING, datetime.fromisoformat("2027-02-01T09:00:00+05:30")])
def test_holidays(name: str, month: int, day: int, clock: str, hour: int, now: datetime) -> None:
    assert read(f"{name} {clock}", now) == upcoming(now, TZ, month, day, hour)


@pytest.mark.parametrize(
    ("phrase", "example"), [("tonight", "tonight at 9pm"), ("this morning", "this morning at 10am")]
)
def test_a_part_of_the_day_alone_asks_for_a_time_that_fits(phrase: str, example: str) -> None:
    with pytest.raises(TimeParseError, match=example):
        read(phrase)
    assert read(example, now=MORNING) > MORNING


def test_a_holiday_needs_a_time() -> None:
    with pytest.raises(TimeParseError, match="Add a time of day"):
        read("xmas")


# --- zones in parentheses -----------------------------------------------------------------------------

ZONES = {"IST": "+05:30", "BST": "+01:00", "PST": "-08:00", "EST": "-05:00", "CET": "+01:00", "UTC": "+00:00"}


@pytest.mark.parametrize(("zone", "offset"), ZONES.items())
@pytest.mark.parametrize("form", ["tomorrow 9am ({z})", "tomorrow 9 am ({z})", "({z}) tomorrow 09:00"])
def test_zones_in_parentheses(zone: str, offset: str, form: str) -> None:
    assert read(form.format(z=zone)) == datetime.fromisoformat(f"{TOMORROW.isoformat()}T09:00:00{offset}")


@pytest.mark.parametrize("weekday", range(7))
def test_weekday_with_a_zone_in_parentheses(weekday: int) -> None:
    now = datetime.fromisoformat("2026-11-24T20:00:00+00:00")
    expected = next_weekday(now, "Asia/Kolkata", weekday, 9)
    assert read(f"{WEEKDAYS[weekday]} 9 am (IST)", now, tz="Europe/London") == expected


# --- the instant, wherever the machine is -------------------------------------------------------------


def test_new_forms_in_a_zone_with_daylight_saving() -> None:
    now = datetime.fromisoformat("2027-03-13T20:00:00-08:00")
    zone = "America/Los_Angeles"
    assert read("half past 9 tomorrow", now, zone) == wall(date(2027, 3, 14), 9, 30, zone)
    assert read("first thing tomorrow", now, zone).utcoffset() == timedelta(hours=-7)
    assert read("tomorrow 2h30", now, zone).astimezone(ZoneInfo(zone)).hour == 14


# --- rules found by the phrase corpus --------------------------------------------------------------

DURATION_UNITS = {"minutes": 60, "mins": 60, "hours": 3600, "hrs": 3600, "days": 86400}


@pytest.mark.parametrize(("unit", "seconds"), DURATION_UNITS.items())
@pytest.mark.parametrize("count", [1, 2, 15, 45])
@pytest.mark.parametrize("form", ["{n} {u}", "+{n} {u}", "now + {n} {u}", "in {n} {u} time"])
def test_a_duration_alone_is_from_now(unit: str, seconds: int, count: int, form: str) -> None:
    assert read(form.format(n=count, u=unit)) == EVENING + timedelta(seconds=count * seconds)


@pytest.mark.parametrize(("parts", "minutes"), [("2 hours and 15 minutes", 135), ("1 hour and 30 minutes", 90),
                                                ("3 hours and a half", 210), ("1 1/2 hours", 90), ("1½ hours", 90),
                                                ("1h30", 90), ("2h05", 125)])  # fmt: skip
def test_the_and_of_a_duration_is_not_a_day(parts: str, minutes: int) -> None:
    assert read(f"in {parts}") == EVENING + timedelta(minutes=minutes)


@pytest.mark.parametrize("hour", range(1, 13))
def test_hours_alone_with_h_are_asked_about_in_english(hour: int) -> None:
    with pytest.raises(TimeParseError, match="time or a duration"):
        read(f"{hour}h")
    assert read(f"at {hour}h") == next_at(EVENING, TZ, afternoon_rule(hour))


@pytest.mark.parametrize("ahead", [1, 2, 3])
@pytest.mark.parametrize("words", ["same time {d}", "{d} same time", "this time {d}", "{d} at this time"])
def test_same_time_is_now_on_the_day_named(ahead: int, words: str) -> None:
    day = {1: "tomorrow", 2: "day after tomorrow", 3: "in 3 days"}[ahead]
    assert read(words.format(d=day)) == wall(local_day(EVENING, TZ, ahead), 20, 0, TZ)


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("words", ["end of the month at 10am", "last day of the month 10am", "end of month @ 10am"])
def test_end_of_the_month_is_its_last_day(month: int, words: str) -> None:
    now = datetime(2027, month, 1, 8, 0, tzinfo=ZoneInfo(TZ))
    last = date(2027, month, calendar.monthrange(2027, month)[1])
    assert read(words, now) == wall(last, 10, 0, TZ)


@pytest.mark.parametrize(("typo", "ahead"), [("tonite", 0), ("2nite", 0), ("2moro", 1), ("2morrow", 1), ("tomorow", 1),
                                              ("tommorow", 1), ("tommorrow", 1), ("tmw", 1)])  # fmt: skip
def test_common_misspellings_of_the_day_words(typo: str, ahead: int) -> None:
    assert read(f"{typo} 9pm") == wall(local_day(EVENING, TZ, ahead), 21, 0, TZ)


@pytest.mark.parametrize(("zone", "offset"), [("PT", -8), ("ET", -5), ("PST", -8), ("UTC-6", -6)])
@pytest.mark.parametrize("words", ["tomorrow 9am {z}", "tonight 9pm {z}", "in 2 days at 9am {z}"])
def test_a_day_counted_from_today_is_asked_about_when_the_zones_disagree_on_the_date(
    zone: str, offset: int, words: str
) -> None:
    now = datetime.fromisoformat("2026-11-25T09:10:00+05:30")  # Tuesday evening in the Americas
    with pytest.raises(TimeParseError, match="in that timezone"):
        read(words.format(z=zone), now)
    assert read(f"friday 9am {zone}", now) == datetime(2026, 11, 27, 9, tzinfo=timezone(timedelta(hours=offset)))


# --- words that are not about time ---------------------------------------------------------------

FILLERS = next(concept for concept in CONCEPTS if concept.english == KEEP).words["en"]


@pytest.mark.parametrize("filler", FILLERS)
@pytest.mark.parametrize("form", ["{f} tomorrow 5pm", "tomorrow 5pm {f}", "{f} at 9:30 friday", "{f} in 2 hours"])
def test_words_not_about_time_are_left_out_and_named(filler: str, form: str) -> None:
    parsed = interpret(form.format(f=filler), TZ, EVENING)
    assert parsed.when == read(form.format(f="").strip())
    assert parsed.ignored == (filler,) and f"“{filler}”" in parsed.notes[-1]


@pytest.mark.parametrize("word", ["team", "dinner", "lunch", "london", "maybe", "not", "or", "every", "yesterday"])
def test_other_words_are_never_left_out(word: str) -> None:
    with pytest.raises(TimeParseError, match=word):
        read(f"{word} tomorrow 5pm")


# --- clock notations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("hour", "minute"), GLUED)
@pytest.mark.parametrize("form", ["{h}h{m:02d}m", "{h}h{m:02d}m00s", "{h:02d}h{m:02d}m"])
def test_hours_and_minutes_with_letters(form: str, hour: int, minute: int) -> None:
    parsed = interpret(form.format(h=hour, m=minute) + " tomorrow", TZ, EVENING)
    assert parsed.when == tomorrow_at(as_written_or_rule(hour, form.startswith("{h:02d}")), minute)
    assert any("for a duration" in note for note in parsed.notes)


@pytest.mark.parametrize("hour", range(1, 13))
@pytest.mark.parametrize("minute", [0, 5, 15, 30, 45, 59])
def test_an_hour_and_minutes_said_apart(hour: int, minute: int) -> None:
    assert read(f"tomorrow at {hour} {minute:02d}") == tomorrow_at(afternoon_rule(hour), minute)
    assert read(f"tomorrow at {hour} {minute:02d}pm") == tomorrow_at(twelve_hour(hour, "pm"), minute)


@pytest.mark.parametrize("hour", range(13, 24))
@pytest.mark.parametrize("form", ["{h}{m:02d}pm", "{h}:{m:02d}pm", "{h}:{m:02d} p.m."])
def test_pm_after_a_24_hour_time_is_read_as_written(form: str, hour: int) -> None:
    parsed = interpret(form.format(h=hour, m=25) + " tomorrow", TZ, EVENING)
    assert parsed.when == tomorrow_at(hour, 25) and f"was read as {hour}:25" in parsed.notes[0]


@pytest.mark.parametrize("hour", [0, 13, 15, 23])
def test_am_after_a_24_hour_time_is_refused(hour: int) -> None:
    with pytest.raises(TimeParseError, match="1 to 12"):
        read(f"{hour}15am tomorrow")


@pytest.mark.parametrize("day", DAYS_OF_2027[::4], ids=str)
@pytest.mark.parametrize("joint", ["-", ".", ":"])
@pytest.mark.parametrize("form", ["{d}/{m}/{y}{j}14:15", "{y}-{m:02d}-{d:02d}{j}14:15", "{d}.{m}.{y}{j}14:15"])
def test_a_date_and_a_time_joined(day: date, joint: str, form: str) -> None:
    phrase = form.format(d=day.day, m=day.month, y=day.year, j=joint)
    assert read(phrase) == wall(day, 14, 15, TZ)


@pytest.mark.parametrize("hour", range(1, 13))
@pytest.mark.parametrize(
    ("words", "meridiem"),
    [("in the am", "am"), ("in the AM", "am"), ("in the p.m.", "pm"), ("o'clock am", "am"), ("o'clock pm", "pm"),
     ("oclock p.m.", "pm")],
)  # fmt: skip
def test_am_or_pm_said_after_the_hour(hour: int, words: str, meridiem: str) -> None:
    assert read(f"{hour} {words} tomorrow") == tomorrow_at(twelve_hour(hour, meridiem))


# --- spoken clocks and fractions ---------------------------------------------------------------------


@pytest.mark.parametrize(("hour", "word"), list(enumerate(SPELLED, start=1)))
def test_british_half_hours(hour: int, word: str) -> None:
    parsed = interpret(f"half {word} tomorrow", TZ, EVENING)
    assert parsed.when == read(f"half past {hour} tomorrow") == tomorrow_at(afternoon_rule(hour), 30)
    assert f"half past {hour}" in parsed.notes[0]


@pytest.mark.parametrize("hour", range(13, 24))
@pytest.mark.parametrize(("words", "minutes"), [("15 minutes past", 15), ("quarter past", 15), ("half past", 30),
                                                ("quarter to", -15), ("10 minutes to", -10)])  # fmt: skip
def test_clock_phrases_with_a_24_hour_hour(hour: int, words: str, minutes: int) -> None:
    hour_then, minute = divmod(hour * 60 + minutes, 60)
    assert read(f"{words} {hour}h tomorrow") == tomorrow_at(hour_then, minute)


@pytest.mark.parametrize(("hour", "word"), list(enumerate(SPELLED, start=1)))
@pytest.mark.parametrize(("minute_words", "minute"), [("fifteen", 15), ("thirty", 30), ("forty-five", 45)])
def test_spelled_clock_times_with_a_hyphen(hour: int, word: str, minute_words: str, minute: int) -> None:
    assert read(f"{word}-{minute_words} tomorrow") == tomorrow_at(afternoon_rule(hour), minute)


@pytest.mark.parametrize(
    ("phrase", "minutes"),
    [("in 1/4 h", 15), ("in 1/4 hour", 15), ("in 3/4 h", 45), ("in ¾ hour", 45), ("in 1 1/4 hours", 75),
     ("in 2 3/4 hours", 165), ("in 1/2 h", 30), ("in three-quarters of an hour", 45),
     ("in three quarters of an hour", 45), ("in 3 quarters of an hour", 45), ("in a day", 24 * 60),
     ("a day from now", 24 * 60), ("in a couple of minutes", 2), ("in 2 and a half hours", 150)],
)  # fmt: skip
def test_fractions_of_an_hour(phrase: str, minutes: int) -> None:
    assert read(phrase) == EVENING + timedelta(minutes=minutes)


# --- durations worded differently, hedges ---------------------------------------------------------


@pytest.mark.parametrize(("unit", "seconds"), DURATION_UNITS.items())
@pytest.mark.parametrize("count", [1, 2, 15, 45])
def test_a_duration_out_is_from_now(unit: str, seconds: int, count: int) -> None:
    assert read(f"{count} {unit} out") == EVENING + timedelta(seconds=count * seconds)


@pytest.mark.parametrize("when", [*HEDGED_TIMES, "in 5 hours", "in 2 days"])
@pytest.mark.parametrize("hedge", ["~{t}", "~ {t}", "about ~{t}"])
def test_a_tilde_is_a_hedge(hedge: str, when: str) -> None:
    phrase = hedge.format(t=when) if not when.startswith("in ") else when.replace("in ", "in " + hedge.format(t=""))
    hedged = interpret(phrase, TZ, EVENING)
    assert hedged.when == read(when) and any(note.startswith("An exact time is used") for note in hedged.notes)


# --- week-relative days ----------------------------------------------------------------------------


@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("said_on", range(7))
@pytest.mark.parametrize("form", ["{w} of next week 3pm", "next week's {w} at 3pm", "{w} the following week at 3pm"])
def test_a_weekday_of_next_week(weekday: int, said_on: int, form: str) -> None:
    now = EVENING + timedelta(days=(said_on - EVENING.weekday()) % 7)
    monday = local_day(now, TZ) - timedelta(days=said_on) + timedelta(days=7)
    assert read(form.format(w=WEEKDAYS[weekday]), now) == wall(monday + timedelta(days=weekday), 15, 0, TZ)


@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("said_on", range(7))
@pytest.mark.parametrize("form", ["{w} this week 9pm", "{w} of this week at 9pm", "this week {w} 9pm"])
def test_a_weekday_of_this_week(weekday: int, said_on: int, form: str) -> None:
    now = EVENING + timedelta(days=(said_on - EVENING.weekday()) % 7)  # 20:00, so 21:00 today is still ahead
    day = local_day(now, TZ) - timedelta(days=said_on) + timedelta(days=weekday)
    phrase = form.format(w=WEEKDAYS[weekday])
    if weekday < said_on:
        with pytest.raises(TimeParseError, match="has passed"):
            read(phrase, now)
        return
    assert read(phrase, now) == wall(day, 21, 0, TZ)


def test_a_week_without_its_day_is_asked_about() -> None:
    with pytest.raises(TimeParseError, match="which day this week"):
        read("this week 3pm")


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("form", ["at 3 15 {mon}", "at 3 15 {mon}."])
def test_before_a_month_an_hour_and_a_number_are_a_time_and_a_day(month: int, form: str) -> None:
    phrase = form.format(mon=MONTHS[month - 1][:3])
    assert read(phrase) == upcoming(EVENING, TZ, month, 15, 15)


def test_with_next_month_an_hour_and_a_number_are_a_time_and_a_day() -> None:
    assert read("next month at 3 15") == read("next month on the 15th at 3")
