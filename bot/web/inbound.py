"""What arrives from outside before any handler trusts it: bodies read within a time limit, and
Slack's signature checked on the raw bytes before anything is parsed."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable
from typing import TypeVar

from aiohttp import web

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_CLOCK_SKEW_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class BodyReader:
    """Reads request bodies, giving up on a body that takes longer than `timeout_seconds` to arrive
    (a slow sender would hold a connection, and an open file, for as long as it likes)."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._told = False

    async def within_limit(self, reading: Awaitable[T]) -> T:
        try:
            async with asyncio.timeout(self.timeout_seconds):  # no task of its own, unlike wait_for
                return await reading
        except TimeoutError:
            if not self._told:  # once: a flood of slow senders must not flood the log
                self._told = True
                log.warning(
                    "a request body took longer than %s s (BODY_TIMEOUT_SECONDS) and was refused; "
                    "later ones are refused without a log line",
                    self.timeout_seconds,
                )
            raise web.HTTPRequestTimeout(text="request body too slow") from None


def slack_signature_ok(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float | None = None
) -> bool:
    """Slack's v0 signature: HMAC-SHA256 of `v0:<timestamp>:<body>`, within five minutes of now.
    Headers of any other shape (`abc`, `1e9`, thousands of digits) are simply not valid."""
    if timestamp is None or signature is None or not _TIMESTAMP.fullmatch(timestamp):
        return False
    if not _SIGNATURE.fullmatch(signature):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={expected}", signature)
