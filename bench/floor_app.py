"""The floor: the least any correct /schedule-sms must do, on the same stack as the app.

    python bench/floor_app.py   (reads SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, REDIS_URL, PORT)

A Bolt AsyncApp on aiohttp that, per command, acks, writes one key to Redis and posts one static reply to
the response_url (on one pooled session), after the ack as Bolt runs listeners by default.

With FLOOR_REPLY_IN_ACK=1 it instead writes the key and answers with the static reply in the ack's body
(as the app answers a complete command), returning as soon as the listener does.
"""

from __future__ import annotations

import os

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

REPLY = {
    "response_type": "ephemeral",
    "text": "Check and confirm your SMS",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Check and confirm your SMS"}}],
}


async def build() -> web.Application:
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    redis = Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"], session=session)
    in_ack = os.environ.get("FLOOR_REPLY_IN_ACK") == "1"
    bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=in_ack)

    @bolt.command("/schedule-sms")
    async def schedule_sms(ack: AsyncAck, body: dict[str, str]) -> None:
        if in_ack:
            await redis.set(f"floor:{body['trigger_id']}", body["text"], ex=3600)
            await ack(REPLY)
            return
        await ack()
        await redis.set(f"floor:{body['trigger_id']}", body["text"], ex=3600)
        async with session.post(body["response_url"], json=REPLY) as response:
            response.raise_for_status()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def close(_: web.Application) -> None:
        await session.close()
        await redis.aclose()

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    app.on_cleanup.append(close)
    return app


if __name__ == "__main__":
    web.run_app(build(), host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None, backlog=1024)
