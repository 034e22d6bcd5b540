"""What one hand-off asks of Redis, counted as redis-py sends it (one trip per command, one per pipeline);
that the reads it no longer makes weaken no compare-and-set (a change made from a record that moved on
since it was read is refused, and nothing is sent); and a "handing off" mark that cannot be made durable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fakeredis.aioredis import FakeAsyncRedisConnection

from bot.core.errors import NotDurable
from bot.core.outcomes import Act, Result
from bot.core.records import SmsRecord, State
from bot.core.store import Commit
from tests.unit.world import World, request, run


@contextmanager
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """Every trip to Redis while the block runs: the names of the commands that went together."""
    sent: list[list[str]] = []
    send = FakeAsyncRedisConnection.send_packed_command

    async def counted(self: FakeAsyncRedisConnection, command: Any, check_health: bool = True) -> None:
        packed = command if isinstance(command, bytes) else b"".join(command)
        arrays = packed.split(b"\r\n*")  # each command is a RESP array: `*<n>\r\n$<len>\r\n<NAME>\r\n...`
        sent.append([array.split(b"\r\n")[2].decode().upper() for array in arrays])
        await send(self, command, check_health)

    with monkeypatch.context() as patched:
        patched.setattr(FakeAsyncRedisConnection, "send_packed_command", counted)
        yield sent


def test_a_hand_off_reads_its_record_once_and_writes_each_step_in_one_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    """A held SMS handed off, with both limits counted in Redis as in production. What remains: its read,
    one counter update per limit, the "handing off" mark, the outcome, and Kaleyra's ids indexed together."""

    async def scenario(world: World) -> None:
        held = []
        for _ in range(2):
            pending_id = await world.offer(request(timedelta(hours=3)))
            await world.outbox.confirm(pending_id, "U1")
            held.append(pending_id)
        world.clock.advance(timedelta(hours=2, minutes=1))
        await world.outbox.hand_off(held[0])  # the first loads the scripts and opens the connection
        with trips(monkeypatch) as sent:
            assert await world.outbox.hand_off(held[1]) is None
        assert (await world.record(held[1])).phase is State.HANDED_OFF and len(world.kaleyra.sent) == 2
        read, *counters, mark, outcome, indexes = sent
        assert read == ["GET"] and counters == [["EVALSHA"], ["EVALSHA"]]
        assert mark == outcome == ["EVALSHA"], "the record is not read again before or after either commit"
        assert indexes[0] == "ZADD" and len(indexes) > 1, "the user's list and Kaleyra's ids in one pipeline"

    run(scenario, World(per_minute=300, per_day=1000, limits_in_redis=True))


def test_a_send_from_a_record_that_moved_on_since_it_was_read_is_refused_and_nothing_is_sent() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")
        world.clock.advance(timedelta(hours=2, minutes=1))
        read_by_the_hand_off = await world.record(pending_id)
        assert (await world.outbox.cancel(pending_id, "U1")).result is Result.DONE  # a click in between
        outcome = await world.dispatcher.send(pending_id, Act.HANDOFF, from_job=True, known=read_by_the_hand_off)
        assert outcome.result is Result.TOO_LATE and world.kaleyra.sent == []
        assert (await world.record(pending_id)).phase is State.CANCELLED

    run(scenario)


def test_a_hand_off_is_not_stopped_by_what_is_written_beside_the_sms_after_it_read_it() -> None:
    """Confirm's answer links the channel post to the record just as the hand-off reads it: the send goes
    on (from the record as it now is), and the link is kept."""

    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")
        world.clock.advance(timedelta(hours=2, minutes=1))
        read_by_the_hand_off = await world.record(pending_id)

        def link(record: SmsRecord) -> bool:
            record.post_channel, record.post_ts = "C1", "1700000000.000100"
            return True

        await world.store.annotate(pending_id, link)
        outcome = await world.dispatcher.send(pending_id, Act.HANDOFF, from_job=True, known=read_by_the_hand_off)
        assert outcome.result is Result.DONE and len(world.kaleyra.sent) == 1
        after = await world.record(pending_id)
        assert after.phase is State.HANDED_OFF and after.post_ts == "1700000000.000100"

    run(scenario)


def test_a_mark_that_cannot_be_made_durable_sends_nothing_charges_nothing_and_leaves_the_sms_held() -> None:
    async def scenario(world: World) -> None:
        pending_id = await world.offer(request(timedelta(hours=3)))
        await world.outbox.confirm(pending_id, "U1")
        written = world.store.apply

        async def replicas_behind(commit: Commit, *, durable: bool = False) -> bool:
            applied = await written(commit)
            if durable and applied:  # written on the primary only: a failover could lose it
                raise NotDurable("the app's storage could not confirm it kept this safe")
            return applied

        world.store.apply = replicas_behind  # type: ignore[method-assign]
        world.clock.advance(timedelta(hours=2, minutes=1))
        with pytest.raises(NotDurable):  # the job is tried again after a pause
            await world.outbox.hand_off(pending_id)
        assert world.kaleyra.sent == [] and world.told == []
        assert (await world.record(pending_id)).phase is State.HELD
        world.store.apply = written  # type: ignore[method-assign]
        assert await world.outbox.hand_off(pending_id) is None
        assert (await world.record(pending_id)).phase is State.HANDED_OFF and len(world.kaleyra.sent) == 1, (
            "the day's one SMS was not spent on the attempt that never started"
        )

    run(scenario, World(per_day=1))
