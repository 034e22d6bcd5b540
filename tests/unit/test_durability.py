"""What a critical write waits for, on which connection, and what start-up tells the operator. WAITAOF
(Redis 7.2) is answered here with a real server's replies; tests/e2e/test_durability.py runs the rest on
real redis-servers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import fakeredis
import pytest
from redis.exceptions import ResponseError

from bot.core.durability import (
    Durability,
    Mode,
    Requirement,
    ServerReport,
    Unattainable,
    advice,
    inspect,
    requirement_for,
)
from tests.unit.recorded_redis import REDIS_7_2_CONFIG, REDIS_7_2_INFO, RecordedServer

SEVEN_ZERO = ServerReport(
    primary=True, version="7.0.15", replicas=0, aof=True, appendfsync="everysec", min_replicas_to_write=0,
    waitaof=False,
)  # fmt: skip
SEVEN_TWO_WITH_A_REPLICA = ServerReport(
    primary=True, version="7.2.4", replicas=1, aof=True, appendfsync="everysec", min_replicas_to_write=1,
    waitaof=True, maxmemory_policy="noeviction",
)  # fmt: skip
UNDER_SENTINEL_NONE_CONNECTED = ServerReport(
    primary=True, version="7.0.15", replicas=0, aof=True, appendfsync="everysec", min_replicas_to_write=1,
    waitaof=False, sentinel_managed=True,
)  # fmt: skip
NOTHING_KNOWN = ServerReport(None, None, None, None, None, None, waitaof=False)


@pytest.mark.parametrize(
    ("mode", "report", "expected"),
    [
        (Mode.AUTO, SEVEN_ZERO, Requirement()),
        (Mode.AUTO, SEVEN_TWO_WITH_A_REPLICA, Requirement(replicas=1, local_fsync=True)),
        (Mode.AUTO, UNDER_SENTINEL_NONE_CONNECTED, Requirement(replicas=2)),  # Sentinel: its replicas, even down
        (Mode.AUTO, NOTHING_KNOWN, Requirement()),  # the in-memory store
        (Mode.NONE, SEVEN_TWO_WITH_A_REPLICA, Requirement()),
        (Mode.REPLICAS, SEVEN_ZERO, Requirement(replicas=2)),
        (Mode.AOF, SEVEN_TWO_WITH_A_REPLICA, Requirement(local_fsync=True)),
        (Mode.BOTH, SEVEN_TWO_WITH_A_REPLICA, Requirement(replicas=2, local_fsync=True)),
        (Mode.BOTH, None, Requirement(replicas=2, local_fsync=True)),  # a worker: checked at start already
    ],
)
def test_what_each_mode_waits_for(mode: Mode, report: ServerReport | None, expected: Requirement) -> None:
    assert requirement_for(mode, report, min_replicas=2) == expected


def test_auto_waits_for_no_more_replicas_than_the_server_has() -> None:
    assert requirement_for(Mode.AUTO, SEVEN_TWO_WITH_A_REPLICA, min_replicas=3) == Requirement(1, local_fsync=True)


def test_waitaof_modes_refuse_a_server_without_it_or_without_its_append_only_file() -> None:
    with pytest.raises(Unattainable, match=r"^REDIS_DURABILITY=aof needs WAITAOF, which Redis has from 7\.2 \(this"):
        requirement_for(Mode.AOF, SEVEN_ZERO, 1)
    aof_off = ServerReport(True, "7.2.4", 0, aof=False, appendfsync=None, min_replicas_to_write=0, waitaof=True)
    with pytest.raises(Unattainable, match=r"^REDIS_DURABILITY=both needs the append-only file on \(appendonly yes\)"):
        requirement_for(Mode.BOTH, aof_off, 1)


def test_start_up_advice_names_what_the_app_needs_of_redis() -> None:
    replica_without_aof = ServerReport(False, "7.0.15", 1, aof=False, appendfsync="everysec", min_replicas_to_write=0,
                                       waitaof=False, maxmemory_policy="volatile-lru")  # fmt: skip
    lines = advice(replica_without_aof, Requirement(replicas=2), timeout_ms=300)
    assert [level for level, _ in lines] == [logging.ERROR, logging.WARNING, logging.WARNING, logging.WARNING,
                                             logging.WARNING, logging.INFO]  # fmt: skip
    text = "\n".join(line for _, line in lines)
    assert "is a replica: it refuses every write (READONLY)" in text
    assert "append-only file is off (appendonly no)" in text
    assert "(maxmemory-policy volatile-lru): held SMS and queued hand-offs would vanish" in text
    assert "set min-replicas-to-write 1" in text
    assert "wait for 2 replica(s) and 1 are connected now" in text
    assert "wait for 2 replicas to have it (WAIT), at most 300 ms" in text


def test_what_could_not_be_checked_is_said_so() -> None:
    managed = ServerReport(True, "7.0.15", None, aof=None, appendfsync=None, min_replicas_to_write=None,
                           waitaof=False, sentinel_managed=True)  # fmt: skip
    text = "\n".join(line for _, line in advice(managed, Requirement(replicas=1), timeout_ms=500))
    assert "could not check that Redis's append-only file is on (INFO refused)" in text
    assert "could not check min-replicas-to-write (CONFIG is not available on this Redis)" in text
    lone = [line for _, line in advice(SEVEN_ZERO, Requirement(), timeout_ms=500)]
    assert lone == [
        "critical writes (a hold, the hand-off mark) are taken as durable once Redis acknowledges them: nothing "
        "more to wait for (no replica, and no WAITAOF before Redis 7.2, or the AOF is off)"
    ]


def written_then_waited(server: RecordedServer, mode: Mode) -> tuple[bool, list[str]]:
    """A transaction and the wait in one session; whether durable, and what went on that connection."""

    async def run() -> tuple[bool, list[str]]:
        client = server.client()
        durability = Durability(client, mode, min_replicas=1, timeout_ms=250)

        async def hold(session_client: Any) -> int:
            async with session_client.pipeline() as pipe:
                pipe.set("{sms:1}:record", "held").zadd("{sms:1}:due", {"handoff": 1})
                await pipe.execute()
            return int(await session_client.execute_command("CLIENT", "ID"))

        written = await durability.write("{sms:1}:record", hold)
        await client.aclose()
        return written.durable, server.commands_on(written.value)

    return asyncio.run(run())


def on_7_2(**replies: Any) -> RecordedServer:
    server = RecordedServer(
        {"INFO": lambda args: REDIS_7_2_INFO[args[1]], "CONFIG": lambda args: REDIS_7_2_CONFIG[args[2]], **replies}
    )
    server.replies["CLIENT"] = lambda args: server.sent[-1][0]  # CLIENT ID: the connection it came on
    return server


def test_waitaof_runs_on_the_connection_of_the_writes_and_vouches_for_them_when_the_disk_has_them() -> None:
    durable, commands = written_then_waited(on_7_2(WAITAOF=[1, 0], EXEC=["OK", 1]), Mode.AOF)
    assert durable
    assert commands == ["MULTI", "SET {sms:1}:record held", "ZADD {sms:1}:due 1 handoff", "EXEC", "CLIENT ID",
                        "WAITAOF 1 0 250"]  # fmt: skip


def test_a_write_the_disk_does_not_have_in_time_is_not_durable() -> None:
    durable, _ = written_then_waited(on_7_2(WAITAOF=[0, 0], EXEC=["OK", 1]), Mode.AOF)
    assert not durable


def test_both_waits_go_together_and_both_must_be_met() -> None:
    durable, commands = written_then_waited(on_7_2(WAIT=1, WAITAOF=[1, 1], EXEC=["OK", 1]), Mode.BOTH)
    assert durable and commands[-2:] == ["WAIT 1 250", "WAITAOF 1 0 250"]
    lagging, _ = written_then_waited(on_7_2(WAIT=0, WAITAOF=[1, 0], EXEC=["OK", 1]), Mode.BOTH)
    assert not lagging


def test_auto_on_a_7_2_primary_with_a_replica_waits_for_both() -> None:
    durable, commands = written_then_waited(on_7_2(WAIT=1, WAITAOF=[1, 1], EXEC=["OK", 1]), Mode.AUTO)
    assert durable and commands[-2:] == ["WAIT 1 250", "WAITAOF 1 0 250"]


def test_a_server_that_refuses_the_wait_does_not_vouch_for_the_write() -> None:
    refusing = ResponseError("WAITAOF cannot be used when numlocal is set but appendonly is disabled.")
    durable, _ = written_then_waited(on_7_2(WAITAOF=refusing, EXEC=["OK", 1]), Mode.AOF)
    assert not durable


def test_inspect_reads_what_a_7_2_primary_says() -> None:
    server = on_7_2(WAITAOF=[0, 0])

    async def run() -> ServerReport:
        client = server.client()
        try:
            return await inspect(client)
        finally:
            await client.aclose()

    assert asyncio.run(run()) == SEVEN_TWO_WITH_A_REPLICA


def test_on_the_in_memory_store_nothing_is_waited_for_and_the_write_is_made() -> None:
    async def run() -> tuple[bool, str | None]:
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
        durability = Durability(client, Mode.AUTO)
        async with durability.session("k") as session:
            await session.client.set("k", "v")
            durable = await session.wait_until_durable()
        return durable, await client.get("k")

    assert asyncio.run(run()) == (True, "v")


def test_a_write_whose_connection_was_reopened_is_not_vouched_for(caplog: pytest.LogCaptureFixture) -> None:
    """WAIT on a new connection would wait for nothing of the writes made on the old one."""

    async def run() -> bool:
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
        async with Durability(client, Mode.NONE).session("k") as session:
            await session.client.set("k", "1")
            lent = await session.client.connection_pool.get_connection()
            await lent.disconnect()  # dropped
            await session.client.set("k", "2")  # on a connection opened anew
            return await session.wait_until_durable()

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(run()) is False
    assert "connection was re-opened: it is not taken as durable" in caplog.text
