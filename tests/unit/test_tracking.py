"""Delivery tracking: polls due records, takes callbacks, never moves a status backwards, tells once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import fakeredis

from bot.core.delivery import Report
from bot.core.history import History, MessageState, SmsRecord
from bot.core.tracking import DeliveryTracker
from tests.unit.kaleyra_double import KaleyraDouble

Told = list[tuple[str, list[Report]]]


def record(record_id: str = "rec-0123456789") -> SmsRecord:
    now = datetime.now(UTC)
    return SmsRecord(
        id=record_id, user_id="U1", channel_id="C1", tz="Asia/Kolkata", route="TXN",
        send_at=(now + timedelta(hours=1)).isoformat(), created_at=now.isoformat(), body_digest="d",
        batch_ids=["b1"], messages={"b1:1": MessageState("+919876543210"), "b1:2": MessageState("+919876543211")},
    )  # fmt: skip


def tracker(kaleyra: KaleyraDouble, told: Told, max_checks: int = 3) -> tuple[DeliveryTracker, History]:
    history = History(fakeredis.FakeAsyncRedis(decode_responses=True), retention_days=90, claim_seconds=60)

    async def notify(sms: SmsRecord, changed: list[Report]) -> None:
        told.append((sms.id, changed))

    return DeliveryTracker(history, kaleyra.client(), notify, first_check_seconds=60, max_checks=max_checks), history


def test_a_due_record_is_polled_and_the_change_told_once() -> None:
    kaleyra = KaleyraDouble(statuses={"b1:1": {"status": "DELIVERED"}})
    told: Told = []

    async def scenario() -> None:
        tracking, history = tracker(kaleyra, told)
        await history.record(record(), datetime.now(UTC) - timedelta(seconds=1))
        assert await tracking.run_once() == 1
        assert await tracking.run_once() == 0, "rescheduled for later, not checked again at once"
        stored = await history.get("rec-0123456789")
        assert stored is not None and stored.messages["b1:1"].status == "Delivered" and stored.checks == 1

    asyncio.run(scenario())
    assert [(record_id, [r.status for r in changed]) for record_id, changed in told] == [
        ("rec-0123456789", ["Delivered"])
    ]


def test_callbacks_never_go_backwards_and_unknown_ids_are_not_recorded() -> None:
    told: Told = []

    async def scenario() -> None:
        tracking, history = tracker(KaleyraDouble(), told)
        await history.record(record(), datetime.now(UTC) + timedelta(minutes=5))
        assert await tracking.receive(Report("b1:1", "Delivered"))
        assert await tracking.receive(Report("b1:1", "Sent"))
        assert not await tracking.receive(Report("nobody", "Delivered"))
        stored = await history.get("rec-0123456789")
        assert stored is not None and stored.messages["b1:1"].status == "Delivered"

    asyncio.run(scenario())
    assert len(told) == 1


def test_polling_stops_when_every_message_is_final() -> None:
    kaleyra = KaleyraDouble(statuses={"b1:1": {"status": "DELIVERED"}, "b1:2": {"status": "UNDELIVERED"}})

    async def scenario() -> None:
        tracking, history = tracker(kaleyra, [])
        await history.record(record(), datetime.now(UTC) - timedelta(seconds=1))
        await tracking.run_once()
        assert await history.due(datetime.now(UTC) + timedelta(days=1), 10) == []

    asyncio.run(scenario())


def test_polling_gives_up_after_the_limit_when_kaleyra_cannot_say() -> None:
    async def scenario() -> None:
        tracking, history = tracker(KaleyraDouble(status_api_down=True), [], max_checks=1)
        await history.record(record(), datetime.now(UTC) - timedelta(seconds=1))
        assert await tracking.run_once() == 1
        assert await history.due(datetime.now(UTC) + timedelta(days=1), 10) == []

    asyncio.run(scenario())
