"""The rules of holding, without sockets: the hand-off decision by time, quiet hours, and the shared queue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import fakeredis
import pytest

from bot.core.holding import Step, decide
from bot.core.jobs import CHECK, HANDOFF, JobQueue, JobRunner
from bot.core.quiet_hours import QuietHours, parse_hours
from bot.core.validation import ScheduleRequest

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATE = timedelta(minutes=10)
IST = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    ("send_in", "step"),
    [
        (timedelta(minutes=60), Step.SCHEDULE),
        (timedelta(minutes=16), Step.SCHEDULE),  # the usual hand-off, a few seconds late or not
        (timedelta(minutes=15, seconds=30), Step.SCHEDULE),
        (timedelta(minutes=15, seconds=29), Step.WAIT),  # too close for Kaleyra's scheduler: the app sends at T
        (timedelta(seconds=1), Step.WAIT),
        (timedelta(0), Step.SEND_NOW),
        (-timedelta(minutes=10), Step.SEND_NOW),  # the app was down: a little late, said so
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


# --- the shared queue (fakeredis runs its Lua scripts) -------------------------------------------


def test_a_due_job_is_claimed_once_however_many_try() -> None:
    async def scenario() -> None:
        queue = JobQueue(fakeredis.FakeAsyncRedis(decode_responses=True))
        await queue.put(HANDOFF, "a", NOW)
        claims = await asyncio.gather(*(queue.claim("handoff:a", f"t{i}", NOW, 30) for i in range(20)))
        assert claims.count(True) == 1
        assert await queue.due(NOW, 10) == [], "a claimed job is not due until its lease runs out"
        assert await queue.due(NOW + timedelta(seconds=31), 10) == ["handoff:a"]

    asyncio.run(scenario())


def test_a_claim_checks_the_due_time_so_an_old_list_cannot_run_a_job_twice() -> None:
    async def scenario() -> None:
        queue = JobQueue(fakeredis.FakeAsyncRedis(decode_responses=True))
        await queue.put(CHECK, "r", NOW)
        stale = await queue.due(NOW, 10)  # another instance read the list...
        assert await queue.claim("check:r", "first", NOW, 30)
        assert await queue.finish("check:r", "first", NOW + timedelta(minutes=5))  # ...checked and rescheduled
        assert stale == ["check:r"] and not await queue.claim("check:r", "second", NOW, 30)

    asyncio.run(scenario())


def test_only_the_owner_token_finishes_or_extends_a_job() -> None:
    async def scenario() -> None:
        queue = JobQueue(fakeredis.FakeAsyncRedis(decode_responses=True))
        await queue.put(HANDOFF, "a", NOW)
        assert await queue.claim("handoff:a", "crashed", NOW, 30)
        later = NOW + timedelta(seconds=31)  # its lease ran out; another instance takes the job
        assert await queue.claim("handoff:a", "alive", later, 30)
        assert not await queue.finish("handoff:a", "crashed", None)
        assert not await queue.extend("handoff:a", "crashed", later + timedelta(hours=1))
        assert await queue.due_at(HANDOFF, "a") == later + timedelta(seconds=30)
        assert await queue.finish("handoff:a", "alive", None)
        assert await queue.due_at(HANDOFF, "a") is None

    asyncio.run(scenario())


def test_the_runner_runs_due_jobs_reschedules_and_retries_failures() -> None:
    async def scenario() -> None:
        queue = JobQueue(fakeredis.FakeAsyncRedis(decode_responses=True))
        ran: list[str] = []

        async def check(job_id: str) -> datetime | None:
            ran.append(job_id)
            return NOW + timedelta(minutes=1) if job_id == "again" else None

        async def broken(job_id: str) -> datetime | None:
            raise RuntimeError("Kaleyra's answer could not be read")

        runner = JobRunner(queue, {CHECK: check, HANDOFF: broken}, poll_seconds=1, lease_seconds=5, clock=lambda: NOW)
        for job_id in ("done", "again"):
            await queue.put(CHECK, job_id, NOW)
        await queue.put(CHECK, "later", NOW + timedelta(seconds=1))
        await queue.put(HANDOFF, "x", NOW)
        assert await runner.run_once() == 3
        assert sorted(ran) == ["again", "done"]
        assert await queue.due_at(CHECK, "done") is None
        assert await queue.due_at(CHECK, "again") == NOW + timedelta(minutes=1)
        assert await queue.due_at(HANDOFF, "x") == NOW + timedelta(seconds=5), "a failed job comes back after its lease"

    asyncio.run(scenario())
