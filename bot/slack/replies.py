"""Getting a message to the user who asked, however Slack lets us reach them."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Coroutine
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.batches import batch_ids
from bot.core.command import Draft
from bot.core.errors import NotDurable
from bot.core.records import SmsRecord, State
from bot.core.validation import ScheduleRequest
from bot.services import Services
from bot.slack import blocks
from bot.slack.directory import DirectoryUnavailable
from bot.slack.notifications import update_post

log = logging.getLogger(__name__)
_ID = re.compile(r"[A-Za-z0-9_-]{10,64}")
BUSY = "schedule-sms is busy right now; nothing was sent. Please try again in a minute."
SLACK_TIMEOUT_BEFORE_FORM = 1.5
"""Seconds Slack may take to say who a user is before a form opens (its trigger_id lives 3 s) or a
submission is answered (Slack waits 3 s); beyond it the user is asked to try again."""
WHO_UNKNOWN = "Slack could not tell schedule-sms who you are right now, so nothing was sent. Try again in a moment."


def valid_id(value: object) -> str | None:
    """A pending id from a button, or None when it cannot be one (forged or corrupted)."""
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


@dataclass(frozen=True)
class ModalContext:
    """What the modal carries in `private_metadata` between opening and submission."""

    channel_id: str = ""
    response_url: str = ""
    replaces: str = ""  # the pending id being edited
    held: str = ""  # the held SMS being edited: its replacement takes its place on Confirm

    def dump(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def load(cls, text: str) -> ModalContext:
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        return cls(**{key: str(data.get(key) or "") for key in ("channel_id", "response_url", "replaces", "held")})


def draft_of(request: ScheduleRequest, tz: str) -> Draft:
    """The form's fields for an existing request, for Edit."""
    when = request.send_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if request.send_at else ""
    if request.parts:  # read in the recipients' time again: the first zone's wall clock, shown again to confirm
        zone, send_at, _ = request.parts[0]
        when = f"{send_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} their time"
    return Draft(
        recipients=", ".join(request.recipients),
        message=request.body,
        when=when,
        route=request.route,
        sender=request.sender,
        template_id=request.template_id or "",
        callback_profile_id=request.callback_profile_id or "",
        send_now=request.send_at is None,
    )


async def open_modal(
    services: Services,
    client: AsyncWebClient,
    trigger_id: str,
    draft: Draft,
    context: ModalContext,
    requester: Requester,
    problems: list[str] | None = None,
) -> None:
    """Open the form at once (a `trigger_id` lives 3 seconds, so never after queued work); when it
    cannot open, or cannot hold the draft whole, the user is told why, with the problems found."""
    settings = services.settings
    draft = draft.with_defaults(settings.kaleyra_type, settings.kaleyra_sender, settings.kaleyra_callback_profile_id)
    found = " ".join(problems or [])
    try:
        view = blocks.modal_view(
            draft,
            private_metadata=context.dump(),
            allowed_senders=settings.allowed_senders,
            problems=problems or [],
            max_recipients=settings.max_recipients,
        )
        await client.views_open(trigger_id=trigger_id, view=view)
    except blocks.FormOverflow as exc:
        await requester.problem(client, f"Nothing was scheduled. {found} {exc}".replace("  ", " "))
        return
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("views.open failed: %s", error)
        text = (
            f"Nothing was scheduled. {found} Type `/schedule-sms help` for examples."
            if found
            else f"Slack did not open the form ({error}); nothing was sent. Please run /schedule-sms again."
        )
        await requester.problem(client, text)
        return
    if services.background.has_room():  # so that the submission finds the user's zone in the cache
        services.background.queue(_look_up(services, requester.user_id))


async def _look_up(services: Services, user_id: str) -> None:
    with suppress(DirectoryUnavailable):  # logged by the directory; the submission asks again
        await services.directory.member(user_id)


