"""The HTTP side: Slack's requests at /slack/events, and /healthz for load balancers."""

from __future__ import annotations

import asyncio
import hmac
import logging
from contextlib import suppress

from aiohttp import web
from redis.exceptions import RedisError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.core import delivery
from bot.services import Services

log = logging.getLogger(__name__)
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
STATUS_TASK: web.AppKey[asyncio.Task[None]] = web.AppKey("status_task", asyncio.Task)


def build_web_app(bolt: AsyncApp | None, services: Services) -> web.Application:
    """With `bolt` None (Socket Mode), only /healthz is served."""
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

    async def start_status_checks(app: web.Application) -> None:
        app[STATUS_TASK] = asyncio.create_task(services.status.run_forever(services.settings.status_poll_seconds))

    async def close_services(app: web.Application) -> None:
        status_checks = app[STATUS_TASK]
        status_checks.cancel()
        with suppress(asyncio.CancelledError):
            await status_checks  # finish the cancellation before the loop goes away
        await services.aclose()

    web_app.on_startup.append(start_status_checks)
    web_app.on_cleanup.append(close_services)
    return web_app


async def kaleyra_callback(request: web.Request) -> web.Response:
    """Delivery reports pushed by a Kaleyra callback profile (GET or POST; query, form or JSON)."""
    services = request.app[SERVICES]
    expected = services.settings.kaleyra_callback_token
    given = request.query.get("token", "")
    if expected is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        return web.json_response({"ok": False, "error": "forbidden"}, status=403)
    if request.method not in ("GET", "POST"):
        return web.json_response({"ok": False, "error": "use GET or POST"}, status=405)
    fields: dict[str, object] = {key: value for key, value in request.query.items() if key != "token"}
    if request.method == "POST":
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return web.json_response({"ok": False, "error": "expected a JSON object"}, status=400)
            fields |= body
        else:
            fields |= dict(await request.post())
    report = delivery.report_from_fields(fields)
    if report is None:
        return web.json_response({"ok": False, "error": "needs an id and a status"}, status=400)
    try:
        known = await services.status.receive(report)
    except RedisError:
        return web.json_response({"ok": False, "error": "storage unavailable, send again"}, status=503)
    return web.json_response({"ok": True, "recorded": known})


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    if await services.store.healthy():
        return web.json_response({"ok": True, "background_jobs": len(services.background)})
    return web.json_response({"ok": False, "error": "storage unavailable"}, status=503)
