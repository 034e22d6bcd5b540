"""Pending requests in Redis, shared by every instance of the app.

A confirmation button carries only a random id. Confirming *claims* the id with
`SET NX`, so however many clicks arrive on however many instances, one wins.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from bot.core.keys import key
from bot.core.validation import ScheduleRequest

DONE_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Pending:
    """A checked request waiting for Confirm, with where it came from."""

    request: ScheduleRequest
    user_id: str
    channel_id: str
    tz: str
    replaces: str = ""  # a held SMS this request replaces when confirmed (an Edit)

    def to_json(self) -> str:
        send_at = self.request.send_at
        request = vars(self.request) | {"send_at": send_at.isoformat() if send_at else None}
        return json.dumps(vars(self) | {"request": request})  # vars: asdict deep-copies every field first

    @classmethod
    def from_json(cls, text: str) -> Pending:
        data: dict[str, Any] = json.loads(text)
        request = dict(data.pop("request"))
        send_at = request.pop("send_at")
        request["recipients"] = tuple(request["recipients"])
        request["notes"] = tuple(request["notes"])
        known = {f.name for f in fields(cls)} - {"request"}  # fields of older releases are ignored
        return cls(
            request=ScheduleRequest(**request, send_at=datetime.fromisoformat(send_at) if send_at else None),
            **{name: value for name, value in data.items() if name in known},
        )


class PendingStore:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def put(self, pending: Pending) -> str:
        pending_id = secrets.token_urlsafe(16)
        await self._redis.set(key("pending", pending_id), pending.to_json(), ex=self._ttl)
        return pending_id

    async def get(self, pending_id: str) -> Pending | None:
        raw = await self._redis.get(key("pending", pending_id))
        return Pending.from_json(raw) if isinstance(raw, str) else None

    async def discard(self, pending_id: str) -> None:
        await self._redis.delete(key("pending", pending_id))

    async def claim(self, pending_id: str) -> bool:
        """True for exactly one caller per id, until `release`."""
        claimed = await self._redis.set(key("claim", pending_id), "sending", nx=True, ex=self._ttl + 60)
        return bool(claimed)

    async def claim_state(self, pending_id: str) -> str | None:
        """'sending', or the recorded outcome once finished; None if never claimed."""
        state = await self._redis.get(key("claim", pending_id))
        return state if isinstance(state, str) else None

    async def release(self, pending_id: str) -> None:
        """Nothing was sent: let Confirm be clicked again."""
        await self._redis.delete(key("claim", pending_id))

    async def finish(self, pending_id: str, outcome: str) -> None:
        """Something may have been sent: the id can never be confirmed again."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key("claim", pending_id), outcome, ex=DONE_TTL_SECONDS)
            pipe.delete(key("pending", pending_id))
            await pipe.execute()

    async def healthy(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:  # noqa: BLE001  any failure to answer means unhealthy
            return False
