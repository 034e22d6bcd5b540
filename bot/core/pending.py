"""Requests waiting for Confirm, in Redis, shared by every instance of the app.

A confirmation's buttons carry only the request's id. The request is deleted by whichever of Confirm,
Cancel or Edit comes first, in the same atomic step that records what became of it
(`bot.core.outbox`), so however many clicks arrive on however many instances, one wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from bot.core import keys
from bot.core.redis_client import RedisClient
from bot.core.validation import ScheduleRequest


@dataclass(frozen=True)
class Pending:
    """A checked request waiting for Confirm, with where it came from."""

    request: ScheduleRequest
    user_id: str
    channel_id: str
    tz: str
    replaces: str = ""  # a held SMS this request replaces when confirmed (an Edit)
    trace: str = ""  # the id of the Slack request that asked for it, for the logs

    def to_json(self) -> str:
        return json.dumps(vars(self) | {"request": self.request.to_dict()})  # vars: asdict deep-copies first

    @classmethod
    def from_json(cls, text: str) -> Pending:
        data: dict[str, Any] = json.loads(text)
        request = ScheduleRequest.from_dict(data.pop("request"))
        known = {field.name for field in fields(cls)} - {"request"}  # fields of older releases are ignored
        return cls(request=request, **{name: value for name, value in data.items() if name in known})

    def owner(self) -> dict[str, str]:
        """Who and where, as a series keeps them."""
        return {"user_id": self.user_id, "channel_id": self.channel_id, "tz": self.tz, "trace": self.trace}


class PendingStore:
    def __init__(self, redis: RedisClient, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def put(self, pending: Pending) -> str:
        """Keep `pending` for Confirm; an edit's request goes in its original's bucket, to replace it atomically."""
        pending_id = keys.new_id(near=pending.replaces or None)
        await self._redis.set(keys.of(pending_id, "pending"), pending.to_json(), ex=self._ttl)
        return pending_id

    @property
    def ttl(self) -> timedelta:
        return timedelta(seconds=self._ttl)

    async def get(self, pending_id: str) -> Pending | None:
        raw = await self._redis.get(keys.of(pending_id, "pending"))
        return Pending.from_json(raw) if isinstance(raw, str) else None
