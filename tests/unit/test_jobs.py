"""The shared queue without sockets (fakeredis runs its Lua scripts): one claim per due job, leases and owner
tokens, bounded retries, and a runner that runs what is due without holding one job up behind another."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import fakeredis
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core import keys
from bot.core.clock import OffsetClock
from bot.core.jobs import BATCH, CHECK, HANDOFF, Claimed, JobQueue, JobRunner
from tests.unit.world import FrozenClock

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def queue() -> JobQueue:
    return JobQueue(fakeredis.FakeAsyncRedis(decode_responses=True))


def clock() -> FrozenClock:
    return FrozenClock(NOW)


def test_a_due_job_is_claimed_once_however_many_try() -> None:
    async def scenario() -> None:
        jobs = queue()
        await jobs.put(HANDOFF, "a", NOW)
        claims = await asyncio.gather(*(jobs.claim(NOW, 30, 10) for _ in range(20)))
        assert sum(len(claimed) for claimed, _ in claims) == 1
        assert (await jobs.claim(NOW, 30, 10))[0] == [], "a claimed job is not due until its lease runs out"
        [again], _ = await jobs.claim(NOW + timedelta(seconds=31), 30, 10)
        assert again.name == "handoff:a" and again.tries == 2

    asyncio.run(scenario())


def test_jobs_live_in_their_records_bucket_and_every_bucket_is_claimed_in_one_call() -> None:
    async def scenario() -> None:
        jobs = queue()
        ids = [keys.new_id() for _ in range(40)]
        for record_id in ids:
            await jobs.put(CHECK, record_id, NOW)
        await jobs.put(CHECK, "later", NOW + timedelta(minutes=5))
        claimed, earliest = await jobs.claim(NOW, 600, 100)
        assert sorted(job.job_id for job in claimed) == sorted(ids)
        assert all(job.bucket == keys.bucket_of(job.job_id) for job in claimed)
        assert len({job.bucket for job in claimed}) > 1, "load spreads over the buckets"
        assert earliest == (NOW + timedelta(minutes=5)).timestamp(), "the next due time, for an idle runner"

    asyncio.run(scenario())


def test_a_job_asked_for_while_it_runs_runs_again_after_its_run() -> None:
    """A batch's rows that change while its post is written: the change is shown by one more run."""

    async def scenario() -> None:
        jobs = queue()
        assert await jobs.put(BATCH, "b", NOW, unless_queued=True)
        assert not await jobs.put(BATCH, "b", NOW + timedelta(seconds=5), unless_queued=True), "queued already"
        [running], _ = await jobs.claim(NOW, 30, 10)
        assert await jobs.put(BATCH, "b", NOW + timedelta(seconds=10), unless_queued=True), "asked for again"
        assert not await jobs.put(BATCH, "b", NOW + timedelta(seconds=20), unless_queued=True)
        assert await jobs.finish(running, None)
        assert await jobs.due_at(BATCH, "b") == NOW + timedelta(seconds=10)
        [again], _ = await jobs.claim(NOW + timedelta(seconds=10), 30, 10)
        assert await jobs.finish(again, NOW + timedelta(minutes=5))
        assert await jobs.due_at(BATCH, "b") == NOW + timedelta(minutes=5), "asked for once, run once more"

    asyncio.run(scenario())


def test_only_the_owner_token_finishes_or_extends_a_job() -> None:
    async def scenario() -> None:
        jobs = queue()
        await jobs.put(HANDOFF, "a", NOW)
        [crashed], _ = await jobs.claim(NOW, 30, 1)
        later = NOW + timedelta(seconds=31)  # its lease ran out; another instance takes the job
        [alive], _ = await jobs.claim(later, 30, 1)
        assert not await jobs.finish(crashed, None)
        await jobs.extend([crashed], later + timedelta(hours=1))
        assert await jobs.due_at(HANDOFF, "a") == later + timedelta(seconds=30)
        await jobs.extend([alive], later + timedelta(minutes=1))
        assert await jobs.due_at(HANDOFF, "a") == later + timedelta(minutes=1)
        assert await jobs.finish(alive, None)
        assert await jobs.due_at(HANDOFF, "a") is None

    asyncio.run(scenario())


