"""The schedule-SMS modal: submission, with field errors shown inline."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import InvalidRequest
from bot.core.pending import Pending
from bot.core.validation import ScheduleRequest, validate
from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.listeners import held
from bot.slack.replies import STORAGE_DOWN, ModalContext, Requester, guard_storage, valid_id

log = logging.getLogger(__name__)
_REPLACES = "Confirming replaces the SMS you edited; the original will not be sent."


def register(app: AsyncApp) -> None:
    app.view(blocks.MODAL_CALLBACK_ID)(submitted)


async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    services = services_of(context)
    view = body.get("view") or {}
    user_id = str((body.get("user") or {}).get("id", ""))
    modal = ModalContext.load(str(view.get("private_metadata") or ""))
    draft = blocks.draft_from_state((view.get("state") or {}).get("values") or {})
    now = datetime.now(UTC)
    try:
        member, refused = await services.directory.sender(services.settings, user_id, modal.channel_id)
        if refused is not None:
            await ack(response_action="errors", errors={"recipients": refused.message})
            return
        tz = member.tz
        request = validate(draft, tz, now, services.settings, locale=member.locale)
        if limit := await services.quota.refusal(user_id, len(request.recipients), tz, take=False):
            await ack(response_action="errors", errors={"recipients": limit.message})
            return
        if modal.held:  # an Edit of a held SMS: its Confirm replaces the original
            request = replace(request, notes=(*request.notes, _REPLACES))
        pending = Pending(request, user_id, modal.channel_id, tz, replaces=modal.held)
        quiet = services.holding.quiet_hours.refusal(request, request.send_at or now)
        pending_id = "" if quiet else await services.store.put(pending)
    except InvalidRequest as invalid:
        await ack(response_action="errors", errors=invalid.errors)
        return
    except RedisError as exc:
        log.error("storage unavailable: %s", type(exc).__name__)
        await ack(response_action="errors", errors={"message": STORAGE_DOWN})
        return
    await ack()
    requester = Requester(user_id, modal.channel_id, modal.response_url or None)
    if quiet:
        offer = held.offer_next_allowed(services, client, requester, pending, quiet.message)
        services.background.queue(guard_storage(offer, client, requester))
        return
    work = _confirm_later(services, client, requester, modal.replaces, pending_id, request, now, tz)
    services.background.queue(guard_storage(work, client, requester))


async def _confirm_later(
    services: Services,
    client: AsyncWebClient,
    requester: Requester,
    replaces: str,
    pending_id: str,
    request: ScheduleRequest,
    now: datetime,
    tz: str,
) -> None:
    if replaced := valid_id(replaces):
        await services.store.discard(replaced)
    confirmation = blocks.confirmation_blocks(pending_id, request, tz, now)
    await requester.tell(client, "Check and confirm your SMS", confirmation, replace_original=bool(replaced))
