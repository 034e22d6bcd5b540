"""A request offered for Confirm: checked (who may send, its fields, the user's limits), then kept.

Both ways in run these checks before Slack's ack. The slash command's confirmation is the ack itself
(Slack shows the ack's body as the command's reply, so there is no second request to make or to fail),
and the form's errors must be in its ack. Slack waits 3 seconds for either, so the checks stop in time
to answer: what cannot be checked in time is refused with "try again", never guessed.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime

from bot.core.command import Draft
from bot.core.pending import Pending
from bot.core.refusals import Refusal
from bot.core.validation import validate
from bot.services import Services
from bot.slack.replies import SLACK_TIMEOUT_BEFORE_FORM

ACK_BUDGET_SECONDS = 2.2
"""Seconds the checks before an ack may take, within Slack's 3."""
REPLACES = "Confirming replaces the SMS you edited; the original will not be sent."

Kept = tuple[Pending, str, Refusal | None]
"""The request, its id ("" when quiet hours refuse its time, and it is not kept), and that refusal."""


async def check_and_keep(
    services: Services, draft: Draft, user_id: str, channel_id: str, now: datetime, *, held: str = ""
) -> Refusal | Kept:
    """Who may send, the request (raises `InvalidRequest` with the fields to fix), the limits; then the
    request is kept for Confirm. `held` is the held SMS an Edit replaces on Confirm. Raises TimeoutError
    past `ACK_BUDGET_SECONDS`, and what Slack or Redis raise. While it runs it counts toward the
    background limit, so an overloaded app answers "busy" at once."""
    with services.background.before_ack():
        async with asyncio.timeout(ACK_BUDGET_SECONDS):
            return await _check_and_keep(services, draft, user_id, channel_id, now, held)


async def _check_and_keep(
    services: Services, draft: Draft, user_id: str, channel_id: str, now: datetime, held: str
) -> Refusal | Kept:
    settings = services.settings
    member, refused = await services.directory.sender(settings, user_id, channel_id, timeout=SLACK_TIMEOUT_BEFORE_FORM)
    if refused is not None:
        return refused
    request = validate(draft, member.tz, now, settings, locale=member.locale)
    if limit := await services.quota.refusal(user_id, len(request.recipients), member.tz, take=False):
        return limit
    if held:
        request = replace(request, notes=(*request.notes, REPLACES))
    pending = Pending(request, user_id, channel_id, member.tz, replaces=held)
    quiet = services.outbox.quiet_hours.refusal(request, request.send_at or now)
    return pending, "" if quiet else await services.pending.put(pending), quiet
