"""Critical writes made durable on real redis-servers (7.0 here: WAIT for real; WAITAOF is found absent, and
its replies are in tests/unit/test_durability.py), what start-up says about Redis, and limits on a Cluster."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from redis.asyncio import Redis

from bot.core.durability import Durability, Mode, Requirement, inspect
from bot.core.quota import Quota
from bot.core.redis_client import RedisClient
from bot.core.refusals import Reason
from bot.storage import connect_redis
from tests.e2e.fakes import FakeKaleyra, FakeSlack
from tests.e2e.harness import RedisServer
from tests.e2e.redis_deployments import RedisClusterSet, SentinelSet, answers, link_of, settle
from tests.e2e.test_process import BotProcess, app_env
from tests.e2e.test_startup import stopped_output
from tests.unit.test_validation import settings

T = TypeVar("T")


def on(url: str, use: Callable[[RedisClient], Awaitable[T]]) -> T:
    """`use` run with the app's client for `url`, closed afterwards."""

    async def run() -> T:
        client = connect_redis(settings(redis_url=url))
        try:
            return await use(client)
        finally:
            await client.aclose()

    return asyncio.run(run())


def holding(key: str, value: str) -> Callable[[Redis], Awaitable[None]]:
    async def hold(client: Redis) -> None:
        async with client.pipeline() as pipe:
            pipe.set(key, value).set(f"{key}:index", value)
            await pipe.execute()

    return hold


def durably_written(url: str, mode: Mode, key: str, value: str, *, timeout_ms: int = 3000) -> bool:
    """Whether the write was made durable within `timeout_ms` (a write that is answers as soon as it is:
    the long default only leaves room for a loaded machine)."""

    async def write(client: RedisClient) -> bool:
        return (await Durability(client, mode, timeout_ms=timeout_ms).write(key, holding(key, value))).durable

    return on(url, write)


@pytest.fixture
def primary_and_replica() -> Iterator[tuple[RedisServer, RedisServer]]:
    primary = RedisServer(persistent=True)
    replica = RedisServer(config=[f"replicaof 127.0.0.1 {primary.port}"])
    settle(lambda: link_of(replica) == "up", "the replica to sync")
    yield primary, replica
    replica.close()
    primary.close()


def test_a_write_the_replica_has_is_durable_and_one_it_lacks_is_not_and_is_lost_at_failover(
    sentinel_set: SentinelSet,
) -> None:
    assert durably_written(sentinel_set.url, Mode.REPLICAS, "{sms:1}", "held")
    sentinel_set.cut_replication()  # the replica falls behind, as an asynchronous one can
    assert not durably_written(sentinel_set.url, Mode.REPLICAS, "{sms:2}", "held", timeout_ms=300)
    promoted = sentinel_set.kill_primary()
    with promoted.client() as client:
        assert (client.get("{sms:1}"), client.get("{sms:2}")) == ("held", None)  # why it was not vouched for


def test_under_sentinel_auto_waits_for_a_replica_even_when_none_is_connected(sentinel_set: SentinelSet) -> None:
    sentinel_set.cut_replication()
    assert on(sentinel_set.url, lambda client: Durability(client, Mode.AUTO).requirement()) == Requirement(1)
    assert not durably_written(sentinel_set.url, Mode.AUTO, "{sms:1}", "held", timeout_ms=300)


def test_a_session_whose_connection_was_killed_is_not_vouched_for(
    primary_and_replica: tuple[RedisServer, RedisServer],
) -> None:
    primary, _ = primary_and_replica

    async def killed_midway(client: RedisClient) -> tuple[bool, str | None]:
        async with Durability(client, Mode.REPLICAS).session("{sms:1}") as session:
            await session.client.set("{sms:1}", "first")
            with primary.client() as admin:
                admin.client_kill_filter(_id=await session.client.client_id())
            await session.client.set("{sms:1}", "second")  # retried once, on a new connection
            return await session.wait_until_durable(), await client.get("{sms:1}")

    assert on(primary.url, killed_midway) == (False, "second")


def test_on_a_cluster_each_write_waits_on_the_node_of_its_key() -> None:
    cluster = RedisClusterSet(replicas=1)
    try:
        alone = "{sms:1}"
        lonely = cluster.primary_for(alone)
        other = next(key for key in (f"{{sms:{n}}}" for n in range(2, 99)) if cluster.primary_for(key) is not lonely)
        assert durably_written(cluster.url, Mode.REPLICAS, alone, "held")
        [its_replica] = cluster.replicas_of(lonely)
        its_replica.kill()  # that node has no replica now; the other still has its own
        assert not durably_written(cluster.url, Mode.REPLICAS, alone, "held again", timeout_ms=300)
        assert durably_written(cluster.url, Mode.REPLICAS, other, "held")
    finally:
        cluster.close()


