"""Work that runs after Slack has been answered: a bounded queue served by a few workers.

Acks come first: a worker starts a job only while the event loop keeps time (a lagging loop is the
first sign that work after the ack crowds out the acks), and new work is refused, with users told to
retry, once the queue is full, so memory stays flat under a flood.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)
Job = Coroutine[Any, Any, None]


class Background:
    def __init__(self, limit: int, workers: int, max_lag_seconds: float = 0.01) -> None:
        self._limit = limit
        self._worker_count = workers
        self._max_lag = max_lag_seconds
        self._lag = 0.0
        self._queue: asyncio.Queue[Job] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._running = 0

    def has_room(self) -> bool:
        return len(self) < self._limit

    def spawn(self, job: Job) -> None:
        """Queue `job`; callers check `has_room` first and answer "busy" otherwise."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._tasks = [asyncio.create_task(self._work(self._queue)) for _ in range(self._worker_count)]
            self._tasks.append(asyncio.create_task(self._watch_lag()))
        self._queue.put_nowait(job)

    async def _watch_lag(self, interval: float = 0.01) -> None:
        """How late the loop wakes a sleeper, smoothed: a lagging loop answers Slack late."""
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(interval)
            late = max(0.0, loop.time() - started - interval)
            self._lag = late if late > self._lag else 0.8 * self._lag + 0.2 * late

    async def _work(self, queue: asyncio.Queue[Job]) -> None:
        while True:
            job = await queue.get()
            self._running += 1
            try:
                while self._lag > self._max_lag:
                    await asyncio.sleep(0.005)
                await job
            except asyncio.CancelledError:  # shutting down: never leave a job un-awaited
                job.close()
                raise
            except Exception:
                log.exception("background work failed")
            finally:
                self._running -= 1
                queue.task_done()

    async def drain(self, timeout: float) -> None:
        """On shutdown: let accepted work finish (it may be talking to Kaleyra), then stop the workers."""
        if self._queue is None:
            return
        if len(self):
            log.info("finishing %d background jobs", len(self))
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            log.warning("%d background jobs did not finish in time", len(self))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        while not self._queue.empty():
            self._queue.get_nowait().close()

    def __len__(self) -> int:
        return (self._queue.qsize() if self._queue else 0) + self._running
