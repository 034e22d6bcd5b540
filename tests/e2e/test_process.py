"""`python -m bot` as a process: clear start-up errors, health, and a clean SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack, KaleyraReply, wait_for
from tests.e2e.harness import (
    BOT_TOKEN,
    KALEYRA_KEY,
    SID,
    SIGNING_SECRET,
    RedisServer,
    SlackRequests,
    fetch,
    free_port,
    healthy,
)
from tests.e2e.test_flow import NUMBER, button_value, confirmation_for, replies_to, text_of

ROOT = Path(__file__).resolve().parents[2]


def app_env(slack: FakeSlack, kaleyra: FakeKaleyra, **extra: str) -> dict[str, str]:
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TZ")}
    return {
        **keep,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "KALEYRA_SID": SID,
        "KALEYRA_API_KEY": KALEYRA_KEY,
        "KALEYRA_BASE_URL": kaleyra.url,
        "KALEYRA_SENDER": "KLRHXA",
        "HANDOFF_MINUTES": "200000",  # sent at Confirm, as in tests/e2e/harness.py
        **extra,
    }


@pytest.fixture
def tmp_cwd(tmp_path: Path) -> Path:
    return tmp_path  # no .env there: only the given environment counts


def run_bot(env: dict[str, str], cwd: Path, output: IO[str] | None = None) -> subprocess.Popen[str]:
    """Start the app; its output goes to `output` (a file: a pipe nobody reads would fill up) or a pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], env={**env, "PYTHONPATH": str(ROOT)}, cwd=cwd,
        stdout=output or subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("missing_or_bad", "expected"),
    [
        ({"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN is not set"),
        ({"KALEYRA_TYPE": "OTP"}, "KALEYRA_TYPE is invalid"),
        ({"DEFAULT_COUNTRY": "XX"}, "DEFAULT_COUNTRY is invalid"),
        ({"PORT": "seventy"}, "PORT is invalid"),
    ],
)
def test_bad_settings_stop_the_app_with_one_clear_line(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_cwd: Path, missing_or_bad: dict[str, str | None], expected: str
) -> None:
    env = app_env(slack, kaleyra)
    for key, value in missing_or_bad.items():
        if value is None:
            env.pop(key)
        else:
            env[key] = value
    process = run_bot(env, tmp_cwd)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    [line] = output.strip().splitlines()
    assert line.startswith(f"schedule-sms: {expected}")
    assert KALEYRA_KEY not in output and BOT_TOKEN not in output


@pytest.fixture
def process_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


