"""Shutdown and sends agree: once the app drains, work that cannot finish before the deadline is not
started, and work already started (a request on the wire, the user's answer) is finished, not cut."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Coroutine
from contextlib import suppress
from typing import Any, TypeVar

T = TypeVar("T")


class Shutdown:
    """The drain deadline, shared by whatever must not start what it cannot finish."""

    def __init__(self) -> None:
        self._deadline: float | None = None
        self._began: asyncio.Event | None = None

    def begin(self, seconds: float) -> None:
        """Draining starts now and ends after `seconds`."""
        self._deadline = time.monotonic() + seconds
        self._event().set()

    @property
    def draining(self) -> bool:
        return self._deadline is not None

    def remaining(self) -> float:
        """Seconds left before the deadline; infinite while the app is not stopping."""
        return math.inf if self._deadline is None else self._deadline - time.monotonic()

    def fits(self, seconds: float) -> bool:
        """Whether work taking up to `seconds` ends before the deadline."""
        return seconds <= self.remaining()

    async def sleep(self, seconds: float, then: float) -> bool:
        """Sleep `seconds` before work taking up to `then` seconds; False, at once, when that would end
        after the deadline (checked again the moment draining starts)."""
        end = time.monotonic() + seconds
        if not self.draining:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._event().wait(), seconds)
        left = max(0.0, end - time.monotonic())
        if not self.fits(left + then):
            return False
        await asyncio.sleep(left)
        return True

    def _event(self) -> asyncio.Event:
        if self._began is None:
            self._began = asyncio.Event()
        return self._began


async def finish_despite_cancel(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to its end even if the caller is cancelled (at the end of a drain), then pass the
    cancellation on: a send must not be cut between Kaleyra's answer and the user hearing it."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
