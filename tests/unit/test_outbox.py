"""The outbox without sockets: one state machine from Confirm to Kaleyra, one send per SMS whatever the
clicks, hand-offs and instances, and every refusal leaving the SMS as it was."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from bot.core import keys
from bot.core.jobs import CHECK, HANDOFF
from bot.core.outcomes import Act, Result
from bot.core.records import Attempt, State
from bot.core.refusals import Reason
from bot.core.store import Commit
from tests.unit.kaleyra_double import accepted
from tests.unit.world import HANDOFF_MINUTES, NOW, World, request, run

IST_NIGHT = datetime.fromisoformat("2026-11-25T22:00:00+05:30")


def test_confirm_of_a_near_send_keeps_a_record_and_sends_it_once() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(minutes=30)))
        first = await world.outbox.confirm(pending_id, "U1")
        again = await world.outbox.confirm(pending_id, "U1")
        assert first.result is Result.DONE and first.record is not None and first.record.phase is State.HANDED_OFF
        assert again.result is Result.TOO_LATE and again.record is not None and again.record.batch_ids == ["batch-1"]
        assert len(world.kaleyra.sent) == 1 and world.kaleyra.sent[0]["time"].endswith("+00:00")
        assert await world.pending.get(pending_id) is None
        assert await world.due(HANDOFF, pending_id) is None, "no watch is left once the send is settled"
        assert await world.due(CHECK, pending_id) == NOW + timedelta(minutes=30, seconds=120)
        records, _ = await world.store.recent("U1", 0, 10)
        assert [record.id for record in records] == [pending_id]
        team, _ = await world.store.recent(None, 0, 10)
        assert [record.id for record in team] == [pending_id]

    run(scenario)


def test_concurrent_confirms_keep_and_send_once() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(None))
        outcomes = await asyncio.gather(*(world.outbox.confirm(pending_id, "U1") for _ in range(10)))
        assert [outcome.result for outcome in outcomes].count(Result.DONE) == 1
        assert len(world.kaleyra.sent) == 1 and "time" not in world.kaleyra.sent[0]

    run(scenario)


def test_someone_elses_confirm_is_refused_and_keeps_the_request() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer()
        assert (await world.outbox.confirm(pending_id, "U2")).result is Result.NOT_YOURS
        assert world.kaleyra.sent == [] and await world.pending.get(pending_id) is not None

    run(scenario)


def test_a_time_that_became_too_soon_is_refused_and_the_request_kept() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(minutes=16)))
        world.clock.advance(timedelta(minutes=2))
        refused = await world.outbox.confirm(pending_id, "U1")
        assert refused.result is Result.REFUSED and refused.refusal is not None
        assert refused.refusal.reason is Reason.TOO_SOON and refused.pending_id == pending_id
        assert world.kaleyra.sent == [] and await world.store.get(pending_id) is None
        assert await world.pending.get(pending_id) is not None, "Edit and Cancel still work on it"

    run(scenario)


def test_a_limit_refuses_before_anything_is_kept() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(recipients=2))
        refused = await world.outbox.confirm(pending_id, "U1")
        assert refused.refusal is not None and refused.refusal.reason is Reason.OVER_LIMIT
        assert world.kaleyra.sent == [] and await world.store.get(pending_id) is None

    run(scenario, World(per_day=1))


def test_a_refused_send_is_failed_and_try_again_sends_it_for_its_time() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [lambda _: httpx.Response(400, json={"code": "E402", "message": "bad time"})]
        pending_id = await world.offer(request(timedelta(minutes=40)))
        failed = await world.outbox.confirm(pending_id, "U1")
        assert failed.record is not None and failed.record.phase is State.FAILED and "E402" in failed.record.note
        again = await world.outbox.send_now(pending_id, "U1", Act.RETRY)
        assert again.record is not None and again.record.phase is State.HANDED_OFF
        assert [sent.get("time") for sent in world.kaleyra.sent] == [world.kaleyra.sent[0]["time"]] * 2

    run(scenario)


def test_an_uncertain_send_is_sent_again_only_by_the_owners_explicit_choice() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [lambda _: (_ for _ in ()).throw(httpx.ReadTimeout("slow"))]
        pending_id = await world.offer(request(None))
        unknown = await world.outbox.confirm(pending_id, "U1")
        assert unknown.record is not None and unknown.record.phase is State.UNCERTAIN
        assert (await world.outbox.send_now(pending_id, "U1")).result is Result.TOO_LATE
        assert (await world.outbox.cancel(pending_id, "U1")).result is Result.TOO_LATE
        assert len(world.kaleyra.sent) == 1
        again = await world.outbox.send_now(pending_id, "U1", Act.SEND_AGAIN)
        assert again.record is not None and again.record.phase is State.SENT and again.record.sends == 2
        assert len(world.kaleyra.sent) == 2 and await world.due(CHECK, pending_id) is not None

    run(scenario)


def test_over_100_recipients_go_in_requests_of_100_and_stop_at_a_failure() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [accepted, lambda _: httpx.Response(400, json={"code": "E400", "message": "no"})]
        pending_id = await world.offer(request(None, recipients=250))
        partial = await world.outbox.confirm(pending_id, "U1")
        assert [len(sent["to"].split(",")) for sent in world.kaleyra.sent] == [100, 100]
        record = partial.record
        assert record is not None and record.phase is State.SENT and len(record.messages) == 100
        assert partial.report is not None and partial.report.skipped == 50 and "E400" in record.note

    run(scenario)


def test_cancel_or_edit_wins_only_before_confirm_and_is_then_remembered() -> None:
    async def scenario(world: World) -> None:
        cancelled = await world.offer()
        assert (await world.outbox.withdraw(cancelled, "U1", Act.CANCEL)).result is Result.DONE
        late = await world.outbox.confirm(cancelled, "U1")
        assert late.result is Result.TOO_LATE and late.record is not None and late.record.withdrawn
        confirmed = await world.offer()
        await world.outbox.confirm(confirmed, "U1")
        edit = await world.outbox.withdraw(confirmed, "U1", Act.WITHDRAW_FOR_EDIT)
        assert edit.result is Result.TOO_LATE and edit.record is not None and edit.record.phase is State.HELD
        assert world.kaleyra.sent == []
        records, _ = await world.store.recent("U1", 0, 10)
        assert [record.id for record in records] == [confirmed], "a request withdrawn before Confirm is no SMS"

    run(scenario)


def test_a_far_send_is_held_and_handed_off_at_its_time() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=5)))
        held = await world.outbox.confirm(pending_id, "U1")
        assert held.record is not None and held.record.phase is State.HELD and world.kaleyra.sent == []
        assert await world.due(HANDOFF, pending_id) == NOW + timedelta(hours=5, minutes=-HANDOFF_MINUTES)
        assert await world.advance(timedelta(hours=4, minutes=-1)) == 0
        assert await world.advance(timedelta(minutes=1)) == 1
        assert (await world.record(pending_id)).phase is State.HANDED_OFF
        assert world.kaleyra.sent[0]["time"] == (NOW + timedelta(hours=5)).isoformat()
        [told] = world.told
        assert told.act is Act.HANDOFF and told.record is not None and told.record.phase is State.HANDED_OFF

    run(scenario)


def test_one_sms_per_zone_is_held_each_at_its_own_time_and_once() -> None:
    async def scenario(world: World) -> None:
        india, america = NOW + timedelta(hours=3), NOW + timedelta(hours=14)
        parts = (("Asia/Kolkata", india, ("+919876500000",)), ("America/Los_Angeles", america, ("+14155550100",)))
        pending_id = await world.offer(request(timedelta(hours=3), recipients=1, parts=parts))
        outcomes = await asyncio.gather(world.outbox.confirm(pending_id, "U1"), world.outbox.confirm(pending_id, "U1"))
        [done] = [outcome for outcome in outcomes if outcome.result is Result.DONE]
        assert [record.id for record in done.records] == [f"{pending_id}-z1", f"{pending_id}-z2"]
        assert [record.zone for record in done.records] == ["Asia/Kolkata", "America/Los_Angeles"]
        await world.advance(india - NOW - timedelta(minutes=HANDOFF_MINUTES))
        await world.advance(america - india)
        assert sorted(sent["time"] for sent in world.kaleyra.sent) == [india.isoformat(), america.isoformat()]

    run(scenario)


def test_an_edit_replaces_its_original_in_one_step() -> None:
    async def scenario(world: World) -> None:
        original = await world.offer(request(timedelta(hours=5)))
        await world.outbox.confirm(original, "U1")
        edit = await world.offer(request(timedelta(hours=6), body="Edited"), replaces=original)
        assert keys.bucket_of(edit) == keys.bucket_of(original), "an edit lives beside its original"
        confirmed = await world.outbox.confirm(edit, "U1")
        assert confirmed.result is Result.DONE and confirmed.original is not None
        replaced = await world.record(original)
        assert replaced.phase is State.REPLACED and replaced.note == edit and replaced.request is None
        assert await world.due(HANDOFF, original) is None and await world.due(HANDOFF, edit) is not None
        await world.advance(timedelta(hours=6))
        assert [sent["body"] for sent in world.kaleyra.sent] == ["Edited"]

    run(scenario)


def test_a_refused_edit_leaves_its_original_held() -> None:
    async def scenario(world: World) -> None:
        original = await world.offer(request(timedelta(hours=5)))
        await world.outbox.confirm(original, "U1")
        edit = await world.offer(request(timedelta(minutes=16)), replaces=original)
        world.clock.advance(timedelta(minutes=2))
        refused = await world.outbox.confirm(edit, "U1")
        assert refused.result is Result.REFUSED and refused.pending is not None and refused.pending.replaces
        assert (await world.record(original)).phase is State.HELD and await world.due(HANDOFF, original)

    run(scenario)


def test_an_edit_of_an_sms_no_longer_held_is_refused_with_where_it_is() -> None:
    async def scenario(world: World) -> None:
        original = await world.offer(request(timedelta(hours=5)))
        await world.outbox.confirm(original, "U1")
        edit = await world.offer(request(timedelta(hours=6)), replaces=original)
        await world.outbox.cancel(original, "U2")  # not theirs: nothing happens
        await world.outbox.cancel(original, "U1")
        refused = await world.outbox.confirm(edit, "U1")
        assert refused.refusal is not None and refused.refusal.reason is Reason.ORIGINAL_GONE
        assert refused.original is not None and refused.original.phase is State.CANCELLED
        assert await world.store.get(edit) is None and world.kaleyra.sent == []

    run(scenario)


def test_a_refused_send_now_leaves_the_sms_held_with_its_hand_off() -> None:
    async def scenario(world: World) -> None:
        world.clock.advance(IST_NIGHT - NOW)
        pending_id = await world.offer(request(IST_NIGHT - NOW + timedelta(hours=14), route="MKT"))  # 12:00 in India
        await world.outbox.confirm(pending_id, "U1")
        refused = await world.outbox.send_now(pending_id, "U1")
        assert refused.result is Result.REFUSED and refused.refusal is not None
        assert refused.refusal.reason is Reason.QUIET_HOURS
        assert (await world.record(pending_id)).phase is State.HELD and await world.due(HANDOFF, pending_id)
        await world.advance(timedelta(hours=14, minutes=-HANDOFF_MINUTES))
        assert len(world.kaleyra.sent) == 1 and "time" in world.kaleyra.sent[0]

    run(scenario, World(quiet="IN"))


def test_send_now_and_the_hand_off_racing_send_once() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=2)))
        await world.outbox.confirm(pending_id, "U1")
        world.clock.advance(timedelta(hours=1))
        await asyncio.gather(world.outbox.send_now(pending_id, "U1"), world.jobs.run_due())
        assert len(world.kaleyra.sent) == 1
        assert not any(told.record and told.record.phase is State.UNCERTAIN for told in world.told)

    run(scenario)


async def _sending(world: World, pending_id: str, *, on_wire: bool, lease_end: datetime) -> None:
    """As if an instance had begun the send and then died."""
    record = await world.record(pending_id)
    attempt = Attempt("dead", lease_end.isoformat(), True, State.HELD, on_wire=on_wire)
    commit = Commit(keys.bucket_of(pending_id))
    world.store.put_record(commit, replace(record, state=State.SENDING, attempt=attempt), record.version)
    commit.add_job(HANDOFF, pending_id, lease_end)
    assert await world.store.apply(commit)


def test_a_send_under_way_is_watched_not_called_abandoned() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")
        await _sending(world, pending_id, on_wire=True, lease_end=NOW + timedelta(minutes=5))
        assert await world.outbox.hand_off(pending_id) == NOW + timedelta(minutes=5)
        assert (await world.outbox.cancel(pending_id, "U1")).result is Result.TOO_LATE
        assert world.told == [] and (await world.record(pending_id)).phase is State.SENDING

    run(scenario)


def test_an_abandoned_send_with_a_request_at_kaleyra_is_unknown_and_told_once() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")
        await _sending(world, pending_id, on_wire=True, lease_end=NOW + timedelta(minutes=5))
        await world.advance(timedelta(minutes=6))
        await world.advance(timedelta(hours=5))
        [told] = world.told
        assert told.record is not None and told.record.phase is State.UNCERTAIN and world.kaleyra.sent == []

    run(scenario)


def test_an_abandoned_send_with_nothing_at_kaleyra_goes_back_to_held() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")
        await _sending(world, pending_id, on_wire=False, lease_end=NOW + timedelta(minutes=5))
        await world.advance(timedelta(minutes=6))
        record = await world.record(pending_id)
        assert record.phase is State.HELD and world.told == []
        assert await world.due(HANDOFF, pending_id) == NOW + timedelta(hours=2), "back to its own hand-off"
        assert (await world.outbox.cancel(pending_id, "U1")).result is Result.DONE

    run(scenario)


def test_a_series_holds_its_sends_in_turn_and_stop_cancels_the_held_one() -> None:
    async def scenario(world: World) -> None:
        rule = "DTSTART:20261125T140000\nRRULE:FREQ=DAILY;COUNT=5"
        first_at = datetime.fromisoformat("2026-11-25T14:00:00+05:30")
        pending_id = await world.offer(request(first_at - NOW, repeat=rule))
        held = await world.outbox.confirm(pending_id, "U1")
        assert held.record is not None and held.record.id == f"{pending_id}-1"
        await world.advance(timedelta(hours=1))
        assert (await world.record(f"{pending_id}-1")).phase is State.HANDED_OFF
        assert (await world.record(f"{pending_id}-2")).phase is State.HELD
        stopped = await world.outbox.stop(f"{pending_id}-1", "U1")
        assert stopped.result is Result.DONE and [record.id for record in stopped.stopped] == [f"{pending_id}-2"]
        assert (await world.outbox.stop(f"{pending_id}-2", "U1")).result is Result.TOO_LATE
        await world.advance(timedelta(days=6))
        assert len(world.kaleyra.sent) == 1 and await world.store.get(f"{pending_id}-3") is None

    run(scenario)


def test_an_owner_who_may_no_longer_send_sends_nothing_more() -> None:
    async def scenario(world: World) -> None:
        rule = "DTSTART:20261125T140000\nRRULE:FREQ=DAILY;COUNT=5"
        first_at = datetime.fromisoformat("2026-11-25T14:00:00+05:30")
        series = await world.offer(request(first_at - NOW, repeat=rule))
        single = await world.offer(request(timedelta(hours=3)))
        for pending_id in (series, single):
            await world.outbox.confirm(pending_id, "U1")
        world.access.refused.add("U1")
        refused = await world.outbox.send_now(single, "U1")
        assert refused.refusal is not None and refused.refusal.reason is Reason.NOT_ALLOWED
        await world.advance(timedelta(hours=1))
        await world.advance(timedelta(hours=1))
        await world.advance(timedelta(days=6))
        assert world.kaleyra.sent == []
        assert sorted(told.record.id for told in world.told if told.record) == sorted([f"{series}-1", single])
        assert await world.series.stopped(series) and await world.store.get(f"{series}-2") is None

    run(scenario)


def test_a_hand_off_that_keeps_failing_is_given_up_and_told() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")

        async def slack_is_down(user_id: str, channel_id: str) -> None:
            raise RuntimeError("Slack did not say who may send")

        world.access.refusal = slack_is_down  # type: ignore[method-assign,assignment]
        await world.advance(timedelta(hours=2))
        for _ in range(4):
            await world.advance(timedelta(seconds=40))
        [told] = world.told
        assert told.record is not None and told.record.phase is State.FAILED and "3 tries" in told.record.note
        assert await world.due(HANDOFF, pending_id) is None and world.kaleyra.sent == []

    run(scenario)


def test_a_commit_whose_reply_was_lost_is_recognised_as_applied() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")
        original = world.store.apply

        async def applied_but_answered_moved_on(commit: Commit, *, durable: bool = False) -> bool:
            await original(commit, durable=durable)  # the first try ran; its reply was lost, and the retry
            return False  # found it changed

        world.store.apply = applied_but_answered_moved_on  # type: ignore[method-assign]
        cancelled = await world.outbox.cancel(pending_id, "U1")
        assert cancelled.result is Result.DONE and (await world.record(pending_id)).phase is State.CANCELLED

    run(scenario)
