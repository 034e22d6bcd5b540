"""What the app scheduled, kept in Redis: per-user and team history, state, and delivery status.

Kaleyra v1 cannot list scheduled SMS, so this is the only record. A record's `state` says where an SMS
is (held by the app, handed to Kaleyra, cancelled, ...); moves between states are compare-and-set
under WATCH, so a Cancel and a hand-off can never both win. Status checks are jobs on the shared
queue (`bot.core.jobs`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from bot.core import delivery
from bot.core.delivery import Report
from bot.core.jobs import CHECK, JobQueue
from bot.core.keys import key

LONGEST_WAIT = timedelta(days=93)
"""Kaleyra schedules up to three calendar months ahead (at most 92 days), plus a day of margin."""
_TEAM = key("history", "team")
T = TypeVar("T")


HELD, HANDING_OFF, HANDED_OFF, SENT = "held", "handing_off", "handed_off", "sent"
CANCELLED, MISSED, REPLACED = "cancelled", "missed", "replaced"
REFUSED, FAILED, UNCERTAIN = "refused", "failed", "uncertain"


@dataclass
class MessageState:
    recipient: str
    status: str = delivery.SCHEDULED
    detail: str = ""


@dataclass
class SmsRecord:
    """One confirmed request: who, where, to whom, when, and each message's delivery status."""

    id: str
    user_id: str
    channel_id: str
    tz: str
    route: str
    send_at: str | None  # ISO 8601, or None for "sent now"
    created_at: str
    body_digest: str
    batch_ids: list[str]
    messages: dict[str, MessageState]  # message id -> state
    body: str | None = None  # kept only when the channel may see it anyway
    post_channel: str | None = None
    post_ts: str | None = None
    checks: int = 0
    state: str = ""  # see `phase`; empty for an SMS sent to Kaleyra straight from Confirm
    to: list[str] = field(default_factory=list)  # recipients, kept before Kaleyra gives message ids
    handoff_at: str | None = None  # ISO 8601: when a held SMS goes to Kaleyra
    acted_by: str = ""  # who cancelled it or sent it now
    note: str = ""  # why it was not sent, in the user's words
    series: str = ""  # the recurring series this send belongs to
    occurrence: int = 0  # its place in the series, from 1

    @property
    def recipients(self) -> list[str]:
        return [state.recipient for state in self.messages.values()] or list(self.to)

    @property
    def phase(self) -> str:
        """held, handing_off, handed_off, sent, cancelled, missed, replaced, refused, failed or uncertain."""
        if self.state:
            return self.state
        return SENT if self.send_at is None else HANDED_OFF

    @property
    def send_time(self) -> datetime:
        return datetime.fromisoformat(self.send_at or self.created_at)

    def summary(self) -> str:
        """'2 Delivered · 1 UnDelivered', in a stable order."""
        counts: dict[str, int] = {}
        for state in self.messages.values():
            counts[state.status] = counts.get(state.status, 0) + 1
        return " · ".join(f"{count} {status}" for status, count in sorted(counts.items()))

    def all_final(self) -> bool:
        return all(delivery.is_final(state.status) for state in self.messages.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SmsRecord:
        data = json.loads(text)
        data["messages"] = {mid: MessageState(**state) for mid, state in data["messages"].items()}
        return cls(**data)


def digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:16]