def test_redis_7_0_is_found_without_waitaof_and_with_its_append_only_file(persistent_redis: RedisServer) -> None:
    report = on(persistent_redis.url, inspect)
    if report.waitaof:
        pytest.skip(f"this redis-server ({report.version}) has WAITAOF: its absence cannot be shown here")
    assert (report.primary, report.replicas, report.aof, report.appendfsync) == (True, 0, True, "always")
    assert report.version is not None and report.version.startswith("7.0")


def test_asking_for_waitaof_on_redis_7_0_stops_the_app_at_start_with_one_line(
    slack: FakeSlack, kaleyra: FakeKaleyra, persistent_redis: RedisServer, tmp_path: Path
) -> None:
    version = on(persistent_redis.url, inspect).version
    if on(persistent_redis.url, inspect).waitaof:
        pytest.skip(f"this redis-server ({version}) has WAITAOF")
    env = app_env(slack, kaleyra, REDIS_URL=persistent_redis.url, REDIS_DURABILITY="aof")
    code, lines, _ = stopped_output(env, tmp_path)
    assert code == 1
    assert lines[-1].endswith(
        f"ERROR schedule_sms: REDIS_DURABILITY=aof needs WAITAOF, which Redis has from 7.2 (this server is {version}): "
        "upgrade Redis, or use replicas (WAIT) or none"
    )


@pytest.mark.parametrize("config_available", [True, False])
def test_start_up_says_what_redis_lacks_and_what_it_could_not_check(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path, config_available: bool
) -> None:
    """A primary without its append-only file, with a replica and min-replicas-to-write 0; a managed Redis
    often hides CONFIG (renamed away here)."""
    primary = RedisServer(config=[] if config_available else ['rename-command CONFIG ""'])
    replica = RedisServer(config=[f"replicaof 127.0.0.1 {primary.port}"])
    try:
        settle(lambda: link_of(replica) == "up", "the replica to sync")
        app = BotProcess(app_env(slack, kaleyra, REDIS_URL=primary.url), tmp_path)
        output = app.stop()
    finally:
        replica.close()
        primary.close()
    said = {
        line.split(" bot.storage: ", 1)[1]: line.split()[1] for line in output.splitlines() if " bot.storage: " in line
    }
    assert (
        said[
            "Redis's append-only file is off (appendonly no): a restart of Redis loses held SMS, queued "
            "hand-offs and pending requests written since its last snapshot; turn it on (appendonly yes)"
        ]
        == "WARNING"
    )
    assert said["critical writes (a hold, the hand-off mark) wait for 1 replica to have it (WAIT), at most 500 ms"] == (
        "INFO"
    )  # fmt: skip
    min_replicas = next(line for line in said if "min-replicas-to-write" in line)
    if config_available:
        assert min_replicas.startswith("Redis has replicas and min-replicas-to-write 0: ") and said[min_replicas] == (
            "WARNING"
        )  # fmt: skip
    else:
        assert min_replicas.startswith("could not check min-replicas-to-write (CONFIG is not available") and said[
            min_replicas] == "INFO"  # fmt: skip


def test_limits_are_counted_on_a_cluster(redis_cluster: RedisClusterSet) -> None:
    async def three_sends(client: RedisClient) -> list[Any]:
        quota = Quota(client, per_minute=2, per_day=0)
        return [await quota.refusal("U1", 1, "Asia/Kolkata", take=True) for _ in range(3)]

    first, second, third = on(redis_cluster.url, three_sends)
    assert first is None and second is None
    assert third is not None and third.reason is Reason.LIMIT_REACHED
    assert third.message.startswith("You have reached your limit of 2 SMS a minute (0 left, 1 needed)")
    [counter] = [key for node in redis_cluster.nodes for key in answers(node, "KEYS", "schedule-sms-limits*")]
    with redis_cluster.primary_for(counter).client() as node:
        assert node.get(counter) == "2"


def test_a_cluster_url_naming_a_server_without_cluster_mode_stops_the_app_at_start_with_one_line(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer, tmp_path: Path
) -> None:
    env = app_env(slack, kaleyra, REDIS_URL=f"redis+cluster://{redis_server.address}")
    code, lines, _ = stopped_output(env, tmp_path)
    assert code == 1
    assert "ERROR schedule_sms: REDIS_URL names a Redis Cluster the app cannot use: " in lines[-1]
    assert lines[-1].endswith("Cluster mode is not enabled on this node")
