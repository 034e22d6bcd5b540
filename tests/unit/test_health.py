"""/healthz costs one storage check per second however often it is called."""

from __future__ import annotations

import asyncio

from bot.web.health import Health


def test_a_burst_of_health_checks_is_one_storage_check_a_second() -> None:
    checks = 0

    async def check() -> bool:
        nonlocal checks
        checks += 1
        await asyncio.sleep(0.05)
        return True

    async def run() -> list[bool]:
        health = Health(check, lambda: 0, ttl_seconds=0.2)
        answers = await asyncio.gather(*(health.ok() for _ in range(1000)))
        assert checks == 1
        await asyncio.sleep(0.25)
        answers += await asyncio.gather(*(health.ok() for _ in range(1000)))
        return answers

    assert all(asyncio.run(run()))
    assert checks == 2


def test_an_unhealthy_answer_is_rechecked_after_the_cache() -> None:
    results = iter([False, True])

    async def check() -> bool:
        return next(results)

    async def run() -> tuple[bool, bool, bool]:
        health = Health(check, lambda: 3, ttl_seconds=0.05)
        first, cached = await health.ok(), await health.ok()
        await asyncio.sleep(0.06)
        return first, cached, await health.ok()

    assert asyncio.run(run()) == (False, False, True)