def reply_body(text: str, payload_blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An ephemeral reply, for a response_url or as the body of a slash command's ack (Slack shows that
    body as the command's reply). `text`, the notification fallback, is escaped: it may quote what the
    user typed."""
    message: dict[str, Any] = {"text": blocks.escape(text), "response_type": "ephemeral"}
    if payload_blocks is not None:
        message["blocks"] = payload_blocks
    return message


def problem_body(text: str, *, trusted: bool = False) -> dict[str, Any]:
    return reply_body(text, blocks.problem_blocks(text, trusted=trusted))


async def tell_user(
    client: AsyncWebClient,
    *,
    user_id: str,
    channel_id: str,
    response_url: str | None,
    text: str,
    payload_blocks: list[dict[str, Any]] | None = None,
    replace_original: bool = False,
) -> None:
    """Ephemeral reply by response_url, else an ephemeral message, else a direct message.

    `text` is the notification fallback; it is escaped, since it may quote what the user typed. The
    response_url is posted to on the client's pooled session (the app's client always has one).
    """
    if response_url and client.session is not None:
        message = reply_body(text, payload_blocks) | {"replace_original": replace_original}
        try:  # the app's pooled session: a webhook client per reply costs more CPU than the reply itself
            async with client.session.post(response_url, json=message) as response:
                if response.status == 200:
                    return
                log.warning("response_url answered %s", response.status)
        except Exception as exc:  # noqa: BLE001  expired or unreachable: fall back below
            log.warning("response_url failed: %s", type(exc).__name__)
    text = blocks.escape(text)
    try:
        if channel_id:
            await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=payload_blocks)
            return
    except SlackApiError as exc:
        log.info("chat.postEphemeral failed (%s); sending a direct message", exc.response.get("error"))
    try:
        await client.chat_postMessage(channel=user_id, text=text, blocks=payload_blocks)
    except SlackApiError as exc:
        log.error("could not reach %s by any route (%s); they were to be told: %s", user_id,
                  exc.response.get("error"), text)  # fmt: skip


@dataclass(frozen=True)
class Requester:
    """Who asked, and the ways back to them."""

    user_id: str
    channel_id: str
    response_url: str | None

    async def tell(
        self,
        client: AsyncWebClient,
        text: str,
        payload_blocks: list[dict[str, Any]],
        *,
        replace_original: bool = False,
    ) -> None:
        await tell_user(
            client,
            user_id=self.user_id,
            channel_id=self.channel_id,
            response_url=self.response_url,
            text=text,
            payload_blocks=payload_blocks,
            replace_original=replace_original,
        )

    async def problem(self, client: AsyncWebClient, text: str, *, trusted: bool = False) -> None:
        await self.tell(client, text, blocks.problem_blocks(text, trusted=trusted))


def user_of(body: dict[str, Any]) -> str:
    """Who clicked, submitted a form or searched a menu, as Bolt's body of the interaction names them."""
    return str((body.get("user") or {}).get("id") or "")


def requester_fields(body: dict[str, Any]) -> tuple[str, str, str | None]:
    """A click's `Requester` fields (who, the channel, the response_url), in order: each kind of click adds
    its own after them."""
    return user_of(body), str((body.get("channel") or {}).get("id") or ""), str(body.get("response_url") or "") or None


@dataclass
class Progress:
    """How far a job got, so a failure is told truthfully: before the send "nothing was sent", after it
    what Kaleyra answered (`sent`, e.g. "Your SMS was scheduled (Kaleyra id …)")."""

    sent: str = ""


def failure_text(error: BaseException, progress: Progress | None = None) -> str:
    """Words for a failure, fitting the phase: a false "nothing was sent" would make users send twice."""
    if isinstance(error, DirectoryUnavailable) and not (progress and progress.sent):
        return WHO_UNKNOWN
    if isinstance(error, NotDurable):
        cause = "schedule-sms could not make sure its storage kept the send safe"
    elif isinstance(error, RedisError):
        cause = "schedule-sms cannot reach its storage right now"
    elif isinstance(error, DirectoryUnavailable | SlackApiError):
        cause = "Slack did not answer schedule-sms in time"
    elif isinstance(error, TimeoutError):
        cause = "Slack or the app's storage answered too slowly"
    else:
        cause = "schedule-sms ran into an unexpected problem"
    if progress and progress.sent:
        return f"{progress.sent}. But {cause}, so delivery tracking may be late. Do not send it again."
    return f"{cause}; nothing was sent. Please try again in a moment."


