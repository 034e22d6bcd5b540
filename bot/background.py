"""Work that runs after Slack has been answered, bounded so a flood cannot pile it up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._tasks: set[asyncio.Task[None]] = set()

    def has_room(self) -> bool:
        return len(self._tasks) < self._limit

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the ack; callers check `has_room` first and shed load otherwise."""
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("background work failed")

    async def drain(self, timeout: float) -> None:
        """On shutdown: let accepted work finish (it may be talking to Kaleyra)."""
        if self._tasks:
            log.info("waiting for %d background jobs", len(self._tasks))
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def __len__(self) -> int:
        return len(self._tasks)
