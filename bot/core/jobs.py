"""Shared delayed jobs: one Redis sorted set by due time, each job claimed with a lease and an owner token.

Any instance runs any due job. `claim` (one Lua script) takes a job only if its score says it is due
*now* (an instance working from an old `due()` list cannot take a job another has just rescheduled)
and moves the score to the end of the lease, so a job whose instance dies comes back by itself.
`finish` and `extend` act only for the token that claimed: a worker whose lease ran out can neither
reschedule nor remove a job another instance has claimed since. While a job runs, its lease is
extended; only a dead or frozen process lets it expire.

Jobs are named `<kind>:<id>`; the runner passes the id to the handler of the kind. A handler returns
the job's next due time, or None when it is done. Handlers must tolerate running again after a
crash: the hand-off keeps its own record around the Kaleyra call for exactly that.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from bot.core.keys import key

log = logging.getLogger(__name__)

CHECK = "check"  # a delivery-status check of a sent SMS
HANDOFF = "handoff"  # a held SMS handed to Kaleyra

Handler = Callable[[str], Awaitable[datetime | None]]
_MAX_POLLS = 5  # polls with jobs still running, each up to a batch of jobs

_DUE = key("jobs", "due")
_OWNERS = key("jobs", "owners")

_CLAIM = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
"""
_EXTEND = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""
_ADOPT = """
local items = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #items, 2 do redis.call('ZADD', KEYS[2], 'NX', items[i + 1], ARGV[1] .. items[i]) end
redis.call('DEL', KEYS[1])
return #items / 2
"""
_LEGACY_CHECKS = key("status", "due")  # delivery checks as releases before this queue kept them
_FINISH = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[3] == '' then redis.call('ZREM', KEYS[1], ARGV[1]) else redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]) end
return 1
"""


def _name(kind: str, job_id: str) -> str:
    return f"{kind}:{job_id}"


class JobQueue:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._claim = redis.register_script(_CLAIM)
        self._extend = redis.register_script(_EXTEND)
        self._finish = redis.register_script(_FINISH)
        self._adopt = redis.register_script(_ADOPT)

    async def adopt_earlier_checks(self) -> int:
        """Move delivery checks queued by an earlier release into this queue (once; atomic, idempotent)."""
        return int(await self._adopt(keys=[_LEGACY_CHECKS, _DUE], args=[_name(CHECK, "")]))

    def put_in(self, pipe: Pipeline, kind: str, job_id: str, at: datetime) -> None:
        """Add (or move) a job inside the caller's transaction."""
        pipe.zadd(_DUE, {_name(kind, job_id): at.timestamp()})

    async def put(self, kind: str, job_id: str, at: datetime) -> None:
        await self._redis.zadd(_DUE, {_name(kind, job_id): at.timestamp()})

    async def discard(self, kind: str, job_id: str) -> None:
        """Drop a job whatever its state; a worker running it then cannot put it back."""
        name = _name(kind, job_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(_DUE, name)
            pipe.hdel(_OWNERS, name)
            await pipe.execute()

    async def due_at(self, kind: str, job_id: str) -> datetime | None:
        score = await self._redis.zscore(_DUE, _name(kind, job_id))
        return datetime.fromtimestamp(score, UTC) if score is not None else None

    async def due(self, now: datetime, limit: int) -> list[str]:
        found = await self._redis.zrangebyscore(_DUE, "-inf", now.timestamp(), start=0, num=limit)
        return [str(name) for name in found]

    async def claim(self, name: str, token: str, now: datetime, lease_seconds: float) -> bool:
        args: list[str | float] = [name, now.timestamp(), token, now.timestamp() + lease_seconds]
        return bool(await self._claim(keys=[_DUE, _OWNERS], args=args))

    async def extend(self, name: str, token: str, until: datetime) -> bool:
        return bool(await self._extend(keys=[_DUE, _OWNERS], args=[name, token, until.timestamp()]))

    async def finish(self, name: str, token: str, next_at: datetime | None) -> bool:
        """Reschedule (or, with None, remove) a job this token holds; False if it no longer does."""
        args = [name, token, "" if next_at is None else next_at.timestamp()]
        return bool(await self._finish(keys=[_DUE, _OWNERS], args=args))


class JobRunner:
    """Polls the queue every `poll_seconds` and runs what is due, a batch at a time, concurrently. Polls
    overlap while jobs run (a claimed job is not due again until its lease ends), so one slow job does
    not delay the others.

    No in-process timers: everything due lives in Redis, so a restart or another instance picks it up.
    """

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, Handler],
        *,
        poll_seconds: float,
        lease_seconds: float,
        batch: int = 20,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._queue = queue
        self._handlers = handlers
        self._poll = poll_seconds
        self._lease = lease_seconds
        self._batch = batch
        self._clock = clock
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever())

    async def stop(self, timeout: float) -> None:
        """Stop polling; let jobs in flight (maybe talking to Kaleyra) finish, up to `timeout`."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            log.warning("queued jobs did not finish in time; their leases will expire for another instance")
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> int:
        """Run every due job this instance can claim; returns how many it ran."""
        names = await self._queue.due(self._clock(), self._batch)
        results = await asyncio.gather(*(self._run(name) for name in names), return_exceptions=True)
        for result in results:  # storage failed under some: raised once all have ended, none left running
            if isinstance(result, BaseException):
                raise result
        return sum(result is True for result in results)

    async def _run_forever(self) -> None:
        try:
            if adopted := await self._queue.adopt_earlier_checks():
                log.info("moved %d delivery checks queued by an earlier release", adopted)
        except RedisError as exc:
            log.warning("could not look for delivery checks of an earlier release (%s)", type(exc).__name__)
        polls: set[asyncio.Task[None]] = set()
        while not self._stopping.is_set():
            if len(polls) < _MAX_POLLS:  # a slow job (Kaleyra retrying) does not hold up the next poll
                poll = asyncio.create_task(self._poll_once())
                polls.add(poll)
                poll.add_done_callback(polls.discard)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._poll)
        await asyncio.gather(*polls)

    async def _poll_once(self) -> None:
        try:
            await self.run_once()
        except RedisError as exc:
            log.warning("queued jobs paused: storage unavailable (%s)", type(exc).__name__)

    async def _run(self, name: str) -> bool:
        kind, _, job_id = name.partition(":")
        handler = self._handlers.get(kind)
        token = secrets.token_hex(12)
        if handler is None or not await self._queue.claim(name, token, self._clock(), self._lease):
            return False
        keeper = asyncio.create_task(self._keep_lease(name, token))
        try:
            next_at = await handler(job_id)
        except Exception:
            log.exception("queued job %s failed; it will be tried again", kind)
            return True
        finally:
            keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper
        if not await self._queue.finish(name, token, next_at):
            log.info("queued job %s was taken over or dropped while it ran", kind)
        return True

    async def _keep_lease(self, name: str, token: str) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            with suppress(RedisError):
                await self._queue.extend(name, token, self._clock() + timedelta(seconds=self._lease))
