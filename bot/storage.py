"""Connecting to Redis as it is deployed: one server, a primary managed by Sentinel, or a Redis Cluster.

`REDIS_URL` takes one of these forms (user and password optional, percent-encoded where needed):

    redis://[[user]:password@]host:port[/db]            one server, or an endpoint that moves on failover
    rediss://...                                         the same over TLS
    unix:///path/to/redis.sock[?db=0]                    a server on this machine, over a unix socket
    redis+cluster://[[user]:password@]host:port[,host:port...]
    rediss+cluster://...                                 Redis Cluster, found from any of these seed nodes
    redis+sentinel://[[user]:password@]host:port[,host:port...]/<primary name>[/db]
    rediss+sentinel://...                                the primary named in Sentinel, followed on failover

Query options are redis-py's connection options (`?ssl_cert_reqs=none`, `?ssl_ca_certs=/path/ca.pem`, ...).
With Sentinel, the user and password are the data nodes'; `sentinel_username` and `sentinel_password` in the
query authenticate to the sentinels themselves, and TLS (`rediss+sentinel://`) applies to both.

Retries, on every topology: a command is retried once, shortly, only when its connection dropped (a pooled
connection left stale by a restart, or a primary demoted under a Sentinel-managed pool, which redis-py
turns into a dropped connection), never on a timeout: a slow server may already have run it. A retried
command can still have run once before the drop; each non-idempotent one is safe to repeat where it is
issued (see `PendingStore.claim`). On a Cluster the retry also re-reads the slot map, which is how a
cluster failover is followed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster, Sentinel
from redis.asyncio.cluster import ClusterNode, ClusterPipeline
from redis.asyncio.connection import SSLConnection, parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import (
    ClusterDownError,
    NoPermissionError,
    RedisClusterException,
    RedisClusterUnreachableError,
    ResponseError,
    SlotNotCoveredError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.typing import EncodableT

from bot.core import durability
from bot.core.redis_client import RedisClient
from bot.startup import StartupError

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

SOCKET_TIMEOUT_SECONDS = 2.0
"""Longest wait for one reply; `REDIS_DURABILITY_TIMEOUT_MS` stays under it."""
DEFAULT_PORTS = {"redis": 6379, "sentinel": 26379}


class Topology(Enum):
    STANDALONE = "standalone"
    CLUSTER = "cluster"
    SENTINEL = "sentinel"


SCHEMES = {
    "redis": Topology.STANDALONE,
    "rediss": Topology.STANDALONE,
    "unix": Topology.STANDALONE,
    "redis+cluster": Topology.CLUSTER,
    "rediss+cluster": Topology.CLUSTER,
    "redis+sentinel": Topology.SENTINEL,
    "rediss+sentinel": Topology.SENTINEL,
}


@dataclass(frozen=True)
class RedisTarget:
    """Where `REDIS_URL` points, read without connecting. `options` are redis-py's keyword arguments from
    the URL (credentials, TLS, db, query options); `url` is kept for one server, which redis-py reads itself."""

    topology: Topology
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    primary_name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    sentinel_options: dict[str, Any] = field(default_factory=dict)


def parse_redis_url(url: str) -> RedisTarget:
    """The URL read into a target; a ValueError says what is wrong without repeating the URL (it may hold a
    password)."""
    scheme, separator, rest = url.partition("://")
    topology = SCHEMES.get(scheme.lower()) if separator else None
    if topology is None:
        raise ValueError(f"must start with one of {', '.join(f'{name}://' for name in SCHEMES)}")
    if topology is Topology.STANDALONE:
        parse_url(url)  # redis-py's own reading: a bad option fails here, at start
        return RedisTarget(topology, url)
    address, _, query = rest.partition("?")
    netloc, _, path = address.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    default_port = DEFAULT_PORTS["sentinel" if topology is Topology.SENTINEL else "redis"]
    nodes = tuple(_host_and_port(item, default_port) for item in hosts.split(","))
    tls = scheme.lower().startswith("rediss")
    primary_name, db = None, "0"
    if topology is Topology.SENTINEL:
        primary_name, _, db = path.partition("/")
        if not primary_name:
            raise ValueError("names no primary: redis+sentinel://host:port[,host:port...]/<primary name>[/db]")
        db = db or "0"
    elif path.strip("/") not in ("", "0"):
        raise ValueError("a Redis Cluster has only database 0")
    # redis-py reads the credentials and the query as it would for one server (whose host is not used)
    options = dict(parse_url(f"{'rediss' if tls else 'redis'}://{userinfo}{at}localhost/{db}?{query}"))
    options.pop("host")
    if options.pop("connection_class", None) is SSLConnection:
        options["ssl"] = True
    sentinel_options = {
        key.removeprefix("sentinel_"): options.pop(key)
        for key in ("sentinel_username", "sentinel_password")
        if key in options
    }
    if topology is Topology.CLUSTER:
        options.pop("db", None)
    return RedisTarget(topology, url, nodes, primary_name, options, sentinel_options)


def _host_and_port(item: str, default_port: int) -> tuple[str, int]:
    text = item.strip()
    if text.startswith("["):  # an IPv6 address: [::1]:6379
        host, _, port = text[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = text.partition(":")
    if not host:
        raise ValueError("has an empty host in its list of nodes")
    if not port:
        return host, default_port
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"has a port that is not a number from 1 to 65535 (node {host})")
    return host, int(port)


def _retry_on_dropped_connection() -> Retry:
    return Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1, supported_errors=(RedisConnectionError,))


@contextmanager
def _unreachable_is_a_connection_error() -> Iterator[None]:
    try:
        yield
    except RedisClusterUnreachableError as exc:
        raise RedisConnectionError(str(exc)) from exc


class ClusterClient(RedisCluster):
    """redis-py's cluster client, with two differences.

    It retries a timed-out command too (its default list of retried errors), and a timed-out write may have
    run: here only a dropped connection, and the cluster's own refusals (down, slot not covered), which mean
    the command did not run, are retried.

    A cluster none of whose nodes answers is a RedisClusterUnreachableError there (at the first look for its
    nodes, then for every command once a later look has failed), which is not a RedisError: here it is a
    ConnectionError, as one server out of reach is, so an instance starts without the cluster (its /healthz
    answering 503), users hear that storage cannot be reached, and every guard for storage failures holds.
    Its other errors (a node without cluster mode, say) stay what they are: a URL that cannot work."""

    ERRORS_ALLOW_RETRY = (RedisConnectionError, ClusterDownError, SlotNotCoveredError)  # type: ignore[assignment]

    async def initialize(
        self,
        additional_startup_nodes_info: list[tuple[str, int]] | None = None,
        last_failed_node_name: str | None = None,
    ) -> RedisCluster:
        with _unreachable_is_a_connection_error():
            return await super().initialize(additional_startup_nodes_info, last_failed_node_name)

    async def execute_command(self, *args: EncodableT, **kwargs: Any) -> Any:
        with _unreachable_is_a_connection_error():
            return await super().execute_command(*args, **kwargs)

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> ClusterPipeline:
        if shard_hint:
            return super().pipeline(transaction, shard_hint)  # refused there
        return _ClusterPipeline(self, transaction)  # type: ignore[abstract]  # as redis-py makes its own


class _ClusterPipeline(ClusterPipeline):
    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> list[Any]:
        with _unreachable_is_a_connection_error():
            return await super().execute(raise_on_error, allow_redirections)


class BlockingSentinelConnectionPool(SentinelConnectionPool, BlockingConnectionPool):
    """The primary found through Sentinel, with the same waiting pool as for one server: a burst queues for
    a free connection (up to its timeout) rather than failing at once."""


class SentinelPrimary(Redis):
    """The client of a Sentinel-managed primary: closing it also closes its connections to the sentinels."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        pool = self.connection_pool
        if isinstance(pool, SentinelConnectionPool):
            await pool.sentinel_manager.aclose()


