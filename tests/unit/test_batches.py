"""The batch's rules without sockets: one Confirm holds every row as an SMS of its own, rows with the same text
and time go to Kaleyra together (each settled by its own number), cancelling the batch stops every row it can
and names the rest, limits count every row at Confirm, and a Confirm interrupted between its steps is finished
by its watch."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core import keys
from bot.core.batches import BATCH, Phase, Plan, row_id
from bot.core.jobs import GROUP, HANDOFF
from bot.core.outcomes import Act, Result
from bot.core.pending import Pending
from bot.core.recipient_rows import GoodRow
from bot.core.records import Attempt, Change, Event, State
from bot.core.refusals import Reason
from bot.core.store import Commit
from bot.core.validation import ScheduleRequest
from tests.unit.kaleyra_double import accepted
from tests.unit.world import HANDOFF_MINUTES, LEASE, NOW, World, request, run

ENVELOPE = ScheduleRequest((), "", "TXN", "KLRHXA", None, "1107161234567890123")
IN_TWO_HOURS = NOW + timedelta(hours=2)
LEAD = timedelta(minutes=HANDOFF_MINUTES)


def rows(count: int, *, body: str | None = None, at: datetime = IN_TWO_HOURS) -> list[GoodRow]:
    """`count` rows: the same text and time when `body` is given, else each its own text."""
    return [
        GoodRow(line, f"+9198765{line:05d}", body or f"Hi Name{line}, your appointment is at 4 PM.", at, 1)
        for line in range(2, count + 2)
    ]


async def offer(world: World, good: Sequence[GoodRow], user: str = "U1") -> str:
    """A batch kept for Confirm, as the Slack adapter keeps one; its request's id."""
    times = sorted({row.send_at for row in good if row.send_at})
    plan = Plan("clinic.csv", len(good), len(times), sum(row.segments for row in good),
                times[0].isoformat() if times else None, times[-1].isoformat() if times else None)  # fmt: skip
    pending = Pending(ENVELOPE, user, "C1", "Asia/Kolkata", batch=plan.to_dict())
    return await world.batches.offer(pending, good, timedelta(minutes=10))


async def confirmed(world: World, good: Sequence[GoodRow]) -> str:
    pending_id = await offer(world, good)
    outcome = await world.outbox.confirm(pending_id, "U1")
    assert outcome.result is Result.DONE and outcome.batch is not None
    return outcome.batch.id


async def to_handoff(world: World, at: datetime = IN_TWO_HOURS) -> None:
    """The clock moved just past the hand-off of rows due `at`, then on past their rows' own jobs."""
    await world.advance(at - LEAD - world.clock.now() + timedelta(seconds=1))
    await world.advance(timedelta(seconds=LEASE + 1))


def test_confirm_holds_every_row_as_an_sms_of_its_own_in_every_bucket_once() -> None:
    async def scenario(world: World) -> None:
        pending_id = await offer(world, rows(40))
        outcomes = await asyncio.gather(*(world.outbox.confirm(pending_id, "U1") for _ in range(5)))
        assert [outcome.result for outcome in outcomes].count(Result.DONE) == 1, "one Confirm wins"
        batch = await world.batches.get(pending_id)
        assert batch is not None and batch.phase == Phase.OPEN and batch.rows == 40
        held = await world.store.get_many(batch.row_ids)
        assert len(held) == 40 and {record.phase for record in held} == {State.HELD}
        assert [record.line for record in held] == list(range(2, 42)) and {r.batch for r in held} == {batch.id}
        assert len({keys.bucket_of(record.id) for record in held}) > 8, "a big batch spreads over the buckets"
        assert (await world.batches.counts([batch.id]))[batch.id] == {"held": 40}
        assert await world.due(HANDOFF, held[0].id) == IN_TWO_HOURS - LEAD
        assert await world.store.redis.get(keys.of(pending_id, "rows")) is None, "the rows are kept once held"
        again = await world.outbox.confirm(pending_id, "U1")
        assert again.result is Result.TOO_LATE and again.batch is not None and again.batch.id == batch.id
        listed, _ = await world.batches.recent("U1", 0, 10)
        assert [entry.id for entry in listed] == [batch.id], "the batch is one entry in its owner's list"

    run(scenario)


