"""Who a Slack user is, as far as sending goes: their zone, whether they are a guest, their user groups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from typing import TypeVar

import aiohttp
from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core import access
from bot.core.access import Member
from bot.core.clock import Clock
from bot.core.refusals import Refusal

log = logging.getLogger(__name__)
T = TypeVar("T")
SLACK_TIMEOUT = 5.0
"""Seconds a check at send time waits for Slack to say who someone is, before the send is tried again."""


class DirectoryUnavailable(Exception):
    """Slack could not say who a user is (rate limited, slow, down): the app refuses rather than guess."""


class SlackDirectory:
    """Users (`users.info`: timezone, locale, guest or not) and user groups (`usergroups.users.list`), cached."""

    def __init__(
        self, client: AsyncWebClient, clock: Clock, ttl_seconds: float = 600, max_entries: int = 50_000
    ) -> None:
        self._client = client
        timer = lambda: clock.now().timestamp()  # noqa: E731  the app's one clock, which tests move
        self._members: TTLCache[str, Member] = TTLCache(max_entries, ttl_seconds, timer=timer)
        self._groups: TTLCache[str, frozenset[str]] = TTLCache(1000, ttl_seconds, timer=timer)
        self._looking_up: dict[str, asyncio.Future[Member]] = {}

    async def member(self, user_id: str, *, timeout: float | None = None) -> Member:
        """The user's zone, locale and guest status; raises `DirectoryUnavailable` when Slack cannot say,
        so that nobody is taken for a member, nor a time read in UTC, by mistake.

        Commands from one user arriving together share one `users.info` call (Slack rate-limits it).
        """
        if (cached := self._members.get(user_id)) is not None:
            return cached
        lookup = self._looking_up.get(user_id)
        if lookup is None:
            lookup = self._looking_up[user_id] = asyncio.ensure_future(self._look_up(user_id))
            lookup.add_done_callback(lambda done: self._forget(user_id, done))
        # one caller giving up (its own timeout) must not cancel the lookup the others wait for
        return await self._ask("users.info", user_id, asyncio.shield(lookup), timeout)

    def _forget(self, user_id: str, lookup: asyncio.Future[Member]) -> None:
        """The next caller asks Slack again; a failure every waiter gave up on is still retrieved (and logged)."""
        self._looking_up.pop(user_id, None)
        if not lookup.cancelled():
            lookup.exception()

    async def _look_up(self, user_id: str) -> Member:
        call = self._client.users_info(user=user_id, include_locale=True)
        user = (await self._ask("users.info", user_id, call, None)).get("user") or {}
        if not user.get("tz"):
            raise DirectoryUnavailable(f"Slack gave no timezone for {user_id}")
        guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
        locale = str(user.get("locale") or "") or None
        member = self._members[user_id] = Member(user_id, str(user["tz"]), guest, locale)
        return member

    async def groups_with(self, user_id: str, group_ids: Iterable[str], *, timeout: float | None = None) -> list[str]:
        """Those of `group_ids` that `user_id` belongs to; raises `DirectoryUnavailable` when Slack cannot say."""
        members = {group_id: self._groups.get(group_id) for group_id in group_ids}
        missing = [group_id for group_id, known in members.items() if known is None]
        answers = await asyncio.gather(  # at once: one timeout for them all, not one after another
            *(
                self._ask(
                    "usergroups.users.list", group_id, self._client.usergroups_users_list(usergroup=group_id), timeout
                )
                for group_id in missing
            )
        )
        for group_id, response in zip(missing, answers, strict=True):
            members[group_id] = self._groups[group_id] = frozenset(response.get("users") or ())
        return [group_id for group_id, users in members.items() if users is not None and user_id in users]

    async def sender(
        self, settings: Settings, user_id: str, channel_id: str, *, timeout: float | None = None
    ) -> tuple[Member, Refusal | None]:
        """The member, and why they may not send from this channel (None when they may)."""
        member = await self.member(user_id, timeout=timeout)
        if not settings.restricts_members and not member.is_guest:
            return member, None
        groups = await self.groups_with(user_id, settings.allowed_usergroups, timeout=timeout)
        return member, access.refusal(settings, member, channel_id, groups)

    @staticmethod
    async def _ask(method: str, about: str, call: Awaitable[T], timeout: float | None) -> T:
        try:
            return await asyncio.wait_for(call, timeout)
        except SlackApiError as exc:
            log.warning("%s failed for %s: %s", method, about, exc.response.get("error"))
            raise DirectoryUnavailable(f"{method} failed") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("%s failed for %s: %s", method, about, type(exc).__name__)
            raise DirectoryUnavailable(f"{method} failed") from exc


class SlackAccess:
    """Who may send, as the core asks at every send (`bot.core.dispatch.Access`): the allow-lists, user
    groups, guests and channels, from the directory's cache or Slack."""

    def __init__(self, directory: SlackDirectory, settings: Settings) -> None:
        self._directory = directory
        self._settings = settings

    async def refusal(self, user_id: str, channel_id: str) -> Refusal | None:
        """Raises `DirectoryUnavailable` when Slack cannot say: a send is never made on a guess."""
        _, refused = await self._directory.sender(self._settings, user_id, channel_id, timeout=SLACK_TIMEOUT)
        return refused
