"""The admins' view without sockets: unknown outcomes kept in an index by the state changes themselves, the
queue's depth, next hand-offs, retried and given-up jobs, Kaleyra's errors of the last day, and their blocks."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bot.core.jobs import HANDOFF
from bot.core.kaleyra import Rejected, Uncertain
from bot.core.outcomes import Act, Result
from bot.core.records import State
from bot.slack import blocks
from tests.slack_models import validate_blocks, validate_view
from tests.unit.world import NOW, World, request, run

ADMIN = "UADMIN"


def timed_out(_: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("Kaleyra did not answer")


def refused(_: httpx.Request) -> httpx.Response:
    return httpx.Response(401, json={"code": "E401", "message": "Invalid API key"})


def test_an_unknown_outcome_is_listed_until_it_is_sent_again_or_closed() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [timed_out, timed_out]
        first, second = await world.offer(request(None)), await world.offer(request(None))
        for pending_id in (first, second):
            assert (await world.outbox.confirm(pending_id, "U1")).records[0].phase is State.UNCERTAIN
        unknown, count = await world.store.unknown(5)
        assert sorted(record.id for record in unknown) == sorted([first, second]) and count == 2

        assert (await world.outbox.send_now(first, "U1", Act.SEND_AGAIN)).records[0].phase is State.SENT
        assert (await world.outbox.close(second, "USOMEONE")).result is Result.NOT_YOURS
        closed = await world.outbox.close(second, ADMIN)
        assert closed.result is Result.DONE and closed.records[0].phase is State.CLOSED
        assert closed.records[0].acted_by == ADMIN and closed.records[0].request is None
        assert await world.store.unknown(5) == ([], 0)
        assert (await world.outbox.close(second, ADMIN)).result is Result.TOO_LATE
        assert (await world.outbox.send_now(second, "U1", Act.SEND_AGAIN)).result is Result.TOO_LATE
        assert len(world.kaleyra.sent) == 3, "a closed SMS is never sent again"

    run(scenario, World(admins=(ADMIN,)))


def test_a_series_goes_on_once_its_unknown_send_is_closed_by_its_owner() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [timed_out]
        rule = "DTSTART:20261125T120000\nRRULE:FREQ=DAILY;COUNT=3"
        series = await world.offer(request(timedelta(minutes=30), repeat=rule))
        assert (await world.outbox.confirm(series, "U1")).records[0].phase is State.UNCERTAIN
        assert await world.store.get(f"{series}-2") is None, "an unknown send holds the series"
        assert (await world.outbox.close(f"{series}-1", "U1")).result is Result.DONE
        assert (await world.record(f"{series}-2")).phase is State.HELD

    run(scenario)


def test_the_queue_shows_its_depth_next_hand_offs_and_the_jobs_that_failed() -> None:
    async def scenario(world: World) -> None:
        near, far = await world.offer(request(timedelta(hours=3))), await world.offer(request(timedelta(hours=5)))
        sent_now = await world.offer(request(None))
        for pending_id in (far, near, sent_now):
            await world.outbox.confirm(pending_id, "U1")
        view = await world.queue.view(world.clock.now(), 5)
        assert (view.queued, view.due, view.running) == (3, 0, 0)  # two hand-offs and a status check
        assert view.next_handoffs == [(near, NOW + timedelta(hours=2)), (far, NOW + timedelta(hours=4))]
        world.clock.advance(timedelta(minutes=3))
        assert (await world.queue.view(world.clock.now(), 5)).due == 1, "the status check's time has come"
        claimed, _ = await world.queue.claim(world.clock.now(), 30, 10)
        assert (await world.queue.view(world.clock.now(), 5)).running == len(claimed) == 1
        for job in claimed:
            await world.queue.finish(job, None)

        async def slack_is_down(user_id: str, channel_id: str) -> None:
            raise RuntimeError("Slack did not say who may send")

        world.access.refusal = slack_is_down  # type: ignore[method-assign,assignment]
        await world.advance(NOW + timedelta(hours=2) - world.clock.now())
        await world.advance(timedelta(seconds=40))
        retried = (await world.queue.view(world.clock.now(), 5)).retried
        assert retried == [(HANDOFF, near, 2)]
        for _ in range(2):
            await world.advance(timedelta(seconds=40))
        view = await world.queue.view(world.clock.now(), 5)
        assert view.retried == [] and [(kind, job) for kind, job, _ in view.given_up] == [(HANDOFF, near)]
        assert view.next_handoffs == [(far, NOW + timedelta(hours=4))]

    run(scenario)


def test_kaleyras_errors_are_counted_by_code_for_a_day() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [refused, refused, timed_out]
        for _ in range(3):
            await world.outbox.confirm(await world.offer(request(None)), "U1")
        world.clock.advance(timedelta(hours=2))
        await world.errors.note(Rejected(503, None, "Kaleyra is busy; nothing was sent"))
        errors = await world.errors.last_day()
        assert [(error.code, error.count) for error in errors] == [("E401", 2), ("HTTP 503", 1), ("unknown outcome", 1)]
        assert errors[0].last_at == NOW and "Invalid API key" in errors[0].words
        assert errors[1].last_at == NOW + timedelta(hours=2)
        await world.errors.note(Uncertain("Kaleyra did not answer in time"))
        world.clock.advance(timedelta(hours=23))
        assert [(error.code, error.count) for error in await world.errors.last_day()] == [
            ("HTTP 503", 1),
            ("unknown outcome", 1),
        ], "the first hour's errors are over a day old"

    run(scenario)


def test_the_overview_in_the_app_home_is_valid_block_kit_with_what_an_admin_can_do() -> None:
    async def scenario(world: World) -> None:
        world.kaleyra.script = [timed_out, refused]
        unknown, failed = await world.offer(request(None)), await world.offer(request(None))
        held = await world.offer(request(timedelta(hours=3)))
        for pending_id in (unknown, failed, held):
            await world.outbox.confirm(pending_id, "U1")
        overview = await world.operations.overview()
        assert [record.id for record in overview.unknown] == [unknown] and overview.unknown_count == 1
        assert [record.id for _, record in overview.next_handoffs] == [held]
        now = world.clock.now()
        shown = blocks.operations_blocks(overview, "Asia/Kolkata", now, masked=True)
        validate_blocks(shown)
        text = str(shown)
        assert f"'value': '{unknown}'" in text and blocks.HELD_SEND_AGAIN in text and blocks.HELD_CLOSE in text
        assert "Checked in Kaleyra's console?" in text, "closing asks first"
        assert "*E401* × 1" in text and "*unknown outcome* × 1" in text and "+91•••••00000" in text
        home = blocks.home_view([], [], "Asia/Kolkata", now, masked=True, operations=shown)
        validate_view(home)
        assert "Operations" in str(home)

    run(scenario, World(admins=(ADMIN,)))
