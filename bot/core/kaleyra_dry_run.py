"""KALEYRA_DRY_RUN: Kaleyra's answers, made up in the process, under the one Kaleyra client.

An `httpx` transport answering what the client asks of Kaleyra, in Kaleyra's shape, so every other
part runs as it does for real (the dispatcher, the records, tracking, the channel post): a send is
accepted, with ids marked `dry-run-`, and each message's delivery status moves with the app's clock
as a real one does (Scheduled until its time, Sent, then Delivered). Nothing leaves the process.

The status is read from the message id itself (it carries the send time), so any instance, or a
restarted one, answers for an SMS another accepted: nothing is kept here.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.core.clock import Clock

MARK = "dry-run-"
"""What every id of a dry run starts with, so nobody takes it for Kaleyra's."""
SENT_FOR = timedelta(seconds=30)
"""How long a message of a dry run stays Sent before it is Delivered."""


class DryRunTransport(httpx.AsyncBaseTransport):
    """`POST <account>/sms` and `GET <account>/sms/status`, answered here; anything else is a 404."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path.endswith("/sms"):
            return httpx.Response(200, json=self._accepted(json.loads(request.content or b"{}")))
        if request.method == "GET" and path.endswith("/sms/status"):
            ids = request.url.params.get("message_ids", "").split(",")
            return httpx.Response(200, json={"data": [self._status(i) for i in ids if i.startswith(MARK)], "error": {}})
        return httpx.Response(404, json={"code": "E404", "message": "a dry run answers only /sms and /sms/status"})

    def _accepted(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Kaleyra's answer to a send: one message id per recipient, each carrying when it goes out."""
        now = self._clock.now()
        goes_at = datetime.fromisoformat(payload["time"]) if payload.get("time") else now
        batch = f"{MARK}{uuid.uuid4().hex}"
        recipients = [number for number in str(payload.get("to", "")).split(",") if number]
        return {
            "id": batch,
            "sender": payload.get("sender"),
            "type": payload.get("type"),
            "createdDateTime": now.isoformat(timespec="seconds"),
            "totalCount": len(recipients),
            "data": [
                {"message_id": f"{batch}-{int(goes_at.timestamp())}:{n}", "recipient": number}
                for n, number in enumerate(recipients, 1)
            ],
            "dlrurl": None,
        }

    def _status(self, message_id: str) -> dict[str, str]:
        """Scheduled before its time, Sent just after, then Delivered: as a real message moves."""
        _, _, stamp = message_id.partition(":")[0].rpartition("-")
        goes_at = datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else self._clock.now()
        since = self._clock.now() - goes_at
        if since < timedelta():
            status, trace = "Scheduled", ""
        elif since < SENT_FOR:
            status, trace = "Sent", "SENT"
        else:
            status, trace = "Delivered", "DELIVERED"
        return {"message_id": message_id, "status": status, "status_trace": trace}
