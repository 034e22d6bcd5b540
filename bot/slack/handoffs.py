"""News about held SMS back in Slack: the owner hears what happened at hand-off, the channel post follows."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.history import SmsRecord
from bot.slack import blocks
from bot.slack.notifications import update_post

log = logging.getLogger(__name__)


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
