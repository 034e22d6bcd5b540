"""`/healthz` for load balancers: 200 while the app can reach its storage."""

from __future__ import annotations

from aiohttp import web

from bot.web.keys import SERVICES


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    if await services.store.healthy():
        return web.json_response({"ok": True, "background_jobs": len(services.background)})
    return web.json_response({"ok": False, "error": "storage unavailable"}, status=503)
