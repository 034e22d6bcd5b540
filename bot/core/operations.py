"""The admins' view of the service: SMS whose outcome is unknown, queued jobs in trouble, the queue and its
next hand-offs, and Kaleyra's errors of the last day.

It is read each time an admin opens the App Home, so every part is a bounded read of what the writes keep
up to date (the unknown outcomes' index, the queue's own sets, the hourly error counts), in a few round
trips, and never a scan of the keys.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import Clock
from bot.core.jobs import JobQueue
from bot.core.kaleyra_errors import ErrorCount, KaleyraErrors
from bot.core.records import SmsRecord, State
from bot.core.store import Store

SHOWN = 5
"""How many of each list the view shows."""


@dataclass(frozen=True)
class JobTrouble:
    """A queued job that failed and is being retried (`tries` so far), or was given up (`given_up_at`)."""

    kind: str
    record_id: str
    record: SmsRecord | None  # as it stands now; None once it has expired
    tries: int = 0
    given_up_at: datetime | None = None


@dataclass(frozen=True)
class Overview:
    unknown: list[SmsRecord]  # the latest, by send time
    unknown_count: int
    queued: int
    due: int  # due now and not yet claimed: more than a few for long means no instance keeps up
    running: int
    next_handoffs: list[tuple[datetime, SmsRecord]]
    troubles: list[JobTrouble]
    kaleyra_errors: list[ErrorCount]


class Operations:
    def __init__(self, store: Store, queue: JobQueue, errors: KaleyraErrors, clock: Clock) -> None:
        self._store = store
        self._queue = queue
        self._errors = errors
        self._clock = clock

    async def overview(self, shown: int = SHOWN) -> Overview:
        (unknown, unknown_count), queue, errors = await asyncio.gather(
            self._store.unknown(shown), self._queue.view(self._clock.now(), shown), self._errors.last_day()
        )
        mentioned = [record_id for record_id, _ in queue.next_handoffs]
        mentioned += [record_id for _, record_id, _ in (*queue.retried, *queue.given_up)]
        records = {record.id: record for record in await self._store.get_many(mentioned)}
        handoffs = [
            (at, records[record_id])
            for record_id, at in queue.next_handoffs
            if record_id in records and records[record_id].phase is State.HELD  # not the watch over a send
        ]
        troubles = [
            JobTrouble(kind, record_id, records.get(record_id), tries) for kind, record_id, tries in queue.retried
        ]
        troubles += [
            JobTrouble(kind, record_id, records.get(record_id), given_up_at=at)
            for kind, record_id, at in queue.given_up
        ]
        return Overview(unknown, unknown_count, queue.queued, queue.due, queue.running, handoffs, troubles, errors)
