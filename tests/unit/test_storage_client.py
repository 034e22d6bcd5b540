"""The Redis client: a waiting pool sized in settings, and one retry on a dropped connection only (a
repeated write is recognised by its commit id: see tests/unit/test_outbox.py)."""

from __future__ import annotations

import asyncio

from redis.asyncio import BlockingConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.app import connect_redis
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
