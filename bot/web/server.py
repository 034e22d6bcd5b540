"""The HTTP side: Slack's requests at /slack/events, Kaleyra's callbacks, /healthz, and /metrics (unless
it has a port of its own)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import partial

from aiohttp import web, web_response
from redis.exceptions import RedisError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.core.migrate import migrate
from bot.services import Services
from bot.storage import writable_primary
from bot.web import metrics
from bot.web.callback import kaleyra_callback
from bot.web.health import Check, Health
from bot.web.inbound import BodyReader, slack_signature_ok
from bot.web.keys import BODIES, SERVICES

log = logging.getLogger(__name__)
SERVER_NAME = "schedule-sms"


def build_web_app(
    bolt: AsyncApp | None, services: Services, *, readiness: Sequence[Check] = (), runs_queue: bool = True
) -> web.Application:
    """With `bolt` None (Socket Mode), Slack's events come over the WebSocket instead. `/healthz` answers
    503 while a `readiness` check fails (checked first, in order), or the storage does. With `runs_queue`
    this process runs the shared queue's loop (one worker per instance does, `bot.workers`)."""
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[SERVICES] = services
    web_app[BODIES] = bodies = BodyReader(services.settings.body_timeout_seconds)
    storage: Check = ("storage unavailable", partial(writable_primary, services.redis))
    web_app.router.add_get("/healthz", Health(readiness, storage, lambda: len(services.background)).handle)
    if services.settings.metrics_port is None:
        metrics.add_route(web_app)
    # aiohttp names itself and Python's version in the Server header of every answer, the 400s of its
    # HTTP parser included, which no handler or signal sees: one plain name for all of them
    setattr(web_response, "SERVER_SOFTWARE", SERVER_NAME)  # noqa: B010  the module's constant, not an API
    signing_secret = services.settings.slack_signing_secret
    if bolt is not None and signing_secret is not None:
        secret = signing_secret.get_secret_value()

        async def slack_events(request: web.Request) -> web.Response:
            """The signature is checked on the raw body before anything parses it (Bolt's own check
            is off: it would log the whole body of every request that fails it)."""
            body = await bodies.within_limit(request.read())
            headers = request.headers
            if not slack_signature_ok(
                secret, body, headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature")
            ):
                return web.json_response({"error": "invalid request"}, status=401)
            try:
                bolt_request = await to_bolt_request(request)
                bolt_response = await bolt.async_dispatch(bolt_request)
            except (ValueError, LookupError, AttributeError, TypeError, RecursionError) as exc:
                # signed, but a shape Slack never sends (Bolt's parsing fails; listener errors are caught
                # inside Bolt): 400 instead of a 500 with a traceback
                log.warning("malformed Slack request refused: %s", type(exc).__name__)
                return web.Response(status=400, text="malformed request")
            return await to_aiohttp_response(bolt_response)

        web_app.router.add_post("/slack/events", slack_events)

    web_app.router.add_route("*", "/kaleyra/callback", kaleyra_callback)

    async def start_jobs(app: web.Application) -> None:
        try:  # what an earlier release kept, in today's layout, before any job runs
            await migrate(services.store)
        except RedisError as exc:
            log.warning("could not look for data of an earlier release (%s)", type(exc).__name__)
        if runs_queue:  # hand-offs and status checks, shared with every other instance
            services.jobs.start()
            log.info("process %d runs the shared queue (hand-offs, status checks)", os.getpid())

    async def close_services(app: web.Application) -> None:
        await services.aclose()

    web_app.on_startup.append(start_jobs)
    web_app.on_cleanup.append(close_services)
    return web_app
