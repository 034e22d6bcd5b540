"""`/healthz` for load balancers: 200 while the app is ready to serve, 503 with the reason otherwise.

Ready means: its start-up checks are done, in Socket Mode its connection to Slack is up (without it no
command can arrive, however healthy the process), and it can write to its storage (a primary that
answers, not a replica or a primary demoted by a failover, which answer PING and refuse every write). It
answers from the first second after start, before the checks are done.

Anyone can call it, as often as they like: the storage check's answer is cached for a second and one
runs at a time, so a flood of health checks costs one Redis round trip a second and never competes with
real work for connections. The other checks read the process's own state, so they are asked every time:
the moment start-up is done, the next health check says so. It says nothing else about the app: the
background queue's length goes to the debug log with each storage check.
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
    """`readiness`: checks of the process's own state, asked in order on every call; then `storage`,
    asked at most once every `ttl_seconds`."""

    def __init__(
        self, readiness: Sequence[Check], storage: Check, jobs: Callable[[], int], ttl_seconds: float = 1.0
    ) -> None:
        self._readiness = readiness
        self._storage = storage
        self._jobs = jobs
        self._ttl = ttl_seconds
        self._storage_failing: str | None = None
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()

    async def failing(self) -> str | None:
        """The first check that fails, or None."""
        for problem, check in self._readiness:
            if not await check():
                return problem
        return await self._storage_answer()

    async def _storage_answer(self) -> str | None:
        """The last answer if it is fresh, otherwise one caller checks while the others wait for it."""
        if self._fresh():
            return self._storage_failing
        async with self._lock:
            if not self._fresh():
                problem, check = self._storage
                self._storage_failing = None if await check() else problem
                self._checked_at = asyncio.get_running_loop().time()
                log.debug("%s; %d background jobs", self._storage_failing or "ready", self._jobs())
        return self._storage_failing

    def _fresh(self) -> bool:
        loop_time = asyncio.get_running_loop().time()
        return self._checked_at is not None and loop_time - self._checked_at < self._ttl

    async def handle(self, request: web.Request) -> web.Response:
        if (problem := await self.failing()) is None:
            return web.json_response({"ok": True})
        return web.json_response({"ok": False, "error": problem}, status=503)
