"""Delivery tracking: checks run as jobs on the shared queue (those run together sharing Kaleyra's requests),
callbacks, never backwards, told once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import fakeredis

from bot.core import keys
from bot.core.clock import SystemClock
from bot.core.delivery import Report
from bot.core.jobs import CHECK, JobQueue, JobRunner
from bot.core.records import MessageState, SmsRecord
from bot.core.status_reads import StatusReads
from bot.core.store import ABSENT, Commit, Store
from bot.core.tracking import DeliveryTracker
from tests.unit.kaleyra_double import KaleyraDouble

Told = list[tuple[str, list[Report]]]


def record(record_id: str = "rec-0123456789", batch: str = "b1") -> SmsRecord:
    now = datetime.now(UTC)
    messages = {f"{batch}:1": MessageState("+919876543210"), f"{batch}:2": MessageState("+919876543211")}
    return SmsRecord(
        id=record_id, user_id="U1", channel_id="C1", tz="Asia/Kolkata", route="TXN",
        send_at=(now + timedelta(hours=1)).isoformat(), created_at=now.isoformat(), body_digest="d",
        batch_ids=[batch], messages=messages,
    )  # fmt: skip


class History:
    """Records kept as the outbox keeps them, with their first status check."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def record(self, sms: SmsRecord, first_check_at: datetime) -> None:
        commit = Commit(keys.bucket_of(sms.id))
        self._store.put_record(commit, sms, ABSENT)
        commit.add_job(CHECK, sms.id, first_check_at)
        assert await self._store.apply(commit)
        await self._store.index(sms)

    async def get(self, record_id: str) -> SmsRecord | None:
        return await self._store.get(record_id)


def tracker(
    kaleyra: KaleyraDouble, told: Told, max_checks: int = 3, *, ids_a_get: int | None = None
) -> tuple[DeliveryTracker, JobRunner, History, JobQueue]:
    """The tracker's status checks run by a job runner on an in-memory Redis. With `ids_a_get`, a status GET
    goes once it holds that many ids and never on a timer, so which checks share one is not left to the
    machine's speed."""
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    jobs, clock = JobQueue(redis), SystemClock()
    store = Store(redis, clock, retention_days=90)

    async def notify(sms: SmsRecord, changed: list[Report]) -> None:
        told.append((sms.id, changed))

    client = kaleyra.client()
    reads = StatusReads(client, window_seconds=3600, per_request=ids_a_get) if ids_a_get else StatusReads(client)
    tracking = DeliveryTracker(store, reads, notify, clock, first_check_seconds=60, max_checks=max_checks)
    runner = JobRunner(jobs, {CHECK: tracking.check}, clock, poll_seconds=1, lease_seconds=60)
    return tracking, runner, History(store), jobs


def test_a_due_record_is_polled_and_the_change_told_once() -> None:
    kaleyra = KaleyraDouble(statuses={"b1:1": {"status": "DELIVERED"}})
    told: Told = []

    async def scenario() -> None:
        _, checks, history, _ = tracker(kaleyra, told)
        await history.record(record(), datetime.now(UTC) - timedelta(seconds=1))
        assert await checks.run_due() == 1
        assert await checks.run_due() == 0, "rescheduled for later, not checked again at once"
        stored = await history.get("rec-0123456789")
        assert stored is not None and stored.messages["b1:1"].status == "Delivered" and stored.checks == 1

    asyncio.run(scenario())
    assert [(record_id, [r.status for r in changed]) for record_id, changed in told] == [
        ("rec-0123456789", ["Delivered"])
    ]


def test_callbacks_never_go_backwards_and_unknown_ids_are_not_recorded() -> None:
    told: Told = []

    async def scenario() -> None:
        tracking, _, history, jobs = tracker(KaleyraDouble(), told)
        await history.record(record(), datetime.now(UTC) + timedelta(minutes=5))
        assert await tracking.receive(Report("b1:1", "Delivered"))
        assert await tracking.receive(Report("b1:1", "Sent"))
        assert not await tracking.receive(Report("nobody", "Delivered"))
        stored = await history.get("rec-0123456789")
        assert stored is not None and stored.messages["b1:1"].status == "Delivered"
        assert await jobs.due_at(CHECK, "rec-0123456789") is not None, "b1:2 is still open: checks go on"
        assert await tracking.receive(Report("b1:2", "UnDelivered"))
        assert await jobs.due_at(CHECK, "rec-0123456789") is None, "every message final: no more checks"

    asyncio.run(scenario())
    assert len(told) == 2


def test_records_checked_together_share_one_request_and_each_keeps_its_own_statuses() -> None:
    kaleyra = KaleyraDouble(statuses={"b0:1": {"status": "DELIVERED"}, "b1:2": {"status": "UNDELIVERED"}})

    async def scenario() -> dict[str, dict[str, str]]:
        _, checks, history, _ = tracker(kaleyra, [], ids_a_get=6)
        for n in range(3):
            await history.record(record(f"rec-{n}", f"b{n}"), datetime.now(UTC) - timedelta(seconds=1))
        assert await checks.run_due() == 3
        stored = [await history.get(f"rec-{n}") for n in range(3)]
        return {sms.id: {mid: state.status for mid, state in sms.messages.items()} for sms in stored if sms}

    statuses = asyncio.run(scenario())
    [request] = kaleyra.requests
    assert sorted(request.url.params["message_ids"].split(",")) == [f"b{n}:{i}" for n in range(3) for i in (1, 2)]
    assert statuses == {
        "rec-0": {"b0:1": "Delivered", "b0:2": "Scheduled"},
        "rec-1": {"b1:1": "Scheduled", "b1:2": "UnDelivered"},
        "rec-2": {"b2:1": "Scheduled", "b2:2": "Scheduled"},
    }


def test_polling_stops_when_every_message_is_final() -> None:
    kaleyra = KaleyraDouble(statuses={"b1:1": {"status": "DELIVERED"}, "b1:2": {"status": "UNDELIVERED"}})

    async def scenario() -> None:
        _, checks, history, jobs = tracker(kaleyra, [])
        await history.record(record(), datetime.now(UTC) - timedelta(seconds=1))
        await checks.run_due()
        assert await jobs.due_at(CHECK, "rec-0123456789") is None

    asyncio.run(scenario())


def test_polling_gives_up_after_the_limit_when_kaleyra_cannot_say() -> None:
    async def scenario() -> None:
        _, checks, history, jobs = tracker(KaleyraDouble(status_api_down=True), [], max_checks=1)
        await history.record(record(), datetime.now(UTC) - timedelta(seconds=1))
        assert await checks.run_due() == 1
        assert await jobs.due_at(CHECK, "rec-0123456789") is None

    asyncio.run(scenario())
