"""`/healthz` for load balancers: 200 while the app can write to its storage (a primary that answers, not
a replica or a primary demoted by a failover, which answer PING and refuse every write).

Anyone can call it, as often as they like: the answer is cached for a second and one check runs at
a time, so a flood of health checks costs one Redis round trip a second and never competes with real
work for connections. It says nothing else about the app: the background queue's length goes to
the debug log with each check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)


class Health:
    def __init__(self, check: Callable[[], Awaitable[bool]], jobs: Callable[[], int], ttl_seconds: float = 1.0) -> None:
        self._check = check
        self._jobs = jobs
        self._ttl = ttl_seconds
        self._ok = False
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()

    async def ok(self) -> bool:
        """The last answer if it is fresh; otherwise one caller checks while the others wait for it."""
        if self._fresh():
            return self._ok
        async with self._lock:
            if not self._fresh():
                self._ok = await self._check()
                self._checked_at = asyncio.get_running_loop().time()
                log.debug("storage %s; %d background jobs", "ok" if self._ok else "unavailable", self._jobs())
        return self._ok

    def _fresh(self) -> bool:
        loop_time = asyncio.get_running_loop().time()
        return self._checked_at is not None and loop_time - self._checked_at < self._ttl

    async def handle(self, request: web.Request) -> web.Response:
        if await self.ok():
            return web.json_response({"ok": True})
        return web.json_response({"ok": False, "error": "storage unavailable"}, status=503)
