"""Properties of the time reader over the new forms and languages: what holds for every input."""

from __future__ import annotations

import os
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.timeparse import TimeParseError, interpret, means_now, parse_when
from bot.core.timeparse.words import CONCEPTS, KEEP
from tests.unit.timeparse_oracle import SPELLED, afternoon_rule, local_day, twelve_hour, wall

ZONES = st.sampled_from(
    ["Asia/Kolkata", "America/Los_Angeles", "America/Sao_Paulo", "Europe/Rome", "Europe/London", "Asia/Tokyo",
     "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]
)  # fmt: skip
NOWS = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))
LOCALES = st.sampled_from([None, "en-US", "it-IT", "es-ES", "fr-FR", "de-DE", "pt-BR", "ja-JP", "ko-KR"])
FRAGMENTS = st.sampled_from(
    ["half past", "quarter to", "20 minutes to", "15 past", "around", "about", "ish", "-ish", "at", "@", "1030",
     "815", "1700", "15h30", "16h", "8h00", "08.00", "17.30", "17:00 hrs", "in", "a couple", "a few", "hours",
     "a quarter of an hour", "and a half", "3 days", "from now", "from today", "a week", "eight", "ten thirty",
     "three", "pm", "3p", "7a", "p m", "p.m.", "in the afternoon", "mid day", "eod", "end of day", "first thing",
     "tomorrow", "tonight", "this morning", "12", "3:30", "2026/12/05", "5.12.", "26.9.", "1.jun", "first monday of",
     "december", "next week", "tuesday", "next month", "the 1st", "xmas", "new year's eve", "(bst)", "(ist)",
     "domani", "alle", "17", "mañana", "a las", "de la tarde", "demain", "à", "17h", "morgen", "um", "uhr", "amanhã",
     "às", "明日の", "17時", "2時間後", "tra", "ore", "dans", "heures", "stunden", "daqui a", "horas", "31", "feb",
     "half three", "at 3 15", "8h10m", "1515pm", "meeting", "~", "out", "of next week", "this week", "3/4",
     "rdv", "riunione", "più tardi", "mittags", "in the am", "o'clock pm", "-14:15", "05/31/2027", "termin",
     "会議", "今週", "de la nuit", "in der nacht", "quinze para as", "meno", "vor", "später"]
)  # fmt: skip


@contextmanager
def machine_zone(name: str) -> Iterator[None]:
    original = os.environ.get("TZ")
    os.environ["TZ"] = name
    clock.tzset()
    try:
        yield
    finally:
        if original is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = original
        clock.tzset()


def outcome(text: str, tz: str, now: datetime, locale: str | None) -> datetime | str:
    try:
        return parse_when(text, tz, now, locale=locale)
    except TimeParseError as error:
        return f"refused: {error}"


@settings(max_examples=400, deadline=None)
@given(words=st.lists(FRAGMENTS, min_size=1, max_size=6), tz=ZONES, now=NOWS, locale=LOCALES)
def test_new_forms_give_a_future_aware_instant_or_a_time_parse_error(
    words: list[str], tz: str, now: datetime, locale: str | None
) -> None:
    text = " ".join(words)
    result = outcome(text, tz, now.astimezone(ZoneInfo(tz)), locale)
    if isinstance(result, str):
        assert len(result) > len("refused: ")
        return
    assert result.utcoffset() is not None
    assert result > now or means_now(text)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(FRAGMENTS, min_size=1, max_size=5), tz=ZONES, now=NOWS, locale=LOCALES)
def test_the_reading_does_not_depend_on_the_machines_timezone(
    words: list[str], tz: str, now: datetime, locale: str | None
) -> None:
    text = " ".join(words)
    here = outcome(text, tz, now, locale)
    with machine_zone("Pacific/Kiritimati"):
        there = outcome(text, tz, now, locale)
    assert here == there


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120), tz=ZONES, now=NOWS, locale=LOCALES)
def test_any_text_in_any_locale_is_an_instant_or_a_time_parse_error(
    text: str, tz: str, now: datetime, locale: str | None
) -> None:
    result = outcome(text, tz, now, locale)
    assert isinstance(result, str) or (result.tzinfo is not None and (result > now or means_now(text)))


CLOCK_FORMS = st.sampled_from([("quarter past", 15), ("half past", 30), ("quarter to", -15), ("10 minutes to", -10)])


