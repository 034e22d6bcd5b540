"""What the release before bucketed keys kept in Redis, moved once into today's layout (`bot.core.keys`).

Held SMS, their queued hand-offs, series, requests waiting for Confirm and delivery checks survive the
upgrade: at start one instance (under a short lock) moves each old key to its bucket and deletes it, so
running it again, or on a Redis that never had the old layout, moves nothing. A request already claimed
by the old Confirm is dropped rather than moved: its confirmation must never send it a second time.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import cast

from bot.core import keys
from bot.core.jobs import CHECK, HANDOFF
from bot.core.pending import Pending
from bot.core.records import SmsRecord
from bot.core.redis_client import RedisClient
from bot.core.store import ABSENT, Commit, Store, due_key, team_key

log = logging.getLogger(__name__)
_OLD = keys.PREFIX + ":"
_LOCK = keys.key("migrating")


async def migrate(store: Store) -> int:
    """Move every key of the old layout; how many SMS, series, requests and jobs were moved."""
    redis = store.redis
    if not await redis.set(_LOCK, "1", nx=True, ex=300):
        return 0  # another instance is at it
    try:
        moved = await _records(store) + await _series(store) + await _pending(redis) + await _jobs(redis)
    finally:
        await redis.delete(_LOCK)
    if moved:
        log.info("moved %d items kept by an earlier release into today's layout", moved)
    return moved


async def _old_keys(redis: RedisClient, kind: str) -> list[str]:
    return [str(name) async for name in redis.scan_iter(match=f"{_OLD}{kind}:*", count=500)]


async def _records(store: Store) -> int:
    redis, moved = store.redis, 0
    for old in await _old_keys(redis, "sms"):
        record_id = old.removeprefix(f"{_OLD}sms:")
        raw, request = await redis.get(old), await redis.get(f"{_OLD}held:{record_id}")
        if isinstance(raw, str):
            record = SmsRecord.from_json(raw)
            if isinstance(request, str):
                record.request = Pending.from_json(request).request.to_dict()
            commit = Commit(keys.bucket_of(record_id))
            store.put_record(commit, record, ABSENT)
            commit.index_in_team(record, store.oldest())
            moved += await store.apply(commit)
        await redis.delete(old, f"{_OLD}held:{record_id}")
    return moved


async def _series(store: Store) -> int:
    redis, moved = store.redis, 0
    for old in await _old_keys(redis, "series"):
        root = old.removeprefix(f"{_OLD}series:")
        raw, ttl = await redis.get(old), await redis.pttl(old)
        if isinstance(raw, str) and ttl > 0:
            template = Pending.from_json(raw)
            sends = [name async for name in redis.scan_iter(match=keys.of(f"{root}-*", "sms"), count=500)]
            latest = max((int(name.rsplit("-", 1)[1]) for name in sends if name.rsplit("-", 1)[1].isdigit()), default=1)
            document = {"template": template.request.to_dict(), **template.owner(), "stopped": False,
                        "stopped_by": "", "latest": latest}  # fmt: skip
            commit = Commit(keys.bucket_of(root))
            commit.put(keys.of(root, "series"), document, ABSENT, timedelta(milliseconds=ttl))
            moved += await store.apply(commit)
        await redis.delete(old)
    return moved


async def _pending(redis: RedisClient) -> int:
    moved = 0
    for old in await _old_keys(redis, "pending"):
        pending_id = old.removeprefix(f"{_OLD}pending:")
        raw, ttl = await redis.get(old), await redis.pttl(old)
        if isinstance(raw, str) and ttl > 0 and not await redis.exists(f"{_OLD}claim:{pending_id}"):
            moved += bool(await redis.set(keys.of(pending_id, "pending"), raw, px=ttl, nx=True))
        await redis.delete(old)
    for claim in await _old_keys(redis, "claim"):
        await redis.delete(claim)
    return moved


async def _jobs(redis: RedisClient) -> int:
    """Hand-offs and checks (and the checks of the release before the queue), each into its record's bucket."""
    queued = await _scored(redis, f"{_OLD}jobs:due")
    queued += [(f"{CHECK}:{record_id}", score) for record_id, score in await _scored(redis, f"{_OLD}status:due")]
    for name, score in queued:
        kind, _, record_id = name.partition(":")
        if kind in (CHECK, HANDOFF):
            await redis.zadd(due_key(keys.bucket_of(record_id)), {name: score}, nx=True)
    for record_id, score in await _scored(redis, f"{_OLD}history:team"):
        await redis.zadd(team_key(keys.bucket_of(record_id)), {record_id: score}, nx=True)
    await redis.delete(f"{_OLD}jobs:due", f"{_OLD}jobs:owners", f"{_OLD}status:due", f"{_OLD}history:team")
    return len(queued)


async def _scored(redis: RedisClient, key: str) -> list[tuple[str, float]]:
    members = cast(list[tuple[str, float]], await redis.zrange(key, 0, -1, withscores=True))
    return [(str(member), float(score)) for member, score in members]
