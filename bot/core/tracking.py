"""Delivery tracking: status checks of sent SMS, run as jobs on the shared queue, and callbacks.

Each check is a `check:<record id>` job (`bot.core.jobs`): claimed with an owner token, so it runs once
however many instances poll, and a crashed instance's lease expires for another to pick up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.core import delivery
from bot.core.delivery import Report
from bot.core.errors import StatusUnavailable
from bot.core.history import History, SmsRecord
from bot.core.jobs import CHECK, JobQueue
from bot.core.kaleyra import KaleyraClient

log = logging.getLogger(__name__)
Notify = Callable[[SmsRecord, list[Report]], Awaitable[None]]


class DeliveryTracker:
    """Follows each sent SMS until every message has a final delivery status, or checks run out."""

    def __init__(
        self,
        history: History,
        jobs: JobQueue,
        kaleyra: KaleyraClient,
        notify: Notify,
        *,
        first_check_seconds: float,
        max_checks: int,
        max_interval_seconds: float = 3600,
    ) -> None:
        self._history = history
        self._jobs = jobs
        self._kaleyra = kaleyra
        self._notify = notify
        self._first_check = first_check_seconds
        self._max_checks = max_checks
        self._max_interval = max_interval_seconds

    async def receive(self, report: Report) -> bool:
        """A delivery report from a callback; False when no record knows its id."""
        record_id = await self._history.find(report)
        if record_id is None:
            return False
        record, changed = await self._history.apply(record_id, [report])
        if record is None:
            return False
        if changed:
            await self._tell(record, changed)
        if record.all_final():
            await self._jobs.discard(CHECK, record_id)
        return True

    async def _tell(self, record: SmsRecord, changed: list[Report]) -> None:
        """Notify about one record; a failure is logged and never stops the record's own bookkeeping
        (its next check)."""
        try:
            await self._notify(record, changed)
        except Exception:
            log.exception("could not report the delivery of %s", record.id)

    async def check(self, record_id: str) -> datetime | None:
        """One status check (the queue's `check` handler); returns when to check next, or None."""
        record = await self._history.get(record_id)
        if record is None:
            return None
        open_ids = [mid for mid, state in record.messages.items() if not delivery.is_final(state.status)]
        try:
            reports = await self._kaleyra.statuses(open_ids)
        except StatusUnavailable as exc:
            log.info("status of %s not available yet: %s", record_id, exc)
            reports = []
        updated, changed = await self._history.apply(record_id, reports, count_check=True)
        if updated is not None and changed:
            await self._tell(updated, changed)
        if updated is None or updated.all_final() or updated.checks >= self._max_checks:
            return None
        wait = min(self._first_check * 2**updated.checks, self._max_interval)
        return datetime.now(UTC) + timedelta(seconds=wait)
