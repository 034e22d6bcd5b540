"""The core's outbox on an in-memory Redis and a scripted Kaleyra, on a clock the test moves: no sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import fakeredis

from bot.core.batches import BatchBook, News
from bot.core.dispatch import Dispatcher
from bot.core.jobs import BATCH, CHECK, GROUP, HANDOFF, JobQueue, JobRunner
from bot.core.kaleyra import KaleyraClient
from bot.core.kaleyra_dry_run import DryRunTransport
from bot.core.kaleyra_errors import KaleyraErrors
from bot.core.operations import Operations
from bot.core.outbox import Outbox
from bot.core.outcomes import Outcome
from bot.core.pending import Pending, PendingStore
from bot.core.quiet_hours import QuietHours, parse_hours
from bot.core.quota import Quota
from bot.core.records import SmsRecord
from bot.core.refusals import Reason, Refusal
from bot.core.series import SeriesBook
from bot.core.status_reads import StatusReads
from bot.core.store import Store
from bot.core.tracking import DeliveryTracker
from bot.core.validation import ScheduleRequest
from tests.unit.kaleyra_double import ACCOUNT_URL, API_KEY, KaleyraDouble

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # 12:00 in India
HANDOFF_MINUTES = 60
LEASE = 30


def request(send_in: timedelta | None = timedelta(hours=2), recipients: int = 1, **fields: object) -> ScheduleRequest:
    numbers = tuple(f"+9198765{i:05d}" for i in range(recipients))
    plain = ScheduleRequest(numbers, "Your appointment is at 4 PM", "TXN", "KLRHXA", NOW + send_in if send_in else None)
    return ScheduleRequest(**(vars(plain) | fields))  # type: ignore[arg-type]


class FrozenClock:
    """Time that moves only when the test says: unit tests compare instants exactly."""

    def __init__(self, now: datetime = NOW) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class Access:
    """Who may send, as the Slack adapter would answer: everyone but `refused`."""

    def __init__(self) -> None:
        self.refused: set[str] = set()

    async def refusal(self, user_id: str, channel_id: str) -> Refusal | None:
        return Refusal(Reason.NOT_ALLOWED, "You are not on the list.") if user_id in self.refused else None


class World:
    def __init__(
        self,
        kaleyra: KaleyraDouble | None = None,
        *,
        per_day: int = 0,
        quiet: str = "",
        admins: tuple[str, ...] = (),
        dry_run: bool = False,
        per_minute: int = 0,
        limits_in_redis: bool = False,
    ) -> None:
        """`dry_run`: Kaleyra is the app's own dry run (KALEYRA_DRY_RUN), and `kaleyra` hears nothing.
        `limits_in_redis`: the limits are counted in the in-memory Redis, as in production."""
        self.redis = redis = fakeredis.FakeAsyncRedis(decode_responses=True)
        self.kaleyra = kaleyra or KaleyraDouble()
        self.clock = FrozenClock()
        self.told: list[Outcome] = []
        self.delivery: list[SmsRecord] = []
        self.access = Access()
        self.store = Store(redis, self.clock, retention_days=90)
        self.pending = PendingStore(redis, ttl_seconds=600)
        client = (
            KaleyraClient(ACCOUNT_URL, API_KEY, transport=DryRunTransport(self.clock))
            if dry_run
            else self.kaleyra.client()
        )
        self.errors = KaleyraErrors(redis, self.clock)
        quota = Quota(redis if limits_in_redis else None, per_minute, per_day)
        quiet_hours = QuietHours(*parse_hours("09:00-21:00"), (quiet,) if quiet else ())
        self.series = SeriesBook(self.store, self.clock, handoff=timedelta(minutes=HANDOFF_MINUTES), keep_body=False)
        self.queue = JobQueue(redis)
        self.batches = BatchBook(
            self.store, self.queue, self.clock, handoff=timedelta(minutes=HANDOFF_MINUTES),
            lease=timedelta(seconds=LEASE), update_every=timedelta(seconds=10), keep_body=False,
        )  # fmt: skip
        self.batches.notify = self._batch_news
        self.news: list[News] = []
        self.quota = quota
        self.dispatcher = dispatcher = Dispatcher(
            self.store, client, quota, quiet_hours, self.access, self.series, self.batches, self.clock,
            lease_seconds=LEASE, late_minutes=10, first_check_seconds=120, errors=self.errors,
        )  # fmt: skip
        self.outbox = Outbox(
            self.store, self.pending, dispatcher, self.series, self.batches, quota, quiet_hours, self.access,
            self.clock, self._tell,
            handoff_minutes=HANDOFF_MINUTES, lease_seconds=LEASE, keep_body=False, admins=admins,
        )  # fmt: skip
        self.tracker = DeliveryTracker(
            self.store, StatusReads(client), self._delivered, self.clock, first_check_seconds=120, max_checks=3
        )
        handlers = {
            HANDOFF: self.outbox.hand_off, CHECK: self.tracker.check, GROUP: self.outbox.hand_off_group,
            BATCH: self.batches.run,
        }  # fmt: skip
        self.jobs = JobRunner(
            self.queue, handlers, self.clock,
            poll_seconds=1, lease_seconds=LEASE, max_attempts=3, give_up={HANDOFF: self.outbox.give_up},
        )  # fmt: skip
        self.operations = Operations(self.store, self.queue, self.errors, self.clock)

    async def _batch_news(self, news: News) -> None:
        self.news.append(news)

    async def _tell(self, outcome: Outcome) -> None:
        self.told.append(outcome)

    async def _delivered(self, record: SmsRecord, changed: object) -> None:
        self.delivery.append(record)

    async def offer(self, scheduled: ScheduleRequest | None = None, user: str = "U1", replaces: str = "") -> str:
        """A checked request kept for Confirm; its id."""
        return await self.pending.put(Pending(scheduled or request(), user, "C1", "Asia/Kolkata", replaces=replaces))

    async def record(self, record_id: str) -> SmsRecord:
        found = await self.store.get(record_id)
        assert found is not None, f"no record {record_id}"
        return found

    async def advance(self, delta: timedelta) -> int:
        """Move the clock on and run what is due then."""
        self.clock.advance(delta)
        return await self.jobs.run_due()

    async def due(self, kind: str, record_id: str) -> datetime | None:
        return await self.queue.due_at(kind, record_id)


def run(scenario: Callable[[World], Awaitable[None]], world: World | None = None) -> None:
    asyncio.run(scenario(world or World()))
