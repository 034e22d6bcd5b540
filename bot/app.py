"""Assemble the Bolt app: settings and storage in, listeners registered."""

from __future__ import annotations

import logging

import aiohttp
from redis.asyncio import Redis
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core.timeparse import warm_up
from bot.services import Services
from bot.slack import listeners

log = logging.getLogger(__name__)


def create_app(settings: Settings, redis: Redis) -> tuple[AsyncApp, Services]:
    """Called inside the running event loop (the HTTP session belongs to it)."""
    # one pooled session for the Web API and response_urls (slack_sdk opens one per call otherwise)
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, session=session
    )
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("slack_bolt"),
    )
    services = Services.build(settings, redis, client)
    listeners.register(app, services)
    warm_up()
    return app, services


def connect_redis(settings: Settings) -> Redis:
    """The configured Redis, or an in-process one that is lost on restart and not shared."""
    if settings.redis_url is not None:
        return Redis.from_url(
            settings.redis_url.get_secret_value(),
            decode_responses=True,
            socket_timeout=2,
            socket_connect_timeout=2,
            health_check_interval=30,
        )
    import fakeredis

    log.warning(
        "REDIS_URL is not set: using an in-process store. Pending requests are lost on restart "
        "and not shared between instances; set REDIS_URL in production."
    )
    return fakeredis.FakeAsyncRedis(decode_responses=True)
