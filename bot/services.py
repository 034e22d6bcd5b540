"""The app's long-lived parts, built once at start and shared by every listener and web handler."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.config import Settings
from bot.core.batches import BatchBook
from bot.core.clock import Clock, SystemClock
from bot.core.dispatch import Dispatcher
from bot.core.durability import Durability, Mode
from bot.core.jobs import BATCH, CHECK, GROUP, HANDOFF, JobQueue, JobRunner
from bot.core.kaleyra import KaleyraClient
from bot.core.kaleyra_dry_run import DryRunTransport
from bot.core.kaleyra_errors import KaleyraErrors
from bot.core.operations import Operations
from bot.core.outbox import Outbox
from bot.core.pending import PendingStore
from bot.core.quiet_hours import QuietHours, parse_hours
from bot.core.quota import Quota
from bot.core.redis_client import RedisClient
from bot.core.saved_lists import SavedLists
from bot.core.series import SeriesBook
from bot.core.shutdown import Shutdown
from bot.core.status_reads import StatusReads
from bot.core.store import Store
from bot.core.template_store import TemplateStore, configured
from bot.core.tracking import DeliveryTracker
from bot.slack.batch_posts import SlackBatchNews
from bot.slack.directory import SlackAccess, SlackDirectory
from bot.slack.handoffs import SlackHandoffNotifier
from bot.slack.notifications import SlackDeliveryNotifier

DRAIN_SECONDS = 20
"""How long accepted work may run on after SIGTERM."""


@dataclass
class Services:
    settings: Settings
    redis: RedisClient
    slack: AsyncWebClient
    clock: Clock
    store: Store
    pending: PendingStore
    kaleyra: KaleyraClient
    outbox: Outbox
    directory: SlackDirectory
    quota: Quota
    tracker: DeliveryTracker
    status_reads: StatusReads
    templates: TemplateStore
    batches: BatchBook
    lists: SavedLists
    jobs: JobRunner
    background: Background
    shutdown: Shutdown
    operations: Operations

    @classmethod
    def build(
        cls, settings: Settings, redis: RedisClient, slack: AsyncWebClient, clock: Clock | None = None
    ) -> Services:
        """`clock` is the one every part reads the time from (tests move it)."""
        clock = clock or SystemClock()
        shutdown = Shutdown()
        kaleyra = KaleyraClient(
            settings.kaleyra_url,
            settings.kaleyra_api_key.get_secret_value(),
            timeout=settings.kaleyra_timeout_seconds,
            max_retries=settings.kaleyra_max_retries,
            shutdown=shutdown,
            max_concurrent=settings.kaleyra_max_concurrent,
            transport=DryRunTransport(clock) if settings.kaleyra_dry_run else None,  # never calls Kaleyra
        )
        shared_redis = redis if settings.redis_url is not None else None  # embedded store: counts in-process
        quota = Quota(shared_redis, settings.rate_limit_per_minute, settings.daily_sms_limit)
        durability = Durability(
            redis, Mode(settings.redis_durability), min_replicas=settings.redis_min_replicas_acked,
            timeout_ms=settings.redis_durability_timeout_ms,
        )  # fmt: skip
        store = Store(redis, clock, settings.history_days, durability)
        errors = KaleyraErrors(redis, clock)
        pending = PendingStore(redis, settings.pending_ttl_seconds)
        directory = SlackDirectory(slack, clock)
        access = SlackAccess(directory, settings)
        masked, keep_body = not settings.show_full_numbers, settings.show_message_in_channel
        start, end = parse_hours(settings.mkt_send_hours)
        quiet_hours = QuietHours(start, end, settings.mkt_send_hours_countries)
        series = SeriesBook(store, clock, handoff=timedelta(minutes=settings.handoff_minutes), keep_body=keep_body)
        queue = JobQueue(redis)
        batches = BatchBook(
            store, queue, clock, handoff=timedelta(minutes=settings.handoff_minutes),
            lease=timedelta(seconds=settings.queue_lease_seconds),
            update_every=timedelta(seconds=settings.batch_update_seconds), keep_body=keep_body,
        )  # fmt: skip
        batches.notify = SlackBatchNews(slack, batches)
        dispatcher = Dispatcher(
            store, kaleyra, quota, quiet_hours, access, series, batches, clock,
            lease_seconds=settings.queue_lease_seconds, late_minutes=settings.late_send_minutes,
            first_check_seconds=settings.status_first_check_seconds, errors=errors,
        )  # fmt: skip
        outbox = Outbox(
            store, pending, dispatcher, series, batches, quota, quiet_hours, access, clock,
            SlackHandoffNotifier(slack, clock, masked=masked),
            handoff_minutes=settings.handoff_minutes, lease_seconds=settings.queue_lease_seconds,
            keep_body=keep_body, admins=settings.admin_users,
        )  # fmt: skip
        status_reads = StatusReads(kaleyra)
        tracker = DeliveryTracker(
            store, status_reads, SlackDeliveryNotifier(slack, clock, masked=masked), clock,
            first_check_seconds=settings.status_first_check_seconds, max_checks=settings.status_max_checks,
        )  # fmt: skip
        handlers = {CHECK: tracker.check, HANDOFF: outbox.hand_off, GROUP: outbox.hand_off_group, BATCH: batches.run}
        jobs = JobRunner(
            queue, handlers, clock,
            poll_seconds=settings.queue_poll_seconds, lease_seconds=settings.queue_lease_seconds,
            max_attempts=settings.queue_max_attempts, give_up={HANDOFF: outbox.give_up},
        )  # fmt: skip
        return cls(
            settings=settings,
            redis=redis,
            slack=slack,
            clock=clock,
            store=store,
            pending=pending,
            kaleyra=kaleyra,
            outbox=outbox,
            directory=directory,
            quota=quota,
            tracker=tracker,
            status_reads=status_reads,
            templates=TemplateStore(redis, configured(settings.templates_file) if settings.templates_file else ()),
            batches=batches,
            lists=SavedLists(redis),
            jobs=jobs,
            background=Background(settings.max_background_jobs, settings.background_workers),
            shutdown=shutdown,
            operations=Operations(store, queue, errors, clock),
        )

    async def aclose(self) -> None:
        self.shutdown.begin(DRAIN_SECONDS)  # from now on no Kaleyra attempt starts that could not end in time
        # both may be talking to Kaleyra: let them finish together, within the shutdown time
        await asyncio.gather(self.jobs.stop(timeout=DRAIN_SECONDS), self.background.drain(timeout=DRAIN_SECONDS))
        await self.status_reads.aclose()
        await self.kaleyra.aclose()
        await self.redis.aclose()
        if self.slack.session is not None:
            await self.slack.session.close()
