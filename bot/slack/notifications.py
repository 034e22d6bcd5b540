"""Delivery news back in Slack: the channel post updated in place, failures explained in its thread.

`update_post` is the one place a channel post is rewritten, for delivery news, hand-offs and clicks alike."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.clock import Clock
from bot.core.delivery import FAILED_STATUSES, Report
from bot.core.records import SmsRecord
from bot.slack import blocks

log = logging.getLogger(__name__)


async def update_post(client: AsyncWebClient, record: SmsRecord, now: datetime, *, masked: bool) -> None:
    """Show the record's state in its channel post, if it has one; a refusal is logged, never raised."""
    if not (record.post_channel and record.post_ts):
        return
    text = f"SMS delivery: {blocks.escape(record.summary())}" if record.messages else "A scheduled SMS changed"
    try:
        await client.chat_update(
            channel=record.post_channel,
            ts=record.post_ts,
            text=text,
            blocks=blocks.record_post_blocks(record, now, masked=masked),
        )
    except SlackApiError as exc:
        log.warning("could not update the post of %s: %s", record.id, exc.response.get("error"))


class SlackDeliveryNotifier:
    def __init__(self, client: AsyncWebClient, clock: Clock, *, masked: bool) -> None:
        self._client = client
        self._clock = clock
        self._masked = masked

    async def __call__(self, record: SmsRecord, changed: list[Report]) -> None:
        await update_post(self._client, record, self._clock.now(), masked=self._masked)
        failures = [report for report in changed if report.status in FAILED_STATUSES]
        try:  # in the post's thread, or straight to the sender when there is no channel post
            shown = blocks.failure_messages(failures, masked=self._masked, dry_run=record.dry_run) if failures else []
            for message in shown:
                await self._client.chat_postMessage(
                    channel=record.post_channel or record.user_id,
                    thread_ts=record.post_ts,
                    text="Some SMS were not delivered",
                    blocks=message,
                )
        except SlackApiError as exc:
            log.warning("could not report delivery of %s: %s", record.id, exc.response.get("error"))
