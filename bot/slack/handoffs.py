"""News about held SMS back in Slack: the owner hears what happened at hand-off, the channel post follows."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.history import SmsRecord
from bot.slack import blocks

log = logging.getLogger(__name__)


async def update_post(client: AsyncWebClient, record: SmsRecord, *, masked: bool) -> None:
    """Show the record's state in its channel post, if it has one."""
    if not (record.post_channel and record.post_ts):
        return
    try:
        await client.chat_update(
            channel=record.post_channel,
            ts=record.post_ts,
            text="A scheduled SMS changed",
            blocks=blocks.record_post_blocks(record, masked=masked),
        )
    except SlackApiError as exc:
        log.warning("could not update the post of %s: %s", record.id, exc.response.get("error"))


class SlackHandoffNotifier:
    """Hand-offs happen with nobody clicking: the owner gets a direct message, with buttons if theirs to decide."""

    def __init__(self, client: AsyncWebClient, *, masked: bool) -> None:
        self._client = client
        self._masked = masked

    async def __call__(self, record: SmsRecord, headline: str) -> None:
        await update_post(self._client, record, masked=self._masked)
        try:
            await self._client.chat_postMessage(
                channel=record.user_id,
                text="News about your scheduled SMS",
                blocks=blocks.held_outcome_blocks(headline, record),
            )
        except SlackApiError as exc:
            log.warning("could not tell %s about %s: %s", record.user_id, record.id, exc.response.get("error"))
