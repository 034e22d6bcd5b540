"""The app on Redis as it is deployed at scale: a Cluster, a Sentinel-managed primary and its failover, a
replica or a demoted primary by mistake, and a persistent server that restarts."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import RedisServer, RunningApp, free_port
from tests.e2e.redis_deployments import RedisClusterSet, SentinelSet, answers
from tests.e2e.test_flow import NUMBER, button_value, clicked, replies_to, schedule, text_of

StartApp = Callable[..., RunningApp]


def health(app: RunningApp) -> int:
    return app.http.get("/healthz").status_code


def becomes(app: RunningApp, status: int) -> bool:
    """/healthz answers `status` (within a few of its one-second cached answers)."""
    return bool(wait_for(lambda: health(app) == status, timeout=15))


def told_storage_is_unreachable(app: RunningApp, slack: FakeSlack) -> str:
    url = slack.response_url("refused")
    app.command(f'{NUMBER} "Hello" in 2 hours', response_url=url)
    reply: str = text_of(wait_for(lambda: replies_to(slack, url)))
    assert "cannot reach its storage" in reply and "Check and confirm" not in reply
    return reply


def test_on_a_redis_cluster_the_app_is_healthy_and_keeps_commands_for_confirm(
    start_app: StartApp, slack: FakeSlack, redis_cluster: RedisClusterSet
) -> None:
    app = start_app(redis_url=redis_cluster.url)
    assert health(app) == 200
    confirmation = schedule(app, slack, f'{NUMBER} "Hello from a cluster" in 2 hours')
    assert "Hello from a cluster" in text_of(confirmation["blocks"])
    pending = button_value(confirmation, "confirm_sms")
    [kept] = [key for node in redis_cluster.nodes for key in answers(node, "KEYS", f"*{pending}*")]
    assert redis_cluster.primary_for(kept) in redis_cluster.nodes


def test_a_cluster_seed_list_is_tried_past_a_seed_that_is_down(
    start_app: StartApp, redis_cluster: RedisClusterSet
) -> None:
    live = redis_cluster.nodes[2]
    app = start_app(redis_url=f"redis+cluster://127.0.0.1:{free_port()},{live.address}")
    assert health(app) == 200


def test_under_sentinel_the_app_follows_a_failover_and_confirms_what_was_kept_before_it(
    start_app: StartApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    deployment = SentinelSet(replicas=2)  # after the failover, the promoted replica still has one of its own
    try:
        app = start_app(redis_url=deployment.url)
        assert health(app) == 200
        confirmation = schedule(app, slack, f'{NUMBER} "Before the failover" in 2 hours')
        deployment.sync_replicas()
        deployment.kill_primary()
        assert becomes(app, 200)
        outcome = clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
        assert "Scheduled" in outcome["text"]
        assert [request.body["body"] for request in kaleyra.requests] == ["Before the failover"]
        after = schedule(app, slack, f'{NUMBER} "After the failover" in 2 hours')
        assert "After the failover" in text_of(after["blocks"])
    finally:
        deployment.close()


def test_with_no_replica_left_to_acknowledge_nothing_is_held_or_sent_and_the_user_hears_why(
    start_app: StartApp, slack: FakeSlack, kaleyra: FakeKaleyra, sentinel_set: SentinelSet
) -> None:
    app = start_app(redis_url=sentinel_set.url, redis_durability_timeout_ms=200)
    confirmation = schedule(app, slack, f'{NUMBER} "Nobody to copy it" in 2 hours')
    sentinel_set.sync_replicas()
    sentinel_set.kill_primary()  # its only replica is now the primary, with no replica of its own
    assert becomes(app, 200)
    value = button_value(confirmation, "confirm_sms")
    refused = text_of(clicked(app, slack, "confirm_sms", value)["blocks"])
    assert "could not confirm it kept this SMS safe" in refused and "nothing is held and nothing was sent" in refused
    assert kaleyra.requests == []
    listing_url = slack.response_url("list")
    app.command("list", response_url=listing_url)
    assert "Nothing scheduled through the app yet" in text_of(wait_for(lambda: replies_to(slack, listing_url)))
    assert button_value(clicked(app, slack, "confirm_sms", value), "confirm_sms") == value, "kept: Confirm again"


def test_under_sentinel_the_app_follows_a_failover_that_leaves_the_old_primary_up_as_a_replica(
    start_app: StartApp, slack: FakeSlack, sentinel_set: SentinelSet
) -> None:
    app = start_app(redis_url=sentinel_set.url)
    assert "Check and confirm" in text_of(schedule(app, slack, f'{NUMBER} "Before" in 2 hours'))
    sentinel_set.fail_over()
    assert becomes(app, 200)
    assert "Check and confirm" in text_of(schedule(app, slack, f'{NUMBER} "After" in 2 hours'))


def test_an_instance_pointed_at_a_replica_is_unhealthy_and_users_hear_storage_is_unreachable(
    start_app: StartApp, slack: FakeSlack, sentinel_set: SentinelSet
) -> None:
    [replica] = sentinel_set.replicas()
    app = start_app(redis_url=replica.url)
    assert app.http.get("/healthz").json() == {"ok": False, "error": "storage unavailable"}
    assert health(app) == 503
    told_storage_is_unreachable(app, slack)


def test_an_instance_left_on_a_primary_demoted_by_failover_turns_unhealthy_while_sentinel_clients_follow(
    start_app: StartApp, slack: FakeSlack, sentinel_set: SentinelSet
) -> None:
    old = sentinel_set.primary()
    pinned = start_app(redis_url=old.url)
    following = start_app(redis_url=sentinel_set.url)
    assert health(pinned) == health(following) == 200
    sentinel_set.kill_primary()
    old.start()  # back, as a primary of its own until Sentinel makes it a replica of the new primary
    sentinel_set.demote(old)
    assert becomes(pinned, 503)
    assert health(following) == 200
    told_storage_is_unreachable(pinned, slack)
    assert "Check and confirm" in text_of(schedule(following, slack, f'{NUMBER} "Hello" in 2 hours'))


def test_a_persistent_redis_that_crashes_and_restarts_keeps_what_was_written(
    start_app: StartApp, slack: FakeSlack, kaleyra: FakeKaleyra, persistent_redis: RedisServer
) -> None:
    app = start_app(redis_url=persistent_redis.url)
    confirmation = schedule(app, slack, f'{NUMBER} "Kept across a restart" in 2 hours')
    with persistent_redis.client() as client:
        client.set("plain-key", "written before the crash")
    persistent_redis.kill()
    assert becomes(app, 503)
    persistent_redis.start()
    with persistent_redis.client() as client:
        assert client.get("plain-key") == "written before the crash"
    assert becomes(app, 200)
    outcome = clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    assert "Scheduled" in outcome["text"]
    assert [request.body["body"] for request in kaleyra.requests] == ["Kept across a restart"]


def test_a_cluster_that_lost_a_primary_without_replica_is_unhealthy_and_users_hear_it(
    start_app: StartApp, slack: FakeSlack, redis_cluster: RedisClusterSet
) -> None:
    app = start_app(redis_url=redis_cluster.url)
    assert health(app) == 200
    redis_cluster.nodes[0].kill()  # its slots have no replica to take them: the cluster is down
    assert becomes(app, 503)


def test_an_instance_started_while_no_cluster_node_answers_tells_users_and_serves_once_they_do(
    start_app: StartApp, slack: FakeSlack, redis_cluster: RedisClusterSet
) -> None:
    for node in redis_cluster.nodes:
        node.kill()  # the client has never had the slot map, and no seed node can give it
    app = start_app(redis_url=redis_cluster.url)
    assert health(app) == 503
    told_storage_is_unreachable(app, slack)
    for node in redis_cluster.nodes:
        node.start()  # each with the cluster's configuration it kept (nodes.conf)
    assert becomes(app, 200)
    confirmation = schedule(app, slack, f'{NUMBER} "Hello once it is back" in 2 hours')
    assert "Hello once it is back" in text_of(confirmation["blocks"])
