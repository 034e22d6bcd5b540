"""The schedule-SMS modal: submission, with field errors shown inline."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.core.errors import InvalidRequest
from bot.core.outcomes import Act, Result
from bot.core.refusals import Refusal
from bot.core.validation import ScheduleRequest
from bot.services import Services
from bot.slack import blocks, wording
from bot.slack.context import services_of
from bot.slack.directory import DirectoryUnavailable
from bot.slack.listeners import held
from bot.slack.offers import check_and_keep
from bot.slack.replies import (
    ModalContext,
    Requester,
    failure_text,
    guard,
    valid_id,
)

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    app.view(blocks.MODAL_CALLBACK_ID)(submitted)


async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """Checked before the ack (`offers.check_and_keep`), so what needs fixing is shown in the form."""
    services = services_of(context)
    view = body.get("view") or {}
    user_id = str((body.get("user") or {}).get("id", ""))
    modal = ModalContext.load(str(view.get("private_metadata") or ""))
    draft = blocks.draft_from_state((view.get("state") or {}).get("values") or {})
    now = services.clock.now()
    try:
        checked = await check_and_keep(services, draft, user_id, modal.channel_id, now, held=modal.held)
    except InvalidRequest as invalid:
        metrics.form_submission("invalid")
        await ack(response_action="errors", errors=invalid.errors)
        return
    except (RedisError, DirectoryUnavailable, TimeoutError) as exc:
        metrics.form_submission("failed")
        log.warning("form not checked in time: %s", type(exc).__name__)
        await ack(response_action="errors", errors={blocks.RECIPIENTS: failure_text(exc)})
        return
    if isinstance(checked, Refusal):
        metrics.form_submission("refused")
        await ack(response_action="errors", errors={blocks.RECIPIENTS: checked.message})
        return
    await ack()
    pending, pending_id, quiet = checked
    requester = Requester(user_id, modal.channel_id, modal.response_url or None)
    if quiet:
        metrics.form_submission("quiet_hours")
        offer = held.offer_next_allowed(services, client, requester, pending, quiet.message)
        services.background.queue(guard(offer, client, requester))
        return
    metrics.form_submission("confirmation")
    work = _confirm_later(services, client, requester, modal.replaces, pending_id, pending.request, now, pending.tz)
    services.background.queue(guard(work, client, requester))


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
        old = await services.outbox.withdraw(old_id, requester.user_id, Act.WITHDRAW_FOR_EDIT)
        replaced = old.result is Result.DONE
        if not replaced and old.result is not Result.NOT_YOURS:
            where = wording.headline(old, now)
            await requester.problem(
                client, f"{where} The edited SMS below is a new one: confirm it only if you want both.", trusted=True
            )
    confirmation = blocks.confirmation_blocks(pending_id, request, tz, now, dry_run=services.settings.kaleyra_dry_run)
    await requester.tell(client, "Check and confirm your SMS", confirmation, replace_original=replaced)
