"""The app's long-lived parts, built once at start and shared by every listener."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp
from redis.asyncio import Redis
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import access
from bot.access import Member
from bot.background import Background
from bot.config import Settings
from bot.history import History
from bot.kaleyra import KaleyraClient
from bot.notify import SlackDeliveryNotifier
from bot.quota import Quota
from bot.scheduler import Scheduler
from bot.status import StatusTracker
from bot.store import PendingStore

log = logging.getLogger(__name__)


class SlackDirectory:
    """Users (`users.info`: timezone, guest or not) and user groups (`usergroups.users.list`), cached."""

    def __init__(self, client: AsyncWebClient, ttl_seconds: float = 600, max_entries: int = 50_000) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._members: dict[str, tuple[float, Member]] = {}
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}

    async def member(self, user_id: str) -> Member:
        """The user's zone and guest status; UTC (and not a guest) when Slack cannot say."""
        cached = self._members.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            user = (await self._client.users_info(user=user_id)).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s; reading times in UTC", user_id, exc.response.get("error"))
            return Member(user_id, "UTC")
        guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
        member = Member(user_id, str(user.get("tz") or "UTC"), guest)
        self._remember(self._members, user_id, member)
        return member

    async def groups_with(self, user_id: str, group_ids: Iterable[str]) -> list[str]:
        """Those of `group_ids` that `user_id` belongs to."""
        found = []
        for group_id in group_ids:
            cached = self._groups.get(group_id)
            if cached is None or cached[0] <= time.monotonic():
                try:
                    response = await self._client.usergroups_users_list(usergroup=group_id)
                except SlackApiError as exc:
                    log.warning("usergroups.users.list failed for %s: %s", group_id, exc.response.get("error"))
                    continue
                self._remember(self._groups, group_id, frozenset(response.get("users") or ()))
                cached = self._groups[group_id]
            if user_id in cached[1]:
                found.append(group_id)
        return found

    def _remember(self, cache: dict[str, tuple[float, Any]], key: str, value: Any) -> None:
        if len(cache) >= self._max_entries:
            cache.clear()
        cache[key] = (time.monotonic() + self._ttl, value)


@dataclass
class Services:
    settings: Settings
    redis: Redis
    store: PendingStore
    kaleyra: KaleyraClient
    scheduler: Scheduler
    directory: SlackDirectory
    quota: Quota
    history: History
    status: StatusTracker
    background: Background
    slack_session: aiohttp.ClientSession | None

    async def member_refusal(self, user_id: str, channel_id: str) -> tuple[Member, str | None]:
        """The member, and why they may not send from this channel (None when they may)."""
        member = await self.directory.member(user_id)
        if not self.settings.restricts_members and not member.is_guest:
            return member, None
        groups = await self.directory.groups_with(user_id, self.settings.allowed_usergroups)
        return member, access.refusal(self.settings, member, channel_id, groups)

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
        scheduler = Scheduler(
            store, kaleyra, quota, history,
            first_check_seconds=settings.status_first_check_seconds,
            keep_body=settings.show_message_in_channel,
        )  # fmt: skip
        status = StatusTracker(
            history, kaleyra, SlackDeliveryNotifier(slack, masked=not settings.show_full_numbers),
            first_check_seconds=settings.status_first_check_seconds, max_checks=settings.status_max_checks,
        )  # fmt: skip
        return cls(
            settings=settings,
            redis=redis,
            store=store,
            kaleyra=kaleyra,
            scheduler=scheduler,
            directory=SlackDirectory(slack),
            quota=quota,
            history=history,
            status=status,
            background=Background(settings.max_background_jobs, settings.background_workers),
            slack_session=slack.session,
        )

    async def aclose(self) -> None:
        await self.background.drain(timeout=20)
        await self.kaleyra.aclose()
        await self.redis.aclose()
        if self.slack_session is not None:
            await self.slack_session.close()
