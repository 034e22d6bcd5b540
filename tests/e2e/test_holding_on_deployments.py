"""Held SMS on Redis as it is deployed at scale, through the real app: on a three-primary Cluster with two
instances, under Sentinel with the primary killed while its replicas lag behind, and on a persistent server
that restarts. Each SMS has its own owner, so what every user is told can be checked one by one.

The app's clock is moved (`RunningApp.advance`, as in tests/e2e/test_holding.py); the deployments are real
redis-servers (tests/e2e/redis_deployments.py).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core import keys
from bot.core.store import due_key
from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import RedisServer, RunningApp
from tests.e2e.redis_deployments import RedisClusterSet, SentinelSet, answers, settle
from tests.e2e.test_flow import NUMBER, button_value, clicked, confirmation_for, text_of
from tests.e2e.test_holding import HOLDING, IST, confirm, dms, listing
from tests.e2e.test_redis_deployments import becomes, told_storage_is_unreachable

StartApp = Callable[..., RunningApp]
HANDOFF = timedelta(minutes=30)
"""Long enough that a hand-off a few minutes late (after a failover) still goes with Kaleyra's `time`."""
AT_SCALE = HOLDING | {"handoff_minutes": 30}
HELD = "Held by the app"
HANDED = "Handed to Kaleyra"


def redis_server_version() -> tuple[int, ...]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    said = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(part) for part in said.split("v=", 1)[1].split()[0].split(".")[:2])


def needs_redis(version: tuple[int, int], mode: str) -> None:
    """Skip, saying why, where this machine's redis-server lacks what a deployment needs."""
    found = redis_server_version()
    if found < version:
        pytest.skip(f"redis-server {'.'.join(map(str, found))} lacks {mode} (Redis {version[0]}.{version[1]}+)")


def send_times(app: RunningApp, count: int) -> list[datetime]:
    """`count` send times a minute apart, the first a little past the hand-off window, in India's time."""
    first = (app.clock.now() + HANDOFF + timedelta(minutes=2)).astimezone(IST).replace(second=0, microsecond=0)
    return [first + timedelta(minutes=n) for n in range(count)]


def to_handoff(app: RunningApp, send_at: datetime) -> int:
    """Move the app's clock to just past the hand-off of an SMS due at `send_at` (unless it is there already),
    and run what is due; how many jobs ran."""
    return app.advance(max(timedelta(), send_at - HANDOFF + timedelta(seconds=1) - app.clock.now()))


def bodies(kaleyra: FakeKaleyra) -> Counter[str]:
    return Counter(request.body["body"] for request in kaleyra.requests)


@pytest.fixture
def cluster() -> Iterator[RedisClusterSet]:
    """Three primaries of their own, where redis-server can make them."""
    needs_redis((5, 0), "Redis Cluster created by redis-cli")
    deployment = RedisClusterSet()
    yield deployment
    deployment.close()


@pytest.fixture
def persistent_cluster() -> Iterator[RedisClusterSet]:
    """Three primaries whose nodes, killed and started again, have all they had."""
    needs_redis((5, 0), "Redis Cluster created by redis-cli")
    deployment = RedisClusterSet(persistent=True)
    yield deployment
    deployment.close()


@pytest.fixture
def sentinel_with_two_replicas() -> Iterator[SentinelSet]:
    """After a failover, the promoted replica still has one of its own to acknowledge holds and marks."""
    needs_redis((6, 0), "ACL users, which hold a replica back here")
    deployment = SentinelSet(replicas=2)
    yield deployment
    deployment.close()


