"""Making a critical write durable before acting on it: WAIT (replicas) and WAITAOF (the disk).

Redis acknowledges a write once it is in the primary's memory. Replication is asynchronous, and the
append-only file (AOF) reaches the disk every second at best, so an acknowledged write can still be lost:
a failover promotes a replica that had not received it yet, or the primary's machine fails before the file
reached the disk. For two writes that loss changes what users are told, or what is sent:

- **the hold**: a user told "held" must still find the SMS held after a failover;
- **the "handing off" mark**, written before Kaleyra is called: if it is lost, the promoted replica still
  has the SMS held, and it is handed off again: **sent twice**.

The core makes those two writes through a `DurableSession` and acts (tells the user, calls Kaleyra) only if
`wait_until_durable()` says True; on False it does not go on: the SMS stays held and is retried.

    durability = Durability(redis, Mode.AUTO, min_replicas=1, timeout_ms=500)  # once, shared

    async with durability.session(record_key) as session:
        async with session.client.pipeline() as pipe:   # every command in the session runs on ONE
            await pipe.watch(record_key)                #   connection, to the node holding record_key
            ...
            pipe.multi()
            pipe.set(record_key, ...)
            await pipe.execute()
        if not await session.wait_until_durable():
            ...                                         # do not call Kaleyra; the SMS stays held

    # or, the same in one call (the action gets the session's client and returns what it found):
    written = await durability.write(record_key, mark_handing_off)
    if written.durable and written.value: ...

Why a session: WAIT and WAITAOF wait for the writes made *on their own connection* (Redis keeps, per
connection, the replication offset of its last write). A pooled client sends each command on whichever
connection is free, so a WAIT sent after a write could land on another connection and answer at once,
vouching for nothing. A session borrows one connection from the pool (on a Cluster, from the node of the
key's slot) and lends it to every command, pipeline, transaction and script run through `session.client`,
then asks WAIT/WAITAOF on it. All keys a session writes must live on that node: on a Cluster, keys
hash-tagged to the key's slot. Scripts registered on the shared client run in the session with
`script(keys, args, client=session.client)`. A session is used by one task at a time, and kept short: it
holds a connection. If the connection dropped and was re-opened during the session (a retry), the new
connection has no writes to wait for: `wait_until_durable()` then answers False rather than vouch for them.

What each mode waits for (`REDIS_DURABILITY`), with `REDIS_DURABILITY_TIMEOUT_MS` as the longest wait:

- `replicas`: WAIT: `REDIS_MIN_REPLICAS_ACKED` replicas have the write (in memory): a failover to one of
  them keeps it.
- `aof`: WAITAOF 1 0: the primary's AOF has it on disk: a restart, even of the machine, keeps it. Redis 7.2+.
- `both`: both of the above (Redis 7.2+).
- `none`: nothing: acknowledged is taken as durable.
- `auto` (default): what the deployment offers, decided when first needed: `replicas` under Sentinel
  (always: it exists to fail over to a replica), or elsewhere if the server has replicas connected (or
  `min-replicas-to-write` set), up to as many; and `aof` if its AOF is on and it has WAITAOF. Nothing
  otherwise (one Redis 7.0 server: a write reaches the AOF file before Redis answers, so only the
  machine failing within the second before the next fsync can lose it). Set a mode for a fixed rule.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Generic, TypeVar

from redis.asyncio import ConnectionPool, Redis, RedisCluster
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.exceptions import RedisError, ResponseError

from bot.core.redis_client import RedisClient

log = logging.getLogger(__name__)
T = TypeVar("T")


class Mode(StrEnum):
    AUTO = "auto"
    NONE = "none"
    REPLICAS = "replicas"
    AOF = "aof"
    BOTH = "both"


@dataclass(frozen=True)
class Requirement:
    """What a critical write waits for: `replicas` replicas to have it, and the primary's AOF to hold it on disk."""

    replicas: int = 0
    local_fsync: bool = False

    def __str__(self) -> str:
        parts = []
        if self.replicas:
            parts.append(f"{self.replicas} replica{'s' if self.replicas > 1 else ''} to have it (WAIT)")
        if self.local_fsync:
            parts.append("the primary's append-only file to hold it on disk (WAITAOF)")
        return " and ".join(parts) or "nothing beyond Redis's acknowledgement"


