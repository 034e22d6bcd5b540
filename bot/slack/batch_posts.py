"""A batch in Slack: one channel post for all its rows, brought up to date as they move, and its owner told,
in one direct message, of rows that could not go.

The post is rewritten by the batch's `batch` job (`BatchBook.run`), which a row's change queues unless one is
queued already: at most one `chat.update` every `BATCH_UPDATE_SECONDS` per batch, however many rows move.
Slack's `ratelimited` makes the job try again later; other refusals are logged (the post stays as it was).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.batches import Batch, BatchBook, News
from bot.slack import blocks, wording

log = logging.getLogger(__name__)


async def post_batch(client: AsyncWebClient, batches: BatchBook, batch: Batch, counts: Mapping[str, int]) -> str | None:
    """The batch's channel post, remembered on the batch; None when posted, else Slack's error."""
    try:
        posted = await client.chat_postMessage(
            channel=batch.channel_id,
            text=f"A batch of {batch.rows:,} SMS was scheduled",
            blocks=blocks.batch_post_blocks(batch, counts),
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown")
        log.info("could not post batch %s to %s: %s", batch.id, batch.channel_id, error)
        return error
    await batches.attach_post(batch.id, str(posted["channel"]), str(posted["ts"]))
    return None


class SlackBatchNews:
    def __init__(self, client: AsyncWebClient, batches: BatchBook) -> None:
        self._client = client
        self._batches = batches

    async def __call__(self, news: News) -> None:
        batch, counts = news.batch, news.counts
        if news.confirmed_late and not batch.post_ts:
            await post_batch(self._client, self._batches, batch, counts)
        else:
            await update_batch_post(self._client, batch, counts)
        text = wording.batch_news(batch, news.problems, confirmed_late=news.confirmed_late, gave_up=news.gave_up)
        if text:
            await self._client.chat_postMessage(
                channel=batch.user_id,
                text="News about your batch",
                blocks=blocks.batch_news_blocks(text, batch, counts),
            )


async def update_batch_post(client: AsyncWebClient, batch: Batch, counts: Mapping[str, int]) -> None:
    """The batch's channel post, if it has one, as the batch stands."""
    if not batch.post_ts:
        return
    try:
        await client.chat_update(
            channel=batch.post_channel,
            ts=batch.post_ts,
            text=f"Batch: {wording.counts_text(counts)}",
            blocks=blocks.batch_post_blocks(batch, counts),
        )
    except SlackApiError as exc:
        if exc.response.get("error") == "ratelimited":
            raise  # the batch's job runs again after a pause
        log.warning("could not update the post of batch %s: %s", batch.id, exc.response.get("error"))
