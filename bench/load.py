"""An open-loop load generator: slash commands at a set rate whatever the server does, on raw keep-alive
connections (a full HTTP client would cost more CPU than the server under test on a small machine).

Each command carries its own response_url key; the time from sending it to its reply is the
command-to-reply latency: a reply in the ack's body (which Slack shows as the command's reply) arrives
with the ack, one posted to the response_url when it reaches the fake Slack (bench/fake_slack.py, same
monotonic clock).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

REPLY_TEXT = "Check and confirm"  # the app's confirmation and the floor's static reply both start so


@dataclass
class Step:
    """One rate held for a while: what was sent, and how each ack went."""

    rate: float
    sent: dict[str, float] = field(default_factory=dict)  # response_url key -> sent at
    acks: list[float] = field(default_factory=list)  # seconds
    errors: int = 0  # refused connections, non-200 answers, acks over the 5 s read timeout
    busy: int = 0  # acked with "busy": the command will get no confirmation
    in_ack: dict[str, float] = field(default_factory=dict)  # response_url key -> replied to in its ack at
    behind: float = 0.0  # how late the generator itself ran, at worst (seconds)

    def replies(self, calls: list[list[object]]) -> list[float]:
        """Command-to-reply latencies in seconds, +inf for a command that got no reply."""
        arrived = dict(self.in_ack)
        for method, key, at, text, _ in calls:
            if method == "respond" and key in self.sent and str(text).startswith(REPLY_TEXT):
                arrived.setdefault(str(key), float(str(at)))
        return [arrived.get(key, math.inf) - sent for key, sent in self.sent.items()]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by rank (inf when the slowest q % never arrived)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


class Commands:
    """Signed /schedule-sms requests, a new one for each call, as raw HTTP/1.1 bytes."""

    def __init__(self, host: str, secret: str, reply_base: str, users: int) -> None:
        self._host = host
        self._secret = secret.encode()
        self._reply_base = reply_base
        self._users = users
        self._count = 0

    def next(self, label: str) -> tuple[str, bytes]:
        self._count += 1
        index = self._count
        key = f"{label}-{index}"
        body = urlencode(
            {"team_id": "T1", "channel_id": f"C{index % 13}", "user_id": f"UL{index % self._users}",
             "command": "/schedule-sms", "text": f'+9198{index % 10**8:08d} "Reminder {index}" in 3 hours',
             "api_app_id": "A1", "response_url": f"{self._reply_base}/{key}", "trigger_id": f"t-{key}"}
        ).encode()  # fmt: skip
        ts = str(int(time.time()))
        signature = hmac.new(self._secret, b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: {self._host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: v0={signature}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return key, head.encode() + body


class OpenLoop:
    """Sends on idle keep-alive connections, opening more when all are busy (up to `max_connections`)."""

    def __init__(self, host: str, port: int, max_connections: int = 2000) -> None:
        self._host, self._port = host, port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._open = 0
        self._max = max_connections

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._idle:
            return self._idle.pop()
        if self._open >= self._max:
            raise OSError("no connection left")
        self._open += 1
        try:
            return await asyncio.open_connection(self._host, self._port)
        except OSError:
            self._open -= 1
            raise

    async def _send(self, key: str, request: bytes, step: Step) -> None:
        started = time.monotonic()
        try:
            reader, writer = await self._connection()
        except OSError:
            step.errors += 1
            return
        try:
            writer.write(request)
            async with asyncio.timeout(5):
                head = await reader.readuntil(b"\r\n\r\n")
                answer = await reader.readexactly(_content_length(head))
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            step.errors += 1
            writer.close()
            self._open -= 1
            return
        acked = time.monotonic()
        step.acks.append(acked - started)
        if not head.startswith(b"HTTP/1.1 200"):
            step.errors += 1
        elif b"busy" in answer:
            step.busy += 1
        elif REPLY_TEXT.encode() in answer:
            step.in_ack[key] = acked
        self._idle.append((reader, writer))

    async def run(self, commands: Commands, rate: float, seconds: float, label: str) -> Step:
        """Send `rate` commands a second for `seconds`, then wait for the last acks (5 s at most)."""
        step = Step(rate)
        tasks = []
        begin = time.monotonic()
        for index in range(int(rate * seconds)):
            due = begin + index / rate
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            else:
                step.behind = max(step.behind, -wait)
            key, request = commands.next(label)
            step.sent[key] = time.monotonic()
            tasks.append(asyncio.create_task(self._send(key, request, step)))
        await asyncio.gather(*tasks)
        return step

    async def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()
        self._open = 0


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise ValueError("no Content-Length")
