"""The schedule-SMS modal: submission, with field errors shown inline."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.core.command import Draft
from bot.core.errors import InputError, InvalidRequest
from bot.core.outcomes import Act, Result
from bot.core.refusals import Refusal
from bot.core.validation import ScheduleRequest
from bot.services import Services
from bot.slack import batch_offers, blocks, wording
from bot.slack.batch_offers import Checked
from bot.slack.context import services_of
from bot.slack.directory import DirectoryUnavailable
from bot.slack.listeners import batches, held
from bot.slack.offers import check_and_keep
from bot.slack.replies import (
    ModalContext,
    Requester,
    failure_text,
    guard,
    user_of,
    valid_id,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


def register(app: AsyncApp) -> None:
    app.view(blocks.MODAL_CALLBACK_ID)(submitted)


async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """Checked before the ack (`offers.check_and_keep`), so what needs fixing is shown in the form."""
    services = services_of(context)
    view = body.get("view") or {}
    user_id = user_of(body)
    modal = ModalContext.load(str(view.get("private_metadata") or ""))
    draft = blocks.draft_from_state((view.get("state") or {}).get("values") or {})
    if draft.is_batch:
        await _submitted_rows(ack, services, str(view.get("id") or ""), user_id, modal, draft)
        return
    now = services.clock.now()
    checked = await _checked(ack, check_and_keep(services, draft, user_id, modal.channel_id, now, held=modal.held))
    if checked is None:
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


async def _checked(ack: AsyncAck, check: Awaitable[Refusal | T]) -> T | None:
    """The checks before the ack; what they found wrong is answered in the ack, beside its field (None then)."""
    try:
        checked = await check
    except InvalidRequest as invalid:
        metrics.form_submission("invalid")
        await ack(response_action="errors", errors=invalid.errors)
        return None
    except (RedisError, DirectoryUnavailable, TimeoutError) as exc:
        metrics.form_submission("failed")
        log.warning("form not checked in time: %s", type(exc).__name__)
        await ack(response_action="errors", errors={blocks.RECIPIENTS: failure_text(exc)})
        return None
    if isinstance(checked, Refusal):
        metrics.form_submission("refused")
        await ack(response_action="errors", errors={blocks.RECIPIENTS: checked.message})
        return None
    return checked


async def _submitted_rows(
    ack: AsyncAck, services: Services, view_id: str, user_id: str, modal: ModalContext, draft: Draft
) -> None:
    """Rows (a file, pasted rows, a saved list): the checks that show beside the fields run before the ack;
    the rows are read after it, the form saying so meanwhile (a file of 10,000 rows takes longer than Slack's
    3 seconds), and the confirmation comes as a message, where the command was typed."""
    checked = await _checked(ack, batch_offers.check(services, draft, user_id, modal.channel_id))
    if checked is None:
        return
    metrics.form_submission("confirmation")
    await ack(response_action="update", view=blocks.reading_view(batch_offers.source_of(draft)))
    requester = Requester(user_id, modal.channel_id, modal.response_url or None)
    work = _read_rows_later(services, requester, checked, draft, view_id, modal)
    services.background.queue(guard(work, services.slack, requester))


async def _read_rows_later(
    services: Services, requester: Requester, checked: Checked, draft: Draft, view_id: str, modal: ModalContext
) -> None:
    """The rows read: the confirmation posted and the form saying where; or, when the rows as a whole cannot be
    used, the form again with what to fix (nothing typed is lost; a file is attached again)."""
    client, now = services.slack, services.clock.now()
    try:
        offered = await batch_offers.read_and_keep(services, checked, requester.user_id, modal.channel_id, now)
    except InputError as exc:
        again = [str(exc)] + (["Attach the file again (a form cannot keep one)."] if draft.files else [])
        try:
            form = blocks.modal_view(
                draft, private_metadata=modal.dump(), allowed_senders=services.settings.allowed_senders,
                problems=again, max_recipients=services.settings.max_recipients,
            )  # fmt: skip
        except blocks.FormOverflow as overflow:  # rows pasted too long to show again in the form
            await requester.problem(client, f"Nothing was scheduled. {exc} {overflow}")
            return
        await _show(client, view_id, form)
        return
    if isinstance(offered, Refusal):
        await _show(
            client, view_id, blocks.rows_read_view(f":no_entry: Not scheduled: {blocks.escape(offered.message)}")
        )
        await requester.problem(client, f"Not scheduled: {offered.message}")
        return
    replaced = await _withdraw_edited(services, client, requester, modal.replaces, now)
    await batches.tell_offer(services, requester, offered, now, replace_original=replaced)
    where = "Check and confirm them where you ran `/schedule-sms`." if offered.pending_id else "None can be sent."
    await _show(client, view_id, blocks.rows_read_view(f":white_check_mark: {offered.plan.rows:,} SMS read. {where}"))


async def _show(client: AsyncWebClient, view_id: str, view: dict[str, Any]) -> None:
    """The form changed in place; closed meanwhile, it needs no news (the message has it)."""
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:
        log.info("the form was not updated: %s", exc.response.get("error"))


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
    """Show the new confirmation, in place of the one it edits (`_withdraw_edited`)."""
    replaced = await _withdraw_edited(services, client, requester, replaces, now)
    confirmation = blocks.confirmation_blocks(pending_id, request, tz, now, dry_run=services.settings.kaleyra_dry_run)
    await requester.tell(client, "Check and confirm your SMS", confirmation, replace_original=replaced)


async def _withdraw_edited(
    services: Services, client: AsyncWebClient, requester: Requester, replaces: str, now: datetime
) -> bool:
    """An edit first withdraws the request it replaces, so only one of the two can ever be confirmed, and says
    so if the old one was confirmed first. Whether it was withdrawn (its confirmation is then replaced)."""
    if not (old_id := valid_id(replaces)):
        return False
    old = await services.outbox.withdraw(old_id, requester.user_id, Act.WITHDRAW_FOR_EDIT)
    if old.result is not Result.DONE and old.result is not Result.NOT_YOURS:
        where = wording.headline(old, now)
        await requester.problem(
            client, f"{where} The edited SMS below is a new one: confirm it only if you want both.", trusted=True
        )
    return old.result is Result.DONE
