"""Batches in Slack: the confirmation of a file's rows, Confirm's answer and the channel post, a batch's rows
(paged, each with its own buttons), Cancel batch; and saved lists (the form's menu, `/schedule-sms lists`).

A batch's rows show full numbers: only its owner and admins (`ADMIN_USERS`) may open them
(`Batch.may_be_opened_by`). A click on the channel post is answered to the clicker alone, never by rewriting
the post the team sees.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.outcomes import Outcome, Result
from bot.core.saved_lists import may_remove
from bot.services import Services
from bot.slack import blocks, wording
from bot.slack.batch_offers import Offered
from bot.slack.batch_posts import post_batch, update_batch_post
from bot.slack.context import services_of
from bot.slack.replies import BUSY, Requester, guard, requester_fields, user_of


def register(app: AsyncApp) -> None:
    app.action(blocks.BATCH_ROWS)(on_button)
    app.action(blocks.BATCH_CANCEL)(on_button)
    app.action(blocks.LIST_REMOVE)(on_button)
    app.options(blocks.LIST_PICKED)(list_options)


@dataclass(frozen=True)
class _Click(Requester):
    value: str = ""
    action_id: str = ""
    ephemeral: bool = False  # on the clicker's own message (replaced), not on a post others see

    @classmethod
    def read(cls, body: dict[str, Any]) -> _Click:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        return cls(
            *requester_fields(body),
            value=str(action.get("value") or ""),
            action_id=str(action.get("action_id") or ""),
            ephemeral=bool(container.get("is_ephemeral")),
        )


async def on_button(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    services = services_of(context)
    click = _Click.read(body)
    if not services.background.has_room():
        services.background.start(click.problem(client, BUSY))
        return
    work = {blocks.BATCH_ROWS: _rows, blocks.BATCH_CANCEL: _cancel, blocks.LIST_REMOVE: _remove}[click.action_id]
    services.background.queue(guard(work(services, client, click), client, click))


async def _rows(services: Services, client: AsyncWebClient, click: _Click) -> None:
    wanted = blocks.rows_wanted(click.value)
    batch = await services.batches.get(wanted[0]) if wanted else None
    if wanted is None or batch is None:
        await click.problem(client, wording.BATCH_GONE)
        return
    if not batch.may_be_opened_by(click.user_id, services.settings.admin_users):
        await click.problem(client, wording.NOT_YOURS_BATCH)
        return
    _, page, problems_only = wanted
    size = blocks.ROWS_PAGE
    if problems_only:
        found = await services.batches.with_problems(batch)
        rows, total = found[(page - 1) * size : page * size], len(found)
    else:
        rows, total = await services.batches.rows(batch, (page - 1) * size + 1, size), batch.rows
    member = await services.directory.member(click.user_id)
    shown = blocks.batch_rows_blocks(
        batch, rows, page, max(1, ceil(total / size)), member.tz, services.clock.now(), problems_only=problems_only
    )
    await click.tell(client, "Rows of your batch", shown, replace_original=click.ephemeral)


async def _cancel(services: Services, client: AsyncWebClient, click: _Click) -> None:
    outcome = await services.outbox.cancel_batch(click.value, click.user_id)
    counts = await tell_batch(services, client, click, outcome, replace_original=click.ephemeral)
    if outcome.result is Result.DONE and outcome.batch is not None and counts is not None:
        await update_batch_post(client, outcome.batch, counts)


async def _remove(services: Services, client: AsyncWebClient, click: _Click) -> None:
    owner, _, name = click.value.partition(":")
    admin = click.user_id in services.settings.admin_users
    if not may_remove(owner, click.user_id, admin=admin):
        await click.problem(client, "Only its owner (or, for the team's lists, an admin) can remove a saved list.")
        return
    removed = await services.lists.remove(owner, name)
    listed = await services.lists.all_for(click.user_id)
    shown = blocks.saved_lists_blocks(listed, click.user_id, admin=admin)
    text = f"List “{name}” was removed." if removed else f"List “{name}” had already been removed."
    await click.tell(client, text, [*blocks.problem_blocks(text), *shown], replace_original=click.ephemeral)


async def list_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The form's saved-list menu, searched as the user types."""
    services = services_of(context)
    user_id = user_of(body)
    await ack(**blocks.list_options(await services.lists.all_for(user_id, str(body.get("value") or ""))))


async def show_lists(services: Services, client: AsyncWebClient, requester: Requester) -> None:
    """`/schedule-sms lists`."""
    listed = await services.lists.all_for(requester.user_id)
    admin = requester.user_id in services.settings.admin_users
    await requester.tell(client, "Saved lists", blocks.saved_lists_blocks(listed, requester.user_id, admin=admin))


async def tell_offer(
    services: Services, requester: Requester, offered: Offered, now: datetime, *, replace_original: bool = False
) -> None:
    """A batch's confirmation, then every bad row beyond those it lists, in messages of their own."""
    client = services.slack
    confirmation = blocks.batch_confirmation_blocks(
        offered.pending_id, offered.plan, offered.envelope, offered.rows, offered.tz, now, offered.saved,
        dry_run=services.settings.kaleyra_dry_run,
    )  # fmt: skip
    await requester.tell(client, "Check and confirm these SMS", confirmation, replace_original=replace_original)
    for message in blocks.bad_rows_messages(offered.rows.bad):
        await requester.tell(client, "Rows that cannot be sent", message)


async def tell_batch(
    services: Services, client: AsyncWebClient, requester: Requester, outcome: Outcome, *, replace_original: bool
) -> Counter[str] | None:
    """A batch's Confirm or Cancel batch, in words, with its line and buttons; the rows' counts it showed."""
    text = wording.headline(outcome, services.clock.now())
    if outcome.batch is None or outcome.result is Result.NOT_YOURS:
        await requester.problem(client, text, trusted=True)
        return None
    counts = (await services.batches.counts([outcome.batch.id]))[outcome.batch.id]
    payload = blocks.batch_outcome_blocks(text, outcome.batch, counts, services.clock.now())
    await requester.tell(client, "Your batch", payload, replace_original=replace_original)
    return counts


async def tell_batch_confirmation(
    services: Services, client: AsyncWebClient, requester: Requester, outcome: Outcome
) -> None:
    """Confirm of a batch: the owner's answer, and the channel's one post for it (when this Confirm held it)."""
    counts = await tell_batch(services, client, requester, outcome, replace_original=True)
    batch = outcome.batch
    if outcome.result is not Result.DONE or batch is None or counts is None:
        return
    error = await post_batch(client, services.batches, batch, counts)
    if error is not None:
        note = (
            "Invite the app to this channel to let the team see scheduled SMS."
            if error in ("not_in_channel", "channel_not_found")
            else f"Posting to the channel failed ({error})."
        )
        await Requester(requester.user_id, "", requester.response_url).problem(client, note)