def test_a_batchs_rows_are_opened_by_its_owner_and_the_admins_and_nobody_else() -> None:
    async def scenario(world: World) -> None:
        batch = await world.batches.get(await confirmed(world, rows(3)))
        assert batch is not None and batch.user_id == "U1"
        assert batch.may_be_opened_by("U1", admins=())
        assert batch.may_be_opened_by("UADMIN", admins={"UADMIN"})
        assert not batch.may_be_opened_by("U2", admins={"UADMIN"})

    run(scenario)


def test_rows_with_the_same_text_and_time_go_in_requests_of_at_most_100() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [lambda sent, name=name: accepted(sent, name) for name in ("b1", "b2", "b3")]
        batch_id = await confirmed(world, rows(250, body="The clinic is closed on Friday."))
        await to_handoff(world)
        assert sorted(len(sent["to"].split(",")) for sent in world.kaleyra.sent) == [50, 100, 100]
        records = await world.store.get_many([row_id(batch_id, n) for n in range(1, 251)])
        assert {record.phase for record in records} == {State.HANDED_OFF}
        for record in records:
            [(_, state)] = record.messages.items()
            assert state.recipient == record.recipients[0] == record.to[0], "its own message id, by its number"
        assert len({mid for record in records for mid in record.messages}) == 250
        await world.advance(timedelta(hours=3))
        assert len(world.kaleyra.sent) == 3, "each row once: its own job finds it sent"
        assert (await world.batches.counts([batch_id]))[batch_id] == {"handed_off": 250}

    run(scenario)


def test_a_row_kaleyra_did_not_name_is_unknown_and_the_others_are_handed_off() -> None:
    def all_but_the_second(request: httpx.Request) -> httpx.Response:
        answer = accepted(request, "batch-9")
        body = json.loads(answer.content)
        body["data"] = [item for item in body["data"] if item["recipient"] != "+919876500003"]
        return httpx.Response(202, json=body)

    async def scenario(world: World) -> None:
        world.kaleyra.script = [all_but_the_second]
        batch_id = await confirmed(world, rows(4, body="Same for all."))
        await to_handoff(world)
        records = await world.store.get_many([row_id(batch_id, n) for n in range(1, 5)])
        phases = {record.to[0]: record.phase for record in records}
        assert phases.pop("+919876500003") is State.UNCERTAIN, "never sent again without its owner's say"
        assert set(phases.values()) == {State.HANDED_OFF}
        assert len(world.kaleyra.sent) == 1

    run(scenario)


def test_a_group_kaleyra_refuses_leaves_each_row_failed_with_the_reason() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [lambda _: httpx.Response(400, json={"code": "E400", "message": "bad sender"})]
        batch_id = await confirmed(world, rows(3, body="Same for all."))
        await to_handoff(world)
        records = await world.store.get_many([row_id(batch_id, n) for n in (1, 2, 3)])
        assert {record.phase for record in records} == {State.FAILED} and all("E400" in r.note for r in records)
        assert len(world.kaleyra.sent) == 1
        assert (await world.batches.counts([batch_id]))[batch_id] == {"failed": 3}
        assert [(error.code, error.count) for error in await world.errors.last_day()] == [("E400", 1)], (
            "the admins' view counts the group's one refused request"
        )

    run(scenario)


def test_personal_rows_go_one_request_each() -> None:
    async def scenario(world: World) -> None:
        await confirmed(world, rows(3))
        await to_handoff(world)
        assert sorted(sent["to"] for sent in world.kaleyra.sent) == ["+919876500002", "+919876500003", "+919876500004"]
        assert {sent["template_id"] for sent in world.kaleyra.sent} == {ENVELOPE.template_id}

    run(scenario)


