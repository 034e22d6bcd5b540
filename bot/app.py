"""Assemble the Bolt app: settings and storage in, listeners registered; start-up checks."""

from __future__ import annotations

import logging

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.redis_client import RedisClient
from bot.services import Services
from bot.slack import listeners
from bot.startup import StartupError

log = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"}
)
"""auth.test errors that mean the bot token itself is wrong: no request could ever succeed with it."""


def create_app(settings: Settings, redis: RedisClient, clock: Clock | None = None) -> tuple[AsyncApp, Services]:
    """Called inside the running event loop (the HTTP session belongs to it). `clock`: see `Services.build`."""
    signing_secret = settings.slack_signing_secret
    # Bolt builds its own client from the token: handed one of ours while SLACK_BOT_TOKEN is in the
    # environment, it warns at every start that the token is unused.
    app = AsyncApp(
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
    services = Services.build(settings, redis, app.client, clock)
    listeners.register(app, services)
    return app, services


async def check_slack_token(settings: Settings) -> None:
    """auth.test before serving: a wrong or revoked token stops the app with one line, instead of every
    user being told to reinstall it. Slack unreachable is only a warning: the token is tried again later."""
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
    try:
        identity = await client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if error in TOKEN_ERRORS:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token from the app's "
                "OAuth & Permissions page (reinstall the app if it was revoked)"
            ) from None
        log.warning("auth.test failed (%s); starting anyway", error)
        return
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("could not reach Slack to check SLACK_BOT_TOKEN (%s); starting anyway", type(exc).__name__)
        return
    log.info("signed in to Slack as %s in team %s", identity.get("user"), identity.get("team"))
