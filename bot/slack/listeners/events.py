"""Events: the App Home tab shows the user's SMS; admins also see the team's and the service's own view."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.directory import DirectoryUnavailable

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(home_opened)


async def home_opened(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    services = services_of(context)
    if event.get("tab", "home") == "home" and services.background.has_room():
        services.background.queue(publish_home(services, client, str(event.get("user", ""))))


async def publish_home(services: Services, client: AsyncWebClient, user_id: str) -> None:
    """The user's SMS (and the team's, for admins), each held one with its buttons; for admins, the
    operations' view (`bot.core.operations`); the DLT templates (and, for admins, Add and Edit)."""
    try:
        settings = services.settings
        admin = user_id in settings.admin_users
        store = services.templates
        member, (mine, _), (team, _), added, overview = await asyncio.gather(
            services.directory.member(user_id),
            services.store.recent(user_id, 0, blocks.PAGE_SIZE),
            services.store.recent(None, 0, 2 * blocks.PAGE_SIZE) if admin else _no_team_view(),
            store.added(),
            services.operations.overview() if admin else _no_overview(),
        )
        templates = blocks.templates_blocks(store.configured, added, admin=admin)
        now, masked = services.clock.now(), not settings.show_full_numbers
        operations = blocks.operations_blocks(overview, member.tz, now, masked=masked) if overview else []
        view = blocks.home_view(
            mine, team, member.tz, now, masked=masked, templates=templates, operations=operations,
            dry_run=settings.kaleyra_dry_run,
        )  # fmt: skip
        await client.views_publish(user_id=user_id, view=view)
    except (RedisError, SlackApiError, DirectoryUnavailable) as exc:  # the Home tab shows its last view meanwhile
        log.warning("could not publish the App Home for %s: %s", user_id, type(exc).__name__)


async def _no_team_view() -> tuple[None, bool]:
    return None, False


async def _no_overview() -> None:
    return None
