"""Assemble the Bolt app: settings and storage in, listeners registered."""

from __future__ import annotations

import logging

import aiohttp
from slack_bolt.async_app import AsyncApp

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.redis_client import RedisClient
from bot.services import Services
from bot.slack import listeners
from bot.slack.api_errors import count_failures

log = logging.getLogger(__name__)


def create_app(settings: Settings, redis: RedisClient, clock: Clock | None = None) -> tuple[AsyncApp, Services]:
    """Called inside the running event loop (the HTTP session belongs to it). `clock`: see `Services.build`."""
    signing_secret = settings.slack_signing_secret
    # Bolt builds its own client from the token: handed one of ours while SLACK_BOT_TOKEN is in the
    # environment, it warns at every start that the token is unused.
    app = AsyncApp(
        name="schedule-sms",  # named here: Bolt otherwise reads the caller's source through inspect.stack()
        token=settings.slack_bot_token.get_secret_value(),
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        # bot.web checks signatures before parsing; Bolt's check would log the body of every failure
        request_verification_enabled=False,
        # Slack is answered when the listener returns: listeners run only bounded checks before their ack
        # and leave the rest to services.background (Bolt's default checks every 10 ms for the ack)
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )
    # one pooled session for the Web API and response_urls (slack_sdk opens one per call otherwise)
    app.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    app.client.base_url = settings.slack_api_url
    count_failures(app.client)
    services = Services.build(settings, redis, app.client, clock)
    listeners.register(app, services)
    return app, services
