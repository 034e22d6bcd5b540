"""The `/schedule-sms` slash command."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.command import is_help, parse_command
from bot.listeners.replies import (
    BUSY,
    STORAGE_DOWN,
    ModalContext,
    history_for,
    open_modal,
    tell_user,
)
from bot.services import Services
from bot.store import Pending
from bot.validation import InvalidRequest, validate

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    @app.command("/schedule-sms")
    async def schedule_sms(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        text = str(body.get("text") or "")
        if is_help(text):
            await ack(text="How to use /schedule-sms", blocks=blocks.help_blocks())
            return
        if not services.background.has_room():
            await ack(text=BUSY)
            return
        await ack()
        page = history_page(text)
        if page is not None:
            services.background.spawn(_list(services, client, body, page))
            return
        services.background.spawn(_handle(services, client, body, text))


async def _handle(services: Services, client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
    user_id, channel_id = str(body.get("user_id", "")), str(body.get("channel_id", ""))
    response_url = str(body.get("response_url") or "") or None
    context = ModalContext(channel_id=channel_id, response_url=response_url or "")
    settings = services.settings
    reply = _Reply(client, user_id, channel_id, response_url)
    member, refused = await services.member_refusal(user_id, channel_id)
    if refused is not None:
        await reply(refused, blocks.problem_blocks(refused, trusted=True))
        return
    if not text.strip():
        await open_modal(services, client, str(body.get("trigger_id", "")), parse_command(""), context)
        return
    draft = parse_command(text).with_defaults(
        settings.kaleyra_type, settings.kaleyra_sender, settings.kaleyra_callback_profile_id
    )
    tz = member.tz
    now = datetime.now(UTC)
    try:
        request = validate(draft, tz, now, settings)
        if limit := await services.quota.refusal(user_id, len(request.recipients), tz, take=False):
            await reply(limit)
            return
        pending_id = await services.store.put(Pending(request, user_id, channel_id, tz, response_url))
    except InvalidRequest as invalid:
        problems = list(invalid.errors.values())
        if not await open_modal(services, client, str(body.get("trigger_id", "")), draft, context, problems):
            await reply("Nothing was scheduled. " + " ".join(problems) + " Type `/schedule-sms help` for examples.")
        return
    except RedisError as exc:
        log.error("storage unavailable: %s", type(exc).__name__)
        await reply(STORAGE_DOWN)
        return
    await reply("Check and confirm your SMS", blocks.confirmation_blocks(pending_id, request, tz, now))


def history_page(text: str) -> int | None:
    """`list` or `list 3` asks for the history (pages count from 1 for people, from 0 here)."""
    words = text.strip().lower().split()
    if not words or words[0] not in ("list", "history"):
        return None
    return int(words[1]) - 1 if len(words) == 2 and words[1].isdigit() and 0 < int(words[1]) < 1000 else 0


async def _list(services: Services, client: AsyncWebClient, body: dict[str, Any], page: int) -> None:
    user_id, channel_id = str(body.get("user_id", "")), str(body.get("channel_id", ""))
    reply = _Reply(client, user_id, channel_id, str(body.get("response_url") or "") or None)
    try:
        await reply("Your scheduled SMS", await history_for(services, user_id, page))
    except RedisError as exc:
        log.error("storage unavailable: %s", type(exc).__name__)
        await reply(STORAGE_DOWN)


class _Reply:
    def __init__(self, client: AsyncWebClient, user_id: str, channel_id: str, response_url: str | None) -> None:
        self._client, self._user_id, self._channel_id, self._response_url = client, user_id, channel_id, response_url

    async def __call__(self, text: str, payload_blocks: list[dict[str, Any]] | None = None) -> None:
        await tell_user(
            self._client,
            user_id=self._user_id,
            channel_id=self._channel_id,
            response_url=self._response_url,
            text=text,
            payload_blocks=payload_blocks or blocks.problem_blocks(text),
        )
