"""Fast stand-ins for Slack and Kaleyra in their own process, so that under load the fakes are not what
is measured (and no thread of the benchmark's own process delays an answer).

    PORT=9000 python bench/fake_slack.py

Answers the Web API (`/api/<method>`) and response_urls (`/respond/<key>`) at once, noting for each call
the method, the key (response_url) or channel, when it arrived (CLOCK_MONOTONIC, shared by every process
on the machine), the notification text, and a Confirm button's value when there is one.
`GET /_calls?since=N` returns the calls from the N-th on. Kaleyra's `POST /v1/<sid>/sms` is accepted
after `KALEYRA_DELAY` seconds (default 0.05), as a real API takes a while, and noted with its numbers as
its text. Files: `POST /_files?name=N` keeps the body as a file a user attached (answering its id), which
`files.info` describes and its private URL serves, to the bot token only.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

CONFIRM_VALUE = re.compile(rb'"action_id":\s*"confirm_sms",[^}]*?"value":\s*"([^"]+)"')
Call = tuple[str, str, float, str, str]  # method, key or channel, arrived at, text, Confirm's value


def main() -> None:
    calls: list[Call] = []
    files: dict[str, tuple[str, bytes]] = {}
    kaleyra_delay = float(os.environ.get("KALEYRA_DELAY", "0.05"))
    bot_token = os.environ.get("SLACK_BOT_TOKEN", "")

    async def params(request: web.Request) -> tuple[bytes, dict[str, Any]]:
        raw = await request.read()
        if request.content_type == "application/json":
            return raw, json.loads(raw or b"{}")
        return raw, dict(parse_qsl(raw.decode()))

    def note(method: str, key: str, raw: bytes, fields: dict[str, Any], at: float) -> None:
        value = CONFIRM_VALUE.search(raw) if b"confirm_sms" in raw else None
        calls.append((method, key, at, str(fields.get("text") or ""), value.group(1).decode() if value else ""))

    async def respond(request: web.Request) -> web.Response:
        at = time.monotonic()
        raw, fields = await params(request)
        note("respond", request.match_info["key"], raw, fields, at)
        return web.json_response({"ok": True})

    async def api(request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        raw, fields = await params(request)
        fields |= request.query
        note(method, str(fields.get("channel") or fields.get("user") or ""), raw, fields, at)
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"})
        if method == "users.info":
            user = fields.get("user", "")
            return web.json_response({"ok": True, "user": {"id": user, "tz": "Asia/Kolkata", "is_restricted": False}})
        if method == "chat.postMessage":
            return web.json_response({"ok": True, "channel": fields.get("channel"), "ts": f"{time.time():.6f}"})
        if method == "files.info" and (found := files.get(str(fields.get("file")))) is not None:
            url = f"http://{request.host}/files-pri/{fields['file']}/{found[0]}"
            info = {"id": fields["file"], "name": found[0], "size": len(found[1]), "url_private_download": url}
            return web.json_response({"ok": True, "file": info})
        return web.json_response({"ok": True})

    async def add_file(request: web.Request) -> web.Response:
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        files[file_id] = (request.query.get("name", "file.csv"), await request.read())
        return web.json_response({"id": file_id})

    async def private_file(request: web.Request) -> web.Response:
        found = files.get(request.match_info["id"])
        if found is None or request.headers.get("Authorization") != f"Bearer {bot_token}":
            return web.Response(text="<html>Sign in to Slack</html>", content_type="text/html")
        return web.Response(body=found[1], content_type="application/octet-stream")

    async def kaleyra_sms(request: web.Request) -> web.Response:
        at = time.monotonic()
        raw, fields = await params(request)
        note("kaleyra", str(fields.get("sender") or ""), raw, {"text": fields.get("to")}, at)
        await asyncio.sleep(kaleyra_delay)
        batch = str(uuid.uuid4())
        recipients = str(fields.get("to", "")).split(",")
        data = [{"message_id": f"{batch}:{n}", "recipient": to} for n, to in enumerate(recipients, 1)]
        return web.json_response({"id": batch, "totalCount": len(recipients), "data": data})

    async def recorded(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"calls": calls[since:], "next": len(calls)})

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/respond/{key}", respond)
    app.router.add_route("*", "/api/{method}", api)
    app.router.add_post("/v1/{sid}/sms", kaleyra_sms)
    app.router.add_get("/_calls", recorded)
    app.router.add_post("/_files", add_file)
    app.router.add_get("/files-pri/{id}/{name}", private_file)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None, backlog=1024)


if __name__ == "__main__":
    main()
