"""Confirm and Cancel in the outbox: one send per request, whatever the clicks; refusals release the claim."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import fakeredis
import httpx

from bot.core.history import History, SmsRecord
from bot.core.holding import Holding
from bot.core.jobs import HANDOFF, JobQueue
from bot.core.outbox import Outbox
from bot.core.pending import Claim, Pending, PendingStore
from bot.core.quiet_hours import QuietHours, parse_hours
from bot.core.quota import Quota
from bot.core.refusals import Reason
from bot.core.validation import ScheduleRequest
from tests.unit.kaleyra_double import KaleyraDouble, accepted

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def request(send_at: datetime | None = NOW + timedelta(hours=2), recipients: int = 1) -> ScheduleRequest:
    numbers = tuple(f"+9198765{i:05d}" for i in range(recipients))
    return ScheduleRequest(numbers, "Your appointment is at 4 PM", "TXN", "KLRHXA", send_at)


class World:
    """An outbox on an in-memory Redis and a scripted Kaleyra, with the clock at NOW."""

    def __init__(self, kaleyra: KaleyraDouble, *, per_minute: int = 0, per_day: int = 0) -> None:
        self.redis = redis = fakeredis.FakeAsyncRedis(decode_responses=True)
        self.kaleyra = kaleyra
        self.store = PendingStore(redis, ttl_seconds=600)
        self.history = History(redis, retention_days=90, jobs=JobQueue(redis))
        self.outbox = Outbox(
            self.store, kaleyra.client(), Quota(None, per_minute, per_day), self.history,
            first_check_seconds=120, keep_body=False, clock=lambda: NOW,
        )  # fmt: skip

    async def pending(self, scheduled: ScheduleRequest | None = None, user: str = "U1") -> str:
        return await self.store.put(Pending(scheduled or request(), user, "C1", "Asia/Kolkata"))


def run(scenario: Callable[[World], Awaitable[None]], kaleyra: KaleyraDouble | None = None, **limits: int) -> None:
    asyncio.run(scenario(World(kaleyra or KaleyraDouble(), **limits)))


def test_confirm_sends_once_and_records_the_history() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.pending()
        first = await world.outbox.confirm(pending_id, "U1")
        again = await world.outbox.confirm(pending_id, "U1")
        assert first.outcome == "scheduled" and first.report is not None
        assert again.outcome == "handled" and again.claim == Claim("sent", ("batch-1",))
        assert len(world.kaleyra.sent) == 1
        record = await world.history.get(pending_id)
        assert record is not None and record.batch_ids == ["batch-1"] and record.recipients == ["+919876500000"]

    run(scenario)


def test_concurrent_confirms_send_once() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.pending()
        outcomes = await asyncio.gather(*(world.outbox.confirm(pending_id, "U1") for _ in range(10)))
        assert sorted(o.outcome for o in outcomes).count("scheduled") == 1
        assert len(world.kaleyra.sent) == 1

    run(scenario)


def test_someone_elses_confirm_is_refused_and_sends_nothing() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.pending()
        assert (await world.outbox.confirm(pending_id, "U2")).outcome == "not_yours"
        assert (await world.outbox.cancel(pending_id, "U2")).outcome == "not_yours"
        assert world.kaleyra.sent == []

    run(scenario)


def test_a_time_that_became_too_soon_is_refused_and_can_be_retried() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.pending(request(NOW + timedelta(minutes=10)))
        outcome = await world.outbox.confirm(pending_id, "U1")
        assert outcome.outcome == "refused" and outcome.refusal is not None
        assert outcome.refusal.reason is Reason.TOO_SOON and "15 minutes" in outcome.refusal.message
        assert world.kaleyra.sent == [] and await world.store.claim_state(pending_id) is None

    run(scenario)


def test_a_limit_refuses_before_anything_is_sent() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.pending(request(recipients=3))
        outcome = await world.outbox.confirm(pending_id, "U1")
        assert outcome.refusal is not None and outcome.refusal.reason is Reason.OVER_LIMIT
        assert world.kaleyra.sent == []

    run(scenario, per_day=2)


def test_a_refused_send_releases_the_claim_for_another_try() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.pending()
        assert (await world.outbox.confirm(pending_id, "U1")).outcome == "failed"
        assert (await world.outbox.confirm(pending_id, "U1")).outcome == "scheduled"
        assert len(world.kaleyra.sent) == 2

    run(scenario, KaleyraDouble([lambda _: httpx.Response(400, json={"code": "E400", "message": "bad sender"})]))


def test_an_uncertain_send_is_never_confirmable_again() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    async def scenario(world: World) -> None:
        pending_id = await world.pending()
        assert (await world.outbox.confirm(pending_id, "U1")).outcome == "uncertain"
        assert (await world.outbox.confirm(pending_id, "U1")).outcome == "handled"
        assert len(world.kaleyra.sent) == 1

    run(scenario, KaleyraDouble([timeout]))


def test_over_100_recipients_go_in_requests_of_100_and_stop_at_a_failure() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.pending(request(recipients=250))
        outcome = await world.outbox.confirm(pending_id, "U1")
        assert outcome.outcome == "partial" and outcome.report is not None
        assert [len(batch) for batch, _ in outcome.report.parts] == [100, 100] and outcome.report.skipped == 50

    refusal = httpx.Response(400, json={"code": "E400", "message": "no"})
    run(scenario, KaleyraDouble([accepted, lambda _: refusal]))


def test_cancel_wins_only_before_confirm() -> None:
    async def scenario(world: World) -> None:
        cancelled, confirmed = await world.pending(), await world.pending()
        assert (await world.outbox.cancel(cancelled, "U1")).claim == Claim("cancelled")
        assert (await world.outbox.confirm(cancelled, "U1")).claim == Claim("cancelled")
        await world.outbox.confirm(confirmed, "U1")
        claim = (await world.outbox.cancel(confirmed, "U1")).claim
        assert claim is not None and claim.kind == "sent"
        assert len(world.kaleyra.sent) == 1

    run(scenario)


def test_one_sms_per_zone_is_held_each_at_its_own_time_once_even_after_a_failed_try() -> None:
    india, los_angeles = NOW + timedelta(hours=15), NOW + timedelta(hours=29)
    parts = (("Asia/Calcutta", india, ("+919876543210",)), ("America/Los_Angeles", los_angeles, ("+14155550100",)))
    per_zone = ScheduleRequest(("+919876543210", "+14155550100"), "Hi", "TXN", "KLRHXA", india, parts=parts)

    async def scenario(world: World) -> None:
        jobs = JobQueue(world.redis)
        holding = Holding(
            world.redis, world.history, jobs, world.kaleyra.client(), Quota(None, 0, 0), _ignore,
            handoff_minutes=60, late_minutes=10, quiet_hours=QuietHours(*parse_hours("09:00-21:00"), ()),
            admins=(), first_check_seconds=120, keep_body=False, clock=lambda: NOW,
        )  # fmt: skip
        outbox = Outbox(
            world.store, world.kaleyra.client(), Quota(None, 0, 0), world.history,
            first_check_seconds=120, keep_body=False, holder=holding, clock=lambda: NOW,
        )  # fmt: skip
        pending_id = await world.pending(per_zone)
        await holding.intercept(pending_id, Pending(per_zone, "U1", "C1", "Asia/Kolkata"))
        await jobs.discard(HANDOFF, f"{pending_id}-z1")  # as if a first try had failed before its hand-off job
        held = await outbox.confirm(pending_id, "U1")
        assert held.outcome == "held" and held.detail == f"{pending_id}-z1 {pending_id}-z2"
        for record_id, (_, send_at, numbers) in zip(held.detail.split(), parts, strict=True):
            record = await world.history.get(record_id)
            assert record is not None and record.send_time == send_at and tuple(record.recipients) == numbers
            assert await jobs.due_at(HANDOFF, record_id) == send_at - timedelta(minutes=60)
        assert world.kaleyra.sent == []

    run(scenario)


async def _ignore(record: SmsRecord, headline: str) -> None:
    """Hand-off news goes nowhere here."""
