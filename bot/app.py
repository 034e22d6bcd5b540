"""Assemble the Bolt app: settings and storage in, listeners registered."""

from __future__ import annotations

import logging

import aiohttp
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from slack_bolt.async_app import AsyncApp

from bot.config import Settings
from bot.services import Services
from bot.slack import listeners
from bot.slack.api_errors import count_failures

log = logging.getLogger(__name__)


def create_app(settings: Settings, redis: Redis) -> tuple[AsyncApp, Services]:
    """Called inside the running event loop (the HTTP session belongs to it)."""
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
    count_failures(app.client)
    services = Services.build(settings, redis, app.client)
    listeners.register(app, services)
    return app, services


def connect_redis(settings: Settings) -> Redis:
    """The configured Redis, or an in-process one that is lost on restart and not shared.

    The pool waits up to `REDIS_POOL_TIMEOUT_SECONDS` for a free connection instead of failing at once,
    so a burst (of health checks, say) queues behind real work rather than failing it.

    A command is retried once, shortly, only when its connection dropped (a pooled connection left
    stale by a Redis restart), never on a timeout: redis-py's default would retry ten times on either,
    re-running commands that a slow server may already have executed. A retried command can still
    have run once before the drop; each non-idempotent one is safe to repeat where it is issued
    (see `PendingStore.claim`).
    """
    if settings.redis_url is not None:
        pool = BlockingConnectionPool.from_url(
            settings.redis_url.get_secret_value(),
            max_connections=settings.redis_max_connections,
            timeout=settings.redis_pool_timeout_seconds,
            decode_responses=True,
            socket_timeout=2,
            socket_connect_timeout=2,
            health_check_interval=30,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1, supported_errors=(RedisConnectionError,)),
        )
        return Redis.from_pool(pool)
    import fakeredis

    log.warning(
        "REDIS_URL is not set: using an in-process store. Pending requests are lost on restart "
        "and not shared between instances; set REDIS_URL in production."
    )
    return fakeredis.FakeAsyncRedis(decode_responses=True)
