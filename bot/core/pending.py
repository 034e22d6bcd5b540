"""Pending requests in Redis, shared by every instance of the app.

A confirmation button carries only a random id. Confirming *claims* the id with
`SET NX`, so however many clicks arrive on however many instances, one wins.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, get_args

from redis.asyncio import Redis

from bot.core.keys import key
from bot.core.validation import ScheduleRequest

DONE_TTL_SECONDS = 7 * 24 * 3600
_CALLER = "|"  # a first claim's value ends with a token unique to its caller (see `PendingStore.claim`)

ClaimKind = Literal["checking", "sending", "sent", "uncertain", "cancelled", "replaced", "held"]


@dataclass(frozen=True)
class Claim:
    """What has happened to a claimed request, so a later click is told the truth.

    checking   Confirm is re-checking the window and limits: nothing sent yet
    sending    recorded just before Kaleyra is called: if it stays, the outcome is unknown
    sent       Kaleyra accepted (some of) it, with its batch ids
    uncertain  Kaleyra may or may not have it: check before sending again
    cancelled  the user cancelled it: nothing was sent
    replaced   the user edited it into a new request: nothing was sent from this one
    held       the app holds it until its hand-off to Kaleyra (`bot.core.holding`)
    """

    kind: ClaimKind
    batch_ids: tuple[str, ...] = ()

    def dump(self) -> str:
        return f"sent:{','.join(self.batch_ids)}" if self.kind == "sent" else self.kind

    @classmethod
    def parse(cls, raw: str) -> Claim:
        """Any value this or an older release wrote; an unknown one reads as "sending" (outcome unknown)."""
        kind, _, ids = raw.split(_CALLER, 1)[0].partition(":")
        if kind == "sent":
            return cls("sent", tuple(filter(None, ids.split(","))))
        return cls(kind) if kind in get_args(ClaimKind) else cls("sending")  # type: ignore[arg-type]


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
        parts = [(zone, at.isoformat(), numbers) for zone, at, numbers in self.request.parts]
        request = vars(self.request) | {"send_at": send_at.isoformat() if send_at else None, "parts": parts}
        return json.dumps(vars(self) | {"request": request})  # vars: asdict deep-copies every field first

    @classmethod
    def from_json(cls, text: str) -> Pending:
        data: dict[str, Any] = json.loads(text)
        request = dict(data.pop("request"))
        send_at = request.pop("send_at")
        request["recipients"] = tuple(request["recipients"])
        request["notes"] = tuple(request["notes"])
        parts = request.pop("parts", [])  # none in older releases
        request["parts"] = tuple((zone, datetime.fromisoformat(at), tuple(numbers)) for zone, at, numbers in parts)
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

    async def claim(self, pending_id: str, claim: Claim = Claim("checking")) -> bool:
        """True for exactly one caller per id, until `release`.

        The client retries a command once when its connection drops, and the first `SET NX` may have
        run before the drop: the retry then finds the key taken, by us. The value is unique to this
        call, so reading it back tells our own claim from another caller's: ours still wins, and any
        other value (or an error) loses. Never two sends; at worst a lost claim reads as an unknown
        outcome and expires with the request.
        """
        claim_key, mine = key("claim", pending_id), f"{claim.dump()}{_CALLER}{secrets.token_hex(8)}"
        if await self._redis.set(claim_key, mine, nx=True, ex=self._ttl + 60):
            return True
        return await self._redis.get(claim_key) == mine

    async def mark(self, pending_id: str, claim: Claim) -> None:
        """Move a claim this caller holds to its next state (e.g. "sending", just before Kaleyra is called)."""
        await self._redis.set(key("claim", pending_id), claim.dump(), xx=True, ex=self._ttl + 60)

    async def claim_state(self, pending_id: str) -> Claim | None:
        """Where a claimed request stands; None if never claimed (or released)."""
        state = await self._redis.get(key("claim", pending_id))
        return Claim.parse(state) if isinstance(state, str) else None

    async def release(self, pending_id: str) -> None:
        """Nothing was sent: let Confirm be clicked again."""
        await self._redis.delete(key("claim", pending_id))

    async def finish(self, pending_id: str, outcome: Claim) -> None:
        """The request is done with (sent, maybe sent, cancelled, replaced): it can never be confirmed again."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key("claim", pending_id), outcome.dump(), ex=DONE_TTL_SECONDS)
            pipe.delete(key("pending", pending_id))
            await pipe.execute()

    async def healthy(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:  # noqa: BLE001  any failure to answer means unhealthy
            return False