@dataclass(frozen=True)
class ServerReport:
    """What the primary says about itself (on a Cluster, the weakest of the primaries); None where it
    could not say (INFO or CONFIG refused, as some managed offerings do, or the in-memory store)."""

    primary: bool | None
    version: str | None
    replicas: int | None
    aof: bool | None
    appendfsync: str | None
    min_replicas_to_write: int | None
    waitaof: bool
    maxmemory_policy: str | None = None
    sentinel_managed: bool = False


class Unattainable(Exception):
    """The mode asks for what the server cannot give; the message says what, and what to do."""


def requirement_for(mode: Mode, report: ServerReport | None, min_replicas: int) -> Requirement:
    """The requirement `mode` sets on this server. `report` is needed only to resolve `auto` and to check
    that `aof` and `both` can be met; explicit modes with no report are taken as said (checked at start)."""
    if mode is Mode.AUTO:
        if report is None:
            raise ValueError("auto needs the server's report")
        # Sentinel exists to fail over to a replica: its writes always wait for one, even one that is down now
        known = max(report.replicas or 0, report.min_replicas_to_write or 0)
        replicas = min_replicas if report.sentinel_managed else min(min_replicas, known)
        return Requirement(replicas=replicas, local_fsync=bool(report.waitaof and report.aof))
    wants_fsync = mode in (Mode.AOF, Mode.BOTH)
    if wants_fsync and report is not None:
        if not report.waitaof:
            version = f" (this server is {report.version})" if report.version else ""
            raise Unattainable(
                f"REDIS_DURABILITY={mode} needs WAITAOF, which Redis has from 7.2{version}: upgrade Redis, or use "
                "replicas (WAIT) or none"
            )
        if report.aof is False:
            raise Unattainable(f"REDIS_DURABILITY={mode} needs the append-only file on (appendonly yes)")
    return Requirement(replicas=min_replicas * (mode in (Mode.REPLICAS, Mode.BOTH)), local_fsync=wants_fsync)


def advice(report: ServerReport, requirement: Requirement, timeout_ms: int) -> list[tuple[int, str]]:
    """What to tell the operator at start about this Redis: (log level, line) pairs."""
    lines: list[tuple[int, str]] = []
    if report.primary is False:
        lines.append((logging.ERROR, (
            "Redis at REDIS_URL is a replica: it refuses every write (READONLY) and /healthz answers 503; point "
            "REDIS_URL at the primary, or use redis+sentinel:// to follow failovers"
        )))  # fmt: skip
    if report.aof is False:
        lines.append((logging.WARNING, (
            "Redis's append-only file is off (appendonly no): a restart of Redis loses held SMS, queued hand-offs "
            "and pending requests written since its last snapshot; turn it on (appendonly yes)"
        )))  # fmt: skip
    elif report.aof is None:
        lines.append((logging.INFO, "could not check that Redis's append-only file is on (INFO refused): it must be"))
    elif report.appendfsync == "no":
        lines.append((logging.WARNING, (
            "Redis's append-only file is flushed to disk when the system chooses (appendfsync no): a machine "
            "failure can lose the last half minute of writes; use appendfsync everysec"
        )))  # fmt: skip
    if report.maxmemory_policy not in (None, "noeviction"):
        lines.append((logging.WARNING, (
            f"Redis may evict keys when its memory is full (maxmemory-policy {report.maxmemory_policy}): held SMS "
            "and queued hand-offs would vanish; use maxmemory-policy noeviction"
        )))  # fmt: skip
    if report.sentinel_managed or report.replicas:
        if report.min_replicas_to_write == 0:
            lines.append((logging.WARNING, (
                "Redis has replicas and min-replicas-to-write 0: a primary cut off from its replicas keeps taking "
                "writes that a failover then drops; set min-replicas-to-write 1 (and min-replicas-max-lag 10)"
            )))  # fmt: skip
        elif report.min_replicas_to_write is None:
            lines.append((logging.INFO, (
                "could not check min-replicas-to-write (CONFIG is not available on this Redis): with replicas, "
                "it should be at least 1"
            )))  # fmt: skip
    if requirement.replicas > (report.replicas or 0):
        lines.append((logging.WARNING, (
            f"critical writes wait for {requirement.replicas} replica(s) and {report.replicas or 0} are connected "
            "now: until more are, holds and hand-offs are refused"
        )))  # fmt: skip
    if requirement.replicas or requirement.local_fsync:
        lines.append((logging.INFO, f"critical writes (a hold, the hand-off mark) wait for {requirement}, "
                                    f"at most {timeout_ms} ms"))  # fmt: skip
    else:
        lines.append((logging.INFO, (
            "critical writes (a hold, the hand-off mark) are taken as durable once Redis acknowledges them: "
            "nothing more to wait for (no replica, and no WAITAOF before Redis 7.2, or the AOF is off)"
        )))  # fmt: skip
    return lines


