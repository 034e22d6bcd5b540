from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack
from tests.e2e.harness import RedisServer, RunningApp, make_settings, release_ports
from tests.e2e.redis_deployments import RedisClusterSet, SentinelSet


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def ports_reserved_for_the_test() -> Iterator[None]:
    """The ports the test took with `free_port` are let go once it and its fixtures have ended."""
    yield
    release_ports()


@pytest.fixture
def persistent_redis() -> Iterator[RedisServer]:
    """A redis-server of its own with the append-only file on and flushed at every write, so even a crash
    of it loses nothing; restartable on the same data."""
    server = RedisServer(persistent=True, config=["appendfsync always"])
    yield server
    server.close()


@pytest.fixture
def redis_cluster() -> Iterator[RedisClusterSet]:
    """A Redis Cluster of three primaries of its own."""
    deployment = RedisClusterSet()
    yield deployment
    deployment.close()


@pytest.fixture
def sentinel_set() -> Iterator[SentinelSet]:
    """A primary, a replica and three sentinels of its own."""
    deployment = SentinelSet()
    yield deployment
    deployment.close()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()
    assert fake.invalid == [], "the app sent Block Kit that slack_sdk's models reject"


@pytest.fixture
def kaleyra() -> Iterator[FakeKaleyra]:
    fake = FakeKaleyra()
    yield fake
    fake.close()


@pytest.fixture
def start_app(slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer) -> Iterator[Callable[..., RunningApp]]:
    """Start an instance of the app on the shared real Redis (call again for a second instance)."""
    redis_server.flush()
    apps: list[RunningApp] = []

    def start(redis_url: str | None = redis_server.url, **overrides: Any) -> RunningApp:
        app = RunningApp(make_settings(slack.api_url, kaleyra.url, redis_url, **overrides))
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.close()


@pytest.fixture
def app(start_app: Callable[..., RunningApp]) -> RunningApp:
    return start_app()
