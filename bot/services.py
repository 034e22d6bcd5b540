"""The app's long-lived parts, built once at start and shared by every listener."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp
from cachetools import TTLCache
from redis.asyncio import Redis
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.config import Settings
from bot.core import access
from bot.core.access import Member
from bot.core.history import History
from bot.core.kaleyra import KaleyraClient
from bot.core.outbox import Scheduler
from bot.core.pending import PendingStore
from bot.core.quota import Quota
from bot.core.tracking import StatusTracker
from bot.slack.notifications import SlackDeliveryNotifier

log = logging.getLogger(__name__)


class SlackDirectory:
    """Users (`users.info`: timezone, guest or not) and user groups (`usergroups.users.list`), cached."""

    def __init__(self, client: AsyncWebClient, ttl_seconds: float = 600, max_entries: int = 50_000) -> None:
        self._client = client
        self._members: TTLCache[str, Member] = TTLCache(max_entries, ttl_seconds)
        self._groups: TTLCache[str, frozenset[str]] = TTLCache(1000, ttl_seconds)

    async def member(self, user_id: str) -> Member:
        """The user's zone and guest status; UTC (and not a guest) when Slack cannot say."""
        if (cached := self._members.get(user_id)) is not None:
            return cached
        try:
            user = (await self._client.users_info(user=user_id)).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s; reading times in UTC", user_id, exc.response.get("error"))
            return Member(user_id, "UTC")
        guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
        member = self._members[user_id] = Member(user_id, str(user.get("tz") or "UTC"), guest)
        return member

    async def groups_with(self, user_id: str, group_ids: Iterable[str]) -> list[str]:
        """Those of `group_ids` that `user_id` belongs to."""
        found = []
        for group_id in group_ids:
            members = self._groups.get(group_id)
            if members is None:
                try:
                    response = await self._client.usergroups_users_list(usergroup=group_id)
                except SlackApiError as exc:
                    log.warning("usergroups.users.list failed for %s: %s", group_id, exc.response.get("error"))
                    continue
                members = self._groups[group_id] = frozenset(response.get("users") or ())
            if user_id in members:
                found.append(group_id)
        return found


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