async def guard(
    work: Coroutine[Any, Any, None], client: AsyncWebClient, requester: Requester, progress: Progress | None = None
) -> None:
    """Run listener work; whatever escapes is logged and the user is told, in words fitting `progress`."""
    try:
        await work
    except Exception as exc:  # noqa: BLE001  logged by log_failure
        log_failure(exc, requester.user_id)
        await requester.problem(client, failure_text(exc, progress))


def log_failure(error: Exception, user_id: str) -> None:
    """Storage outages are one line each; anything else gets its traceback (call inside the except)."""
    if isinstance(error, RedisError):
        log.error("storage unavailable: %s", type(error).__name__)
    else:
        log.exception("work for %s failed", user_id)


async def history_for(services: Services, user_id: str, page: int) -> list[dict[str, Any]]:
    member = await services.directory.member(user_id)
    listed, more = await services.batches.recent(user_id, page * blocks.PAGE_SIZE, blocks.PAGE_SIZE)
    counts = await services.batches.counts(batch_ids(listed))
    return blocks.history_blocks(listed, member.tz, services.clock.now(), page, more, masked=False, counts=counts)


SHOWN = frozenset({State.HELD, State.SENDING, State.HANDED_OFF, State.SENT})
"""An SMS the team sees in the channel: one the app will send, or Kaleyra has."""


async def publish_post(services: Services, client: AsyncWebClient, requester: Requester, record: SmsRecord) -> None:
    """The channel post of `record`, rendered from it: updated if there is one, posted once it is worth
    showing (an SMS that failed at Confirm is posted when a later send succeeds)."""
    masked = not services.settings.show_full_numbers
    if record.batch:  # a batch's rows share its one post, which follows their counts
        return
    if record.post_ts:
        await update_post(client, record, services.clock.now(), masked=masked)
    elif record.phase in SHOWN and not record.withdrawn:
        await post_to_channel(services, client, requester, record, masked=masked)


async def post_to_channel(
    services: Services, client: AsyncWebClient, requester: Requester, record: SmsRecord, *, masked: bool
) -> None:
    """Tell the channel, and remember the post so it can follow the SMS; tell the user if the app is not there.
    A post that names only the first few recipients gets the whole list in its thread."""
    now = services.clock.now()
    post = blocks.record_post_blocks(record, now, masked=masked)
    try:
        posted = await client.chat_postMessage(channel=record.channel_id, text="An SMS was scheduled", blocks=post)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.info("could not post to %s: %s", record.channel_id, error)
        note = (
            "Invite the app to this channel to let the team see scheduled SMS."
            if error in ("not_in_channel", "channel_not_found")
            else f"Posting to the channel failed ({error})."
        )
        # not in the channel: no ephemeral either
        await Requester(requester.user_id, "", requester.response_url).problem(client, note)
        return
    channel, ts = str(posted["channel"]), str(posted["ts"])
    linked, first = await attach_post(services, record.id, channel, ts)
    if linked is not None and not first:  # two hands posted it at once (Send now as the Confirm's post went out)
        try:
            await client.chat_delete(channel=channel, ts=ts)  # the post linked first stays, and follows the SMS
        except SlackApiError as exc:
            log.warning("could not remove a second post of %s: %s", record.id, exc.response.get("error"))
        return
    # the SMS may have moved on while its post was on the way (a Cancel, a hand-off, delivery news): show it now
    if linked is not None and blocks.record_post_blocks(linked, now, masked=masked) != post:
        await update_post(client, linked, services.clock.now(), masked=masked)
    try:
        for message in blocks.recipient_list_messages(record.recipients, masked=masked):
            await client.chat_postMessage(channel=channel, thread_ts=ts, text="Every recipient", blocks=message)
    except SlackApiError as exc:
        log.warning("could not complete the channel post of %s: %s", record.id, exc.response.get("error"))


async def attach_post(services: Services, record_id: str, channel: str, ts: str) -> tuple[SmsRecord | None, bool]:
    """Link the channel post to the record, unless another post of it was linked first; returns the record,
    whose state may have moved on since the post was written (a callback or a hand-off can come first), and
    whether this post is the one linked."""

    def link(record: SmsRecord) -> bool:
        if record.post_ts:
            return False
        record.post_channel, record.post_ts = channel, ts
        return True

    return await services.store.annotate(record_id, link)
