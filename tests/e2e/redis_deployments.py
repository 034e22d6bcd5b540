"""Redis as it is deployed at scale, started by the tests on loopback: a Redis Cluster, and a primary with
replicas under Sentinel. Every server is a real redis-server on free ports in a directory of its own, so
sets run side by side (pytest-xdist) and `close()` leaves nothing behind.

Faults to play:
- `SentinelSet.kill_primary()`: SIGKILL the primary and wait for Sentinel to promote a replica.
- `SentinelSet.fail_over()`: a failover asked of Sentinel: the old primary is demoted while it runs.
- `SentinelSet.cut_replication()`: the replicas stop receiving the primary's writes, and WAIT reports that.
  Writes made after it are on the primary only: killed then, they are lost at the failover, as with a
  replica lagging behind. (`DEBUG SLEEP` on a replica, or SIGSTOP, does not do this on Redis 7.0: the
  primary's writes wait in the kernel's socket buffers, and the replica reads them all when it wakes, even
  after the primary died. Here the replicas' replication user is switched off on the primary and their
  links closed, so they cannot sync again until `restore_replication()`.)
- `RedisServer.kill()`, `.stop()` and `.start()`: a crash, a clean stop, a restart on the same port and data.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.fakes import wait_for
from tests.e2e.harness import RedisServer, ReservedPort, free_port

REPLICATION_USER = "replication"
REPLICATION_PASSWORD = "replication-password-0123456789"
SETTLE_SECONDS = 30.0
"""Longest wait for a set to form or to fail over (Sentinel's failover takes a few seconds)."""


def settle(condition: Callable[[], Any], what: str) -> Any:
    try:
        return wait_for(condition, timeout=SETTLE_SECONDS)
    except AssertionError:
        raise AssertionError(f"timed out waiting for {what}") from None


def answers(node: RedisServer, *command: str) -> Any:
    """The node's reply, or None while it cannot answer (starting, loading, down)."""
    try:
        with node.client() as client:
            return client.execute_command(*command)
    except Exception:  # noqa: BLE001  any failure is "not yet"
        return None


def link_of(replica: RedisServer) -> str | None:
    """A replica's link to its primary: up or down."""
    return (answers(replica, "INFO", "replication") or {}).get("master_link_status")  # type: ignore[no-any-return]


def online_replicas(primary: RedisServer) -> int:
    """How many replicas the primary counts as online (the ones WAIT can hear from)."""
    info = answers(primary, "INFO", "replication") or {}
    return sum(1 for key, value in info.items() if key.startswith("slave") and isinstance(value, dict)
               and value.get("state") == "online")  # fmt: skip


def needs_redis_cli() -> str:
    binary = shutil.which("redis-cli")
    if binary is None:
        pytest.skip("redis-cli is needed to create a Redis Cluster (apt-get install -y redis-tools)")
    return binary


class RedisClusterSet:
    """`masters` primaries (and `replicas` for each) sharing the 16384 slots, as `redis-cli --cluster create`
    makes them. The app reaches it at `url` (redis+cluster://, two seed nodes)."""

    def __init__(self, masters: int = 3, replicas: int = 0, *, persistent: bool = False) -> None:
        """`persistent`: each node writes every change to its append-only file, so a node killed and started
        again has all it had."""
        cli = needs_redis_cli()
        self.nodes: list[RedisServer] = []
        try:
            for _ in range(masters * (1 + replicas)):
                self.nodes.append(RedisServer(config=[
                    "cluster-enabled yes", "cluster-config-file nodes.conf", f"cluster-port {free_port()}",
                    "cluster-node-timeout 2000", "appendfsync always" if persistent else "appendonly no",
                ], persistent=persistent))  # fmt: skip
            created = subprocess.run(
                [cli, "--cluster", "create", *(node.address for node in self.nodes), "--cluster-replicas",
                 str(replicas), "--cluster-yes"],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            if created.returncode != 0:
                raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout[-2000:]}{created.stderr}")
            for node in self.nodes:
                settle(lambda node=node: "cluster_state:ok" in (answers(node, "CLUSTER", "INFO") or ""), "the cluster")
            # a node is told to replicate as the cluster forms, then syncs: wait for every replica, in sync
            settle(lambda: sum(link_of(node) == "up" for node in self.nodes) == masters * replicas, "replicas to sync")
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(node.address for node in self.nodes[:2])

    def primary_for(self, key: str) -> RedisServer:
        """The node serving `key`'s slot now."""
        slot = answers(self.nodes[0], "CLUSTER", "KEYSLOT", key)
        for start, end, (_, port, *_), *_ in answers(self.nodes[0], "CLUSTER", "SLOTS"):
            if start <= slot <= end:
                return next(node for node in self.nodes if node.port == port)
        raise AssertionError(f"no node serves slot {slot}")

    def replicas_of(self, primary: RedisServer) -> list[RedisServer]:
        return [node for node in self.nodes if (answers(node, "ROLE") or [None] * 3)[:3] == ["slave", "127.0.0.1",
                                                                                           primary.port]]  # fmt: skip

    def close(self) -> None:
        for node in self.nodes:
            node.close()


class SentinelSet:
    """A primary, `replicas` replicas and `sentinels` sentinels (quorum: a majority) watching it under
    `primary_name`; a primary is declared down after one second. The app reaches it at `url`."""

    primary_name = "schedule-sms-primary"

    def __init__(self, replicas: int = 1, sentinels: int = 3, persistent: bool = False) -> None:
        data_config = [
            f"user {REPLICATION_USER} on >{REPLICATION_PASSWORD} +psync +replconf +ping",
            f"masteruser {REPLICATION_USER}", f"masterauth {REPLICATION_PASSWORD}",
        ]  # fmt: skip
        self.data: list[RedisServer] = []
        self.sentinels: list[RedisServer] = []
        try:
            self.data.append(RedisServer(config=data_config, persistent=persistent))
            primary = self.data[0]
            for _ in range(replicas):
                replica_config = [*data_config, f"replicaof 127.0.0.1 {primary.port}"]
                self.data.append(RedisServer(config=replica_config, persistent=persistent))
            for replica in self.data[1:]:
                settle(lambda replica=replica: link_of(replica) == "up", "a replica to sync")
            # the primary counts a replica for WAIT once it has acknowledged the sync (within a second)
            settle(lambda: online_replicas(primary) == replicas, "the primary to count its replicas")
            name, quorum = self.primary_name, sentinels // 2 + 1
            # each sentinel is told the others and the replicas, as its configuration file keeps them once it
            # has met them (they would otherwise meet by announcing themselves, every two seconds)
            ports = [ReservedPort() for _ in range(sentinels)]
            ids = {port.number: secrets.token_hex(20) for port in ports}
            for port in ports:
                self.sentinels.append(RedisServer(sentinel=True, port=port, config=[
                    f"sentinel myid {ids[port.number]}",
                    f"sentinel monitor {name} 127.0.0.1 {primary.port} {quorum}",
                    f"sentinel down-after-milliseconds {name} 1000", f"sentinel failover-timeout {name} 5000",
                    *(f"sentinel known-sentinel {name} 127.0.0.1 {number} {other_id}"
                      for number, other_id in ids.items() if number != port.number),
                    *(f"sentinel known-replica {name} 127.0.0.1 {replica.port}" for replica in self.data[1:]),
                ]))  # fmt: skip
            for sentinel in self.sentinels:
                settle(lambda sentinel=sentinel: self._sees_everyone(sentinel), "the sentinels to see the set")
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        return f"redis+sentinel://{','.join(node.address for node in self.sentinels)}/{self.primary_name}"

    def _sees_everyone(self, sentinel: RedisServer) -> bool:
        state = answers(sentinel, "SENTINEL", "MASTER", self.primary_name)
        return bool(
            state
            and int(state["num-slaves"]) == len(self.data) - 1
            and int(state["num-other-sentinels"]) == len(self.sentinels) - 1
        )

    def primary(self) -> RedisServer:
        """The data node the sentinels name as primary now."""
        _, port = answers(self.sentinels[0], "SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.primary_name)
        return next(node for node in self.data if node.port == int(port))

    def replicas(self) -> list[RedisServer]:
        primary = self.primary()
        return [node for node in self.data if node is not primary and node.process is not None]

    def kill_primary(self) -> RedisServer:
        """SIGKILL the primary; the replica Sentinel promotes, once it says it is the primary."""
        old = self.primary()
        old.kill()
        new = settle(lambda: (node := self.primary()) is not old and node, "Sentinel to promote a replica")
        settle(lambda: (answers(new, "ROLE") or [None])[0] == "master", "the promoted replica to take writes")
        return new  # type: ignore[no-any-return]

    def fail_over(self) -> RedisServer:
        """A failover asked of Sentinel (as for maintenance): the primary is demoted while it runs, and keeps
        the connections it had; the promoted replica, once it takes writes."""
        old = self.primary()
        with self.sentinels[0].client() as sentinel:
            sentinel.execute_command("SENTINEL", "FAILOVER", self.primary_name)
        new = settle(lambda: (node := self.primary()) is not old and node, "Sentinel to promote a replica")
        settle(lambda: (answers(new, "ROLE") or [None])[0] == "master", "the promoted replica to take writes")
        self.demote(old)
        return new  # type: ignore[no-any-return]

    def demote(self, old: RedisServer) -> None:
        """Make a former primary a replica of the primary now, as Sentinel does once its next look at it
        (every ten seconds) finds it claiming to be a primary: done at once here, the same command."""
        primary = self.primary()
        with old.client() as node:
            node.execute_command("REPLICAOF", "127.0.0.1", primary.port)
        settle(lambda: (answers(old, "ROLE") or [None])[0] == "slave", "the old primary to become a replica")

    def sync_replicas(self) -> None:
        """Wait until every replica has every write made so far (WAIT after a write of our own: the replicas
        acknowledge the replication stream in order)."""
        replicas = len(self.replicas())
        with self.primary().client() as primary:
            primary.set("harness:sync", "1")
            if primary.wait(replicas, 10_000) < replicas:
                raise AssertionError("the replicas did not catch up")

    def cut_replication(self) -> None:
        """From now on the replicas get none of the primary's writes (see the module's docstring)."""
        with self.primary().client() as primary:
            primary.execute_command("ACL", "SETUSER", REPLICATION_USER, "off")
            primary.execute_command("CLIENT", "KILL", "USER", REPLICATION_USER)
        for replica in self.replicas():
            settle(lambda replica=replica: link_of(replica) == "down", "a replica to fall behind")

    def restore_replication(self) -> None:
        with self.primary().client() as primary:
            primary.execute_command("ACL", "SETUSER", REPLICATION_USER, "on")
        for replica in self.replicas():
            settle(lambda replica=replica: link_of(replica) == "up", "a replica to catch up")

    def close(self) -> None:
        for node in [*self.sentinels, *self.data]:
            node.close()