def test_cancelling_a_batch_cancels_every_held_row_and_names_one_under_way() -> None:
    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(30))
        sending = row_id(batch_id, 7)
        attempt = Attempt("theirs", (NOW + timedelta(seconds=LEASE)).isoformat(), True, State.HELD)
        await world.store.move(sending, Event.BEGIN, Change(attempt=attempt))
        await world.outbox.cancel(row_id(batch_id, 3), "U1")  # one alone first
        outcome = await world.outbox.cancel_batch(batch_id, "U1")
        assert outcome.result is Result.DONE and outcome.cancelled is not None
        assert (outcome.cancelled.cancelled, outcome.cancelled.under_way) == (28, 1)
        assert (await world.batches.counts([batch_id]))[batch_id] == {"cancelled": 29, "sending": 1}
        assert await world.due(HANDOFF, row_id(batch_id, 1)) is None, "its hand-off goes with it"
        assert (await world.outbox.cancel_batch(batch_id, "U2")).result is Result.NOT_YOURS
        again = await world.outbox.cancel_batch(batch_id, "U1")
        assert again.cancelled is not None and again.cancelled.already and again.result is Result.TOO_LATE
        await to_handoff(world)
        assert world.kaleyra.sent == []

    run(scenario)


def test_the_dispatcher_refuses_a_row_of_a_cancelled_batch() -> None:
    """An instance that marked the batch cancelled and stopped before reaching the rows: no row goes after."""

    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(3, body="Same for all."))
        batch = await world.batches.get(batch_id)
        assert batch is not None
        commit = Commit(keys.bucket_of(batch_id))
        document = {**vars(replace(batch, phase=Phase.CANCELLED, cancelled_by="U9"))}
        commit.put(keys.of(batch_id, "batch"), document, batch.version, timedelta(days=1))
        assert await world.store.apply(commit)
        await to_handoff(world)
        assert world.kaleyra.sent == []
        records = await world.store.get_many(batch.row_ids)
        assert {(record.phase, record.acted_by) for record in records} == {(State.CANCELLED, "U9")}

    run(scenario)


def test_limits_count_every_row_at_confirm_and_never_again() -> None:
    async def scenario(world: World) -> None:
        refused = await world.outbox.confirm(await offer(world, rows(6)), "U1")
        assert refused.result is Result.REFUSED and refused.refusal is not None
        assert refused.refusal.message == "You can send at most 5 SMS a day; this one has 6 recipients."
        await confirmed(world, rows(5))
        await to_handoff(world)
        assert len(world.kaleyra.sent) == 5, "not refused at hand-off: counted at Confirm"
        one = await world.outbox.confirm(await world.offer(request(timedelta(hours=5))), "U1")
        assert one.refusal is not None and one.refusal.reason is Reason.LIMIT_REACHED

    run(scenario, World(per_day=5))


def test_a_row_whose_send_cannot_begin_gives_back_nothing_it_was_not_charged() -> None:
    """A row's limits were counted at its batch's Confirm: a hand-off that fails to begin owes nothing back."""

    async def scenario(world: World) -> None:
        await confirmed(world, rows(5))
        apply = world.store.apply

        async def storage_gone(commit: Commit, *, durable: bool = False) -> bool:
            if durable:  # the "handing off" mark
                raise RedisConnectionError("the instance lost Redis here")
            return await apply(commit, durable=durable)

        world.store.apply = storage_gone  # type: ignore[method-assign]
        await to_handoff(world)
        world.store.apply = apply  # type: ignore[method-assign]
        assert world.kaleyra.sent == []
        one = await world.outbox.confirm(await world.offer(request(timedelta(hours=5))), "U1")
        assert one.refusal is not None and one.refusal.reason is Reason.LIMIT_REACHED, "the day's 5 stay spent"

    run(scenario, World(per_day=5, limits_in_redis=True))


