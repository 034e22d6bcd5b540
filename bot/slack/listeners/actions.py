"""Buttons on the confirmation (Confirm, Edit, Cancel) and the modal's live message hint."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core import delivery, kaleyra
from bot.core.outbox import Confirmation, Outcome, SendReport
from bot.core.pending import Claim, Pending
from bot.core.refusals import Reason
from bot.core.shutdown import finish_despite_cancel
from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.listeners import held
from bot.slack.replies import (
    BUSY,
    UNKNOWN_REQUEST,
    ModalContext,
    Progress,
    Requester,
    draft_of,
    guard,
    handled_text,
    history_for,
    open_modal,
    post_to_channel,
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
        return cls(
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=str((body.get("channel") or {}).get("id", "")),
            response_url=str(body.get("response_url") or "") or None,
            pending_id=pending_id,
            trigger_id=str(body.get("trigger_id") or ""),
        )


async def _confirm(services: Services, client: AsyncWebClient, click: _Click, progress: Progress) -> None:
    if click.pending_id is None:
        await click.problem(client, UNKNOWN_REQUEST)
        return
    member, refused = await services.directory.sender(services.settings, click.user_id, click.channel_id)
    if refused is not None:
        await click.problem(client, refused.message, trusted=refused.mrkdwn)
        return
    outcome = await services.outbox.confirm(click.pending_id, member.user_id)
    if outcome.outcome in ("unknown", "handled", "not_yours"):
        await click.problem(client, handled_text(outcome))
        return
    if outcome.outcome == "held":  # kept by the app until its hand-off: see listeners/held.py
        progress.sent = "Your SMS was confirmed and is held by the app until its hand-off to Kaleyra"
        zones = blocks.zone_lines(outcome.pending.request, datetime.now(UTC)) if outcome.pending else []
        await held.announce(services, client, click, outcome.detail.split(), zones)
        return
    pending = outcome.pending
    assert pending is not None
    batch_ids = [result.batch_id for result in outcome.report.scheduled] if outcome.report else []
    progress.sent = _what_was_sent(outcome.outcome, batch_ids)
    headline, lines = _outcome_text(outcome)
    retry_id = click.pending_id if outcome.outcome in ("failed", "refused") else None
    await click.tell(client, headline, blocks.outcome_blocks(headline, lines, retry_id), replace_original=True)
    if outcome.report and batch_ids:
        await _post_to_channel(services, client, click, pending, outcome.report)


def _what_was_sent(outcome: Outcome, batch_ids: list[str]) -> str:
    """What Kaleyra has, for any later failure message ("" when nothing was sent)."""
    if batch_ids:
        return f"Your SMS was {'partly ' if outcome == 'partial' else ''}scheduled (Kaleyra id {', '.join(batch_ids)})"
    if outcome == "uncertain":
        return "The outcome of your SMS is unknown (Kaleyra may have scheduled it)"
    return ""


def _outcome_text(outcome: Confirmation) -> tuple[str, list[str]]:
    if outcome.refusal is not None:
        if outcome.refusal.reason in (Reason.PAST, Reason.TOO_SOON, Reason.TOO_FAR):
            return f":hourglass: Not sent: {outcome.refusal.message}", ["Edit the time and confirm again."]
        return f":no_entry: Not sent: {outcome.refusal.message}", []
    report = outcome.report
    assert report is not None
    lines: list[str] = []
    for batch, result in report.parts:
        label = f"{len(batch)} recipient{'s' if len(batch) != 1 else ''}"
        if isinstance(result, kaleyra.Scheduled):
            lines.append(f"• {label}: accepted, Kaleyra id `{blocks.escape(result.batch_id)}`")
        else:
            lines.append(f"• {label}: {blocks.escape(result.describe())}")
    if report.skipped:
        lines.append(f"• {report.skipped} recipients: not sent, because an earlier request failed.")
    if not outcome.recorded and outcome.outcome != "failed":
        lines.append("• The app could not record this SMS (its storage is unavailable): delivery tracking may be late.")
    pending = outcome.pending
    assert pending is not None
    when = (
        "right away"
        if pending.request.send_at is None
        else f"for {blocks.describe_time(pending.request.send_at, pending.tz, datetime.now(UTC))}"
    )
    headline = {
        "scheduled": f":white_check_mark: Scheduled {when}."
        + (" Kaleyra has it now, so it can no longer be cancelled." if pending.request.send_at else ""),
        "partial": ":warning: Only part of this SMS was accepted; for the rest the outcome is unknown (see below): "
        "check Kaleyra's console before sending it again."
        if report.unclear
        else ":warning: Only part of this SMS was accepted; the rest was not sent.",
        "failed": ":x: Not sent. You can try again or edit it.",
        "uncertain": ":grey_question: The outcome is unknown: Kaleyra may have scheduled it. It will not be sent "
        "again from here; check Kaleyra's console before scheduling it again.",
    }[outcome.outcome]
    return headline, lines


async def _post_to_channel(
    services: Services, client: AsyncWebClient, click: _Click, pending: Pending, report: SendReport
) -> None:
    """The team sees what Kaleyra accepted: only the accepted recipients when part of it failed."""
    request, settings = pending.request, services.settings
    batch_ids = [result.batch_id for result in report.scheduled]
    post = blocks.channel_post_blocks(
        pending.user_id, report.accepted_recipients, request.send_at, request.route, pending.tz, batch_ids,
        masked=not settings.show_full_numbers,
        body=request.body if settings.show_message_in_channel else None,
        status=delivery.SCHEDULED,
    )  # fmt: skip
    await post_to_channel(
        services, client, click, click.pending_id or "", pending.channel_id, post, report.accepted_recipients
    )


async def _show_history(services: Services, client: AsyncWebClient, click: _Click, page: int) -> None:
    await click.tell(
        client, "Your scheduled SMS", await history_for(services, click.user_id, page), replace_original=True
    )


async def _edit(services: Services, client: AsyncWebClient, click: _Click) -> None:
    """Open the form with every field of the request; submitting it replaces the request (see views)."""
    pending = await services.store.get(click.pending_id) if click.pending_id else None
    if pending is None or pending.user_id != click.user_id:
        state = await services.store.claim_state(click.pending_id) if click.pending_id else None
        await click.problem(client, handled_text(Confirmation("handled", claim=state)))
        return
    draft = draft_of(pending)
    context = ModalContext(pending.channel_id, click.response_url or "", replaces=click.pending_id or "")
    await open_modal(services, client, click.trigger_id, draft, context, click)


async def _cancel(services: Services, client: AsyncWebClient, click: _Click) -> None:
    if click.pending_id is None:
        await click.problem(client, UNKNOWN_REQUEST)
        return
    outcome = await services.outbox.cancel(click.pending_id, click.user_id)
    if outcome.claim == Claim("cancelled") and outcome.pending is not None:
        text = ":wastebasket: Cancelled. Nothing was sent."
        await click.tell(client, text, blocks.outcome_blocks(text, []), replace_original=True)
        return
    await click.problem(client, handled_text(outcome))
