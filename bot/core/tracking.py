"""Delivery tracking: poll Kaleyra for due records, take callbacks, and tell whoever listens.

Any instance runs the poll loop; each due check is claimed in Redis, so it runs once, and a
claim left by a crashed instance expires for another to pick up. Nothing lives in process timers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError

from bot.core import delivery
from bot.core.delivery import Report
from bot.core.errors import StatusUnavailable
from bot.core.history import History, SmsRecord
from bot.core.kaleyra import KaleyraClient

log = logging.getLogger(__name__)
Notify = Callable[[SmsRecord, list[Report]], Awaitable[None]]


class DeliveryTracker:
    """Follows each sent SMS until every message has a final delivery status, or checks run out."""

    def __init__(
        self,
        history: History,
        kaleyra: KaleyraClient,
        notify: Notify,
        *,
        first_check_seconds: float,
        max_checks: int,
        max_interval_seconds: float = 3600,
        batch: int = 20,
    ) -> None:
        self._history = history
        self._kaleyra = kaleyra
        self._notify = notify
        self._first_check = first_check_seconds
        self._max_checks = max_checks
        self._max_interval = max_interval_seconds
        self._batch = batch

    async def receive(self, report: Report) -> bool:
        """A delivery report from a callback; False when no record knows its id."""
        record_id = await self._history.find(report)
        if record_id is None:
            return False
        record, changed = await self._history.apply(record_id, [report])
        if record is None:
            return False
        if changed:
            await self._notify(record, changed)
        if record.all_final():
            await self._history.check_done(record_id, None, claimed=False)
        return True

    async def run_once(self) -> int:
        """Check every due record this instance can claim; returns how many it checked."""
        checked = 0
        for record_id in await self._history.due(datetime.now(UTC), self._batch):
            if await self._history.claim_check(record_id):
                await self._check(record_id)
                checked += 1
        return checked

    async def run_forever(self, interval_seconds: float) -> None:
        while True:
            try:
                await self.run_once()
            except RedisError as exc:
                log.warning("status checks paused: storage unavailable (%s)", type(exc).__name__)
            except Exception:
                log.exception("status check failed")
            await asyncio.sleep(interval_seconds)

    async def _check(self, record_id: str) -> None:
        record = await self._history.get(record_id)
        if record is None:
            await self._history.check_done(record_id, None)
            return
        open_ids = [mid for mid, state in record.messages.items() if not delivery.is_final(state.status)]
        try:
            reports = await self._kaleyra.statuses(open_ids)
        except StatusUnavailable as exc:
            log.info("status of %s not available yet: %s", record_id, exc)
            reports = []
        updated, changed = await self._history.apply(record_id, reports, count_check=True)
        if updated is not None and changed:
            await self._notify(updated, changed)
        if updated is None or updated.all_final() or updated.checks >= self._max_checks:
            await self._history.check_done(record_id, None)
            return
        wait = min(self._first_check * 2**updated.checks, self._max_interval)
        await self._history.check_done(record_id, datetime.now(UTC) + timedelta(seconds=wait))