def test_on_a_cluster_two_instances_hold_and_hand_off_each_sms_exactly_once(
    start_app: StartApp, slack: FakeSlack, kaleyra: FakeKaleyra, cluster: RedisClusterSet
) -> None:
    first, second = (start_app(redis_url=cluster.url, **AT_SCALE) for _ in range(2))
    instances = (first, second)
    assert len({cluster.primary_for(due_key(bucket)) for bucket in range(keys.BUCKETS)}) == 3, (
        "the due-queue's buckets spread over every primary"
    )
    times = send_times(first, 8)
    held: list[str] = []
    for n, send_at in enumerate(times):  # each through either instance: command, then Confirm
        reply = confirm(instances[n % 2], slack, send_at, body=f"Cluster SMS {n}", user=f"U{n}")
        assert HELD in text_of(reply["blocks"])
        held.append(button_value(reply, "held_cancel"))
    for record_id in held:  # a record and its job in one slot, on the node serving it
        node = cluster.primary_for(keys.of(record_id, "sms"))
        assert node is cluster.primary_for(due_key(keys.bucket_of(record_id)))
        assert answers(node, "ZSCORE", due_key(keys.bucket_of(record_id)), f"handoff:{record_id}") is not None
    assert "held by the app" in listing(second, slack, user="U0"), "an SMS confirmed on one instance, seen on the other"
    cancelled = clicked(second, slack, "held_cancel", held[0], user="U0")
    assert "Cancelled by <@U0>" in text_of(cancelled["blocks"])

    for app in instances:
        app.clock.advance(times[-1] - HANDOFF + timedelta(seconds=1) - app.clock.now())
    with ThreadPoolExecutor(len(instances)) as both:  # both instances run what is due, at the same moment
        ran = list(both.map(lambda app: app.run_due(), instances))
    assert sum(ran) == 7, "every held SMS's hand-off ran once, on one instance or the other"
    assert bodies(kaleyra) == Counter(f"Cluster SMS {n}" for n in range(1, 8)), "each sent once; the cancelled never"
    assert {request.body["body"]: request.body["time"] for request in kaleyra.requests} == {
        f"Cluster SMS {n}": send_at.isoformat() for n, send_at in enumerate(times) if n
    }
    for n in range(1, 8):
        told = wait_for(lambda n=n: dms(slack, f"U{n}"))
        assert len(told) == 1 and HANDED in told[0]
    for app in instances:
        app.advance(timedelta(hours=1))
    assert len(kaleyra.requests) == 7 and dms(slack, "U0") == []
    assert "handed to Kaleyra" in listing(first, slack, user="U3")


