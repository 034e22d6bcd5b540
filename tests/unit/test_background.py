"""The work queue after the ack: nothing starves on a busy loop, modals never wait, an idle app sleeps."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bot import logs, request_scope
from bot.background import Background


class CountingLoop(asyncio.SelectorEventLoop):
    """An event loop that counts the timers set on it (a periodic wake-up sets one each time)."""

    timers = 0

    def call_at(self, when: float, callback: Callable[..., object], *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        self.timers += 1
        return super().call_at(when, callback, *args, **kwargs)


async def waiting(event: asyncio.Event) -> None:
    await event.wait()


def run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    with asyncio.Runner(loop_factory=CountingLoop) as runner:
        runner.run(main())


def test_a_queued_job_runs_while_the_loop_is_steadily_late() -> None:
    async def main() -> None:
        background = Background(limit=10, workers=2)
        rounds = 0

        async def hog() -> None:  # keeps the loop 20 ms late, as a flood does
            nonlocal rounds
            while True:
                time.sleep(0.02)
                rounds += 1
                await asyncio.sleep(0)

        done = asyncio.Event()

        async def job() -> None:
            done.set()

        hogging = asyncio.create_task(hog())
        await asyncio.sleep(0)
        background.queue(job())
        await done.wait()
        assert rounds < 5
        hogging.cancel()
        await background.drain(timeout=1)

    run(main)


def test_work_holding_a_trigger_id_never_waits_behind_queued_jobs() -> None:
    async def main() -> None:
        background = Background(limit=10, workers=1)
        release = asyncio.Event()
        order: list[str] = []

        async def slow(name: str) -> None:
            order.append(name)
            await release.wait()

        async def modal() -> None:
            order.append("modal")

        background.queue(slow("first"))
        background.queue(slow("second"))
        await asyncio.sleep(0)
        background.start(modal())
        for _ in range(3):
            await asyncio.sleep(0)
        assert order == ["first", "modal"]
        release.set()
        await background.drain(timeout=1)
        assert order == ["first", "modal", "second"]

    run(main)


def test_one_limit_counts_queued_running_and_started_jobs() -> None:
    async def main() -> None:
        background = Background(limit=3, workers=1)
        release = asyncio.Event()
        background.queue(waiting(release))
        background.queue(waiting(release))
        assert background.has_room()
        background.start(waiting(release))
        await asyncio.sleep(0)
        assert len(background) == 3 and not background.has_room()
        release.set()
        await background.drain(timeout=1)
        assert len(background) == 0 and background.has_room()

    run(main)


def test_failing_jobs_are_logged_and_do_not_stop_the_workers(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        background = Background(limit=10, workers=1)
        done: list[str] = []

        async def fails() -> None:
            raise RuntimeError("boom")

        async def works() -> None:
            done.append("queued")

        background.queue(fails())
        background.start(fails())
        background.queue(works())
        await background.drain(timeout=1)
        assert done == ["queued"]

    run(main)
    assert [record.getMessage() for record in caplog.records] == ["background work failed"] * 2


def test_an_idle_queue_sets_no_timers() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, CountingLoop)
        background = Background(limit=10, workers=4)
        done = asyncio.Event()

        async def job() -> None:
            done.set()

        background.queue(job())
        await done.wait()
        before = loop.timers
        await asyncio.sleep(0.2)  # the one timer this test sets
        assert loop.timers - before == 1
        await background.drain(timeout=1)

    run(main)


def test_shutdown_closes_jobs_that_never_started() -> None:
    async def main() -> None:
        background = Background(limit=10, workers=1)
        never = asyncio.Event()
        background.queue(waiting(never))
        background.queue(waiting(never))
        background.start(waiting(never))
        await asyncio.sleep(0)
        await background.drain(timeout=0.1)
        assert len(background) == 0

    run(main)


def test_shutdown_ends_even_when_a_job_swallows_its_cancellation() -> None:
    """A client library that catches the cancellation of a call it is in (and returns) must not keep its
    worker, and so the shutdown, waiting for more work for ever."""

    async def swallowing(started: asyncio.Event) -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return

    async def main() -> None:
        background, started = Background(limit=10, workers=1), asyncio.Event()
        background.queue(swallowing(started))
        await started.wait()
        await asyncio.wait_for(background.drain(timeout=0.05), 5)  # were the worker to wait on, this fails
        assert len(background) == 0

    run(main)


def test_a_queued_job_runs_in_the_context_of_the_request_that_queued_it(caplog: pytest.LogCaptureFixture) -> None:
    """The request id of the Slack request goes with its work into the log, its failures included."""
    seen: dict[str, str | None] = {}
    caplog.handler.addFilter(logs.WithRequestId())  # as on the app's handler: the id of the context logging

    async def job(name: str) -> None:
        seen[name] = request_scope.current_id()

    async def fails() -> None:
        raise RuntimeError("boom")

    async def main() -> None:
        background = Background(limit=10, workers=1)  # its worker starts with the first request's job
        first_request, second_request = contextvars.copy_context(), contextvars.copy_context()
        first = first_request.run(request_scope.begin, list)
        first_request.run(background.queue, job("first"))
        second = second_request.run(request_scope.begin, list)
        second_request.run(background.queue, job("second"))
        second_request.run(background.queue, fails())
        second_request.run(background.start, job("second, at once"))
        background.queue(job("outside"))
        await background.drain(timeout=1)
        assert seen == {
            "first": first.request_id,
            "second": second.request_id,
            "second, at once": second.request_id,
            "outside": None,
        }
        [failure] = [record for record in caplog.records if record.getMessage() == "background work failed"]
        assert failure.exc_info is not None and getattr(failure, "request_id", None) == second.request_id

    run(main)
