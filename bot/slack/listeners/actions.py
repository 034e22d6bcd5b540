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

from bot.core import delivery, kaleyra
from bot.core.outbox import Confirmation
from bot.core.pending import Pending
from bot.core.refusals import Reason
from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.listeners import held
from bot.slack.replies import (
    BUSY,
    ModalContext,
    Requester,
    draft_of,
    guard_storage,
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
    if not services.background.has_room():
        await click.problem(client, BUSY)
        return
    if action["action_id"] == blocks.EDIT:  # opens the form: the trigger_id expires 3 s after the click
        services.background.start(guard_storage(_edit(services, client, click), client, click))
        return
    handler = _confirm if action["action_id"] == blocks.CONFIRM else _cancel
    services.background.queue(guard_storage(handler(services, client, click), client, click))


async def history_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """Newer / Older on a `/schedule-sms list` page."""
    await ack()
    services = services_of(context)
    value = str((body.get("actions") or [{}])[0].get("value") or "0")
    page = int(value) if value.isdigit() and int(value) < 1000 else 0
    click = _Click.read(body, None)
    if not services.background.has_room():
        await click.problem(client, BUSY)
        return
    services.background.queue(guard_storage(_show_history(services, client, click, page), client, click))


async def message_typed(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """Each keystroke in the modal's message: update the length and encoding hint."""
    await ack()
    view = body.get("view") or {}
    draft = blocks.draft_from_state((view.get("state") or {}).get("values") or {})
    updated = blocks.modal_view(
        draft,
        private_metadata=str(view.get("private_metadata") or ""),
        allowed_senders=services_of(context).settings.allowed_senders,
    )
    try:
        await client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=updated)
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


_UNKNOWN = "This confirmation has expired or is unknown; nothing was sent. Run /schedule-sms again."


async def _confirm(services: Services, client: AsyncWebClient, click: _Click) -> None:
    if click.pending_id is None:
        await click.problem(client, _UNKNOWN)
        return
    member, refused = await services.directory.sender(services.settings, click.user_id, click.channel_id)
    if refused is not None:
        await click.problem(client, refused.message, trusted=refused.mrkdwn)
        return
    outcome = await services.outbox.confirm(click.pending_id, member.user_id)
    if outcome.outcome in ("unknown", "handled", "not_yours"):
        await click.problem(client, _handled_text(outcome))
        return
    if outcome.outcome == "held":  # kept by the app until its hand-off: see listeners/held.py
        await held.announce(services, client, click, outcome.detail)
        return
    pending = outcome.pending
    assert pending is not None
    headline, lines = _outcome_text(outcome)
    retry_id = click.pending_id if outcome.outcome in ("failed", "refused") else None
    await click.tell(client, headline, blocks.outcome_blocks(headline, lines, retry_id), replace_original=True)
    if outcome.report and outcome.report.scheduled:
        await _post_to_channel(services, client, click, pending, [r.batch_id for r in outcome.report.scheduled])


def _handled_text(outcome: Confirmation) -> str:
    if outcome.outcome == "unknown":
        return _UNKNOWN
    if outcome.outcome == "not_yours":
        return "Only the person who asked for this SMS can confirm or cancel it."
    if outcome.detail == "cancelled":
        return "This SMS was cancelled; nothing was sent."
    if outcome.detail == "held":
        return "This SMS was already confirmed and is held by the app; see `/schedule-sms list`."
    if outcome.detail.startswith("sent:"):
        batch_ids = outcome.detail.removeprefix("sent:")
        return f"This SMS was already scheduled (Kaleyra id {batch_ids}); it was not sent again."
    return "This SMS is already being sent; it will not be sent twice."


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
            lines.append(f"• {label}: accepted, Kaleyra id `{result.batch_id}`")
        else:
            lines.append(f"• {label}: {blocks.escape(result.describe())}")
    if report.skipped:
        lines.append(f"• {report.skipped} recipients: not sent, because an earlier request failed.")
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
        "partial": ":warning: Only part of this SMS was accepted; the rest was not sent.",
        "failed": ":x: Not sent. You can try again or edit it.",
        "uncertain": ":grey_question: The outcome is unknown; it may have been scheduled. "
        "Check Kaleyra before trying again.",
    }[outcome.outcome]
    return headline, lines


async def _post_to_channel(
    services: Services, client: AsyncWebClient, click: _Click, pending: Pending, batch_ids: list[str]
) -> None:
    request, settings = pending.request, services.settings
    post = blocks.channel_post_blocks(
        pending.user_id, request.recipients, request.send_at, request.route, pending.tz, batch_ids,
        masked=not settings.show_full_numbers,
        body=request.body if settings.show_message_in_channel else None,
        status=delivery.SCHEDULED,
    )  # fmt: skip
    await post_to_channel(services, client, click, click.pending_id or "", pending.channel_id, post)


async def _show_history(services: Services, client: AsyncWebClient, click: _Click, page: int) -> None:
    await click.tell(
        client, "Your scheduled SMS", await history_for(services, click.user_id, page), replace_original=True
    )


async def _edit(services: Services, client: AsyncWebClient, click: _Click) -> None:
    pending = await services.store.get(click.pending_id) if click.pending_id else None
    if pending is None or pending.user_id != click.user_id:
        await click.problem(client, _UNKNOWN)
        return
    draft = draft_of(pending)
    context = ModalContext(pending.channel_id, click.response_url or "", replaces=click.pending_id or "")
    await open_modal(services, client, click.trigger_id, draft, context)


async def _cancel(services: Services, client: AsyncWebClient, click: _Click) -> None:
    if click.pending_id is None:
        await click.problem(client, _UNKNOWN)
        return
    outcome = await services.outbox.cancel(click.pending_id, click.user_id)
    if outcome.detail == "cancelled" and outcome.pending is not None:
        text = ":wastebasket: Cancelled. Nothing was sent."
        await click.tell(client, text, blocks.outcome_blocks(text, []), replace_original=True)
        return
    await click.problem(client, _handled_text(outcome))
