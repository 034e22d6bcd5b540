"""A recurring series as one object: its template, whether it was stopped, and its sends so far.

The series and all its sends share a bucket (`<root>-<n>`), so holding the next send, and stopping, are
each one atomic step with the series' own version checked: a send can never be held after Stop, and Stop
cancels every send of the series the app still holds, wherever it is clicked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.core import keys, recurrence
from bot.core.clock import Clock
from bot.core.jobs import HANDOFF
from bot.core.records import Change, Event, SmsRecord, State, held
from bot.core.store import ABSENT, Commit, Store
from bot.core.validation import ScheduleRequest

log = logging.getLogger(__name__)
KEEP_AFTER_LAST = timedelta(days=7)


@dataclass(frozen=True)
class Stopped:
    """What Stop came to: the sends it cancelled, and those under way that it could not stop."""

    cancelled: tuple[SmsRecord, ...]
    under_way: tuple[SmsRecord, ...]
    already: bool = False  # it had been stopped before


class SeriesBook:
    def __init__(self, store: Store, clock: Clock, *, handoff: timedelta, keep_body: bool) -> None:
        self._store = store
        self._clock = clock
        self._handoff = handoff
        self._keep_body = keep_body

    def handoff_at(self, send_at: datetime) -> datetime:
        return max(self._clock.now(), send_at - self._handoff)

    def start(
        self, commit: Commit, root: str, request: ScheduleRequest, owner: dict[str, str], *, dry_run: bool = False
    ) -> SmsRecord:
        """Into `commit` (Confirm's): the series document and its first send, held. Every send of a series
        confirmed in a dry run is a dry run's."""
        assert request.send_at is not None
        document = {
            "template": request.to_dict(),
            **owner,
            "stopped": False,
            "stopped_by": "",
            "latest": 1,
            "dry_run": dry_run,
        }
        commit.put(keys.of(root, "series"), document, ABSENT, self._ttl(document))
        first = self._held(f"{root}-1", request, document, 1)
        self._put_held(commit, first)
        return first

    async def stopped(self, series_id: str) -> bool:
        document = await self._store.get_document(keys.of(series_id, "series"))
        return document is None or bool(document.get("stopped"))

    async def continue_after(self, record: SmsRecord) -> SmsRecord | None:
        """Once a send has left the app's hands (or been skipped), hold the next one, unless the series was
        stopped or is over. Idempotent: the next send is created once."""
        for _ in range(5):
            series_key = keys.of(record.series, "series")
            document = await self._store.get_document(series_key)
            if document is None or document.get("stopped"):
                return None
            template = ScheduleRequest.from_dict(document["template"])
            upcoming = recurrence.occurrences(template.repeat, document["tz"], record.send_time, 1)
            occurrence = record.occurrence + 1
            if not upcoming or occurrence <= int(document["latest"]):
                return None
            commit = Commit(keys.bucket_of(record.series))
            following = self._held(
                f"{record.series}-{occurrence}", replace(template, send_at=upcoming[0]), document, occurrence
            )
            self._put_held(commit, following)
            commit.put(series_key, _fields(document) | {"latest": occurrence}, document["version"], self._ttl(document))
            if await self._store.apply(commit):
                await self._store.index(following)
                return following
        log.warning("could not hold the next send of series %s: it kept changing", record.series)
        return None

    async def stop(self, series_id: str, by: str) -> Stopped:
        """The series stops (atomically with nothing being held after), then each send it still holds is
        cancelled; sends under way cannot be stopped and are reported."""
        series_key = keys.of(series_id, "series")
        already = False
        while True:
            document = await self._store.get_document(series_key)
            if document is None or document.get("stopped"):
                already = True
                break
            commit = Commit(keys.bucket_of(series_id))
            stopped = _fields(document) | {"stopped": True, "stopped_by": by}
            commit.put(series_key, stopped, document["version"], self._ttl(document))
            if await self._store.apply(commit):
                break
        latest = int(document["latest"]) if document else 0
        records = await self._store.get_many([f"{series_id}-{n}" for n in range(1, latest + 1)])
        cancelled, under_way = [], []
        for record in records:
            if record.phase is State.SENDING:
                under_way.append(record)
            elif record.phase is State.HELD and (done := await self.cancel_held(record.id, by)) is not None:
                cancelled.append(done)
        return Stopped(tuple(cancelled), tuple(under_way), already)

    async def cancel_held(self, record_id: str, by: str) -> SmsRecord | None:
        """Cancel a send of the series if the app still holds it (not one that failed or was missed: those
        wait for their owner); the cancelled record, or None."""

        record, changed = await self._store.move(
            record_id, Event.CANCEL, Change(by=by), when=lambda current: current.phase is State.HELD,
            also=lambda commit, cancelled: commit.drop_job(HANDOFF, cancelled.id),
        )  # fmt: skip
        return record if changed else None

    def _held(self, record_id: str, request: ScheduleRequest, owner: dict[str, Any], occurrence: int) -> SmsRecord:
        assert request.send_at is not None
        return held(
            record_id, request, user_id=owner["user_id"], channel_id=owner["channel_id"], tz=owner["tz"],
            now=self._clock.now(), handoff_at=self.handoff_at(request.send_at), keep_body=self._keep_body,
            series=keys.root(record_id), occurrence=occurrence, trace=str(owner.get("trace") or ""),
            dry_run=bool(owner.get("dry_run")),
        )  # fmt: skip

    def _put_held(self, commit: Commit, record: SmsRecord) -> None:
        self._store.put_record(commit, record, ABSENT)
        assert record.handoff_at is not None
        commit.add_job(HANDOFF, record.id, datetime.fromisoformat(record.handoff_at))
        commit.index_in_team(record, self._store.oldest())

    def _ttl(self, document: dict[str, Any]) -> timedelta:
        """A series is kept a week past its last send."""
        template = ScheduleRequest.from_dict(document["template"])
        last = recurrence.last(template.repeat, document["tz"])
        return max(last - self._clock.now() + KEEP_AFTER_LAST, KEEP_AFTER_LAST)


def _fields(document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name not in ("version", "commit")}
