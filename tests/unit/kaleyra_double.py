"""Kaleyra as an `httpx.MockTransport`: the real client, no network, microseconds per call."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.core.kaleyra import KaleyraClient

ACCOUNT_URL = "https://api.in.kaleyra.io/v1/HXAP16TEST97IN"
API_KEY = "Atestkaleyraapikey0123456789"
Reply = Callable[[httpx.Request], httpx.Response]


def accepted(request: httpx.Request, batch: str = "batch-1") -> httpx.Response:
    """Kaleyra's success answer, one message id per recipient."""
    recipients = json.loads(request.content)["to"].split(",")
    data = [{"message_id": f"{batch}:{i}", "recipient": r} for i, r in enumerate(recipients, 1)]
    return httpx.Response(202, json={"id": batch, "totalCount": len(data), "data": data})


@dataclass
class KaleyraDouble:
    """Answers each send with the next scripted reply (then success) and remembers every request."""

    script: list[Reply] = field(default_factory=list)
    statuses: dict[str, dict[str, str]] = field(default_factory=dict)
    status_api_down: bool = False
    status_refused_for: set[str] = field(default_factory=set)  # a status GET naming any of these is refused (400)
    sent: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET":
            ids = request.url.params.get("message_ids", "").split(",")
            if self.status_api_down:
                return httpx.Response(502, text="bad gateway")
            if not self.status_refused_for.isdisjoint(ids):
                return httpx.Response(400, json={"code": "E400", "message": "Invalid message id"})
            data = [{"message_id": i, **self.statuses[i]} for i in ids if i in self.statuses]
            return httpx.Response(200, json={"data": data})
        self.sent.append(json.loads(request.content))
        reply = self.script.pop(0) if self.script else accepted
        return reply(request)

    def client(self, **options: Any) -> KaleyraClient:
        options.setdefault("backoff", 0)
        return KaleyraClient(ACCOUNT_URL, API_KEY, transport=httpx.MockTransport(self.handle), **options)
