"""Work that runs after Slack has been answered, bounded so memory stays flat under a flood.

Two ways in, one limit. `queue` hands a job to a fixed number of workers in arrival order: Slack and
Kaleyra calls that can wait their turn, with never more than `workers` of them at once. `start` runs a
job at once: work holding a `trigger_id` (opening a modal), which Slack expires 3 s after the click, must
never wait behind other jobs. Checks that run before an ack count too (`before_ack`). Past `limit` in
all, callers tell users to retry shortly: an overloaded app says so at once rather than acking late.
Workers block on the queue, so an idle app is never woken. A queued job runs in the context copied
when it was queued, as a task started there would: the request id of the Slack request that queued it
goes with it into the log (`bot.request_scope`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)
Job = Coroutine[Any, Any, None]
Queued = tuple[contextvars.Context, Job]


class Background:
    def __init__(self, limit: int, workers: int) -> None:
        self._limit = limit
        self._worker_count = workers
        self._queue: asyncio.Queue[Queued] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._running = 0  # jobs the workers are on
        self._before_ack = 0  # checks running before their ack
        self._started: set[asyncio.Task[None]] = set()  # jobs run at once
        self._closed = False  # drained: workers stop, even one whose job swallowed its cancellation

    def has_room(self) -> bool:
        return len(self) < self._limit

    def queue(self, job: Job) -> None:
        """Run `job` when a worker is free; callers check `has_room` first and answer "busy" otherwise."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._workers = [asyncio.create_task(self._work(self._queue)) for _ in range(self._worker_count)]
        self._queue.put_nowait((contextvars.copy_context(), job))

    @contextmanager
    def before_ack(self) -> Iterator[None]:
        """Counts the work inside against the limit while it runs (it is done in the request itself)."""
        self._before_ack += 1
        try:
            yield
        finally:
            self._before_ack -= 1

    def start(self, job: Job) -> None:
        """Run `job` now, beside the workers: it holds a trigger_id that expires while it would wait."""
        task = asyncio.create_task(job)
        self._started.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._started.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("background work failed", exc_info=error)

    async def _work(self, queue: asyncio.Queue[Queued]) -> None:
        while not self._closed:
            context, job = await queue.get()
            self._running += 1
            try:
                # cancelling the worker (shutting down) cancels the job's task too: never left un-awaited
                await asyncio.create_task(_logging_failure(job), context=context)
            finally:
                self._running -= 1
                queue.task_done()

    async def drain(self, timeout: float) -> None:
        """On shutdown: let accepted work finish (it may be talking to Kaleyra), then stop the workers."""
        if len(self):
            log.info("finishing %d background jobs", len(self))
        waits: list[asyncio.Future[Any]] = [asyncio.gather(*self._started, return_exceptions=True)]
        if self._queue is not None:
            waits.append(asyncio.ensure_future(self._queue.join()))
        _, late = await asyncio.wait(waits, timeout=timeout)
        if late or len(self):
            log.warning("%d background jobs did not finish in time", len(self))
        self._closed = True
        for task in [*late, *self._started, *self._workers]:
            task.cancel()
        await asyncio.gather(*late, *self._started, *self._workers, return_exceptions=True)
        while self._queue is not None and not self._queue.empty():
            self._queue.get_nowait()[1].close()

    def __len__(self) -> int:
        return (self._queue.qsize() if self._queue else 0) + self._running + len(self._started) + self._before_ack


async def _logging_failure(job: Job) -> None:
    """In the job's own context, so the failure is logged with the request it belongs to."""
    try:
        await job
    except Exception:
        log.exception("background work failed")
