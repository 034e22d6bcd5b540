"""Records, series and their jobs in Redis, changed only by compare-and-set.

A `Commit` gathers what one step writes in one bucket (`bot.core.keys`): records and series, each
written only if its `version` is still the one read (or, for a new one, if it does not exist yet),
with the jobs that go with the change. One Lua script applies it all or nothing, on one node even in
a Redis Cluster. Keys outside a bucket (a user's list, Kaleyra's ids) are written after the commit:
they only point to records, and a reader skips a pointer to a record that is not there.

The client retries a command once when its connection drops, and the first try may have run: every
commit carries a unique id, written into what it changes, so a retry that finds its own id knows the
commit took effect instead of taking it for somebody else's.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from bot.core import keys
from bot.core.clock import Clock
from bot.core.delivery import Report
from bot.core.durability import Durability
from bot.core.errors import NotDurable
from bot.core.records import Change, Event, NotAllowed, SmsRecord, State, tally_of, transition
from bot.core.redis_client import RedisClient

log = logging.getLogger(__name__)
ABSENT = -1
LONGEST_WAIT = timedelta(days=93)
"""Kaleyra schedules up to three calendar months ahead (at most 92 days), plus a day of margin."""
WITHDRAWN_KEEP = timedelta(days=7)
"""How long a request withdrawn before Confirm is remembered, to answer a late click on it."""
_CONFLICT_RETRIES = 20

_COMMIT = """
local spec = cjson.decode(ARGV[1])
local read = {}
local function version(k)
  local raw = redis.call('GET', k)
  if not raw then return -1 end
  local ok, doc = pcall(cjson.decode, raw)
  if not ok or type(doc) ~= 'table' then return -2 end
  read[k] = doc
  return tonumber(doc['version']) or 0
end
for _, c in ipairs(spec['check']) do
  if version(KEYS[c[1]]) ~= c[2] then return 0 end
end
for _, t in ipairs(spec['tally']) do
  local before = read[KEYS[t[1]]]
  local was = before and before['tally']
  if type(was) ~= 'string' then was = '' end
  if was ~= t[3] then
    if was ~= '' then redis.call('HINCRBY', KEYS[t[2]], was, -1) end
    if t[3] ~= '' then redis.call('HINCRBY', KEYS[t[2]], t[3], 1) end
    if redis.call('PTTL', KEYS[t[2]]) < tonumber(t[4]) then redis.call('PEXPIRE', KEYS[t[2]], t[4]) end
  end
end
for _, w in ipairs(spec['set']) do redis.call('SET', KEYS[w[1]], w[2], 'PX', w[3]) end
for _, e in ipairs(spec['expire']) do redis.call('PEXPIRE', KEYS[e[1]], e[2]) end
for _, d in ipairs(spec['del']) do redis.call('DEL', KEYS[d]) end
for _, z in ipairs(spec['zadd']) do redis.call('ZADD', KEYS[z[1]], z[2], z[3]) end
for _, z in ipairs(spec['zrem']) do redis.call('ZREM', KEYS[z[1]], z[2]) end
for _, h in ipairs(spec['hdel']) do redis.call('HDEL', KEYS[h[1]], h[2]) end
for _, t in ipairs(spec['trim']) do redis.call('ZREMRANGEBYSCORE', KEYS[t[1]], '-inf', t[2]) end
return 1
"""


def job_name(kind: str, record_id: str) -> str:
    return f"{kind}:{record_id}"


def due_key(bucket: int) -> str:
    return keys.in_bucket(bucket, "jobs", "due")


def owners_key(bucket: int) -> str:
    return keys.in_bucket(bucket, "jobs", "owners")


def tries_key(bucket: int) -> str:
    return keys.in_bucket(bucket, "jobs", "tries")


def again_key(bucket: int) -> str:
    """Jobs asked for again while they ran, by when (a hash): their run's end queues them again."""
    return keys.in_bucket(bucket, "jobs", "again")


def team_key(bucket: int) -> str:
    """The team's records by time, one index per bucket, so no single slot holds the whole team."""
    return keys.in_bucket(bucket, "history", "team")


def unknown_key(bucket: int) -> str:
    """The bucket's SMS whose outcome is unknown, by when they expire less the retention (their send time, or
    when they became unknown if later): the admins' list to check."""
    return keys.in_bucket(bucket, "attention", "unknown")


def user_key(user_id: str) -> str:
    return keys.key("history", "user", user_id)


