"""The Redis client: a waiting pool sized in settings, one retry on a dropped connection only, and a
confirmation claim that stays single when that retry repeats a `SET NX` which had already run."""

from __future__ import annotations

import asyncio
from typing import Any

import fakeredis
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.core.pending import Claim, PendingStore
from bot.storage import connect_redis
from tests.unit.test_validation import settings


def test_the_pool_waits_for_a_connection_and_retries_once_on_a_dropped_one_only() -> None:
    redis = connect_redis(
        settings(redis_url="redis://127.0.0.1:1/0", redis_max_connections=7, redis_pool_timeout_seconds=0.5)
    )
    pool = redis.connection_pool
    assert isinstance(pool, BlockingConnectionPool)
    assert (pool.max_connections, pool.timeout) == (7, 0.5)
    retry = pool.connection_kwargs["retry"]
    assert retry.get_retries() == 1
    assert RedisConnectionError in retry._supported_errors and RedisTimeoutError not in retry._supported_errors
    asyncio.run(redis.aclose())


class ReplyLost(fakeredis.FakeAsyncRedis):
    """The first SET NX runs, then its reply is lost and the client repeats it, as a retry does."""

    async def set(self, *args: Any, **kwargs: Any) -> Any:
        await super().set(*args, **kwargs)
        return await super().set(*args, **kwargs)


def test_a_repeated_claim_still_wins_once() -> None:
    async def run() -> tuple[bool, bool, Claim | None]:
        server = fakeredis.FakeServer()
        store = PendingStore(ReplyLost(server=server, decode_responses=True), 60)
        other = PendingStore(fakeredis.FakeAsyncRedis(server=server, decode_responses=True), 60)
        return await store.claim("p1"), await other.claim("p1"), await store.claim_state("p1")

    first, second, state = asyncio.run(run())
    assert (first, second, state) == (True, False, Claim("checking"))
