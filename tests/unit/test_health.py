"""/healthz costs one storage check per second however often it is called, says what is not ready, and
says the moment the process itself is ready."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.web.health import Health


def test_a_burst_of_health_checks_is_one_storage_check_a_second() -> None:
    checks = 0

    async def check() -> bool:
        nonlocal checks
        checks += 1
        await asyncio.sleep(0.05)
        return True

    async def run() -> list[str | None]:
        health = Health([], ("storage unavailable", check), lambda: 0, ttl_seconds=0.2)
        answers = await asyncio.gather(*(health.failing() for _ in range(1000)))
        assert checks == 1
        await asyncio.sleep(0.25)
        answers += await asyncio.gather(*(health.failing() for _ in range(1000)))
        return answers

    assert set(asyncio.run(run())) == {None}
    assert checks == 2


def test_an_unhealthy_storage_is_rechecked_after_the_cache() -> None:
    results = iter([False, True])

    async def check() -> bool:
        return next(results)

    async def run() -> tuple[str | None, str | None, str | None]:
        health = Health([], ("storage unavailable", check), lambda: 3, ttl_seconds=0.05)
        first, cached = await health.failing(), await health.failing()
        await asyncio.sleep(0.06)
        return first, cached, await health.failing()

    assert asyncio.run(run()) == ("storage unavailable", "storage unavailable", None)


def test_the_process_is_ready_at_the_first_call_after_its_start_up_checks_are_done() -> None:
    """A platform waiting on a new instance hears "ready" at once, not a second later from the cache."""
    started = False
    storage_checks = 0

    async def start_up_done() -> bool:
        return started

    async def storage() -> bool:
        nonlocal storage_checks
        storage_checks += 1
        return True

    async def run() -> list[str | None]:
        nonlocal started
        health = Health([("starting", start_up_done)], ("storage unavailable", storage), lambda: 0)
        answers = [await health.failing(), await health.failing()]
        started = True
        return [*answers, await health.failing(), await health.failing()]

    assert asyncio.run(run()) == ["starting", "starting", None, None]
    assert storage_checks == 1


def test_the_answer_names_the_first_check_that_fails_and_checks_no_further() -> None:
    asked: list[str] = []

    def check(name: str, answer: bool) -> tuple[str, Callable[[], Awaitable[bool]]]:
        async def run() -> bool:
            asked.append(name)
            return answer

        return name, run

    async def run() -> list[str | None]:
        failing_socket = Health([check("starting", True), check("socket", False)], check("storage", False), lambda: 0)
        failing_storage = Health([check("starting", True)], check("storage", False), lambda: 0)
        return [await failing_socket.failing(), await failing_storage.failing()]

    assert asyncio.run(run()) == ["socket", "storage"]
    assert asked == ["starting", "socket", "starting", "storage"]
