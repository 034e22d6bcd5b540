"""A stand-in for Slack on loopback: the Web API methods the app calls, and the `response_url`s it answers on.

It keeps every message the app sends, in order, for the tour to show; it answers as Slack does, with the
people and the channel of the tour.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TIMEZONE = "Asia/Kolkata"


@dataclass(frozen=True)
class Sent:
    """A message the app sent: its Web API method (or `respond`, on a response_url), and its fields."""

    method: str
    fields: dict[str, Any]

    @property
    def blocks(self) -> list[dict[str, Any]]:
        where = _decoded(self.fields.get("view")) if self.method == "views.publish" else self.fields
        return list(_decoded(where.get("blocks")) or [])


def _decoded(value: Any) -> Any:
    """A field as sent: as it is in a JSON body, or a JSON string in the Web API's form encoding."""
    return json.loads(value) if isinstance(value, str) else (value or {})


class SlackStandIn:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/respond/{name}"

    async def wait_for(self, wanted: Callable[[Sent], bool], after: int = 0, timeout: float = 15.0) -> Sent:
        """The first message from index `after` on that is `wanted`, once the app has sent it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.sent[after:]:
                if wanted(message):
                    return message
            await asyncio.sleep(0.02)
        raise TimeoutError("the app did not send the message the tour waits for")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            fields |= await request.json() if request.content_type == "application/json" else dict(await request.post())
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.publish"):
            self.sent.append(Sent(method, fields))
        return web.json_response(self._answer(method, fields))

    async def _respond(self, request: web.Request) -> web.Response:
        self.sent.append(Sent("respond", await request.json() | {"url": request.path}))
        return web.json_response({"ok": True})

    @staticmethod
    def _answer(method: str, fields: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T0DEMO", "url": "https://demo.slack"}
        if method == "users.info":
            user = {"id": fields.get("user", ""), "tz": TIMEZONE, "is_restricted": False, "locale": "en-US"}
            return {"ok": True, "user": user}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            return {"ok": True, "channel": fields.get("channel"), "ts": fields.get("ts") or f"{time.time():.6f}"}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": "VDEMO", "hash": "h"}}
        return {"ok": True}
