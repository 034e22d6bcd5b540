"""The time reader: the shared reference phrases, each named rule, and properties that must always hold."""

from __future__ import annotations

import json
import os
import time as clock
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.timeparse import TimeParseError, interpret, means_now, parse_when

CASES_FILE = Path(__file__).resolve().parents[3] / "shared" / "timeparse-cases.json"
LOCAL_CASES = Path(__file__).with_name("timeparse_cases.json")
CASES = json.loads((CASES_FILE if CASES_FILE.exists() else LOCAL_CASES).read_text())
TUESDAY_8PM_IST = datetime.fromisoformat("2026-11-24T20:00:00+05:30")


def at(phrase: str, tz: str = "Asia/Kolkata", now: datetime = TUESDAY_8PM_IST) -> str:
    return parse_when(phrase, tz, now).isoformat()


@pytest.mark.parametrize("case", CASES, ids=[f"{c['phrase']}@{c['tz']}" for c in CASES])
def test_reference_phrases(case: dict[str, str]) -> None:
    now = datetime.fromisoformat(case["now"])
    if case["expect"] is None:
        with pytest.raises(TimeParseError):
            parse_when(case["phrase"], case["tz"], now)
        return
    assert parse_when(case["phrase"], case["tz"], now) == datetime.fromisoformat(case["expect"])


def test_local_copy_of_the_reference_phrases_is_current() -> None:
    if CASES_FILE.exists():
        assert json.loads(LOCAL_CASES.read_text()) == CASES


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # weekdays and "next <weekday>" (now is a Tuesday)
        ("tuesday 9pm", "2026-11-24T21:00:00+05:30"),
        ("tuesday 7pm", "2026-12-01T19:00:00+05:30"),
        ("next tuesday 10am", "2026-12-01T10:00:00+05:30"),
        ("next friday 9am", "2026-11-27T09:00:00+05:30"),
        ("fri dec 4 10am", "2026-12-04T10:00:00+05:30"),
        # parts of the day
        ("tonight 9", "2026-11-24T21:00:00+05:30"),
        ("this evening at 9:30", "2026-11-24T21:30:00+05:30"),
        ("tomorrow morning at 9", "2026-11-25T09:00:00+05:30"),
        ("noon", "2026-11-25T12:00:00+05:30"),
        ("midnight", "2026-11-25T00:00:00+05:30"),
        ("tomorrow midnight", "2026-11-26T00:00:00+05:30"),
        # durations are elapsed time
        ("in half an hour", "2026-11-24T20:30:00+05:30"),
        ("in 90 mins", "2026-11-24T21:30:00+05:30"),
        ("in 1.5 hours", "2026-11-24T21:30:00+05:30"),
        ("in 2h30m", "2026-11-24T22:30:00+05:30"),
        ("in an hour and a half", "2026-11-24T21:30:00+05:30"),
        ("2 hours from now", "2026-11-24T22:00:00+05:30"),
        ("in 2 months", "2027-01-24T20:00:00+05:30"),
        # clocks and dates
        ("5.30pm", "2026-11-25T17:30:00+05:30"),
        ("9:30pm", "2026-11-24T21:30:00+05:30"),
        ("on the 5th at 3pm", "2026-12-05T15:00:00+05:30"),
        ("3rd of december 5pm", "2026-12-03T17:00:00+05:30"),
        ("25/12 10:00", "2026-12-25T10:00:00+05:30"),
        ("12/25/2026 9am", "2026-12-25T09:00:00+05:30"),
        ("2026-12-01T09:30Z", "2026-12-01T09:30:00+00:00"),
        ("2026-12-01 09:30:15", "2026-12-01T09:30:15+05:30"),
        # zones in the phrase win
        ("Dec 3 at 14:30 IST", "2026-12-03T14:30:00+05:30"),
        ("dec 3 2:30pm pst", "2026-12-03T14:30:00-08:00"),
        ("dec 3 2:30pm EST", "2026-12-03T14:30:00-05:00"),
        ("dec 3 9am gmt", "2026-12-03T09:00:00+00:00"),
        ("5pm America/New_York", "2026-11-24T17:00:00-05:00"),
        ("tomorrow 9am utc+5:30", "2026-11-25T09:00:00+05:30"),
        ("10:00 +02:00", "2026-11-25T10:00:00+02:00"),
    ],
)
def test_phrases_in_the_spirit_of_the_rules(phrase: str, expected: str) -> None:
    assert at(phrase) == expected


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("25:00 tomorrow", "hours go up to 23"),
        ("13pm", "1 to 12"),
        ("9876543210", "phone number"),
        ("1700000000", "phone number"),
        ("tomorrow", "Add a time of day"),
        ("dec 3", "Add a time of day"),
        ("tonight at 9am", "not in the evening"),
        ("thu dec 4 10am", "is a Friday, not a Thursday"),
        ("5pm IST PST", "more than one timezone"),
        ("5pm and 6pm", "more than one time"),
        ("31 feb 10am", "is not a date"),
        ("0/5 10am", "is not a date"),
        ("13/13 10am", "is not a date"),
        ("x" * 101, "too long"),
        ("", "No time given"),
    ],
)
def test_refusals_say_what_is_wrong(phrase: str, message: str) -> None:
    with pytest.raises(TimeParseError, match=message):
        parse_when(phrase, "Asia/Kolkata", TUESDAY_8PM_IST)


