"""Held SMS in Slack: the news at Confirm, Cancel / Edit / Send now, and the quiet-hours offer.

The buttons sit on the owner's outcome message, on each held SMS in `/schedule-sms list` and in the
App Home; only the owner or an admin (`ADMIN_USERS`) may use them (checked in the core).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.holding import CANCELLABLE, Acted, Holding
from bot.core.pending import Pending
from bot.core.validation import MIN_LEAD
from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.listeners.events import publish_home
from bot.slack.notifications import update_post
from bot.slack.replies import (
    BUSY,
    ModalContext,
    Requester,
    draft_of,
    guard,
    open_modal,
    post_to_channel,
    valid_id,
)

_GONE = "This SMS is no longer known to the app."
Work = Callable[[Services, AsyncWebClient, "Click"], Coroutine[Any, Any, None]]


def register(app: AsyncApp) -> None:
    for action_id in (
        blocks.HELD_CANCEL,
        blocks.HELD_EDIT,
        blocks.HELD_SEND_NOW,
        blocks.SERIES_STOP,
        blocks.QUIET_NEXT,
    ):
        app.action(action_id)(on_button)


@dataclass(frozen=True)
class Click(Requester):
    """A click on a held SMS's button: who, where from (a message, or the App Home), and which SMS."""

    action_id: str = ""
    target: str | None = None
    trigger_id: str = ""
    from_home: bool = False

    @classmethod
    def read(cls, body: dict[str, Any]) -> Click:
        action = (body.get("actions") or [{}])[0]
        return cls(
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=str((body.get("channel") or {}).get("id", "")),
            response_url=str(body.get("response_url") or "") or None,
            action_id=str(action.get("action_id") or ""),
            target=valid_id(action.get("value")),
            trigger_id=str(body.get("trigger_id") or ""),
            from_home=(body.get("view") or {}).get("type") == "home",
        )


async def on_button(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    services = services_of(context)
    click = Click.read(body)
    if click.action_id == blocks.HELD_EDIT:  # not queued: it opens the form, and its trigger_id lives 3 seconds
        services.background.start(guard(_edit(services, client, click), client, click))
        return
    if not services.background.has_room():
        services.background.start(click.problem(client, BUSY))  # the ack must not wait for Slack
        return
    work: Work = {
        blocks.HELD_CANCEL: _acting_on_held(Holding.cancel),
        blocks.HELD_SEND_NOW: _acting_on_held(Holding.send_now),
        blocks.SERIES_STOP: _acting_on_held(Holding.stop),
        blocks.QUIET_NEXT: _quiet_next,
    }[click.action_id]
    services.background.queue(guard(work(services, client, click), client, click))


async def announce(
    services: Services, client: AsyncWebClient, requester: Requester, record_ids: Sequence[str], zones: Sequence[str]
) -> None:
    """After Confirm of held SMS (one per zone for "their time", listed in `zones`): tell the owner until when
    each can be taken back, and the channel."""
    records = await services.history.get_many(record_ids)
    if len(records) < len(record_ids) or not records:
        await requester.problem(client, "The SMS is held, but its record could not be read; see `/schedule-sms list`.")
        return
    headline = (
        ":lock: Held by the app until its hand-off to Kaleyra. Until then you can cancel it, edit it or send it now; "
        "after it, Kaleyra has it and it can no longer be cancelled."
    )
    if zones:
        headline += "\nOne SMS per zone, each handed off for its own time:\n" + "\n".join(zones)
    await requester.tell(
        client, "Held until hand-off", blocks.held_outcome_blocks(headline, *records), replace_original=True
    )
    for record in records:
        post = blocks.record_post_blocks(record, masked=not services.settings.show_full_numbers)
        await post_to_channel(services, client, requester, record.id, record.channel_id, post, record.recipients)


async def offer_next_allowed(
    services: Services, client: AsyncWebClient, requester: Requester, pending: Pending, message: str
) -> None:
    """Quiet hours refused the time: keep the request at the next allowed time, offered as a button."""
    if pending.request.parts:  # each zone has its own time: there is no one next allowed time to offer
        await requester.problem(client, f"Not scheduled: {message}")
        return
    quiet, now = services.holding.quiet_hours, datetime.now(UTC)
    earliest = max(pending.request.send_at or now, now + MIN_LEAD + timedelta(minutes=1))
    moved_at = quiet.next_allowed(pending.request, earliest).astimezone(ZoneInfo(pending.tz))
    moved = replace(pending, request=replace(pending.request, send_at=moved_at))
    pending_id = await services.store.put(moved)
    await requester.tell(
        client, "Not scheduled: outside the hours for promotional SMS",
        blocks.quiet_hours_blocks(message, pending_id, moved_at, pending.tz),
    )  # fmt: skip


async def _tell(services: Services, client: AsyncWebClient, click: Click, acted: Acted) -> None:
    if acted.record is None:
        await click.problem(client, acted.headline)
        return
    await click.tell(
        client, "Your scheduled SMS", blocks.held_outcome_blocks(acted.headline, acted.record), replace_original=True
    )
    await update_post(client, acted.record, masked=not services.settings.show_full_numbers)
    if click.from_home:
        await publish_home(services, client, click.user_id)


def _acting_on_held(act: Callable[[Holding, str, str], Awaitable[Acted]]) -> Work:
    """Cancel, Send now and Stop series: the same checks and the same answer around one Holding call."""

    async def work(services: Services, client: AsyncWebClient, click: Click) -> None:
        if click.target is None:
            await click.problem(client, _GONE)
            return
        await _tell(services, client, click, await act(services.holding, click.target, click.user_id))

    return work


async def _edit(services: Services, client: AsyncWebClient, click: Click) -> None:
    """The form, pre-filled; only Confirm of the edited request replaces the held one (see Holding.intercept)."""
    record = await services.history.get(click.target) if click.target else None
    pending = await services.holding.held_request(click.target) if click.target else None
    if record is None or pending is None:
        await click.problem(client, _GONE)
        return
    if not services.holding.may_act(record, click.user_id):
        await click.problem(client, "Only the person who scheduled this SMS, or an admin, can change it.")
        return
    if record.phase not in CANCELLABLE:
        await click.problem(client, "Too late to edit: this SMS is no longer held by the app.")
        return
    modal = ModalContext(record.channel_id, click.response_url or "", held=record.id)
    await open_modal(services, client, click.trigger_id, draft_of(pending), modal, click)


async def _quiet_next(services: Services, client: AsyncWebClient, click: Click) -> None:
    pending = await services.store.get(click.target) if click.target else None
    if pending is None or pending.user_id != click.user_id or click.target is None:
        await click.problem(client, "This offer has expired; nothing was scheduled. Run /schedule-sms again.")
        return
    confirmation = blocks.confirmation_blocks(click.target, pending.request, pending.tz, datetime.now(UTC))
    await click.tell(client, "Check and confirm your SMS", confirmation, replace_original=True)
