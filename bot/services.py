"""The app's long-lived parts, built once at start and shared by every listener."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.config import Settings
from bot.kaleyra import KaleyraClient
from bot.scheduler import Scheduler
from bot.store import PendingStore

log = logging.getLogger(__name__)


class UserTimezones:
    """Each user's Slack timezone (`users.info` → `tz`), cached for an hour."""

    def __init__(self, client: AsyncWebClient, ttl_seconds: float = 3600, max_users: int = 50_000) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._max_users = max_users
        self._cache: dict[str, tuple[float, str]] = {}

    async def get(self, user_id: str) -> str:
        """The user's IANA zone; UTC when Slack cannot say (the confirmation shows the zone used)."""
        cached = self._cache.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await self._client.users_info(user=user_id)
            tz = str((response.get("user") or {}).get("tz") or "UTC")
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s; reading times in UTC", user_id, exc.response.get("error"))
            return "UTC"
        if len(self._cache) >= self._max_users:
            self._cache.clear()
        self._cache[user_id] = (time.monotonic() + self._ttl, tz)
        return tz


@dataclass
class Services:
    settings: Settings
    redis: Redis
    store: PendingStore
    kaleyra: KaleyraClient
    scheduler: Scheduler
    timezones: UserTimezones
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
        return cls(
            settings=settings,
            redis=redis,
            store=store,
            kaleyra=kaleyra,
            scheduler=Scheduler(store, kaleyra),
            timezones=UserTimezones(slack),
            background=Background(settings.max_background_jobs),
        )

    async def aclose(self) -> None:
        await self.background.drain(timeout=20)
        await self.kaleyra.aclose()
        await self.redis.aclose()
