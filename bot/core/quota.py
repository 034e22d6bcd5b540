"""Per-user sending limits, counted in SMS recipients and shared by every instance through Redis.

`limits` does the counting (fixed windows, atomic in Redis); this module only words the answer. Its
storage uses the app's own client, on every topology: its pool (the one server's, or the Sentinel-managed
primary's, which follows failovers), or on a Cluster the cluster client itself, which `limits` would
otherwise build anew from a URL, with its own connections and none of the app's settings.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisClusterStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import RedisCluster
from redis.exceptions import RedisError

from bot.core.redis_client import RedisClient
from bot.core.refusals import Reason, Refusal

KEY_PREFIX = "schedule-sms-limits"


class Quota:
    def __init__(self, redis: RedisClient | None, per_minute: int, per_day: int) -> None:
        """With `redis` None (the in-memory store), counts are kept in this process only."""
        storage: Storage
        if redis is None:
            storage = MemoryStorage()
        elif isinstance(redis, RedisCluster):
            storage = _OnTheAppsCluster(redis)
        else:
            storage = RedisStorage(
                "async+redis://",  # the app's own connection pool is used; the URI only picks the driver
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                connection_pool=redis.connection_pool,  # type: ignore[arg-type]  # documented, not typed
            )
        self._storage = storage
        self._limiter = FixedWindowRateLimiter(storage)
        self._items: list[tuple[RateLimitItem, str]] = []
        self._burst: RateLimitItem | None = None
        if per_minute:
            self._burst = RateLimitItemPerMinute(per_minute)
            self._items.append((self._burst, "a minute"))
        if per_day:
            self._items.append((RateLimitItemPerDay(per_day), "a day"))

    async def refusal(
        self, user_id: str, recipients: int, tz: str, *, take: bool, burst: bool = True
    ) -> Refusal | None:
        """Why sending to `recipients` more numbers is refused now; with `take`, count them if not. Without
        `burst`, the per-minute limit, which stops bursts of commands, is left out (a batch, counted whole at
        its Confirm, is one decision, however many rows).

        With `take` the charge is the check: it is taken from every limit in turn, and if one refuses,
        what was taken is given back, so a refused send costs nothing (and two racing sends can at worst
        refuse each other, never both pass a limit); one counter update per limit, no read before it."""
        items = self._items if burst else [(item, period) for item, period in self._items if item is not self._burst]
        for item, period in items:
            if recipients > item.amount:
                return Refusal(
                    Reason.OVER_LIMIT,
                    f"You can send at most {item.amount} SMS {period}; this one has {recipients} recipients.",
                )
        if not take:
            for item, period in items:
                if not await self._limiter.test(item, user_id, cost=recipients):
                    return await self._limit_reached(item, period, user_id, recipients, tz)
            return None
        charged: list[RateLimitItem] = []
        try:
            for item, period in items:
                allowed = await self._limiter.hit(item, user_id, cost=recipients)
                charged.append(item)  # a refused hit is counted too, and given back below
                if not allowed:
                    await self._give_back(charged, user_id, recipients)
                    return await self._limit_reached(item, period, user_id, recipients, tz)
        except BaseException:
            with suppress(RedisError):
                await self._give_back(charged, user_id, recipients)
            raise
        return None

    async def give_back(self, user_id: str, recipients: int, *, burst: bool = True) -> None:
        """Return a charge taken by `refusal(take=True)` (with the same `burst`) for a send that did not start."""
        items = [item for item, _ in self._items if burst or item is not self._burst]
        await self._give_back(items, user_id, recipients)

    async def _give_back(self, items: list[RateLimitItem], user_id: str, recipients: int) -> None:
        for item in items:
            await self._storage.incr(item.key_for(user_id), item.get_expiry(), amount=-recipients)

    async def _limit_reached(self, item: RateLimitItem, period: str, user_id: str, recipients: int, tz: str) -> Refusal:
        stats = await self._limiter.get_window_stats(item, user_id)
        reset = datetime.fromtimestamp(stats.reset_time, UTC).astimezone(ZoneInfo(tz))
        return Refusal(
            Reason.LIMIT_REACHED,
            f"You have reached your limit of {item.amount} SMS {period} ({stats.remaining} left, "
            f"{recipients} needed). Try again after {reset:%H:%M %Z}.",
        )


class _OnTheAppsCluster(RedisClusterStorage):
    """`limits`' cluster storage on the app's cluster client. Each counter is one key (a fixed window), so
    it lives on one node whichever it is."""

    def __init__(self, cluster: RedisCluster) -> None:
        self._cluster = cluster
        super().__init__("async+redis+cluster://", implementation="redispy", key_prefix=KEY_PREFIX)

    def configure_bridge(self) -> None:
        """Instead of building a cluster client from the URI (`limits`' redis-py bridge keeps the client it
        talks through as `storage`, behind `connection_getter`)."""
        self.bridge.storage = self._cluster  # type: ignore[attr-defined]
        self.bridge.connection_getter = lambda _: self._cluster  # type: ignore[attr-defined]
