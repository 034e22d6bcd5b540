"""The `/schedule-sms` slash command."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.core.command import Draft, is_help, misspelt_subcommand, parse_command
from bot.core.errors import InvalidRequest
from bot.core.refusals import Refusal
from bot.services import Services
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.listeners import held
from bot.slack.listeners.templates import form_draft
from bot.slack.offers import check_and_keep
from bot.slack.replies import (
    BUSY,
    ModalContext,
    Requester,
    failure_text,
    guard,
    history_for,
    log_failure,
    open_modal,
    problem_body,
    reply_body,
)


def register(app: AsyncApp) -> None:
    app.command("/schedule-sms")(schedule_sms)


async def schedule_sms(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """A complete command is checked before the ack, and its confirmation is the ack's body; the form
    (empty, or with what needs fixing) and the history are sent after it."""
    services = services_of(context)
    text = str(body.get("text") or "")
    if is_help(text):
        metrics.command("help")
        await ack(text="How to use /schedule-sms", blocks=blocks.help_blocks())
        return
    if (misspelt := misspelt_subcommand(text)) is not None:
        typed, meant = misspelt
        metrics.command("misspelt")
        await ack(text=f"`{blocks.escape(typed)}` is not a `/schedule-sms` command: did you mean `{meant}`?")
        return
    if not services.background.has_room():
        metrics.command("busy")
        await ack(text=BUSY)
        return
    requester = Requester(
        str(body.get("user_id", "")), str(body.get("channel_id", "")), str(body.get("response_url") or "") or None
    )
    if (page := history_page(text)) is not None:
        metrics.command("list")
        await ack()
        services.background.queue(guard(_list(services, client, requester, page), client, requester))
        return
    draft = parse_command(text)  # the template's sender and route, if it names one, come before the defaults
    if not text.strip():  # who may send is checked when the form is submitted
        metrics.command("form")
        await ack()
        _open_form(services, client, body, draft, requester)
        return
    now = services.clock.now()
    try:
        checked = await check_and_keep(services, draft, requester.user_id, requester.channel_id, now)
    except InvalidRequest as invalid:  # nothing is lost: the form opens with the fields to fix
        metrics.command("fix_in_form")
        await ack()
        _open_form(services, client, body, draft, requester, list(invalid.errors.values()))
        return
    except Exception as exc:  # noqa: BLE001  logged by log_failure
        metrics.command("failed")
        log_failure(exc, requester.user_id)
        await ack(problem_body(failure_text(exc)))
        return
    if isinstance(checked, Refusal):
        metrics.command("refused")
        await ack(problem_body(checked.message, trusted=checked.mrkdwn))
        return
    pending, pending_id, quiet = checked
    if quiet:
        metrics.command("quiet_hours")
        await ack()
        offer = held.offer_next_allowed(services, client, requester, pending, quiet.message)
        services.background.queue(guard(offer, client, requester))
        return
    confirmation = blocks.confirmation_blocks(
        pending_id, pending.request, pending.tz, now, dry_run=services.settings.kaleyra_dry_run
    )
    metrics.command("confirmation")
    await ack(reply_body("Check and confirm your SMS", confirmation))


def _open_form(
    services: Services,
    client: AsyncWebClient,
    body: dict[str, Any],
    draft: Draft,
    requester: Requester,
    problems: list[str] | None = None,
) -> None:
    """Not queued: the command's trigger_id expires 3 seconds after it. A template the command named gets
    an input for every variable (the ones given filled in), so nothing typed is lost and nothing missing hidden."""
    context = ModalContext(channel_id=requester.channel_id, response_url=requester.response_url or "")

    async def opening() -> None:
        filled = draft
        if draft.template:
            with suppress(RedisError):  # the form opens anyway, with a message box and the problems
                filled = form_draft(draft, await services.templates.get(draft.template))
        await open_modal(services, client, str(body.get("trigger_id", "")), filled, context, requester, problems)

    services.background.start(guard(opening(), client, requester))


def history_page(text: str) -> int | None:
    """`list` or `list 3` asks for the history (pages count from 1 for people, from 0 here)."""
    words = text.strip().lower().split()
    if not words or words[0] not in ("list", "history"):
        return None
    return int(words[1]) - 1 if len(words) == 2 and words[1].isdigit() and 0 < int(words[1]) < 1000 else 0


async def _list(services: Services, client: AsyncWebClient, requester: Requester, page: int) -> None:
    await requester.tell(client, "Your scheduled SMS", await history_for(services, requester.user_id, page))
