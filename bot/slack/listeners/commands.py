"""The `/schedule-sms` slash command."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.command import is_help, parse_command
from bot.core.errors import InvalidRequest
from bot.core.pending import Pending
from bot.core.validation import validate
from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.listeners import held
from bot.slack.replies import BUSY, ModalContext, Requester, guard_storage, history_for, open_modal


def register(app: AsyncApp) -> None:
    app.command("/schedule-sms")(schedule_sms)


async def schedule_sms(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    services = services_of(context)
    text = str(body.get("text") or "")
    if is_help(text):
        await ack(text="How to use /schedule-sms", blocks=blocks.help_blocks())
        return
    if not services.background.has_room():
        await ack(text=BUSY)
        return
    await ack()
    requester = Requester(
        str(body.get("user_id", "")), str(body.get("channel_id", "")), str(body.get("response_url") or "") or None
    )
    page = history_page(text)
    if page is not None:
        services.background.queue(guard_storage(_list(services, client, requester, page), client, requester))
    else:  # may open the form, with a trigger_id that expires 3 s after the command
        services.background.start(guard_storage(_handle(services, client, body, text), client, requester))


async def _handle(services: Services, client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
    user_id, channel_id = str(body.get("user_id", "")), str(body.get("channel_id", ""))
    response_url = str(body.get("response_url") or "") or None
    requester = Requester(user_id, channel_id, response_url)
    context = ModalContext(channel_id=channel_id, response_url=response_url or "")
    settings = services.settings
    member, refused = await services.directory.sender(settings, user_id, channel_id)
    if refused is not None:
        await requester.problem(client, refused.message, trusted=refused.mrkdwn)
        return
    if not text.strip():
        await open_modal(services, client, str(body.get("trigger_id", "")), parse_command(""), context)
        return
    draft = parse_command(text).with_defaults(
        settings.kaleyra_type, settings.kaleyra_sender, settings.kaleyra_callback_profile_id
    )
    now = datetime.now(UTC)
    try:
        request = validate(draft, member.tz, now, settings, locale=member.locale)
    except InvalidRequest as invalid:
        problems = list(invalid.errors.values())
        if not await open_modal(services, client, str(body.get("trigger_id", "")), draft, context, problems):
            await requester.problem(
                client, "Nothing was scheduled. " + " ".join(problems) + " Type `/schedule-sms help` for examples."
            )
        return
    if limit := await services.quota.refusal(user_id, len(request.recipients), member.tz, take=False):
        await requester.problem(client, limit.message)
        return
    if quiet := services.holding.quiet_hours.refusal(request, request.send_at or now):
        await held.offer_next_allowed(services, client, requester, Pending(request, user_id, channel_id, member.tz),
                                      quiet.message)  # fmt: skip
        return
    pending_id = await services.store.put(Pending(request, user_id, channel_id, member.tz))
    confirmation = blocks.confirmation_blocks(pending_id, request, member.tz, now)
    await requester.tell(client, "Check and confirm your SMS", confirmation)


def history_page(text: str) -> int | None:
    """`list` or `list 3` asks for the history (pages count from 1 for people, from 0 here)."""
    words = text.strip().lower().split()
    if not words or words[0] not in ("list", "history"):
        return None
    return int(words[1]) - 1 if len(words) == 2 and words[1].isdigit() and 0 < int(words[1]) < 1000 else 0


async def _list(services: Services, client: AsyncWebClient, requester: Requester, page: int) -> None:
    await requester.tell(client, "Your scheduled SMS", await history_for(services, requester.user_id, page))