def test_the_runner_runs_due_jobs_reschedules_and_retries_failures_a_bounded_number_of_times() -> None:
    async def scenario() -> None:
        jobs, time = queue(), clock()
        ran: list[str] = []
        given_up: list[tuple[str, int]] = []

        async def check(job_id: str) -> datetime | None:
            ran.append(job_id)
            return time.now() + timedelta(minutes=1) if job_id == "again" else None

        async def broken(job_id: str) -> datetime | None:
            raise RuntimeError("Kaleyra's answer could not be read")

        async def give_up(job_id: str, tries: int) -> None:
            given_up.append((job_id, tries))

        runner = JobRunner(
            jobs, {CHECK: check, HANDOFF: broken}, time, poll_seconds=1, lease_seconds=5, max_attempts=3,
            give_up={HANDOFF: give_up},
        )  # fmt: skip
        for job_id in ("done", "again"):
            await jobs.put(CHECK, job_id, NOW)
        await jobs.put(CHECK, "later", NOW + timedelta(seconds=1))
        await jobs.put(HANDOFF, "x", NOW)
        assert await runner.run_due() == 3
        assert sorted(ran) == ["again", "done"]
        assert await jobs.due_at(CHECK, "done") is None
        assert await jobs.due_at(CHECK, "again") == NOW + timedelta(minutes=1)
        assert await jobs.due_at(HANDOFF, "x") == NOW + timedelta(seconds=2), "a failure is tried again shortly"
        for _ in range(3):
            time.advance(timedelta(seconds=5))
            await runner.run_due()
        assert given_up == [("x", 3)] and await jobs.due_at(HANDOFF, "x") is None

    asyncio.run(scenario())


def test_a_slow_job_does_not_hold_up_the_others_and_stop_lets_it_finish() -> None:
    async def scenario() -> None:
        jobs = queue()
        release, ran = asyncio.Event(), []

        async def handoff(job_id: str) -> datetime | None:
            await release.wait()  # Kaleyra answering slowly
            ran.append(job_id)
            return None

        async def check(job_id: str) -> datetime | None:
            ran.append(job_id)
            return None

        runner = JobRunner(jobs, {HANDOFF: handoff, CHECK: check}, OffsetClock(), poll_seconds=5, lease_seconds=5)
        await jobs.put(HANDOFF, "slow", datetime.now(UTC))
        runner.start()
        for _ in range(200):
            if runner.in_flight:
                break
            await asyncio.sleep(0.01)
        await jobs.put(CHECK, "quick", datetime.now(UTC))  # wakes the idle runner: no poll interval to wait out
        for _ in range(200):
            if ran:
                break
            await asyncio.sleep(0.01)
        assert ran == ["quick"], "the check ran while the hand-off was still waiting"
        stopping = asyncio.create_task(runner.stop(timeout=5))
        await asyncio.sleep(0.05)
        assert not stopping.done(), "shutdown waits for the hand-off in flight"
        release.set()
        await stopping
        assert ran == ["quick", "slow"] and await jobs.due_at(HANDOFF, "slow") is None

    asyncio.run(scenario())


