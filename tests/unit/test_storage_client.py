"""The Redis client: the URL forms of each topology, a waiting pool sized in settings, one retry on a
dropped connection only (on every topology; a repeated write is recognised by its commit id: see
tests/unit/test_outbox.py), the in-memory store only with the dev extra, and health that asks for a
writable primary."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import fakeredis
import pytest
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot import logs
from bot.config import SettingsError, load_settings
from bot.startup import StartupError
from bot.storage import (
    BlockingSentinelConnectionPool,
    ClusterClient,
    SentinelPrimary,
    Topology,
    connect_redis,
    in_memory_store,
    parse_redis_url,
    writable_primary,
)
from tests.unit.recorded_redis import RecordedServer
from tests.unit.test_validation import settings

PASSWORD = "s3cret-pa/ss"


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


def test_cluster_urls_take_a_seed_list_credentials_and_tls() -> None:
    target = parse_redis_url("rediss+cluster://app:s3cret-pa%2Fss@[::1]:7000,10.0.0.2,10.0.0.3:7002?ssl_cert_reqs=none")
    assert target.topology is Topology.CLUSTER
    assert target.nodes == (("::1", 7000), ("10.0.0.2", 6379), ("10.0.0.3", 7002))
    assert target.options == {"username": "app", "password": PASSWORD, "ssl": True, "ssl_cert_reqs": "none"}


def test_sentinel_urls_name_the_primary_a_database_and_the_sentinels_own_password() -> None:
    target = parse_redis_url(
        "redis+sentinel://:s3cret-pa%2Fss@s1:26380,s2/schedule-sms/2?sentinel_password=sentinels-secret"
    )
    assert (target.topology, target.primary_name) == (Topology.SENTINEL, "schedule-sms")
    assert target.nodes == (("s1", 26380), ("s2", 26379))
    assert target.options == {"password": PASSWORD, "db": 2}
    assert target.sentinel_options == {"password": "sentinels-secret"}


@pytest.mark.parametrize("url", ["redis://:s3cret@localhost:6379/0", "rediss://h:6380", "unix:///run/redis.sock?db=1"])
def test_one_server_urls_are_redis_pys_own(url: str) -> None:
    assert parse_redis_url(url).topology is Topology.STANDALONE


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://:s3cret-pa@h:1", "must start with one of redis://, rediss://, unix://, redis+cluster://"),
        ("redis+sentinel://:s3cret-pa@h:1", "names no primary: redis+sentinel://host:port[,host:port...]/<primary"),
        ("redis+cluster://:s3cret-pa@h:1/3", "a Redis Cluster has only database 0"),
        ("redis+cluster://:s3cret-pa@h:1,:2", "has an empty host in its list of nodes"),
        ("redis+cluster://:s3cret-pa@h:99999", "has a port that is not a number from 1 to 65535 (node h)"),
    ],
)
def test_a_wrong_url_stops_the_app_saying_what_is_wrong_but_never_the_password(
    url: str, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in settings().model_dump().items():
        monkeypatch.setenv(name.upper(), str(value.get_secret_value() if hasattr(value, "get_secret_value") else value))
    monkeypatch.setenv("REDIS_URL", url)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert f"REDIS_URL is invalid: {says}" in str(refused.value) and "s3cret" not in str(refused.value)


def test_a_cluster_client_retries_once_on_a_dropped_connection_never_on_a_timeout() -> None:
    client = connect_redis(settings(redis_url="redis+cluster://:pw@127.0.0.1:1,127.0.0.1:2", redis_max_connections=9))
    assert isinstance(client, ClusterClient) and isinstance(client, RedisCluster)
    assert client.retry.get_retries() == 1
    assert RedisConnectionError in client.ERRORS_ALLOW_RETRY and RedisTimeoutError not in client.ERRORS_ALLOW_RETRY
    assert [node.name for node in client.nodes_manager.startup_nodes.values()] == ["127.0.0.1:1", "127.0.0.1:2"]
    assert (client.connection_kwargs["max_connections"], client.connection_kwargs["password"]) == (9, "pw")
    asyncio.run(client.aclose())


def test_a_sentinel_client_follows_the_primary_through_a_waiting_pool_with_the_same_retry() -> None:
    client = connect_redis(
        settings(redis_url="redis+sentinel://:pw@127.0.0.1:1,127.0.0.1:2/main?sentinel_password=sp",
                 redis_max_connections=7, redis_pool_timeout_seconds=0.5)
    )  # fmt: skip
    assert isinstance(client, SentinelPrimary)
    pool = client.connection_pool
    assert isinstance(pool, BlockingSentinelConnectionPool)
    assert (pool.service_name, pool.is_master, pool.max_connections, pool.timeout) == ("main", True, 7, 0.5)
    retry = pool.connection_kwargs["retry"]
    assert retry.get_retries() == 1
    assert RedisConnectionError in retry._supported_errors and RedisTimeoutError not in retry._supported_errors
    sentinels = pool.sentinel_manager.sentinels
    assert [sentinel.connection_pool.connection_kwargs["password"] for sentinel in sentinels] == ["sp", "sp"]
    asyncio.run(client.aclose())


def test_the_in_memory_store_needs_the_dev_extra_and_says_what_to_do_without_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert isinstance(in_memory_store(), fakeredis.FakeAsyncRedis)
    assert "NO DURABLE STORAGE" in caplog.text
    monkeypatch.setitem(sys.modules, "fakeredis", None)  # not installed
    with pytest.raises(StartupError, match=r"^REDIS_URL is not set and there is no redis-server to run privately: "):
        in_memory_store()


def test_secrets_in_a_sentinel_url_are_scrubbed_from_logs() -> None:
    url = "redis+sentinel://:s3cret-pa%2Fss@h:1/main?sentinel_password=sentinels-secret"
    assert {PASSWORD, "s3cret-pa%2Fss", "sentinels-secret"} <= set(logs.secret_values(settings(redis_url=url)))


def role_of(reply: Any) -> bool:
    async def check() -> bool:
        client = RecordedServer({"ROLE": reply, "PING": "PONG"}).client()
        try:
            return await writable_primary(client)
        finally:
            await client.aclose()

    return asyncio.run(check())


def test_health_wants_a_writable_primary_not_only_an_answer() -> None:
    assert role_of(["master", 0, []]) is True
    assert role_of(["slave", "10.0.0.1", 6379, "connected", 0]) is False  # PING answers; writes are READONLY
    assert role_of(ResponseError("ERR unknown command 'ROLE'")) is True  # renamed away: its PING answered
    assert role_of(RedisConnectionError("down")) is False


def test_a_node_that_is_not_the_primary_has_its_connections_closed_so_new_ones_find_the_primary() -> None:
    """A primary demoted under open connections keeps them; a moving endpoint only moves new ones."""
    server = RecordedServer({"ROLE": ["slave", "10.0.0.1", 6379, "connected", 0], "PING": "PONG"})

    async def check() -> bool:
        client = server.client()
        try:
            healthy = await writable_primary(client)
            await client.ping()
            return healthy
        finally:
            await client.aclose()

    assert asyncio.run(check()) is False
    [(asked_role, _), (pinged, _)] = server.sent
    assert pinged != asked_role


def test_health_takes_the_in_memory_store_at_its_ping() -> None:
    in_memory: Redis = fakeredis.FakeAsyncRedis(decode_responses=True)  # it has no ROLE
    assert asyncio.run(writable_primary(in_memory)) is True