class History:
    def __init__(self, redis: Redis, retention_days: int, jobs: JobQueue) -> None:
        self._redis = redis
        self._retention = timedelta(days=retention_days)
        self._jobs = jobs

    async def record(self, record: SmsRecord, first_check_at: datetime | None) -> None:
        """Keep the record `retention` days from its send time (which may be three months after its
        creation); queue its first status check if given."""
        now = datetime.now(UTC)
        ttl = self._ttl(record)
        score = datetime.fromisoformat(record.created_at).timestamp()
        oldest = (now - self._retention - LONGEST_WAIT).timestamp()  # created before this: surely expired
        index_ttl = int((self._retention + LONGEST_WAIT).total_seconds())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key("sms", record.id), record.to_json(), ex=ttl)
            self._ids_in(pipe, record, ttl)
            for index in (_user_index(record.user_id), _TEAM):
                pipe.zadd(index, {record.id: score})
                pipe.zremrangebyscore(index, "-inf", oldest)
                pipe.expire(index, index_ttl)
            if first_check_at is not None:
                self._jobs.put_in(pipe, CHECK, record.id, first_check_at)
            await pipe.execute()

    async def index_ids(self, record: SmsRecord) -> None:
        """Find `record` by its Kaleyra ids (they are known only once it is sent, e.g. after a hand-off)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            self._ids_in(pipe, record, self._ttl(record))
            await pipe.execute()

    def _ids_in(self, pipe: Pipeline, record: SmsRecord, ttl: int) -> None:
        for message_id in record.messages:
            pipe.set(key("message", message_id), record.id, ex=ttl)
        for batch_id in record.batch_ids:
            pipe.set(key("batch", batch_id), record.id, ex=ttl)

    def _ttl(self, record: SmsRecord) -> int:
        """Seconds to keep `record`: `retention` from its send time (up to three months after creation)."""
        now = datetime.now(UTC)
        return int((max(record.send_time, now) + self._retention - now).total_seconds())

    async def get(self, record_id: str) -> SmsRecord | None:
        raw = await self._redis.get(key("sms", record_id))
        return SmsRecord.from_json(raw) if isinstance(raw, str) else None

    async def get_many(self, record_ids: Sequence[str]) -> list[SmsRecord]:
        """In one round trip, in order; expired ones are skipped."""
        found = await self._redis.mget([key("sms", record_id) for record_id in record_ids]) if record_ids else []
        return [SmsRecord.from_json(raw) for raw in found if isinstance(raw, str)]

    async def attach_post(self, record_id: str, channel: str, ts: str) -> SmsRecord | None:
        """Link the channel post; returns the record, whose status may have moved on since the post
        was written (a callback can arrive first)."""

        def attach(record: SmsRecord) -> None:
            record.post_channel, record.post_ts = channel, ts

        record, _ = await self._change(record_id, attach)
        return record

    async def move(
        self, record_id: str, from_states: Collection[str], change: Callable[[SmsRecord], None]
    ) -> SmsRecord | None:
        """Apply `change` (which sets the new state) only if the record is in one of `from_states`;
        the changed record, or None if it was elsewhere (someone else moved it first) or is gone."""

        def guarded(record: SmsRecord) -> bool:
            if record.phase not in from_states:
                return False
            change(record)
            return True

        record, moved = await self._change(record_id, guarded)
        return record if moved else None

    async def find(self, report: Report) -> str | None:
        """The record a report belongs to, by message id, or by batch id (some callbacks send that)."""
        record_id = await self._redis.get(key("message", report.message_id))
        if record_id is None:
            record_id = await self._redis.get(key("batch", report.message_id))
        return record_id if isinstance(record_id, str) else None

    async def apply(
        self, record_id: str, reports: Iterable[Report], *, count_check: bool = False
    ) -> tuple[SmsRecord | None, list[Report]]:
        """Merge reports into the record (never backwards), counting a status check if asked;
        returns the record and the reports that changed it."""
        incoming = list(reports)

        def merge(record: SmsRecord) -> list[Report]:
            record.checks += int(count_check)
            changed = []
            for report in incoming:
                message_id = _match(record, report)
                if message_id is None:
                    continue
                state = record.messages[message_id]
                if delivery.newer(state.status, report.status):
                    state.status, state.detail = report.status, report.detail
                    changed.append(Report(message_id, report.status, report.detail, state.recipient))
            return changed

        record, changed = await self._change(record_id, merge)
        return record, changed or []

    async def _change(self, record_id: str, change: Callable[[SmsRecord], T]) -> tuple[SmsRecord | None, T | None]:
        """Read-modify-write under WATCH, so a callback and a poll never overwrite each other."""
        sms_key = key("sms", record_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(sms_key)
                    raw = await pipe.get(sms_key)
                    if not isinstance(raw, str):
                        await pipe.unwatch()  # type: ignore[no-untyped-call]
                        return None, None
                    record = SmsRecord.from_json(raw)
                    changed = change(record)
                    ttl = await pipe.ttl(sms_key)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(sms_key, record.to_json(), ex=ttl if ttl > 0 else None)
                    await pipe.execute()
                    return record, changed
                except WatchError:
                    continue

    async def recent(self, user_id: str | None, offset: int, count: int) -> tuple[list[SmsRecord], bool]:
        """Newest first, for one user (or the team with None); and whether there are more."""
        index = _user_index(user_id) if user_id else _TEAM
        ids = [str(record_id) for record_id in await self._redis.zrevrange(index, offset, offset + count)]
        return await self.get_many(ids[:count]), len(ids) > count


def _match(record: SmsRecord, report: Report) -> str | None:
    if report.message_id in record.messages:
        return report.message_id
    if report.message_id in record.batch_ids and report.recipient:
        for message_id, state in record.messages.items():
            if state.recipient.lstrip("+") == report.recipient.lstrip("+"):
                return message_id
    return None


def _user_index(user_id: str) -> str:
    return key("history", "user", user_id)