def connect_redis(settings: Settings) -> RedisClient:
    """A client for `REDIS_URL` (connections are opened on first use), or the in-memory store without one.

    The pool waits up to `REDIS_POOL_TIMEOUT_SECONDS` for a free connection instead of failing at once, so a
    burst (of health checks, say) queues behind real work rather than failing it. redis-py's cluster client
    has no waiting pool: there `REDIS_MAX_CONNECTIONS` is per node, and a command past it fails at once.
    """
    if settings.redis_url is None:
        return in_memory_store()
    target = parse_redis_url(settings.redis_url.get_secret_value())
    common: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": SOCKET_TIMEOUT_SECONDS,
        "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
        "health_check_interval": 30,
        "retry": _retry_on_dropped_connection(),
    }
    try:
        if target.topology is Topology.CLUSTER:
            return ClusterClient(
                startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
                max_connections=settings.redis_max_connections,
                **(common | target.options),
            )
        pool_size = {"max_connections": settings.redis_max_connections, "timeout": settings.redis_pool_timeout_seconds}
        if target.topology is Topology.SENTINEL:
            assert target.primary_name is not None
            sentinels = Sentinel(
                list(target.nodes),
                # a sentinel that is down is skipped at once, for the next one: asking them is only a lookup
                sentinel_kwargs={
                    "socket_timeout": 1.0,
                    "socket_connect_timeout": 1.0,
                    "retry": Retry(NoBackoff(), retries=0),
                    **({"ssl": True} if target.options.get("ssl") else {}),
                    **target.sentinel_options,
                },
            )
            client: Redis = sentinels.master_for(
                target.primary_name,
                redis_class=SentinelPrimary,
                connection_pool_class=BlockingSentinelConnectionPool,
                **(common | pool_size | target.options),
            )
            return client
        pool = BlockingConnectionPool.from_url(target.url, **(common | pool_size))
        return Redis.from_pool(pool)
    except TypeError as exc:  # an option in the URL that this topology's client does not take
        raise StartupError(f"REDIS_URL has an option redis-py does not take here: {exc}") from None


