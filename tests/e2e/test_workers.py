"""WEB_CONCURRENCY: worker processes on one port, all on one Redis, all stopped by one SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack, FakeSocketMode, wait_for
from tests.e2e.harness import RedisServer, SlackRequests
from tests.e2e.test_flow import NUMBER, button_value, clicked, confirmation_for, replies_to, text_of
from tests.e2e.test_process import BotProcess, app_env


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


def workers_of(app: BotProcess) -> list[int]:
    """The app's worker processes; none once it has exited."""
    pid = app.process.pid
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_workers_share_the_port_and_redis_and_all_stop_on_sigterm_after_their_work(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis: RedisServer, tmp_path: Path
) -> None:
    app = BotProcess(app_env(slack, kaleyra, REDIS_URL=redis.url, WEB_CONCURRENCY="3"), tmp_path)
    try:
        workers = workers_of(app)
        assert len(workers) == 3
        for index in range(6):  # each request on a new connection, accepted by whichever worker is free
            url, click = slack.response_url(f"cmd{index}"), slack.response_url(f"click{index}")
            command, clicking = SlackRequests(app.url), SlackRequests(app.url)
            command.command(f'{NUMBER} "Hello {index}" in 2 hours', response_url=url)
            clicking.click("confirm_sms", button_value(confirmation_for(slack, url), "confirm_sms"), response_url=click)
            command.http.close()
            clicking.http.close()
            assert "Scheduled" in wait_for(lambda click=click: replies_to(slack, click))[0]["text"]
        kaleyra.gate = threading.Event()  # Kaleyra answers only once the workers are stopping
        url = slack.response_url("in-flight")
        app.command(f'{NUMBER} "In flight" in 2 hours', response_url=url)
        click = slack.response_url("click-in-flight")
        app.click("confirm_sms", button_value(confirmation_for(slack, url), "confirm_sms"), response_url=click)
        wait_for(lambda: len(kaleyra.requests) == 7)
        for pid in workers:  # platforms signal every process: each worker hears SIGTERM twice
            os.kill(pid, signal.SIGTERM)
        app.process.send_signal(signal.SIGTERM)
        wait_for(lambda: "finishing 1 background jobs" in app.output())  # stopping, with the send in flight
        kaleyra.gate.set()
        app.process.wait(timeout=60)
    finally:
        output = app.stop()
    assert app.process.returncode == 0, output
    assert "Scheduled" in replies_to(slack, click)[0]["text"]  # accepted work finished before the exit
    assert not any(alive(pid) for pid in workers)
    assert "3 workers serving" in output


def test_a_worker_that_dies_is_replaced_and_only_a_signal_stops_the_set(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis: RedisServer, tmp_path: Path
) -> None:
    app = BotProcess(app_env(slack, kaleyra, REDIS_URL=redis.url, WEB_CONCURRENCY="2"), tmp_path)
    try:
        first, second = workers_of(app)
        os.kill(first, signal.SIGKILL)  # killed, as the out-of-memory killer does
        [replacement] = wait_for(lambda: [pid for pid in workers_of(app) if pid not in (first, second)])
        assert alive(second) and app.process.poll() is None
        for index in range(4):  # both workers serve: the set kept its capacity
            url = slack.response_url(f"cmd{index}")
            SlackRequests(app.url).command(f'{NUMBER} "Hello {index}" in 2 hours', response_url=url)
            confirmation_for(slack, url)
    finally:
        output = app.stop()
    assert app.process.returncode == 0, output
    assert not alive(second) and not alive(replacement)
    assert f"worker {first} exited with -9: replaced by worker {replacement}" in output


def test_a_worker_that_keeps_dying_stops_the_set(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis: RedisServer, tmp_path: Path
) -> None:
    app = BotProcess(app_env(slack, kaleyra, REDIS_URL=redis.url, WEB_CONCURRENCY="2"), tmp_path)
    seen, killed = set(workers_of(app)), 0
    victim = min(seen)
    while app.process.poll() is None and killed < 10:
        os.kill(victim, signal.SIGKILL)
        killed += 1

        def replaced() -> list[int] | bool:  # the victim's replacement, or the set has stopped
            fresh = [pid for pid in workers_of(app) if pid not in seen] if app.process.poll() is None else []
            return fresh or app.process.poll() is not None

        if (found := wait_for(replaced)) is True:
            break
        victim = found[0]
        seen.add(victim)
    app.process.wait(timeout=60)
    output = app.stop()
    assert app.process.returncode != 0 and killed == 6
    assert "the 6th in a minute: stopping the others" in output


