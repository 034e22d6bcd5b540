"""The `/schedule-sms` slash command."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.command import is_help, misspelt_subcommand, parse_command
from bot.core.errors import InvalidRequest
from bot.core.pending import Pending
from bot.core.validation import ScheduleRequest, validate
from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.listeners import held
from bot.slack.replies import (
    BUSY,
    SLACK_TIMEOUT_BEFORE_FORM,
    ModalContext,
    Requester,
    guard,
    history_for,
    open_modal,
)


def register(app: AsyncApp) -> None:
    app.command("/schedule-sms")(schedule_sms)


async def schedule_sms(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    services = services_of(context)
    text = str(body.get("text") or "")
    if is_help(text):
        await ack(text="How to use /schedule-sms", blocks=blocks.help_blocks())
        return
    if (misspelt := misspelt_subcommand(text)) is not None:
        typed, meant = misspelt
        await ack(text=f"`{blocks.escape(typed)}` is not a `/schedule-sms` command: did you mean `{meant}`?")
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
        services.background.queue(guard(_list(services, client, requester, page), client, requester))
        return
    # not queued: this may open the form, and its trigger_id lives 3 seconds
    services.background.start(guard(_handle(services, client, body, text, requester), client, requester))


async def _handle(
    services: Services, client: AsyncWebClient, body: dict[str, Any], text: str, requester: Requester
) -> None:
    """Open the form (empty, or with what needs fixing), or queue the confirmation of a complete command."""
    trigger_id = str(body.get("trigger_id", ""))
    context = ModalContext(channel_id=requester.channel_id, response_url=requester.response_url or "")
    if not text.strip():  # who may send is checked when the form is submitted
        await open_modal(services, client, trigger_id, parse_command(""), context, requester)
        return
    settings = services.settings
    member, refused = await services.directory.sender(
        settings, requester.user_id, requester.channel_id, timeout=SLACK_TIMEOUT_BEFORE_FORM
    )
    if refused is not None:
        await requester.problem(client, refused.message, trusted=refused.mrkdwn)
        return
    draft = parse_command(text).with_defaults(
        settings.kaleyra_type, settings.kaleyra_sender, settings.kaleyra_callback_profile_id
    )
    now = datetime.now(UTC)
    try:
        request = validate(draft, member.tz, now, settings, locale=member.locale)
    except InvalidRequest as invalid:
        await open_modal(services, client, trigger_id, draft, context, requester, list(invalid.errors.values()))
        return
    services.background.queue(guard(_offer(services, client, requester, request, member.tz, now), client, requester))


async def _offer(
    services: Services, client: AsyncWebClient, requester: Requester, request: ScheduleRequest, tz: str, now: datetime
) -> None:
    """Keep the checked request and show it with Confirm, Edit and Cancel."""
    if limit := await services.quota.refusal(requester.user_id, len(request.recipients), tz, take=False):
        await requester.problem(client, limit.message)
        return
    pending = Pending(request, requester.user_id, requester.channel_id, tz)
    if quiet := services.holding.quiet_hours.refusal(request, request.send_at or now):
        await held.offer_next_allowed(services, client, requester, pending, quiet.message)
        return
    pending_id = await services.store.put(pending)
    confirmation = blocks.confirmation_blocks(pending_id, request, tz, now)
    await requester.tell(client, "Check and confirm your SMS", confirmation)


def history_page(text: str) -> int | None:
    """`list` or `list 3` asks for the history (pages count from 1 for people, from 0 here)."""
    words = text.strip().lower().split()
    if not words or words[0] not in ("list", "history"):
        return None
    return int(words[1]) - 1 if len(words) == 2 and words[1].isdigit() and 0 < int(words[1]) < 1000 else 0


async def _list(services: Services, client: AsyncWebClient, requester: Requester, page: int) -> None:
    await requester.tell(client, "Your scheduled SMS", await history_for(services, requester.user_id, page))