@pytest.mark.parametrize("with_redis", [True, False])
def test_starts_serves_health_and_stops_on_sigterm(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_cwd: Path, process_redis: RedisServer, with_redis: bool
) -> None:
    port = free_port()
    extra = {"PORT": str(port)} | ({"REDIS_URL": process_redis.url} if with_redis else {})
    process = run_bot(app_env(slack, kaleyra, **extra), tmp_cwd)
    try:
        assert wait_for(lambda: healthy(port), timeout=20)
        # the collector, off while the app starts, runs once it serves (scrapes allocate, and it runs)
        first = youngest_collections(port)
        assert wait_for(lambda: youngest_collections(port) > first, timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert ("running a private redis-server" in output) is not with_redis
    assert KALEYRA_KEY not in output and BOT_TOKEN not in output and SIGNING_SECRET not in output


def youngest_collections(port: int) -> float:
    """How many times the process's collector has run on its youngest generation, from /metrics."""
    metrics = fetch(f"http://127.0.0.1:{port}/metrics").text
    [count] = re.findall(r'^python_gc_collections_total\{generation="0"\} (\S+)$', metrics, re.MULTILINE)
    return float(count)


def test_two_sigterms_at_once_still_stop_cleanly(slack: FakeSlack, kaleyra: FakeKaleyra, tmp_cwd: Path) -> None:
    """`make run` stopped by a signal to its process group: make passes SIGTERM on in the same instant."""
    app = BotProcess(app_env(slack, kaleyra), tmp_cwd)
    app.process.send_signal(signal.SIGTERM)
    app.process.send_signal(signal.SIGTERM)
    output = app.stop()
    assert app.process.returncode == 0, output
    assert "Unclosed" not in output and "Traceback" not in output


class BotProcess(SlackRequests):
    """`python -m bot` in HTTP mode, waited on until /healthz answers."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.log_path = cwd / "app.log"
        self.log = self.log_path.open("w+")
        self.process = run_bot({**env, "PORT": str(self.port)}, cwd, self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(self.url)
        assert wait_for(lambda: healthy(self.port), timeout=20), "the app did not become healthy"

    def output(self) -> str:
        """What the app has written so far."""
        return self.log_path.read_text()

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)  # not sent if it has exited already
        self.process.wait(timeout=60)
        self.log.seek(0)
        output = self.log.read()
        self.log.close()
        return output


def test_no_secret_leaks_from_any_path_and_audit_lines_are_json(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_cwd: Path
) -> None:
    redis = RedisServer(password="redis-password-0123456789")
    env = app_env(slack, kaleyra, REDIS_URL=redis.url, LOG_LEVEL="DEBUG", LOG_FORMAT="json",
                  KALEYRA_TIMEOUT_SECONDS="1", KALEYRA_MAX_RETRIES="1")  # fmt: skip
    app = BotProcess(env, tmp_cwd)
    try:
        echoing = {"code": "E401", "message": f"Invalid key {KALEYRA_KEY}", "error": {"api-key": KALEYRA_KEY}}
        kaleyra.script = [
            KaleyraReply(status=401, body=echoing),
            KaleyraReply(delay=1.5),
            KaleyraReply(status=200, body=b"garbage"),
            KaleyraReply(status=503, body=b"busy", headers={"Retry-After": "0"}),
            KaleyraReply(status=503, body=b"busy", headers={"Retry-After": "0"}),
        ]
        app.post_signed("command=%2Fschedule-sms&text=help", secret="forged")
        app.post_signed("payload=not-json")
        app.command("help", response_url=slack.response_url())
        app.command('12 "x" whenever', response_url=slack.response_url())
        for _ in range(5):
            url = slack.response_url("cmd")
            app.command(f'{NUMBER} "Hello" in 2 hours', response_url=url)
            confirmation = confirmation_for(slack, url)
            click = slack.response_url("click")
            app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click)
            wait_for(lambda click=click: replies_to(slack, click))
        app.command(f'{NUMBER} "Hello" in 2 hours', response_url=slack.response_url())
        redis.stop()
        down = slack.response_url("down")
        app.command(f'{NUMBER} "Hello" in 2 hours', response_url=down)
        wait_for(lambda: replies_to(slack, down))
        assert app.http.get("/healthz").status_code == 503
    finally:
        output = app.stop()
        redis.stop()
    everything = output + text_of([call.params for call in slack.calls])
    for secret in (KALEYRA_KEY, BOT_TOKEN, SIGNING_SECRET, "redis-password-0123456789"):
        assert secret not in everything
    assert "E401" in text_of([call.params for call in slack.calls])
    audits = [json.loads(line) for line in output.splitlines() if '"sms_sent"' in line]
    assert [audit["outcome"] for audit in audits] == ["failed", "uncertain", "uncertain", "failed", "scheduled"]
    assert all(audit["recipients"] == ["+91•••••43210"] and audit["user"] == "U1" for audit in audits)


def test_sigterm_finishes_work_in_flight(slack: FakeSlack, kaleyra: FakeKaleyra, tmp_cwd: Path) -> None:
    app = BotProcess(app_env(slack, kaleyra), tmp_cwd)
    kaleyra.gate = threading.Event()  # Kaleyra answers only once the app is stopping
    url = slack.response_url("cmd")
    app.command(f'{NUMBER} "Hello" in 2 hours', response_url=url)
    confirmation = confirmation_for(slack, url)
    click = slack.response_url("click")
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click)
    wait_for(lambda: kaleyra.requests)
    app.process.send_signal(signal.SIGTERM)
    wait_for(lambda: "finishing 1 background jobs" in app.output())  # stopping, with the send in flight
    kaleyra.gate.set()
    app.process.wait(timeout=60)
    app.stop()
    assert app.process.returncode == 0
    assert "Scheduled" in replies_to(slack, click)[0]["text"]
    assert len(kaleyra.requests) == 1


def test_socket_mode_takes_commands_over_the_websocket(slack: FakeSlack, kaleyra: FakeKaleyra, tmp_cwd: Path) -> None:
    from tests.e2e.fakes import FakeSocketMode

    socket = FakeSocketMode()
    slack.socket_mode_url = socket.url
    try:
        app = BotProcess(app_env(slack, kaleyra, SLACK_APP_TOKEN="xapp-1-A1-test-app-token-0123456789"), tmp_cwd)
        wait_for(lambda: socket.connections)
        url = slack.response_url("socket")
        command = {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/schedule-sms",
                   "text": f'{NUMBER} "Over the socket" in 2 hours', "response_url": url, "trigger_id": "t1",
                   "api_app_id": "A1"}  # fmt: skip
        socket.push({"envelope_id": "env-1", "type": "slash_commands", "payload": command,
                     "accepts_response_payload": True})  # fmt: skip
        (ack,) = wait_for(lambda: [ack for ack in socket.acks if ack.get("envelope_id") == "env-1"])
        confirmation = ack["payload"]  # the confirmation is the ack's payload, as over HTTP it is its body
        assert "Over the socket" in text_of(confirmation["blocks"])
        assert app.http.post("/slack/events", content="x").status_code == 404  # no HTTP events in Socket Mode
    finally:
        output = app.stop()
        socket.close()
    assert app.process.returncode == 0
    assert "xapp-1-A1-test-app-token-0123456789" not in output
