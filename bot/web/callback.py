"""Delivery reports pushed by a Kaleyra callback profile: `/kaleyra/callback?token=...`."""

from __future__ import annotations

import hmac

from aiohttp import web
from redis.exceptions import RedisError

from bot.core import delivery
from bot.web.keys import BODIES, SERVICES


async def kaleyra_callback(request: web.Request) -> web.Response:
    """GET or POST; fields in the query, a form or JSON (names are chosen in Kaleyra's console)."""
    services = request.app[SERVICES]
    expected = services.settings.kaleyra_callback_token
    given = request.query.get("token", "")
    if expected is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        return web.json_response({"ok": False, "error": "forbidden"}, status=403)
    if request.method not in ("GET", "POST"):
        return web.json_response({"ok": False, "error": "use GET or POST"}, status=405)
    fields: dict[str, object] = {key: value for key, value in request.query.items() if key != "token"}
    if request.method == "POST":
        bodies = request.app[BODIES]
        if request.content_type == "application/json":
            try:
                body = await bodies.within_limit(request.json())
            except (ValueError, RecursionError):
                body = None
            if not isinstance(body, dict):
                return web.json_response({"ok": False, "error": "expected a JSON object"}, status=400)
            fields |= body
        else:
            fields |= dict(await bodies.within_limit(request.post()))
    report = delivery.report_from_fields(fields)
    if report is None:
        return web.json_response({"ok": False, "error": "needs an id and a status"}, status=400)
    try:
        known = await services.tracker.receive(report)
    except RedisError:
        return web.json_response({"ok": False, "error": "storage unavailable, send again"}, status=503)
    return web.json_response({"ok": True, "recorded": known})