def test_a_worker_stopped_by_sigterm_before_its_parent_stops_the_set_cleanly(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis: RedisServer, tmp_path: Path
) -> None:
    """The platform signals every process, the parent not always first: a worker with nothing to finish
    can be gone before its parent hears the signal. That is a stop, not a crash."""
    app = BotProcess(app_env(slack, kaleyra, REDIS_URL=redis.url, WEB_CONCURRENCY="2"), tmp_path)
    first, second = workers_of(app)
    try:
        os.kill(first, signal.SIGTERM)  # maybe while it is still starting: it stops once it has
        app.process.wait(timeout=30)
    finally:
        if app.process.poll() is None:  # the set did not stop: nothing is left behind
            for pid in (app.process.pid, first, second):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        output = app.stop()
    assert app.process.returncode == 0, output
    assert not alive(second)
    assert f"worker {first} stopped: stopping the others" in output


def test_socket_mode_opens_one_connection_per_worker(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis: RedisServer, tmp_path: Path
) -> None:
    socket = FakeSocketMode()
    slack.socket_mode_url = socket.url
    env = app_env(slack, kaleyra, REDIS_URL=redis.url, WEB_CONCURRENCY="2",
                  SLACK_APP_TOKEN="xapp-1-A1-test-app-token-0123456789")  # fmt: skip
    try:
        app = BotProcess(env, tmp_path)
        assert wait_for(lambda: socket.connections == 2)
    finally:
        output = app.stop()
        socket.close()
    assert app.process.returncode == 0, output


def queue_runners(log: Path) -> list[int]:
    """The processes that said they run the shared queue, in order."""
    return [int(pid) for pid in re.findall(r"process (\d+) runs the shared queue", log.read_text())]


def test_one_worker_runs_the_shared_queue_and_its_replacement_takes_its_place(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis: RedisServer, tmp_path: Path
) -> None:
    """One poller per instance, however many workers; any worker still sends for its own clicks."""
    env = app_env(slack, kaleyra, REDIS_URL=redis.url, WEB_CONCURRENCY="2", HANDOFF_MINUTES="16",
                  QUEUE_POLL_SECONDS="0.2", KALEYRA_TYPE="TXN")  # fmt: skip
    app = BotProcess(env, tmp_path)
    log = tmp_path / "app.log"
    try:
        workers = workers_of(app)
        [runner] = wait_for(lambda: queue_runners(log))
        assert runner in workers and len(workers) == 2
        os.kill(runner, signal.SIGKILL)
        [_, replacement] = wait_for(lambda: len(queue_runners(log)) == 2 and queue_runners(log))
        assert replacement in workers_of(app) and replacement not in workers

        # a process of its own runs on real time: its hand-off is due a few seconds after Confirm
        send_at = (datetime.now(ZoneInfo("Asia/Kolkata")) + timedelta(minutes=16, seconds=6)).replace(microsecond=0)
        url = slack.response_url("cmd")
        app.command(f'{NUMBER} "Handed off by the queue" {send_at.isoformat()}', response_url=url)
        held = clicked(app, slack, "confirm_sms", button_value(confirmation_for(slack, url), "confirm_sms"))
        assert "Held by the app" in text_of(held["blocks"]) and kaleyra.requests == []
        [sent] = wait_for(lambda: kaleyra.requests, timeout=60)  # its hand-off, seconds on, by the queue
        assert sent.body["time"] == send_at.isoformat()
        news = wait_for(lambda: [post for post in slack.of("chat.postMessage") if post.get("channel") == "U1"])
        assert "Handed to Kaleyra" in text_of(news[0]["blocks"])

        now_url = slack.response_url("now")
        app.command(f'{NUMBER} "Sent by whichever worker took the click" now', response_url=now_url)
        sent_now = clicked(app, slack, "confirm_sms", button_value(confirmation_for(slack, now_url), "confirm_sms"))
        assert "Sent" in text_of(sent_now["blocks"]) and len(kaleyra.requests) == 2
    finally:
        output = app.stop()
    assert app.process.returncode == 0, output
    assert queue_runners(log) == [runner, replacement], "never more than one at a time, never none for long"