@dataclass
class Commit:
    """One atomic step in one bucket. Documents (records, series) carry `version`: `put` writes one if
    it is still at `expected` (ABSENT: not there yet), raising its version and stamping the commit's id."""

    bucket: int
    id: str = field(default_factory=lambda: secrets.token_hex(6))
    _keys: list[str] = field(default_factory=list)
    written: dict[str, SmsRecord] = field(default_factory=dict)  # the records it writes, as written
    _spec: dict[str, list[Any]] = field(
        default_factory=lambda: {
            name: [] for name in ("check", "tally", "set", "expire", "del", "zadd", "zrem", "hdel", "trim")
        }
    )

    def _index(self, key: str) -> int:
        if f"{{b{self.bucket}}}" not in key:
            raise ValueError(f"{key} is outside bucket {self.bucket}: one commit, one slot")
        if key not in self._keys:
            self._keys.append(key)
        return self._keys.index(key) + 1

    def put(self, key: str, document: dict[str, Any], expected: int, ttl: timedelta) -> dict[str, Any]:
        written = document | {"version": max(expected, 0) + 1, "commit": self.id}
        index = self._index(key)
        self._spec["check"].append([index, expected])
        self._spec["set"].append([index, json.dumps(written), _milliseconds(ttl)])
        return written

    def set(self, key: str, value: str, ttl: timedelta) -> None:
        """Write a value that carries no version (a pending request)."""
        self._spec["set"].append([self._index(key), value, _milliseconds(ttl)])

    def check(self, key: str, version: int) -> None:
        """Write nothing to `key`, but only if it is still at `version` (a series stopped meanwhile)."""
        self._spec["check"].append([self._index(key), version])

    def delete(self, key: str) -> None:
        self._spec["del"].append(self._index(key))

    def expire(self, key: str, ttl: timedelta) -> None:
        """Keep `key` (a value written earlier) for `ttl` from now."""
        self._spec["expire"].append([self._index(key), _milliseconds(ttl)])

    def tally(self, key: str, counter: str, label: str, ttl: timedelta) -> None:
        """Move one count in the hash `counter` from what the document at `key` was counted as (its
        `tally`, read by the script under the commit's check of it) to `label` ("" takes it out)."""
        self._spec["tally"].append([self._index(key), self._index(counter), label, _milliseconds(ttl)])

    def add_job(self, kind: str, record_id: str, at: datetime) -> None:
        self._spec["zadd"].append([self._index(due_key(self.bucket)), repr(at.timestamp()), job_name(kind, record_id)])

    def drop_job(self, kind: str, record_id: str) -> None:
        name = job_name(kind, record_id)
        self._spec["zrem"].append([self._index(due_key(self.bucket)), name])
        for bookkeeping in (owners_key(self.bucket), tries_key(self.bucket), again_key(self.bucket)):
            self._spec["hdel"].append([self._index(bookkeeping), name])

    def unindex_in_team(self, record: SmsRecord) -> None:
        self._spec["zrem"].append([self._index(team_key(self.bucket)), record.id])

    def index_in_team(self, record: SmsRecord, oldest: datetime) -> None:
        """List `record` in its bucket's team index, dropping entries created before `oldest`."""
        self.list_in_team(record.id, datetime.fromisoformat(record.created_at), oldest)

    def list_in_team(self, listed_id: str, created_at: datetime, oldest: datetime) -> None:
        """An SMS or a batch in the bucket's team index, by when it was made."""
        index = self._index(team_key(self.bucket))
        self._spec["zadd"].append([index, repr(created_at.timestamp()), listed_id])
        self._spec["trim"].append([index, repr(oldest.timestamp())])

    def follow_unknown(self, before: SmsRecord, after: SmsRecord, at: datetime, expired: datetime) -> None:
        """Keep the bucket's list of unknown outcomes (`unknown_key`) in step with a state change made `at`,
        dropping the entries of records surely gone (scored before `expired`)."""
        was, now = before.phase is State.UNCERTAIN, after.phase is State.UNCERTAIN
        if now and not was:
            index = self._index(unknown_key(self.bucket))
            self._spec["zadd"].append([index, repr(max(after.send_time, at).timestamp()), after.id])
            self._spec["trim"].append([index, repr(expired.timestamp())])
        elif was and not now:
            self._spec["zrem"].append([self._index(unknown_key(self.bucket)), after.id])

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def spec(self) -> str:
        return json.dumps(self._spec)


def _milliseconds(ttl: timedelta) -> str:
    return str(max(1, int(ttl.total_seconds() * 1000)))


def tally_key(bucket: int, batch_id: str) -> str:
    """A batch's rows in one bucket, counted by `tally_of` (a hash): the batch's counts are the sum over buckets."""
    return keys.in_bucket(bucket, "tally", batch_id)


