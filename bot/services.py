"""The app's long-lived parts, built once at start and shared by every listener and web handler."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.config import Settings
from bot.core.history import History
from bot.core.holding import Holding
from bot.core.jobs import CHECK, HANDOFF, JobQueue, JobRunner
from bot.core.kaleyra import KaleyraClient
from bot.core.outbox import Outbox
from bot.core.pending import PendingStore
from bot.core.quiet_hours import QuietHours, parse_hours
from bot.core.quota import Quota
from bot.core.shutdown import Shutdown
from bot.core.tracking import DeliveryTracker
from bot.slack.directory import SlackDirectory
from bot.slack.handoffs import SlackHandoffNotifier
from bot.slack.notifications import SlackDeliveryNotifier

DRAIN_SECONDS = 20
"""How long accepted work may run on after SIGTERM."""


@dataclass
class Services:
    settings: Settings
    redis: Redis
    slack: AsyncWebClient
    store: PendingStore
    kaleyra: KaleyraClient
    outbox: Outbox
    directory: SlackDirectory
    quota: Quota
    history: History
    tracker: DeliveryTracker
    holding: Holding
    jobs: JobRunner
    background: Background
    shutdown: Shutdown

    @classmethod
    def build(cls, settings: Settings, redis: Redis, slack: AsyncWebClient) -> Services:
        store = PendingStore(redis, settings.pending_ttl_seconds)
        shutdown = Shutdown()
        kaleyra = KaleyraClient(
            settings.kaleyra_url,
            settings.kaleyra_api_key.get_secret_value(),
            timeout=settings.kaleyra_timeout_seconds,
            max_retries=settings.kaleyra_max_retries,
            shutdown=shutdown,
        )
        shared_redis = redis if settings.redis_url is not None else None  # embedded store: counts in-process
        quota = Quota(shared_redis, settings.rate_limit_per_minute, settings.daily_sms_limit)
        queue = JobQueue(redis)
        history = History(redis, settings.history_days, queue)
        masked = not settings.show_full_numbers
        start, end = parse_hours(settings.mkt_send_hours)
        holding = Holding(
            redis, history, queue, kaleyra, quota, SlackHandoffNotifier(slack, masked=masked),
            handoff_minutes=settings.handoff_minutes, late_minutes=settings.late_send_minutes,
            quiet_hours=QuietHours(start, end, settings.mkt_send_hours_countries), admins=settings.admin_users,
            first_check_seconds=settings.status_first_check_seconds, keep_body=settings.show_message_in_channel,
        )  # fmt: skip
        outbox = Outbox(
            store, kaleyra, quota, history,
            first_check_seconds=settings.status_first_check_seconds,
            keep_body=settings.show_message_in_channel,
            holder=holding,
        )  # fmt: skip
        tracker = DeliveryTracker(
            history, queue, kaleyra, SlackDeliveryNotifier(slack, masked=masked),
            first_check_seconds=settings.status_first_check_seconds, max_checks=settings.status_max_checks,
        )  # fmt: skip
        jobs = JobRunner(
            queue, {CHECK: tracker.check, HANDOFF: holding.hand_off},
            poll_seconds=settings.queue_poll_seconds, lease_seconds=settings.queue_lease_seconds,
        )  # fmt: skip
        return cls(
            settings=settings,
            redis=redis,
            slack=slack,
            store=store,
            kaleyra=kaleyra,
            outbox=outbox,
            directory=SlackDirectory(slack),
            quota=quota,
            history=history,
            tracker=tracker,
            holding=holding,
            jobs=jobs,
            background=Background(settings.max_background_jobs, settings.background_workers),
            shutdown=shutdown,
        )

    async def aclose(self) -> None:
        self.shutdown.begin(DRAIN_SECONDS)  # from now on no Kaleyra attempt starts that could not end in time
        # both may be talking to Kaleyra: let them finish together, within the shutdown time
        await asyncio.gather(self.jobs.stop(timeout=DRAIN_SECONDS), self.background.drain(timeout=DRAIN_SECONDS))
        await self.kaleyra.aclose()
        await self.redis.aclose()
        if self.slack.session is not None:
            await self.slack.session.close()
