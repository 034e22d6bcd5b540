"""KALEYRA_DRY_RUN without sockets: Kaleyra's answers made up under the real client, statuses that move with
the clock, records marked as a dry run's, and an SMS only ever sent as it was confirmed."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.config import Settings
from bot.core.delivery import Report
from bot.core.kaleyra import KaleyraClient, Scheduled, SmsMessage
from bot.core.kaleyra_dry_run import DryRunTransport
from bot.core.records import SmsRecord, State
from bot.core.refusals import Reason
from bot.logs import secret_values
from bot.slack import blocks, wording
from tests.slack_models import validate_blocks
from tests.unit.kaleyra_double import ACCOUNT_URL, API_KEY
from tests.unit.world import NOW, FrozenClock, World, request, run

NUMBERS = ("+919876543210", "+919876543211")


def test_a_send_is_accepted_in_kaleyras_shape_and_its_statuses_move_with_the_clock() -> None:
    async def scenario() -> None:
        clock = FrozenClock()
        client = KaleyraClient(ACCOUNT_URL, API_KEY, transport=DryRunTransport(clock))
        assert client.dry_run and not KaleyraClient(ACCOUNT_URL, API_KEY).dry_run
        send_at = NOW + timedelta(hours=1)
        result = await client.send(SmsMessage(NUMBERS, "Hello", "TXN", "KLRHXA", send_at))
        assert isinstance(result, Scheduled) and result.batch_id.startswith("dry-run-")
        assert sorted(result.message_ids) == sorted(NUMBERS)
        ids = list(result.message_ids.values())
        assert all(message_id.startswith(result.batch_id) for message_id in ids)
        seen = []
        for later in (timedelta(minutes=59), timedelta(minutes=60), timedelta(minutes=60, seconds=31)):
            clock.advance(NOW + later - clock.now())
            reports = await client.statuses(ids)
            assert sorted(report.message_id for report in reports) == sorted(ids)
            seen.append({report.status for report in reports})
        assert seen == [{"Scheduled"}, {"Sent"}, {"Delivered"}]
        await client.aclose()

    asyncio.run(scenario())


def test_a_send_now_is_sent_at_once_and_ids_of_others_are_not_answered() -> None:
    async def scenario() -> None:
        clock = FrozenClock()
        client = KaleyraClient(ACCOUNT_URL, API_KEY, transport=DryRunTransport(clock))
        result = await client.send(SmsMessage(NUMBERS[:1], "Hello", "TXN", "KLRHXA"))
        assert isinstance(result, Scheduled)
        [message_id] = result.message_ids.values()
        assert [report.status for report in await client.statuses([message_id, "kaleyra-id:1"])] == ["Sent"]

    asyncio.run(scenario())


def test_a_dry_run_needs_no_kaleyra_account_and_its_key_is_never_found_in_a_log_line() -> None:
    common = {"slack_bot_token": "xoxb-1-abc", "slack_signing_secret": "s3cr3t", "kaleyra_sender": "KLRHXA"}
    settings = Settings(_env_file=None, kaleyra_dry_run=True, **common)  # type: ignore[call-arg]
    assert settings.kaleyra_sid == "dry-run"
    assert not any("dry-run-" in secret or secret in "dry-run-0bb1c4f4:1" for secret in secret_values(settings))
    with pytest.raises(ValueError, match="kaleyra_sid"):
        Settings(_env_file=None, **common)  # type: ignore[call-arg]


def test_every_sms_of_a_dry_run_is_marked_handed_off_with_made_up_ids_and_delivered() -> None:
    async def scenario(world: World) -> None:
        rule = "DTSTART:20261126T140000\nRRULE:FREQ=DAILY;COUNT=3"
        first_at = datetime.fromisoformat("2026-11-26T14:00:00+05:30")
        single = await world.offer(request(timedelta(hours=3)))
        series = await world.offer(request(first_at - NOW, repeat=rule))
        for pending_id in (single, series):
            assert (await world.outbox.confirm(pending_id, "U1")).records[0].dry_run
        await world.advance(timedelta(hours=2, seconds=1))
        handed = await world.record(single)
        assert handed.phase is State.HANDED_OFF and handed.batch_ids[0].startswith("dry-run-")
        await world.advance(timedelta(hours=1, minutes=3))
        assert (await world.record(single)).summary() == "1 Delivered"
        await world.advance(first_at - NOW - timedelta(hours=3, minutes=3))
        assert (await world.record(f"{series}-2")).dry_run, "a series confirmed in a dry run stays one"
        assert world.kaleyra.requests == []

    run(scenario, World(dry_run=True))


@pytest.mark.parametrize("confirmed_in_dry_run", [True, False])
def test_an_sms_is_only_sent_as_it_was_confirmed(confirmed_in_dry_run: bool) -> None:
    """The app restarted with KALEYRA_DRY_RUN changed: its hand-off refuses it and says why; a click too."""

    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")

        def confirmed_so(record: SmsRecord) -> bool:
            record.dry_run = confirmed_in_dry_run
            return True

        await world.store.annotate(pending_id, confirmed_so)
        clicked = await world.outbox.send_now(pending_id, "U1")
        assert clicked.refusal is not None and clicked.refusal.reason is Reason.DRY_RUN
        assert "goes at its time" not in wording.headline(clicked, world.clock.now()), "its hand-off refuses it too"
        assert (await world.record(pending_id)).phase is State.HELD, "a refused click changes nothing"
        await world.advance(timedelta(hours=2, seconds=1))
        [told] = world.told
        assert told.refusal is not None and told.refusal.reason is Reason.DRY_RUN
        assert told.record is not None and told.record.phase is State.REFUSED
        assert ("confirmed in a dry run" in told.refusal.message) is confirmed_in_dry_run
        assert world.kaleyra.requests == []

    run(scenario, World(dry_run=not confirmed_in_dry_run))


def test_every_message_about_a_dry_runs_sms_says_so_and_is_valid_block_kit() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        held = (await world.outbox.confirm(pending_id, "U1")).records[0]
        now = world.clock.now()
        confirmation = blocks.confirmation_blocks(pending_id, request(), "Asia/Kolkata", now, dry_run=True)
        outcome = blocks.held_outcome_blocks("Held", [held], now)
        post = blocks.record_post_blocks(held, now, masked=True)
        home = blocks.home_view([held], None, "Asia/Kolkata", now, masked=True, dry_run=True)
        for payload in (confirmation, outcome, post, home["blocks"]):
            validate_blocks(payload)
            assert wording.DRY_RUN in str(payload)
        assert wording.DRY_RUN_MARK in str(home)
        real = replace(held, dry_run=False)
        for payload in (
            blocks.confirmation_blocks(pending_id, request(), "Asia/Kolkata", now),
            blocks.held_outcome_blocks("Held", [real], now),
            blocks.record_post_blocks(real, now, masked=True),
        ):
            assert wording.DRY_RUN not in str(payload)

    run(scenario, World(dry_run=True))


def test_a_dry_runs_delivery_failures_say_so_too() -> None:
    [message] = blocks.failure_messages([Report("dry-run-1:1", "UnDelivered", "ABSENT-SUB", "+919876543210")],
                                        masked=True, dry_run=True)  # fmt: skip
    validate_blocks(message)
    assert wording.DRY_RUN in str(message)