@dataclass(frozen=True)
class Written(Generic[T]):
    value: T
    durable: bool


class Durability:
    """Sessions on one connection, and what their writes wait for. Built once and shared; `auto` is
    resolved the first time it is needed, from what the server says then, and kept."""

    def __init__(self, client: RedisClient, mode: Mode, *, min_replicas: int = 1, timeout_ms: int = 500) -> None:
        self._client = client
        self._mode = mode
        self._min_replicas = min_replicas
        self.timeout_ms = timeout_ms
        self._requirement = None if mode is Mode.AUTO else requirement_for(mode, None, min_replicas)
        self._resolving = asyncio.Lock()

    async def requirement(self) -> Requirement:
        if self._requirement is None:
            async with self._resolving:
                if self._requirement is None:
                    self._requirement = requirement_for(self._mode, await inspect(self._client), self._min_replicas)
                    log.info("critical Redis writes wait for %s", self._requirement)
        return self._requirement

    async def waits(self) -> bool:
        """Whether critical writes wait for anything here (else they need no session of their own)."""
        try:
            requirement = await self.requirement()
        except RedisError:
            return True  # cannot say: the wait itself will answer "not durable"
        return bool(requirement.replicas or requirement.local_fsync)

    @asynccontextmanager
    async def session(self, key: str) -> AsyncIterator[DurableSession]:
        """One connection, to the node holding `key`, for the writes to make durable and the wait."""
        async with one_connection(self._client, key) as (client, connection):
            session = DurableSession(self, client)
            connection.register_connect_callback(session.connected_again)  # type: ignore[no-untyped-call]
            try:
                yield session
            finally:
                connection.deregister_connect_callback(session.connected_again)  # type: ignore[no-untyped-call]

    async def write(self, key: str, action: Callable[[Redis], Awaitable[T]]) -> Written[T]:
        """`action` run on a session's client, then the wait: what it returned, and whether it is durable.
        The wait is skipped (not durable) if the action raised: the exception is passed on."""
        async with self.session(key) as session:
            value = await action(session.client)
            return Written(value, await session.wait_until_durable())


class DurableSession:
    """`client` runs every command on the session's one connection; `wait_until_durable` waits for what
    was written on it."""

    def __init__(self, durability: Durability, client: Redis) -> None:
        self._durability = durability
        self.client = client
        self._reconnected = False

    def connected_again(self, connection: AbstractConnection) -> None:
        """The session's connection was opened anew: Redis holds no writes of this session on it."""
        self._reconnected = True

    async def wait_until_durable(self) -> bool:
        """True once the session's writes meet the requirement, within the timeout; False if they do not,
        if the connection was re-opened since they were made, or if the server refuses the wait."""
        try:
            requirement = await self._durability.requirement()
        except RedisError as exc:
            log.warning("could not ask Redis what it offers (%s): a critical write is not taken as durable", exc)
            return False
        if self._reconnected:
            log.warning("a critical Redis write's connection was re-opened: it is not taken as durable")
            return False
        if not requirement.replicas and not requirement.local_fsync:
            return True
        timeout, needed = self._durability.timeout_ms, requirement.replicas
        try:
            if needed and requirement.local_fsync:
                async with self.client.pipeline(transaction=False) as pipe:
                    pipe.wait(needed, timeout)
                    pipe.waitaof(1, 0, timeout)
                    replicas, (fsynced, _) = await pipe.execute()
            elif needed:
                replicas, fsynced = await self.client.wait(needed, timeout), 1
            else:
                replicas, (fsynced, _) = needed, await self.client.waitaof(1, 0, timeout)
        except RedisError as exc:
            log.warning("Redis refused to wait for a critical write (%s): it is not taken as durable", exc)
            return False
        durable = not self._reconnected and bool(replicas >= needed and fsynced >= 1)
        if not durable:
            on_disk = ("yes" if fsynced else "no") if requirement.local_fsync else "not asked"
            log.warning(
                "a critical Redis write was not durable within %d ms: %d of %d replicas, on disk: %s",
                timeout, replicas, needed, on_disk,
            )  # fmt: skip
        return durable


