"""/healthz costs one storage check per second however often it is called, and says what is not ready."""

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
        health = Health([("storage unavailable", check)], lambda: 0, ttl_seconds=0.2)
        answers = await asyncio.gather(*(health.failing() for _ in range(1000)))
        assert checks == 1
        await asyncio.sleep(0.25)
        answers += await asyncio.gather(*(health.failing() for _ in range(1000)))
        return answers

    assert set(asyncio.run(run())) == {None}
    assert checks == 2


def test_an_unhealthy_answer_is_rechecked_after_the_cache() -> None:
    results = iter([False, True])

    async def check() -> bool:
        return next(results)

    async def run() -> tuple[str | None, str | None, str | None]:
        health = Health([("storage unavailable", check)], lambda: 3, ttl_seconds=0.05)
        first, cached = await health.failing(), await health.failing()
        await asyncio.sleep(0.06)
        return first, cached, await health.failing()

    assert asyncio.run(run()) == ("storage unavailable", "storage unavailable", None)


def test_the_answer_names_the_first_check_that_fails_and_checks_no_further() -> None:
    asked: list[str] = []

    def check(name: str, answer: bool) -> tuple[str, Callable[[], Awaitable[bool]]]:
        async def run() -> bool:
            asked.append(name)
            return answer

        return name, run

    async def run() -> str | None:
        health = Health([check("starting", True), check("storage unavailable", False), check("socket", False)],
                        lambda: 0)  # fmt: skip
        return await health.failing()

    assert asyncio.run(run()) == "storage unavailable"
    assert asked == ["starting", "storage unavailable"]
