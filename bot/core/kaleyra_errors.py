"""Kaleyra's refusals and unknown outcomes of the last day, counted in Redis by the hour, for the admins' view.

A process's metrics are its own and gone at restart; these counts are shared by every instance, cheap to
read (one small hash an hour, 24 of them in one round trip) and expire by themselves after a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core import keys
from bot.core.clock import Clock
from bot.core.kaleyra import Rejected, Uncertain
from bot.core.redis_client import RedisClient
from bot.metrics import safe_word

HOURS = 24
_KEEP = timedelta(hours=HOURS + 1)
_WORDS = 300
UNKNOWN = "unknown outcome"


@dataclass(frozen=True)
class ErrorCount:
    """One kind of error over the last day: how often, when last, and the last one's words."""

    code: str  # Kaleyra's code (E401, ...), else the HTTP status, else what happened
    count: int
    last_at: datetime
    words: str


def code_of(result: Rejected | Uncertain) -> str:
    if isinstance(result, Uncertain):
        return UNKNOWN
    if result.code:
        return safe_word(result.code)  # from outside: a short plain word, or "other"
    return f"HTTP {result.status}" if result.status else "no answer"


def _hour_key(hour: int) -> str:
    return keys.key("kaleyra-errors", str(hour))


class KaleyraErrors:
    def __init__(self, redis: RedisClient, clock: Clock) -> None:
        self._redis = redis
        self._clock = clock

    def _hour(self) -> int:
        return int(self._clock.now().timestamp() // 3600)

    async def note(self, result: Rejected | Uncertain) -> None:
        """Count one error in this hour's hash: its count, when it came, its words."""
        code, now = code_of(result), self._clock.now()
        key = _hour_key(self._hour())
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(key, f"count:{code}", 1)
            pipe.hset(key, mapping={f"last:{code}": now.isoformat(), f"words:{code}": result.describe()[:_WORDS]})
            pipe.expire(key, _KEEP)
            await pipe.execute()

    async def last_day(self) -> list[ErrorCount]:
        """Every kind of error of the last 24 hours (by the hour), the most frequent first."""
        hour = self._hour()
        async with self._redis.pipeline(transaction=False) as pipe:
            for past in range(hour - HOURS + 1, hour + 1):
                pipe.hgetall(_hour_key(past))
            hours: list[dict[str, str]] = await pipe.execute()
        counts: dict[str, int] = {}
        latest: dict[str, tuple[datetime, str]] = {}
        for fields in hours:
            for name, value in fields.items():
                kind, _, code = name.partition(":")
                if kind == "count":
                    counts[code] = counts.get(code, 0) + int(value)
                elif kind == "last":
                    at = datetime.fromisoformat(value)
                    if code not in latest or at > latest[code][0]:
                        latest[code] = (at, fields.get(f"words:{code}", ""))
        found = [
            ErrorCount(code, count, *latest.get(code, (datetime.fromtimestamp(0, UTC), "")))
            for code, count in counts.items()
        ]
        return sorted(found, key=lambda error: (-error.count, error.code))