def test_a_runner_takes_only_what_it_can_start_and_claims_again_as_jobs_end() -> None:
    """No ceiling per poll, and no hoarding: what is due at once is left for other instances to share."""

    async def scenario() -> None:
        jobs, ids = queue(), [keys.new_id() for _ in range(64)]
        for record_id in ids:
            await jobs.put(HANDOFF, record_id, datetime.now(UTC))
        release, ran = asyncio.Event(), []

        async def handoff(job_id: str) -> datetime | None:
            await release.wait()
            ran.append(job_id)
            return None

        runner = JobRunner(jobs, {HANDOFF: handoff}, OffsetClock(), poll_seconds=3600, lease_seconds=30, concurrency=4)
        runner.start()
        for _ in range(200):
            if runner.in_flight:
                break
            await asyncio.sleep(0.01)
        taken = runner.in_flight
        assert 4 <= taken <= keys.BUCKETS, "about its free slots, one from each bucket at most"
        others, _ = await jobs.claim(datetime.now(UTC), 30, 100)  # another instance polling meanwhile
        assert len(others) == 64 - taken
        for job in others:  # that instance gives them back (as if done elsewhere, they are due again)
            assert await jobs.finish(job, datetime.now(UTC))
        release.set()
        for _ in range(500):  # one poll an hour: only claiming again as jobs end can run them all
            if len(ran) == 64:
                break
            await asyncio.sleep(0.01)
        await runner.stop(timeout=5)
        assert sorted(ran) == sorted(ids)

    asyncio.run(scenario())


def test_stop_ends_at_once_when_a_lease_renewal_swallows_its_cancellation(caplog: pytest.LogCaptureFixture) -> None:
    """A client library that catches the cancellation of a call it is in (and returns) must not keep the
    lease keeper, and so the runner's stop, going until the drain time runs out."""

    class Swallowing(JobQueue):
        def __init__(self) -> None:
            super().__init__(fakeredis.FakeAsyncRedis(decode_responses=True))
            self.renewing = asyncio.Event()

        async def extend(self, jobs: list[Claimed], until: datetime) -> None:
            self.renewing.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                return  # swallowed

    async def scenario() -> None:
        jobs, release = Swallowing(), asyncio.Event()

        async def handoff(job_id: str) -> datetime | None:
            await release.wait()
            return None

        runner = JobRunner(jobs, {HANDOFF: handoff}, OffsetClock(), poll_seconds=0.01, lease_seconds=0.03)
        await jobs.put(HANDOFF, "held", datetime.now(UTC))
        runner.start()
        await asyncio.wait_for(jobs.renewing.wait(), 5)  # the job runs, and its lease is being renewed
        release.set()
        await runner.stop(timeout=2)

    caplog.set_level(logging.WARNING, logger="bot.core.jobs")
    asyncio.run(scenario())
    assert not [record for record in caplog.records if "did not finish in time" in record.getMessage()]


def test_the_runner_outlives_any_failure_to_poll_and_runs_the_job_once_polling_works() -> None:
    """Storage out of reach, or a client library's own failure: either way the next poll is tried, never the
    runner's end (a runner that stopped would leave every held SMS unsent while /healthz said ready)."""

    class Failing(JobQueue):
        def __init__(self) -> None:
            super().__init__(fakeredis.FakeAsyncRedis(decode_responses=True))
            self.failures: list[Exception] = [AttributeError("'NoneType' object has no attribute 'writelines'"),
                                              RedisConnectionError("connection refused")]  # fmt: skip

        async def claim(self, now: datetime, lease_seconds: float, limit: int) -> tuple[list[Claimed], float]:
            if self.failures:
                raise self.failures.pop(0)
            return await super().claim(now, lease_seconds, limit)

    async def scenario() -> None:
        jobs, ran = Failing(), []

        async def handoff(job_id: str) -> datetime | None:
            ran.append(job_id)
            return None

        runner = JobRunner(jobs, {HANDOFF: handoff}, OffsetClock(), poll_seconds=0.01, lease_seconds=5)
        await jobs.put(HANDOFF, "held", datetime.now(UTC))
        runner.start()
        for _ in range(500):
            if ran:
                break
            await asyncio.sleep(0.01)
        await runner.stop(timeout=5)
        assert jobs.failures == [] and ran == ["held"]

    asyncio.run(scenario())
