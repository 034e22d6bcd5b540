"""An SMS's own buttons, wherever it is shown (the owner's outcome message, `/schedule-sms list`, the App
Home, a hand-off's news): Cancel, Edit, Send now, Try again, Send again, Mark checked, Stop series; and the
quiet-hours offer.

Only the owner or an admin (`ADMIN_USERS`) may use them (checked in the core), and each click is answered
from where the SMS stands when the core has acted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.outbox import Outbox
from bot.core.outcomes import Act, Outcome, Result
from bot.core.pending import Pending
from bot.core.records import NOT_SENT
from bot.core.validation import MIN_LEAD
from bot.services import Services
from bot.slack import blocks, wording
from bot.slack.context import services_of
from bot.slack.listeners.events import publish_home
from bot.slack.replies import (
    BUSY,
    ModalContext,
    Requester,
    draft_of,
    guard,
    open_modal,
    publish_post,
    requester_fields,
    valid_id,
)

Work = Callable[[Services, AsyncWebClient, "Click"], Coroutine[Any, Any, None]]


def register(app: AsyncApp) -> None:
    for action_id in (
        blocks.HELD_CANCEL,
        blocks.HELD_EDIT,
        blocks.HELD_SEND_NOW,
        blocks.HELD_SEND_AGAIN,
        blocks.HELD_RETRY,
        blocks.SERIES_STOP,
        blocks.HELD_CLOSE,
        blocks.QUIET_NEXT,
    ):
        app.action(action_id)(on_button)


@dataclass(frozen=True)
class Click(Requester):
    """A click on an SMS's button: who, where from (a message, or the App Home), and which SMS."""

    action_id: str = ""
    target: str | None = None
    trigger_id: str = ""
    from_home: bool = False

    @classmethod
    def read(cls, body: dict[str, Any]) -> Click:
        action = (body.get("actions") or [{}])[0]
        return cls(
            *requester_fields(body),
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
        blocks.HELD_CANCEL: _acting(Outbox.cancel),
        blocks.HELD_SEND_NOW: _acting(lambda outbox, record_id, user: outbox.send_now(record_id, user)),
        blocks.HELD_SEND_AGAIN: _acting(
            lambda outbox, record_id, user: outbox.send_now(record_id, user, Act.SEND_AGAIN)
        ),
        blocks.HELD_RETRY: _acting(lambda outbox, record_id, user: outbox.send_now(record_id, user, Act.RETRY)),
        blocks.SERIES_STOP: _acting(Outbox.stop),
        blocks.HELD_CLOSE: _acting(Outbox.close),
        blocks.QUIET_NEXT: _quiet_next,
    }[click.action_id]
    services.background.queue(guard(work(services, client, click), client, click))


def _acting(act: Callable[[Outbox, str, str], Awaitable[Outcome]]) -> Work:
    """Every button on an SMS: one core call, then the same answer: the news, the SMS's state and the buttons
    that still apply, its channel post, and the App Home if that is where the click came from."""

    async def work(services: Services, client: AsyncWebClient, click: Click) -> None:
        if click.target is None:
            await click.problem(client, wording.GONE)
            return
        await tell(services, client, click, await act(services.outbox, click.target, click.user_id))
        if click.from_home:
            await publish_home(services, client, click.user_id)

    return work


async def tell(services: Services, client: AsyncWebClient, requester: Requester, outcome: Outcome) -> None:
    now = services.clock.now()
    text = wording.headline(outcome, now)
    if outcome.result in (Result.GONE, Result.NOT_YOURS) or not outcome.records:
        await requester.problem(client, text, trusted=True)
        return
    payload = blocks.held_outcome_blocks(text, outcome.records, now, wording.lines_of(outcome))
    await requester.tell(client, "Your scheduled SMS", payload, replace_original=True)
    for record in (*outcome.records, *outcome.stopped):
        await publish_post(services, client, requester, record)


async def offer_next_allowed(
    services: Services, client: AsyncWebClient, requester: Requester, pending: Pending, message: str
) -> None:
    """Quiet hours refused the time: keep the request at the next allowed time, offered as a button."""
    request = pending.request
    if request.parts:  # each zone has its own time: there is no one next allowed time to offer
        await requester.problem(client, f"Not scheduled: {message}")
        return
    now = services.clock.now()
    earliest = max(request.send_at or now, now + MIN_LEAD + timedelta(minutes=1))
    moved_at = services.outbox.quiet_hours.next_allowed(request, earliest).astimezone(ZoneInfo(pending.tz))
    moved = replace(pending, request=replace(request, send_at=moved_at))
    pending_id = await services.pending.put(moved)
    await requester.tell(
        client, "Not scheduled: outside the hours for promotional SMS",
        blocks.quiet_hours_blocks(message, pending_id, moved_at, pending.tz),
    )  # fmt: skip


async def _edit(services: Services, client: AsyncWebClient, click: Click) -> None:
    """The form, pre-filled; only Confirm of the edited request replaces the held one (`Outbox.confirm`)."""
    record = await services.store.get(click.target) if click.target else None
    request = record.schedule if record else None
    if record is None or record.withdrawn:
        await click.problem(client, wording.GONE)
        return
    if not services.outbox.may_act(record, click.user_id):
        await click.problem(client, wording.NOT_YOURS_HELD)
        return
    if record.phase not in NOT_SENT or request is None:
        await click.problem(client, f"Too late to edit: {wording.too_late(record)}", trusted=True)
        return
    modal = ModalContext(record.channel_id, click.response_url or "", held=record.id)
    await open_modal(services, client, click.trigger_id, draft_of(request, record.tz), modal, click)


async def _quiet_next(services: Services, client: AsyncWebClient, click: Click) -> None:
    pending = await services.pending.get(click.target) if click.target else None
    if pending is None or pending.user_id != click.user_id or click.target is None:
        await click.problem(client, "This offer has expired; nothing was scheduled. Run /schedule-sms again.")
        return
    now, dry_run = services.clock.now(), services.settings.kaleyra_dry_run
    confirmation = blocks.confirmation_blocks(click.target, pending.request, pending.tz, now, dry_run=dry_run)
    await click.tell(client, "Check and confirm your SMS", confirmation, replace_original=True)