def test_ambiguous_numeric_dates_follow_the_users_order_and_say_so() -> None:
    india = interpret("03/04 10am", "Asia/Kolkata", TUESDAY_8PM_IST)
    assert india.when.date().isoformat() == "2027-04-03" and "4 March" in india.notes[0]
    chicago = interpret("03/04 10am", "America/Chicago", TUESDAY_8PM_IST)
    assert chicago.when.date().isoformat() == "2027-03-04" and "April 3" in chicago.notes[0]


def test_bare_hours_follow_a_stated_rule_and_say_so() -> None:
    five = interpret("tomorrow at 5", "Asia/Kolkata", TUESDAY_8PM_IST)
    assert five.when.hour == 17 and "5am" in five.notes[0]
    nine = interpret("tomorrow at 9", "Asia/Kolkata", TUESDAY_8PM_IST)
    assert nine.when.hour == 9 and "9pm" in nine.notes[0]


def test_daylight_saving_gap_and_repeat_are_noted() -> None:
    now = datetime.fromisoformat("2027-03-10T12:00:00-08:00")
    gap = interpret("march 14 2:30am", "America/Los_Angeles", now)
    assert gap.when.isoformat() == "2027-03-14T03:30:00-07:00" and "does not exist" in gap.notes[0]
    now = datetime.fromisoformat("2026-10-30T12:00:00-04:00")
    repeat = interpret("nov 1 1:30am", "America/New_York", now)
    assert repeat.when.utcoffset() == timedelta(hours=-4) and "happens twice" in repeat.notes[0]


def test_means_now() -> None:
    assert means_now(" Now ") and means_now("right away") and not means_now("now-ish")


def test_result_does_not_depend_on_the_machines_timezone() -> None:
    before = [parse_when(c["phrase"], c["tz"], datetime.fromisoformat(c["now"])) for c in CASES if c["expect"]]
    original = os.environ.get("TZ")
    try:
        os.environ["TZ"] = "Pacific/Kiritimati"
        clock.tzset()
        after = [parse_when(c["phrase"], c["tz"], datetime.fromisoformat(c["now"])) for c in CASES if c["expect"]]
    finally:
        if original is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = original
        clock.tzset()
    assert [d.timestamp() for d in before] == [d.timestamp() for d in after]


ZONES = st.sampled_from(["Asia/Kolkata", "America/Los_Angeles", "Europe/London", "UTC", "Australia/Lord_Howe"])
NOWS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))
WORDS = st.sampled_from(
    ["tomorrow", "5pm", "at", "9", "in", "2", "hours", "dec", "3", "IST", "next", "friday", "tonight", "noon",
     "25:00", "31", "feb", "+05:30", "/", "half", "an", "hour", "2027-02-10", "12/25", "midnight", "the", "5th"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200), tz=ZONES, now=NOWS)
def test_any_text_gives_an_aware_time_or_a_time_parse_error(text: str, tz: str, now: datetime) -> None:
    try:
        result = parse_when(text, tz, now)
    except TimeParseError:
        return
    assert result.tzinfo is not None and result.utcoffset() is not None


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORDS, max_size=6), tz=ZONES, now=NOWS)
def test_word_salad_gives_an_aware_time_or_a_time_parse_error(words: list[str], tz: str, now: datetime) -> None:
    try:
        result = parse_when(" ".join(words), tz, now.astimezone(ZoneInfo(tz)))
    except TimeParseError:
        return
    assert result.tzinfo is not None and result.utcoffset() is not None


def test_a_phrase_read_again_is_read_afresh_for_its_own_zone_and_time() -> None:
    """The rewritten text of a phrase is cached; its instant never is."""
    first = [parse_when(c["phrase"], c["tz"], datetime.fromisoformat(c["now"])) for c in CASES if c["expect"]]
    again = [parse_when(c["phrase"], c["tz"], datetime.fromisoformat(c["now"])) for c in reversed(CASES) if c["expect"]]
    assert [d.timestamp() for d in first] == [d.timestamp() for d in reversed(again)]
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    later = now + timedelta(days=1, minutes=7)
    assert parse_when("in 2 hours", "Asia/Kolkata", later) - parse_when("in 2 hours", "Asia/Kolkata", now) == (
        later - now
    )
    kolkata, london = parse_when("tomorrow 5pm", "Asia/Kolkata", now), parse_when("tomorrow 5pm", "Europe/London", now)
    assert (kolkata.utcoffset(), london.utcoffset()) == (timedelta(hours=5, minutes=30), timedelta(0))
    assert parse_when("tomorrow 5pm IST", "Europe/London", now) == kolkata
