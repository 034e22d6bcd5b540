"""Who a Slack user is, as far as sending goes: their zone, whether they are a guest, their user groups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core import access
from bot.core.access import Member
from bot.core.refusals import Refusal

log = logging.getLogger(__name__)


class SlackDirectory:
    """Users (`users.info`: timezone, locale, guest or not) and user groups (`usergroups.users.list`), cached."""

    def __init__(self, client: AsyncWebClient, ttl_seconds: float = 600, max_entries: int = 50_000) -> None:
        self._client = client
        self._members: TTLCache[str, Member] = TTLCache(max_entries, ttl_seconds)
        self._groups: TTLCache[str, frozenset[str]] = TTLCache(1000, ttl_seconds)
        self._looking_up: dict[str, asyncio.Future[Member]] = {}

    async def member(self, user_id: str) -> Member:
        """The user's zone, locale and guest status; UTC, English only (and not a guest) when Slack cannot say.

        Commands from one user arriving together share one `users.info` call (Slack rate-limits it).
        """
        if (cached := self._members.get(user_id)) is not None:
            return cached
        lookup = self._looking_up.get(user_id)
        if lookup is None:
            lookup = self._looking_up[user_id] = asyncio.ensure_future(self._look_up(user_id))
            lookup.add_done_callback(lambda _: self._looking_up.pop(user_id, None))
        return await asyncio.shield(lookup)  # one caller giving up must not cancel the others' lookup

    async def _look_up(self, user_id: str) -> Member:
        try:
            user = (await self._client.users_info(user=user_id, include_locale=True)).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s; reading times in UTC", user_id, exc.response.get("error"))
            return Member(user_id, "UTC")
        guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
        locale = str(user.get("locale") or "") or None
        member = self._members[user_id] = Member(user_id, str(user.get("tz") or "UTC"), guest, locale)
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

    async def sender(self, settings: Settings, user_id: str, channel_id: str) -> tuple[Member, Refusal | None]:
        """The member, and why they may not send from this channel (None when they may)."""
        member = await self.member(user_id)
        if not settings.restricts_members and not member.is_guest:
            return member, None
        groups = await self.groups_with(user_id, settings.allowed_usergroups)
        return member, access.refusal(settings, member, channel_id, groups)
