"""The app's long-lived parts, built once at start and shared by every listener and web handler."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.config import Settings
from bot.core.history import History
from bot.core.kaleyra import KaleyraClient
from bot.core.outbox import Outbox
from bot.core.pending import PendingStore
from bot.core.quota import Quota
from bot.core.tracking import DeliveryTracker
from bot.slack.directory import SlackDirectory
from bot.slack.notifications import SlackDeliveryNotifier


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
    background: Background

    @classmethod
    def build(cls, settings: Settings, redis: Redis, slack: AsyncWebClient) -> Services:
        store = PendingStore(redis, settings.pending_ttl_seconds)
        kaleyra = KaleyraClient(
            settings.kaleyra_url,
            settings.kaleyra_api_key.get_secret_value(),
            timeout=settings.kaleyra_timeout_seconds,
            max_retries=settings.kaleyra_max_retries,
        )
        shared_redis = redis if settings.redis_url is not None else None  # the embedded store has no Lua
        quota = Quota(shared_redis, settings.rate_limit_per_minute, settings.daily_sms_limit)
        history = History(redis, settings.history_days, settings.status_claim_seconds)
        outbox = Outbox(
            store, kaleyra, quota, history,
            first_check_seconds=settings.status_first_check_seconds,
            keep_body=settings.show_message_in_channel,
        )  # fmt: skip
        tracker = DeliveryTracker(
            history, kaleyra, SlackDeliveryNotifier(slack, masked=not settings.show_full_numbers),
            first_check_seconds=settings.status_first_check_seconds, max_checks=settings.status_max_checks,
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
            background=Background(settings.max_background_jobs, settings.background_workers),
        )

    async def aclose(self) -> None:
        await self.background.drain(timeout=20)
        await self.kaleyra.aclose()
        await self.redis.aclose()
        if self.slack.session is not None:
            await self.slack.session.close()