@settings(max_examples=300, deadline=None)
@given(form=CLOCK_FORMS, hour=st.integers(1, 12), meridiem=st.sampled_from(["", "am", "pm"]), tz=ZONES, now=NOWS)
def test_clock_phrases_name_the_stated_time_tomorrow(
    form: tuple[str, int], hour: int, meridiem: str, tz: str, now: datetime
) -> None:
    words, offset = form
    base = twelve_hour(hour, meridiem) if meridiem else hour
    expected_hour, minute = divmod((base * 60 + offset) % (24 * 60), 60)
    if not meridiem:
        expected_hour = afternoon_rule(expected_hour % 12 or 12)
    parsed = interpret(f"{words} {hour}{meridiem} tomorrow", tz, now)
    local = parsed.when.astimezone(ZoneInfo(tz))
    shifted = wall(local_day(now, tz, 1), expected_hour, minute, tz)
    assert parsed.when == shifted
    assert (local.hour, local.minute) == (expected_hour, minute) or any("does not exist" in n for n in parsed.notes)


@settings(max_examples=200, deadline=None)
@given(hours=st.integers(0, 48), half=st.booleans(), hedge=st.booleans(), tz=ZONES, now=NOWS)
def test_durations_are_elapsed_time(hours: int, half: bool, hedge: bool, tz: str, now: datetime) -> None:
    amount = f"{hours} and a half" if half else str(hours)
    phrase = f"in {'about ' if hedge else ''}{amount} hours"
    expected = now + timedelta(hours=hours, minutes=30 if half else 0)
    result = outcome(phrase, tz, now, None)
    assert result == expected if expected > now else isinstance(result, str)


@settings(max_examples=200, deadline=None)
@given(hour=st.integers(1, 12), tz=ZONES, now=NOWS, meridiem=st.sampled_from(["am", "pm"]))
def test_spelled_hours_read_like_digits(hour: int, tz: str, now: datetime, meridiem: str) -> None:
    spelled = outcome(f"at {SPELLED[hour - 1]} {meridiem} tomorrow", tz, now, None)
    assert spelled == outcome(f"at {hour}{meridiem} tomorrow", tz, now, None)


def instant(text: str, tz: str, now: datetime, locale: str | None) -> datetime | None:
    """The instant read, or None when refused (a refusal quotes the phrase as typed)."""
    result = outcome(text, tz, now, locale)
    return None if isinstance(result, str) else result


READABLE = st.sampled_from(
    ["tomorrow 5pm", "in 2 hours", "friday 9:30am", "dec 3 at 14:30", "half past 5 tomorrow", "tonight at 9",
     "next week tuesday 3pm", "in 3 days at 10am", "at 3 15 tomorrow", "half three tomorrow"]
)  # fmt: skip
ENGLISH_FILLERS = st.sampled_from(next(concept for concept in CONCEPTS if concept.english == KEEP).words["en"])


@settings(max_examples=200, deadline=None)
@given(phrase=READABLE, filler=ENGLISH_FILLERS, first=st.booleans(), tz=ZONES, now=NOWS)
def test_words_not_about_time_change_nothing_but_the_notes(
    phrase: str, filler: str, first: bool, tz: str, now: datetime
) -> None:
    plain = instant(phrase, tz, now, None)
    padded = f"{filler} {phrase}" if first else f"{phrase} {filler}"
    assert instant(padded, tz, now, None) == plain
    if plain is not None:
        assert interpret(padded, tz, now).ignored == (filler,)


@settings(max_examples=200, deadline=None)
@given(hour=st.integers(0, 23), minute=st.integers(0, 59), tz=ZONES, now=NOWS)
def test_an_hour_and_minutes_said_apart_read_as_with_a_colon(hour: int, minute: int, tz: str, now: datetime) -> None:
    assert instant(f"tomorrow at {hour} {minute:02d}", tz, now, None) == instant(
        f"tomorrow at {hour}:{minute:02d}", tz, now, None
    )


@settings(max_examples=100, deadline=None)
@given(hour=st.integers(1, 12), meridiem=st.sampled_from(["", "am", "pm"]), tz=ZONES, now=NOWS)
def test_british_half_hours_read_as_half_past(hour: int, meridiem: str, tz: str, now: datetime) -> None:
    half = interpret(f"half {hour}{meridiem} tomorrow", tz, now).when
    assert half == interpret(f"half past {hour}{meridiem} tomorrow", tz, now).when


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    joint=st.sampled_from(["-", ".", ":"]),
    tz=ZONES,
    now=NOWS,
)
def test_a_date_joined_to_a_time_reads_as_the_two_apart(
    day: date, hour: int, minute: int, joint: str, tz: str, now: datetime
) -> None:
    date_text, time_text = f"{day.day}.{day.month}.{day.year}", f"{hour:02d}:{minute:02d}"
    assert instant(f"{date_text}{joint}{time_text}", tz, now, None) == instant(
        f"{date_text} {time_text}", tz, now, None
    )