def in_memory_store() -> Redis:
    """fakeredis, in this process only: lost on restart and not shared. It comes with the dev extra only."""
    try:
        import fakeredis
    except ImportError:
        raise StartupError(
            "REDIS_URL is not set and there is no redis-server to run privately: install redis-server "
            "(apt-get install redis-server) or set REDIS_URL"
        ) from None
    log.warning(
        "NO DURABLE STORAGE: REDIS_URL is not set and redis-server is not installed, so everything is kept in "
        "this process: held SMS, queued hand-offs and pending requests are LOST on restart and not shared "
        "with other instances. Install redis-server or set REDIS_URL."
    )
    store: Redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    return store


async def check_at_start(settings: Settings) -> None:
    """Before serving, once: what Redis says about itself, checked against what the app needs (a writable
    primary, the append-only file on, `min-replicas-to-write` where there are replicas) and what
    `REDIS_DURABILITY` asks, in log lines. Only a mode the server cannot meet stops the app; Redis out of
    reach does not (the app starts, and `/healthz` answers 503 until it can reach it)."""
    if settings.redis_url is None:
        return  # the in-memory store: nothing to check, and the warning is given when it is made
    client = connect_redis(settings)
    try:
        report = await durability.inspect(client)
    except RedisClusterException as exc:  # out of reach is a ConnectionError here: the URL cannot work
        raise StartupError(f"REDIS_URL names a Redis Cluster the app cannot use: {exc}") from None
    except Exception as exc:  # noqa: BLE001  whatever the failure, the app starts and says so
        log.warning("could not reach Redis at start (%s): starting anyway; /healthz answers 503 until it can", exc)
        return
    finally:
        await client.aclose()
    try:
        requirement = durability.requirement_for(
            durability.Mode(settings.redis_durability), report, settings.redis_min_replicas_acked
        )
    except durability.Unattainable as exc:
        raise StartupError(str(exc)) from None
    for level, line in durability.advice(report, requirement, settings.redis_durability_timeout_ms):
        log.log(level, "%s", line)


async def writable_primary(client: RedisClient) -> bool:
    """Whether writes can succeed now: PING is not enough, since a replica answers it and refuses every
    write (READONLY), as does a primary demoted by a failover that a plain `redis://` URL still points at.

    One server or a Sentinel-managed primary must say ROLE master; a Cluster must say its state is ok (each
    key's primary is found by the client). A server that does not answer ROLE (renamed on some managed
    offerings, or the in-memory store) is taken at its PING.

    A node that says it is not the primary has its connections closed: they were opened to it when it was
    one, and a demoted primary keeps them open. New ones go where the primary is now: the one Sentinel
    names, or wherever a moving endpoint (a managed Redis's primary endpoint) points. Without this an
    instance taken out of rotation for being unhealthy would keep asking the same replica, and stay out."""
    try:
        if isinstance(client, RedisCluster):
            info = await client.cluster_info()
            return bool(info.get("cluster_state") == "ok")
        try:
            role = await client.execute_command("ROLE")  # type: ignore[no-untyped-call]
        except ResponseError as exc:
            if not isinstance(exc, NoPermissionError) and "unknown command" not in str(exc).lower():
                raise
            return bool(await client.ping())
        if role and role[0] == "master":
            return True
        await client.connection_pool.disconnect()
        return False
    except Exception:  # noqa: BLE001  any failure to answer means unhealthy (a cluster's are not all RedisError)
        return False