class _Lent(ConnectionPool):
    """A pool that lends one borrowed connection to every command, and neither makes nor closes any."""

    def __init__(self, connection: AbstractConnection, kwargs: dict[str, Any]) -> None:
        wanted = ("protocol", "legacy_responses", "encoding", "encoding_errors", "decode_responses")
        super().__init__(connection_class=type(connection), **{key: kwargs[key] for key in wanted if key in kwargs})
        self._lent = connection

    async def get_connection(self, *args: Any, **kwargs: Any) -> AbstractConnection:
        return self._lent

    async def release(self, connection: AbstractConnection) -> None:
        """Given back by whoever borrowed it, at the end of the session."""

    async def disconnect(self, inuse_connections: bool = True) -> None:
        """Not this pool's to close."""


@asynccontextmanager
async def one_connection(
    client: RedisClient, key: str | None = None, node: ClusterNode | None = None
) -> AsyncIterator[tuple[Redis, AbstractConnection]]:
    """A client on one connection borrowed from `client`: to the node holding `key` on a Cluster (or to
    `node`), to the server otherwise. It goes back to the pool afterwards, closed first if the block
    failed, since a reply may still be on its way."""
    if isinstance(client, RedisCluster):
        await client.initialize()
        if node is None:
            found = client.get_node_from_key(key) if key is not None else client.get_default_node()
            assert found is not None, "a primary always holds a covered slot"
            node = found
        connection: AbstractConnection = node.acquire_connection()
        kwargs = node.connection_kwargs

        async def give_back() -> None:
            assert node is not None
            node.release(connection)  # type: ignore[arg-type]  # a cluster node's connections are Connections
    else:
        pool = client.connection_pool
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        kwargs = pool.connection_kwargs

        async def give_back() -> None:
            await pool.release(connection)

    failed = True
    try:
        await connection.connect()  # type: ignore[no-untyped-call]
        yield Redis(connection_pool=_Lent(connection, kwargs)), connection
        failed = False
    finally:
        if failed:
            await connection.disconnect()
        await give_back()


async def inspect(client: RedisClient) -> ServerReport:
    """What the primary (every primary of a Cluster) says about replicas, the AOF and WAITAOF."""
    if isinstance(client, RedisCluster):
        await client.initialize()
        reports = []
        for node in client.get_primaries():
            async with one_connection(client, node=node) as (on_node, _):
                reports.append(await _inspect_node(on_node))
        return _weakest(reports)
    async with one_connection(client) as (on_server, _):
        report = await _inspect_node(on_server)
    return replace(report, sentinel_managed=isinstance(client.connection_pool, SentinelConnectionPool))


async def _inspect_node(node: Redis) -> ServerReport:
    info: dict[str, Any] = {}
    for section in ("server", "replication", "persistence"):
        info |= await _answer(node.info(section)) or {}
    config: dict[str, str] = {}
    for name in ("min-replicas-to-write", "appendfsync", "maxmemory-policy"):
        config |= await _answer(node.config_get(name)) or {}
    try:
        await node.waitaof(0, 0, 1)  # asks for nothing, so it answers at once where it exists
        waitaof = True
    except ResponseError:
        waitaof = False
    return ServerReport(
        primary=info["role"] == "master" if "role" in info else None,
        version=info.get("redis_version"),
        replicas=int(info["connected_slaves"]) if "connected_slaves" in info else None,
        aof=bool(int(info["aof_enabled"])) if "aof_enabled" in info else None,
        appendfsync=config.get("appendfsync"),
        min_replicas_to_write=int(config["min-replicas-to-write"]) if "min-replicas-to-write" in config else None,
        waitaof=waitaof,
        maxmemory_policy=config.get("maxmemory-policy"),
    )


async def _answer(reply: Awaitable[Any]) -> Any:
    """The reply, or None where the server refuses the command (unknown, renamed, or not permitted)."""
    try:
        return await reply
    except ResponseError:
        return None


def _weakest(reports: list[ServerReport]) -> ServerReport:
    """One report for the Cluster: a number or a yes only if every primary says at least that."""

    def least(values: list[Any]) -> Any:
        return None if None in values else min(values)

    def shared(values: list[str | None]) -> str | None:
        return values[0] if len(set(values)) == 1 else None

    evicting = (report.maxmemory_policy for report in reports if report.maxmemory_policy != "noeviction")
    return ServerReport(
        primary=least([report.primary for report in reports]),
        version=shared([report.version for report in reports]),
        replicas=least([report.replicas for report in reports]),
        aof=least([report.aof for report in reports]),
        appendfsync=shared([report.appendfsync for report in reports]),
        min_replicas_to_write=least([report.min_replicas_to_write for report in reports]),
        waitaof=all(report.waitaof for report in reports),
        maxmemory_policy=next(evicting, "noeviction"),
    )
