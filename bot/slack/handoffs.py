"""News of an SMS nobody clicked for (its hand-off, a job given up) back in Slack: the owner hears it in a
direct message, with the buttons that still apply, and the channel post follows."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.clock import Clock
from bot.core.outcomes import Outcome
from bot.slack import blocks, wording
from bot.slack.notifications import update_post

log = logging.getLogger(__name__)


class SlackHandoffNotifier:
    def __init__(self, client: AsyncWebClient, clock: Clock, *, masked: bool) -> None:
        self._client = client
        self._clock = clock
        self._masked = masked

    async def __call__(self, outcome: Outcome) -> None:
        now = self._clock.now()
        for record in outcome.records:
            await update_post(self._client, record, now, masked=self._masked)
        owner = outcome.record
        if owner is None:
            return
        payload = blocks.held_outcome_blocks(
            wording.headline(outcome, now), outcome.records, now, wording.lines_of(outcome)
        )
        try:
            await self._client.chat_postMessage(
                channel=owner.user_id, text="News about your scheduled SMS", blocks=payload
            )
        except SlackApiError as exc:
            log.warning("could not tell %s about %s: %s", owner.user_id, owner.id, exc.response.get("error"))