def test_a_confirm_stopped_between_its_steps_is_finished_by_its_watch() -> None:
    async def scenario(world: World) -> None:
        pending_id = await offer(world, rows(20))
        apply, batch_bucket = world.store.apply, keys.bucket_of(pending_id)

        async def rows_lost(commit: Commit, *, durable: bool = False) -> bool:
            if commit.bucket != batch_bucket:
                raise RedisConnectionError("the instance lost Redis here")
            return await apply(commit, durable=durable)

        world.store.apply = rows_lost  # type: ignore[method-assign]
        waiting = await world.outbox.confirm(pending_id, "U1")
        world.store.apply = apply  # type: ignore[method-assign]
        assert waiting.result is Result.WAITING and waiting.batch is not None
        assert waiting.batch.phase == Phase.CREATING
        assert await world.advance(timedelta(seconds=LEASE - 1)) == 0, "its own instance may still finish it"
        await world.advance(timedelta(seconds=2))
        batch = await world.batches.get(pending_id)
        assert batch is not None and batch.phase == Phase.OPEN
        assert len(await world.store.get_many(batch.row_ids)) == 20
        assert [news.confirmed_late for news in world.news] == [True], "its owner hears it is held"
        await to_handoff(world)
        assert len(world.kaleyra.sent) == 20

    run(scenario)


def test_rows_of_a_batch_still_being_confirmed_wait_for_it() -> None:
    async def scenario(world: World) -> None:
        near = NOW + timedelta(minutes=30)  # handed off at once
        pending_id = await offer(world, rows(2, at=near))
        apply, batch_bucket = world.store.apply, keys.bucket_of(pending_id)

        async def not_opened(commit: Commit, *, durable: bool = False) -> bool:
            if durable and commit.bucket == batch_bucket:
                raise RedisConnectionError("the instance stopped before opening it")
            return await apply(commit, durable=durable)

        world.store.apply = not_opened  # type: ignore[method-assign]
        assert (await world.outbox.confirm(pending_id, "U1")).result is Result.WAITING
        world.store.apply = apply  # type: ignore[method-assign]
        await world.advance(timedelta(seconds=1))
        assert world.kaleyra.sent == [], "a row is never sent before its batch is open"
        await world.advance(timedelta(seconds=LEASE))
        await world.advance(timedelta(seconds=LEASE))
        assert len(world.kaleyra.sent) == 2

    run(scenario)


def test_an_edited_row_stays_a_row_of_its_batch() -> None:
    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(3))
        first = await world.record(row_id(batch_id, 1))
        assert first.schedule is not None
        edit = replace(first.schedule, body="Hi Name2, your appointment moved to 5 PM.")
        edited = await world.outbox.confirm(await world.offer(edit, replaces=first.id), "U1")
        assert edited.record is not None and edited.record.batch == batch_id and edited.record.line == first.line
        batch = await world.batches.get(batch_id)
        assert batch is not None
        shown = await world.batches.rows(batch, 1, 3)
        assert shown[0].id == edited.record.id and shown[0].phase is State.HELD, "the row is shown as edited"
        assert (await world.batches.counts([batch_id]))[batch_id] == {"held": 3, "replaced": 1}
        await to_handoff(world)
        bodies = sorted(sent["body"] for sent in world.kaleyra.sent)
        assert len(bodies) == 3 and bodies[0] == "Hi Name2, your appointment moved to 5 PM.", (
            "the edit, not the original"
        )

    run(scenario)


def test_counts_follow_delivery_and_the_owner_hears_of_problems_once() -> None:
    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(4))
        await world.advance(timedelta(seconds=LEASE + 1))  # the check that follows Confirm, long before the hand-offs
        world.access.refused = {"U1"}
        await to_handoff(world)
        await world.advance(timedelta(seconds=11))
        assert (await world.batches.counts([batch_id]))[batch_id] == {"refused": 4}
        assert [dict(news.problems) for news in world.news if news.problems] == [{"refused": 4}]
        await world.batches.touch(batch_id)
        await world.advance(timedelta(seconds=11))
        assert [dict(news.problems) for news in world.news if news.problems] == [{"refused": 4}], "told once"
        assert dict(world.news[-1].counts) == {"refused": 4}

    run(scenario)


