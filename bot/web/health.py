"""`/healthz` for load balancers: 200 while the app is ready to serve, 503 with the reason otherwise.

Ready means: its start-up checks are done, it can write to its storage (a primary that answers, not a
replica or a primary demoted by a failover, which answer PING and refuse every write), and in Socket Mode
its connection to Slack is up (without it no command can arrive, however healthy the process). It answers
from the first second after start, before the checks are done.

Anyone can call it, as often as they like: the answer is cached for a second and one check runs at
a time, so a flood of health checks costs one Redis round trip a second and never competes with real
work for connections. It says nothing else about the app: the background queue's length goes to
the debug log with each check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

log = logging.getLogger(__name__)

Check = tuple[str, Callable[[], Awaitable[bool]]]
"""What is not ready when the check fails (the 503's `error`), and the check."""


class Health:
    def __init__(self, checks: Sequence[Check], jobs: Callable[[], int], ttl_seconds: float = 1.0) -> None:
        self._checks = checks
        self._jobs = jobs
        self._ttl = ttl_seconds
        self._failing: str | None = "starting"
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()

    async def failing(self) -> str | None:
        """The first check that fails, or None; the last answer if it is fresh, otherwise one caller
        checks while the others wait for it."""
        if self._fresh():
            return self._failing
        async with self._lock:
            if not self._fresh():
                self._failing = await self._first_failing()
                self._checked_at = asyncio.get_running_loop().time()
                log.debug("%s; %d background jobs", self._failing or "ready", self._jobs())
        return self._failing

    async def _first_failing(self) -> str | None:
        for problem, check in self._checks:
            if not await check():
                return problem
        return None

    def _fresh(self) -> bool:
        loop_time = asyncio.get_running_loop().time()
        return self._checked_at is not None and loop_time - self._checked_at < self._ttl

    async def handle(self, request: web.Request) -> web.Response:
        if (problem := await self.failing()) is None:
            return web.json_response({"ok": True})
        return web.json_response({"ok": False, "error": problem}, status=503)
