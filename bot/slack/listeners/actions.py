"""Buttons on the confirmation (Confirm, Edit, Cancel) and the modal's live message hint."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.config import Settings
from bot.core.outcomes import Act, Outcome, Result
from bot.core.records import State
from bot.core.refusals import Reason
from bot.core.shutdown import finish_despite_cancel
from bot.services import Services
from bot.slack import batch_offers, blocks, wording
from bot.slack.context import services_of
from bot.slack.listeners import batches, held
from bot.slack.listeners.templates import form_draft
from bot.slack.replies import (
    BUSY,
    ModalContext,
    Progress,
    Requester,
    draft_of,
    guard,
    history_for,
    open_modal,
    publish_post,
    requester_fields,
    valid_id,
)

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    for action_id in (blocks.CONFIRM, blocks.EDIT, blocks.CANCEL):
        app.action(action_id)(on_button)
    app.action(blocks.HISTORY_PAGE)(history_page)
    app.action(blocks.MESSAGE_ACTION)(message_typed)


async def on_button(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """Confirm, Edit and Cancel on a confirmation or an outcome message."""
    await ack()
    services = services_of(context)
    action = (body.get("actions") or [{}])[0]
    click = _Click.read(body, valid_id(action.get("value")))
    if action["action_id"] == blocks.EDIT:  # not queued: it opens the form, and its trigger_id lives 3 seconds
        services.background.start(guard(_edit(services, client, click), client, click))
        return
    if not services.background.has_room():
        services.background.start(click.problem(client, BUSY))  # the ack must not wait for Slack
        return
    if action["action_id"] == blocks.CANCEL:
        services.background.queue(guard(_cancel(services, client, click), client, click))
        return
    progress = Progress()
    # a send that has started is finished even when the app stops, so the user hears what Kaleyra said
    work = finish_despite_cancel(guard(_confirm(services, client, click, progress), client, click, progress))
    services.background.queue(work)


async def history_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """Newer / Older on a `/schedule-sms list` page."""
    await ack()
    services = services_of(context)
    value = str((body.get("actions") or [{}])[0].get("value") or "0")
    page = int(value) if value.isdigit() and int(value) < 1000 else 0
    click = _Click.read(body, None)
    if not services.background.has_room():
        services.background.start(click.problem(client, BUSY))  # the ack must not wait for Slack
        return
    services.background.queue(guard(_show_history(services, client, click, page), client, click))


async def message_typed(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """Each keystroke in the modal's message: update the length and encoding hint."""
    await ack()
    services = services_of(context)
    services.background.start(_update_hint(services.settings, client, body.get("view") or {}))


async def _update_hint(settings: Settings, client: AsyncWebClient, view: dict[str, Any]) -> None:
    draft = blocks.draft_from_state((view.get("state") or {}).get("values") or {})
    try:
        updated = blocks.modal_view(
            draft,
            private_metadata=str(view.get("private_metadata") or ""),
            allowed_senders=settings.allowed_senders,
            max_recipients=settings.max_recipients,
        )
        await client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=updated)
    except blocks.FormOverflow as exc:  # only a hint is lost: the form itself stays as typed
        log.info("length hint not updated: %s", exc)
    except SlackApiError as exc:  # hash_conflict: a newer keystroke already updated the view
        log.debug("views.update skipped: %s", exc.response.get("error"))


@dataclass(frozen=True)
class _Click(Requester):
    """A button click: who, where, and which request it is about."""

    pending_id: str | None = None
    trigger_id: str = ""

    @classmethod
    def read(cls, body: dict[str, Any], pending_id: str | None) -> _Click:
        return cls(*requester_fields(body), pending_id=pending_id, trigger_id=str(body.get("trigger_id") or ""))


async def _confirm(services: Services, client: AsyncWebClient, click: _Click, progress: Progress) -> None:
    if click.pending_id is None:
        await click.problem(client, wording.UNKNOWN_REQUEST)
        return
    outcome = await services.outbox.confirm(click.pending_id, click.user_id)
    progress.sent = _what_was_sent(outcome)
    await tell_confirmation(services, client, click, outcome)