def test_a_delivered_row_is_counted_delivered() -> None:
    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(2, body="Same."))
        await to_handoff(world)
        for record in await world.store.get_many([row_id(batch_id, 1), row_id(batch_id, 2)]):
            for message_id in record.messages:
                world.kaleyra.statuses[message_id] = {"status": "Delivered"}
        await world.advance(timedelta(hours=3))
        assert (await world.batches.counts([batch_id]))[batch_id] == {"delivered": 2}
        assert world.delivery == [], "a row's delivery is its batch's news, not a message of its own"

    run(scenario)


def test_many_row_changes_bring_the_post_up_to_date_once() -> None:
    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(3))
        await world.advance(timedelta(seconds=LEASE + 1))  # its Confirm's watch has run
        assert await world.queue.due_at(BATCH, batch_id) is None
        start = world.clock.now()
        for number in (1, 2, 3):
            world.clock.advance(timedelta(seconds=2))
            await world.outbox.cancel(row_id(batch_id, number), "U1")
        due = await world.queue.due_at(BATCH, batch_id)
        assert due == start + timedelta(seconds=2 + 10), "the first change sets when; the others wait for it"
        await world.advance(timedelta(seconds=10))
        assert [dict(news.counts) for news in world.news][-1] == {"cancelled": 3}

    run(scenario)


def test_group_job_and_row_jobs_are_queued_at_confirm() -> None:
    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(3, body="Same."))
        leader = await world.record(row_id(batch_id, 1))
        assert leader.group == [row_id(batch_id, n) for n in (1, 2, 3)]
        assert await world.due(GROUP, leader.id) == IN_TWO_HOURS - LEAD
        assert await world.due(HANDOFF, row_id(batch_id, 2)) == IN_TWO_HOURS - LEAD + timedelta(seconds=LEASE)

    run(scenario)


def test_cancel_before_confirm_drops_the_rows_kept_for_it() -> None:
    async def scenario(world: World) -> None:
        pending_id = await offer(world, rows(3))
        assert (await world.outbox.withdraw(pending_id, "U1", Act.CANCEL)).result is Result.DONE
        assert await world.store.redis.get(keys.of(pending_id, "rows")) is None
        assert (await world.outbox.confirm(pending_id, "U1")).result is Result.TOO_LATE

    run(scenario)


def test_a_batch_confirmed_in_a_dry_run_is_sent_in_it_and_only_in_it() -> None:
    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(3, body="Same."))
        batch = await world.batches.get(batch_id)
        assert batch is not None and batch.dry_run
        assert {record.dry_run for record in await world.store.get_many(batch.row_ids)} == {True}
        await to_handoff(world)
        assert (await world.batches.counts([batch_id]))[batch_id] == {"handed_off": 3}
        assert world.kaleyra.sent == [], "a dry run never calls Kaleyra"

    run(scenario, World(dry_run=True))


def test_a_group_asks_about_its_batch_once_not_once_a_row() -> None:
    """The rows of a group share their batch, owner and channel: one question answers for all of them."""

    async def scenario(world: World) -> None:
        batch_id = await confirmed(world, rows(50, body="Same for all."))
        asked: list[str] = []
        ask = world.batches.refusal

        async def counted(batch: str) -> object:
            asked.append(batch)
            return await ask(batch)

        world.batches.refusal = counted  # type: ignore[method-assign]
        await to_handoff(world)
        assert len(world.kaleyra.sent) == 1 and len(world.kaleyra.sent[0]["to"].split(",")) == 50
        assert asked == [batch_id]

    run(scenario)
