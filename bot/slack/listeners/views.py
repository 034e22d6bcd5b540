"""The schedule-SMS modal: submission, with field errors shown inline."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.command import Draft
from bot.core.errors import InvalidRequest
from bot.core.pending import Pending
from bot.core.refusals import Refusal
from bot.core.validation import ScheduleRequest, validate
from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.directory import DirectoryUnavailable
from bot.slack.listeners import held
from bot.slack.replies import (
    SLACK_TIMEOUT_BEFORE_FORM,
    ModalContext,
    Requester,
    failure_text,
    guard,
    handled_text,
    valid_id,
)

log = logging.getLogger(__name__)
_REPLACES = "Confirming replaces the SMS you edited; the original will not be sent."
ACK_BUDGET_SECONDS = 2.2
"""Slack closes a submission after 3 seconds; the checks before the ack stop in time to answer."""


def register(app: AsyncApp) -> None:
    app.view(blocks.MODAL_CALLBACK_ID)(submitted)


async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """Checks run before the ack, within a budget that keeps Slack's 3-second deadline: what cannot be
    checked in time is refused with "try again", never guessed."""
    services = services_of(context)
    view = body.get("view") or {}
    user_id = str((body.get("user") or {}).get("id", ""))
    modal = ModalContext.load(str(view.get("private_metadata") or ""))
    draft = blocks.draft_from_state((view.get("state") or {}).get("values") or {})
    now = datetime.now(UTC)
    try:
        checked = await asyncio.wait_for(_check(services, draft, user_id, modal, now), ACK_BUDGET_SECONDS)
    except InvalidRequest as invalid:
        await ack(response_action="errors", errors=invalid.errors)
        return
    except (RedisError, DirectoryUnavailable, TimeoutError) as exc:
        log.warning("form not checked in time: %s", type(exc).__name__)
        await ack(response_action="errors", errors={blocks.RECIPIENTS: failure_text(exc)})
        return
    if isinstance(checked, Refusal):
        await ack(response_action="errors", errors={blocks.RECIPIENTS: checked.message})
        return
    await ack()
    pending, pending_id, quiet = checked
    requester = Requester(user_id, modal.channel_id, modal.response_url or None)
    if quiet:
        offer = held.offer_next_allowed(services, client, requester, pending, quiet.message)
        services.background.queue(guard(offer, client, requester))
        return
    work = _confirm_later(services, client, requester, modal.replaces, pending_id, pending.request, now, pending.tz)
    services.background.queue(guard(work, client, requester))


async def _check(
    services: Services, draft: Draft, user_id: str, modal: ModalContext, now: datetime
) -> Refusal | tuple[Pending, str, Refusal | None]:
    """Who may send, the request, the limits; then the request is kept, unless quiet hours refuse its time:
    the request, its id ("" when not kept), and the quiet-hours refusal."""
    member, refused = await services.directory.sender(
        services.settings, user_id, modal.channel_id, timeout=SLACK_TIMEOUT_BEFORE_FORM
    )
    if refused is not None:
        return refused
    request = validate(draft, member.tz, now, services.settings, locale=member.locale)
    if limit := await services.quota.refusal(user_id, len(request.recipients), member.tz, take=False):
        return limit
    if modal.held:  # an Edit of a held SMS: its Confirm replaces the original
        request = replace(request, notes=(*request.notes, _REPLACES))
    pending = Pending(request, user_id, modal.channel_id, member.tz, replaces=modal.held)
    quiet = services.holding.quiet_hours.refusal(request, request.send_at or now)
    return pending, "" if quiet else await services.store.put(pending), quiet


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
    """Show the new confirmation; an edit first withdraws the request it replaces, so only one of the
    two can ever be confirmed, and says so if the old one was confirmed first."""
    replaced = False
    if old_id := valid_id(replaces):
        old = await services.outbox.replace(old_id, requester.user_id)
        replaced = old.claim is not None and old.claim.kind == "replaced"
        if not replaced and old.outcome == "handled":
            await requester.problem(
                client, f"{handled_text(old)} The edited SMS below is a new one: confirm it only if you want both."
            )
    confirmation = blocks.confirmation_blocks(pending_id, request, tz, now)
    await requester.tell(client, "Check and confirm your SMS", confirmation, replace_original=replaced)