async def tell_confirmation(services: Services, client: AsyncWebClient, requester: Requester, outcome: Outcome) -> None:
    """What a Confirm (or Try again on a refused request) came to, and the channel posts of what it kept."""
    now = services.clock.now()
    metrics.confirmation(_counted(outcome))
    if outcome.batch is not None:
        await batches.tell_batch_confirmation(services, client, requester, outcome)
        return
    text = wording.headline(outcome, now)
    if outcome.result in (Result.GONE, Result.NOT_YOURS, Result.TOO_LATE):
        await requester.problem(client, text, trusted=True)
        return
    if outcome.result is Result.REFUSED:
        refusal = outcome.refusal
        assert refusal is not None
        if refusal.reason is Reason.QUIET_HOURS and outcome.pending is not None:
            await held.offer_next_allowed(services, client, requester, outcome.pending, refusal.message)
            return
        retry = outcome.pending_id if refusal.reason is not Reason.ORIGINAL_GONE else None
        await requester.tell(client, text, blocks.outcome_blocks(text, [], retry), replace_original=True)
        return
    if all(record.phase is State.HELD for record in outcome.records) and len(outcome.records) > 1:
        text += "\n" + "\n".join(blocks.zone_lines(outcome.records, now))
    payload = blocks.held_outcome_blocks(text, outcome.records, now, wording.lines_of(outcome))
    await requester.tell(client, text, payload, replace_original=True)
    for record in outcome.records:
        await publish_post(services, client, requester, record)


def _counted(outcome: Outcome) -> metrics.ConfirmationOutcome:
    """The confirmations metric's word for what a Confirm came to."""
    if outcome.result is Result.GONE:
        return "expired"
    if outcome.result in (Result.TOO_LATE, Result.NOT_YOURS):
        return "already_handled"
    phases = {record.phase for record in outcome.records}
    if outcome.result is Result.REFUSED or phases & {State.FAILED, State.REFUSED}:
        return "not_sent"
    if State.UNCERTAIN in phases:
        return "unknown"
    return "held" if phases <= {State.HELD} else "sent"


def _what_was_sent(outcome: Outcome) -> str:
    """What Kaleyra has, for any later failure message ("" when nothing was sent)."""
    ids = [batch_id for record in outcome.records for batch_id in record.batch_ids]
    if ids:
        return f"Your SMS was scheduled (Kaleyra id {', '.join(ids)})"
    if any(record.phase is State.UNCERTAIN for record in outcome.records):
        return "The outcome of your SMS is unknown (Kaleyra may have scheduled it)"
    if any(record.phase is State.HELD for record in outcome.records):
        return "Your SMS was confirmed and is held by the app until its hand-off to Kaleyra"
    return ""


async def _show_history(services: Services, client: AsyncWebClient, click: _Click, page: int) -> None:
    await click.tell(
        client, "Your scheduled SMS", await history_for(services, click.user_id, page), replace_original=True
    )


async def _edit(services: Services, client: AsyncWebClient, click: _Click) -> None:
    """Open the form with every field of the request; submitting it replaces the request (see views)."""
    if click.pending_id is None:
        await click.problem(client, wording.UNKNOWN_REQUEST)
        return
    pending = await services.pending.get(click.pending_id)
    if pending is None:  # confirmed, cancelled or replaced meanwhile: say which
        outcome = await services.outbox.answer(Act.WITHDRAW_FOR_EDIT, click.pending_id)
        await click.problem(client, wording.headline(outcome, services.clock.now()), trusted=True)
        return
    if pending.user_id != click.user_id:
        await click.problem(client, wording.NOT_YOURS_PENDING)
        return
    context = ModalContext(pending.channel_id, click.response_url or "", replaces=click.pending_id)
    if pending.batch is not None:  # the shared fields again; the rows come from the file, attached again
        draft, again = batch_offers.edit_draft(pending)
        if draft.template:
            draft = form_draft(draft, await services.templates.get(draft.template))
        await open_modal(services, client, click.trigger_id, draft, context, click, again)
        return
    await open_modal(services, client, click.trigger_id, draft_of(pending.request, pending.tz), context, click)


async def _cancel(services: Services, client: AsyncWebClient, click: _Click) -> None:
    if click.pending_id is None:
        await click.problem(client, wording.UNKNOWN_REQUEST)
        return
    outcome = await services.outbox.withdraw(click.pending_id, click.user_id, Act.CANCEL)
    if outcome.result is Result.DONE:
        text = ":wastebasket: Cancelled. Nothing was sent."
        await click.tell(client, text, blocks.outcome_blocks(text, []), replace_original=True)
        return
    await click.problem(client, wording.headline(outcome, services.clock.now()), trusted=True)
