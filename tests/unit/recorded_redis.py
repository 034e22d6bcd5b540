"""A redis-py client whose server is a script: the commands it sends are recorded with the connection they
went on, and each is answered with a reply a real server gives (Redis 7.2's, for what these machines'
Redis 7.0 cannot show, such as WAITAOF), in RESP3, which redis-py speaks by default. redis-py does
everything else as usual: pools, pipelines, transactions, reply parsing. No socket."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import Connection

Reply = Any  # a value as the wire gives it, or an exception instance to raise (an error reply)
REDIS_7_2_INFO = {
    "server": "# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n",
    "replication": "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n",
    "persistence": "# Persistence\r\naof_enabled:1\r\n",
}
"""INFO sections as a Redis 7.2 primary with its append-only file on and one replica answers them."""
REDIS_7_2_CONFIG = {
    "appendfsync": {"appendfsync": "everysec"},
    "min-replicas-to-write": {"min-replicas-to-write": "1"},
    "maxmemory-policy": {"maxmemory-policy": "noeviction"},
}
"""Its CONFIG GET replies."""


class RecordedServer:
    """`replies` maps a command name (upper case) to its reply, or to a function of its arguments."""

    def __init__(self, replies: Mapping[str, Reply | Callable[[list[str]], Reply]]) -> None:
        self.replies = dict(replies)
        self.sent: list[tuple[int, list[str]]] = []
        self._ids = itertools.count(1)

    def client(self) -> Redis:
        return Redis.from_pool(ConnectionPool(connection_class=RecordedConnection, server=self, decode_responses=True))

    def commands_on(self, connection_id: int) -> list[str]:
        return [" ".join(args) for sent_on, args in self.sent if sent_on == connection_id]

    def answer(self, args: list[str]) -> Reply:
        reply = self.replies.get(args[0].upper(), "OK")
        return reply(args) if callable(reply) else reply

    def next_id(self) -> int:
        return next(self._ids)


class RecordedConnection(Connection):
    def __init__(self, server: RecordedServer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.server = server
        self.id = 0
        self._pending: list[Reply] = []

    async def _connect(self) -> None:
        self.id = self.server.next_id()  # a new connection each time: a reconnect is a new id
        self._reader = self._writer = object()  # type: ignore[assignment]  # only whether they are set counts

    async def on_connect_check_health(self, check_health: bool = True) -> None:
        """No handshake: the script has no AUTH, HELLO or CLIENT SETINFO to answer."""

    async def disconnect(self, *args: Any, **kwargs: Any) -> None:
        self._reader = self._writer = None
        self._pending = []

    async def can_read(self) -> bool:  # type: ignore[override]
        return False

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self.is_connected:
            await self.connect()
        data = command if isinstance(command, bytes) else b"".join(command)
        for args in _commands_in(data):
            self.server.sent.append((self.id, args))
            self._pending.append(self.server.answer(args))

    async def read_response(self, *args: Any, **kwargs: Any) -> Reply:
        reply = self._pending.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def _commands_in(data: bytes) -> list[list[str]]:
    """The RESP arrays redis-py packed (`*<n>` then `$<len>` and each argument)."""
    lines = iter(data.split(b"\r\n"))
    commands = []
    for line in lines:
        if line.startswith(b"*"):
            args = []
            for _ in range(int(line[1:])):
                next(lines)  # $<len>
                args.append(next(lines).decode())
            commands.append(args)
    return commands
