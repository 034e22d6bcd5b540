"""How many worker processes WEB_CONCURRENCY gets: only as many as are safe."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest
from aiohttp import web

from bot import workers
from tests.unit.test_validation import settings

REDIS = "redis://127.0.0.1:6379/0"


def test_one_worker_by_default() -> None:
    assert workers.count(settings(redis_url=REDIS)) == 1


def test_as_many_workers_as_asked_when_they_share_redis() -> None:
    assert workers.count(settings(redis_url=REDIS, web_concurrency=4)) == 4


def test_one_worker_on_the_in_memory_store_since_it_is_not_shared(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert workers.count(settings(web_concurrency=4)) == 1
    assert "WEB_CONCURRENCY=4 needs a shared Redis" in caplog.text


def test_socket_mode_opens_no_more_connections_than_slack_allows(caplog: pytest.LogCaptureFixture) -> None:
    socket_mode = settings(redis_url=REDIS, web_concurrency=12, slack_app_token="xapp-1-A1-unit")
    with caplog.at_level(logging.WARNING):
        assert workers.count(socket_mode) == workers.SOCKET_MODE_MAX_CONNECTIONS == 10
    assert "Slack allows 10" in caplog.text


def test_after_the_first_stop_signal_later_ones_are_ignored_until_exit_even_once_the_loop_has_closed() -> None:
    """A worker's loop closes before the process exits, and a closing loop puts back the default action,
    which would kill the process (exit -15) on a late SIGTERM from the parent or the platform."""
    previous = {signum: signal.getsignal(signum) for signum in workers.STOP_SIGNALS}

    async def serve() -> None:
        workers.on_first_signal(workers.graceful_exit)
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)  # at once, as from the platform and the parent
        await asyncio.sleep(5)

    try:
        with pytest.raises(web.GracefulExit):
            asyncio.run(serve())
        assert [signal.getsignal(signum) for signum in workers.STOP_SIGNALS] == [signal.SIG_IGN] * 2
        os.kill(os.getpid(), signal.SIGTERM)  # after the loop: ignored, this process goes on
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def test_a_stop_signal_while_the_process_starts_is_acted_on_once_it_has_started() -> None:
    """Stopping in the middle of the start-up steps would cut them short; the signal is not lost either."""
    previous = {signum: signal.getsignal(signum) for signum in workers.STOP_SIGNALS}
    acted: list[str] = []

    async def serve() -> list[str]:
        started = asyncio.Event()
        workers.on_first_signal(lambda: acted.append("stop"), started)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)
        assert acted == [], "still starting: nothing stops yet"
        started.set()
        await asyncio.sleep(0.05)
        return acted

    try:
        assert asyncio.run(serve()) == ["stop"]
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
