"""Getting a message to the user who asked, however Slack lets us reach them."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Coroutine
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.command import Draft
from bot.core.pending import Pending
from bot.services import Services
from bot.slack import blocks

log = logging.getLogger(__name__)
_ID = re.compile(r"[A-Za-z0-9_-]{10,64}")
BUSY = "schedule-sms is busy right now; nothing was sent. Please try again in a minute."
STORAGE_DOWN = "schedule-sms cannot reach its storage right now; nothing was sent. Please try again in a minute."


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


def draft_of(pending: Pending) -> Draft:
    """The form's fields for an existing request, for Edit."""
    request = pending.request
    return Draft(
        recipients=", ".join(request.recipients),
        message=request.body,
        when=request.send_at.astimezone(ZoneInfo(pending.tz)).strftime("%Y-%m-%d %H:%M") if request.send_at else "",
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
    problems: list[str] | None = None,
) -> bool:
    settings = services.settings
    draft = draft.with_defaults(settings.kaleyra_type, settings.kaleyra_sender, settings.kaleyra_callback_profile_id)
    view = blocks.modal_view(
        draft, private_metadata=context.dump(), allowed_senders=settings.allowed_senders, problems=problems or []
    )
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        return False
    return True


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
    text = blocks.escape(text)
    if response_url and client.session is not None:
        message: dict[str, Any] = {"text": text, "response_type": "ephemeral", "replace_original": replace_original}
        if payload_blocks is not None:
            message["blocks"] = payload_blocks
        try:  # the app's pooled session: a webhook client per reply costs more CPU than the reply itself
            async with client.session.post(response_url, json=message) as response:
                if response.status == 200:
                    return
                log.warning("response_url answered %s", response.status)
        except Exception as exc:  # noqa: BLE001  expired or unreachable: fall back below
            log.warning("response_url failed: %s", type(exc).__name__)
    try:
        if channel_id:
            await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=payload_blocks)
            return
    except SlackApiError as exc:
        log.info("chat.postEphemeral failed (%s); sending a direct message", exc.response.get("error"))
    await client.chat_postMessage(channel=user_id, text=text, blocks=payload_blocks)


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


async def guard_storage(work: Coroutine[Any, Any, None], client: AsyncWebClient, requester: Requester) -> None:
    """Run listener work; if Redis fails, tell the user plainly (nothing was sent)."""
    try:
        await work
    except RedisError as exc:
        log.error("storage unavailable: %s", type(exc).__name__)
        await requester.problem(client, STORAGE_DOWN)


async def history_for(services: Services, user_id: str, page: int) -> list[dict[str, Any]]:
    member = await services.directory.member(user_id)
    records, more = await services.history.recent(user_id, page * blocks.PAGE_SIZE, blocks.PAGE_SIZE)
    return blocks.history_blocks(records, member.tz, page, more, masked=False)


async def post_to_channel(
    services: Services,
    client: AsyncWebClient,
    requester: Requester,
    record_id: str,
    channel_id: str,
    post: list[dict[str, Any]],
) -> None:
    """Tell the channel, and remember the post so it can follow the SMS; tell the user if the app is not there."""
    try:
        posted = await client.chat_postMessage(channel=channel_id, text="An SMS was scheduled", blocks=post)
        await services.history.attach_post(record_id, str(posted["channel"]), str(posted["ts"]))
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.info("could not post to %s: %s", channel_id, error)
        note = (
            "Invite the app to this channel to let the team see scheduled SMS."
            if error in ("not_in_channel", "channel_not_found")
            else f"Posting to the channel failed ({error})."
        )
        # not in the channel: no ephemeral either
        await Requester(requester.user_id, "", requester.response_url).problem(client, note)
