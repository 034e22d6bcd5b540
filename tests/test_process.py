"""`python -m bot` as a process: clear start-up errors, health, and a clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes import FakeKaleyra, FakeSlack
from tests.harness import BOT_TOKEN, KALEYRA_KEY, SID, SIGNING_SECRET, RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]


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
        **extra,
    }


@pytest.fixture
def tmp_cwd(tmp_path: Path) -> Path:
    return tmp_path  # no .env there: only the given environment counts


def run_bot(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], env={**env, "PYTHONPATH": str(ROOT)}, cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
            except httpx.TransportError:
                time.sleep(0.1)
        assert status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert ("in-process store" in output) is not with_redis
    assert KALEYRA_KEY not in output and BOT_TOKEN not in output and SIGNING_SECRET not in output
