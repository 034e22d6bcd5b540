"""Delivery tracking: status checks of sent SMS, run as jobs on the shared queue, and callbacks.

Each check is a `check:<record id>` job (`bot.core.jobs`): claimed with an owner token, so it runs once
however many instances poll, and a crashed instance's lease expires for another to pick up. Reports are
merged into the record by compare-and-set, never backwards, so a callback and a poll never undo each other.
Checks that run at about the same time (a batch's rows sent together) share their GETs (`StatusReads`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Literal

from bot import metrics
from bot.core import delivery
from bot.core.clock import Clock
from bot.core.delivery import Report
from bot.core.errors import StatusUnavailable
from bot.core.jobs import CHECK
from bot.core.records import SmsRecord
from bot.core.status_reads import StatusReads
from bot.core.store import Commit, Store

log = logging.getLogger(__name__)
Notify = Callable[[SmsRecord, list[Report]], Awaitable[None]]


class DeliveryTracker:
    """Follows each sent SMS until every message has a final delivery status, or checks run out."""

    def __init__(
        self,
        store: Store,
        reads: StatusReads,
        notify: Notify,
        clock: Clock,
        *,
        first_check_seconds: float,
        max_checks: int,
        max_interval_seconds: float = 3600,
    ) -> None:
        self._store = store
        self._reads = reads
        self._notify = notify
        self._clock = clock
        self._first_check = first_check_seconds
        self._max_checks = max_checks
        self._max_interval = max_interval_seconds

    async def receive(self, report: Report) -> bool:
        """A delivery report from a callback; False when no record knows its id."""
        record_id = await self._store.find(report)
        if record_id is None:
            return False
        record, changed = await self._merge(record_id, [report], source="callback")
        if record is None:
            return False
        if changed:
            await self._tell(record, changed)
        return True

    async def check(self, record_id: str) -> datetime | None:
        """One status check (the queue's `check` handler); returns when to check next, or None."""
        record = await self._store.get(record_id)
        if record is None:
            return None
        open_ids = [mid for mid, state in record.messages.items() if not delivery.is_final(state.status)]
        try:
            reports = await self._reads.statuses(open_ids)
        except StatusUnavailable as exc:
            log.info("status of %s not available yet: %s", record_id, exc)
            reports = []
        updated, changed = await self._merge(record_id, reports, source="poll")
        if updated is not None and changed:
            await self._tell(updated, changed)
        if updated is None or updated.all_final() or updated.checks >= self._max_checks:
            return None
        wait = min(self._first_check * 2**updated.checks, self._max_interval)
        return self._clock.now() + timedelta(seconds=wait)

    async def _merge(
        self, record_id: str, reports: Iterable[Report], *, source: Literal["poll", "callback"]
    ) -> tuple[SmsRecord | None, list[Report]]:
        """Merge reports into the record (never backwards), counting a status check if asked; once every
        message is final, its check job goes with the same write. The record, and the reports that changed it."""
        incoming, count_check = list(reports), source == "poll"
        changed: list[Report] = []

        def merge(record: SmsRecord) -> bool:
            changed.clear()
            record.checks += int(count_check)
            for report in incoming:
                message_id = _match(record, report)
                if message_id is None:
                    continue
                state = record.messages[message_id]
                if delivery.newer(state.status, report.status):
                    state.status, state.detail = report.status, report.detail
                    changed.append(Report(message_id, report.status, report.detail, state.recipient))
            return bool(changed) or count_check

        def done_checking(commit: Commit, record: SmsRecord) -> None:
            if record.all_final() and not count_check:  # a check running now ends by itself
                commit.drop_job(CHECK, record_id)

        record, _ = await self._store.annotate(record_id, merge, also=done_checking)
        for report in changed:
            metrics.delivery_status(report.status, source)
        return record, list(changed)

    async def _tell(self, record: SmsRecord, changed: list[Report]) -> None:
        """Notify about one record; a failure is logged and never stops the record's own bookkeeping. A row
        of a batch is told as part of its batch (its counts move, and the batch's post follows them)."""
        if record.batch:
            return
        try:
            await self._notify(record, changed)
        except Exception:
            log.exception("could not report the delivery of %s", record.id)


def _match(record: SmsRecord, report: Report) -> str | None:
    if report.message_id in record.messages:
        return report.message_id
    if report.message_id in record.batch_ids and report.recipient:
        for message_id, state in record.messages.items():
            if state.recipient.lstrip("+") == report.recipient.lstrip("+"):
                return message_id
    return None
