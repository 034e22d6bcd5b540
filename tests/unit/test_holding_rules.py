"""The rules of holding, without sockets: the hand-off decision by time, quiet hours, and series phrases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import recurrence
from bot.core.dispatch import Step, decide
from bot.core.errors import TimeParseError
from bot.core.quiet_hours import QuietHours, parse_hours
from bot.core.validation import ScheduleRequest

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATE = timedelta(minutes=10)
IST = ZoneInfo("Asia/Kolkata")
LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("send_in", "step"),
    [
        (timedelta(minutes=60), Step.SCHEDULE),
        (timedelta(minutes=16), Step.SCHEDULE),  # the usual hand-off, a few seconds late or not
        (timedelta(minutes=15, seconds=30), Step.SCHEDULE),
        (timedelta(minutes=15, seconds=29), Step.WAIT),  # too close for Kaleyra's scheduler: the app sends at T
        (timedelta(seconds=1), Step.WAIT),
        (timedelta(0), Step.SEND_LATE),
        (-timedelta(minutes=10), Step.SEND_LATE),  # the app was down: a little late, said so
        (-timedelta(minutes=10, seconds=1), Step.MISSED),  # too late to send without asking
        (-timedelta(hours=5), Step.MISSED),
    ],
)
def test_the_hand_off_decision_depends_on_how_far_the_send_time_is(send_in: timedelta, step: Step) -> None:
    assert decide(NOW + send_in, NOW, LATE) is step


def test_without_late_minutes_a_missed_send_time_is_never_sent() -> None:
    assert decide(NOW - timedelta(seconds=1), NOW, timedelta(0)) is Step.MISSED


def _request(*recipients: str, route: str = "MKT") -> ScheduleRequest:
    return ScheduleRequest(tuple(recipients), "Sale!", route, "KLRHXA", None)


QUIET = QuietHours(*parse_hours("09:00-21:00"), ("IN",))


def test_promotional_sms_to_india_only_in_indian_daytime() -> None:
    request = _request("+919876543210")
    assert QUIET.refusal(request, datetime(2026, 11, 25, 10, 0, tzinfo=IST)) is None
    assert QUIET.refusal(request, datetime(2026, 11, 25, 20, 59, tzinfo=IST)) is None
    refusal = QUIET.refusal(request, datetime(2026, 11, 25, 21, 0, tzinfo=IST))
    assert refusal is not None and "Thu 26 Nov 09:00 IST" in refusal.message
    assert QUIET.next_allowed(request, datetime(2026, 11, 26, 3, 0, tzinfo=IST)) == datetime(
        2026, 11, 26, 9, 0, tzinfo=IST
    )


def test_quiet_hours_spare_other_routes_and_countries() -> None:
    night = datetime(2026, 11, 25, 23, 30, tzinfo=IST)
    assert QUIET.refusal(_request("+919876543210", route="TXN"), night) is None
    assert QUIET.refusal(_request("+14155550100"), night) is None
    assert QUIET.refusal(_request("+14155550100", "+919876543210"), night) is not None


def test_quiet_hours_follow_each_recipients_zone() -> None:
    both = QuietHours(*parse_hours("09:00-21:00"), ("IN", "US"))
    request = _request("+919876543210", "+14155550100")  # their daytimes overlap 09:00-10:30 IST only
    at = datetime(2026, 11, 25, 22, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    allowed = both.next_allowed(request, at)
    assert both.refusal(request, allowed) is None and allowed > at


def test_hours_across_midnight_and_bad_hours() -> None:
    late = QuietHours(*parse_hours("22:00-02:00"), ("IN",))
    assert late.refusal(_request("+919876543210"), datetime(2026, 11, 25, 23, 0, tzinfo=IST)) is None
    assert late.refusal(_request("+919876543210"), datetime(2026, 11, 25, 12, 0, tzinfo=IST)) is not None
    assert parse_hours("09:00-21:00") == (time(9), time(21))
    for bad in ("9 to 5", "09:00-09:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)


# --- recurring SMS --------------------------------------------------------------------------------

KOLKATA_NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # Wed 25 Nov 12:30 IST


def _series(text: str, tz: str = "Asia/Kolkata", now: datetime = KOLKATA_NOW, days: int = 365) -> tuple[str, bool]:
    return recurrence.parse(text, tz, now, now + timedelta(minutes=15), days)


@pytest.mark.parametrize(
    ("text", "described", "first_sends", "ends"),
    [
        ("every monday 9am", "every week on Monday at 09:00", ["Mon 30 Nov 09:00", "Mon 07 Dec 09:00"], "capped"),
        ("every weekday at 8:30", "every weekday at 08:30",
         ["Thu 26 Nov 08:30", "Fri 27 Nov 08:30", "Mon 30 Nov 08:30"], "capped"),
        ("daily 6pm until dec 31", "every day at 18:00", ["Wed 25 Nov 18:00", "Thu 26 Nov 18:00"],
         "on Thu 31 Dec 2026, after 37 times"),
        ("every 2 weeks on friday 5pm for 4 times", "every 2 weeks on Friday at 17:00",
         ["Fri 27 Nov 17:00", "Fri 11 Dec 17:00", "Fri 25 Dec 17:00"], "after 4 times"),
        ("on the 1st of every month at 10am", "every month on day 1 at 10:00",
         ["Tue 01 Dec 10:00", "Fri 01 Jan 10:00", "Mon 01 Feb 10:00"], "capped"),
        ("Every Mondays and Thursdays at 9", "every week on Monday, Thursday at 09:00",
         ["Thu 26 Nov 09:00", "Mon 30 Nov 09:00"], "capped"),
    ],
)  # fmt: skip
def test_series_phrases_expand_to_their_sends(text: str, described: str, first_sends: list[str], ends: str) -> None:
    rule, capped = _series(text)
    assert recurrence.describe(rule) == described
    sends = recurrence.occurrences(rule, "Asia/Kolkata", KOLKATA_NOW, len(first_sends))
    assert [f"{send:%a %d %b %H:%M}" for send in sends] == first_sends
    assert capped is (ends == "capped")
    if not capped:
        assert recurrence.ends(rule) == ends


def test_a_series_without_end_stops_after_the_longest_allowed() -> None:
    rule, capped = _series("every day at 9am", days=30)
    assert capped and recurrence.ends(rule) == "on Fri 25 Dec 2026, after 30 times"
    assert recurrence.last(rule, "Asia/Kolkata") == datetime(2026, 12, 25, 9, 0, tzinfo=IST)


def test_each_send_keeps_its_wall_clock_time_across_daylight_saving() -> None:
    now = datetime(2026, 10, 20, tzinfo=UTC)
    rule, _ = _series("every sunday 9am", "America/New_York", now)
    sends = recurrence.occurrences(rule, "America/New_York", now, 3)
    assert [send.astimezone(UTC).hour for send in sends] == [13, 14, 14]  # EDT, then EST from 1 Nov
    assert all(send.hour == 9 for send in sends)


def test_the_first_send_is_at_least_fifteen_minutes_ahead() -> None:
    rule, _ = _series("daily at 12:40")  # 10 minutes from now: tomorrow is the first
    assert recurrence.first(rule, "Asia/Kolkata") == datetime(2026, 11, 26, 12, 40, tzinfo=IST)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("every blursday 9am", "not a series the app understands"),
        ("every monday", "Say at what time"),
        ("every day 25:00", "not a time of day"),
        ("on the 32nd of every month at 9am", "no day 32"),
        ("daily 9am until today", "ends before its first time"),
        # an interval of 0 would make the rule loop for ever before the ack: refused before any rule is built
        ("every 0 days at 1am", "every 1 to 366 days"),
        ("every 000 days at 1am for 5 times", "every 1 to 366 days"),
        ("every 0 weeks on friday 5pm", "every 1 to 52 weeks"),
        ("every 0 weeks on friday at 5pm for 3 times", "every 1 to 52 weeks"),
        ("every 367 days at 9am", "every 1 to 366 days"),
        ("every 99999999999999999999 days at 9am", "not a series the app understands"),
    ],
)
def test_series_that_cannot_be_read_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(TimeParseError, match=says):
        _series(text)


def test_quiet_hours_check_each_zones_send_at_its_own_time() -> None:
    both = QuietHours(*parse_hours("09:00-21:00"), ("IN", "US"))
    india, los_angeles = datetime(2026, 11, 26, 9, 0, tzinfo=IST), datetime(2026, 11, 26, 9, 0, tzinfo=LA)
    parts = (("Asia/Calcutta", india, ("+919876543210",)), ("America/Los_Angeles", los_angeles, ("+14155550100",)))
    request = replace(_request("+919876543210", "+14155550100"), send_at=india, parts=parts)
    assert both.refusal(request, india) is None, "09:00 in each zone, though never both at once"
    night = (parts[0], ("America/Los_Angeles", los_angeles.replace(hour=22), ("+14155550100",)))
    refusal = both.refusal(replace(request, parts=night), india)
    assert refusal is not None and "US" in refusal.message and "22:00 PST" in refusal.message