def test_a_cluster_out_of_reach_pauses_hand_offs_which_the_runner_takes_up_again_once_it_is_back(
    start_app: StartApp,
    slack: FakeSlack,
    kaleyra: FakeKaleyra,
    persistent_cluster: RedisClusterSet,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cluster = persistent_cluster
    # polled often; a claim whose answer was lost as the cluster came back is leased for 2 s, not 30
    app = start_app(redis_url=cluster.url, **AT_SCALE | {"queue_poll_seconds": 0.1, "queue_lease_seconds": 2})
    [send_at] = send_times(app, 1)
    assert HELD in text_of(confirm(app, slack, send_at)["blocks"])
    for node in cluster.nodes:
        node.kill()  # no node left to give the slot map: the client cannot even find the cluster
    assert becomes(app, 503)
    # the runner keeps trying, and the client has given up on the slot map it had
    assert wait_for(lambda: caplog.text.count("queued jobs paused: storage unavailable") >= 10)
    told_storage_is_unreachable(app, slack)
    assert "cannot reach its storage" in listing(app, slack)  # a plain read, not only a durable write

    async def pipelined() -> list[object]:  # as saved lists and batches read
        async with app.services.redis.pipeline(transaction=False) as pipe:
            pipe.get("any")
            return await pipe.execute()

    with pytest.raises(RedisConnectionError):
        app.call(pipelined())
    assert "unexpected" not in caplog.text
    for node in cluster.nodes:
        node.start()
    assert becomes(app, 200)
    # the runner's own loop, not a test's call, finds the hand-off due
    app.clock.advance(send_at - HANDOFF + timedelta(seconds=1) - app.clock.now())
    [sent] = wait_for(lambda: kaleyra.requests)
    assert sent.body["time"] == send_at.isoformat()
    [told] = wait_for(lambda: dms(slack))
    assert HANDED in told
    app.advance(timedelta(hours=1))
    assert len(kaleyra.requests) == 1


class CutOnce:
    """Kaleyra's hook: the first time it is called, the replicas stop receiving the primary's writes, while
    Kaleyra has the request and before it answers (so the app's record of the answer is on the primary only)."""

    def __init__(self, deployment: SentinelSet) -> None:
        self.deployment = deployment
        self.done = threading.Event()

    def __call__(self) -> None:
        if not self.done.is_set():
            self.deployment.cut_replication()
            self.done.set()


def test_a_primary_killed_mid_stream_with_its_replicas_behind_sends_none_twice_and_loses_none_told_held(
    start_app: StartApp, slack: FakeSlack, kaleyra: FakeKaleyra, sentinel_with_two_replicas: SentinelSet
) -> None:
    """20 SMS held and handed off around a failover under Sentinel. The durable hold means every "held" is on
    a replica; the durable "handing off" mark means the SMS at Kaleyra when the replicas fell behind is not
    held on the promoted replica (it would be handed off again), and a mark that cannot be made durable is
    never followed by a call to Kaleyra."""
    deployment = sentinel_with_two_replicas
    # a write's replicas are waited for up to 1 s (the writes made while they are cut off wait it out): 300 ms
    # was once too short for a replica on a loaded machine to acknowledge the first hold
    app = start_app(redis_url=deployment.url, **AT_SCALE, kaleyra_timeout_seconds=30, redis_durability_timeout_ms=1000)
    times = send_times(app, 20)
    owners = [f"U{n}" for n in range(20)]
    for n, send_at in enumerate(times):
        reply = confirm(app, slack, send_at, body=f"SMS {n}", user=owners[n])
        assert HELD in text_of(reply["blocks"]), f"SMS {n}"
    late_url = slack.response_url("late")  # a request waiting for Confirm, kept before the replicas fall behind
    app.command(f'{NUMBER} "SMS 20" {times[-1].isoformat()}', response_url=late_url, user="U20")
    late_confirm = button_value(confirmation_for(slack, late_url), "confirm_sms")

    for n in range(8):
        assert to_handoff(app, times[n]) == 1
    assert bodies(kaleyra) == Counter(f"SMS {n}" for n in range(8))

    cut = CutOnce(deployment)
    kaleyra.on_request = cut
    to_handoff(app, times[8])  # Kaleyra takes SMS 8; its answer is recorded on the primary alone
    assert cut.done.is_set() and len(kaleyra.requests) == 9
    for n in (9, 10, 11):  # their "handing off" marks reach no replica: Kaleyra is not called
        to_handoff(app, times[n])
    assert len(kaleyra.requests) == 9
    refused = text_of(clicked(app, slack, "confirm_sms", late_confirm, user="U20")["blocks"])
    assert "could not confirm it kept this SMS safe" in refused and "nothing is held and nothing was sent" in refused

    promoted = deployment.kill_primary()
    settle(lambda: int((answers(promoted, "INFO", "replication") or {}).get("connected_slaves", 0)) >= 1,
           "the other replica to follow the promoted one")  # fmt: skip
    assert becomes(app, 200)
    assert "held by the app" in listing(app, slack, user="U9")
    again = clicked(app, slack, "confirm_sms", late_confirm, user="U20")
    assert HELD in text_of(again["blocks"]), "kept, as the user was told: confirmed again after the failover"

    app.advance(timedelta(minutes=2))  # past the lease of SMS 8's send, and the retries' pauses
    for send_at in times[12:]:
        to_handoff(app, send_at)
    app.advance(timedelta(hours=1))

    assert bodies(kaleyra) == Counter(f"SMS {n}" for n in range(21)), "every SMS told held went once, none twice"
    for n, owner in enumerate(owners):
        told = dms(slack, owner)
        if n == 8:  # at Kaleyra, but the promoted replica never learnt Kaleyra's answer: never sent again by itself
            handed, unknown = told
            assert (
                HANDED in handed and "outcome is unknown" in unknown and "will not be sent again by itself" in unknown
            )
        else:
            assert len(told) == 1 and HANDED in told[0], f"SMS {n}: {told}"
    [u20] = dms(slack, "U20")
    assert HANDED in u20


@pytest.mark.parametrize("how", ["stopped", "crashed"])
def test_a_held_sms_survives_a_restart_of_a_persistent_redis_and_is_handed_off_once(
    start_app: StartApp, slack: FakeSlack, kaleyra: FakeKaleyra, persistent_redis: RedisServer, how: str
) -> None:
    before = start_app(redis_url=persistent_redis.url, **AT_SCALE)
    [send_at, later] = send_times(before, 2)
    first = button_value(confirm(before, slack, send_at, body="Held across a restart", user="U1"), "held_cancel")
    confirm(before, slack, later, body="Held too", user="U2")
    before.close()
    persistent_redis.stop() if how == "stopped" else persistent_redis.kill()
    persistent_redis.start()

    after = start_app(redis_url=persistent_redis.url, **AT_SCALE)
    assert becomes(after, 200)
    shown = listing(after, slack, user="U1")
    assert "held by the app" in shown and first in shown
    to_handoff(after, later)
    after.advance(timedelta(hours=1))
    assert bodies(kaleyra) == Counter(["Held across a restart", "Held too"])
    for owner in ("U1", "U2"):
        [told] = wait_for(lambda owner=owner: dms(slack, owner))
        assert HANDED in told
