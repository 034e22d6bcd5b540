"""The HTTP side: Slack's requests at /slack/events, Kaleyra's callbacks, and /healthz."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.services import Services
from bot.web.callback import kaleyra_callback
from bot.web.health import healthz
from bot.web.keys import SERVICES

log = logging.getLogger(__name__)


def build_web_app(bolt: AsyncApp | None, services: Services) -> web.Application:
    """With `bolt` None (Socket Mode), Slack's events come over the WebSocket instead."""
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[SERVICES] = services
    web_app.router.add_get("/healthz", healthz)
    if bolt is not None:

        async def slack_events(request: web.Request) -> web.Response:
            try:
                bolt_request = await to_bolt_request(request)
                bolt_response = await bolt.async_dispatch(bolt_request)
            except (ValueError, LookupError, AttributeError, TypeError) as exc:
                # Bolt's own payload parsing fails on shapes Slack never sends (listener errors are
                # caught inside Bolt); answer 400 instead of a 500 with a traceback.
                log.warning("malformed Slack request refused: %s", type(exc).__name__)
                return web.Response(status=400, text="malformed request")
            return await to_aiohttp_response(bolt_response)

        web_app.router.add_post("/slack/events", slack_events)

    web_app.router.add_route("*", "/kaleyra/callback", kaleyra_callback)

    async def start_jobs(app: web.Application) -> None:
        services.jobs.start()  # hand-offs and status checks, shared with every other instance

    async def close_services(app: web.Application) -> None:
        await services.aclose()

    web_app.on_startup.append(start_jobs)
    web_app.on_cleanup.append(close_services)
    return web_app