class Store:
    def __init__(
        self, redis: RedisClient, clock: Clock, retention_days: int, durability: Durability | None = None
    ) -> None:
        """With `durability`, the commits asked to be durable wait until they are (`bot.core.durability`)."""
        self._redis = redis
        self._durability = durability
        self._clock = clock
        self._retention = timedelta(days=retention_days)
        self._commit = redis.register_script(_COMMIT)
        self.on_row_change: Callable[[str], Awaitable[None]] | None = None
        """Told the batch id when a row of a batch is counted otherwise (`tally_of`) after a change."""

    @property
    def redis(self) -> RedisClient:
        return self._redis

    @property
    def retention(self) -> timedelta:
        """How long a record is kept after its send time (`HISTORY_DAYS`)."""
        return self._retention

    async def apply(self, commit: Commit, *, durable: bool = False) -> bool:
        """Everything in `commit`, or nothing if a document moved on since it was read. A `durable` commit
        that was applied but could not be made durable in time raises `NotDurable`: the caller must not act
        on it (and takes it back)."""
        if durable and self._durability is not None and await self._durability.waits():
            written = await self._durability.write(commit.keys[0], lambda client: self._run(commit, client))
            if written.value and not written.durable:
                raise NotDurable("the app's storage could not confirm it kept this safe")
            return written.value
        return await self._run(commit, None)

    async def _run(self, commit: Commit, client: Redis | None) -> bool:
        return bool(await self._commit(keys=commit.keys, args=[commit.spec()], client=client))

    # --- records ---------------------------------------------------------------------------------

    async def get(self, record_id: str) -> SmsRecord | None:
        raw = await self._redis.get(keys.of(record_id, "sms"))
        return SmsRecord.from_json(raw) if isinstance(raw, str) else None

    async def get_many(self, record_ids: Sequence[str]) -> list[SmsRecord]:
        """In one round trip (per node), in order; expired ones are skipped."""
        if not record_ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for record_id in record_ids:
                pipe.get(keys.of(record_id, "sms"))
            found = await pipe.execute()
        return [SmsRecord.from_json(raw) for raw in found if isinstance(raw, str)]

    def put_record(self, commit: Commit, record: SmsRecord, expected: int) -> SmsRecord:
        """Add `record` to `commit` (at `expected` version), kept `retention` from its send time."""
        now = self._clock.now()
        ttl = max(record.send_time, now) + self._retention - now
        if record.withdrawn:
            ttl = WITHDRAWN_KEEP
        if record.batch:
            record.tally = tally_of(record)
            commit.tally(keys.of(record.id, "sms"), tally_key(commit.bucket, record.batch), record.tally, ttl)
        written = commit.put(keys.of(record.id, "sms"), record.to_dict(), expected, ttl)
        record.version, record.commit = written["version"], written["commit"]
        commit.written[record.id] = record
        return record

    async def change(
        self,
        record_id: str,
        step: Callable[[SmsRecord | None], Awaitable[Commit | None] | Commit | None],
        *,
        durable: bool = False,
        known: SmsRecord | None = None,
    ) -> tuple[SmsRecord | None, bool]:
        """Read the record and let `step` build a commit from it (None: nothing to do), then apply it;
        when the record moved on meanwhile, read it again and ask `step` again. Returns the record as it
        is after (as the commit wrote it), and whether `step`'s commit was applied.

        `known` is the record as the caller has just read it: the first try starts from it instead of
        reading again (the commit's compare-and-set refuses it if it moved on since). The record after a
        commit is the one the commit wrote, so it is not read back either."""
        current = known if known is not None else await self.get(record_id)
        for _ in range(_CONFLICT_RETRIES):
            built = step(current)
            commit = await built if isinstance(built, Awaitable) else built
            if commit is None:
                return current, False
            if await self.apply(commit, durable=durable):
                after = commit.written.get(record_id) or await self.get(record_id)
            else:
                before, current = current, await self.get(record_id)
                if current is None or current.commit != commit.id:
                    continue
                after, current = current, before  # our own commit, applied by a first try whose reply was lost
            counted_otherwise = after is not None and (current is None or tally_of(current) != after.tally)
            if after is not None and after.batch and counted_otherwise and self.on_row_change is not None:
                await self.on_row_change(after.batch)
            return after, True
        raise RuntimeError(f"{record_id} kept changing under {_CONFLICT_RETRIES} tries")

    async def move(
        self,
        record_id: str,
        event: Event,
        change: Change | None = None,
        *,
        when: Callable[[SmsRecord], bool] = lambda record: True,
        also: Callable[[Commit, SmsRecord], None] = lambda commit, record: None,
        durable: bool = False,
        known: SmsRecord | None = None,
    ) -> tuple[SmsRecord | None, bool]:
        """Apply `event` to the record as it is now, if its state allows it (`bot.core.records.TABLE`) and
        `when` holds; `also` adds what goes with the change (jobs) and may complete the moved record. The
        record as it is after, and whether this call moved it. `known`: as in `change`."""

        def step(current: SmsRecord | None) -> Commit | None:
            if current is None or not when(current):
                return None
            try:
                moved = transition(current, event, change or Change())
            except NotAllowed:
                return None
            commit = Commit(keys.bucket_of(record_id))
            also(commit, moved)
            now = self._clock.now()
            commit.follow_unknown(current, moved, now, now - self._retention)
            self.put_record(commit, moved, current.version)
            return commit

        return await self.change(record_id, step, durable=durable, known=known)

    async def annotate(
        self,
        record_id: str,
        edit: Callable[[SmsRecord], bool],
        also: Callable[[Commit, SmsRecord], None] = lambda commit, record: None,
    ) -> tuple[SmsRecord | None, bool]:
        """Change what is not the SMS's state (its channel post, delivery statuses) by compare-and-set:
        `edit` changes a copy of the record and says whether there is anything to write."""

        def step(current: SmsRecord | None) -> Commit | None:
            if current is None:
                return None
            edited = SmsRecord.from_json(current.to_json())
            if not edit(edited):
                return None
            commit = Commit(keys.bucket_of(record_id))
            also(commit, edited)
            self.put_record(commit, edited, current.version)
            return commit

        return await self.change(record_id, step)

    def oldest(self) -> datetime:
        """Records created before this have surely expired (kept `retention` past a send at most 93 days on)."""
        return self._clock.now() - self._retention - LONGEST_WAIT

    async def index(self, record: SmsRecord) -> None:
        """Point the user's list and Kaleyra's ids at `record`, once it exists."""
        now = self._clock.now()
        ttl = int((max(record.send_time, now) + self._retention - now).total_seconds())
        index_ttl = int((self._retention + LONGEST_WAIT).total_seconds())
        oldest = self.oldest().timestamp()
        async with self._redis.pipeline(transaction=False) as pipe:
            if not record.withdrawn and not record.batch:  # a batch is listed as one, not row by row
                user = user_key(record.user_id)
                pipe.zadd(user, {record.id: datetime.fromisoformat(record.created_at).timestamp()})
                pipe.zremrangebyscore(user, "-inf", oldest)
                pipe.expire(user, index_ttl)
            for message_id in record.messages:
                pipe.set(keys.key("message", message_id), record.id, ex=max(ttl, 1))
            for batch_id in record.batch_ids:
                pipe.set(keys.key("batch", batch_id), record.id, ex=max(ttl, 1))
            await pipe.execute()

    async def find(self, report: Report) -> str | None:
        """The record a delivery report belongs to, by message id, or by batch id (some callbacks send that)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(keys.key("message", report.message_id))
            pipe.get(keys.key("batch", report.message_id))
            by_message, by_batch = await pipe.execute()
        found = by_message or by_batch
        return found if isinstance(found, str) else None

    async def recent(self, user_id: str | None, offset: int, count: int) -> tuple[list[SmsRecord], bool]:
        """Newest first, for one user (or the team with None); and whether there are more."""
        ids, more = await self.recent_ids(user_id, offset, count)
        return await self.get_many(ids), more

    async def recent_ids(self, user_id: str | None, offset: int, count: int) -> tuple[list[str], bool]:
        """The ids listed (SMS, and batches: `bot.core.batches`), newest first; and whether there are more."""
        if user_id is not None:
            ids = [str(found) for found in await self._redis.zrevrange(user_key(user_id), offset, offset + count)]
        else:
            async with self._redis.pipeline(transaction=False) as pipe:
                for bucket in range(keys.BUCKETS):
                    pipe.zrevrange(team_key(bucket), 0, offset + count, withscores=True)
                answers = await pipe.execute()
            merged = sorted(((score, str(found)) for answer in answers for found, score in answer), reverse=True)
            ids = [found for _, found in merged[offset : offset + count + 1]]
        return ids[:count], len(ids) > count

    async def unknown(self, count: int) -> tuple[list[SmsRecord], int]:
        """The latest `count` SMS whose outcome is unknown, by send time, newest first, and how many there are:
        two small reads per bucket, in one round trip."""
        alive = repr((self._clock.now() - self._retention).timestamp())
        async with self._redis.pipeline(transaction=False) as pipe:
            for bucket in range(keys.BUCKETS):
                pipe.zrevrangebyscore(unknown_key(bucket), "+inf", alive, start=0, num=count, withscores=True)
                pipe.zcount(unknown_key(bucket), alive, "+inf")
            answers = await pipe.execute()
        newest = sorted(((score, str(found)) for answer in answers[::2] for found, score in answer), reverse=True)
        records = await self.get_many([found for _, found in newest[:count]])
        return [record for record in records if record.phase is State.UNCERTAIN], sum(answers[1::2])

    async def get_document(self, key: str) -> dict[str, Any] | None:
        """A versioned document other than a record (a series)."""
        raw = await self._redis.get(key)
        return json.loads(raw) if isinstance(raw, str) else None
