"""Data of the release before bucketed keys, written as it wrote them, moved once into today's layout."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from bot.core import keys
from bot.core.jobs import CHECK, HANDOFF
from bot.core.migrate import migrate
from bot.core.outcomes import Result
from bot.core.pending import Pending
from bot.core.records import State
from tests.unit.world import NOW, World, request

OLD_RECORD = {
    "id": "held-one", "user_id": "U1", "channel_id": "C1", "tz": "Asia/Kolkata", "route": "TXN",
    "send_at": (NOW + timedelta(hours=5)).isoformat(), "created_at": NOW.isoformat(), "body_digest": "d",
    "batch_ids": [], "messages": {}, "body": None, "post_channel": "C1", "post_ts": "1.2", "checks": 0,
    "state": "held", "to": ["+919876500000"], "handoff_at": (NOW + timedelta(hours=4)).isoformat(),
    "acted_by": "", "note": "", "series": "", "occurrence": 0,
}  # fmt: skip


def test_an_earlier_releases_data_is_moved_once_and_goes_on_as_before() -> None:
    async def scenario(world: World) -> None:
        redis = world.redis
        held = Pending(request(timedelta(hours=5)), "U1", "C1", "Asia/Kolkata")
        await redis.set("schedule-sms:sms:held-one", json.dumps(OLD_RECORD), ex=3600)
        await redis.set("schedule-sms:held:held-one", held.to_json(), ex=3600)
        sending = OLD_RECORD | {"id": "mid-send", "state": "handing_off"}
        await redis.set("schedule-sms:sms:mid-send", json.dumps(sending), ex=3600)
        await redis.zadd("schedule-sms:jobs:due", {"handoff:held-one": (NOW + timedelta(hours=4)).timestamp()})
        await redis.zadd("schedule-sms:jobs:due", {"handoff:mid-send": NOW.timestamp()})
        await redis.zadd("schedule-sms:status:due", {"sent-long-ago": NOW.timestamp()})
        await redis.set("schedule-sms:pending:waiting", held.to_json(), ex=600)
        await redis.set("schedule-sms:pending:claimed", held.to_json(), ex=600)
        await redis.set("schedule-sms:claim:claimed", "sending|abc", ex=600)

        assert await migrate(world.store) == 6  # two SMS, one request, three jobs
        assert await migrate(world.store) == 0, "once"
        assert [name async for name in redis.scan_iter(match="schedule-sms:*") if "{" not in name] == []

        moved = await world.record("held-one")
        assert moved.phase is State.HELD and moved.schedule == held.request and moved.post_ts == "1.2"
        assert await world.due(HANDOFF, "held-one") == NOW + timedelta(hours=4)
        assert await world.due(CHECK, "sent-long-ago") == NOW
        assert await world.pending.get("waiting") == held
        assert await world.pending.get("claimed") is None, "a request the old Confirm claimed never sends again"
        assert (await redis.get(keys.of("claimed", "sms"))) is None

        await world.advance(timedelta(seconds=1))  # the send that was under way: its owner cannot be known
        [told] = world.told
        assert told.record is not None and told.record.id == "mid-send" and told.record.phase is State.UNCERTAIN
        await world.advance(timedelta(hours=4))
        assert len(world.kaleyra.sent) == 1 and (await world.record("held-one")).phase is State.HANDED_OFF
        assert (await world.outbox.confirm("waiting", "U1")).result is Result.DONE

    asyncio.run(scenario(World()))
