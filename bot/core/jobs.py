"""Shared delayed jobs: a sorted set by due time in each bucket, each job claimed with a lease and an owner token.

Any instance runs any due job. One script call per bucket claims what is due there *now* (an instance
working from an old reading cannot take a job another has just moved), moving each job's score to the end
of its lease, so a job whose instance dies comes back by itself; the calls for all buckets go at once.
A runner claims about as many jobs as it has free slots, spread over the buckets (one from each at
least), and claims again as soon as slots free up: no ceiling per poll, and no instance takes more than it
can start, so what is due at once is shared by every instance running.
`finish` acts only for the token that claimed: a worker whose lease ran out can neither reschedule nor
remove a job another instance has claimed since. While jobs run, their leases are extended. A job asked
for while it runs (a debounced `put`: a batch's rows changing while its post is written) runs again after.

Jobs are named `<kind>:<record id>` and live in their record's bucket, so a record's state change and its
jobs commit together (`bot.core.store.Commit`). A handler returns the job's next due time, or None when
it is done. A job whose handler keeps failing is tried `max_attempts` times, with a growing pause, then
given up: its kind's `give_up` is told (the hand-off marks the SMS failed and tells its owner).

Waiting: each poll learns every bucket's next due time. An idle runner sleeps until the earliest, or
until it puts a job due sooner itself, and looks at every bucket again at least every `poll_seconds`
(jobs another instance added). `run_due` is the same step on demand, for tests that move the clock.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import secrets
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from redis.asyncio import RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from bot import metrics
from bot.core import keys
from bot.core.clock import Clock
from bot.core.redis_client import RedisClient
from bot.core.store import again_key, due_key, job_name, owners_key, tries_key

log = logging.getLogger(__name__)

CHECK = "check"  # a delivery-status check of a sent SMS
HANDOFF = "handoff"  # a held SMS handed to Kaleyra (and the watch over a send under way)
GROUP = "group"  # rows of a batch with the same text and time, handed to Kaleyra in one request
BATCH = "batch"  # a batch's channel post brought up to date (and a Confirm that stalled, completed)

Handler = Callable[[str], Awaitable[datetime | None]]
GiveUp = Callable[[str, int], Awaitable[None]]

_CLAIM = """
local names = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, name in ipairs(names) do
  redis.call('ZADD', KEYS[1], ARGV[2], name)
  redis.call('HSET', KEYS[2], name, ARGV[3])
  out[#out + 1] = name
  out[#out + 1] = redis.call('HINCRBY', KEYS[3], name, 1)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
out[#out + 1] = first[2] or ''
return out
"""
_EXTEND = """
local n = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
    n = n + 1
  end
end
return n
"""
_FINISH = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[4] == 'done' then redis.call('HDEL', KEYS[3], ARGV[1]) end
local at, again = ARGV[3], redis.call('HGET', KEYS[4], ARGV[1])
if again then
  redis.call('HDEL', KEYS[4], ARGV[1])
  if at == '' or tonumber(again) < tonumber(at) then at = again end
end
if at == '' then redis.call('ZREM', KEYS[1], ARGV[1]) else redis.call('ZADD', KEYS[1], at, ARGV[1]) end
return 1
"""
_PUT_UNLESS_QUEUED = """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  local again = redis.call('HGET', KEYS[3], ARGV[1])
  if again and tonumber(again) <= tonumber(ARGV[2]) then return 0 end
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
  return 1
end
return redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
"""

_OVERVIEW = """
local now, count, scan = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local upcoming = {}
local ahead = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, scan)
for i = 1, #ahead, 2 do
  local name = ahead[i]
  if #upcoming < 2 * count and string.sub(name, 1, 8) == 'handoff:' and redis.call('HEXISTS', KEYS[2], name) == 0 then
    upcoming[#upcoming + 1] = name
    upcoming[#upcoming + 1] = ahead[i + 1]
  end
end
local retried = {}
local tries = redis.call('HGETALL', KEYS[3])
for i = 1, #tries, 2 do
  if tonumber(tries[i + 1]) > 1 and #retried < 2 * count then
    retried[#retried + 1] = tries[i]
    retried[#retried + 1] = tries[i + 1]
  end
end
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCOUNT', KEYS[1], '-inf', now), redis.call('HLEN', KEYS[2]),
        upcoming, retried, redis.call('ZREVRANGE', KEYS[4], 0, count - 1, 'WITHSCORES')}
"""
_JITTER = random.Random()
"""Spreads instances' polls apart: a generator of its own, untouched by (and not touching) the shared one."""
GIVEN_UP_KEPT = timedelta(days=7)
"""How long a job given up stays in the admins' view."""
_SCANNED = 200
"""The nearest jobs of each bucket looked at for its next hand-offs (status checks share the queue)."""


def given_up_key(bucket: int) -> str:
    """The bucket's jobs given up, by when (sorted set): the admins' view."""
    return keys.in_bucket(bucket, "jobs", "given_up")


@dataclass(frozen=True)
class QueueView:
    """The shared queue as the admins see it, all buckets together."""

    queued: int  # every job waiting, claimed or not
    due: int  # due now and not claimed yet
    running: int  # claimed by an instance
    next_handoffs: list[tuple[str, datetime]]  # record id, when, the nearest first
    retried: list[tuple[str, str, int]]  # kind, record id, tries so far: failed (or its instance stopped) before
    given_up: list[tuple[str, str, datetime]]  # kind, record id, when: the latest first


@dataclass(frozen=True)
class Claimed:
    name: str
    bucket: int
    token: str
    tries: int

    @property
    def kind(self) -> str:
        return self.name.partition(":")[0]

    @property
    def job_id(self) -> str:
        return self.name.partition(":")[2]


class JobQueue:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis
        self._claim = redis.register_script(_CLAIM)
        self._extend = redis.register_script(_EXTEND)
        self._finish = redis.register_script(_FINISH)
        self._put_unless_queued = redis.register_script(_PUT_UNLESS_QUEUED)
        self._overview = redis.register_script(_OVERVIEW)
        self.on_put: Callable[[datetime], None] = lambda at: None  # the runner's wake-up

    async def put(self, kind: str, record_id: str, at: datetime, *, unless_queued: bool = False) -> bool:
        """Add (or move) a job outside a commit; most jobs go in with their record's change instead. With
        `unless_queued`, a job already queued keeps its time (a debounce: the first change sets when), and
        the answer says whether this call queued it."""
        name, bucket = job_name(kind, record_id), keys.bucket_of(record_id)
        if unless_queued:  # a job running now counts as queued for after its run (`again_key`)
            job_keys = [due_key(bucket), owners_key(bucket), again_key(bucket)]
            added = bool(await self._put_unless_queued(keys=job_keys, args=[name, repr(at.timestamp())]))
        else:
            added = bool(await self._redis.zadd(due_key(bucket), {name: at.timestamp()}))
        if added:
            self.on_put(at)
        return added or not unless_queued

    async def due_at(self, kind: str, record_id: str) -> datetime | None:
        score = await self._redis.zscore(due_key(keys.bucket_of(record_id)), job_name(kind, record_id))
        return datetime.fromtimestamp(score, UTC) if score is not None else None

    async def claim(self, now: datetime, lease_seconds: float, limit: int) -> tuple[list[Claimed], float]:
        """Up to `limit` due jobs of each bucket, leased to one new token; and the earliest due time left
        (a timestamp; infinity when every bucket is empty)."""
        token, lease_end = secrets.token_hex(12), now.timestamp() + lease_seconds
        args: list[str | int] = [repr(now.timestamp()), repr(lease_end), token, limit]
        calls = [([due_key(bucket), owners_key(bucket), tries_key(bucket)], args) for bucket in range(keys.BUCKETS)]
        answers = await self._in_one_trip(self._claim, calls)
        claimed, earliest = [], math.inf
        for bucket, answer in enumerate(answers):
            *pairs, first = answer
            claimed += [Claimed(str(pairs[i]), bucket, token, int(pairs[i + 1])) for i in range(0, len(pairs), 2)]
            if first not in ("", None):
                earliest = min(earliest, float(first))
        return claimed, earliest

    async def extend(self, jobs: list[Claimed], until: datetime) -> None:
        by_bucket: dict[tuple[int, str], list[str]] = {}
        for job in jobs:
            by_bucket.setdefault((job.bucket, job.token), []).append(job.name)
        calls: list[tuple[list[str], list[str | int]]] = [
            ([due_key(bucket), owners_key(bucket)], [token, repr(until.timestamp()), *names])
            for (bucket, token), names in by_bucket.items()
        ]
        await self._in_one_trip(self._extend, calls)

    async def _in_one_trip(self, script: AsyncScript, calls: list[tuple[list[str], list[str | int]]]) -> list[Any]:
        """Run `script` once per call: in one pipeline on one server; on a Cluster (whose pipelines take no
        scripts) all at once, each to the node of its bucket."""
        if isinstance(self._redis, RedisCluster):
            return list(await asyncio.gather(*(script(keys=names, args=args) for names, args in calls)))
        async with self._redis.pipeline(transaction=False) as pipe:
            for names, args in calls:
                await script(keys=names, args=args, client=pipe)  # the pipeline loads the script if need be
            return list(await pipe.execute())

    async def view(self, now: datetime, count: int) -> QueueView:
        """What is queued, due and running, the next `count` hand-offs, and up to `count` jobs retried and given
        up: one short script per bucket (no job is read beyond the nearest few of each), in one round trip."""
        calls: list[tuple[list[str], list[str | int]]] = [
            (
                [due_key(bucket), owners_key(bucket), tries_key(bucket), given_up_key(bucket)],
                [repr(now.timestamp()), count, _SCANNED],
            )
            for bucket in range(keys.BUCKETS)
        ]
        answers = await self._in_one_trip(self._overview, calls)
        upcoming: list[tuple[str, datetime]] = []
        retried: list[tuple[str, str, int]] = []
        given_up: list[tuple[str, str, datetime]] = []
        for _, _, _, ahead, tried, gone in answers:
            upcoming += [(_parts(ahead[i])[1], _instant(ahead[i + 1])) for i in range(0, len(ahead), 2)]
            retried += [(*_parts(tried[i]), int(tried[i + 1])) for i in range(0, len(tried), 2)]
            given_up += [(*_parts(gone[i]), _instant(gone[i + 1])) for i in range(0, len(gone), 2)]
        return QueueView(
            queued=sum(int(answer[0]) for answer in answers),
            due=sum(int(answer[1]) for answer in answers),
            running=sum(int(answer[2]) for answer in answers),
            next_handoffs=sorted(upcoming, key=lambda entry: entry[1])[:count],
            retried=sorted(retried, key=lambda entry: -entry[2])[:count],
            given_up=sorted(given_up, key=lambda entry: entry[2], reverse=True)[:count],
        )

    async def note_given_up(self, job: Claimed, at: datetime) -> None:
        """Remember a job given up for the admins' view, a week at most."""
        key = given_up_key(job.bucket)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {job.name: at.timestamp()})
            pipe.zremrangebyscore(key, "-inf", (at - GIVEN_UP_KEPT).timestamp())
            await pipe.execute()

    async def finish(self, job: Claimed, next_at: datetime | None, *, failed: bool = False) -> bool:
        """Reschedule (or, with None, remove) a job this token holds; False if it no longer does. A failed
        run keeps its count of tries."""
        bucket = job.bucket
        args = [
            job.name,
            job.token,
            "" if next_at is None else repr(next_at.timestamp()),
            "failed" if failed else "done",
        ]
        job_keys = [due_key(bucket), owners_key(bucket), tries_key(bucket), again_key(bucket)]
        return bool(await self._finish(keys=job_keys, args=args))


class JobRunner:
    """Runs what is due, at most `concurrency` jobs at once; see the module docstring for how it waits.

    No in-process timers: everything due lives in Redis, so a restart or another instance picks it up.
    """

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, Handler],
        clock: Clock,
        *,
        poll_seconds: float,
        lease_seconds: float,
        concurrency: int = 50,
        max_attempts: int = 8,
        give_up: Mapping[str, GiveUp] | None = None,
    ) -> None:
        self._queue = queue
        self._handlers = handlers
        self._give_up = give_up or {}
        self._clock = clock
        self._poll = poll_seconds
        self._lease = lease_seconds
        self._max_attempts = max_attempts
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._held: dict[str, Claimed] = {}  # claimed by this runner and not finished: their leases are kept
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._next_due = math.inf
        self._task: asyncio.Task[None] | None = None
        queue.on_put = self._put_at

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever())

    async def stop(self, timeout: float) -> None:
        """Stop claiming; let jobs in flight (maybe talking to Kaleyra) finish, up to `timeout`."""
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

    @property
    def in_flight(self) -> int:
        return len(self._held)

    async def run_due(self) -> int:
        """Claim every job due now (by the app's clock) and run them all to their end, with those the runner's
        own loop has claimed meanwhile; how many this call ran."""
        ran = 0
        while True:
            claimed, _ = await self._queue.claim(self._clock.now(), self._lease, self._concurrency)
            if claimed:
                await asyncio.gather(*(self._run(job) for job in self._adopt(claimed)))
                ran += len(claimed)
            elif self._running:
                await asyncio.gather(*list(self._running), return_exceptions=True)
            else:
                return ran

    def _put_at(self, at: datetime) -> None:
        if at.timestamp() < self._next_due:
            self._next_due = at.timestamp()
            self._wake.set()

    def _adopt(self, claimed: list[Claimed]) -> list[Claimed]:
        for job in claimed:
            self._held[job.name] = job
        return claimed

    async def _run_forever(self) -> None:
        done = asyncio.Event()
        keeper = asyncio.create_task(self._keep_leases(done))
        last_full = -math.inf
        try:
            while not self._stopping.is_set():
                now = self._clock.now()
                free = self._concurrency - len(self._held)
                if free > 0 and (now.timestamp() >= self._next_due or _monotonic() - last_full >= self._poll):
                    last_full = _monotonic()
                    await self._poll_once(now, free)
                wait = min(self._poll, max(0.0, self._next_due - self._clock.now().timestamp()))
                if self._held and len(self._held) >= self._concurrency:
                    wait = self._poll  # full: a job ending wakes the loop
                self._wake.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._either(), wait + _JITTER.uniform(0, 0.05))
            if self._running:
                await asyncio.gather(*self._running, return_exceptions=True)
        finally:
            done.set()
            keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper

    async def _either(self) -> None:
        """Until woken (a job put due sooner, a job ended, stopping)."""
        waits = [asyncio.ensure_future(event.wait()) for event in (self._wake, self._stopping)]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _poll_once(self, now: datetime, free: int) -> None:
        try:
            claimed, earliest = await self._queue.claim(now, self._lease, math.ceil(free / keys.BUCKETS))
        except Exception as exc:  # noqa: BLE001  the runner must outlive any failure: it polls again
            _paused("queued jobs", exc)
            self._next_due = now.timestamp() + self._poll
            return
        self._next_due = now.timestamp() if claimed else earliest  # more may be due: look again at once
        for kind in metrics.JOB_KINDS:
            metrics.jobs_due(kind, sum(job.kind == kind for job in claimed))
        for job in self._adopt(claimed):
            task = asyncio.create_task(self._run(job))
            self._running.add(task)
            task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def _run(self, job: Claimed) -> None:
        async with self._slots:
            try:
                await self._run_claimed(job)
            except Exception as exc:  # noqa: BLE001  its lease runs out and it is tried again
                _paused(f"queued job {job.kind}", exc)
            finally:
                self._held.pop(job.name, None)

    async def _run_claimed(self, job: Claimed) -> None:
        handler = self._handlers.get(job.kind)
        if handler is None:
            log.error("no handler for queued job %s; dropped", job.kind)
            await self._queue.finish(job, None)
            return
        if job.tries > self._max_attempts:
            log.error("queued job %s failed %d times; giving up", job.kind, job.tries - 1)
            await self._queue.note_given_up(job, self._clock.now())
            if give_up := self._give_up.get(job.kind):
                await give_up(job.job_id, job.tries - 1)
            await self._queue.finish(job, None)
            return
        try:
            with metrics.job_in_flight(cast(metrics.JobKind, job.kind)):
                next_at = await handler(job.job_id)
        except RedisError:
            raise
        except Exception:
            log.exception("queued job %s failed (try %d of %d)", job.kind, job.tries, self._max_attempts)
            pause = timedelta(seconds=min(self._lease, 2.0**job.tries))
            await self._queue.finish(job, self._clock.now() + pause, failed=True)
            return
        if not await self._queue.finish(job, next_at):
            log.info("queued job %s was taken over or dropped while it ran", job.kind)
        elif next_at is not None:
            self._put_at(next_at)

    async def _keep_leases(self, done: asyncio.Event) -> None:
        """Every third of a lease, until `done`: the leases of the jobs still running are renewed. It ends on
        `done` as well as on being cancelled, as a client library that swallows a cancellation (seen while it
        renewed leases) would otherwise keep it, and the runner's stop, going until the drain time runs out."""
        while not done.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self._lease / 3)
            if not done.is_set() and (held := list(self._held.values())):
                try:
                    await self._queue.extend(held, self._clock.now() + timedelta(seconds=self._lease))
                except Exception as exc:  # noqa: BLE001  tried again a third of a lease later
                    _paused("keeping leases", exc)


def _paused(what: str, exc: Exception) -> None:
    """Storage out of reach is a warning; anything else (a client library's own bug, say) is logged whole.
    Either way the work is tried again: a runner that stopped would leave every held SMS unsent."""
    if isinstance(exc, RedisError):
        log.warning("%s paused: storage unavailable (%s)", what, type(exc).__name__)
    else:
        log.exception("%s paused: unexpected failure", what)


def _parts(name: Any) -> tuple[str, str]:
    """A job's kind and record id, from its name."""
    kind, _, job_id = str(name).partition(":")
    return kind, job_id


def _instant(score: Any) -> datetime:
    return datetime.fromtimestamp(float(score), UTC)


def _monotonic() -> float:
    return asyncio.get_running_loop().time()
