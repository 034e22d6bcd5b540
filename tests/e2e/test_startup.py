"""`python -m bot` at start: one true line for each thing an operator can get wrong, then exit non-zero."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import BOT_TOKEN, KALEYRA_KEY, SIGNING_SECRET, RedisServer, free_port, health
from tests.e2e.test_process import ROOT, BotProcess, app_env, run_bot


def stopped_output(env: dict[str, str], cwd: Path, timeout: float = 30) -> tuple[int, list[str], float]:
    started = time.monotonic()
    process = run_bot(env, cwd)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()  # it should have stopped by itself: never leave it running
        process.communicate()
        raise
    assert BOT_TOKEN not in output and KALEYRA_KEY not in output and SIGNING_SECRET not in output
    return process.returncode, output.strip().splitlines(), time.monotonic() - started


def test_all_missing_settings_in_one_line_pointing_to_the_example(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    env = app_env(slack, kaleyra, LOG_LEVEL="verbose", KALEYRA_API_DOMAIN="https://api.in.kaleyra.io")
    for name in ("SLACK_SIGNING_SECRET", "KALEYRA_SID", "KALEYRA_SENDER"):
        del env[name]
    code, [line], _ = stopped_output(env, tmp_path)
    assert code == 2
    assert line.startswith(
        "schedule-sms: SLACK_SIGNING_SECRET (needed in HTTP mode, when SLACK_APP_TOKEN is unset), KALEYRA_SID, "
        "KALEYRA_SENDER are not set; "
    )
    assert "KALEYRA_API_DOMAIN is invalid: must be a host name such as api.in.kaleyra.io, without https://" in line
    assert "LOG_LEVEL is invalid" in line and line.endswith("(see .env.example)")


def test_a_wrong_or_revoked_bot_token_stops_the_app_at_start(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    slack.failing_methods["auth.test"] = "token_revoked"
    code, lines, _ = stopped_output(app_env(slack, kaleyra, PORT=str(free_port())), tmp_path)
    assert code == 1
    [error] = [line for line in lines if " ERROR " in line]
    assert error.endswith(
        "ERROR schedule_sms: Slack refused SLACK_BOT_TOKEN (token_revoked): copy the Bot User OAuth Token from the "
        "app's OAuth & Permissions page (reinstall the app if it was revoked)"
    )
    assert "Traceback" not in "\n".join(lines)


def test_a_refused_token_stops_every_worker_and_the_set_fails(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    slack.failing_methods["auth.test"] = "invalid_auth"
    redis = RedisServer()
    try:
        env = app_env(slack, kaleyra, PORT=str(free_port()), REDIS_URL=redis.url, WEB_CONCURRENCY="2")
        code, lines, _ = stopped_output(env, tmp_path)
    finally:
        redis.stop()
    assert code == 1
    assert any("Slack refused SLACK_BOT_TOKEN (invalid_auth)" in line for line in lines)
    assert "Traceback" not in "\n".join(lines)


def test_health_answers_while_slack_is_slow_to_check_the_token(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    """Slack holds auth.test: /healthz answers all the same, 503 "starting", then 200 once Slack answers."""
    asked, answer = threading.Event(), threading.Event()

    def hold(method: str) -> None:
        if method == "auth.test":
            asked.set()
            answer.wait(30)

    slack.on_call = hold
    port = free_port()
    process = run_bot(app_env(slack, kaleyra, PORT=str(port)), tmp_path)
    try:
        assert asked.wait(20)  # the check is under way, and Slack has not answered
        assert wait_for(lambda: health(port), timeout=20) == (503, {"ok": False, "error": "starting"})
        answer.set()
        assert wait_for(lambda: health(port) == (200, {"ok": True}), timeout=20)
    finally:
        answer.set()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    checking = output.index("checking SLACK_BOT_TOKEN with Slack (auth.test at 127.0.0.1, waiting up to 5 s)")
    assert checking < output.index("signed in to Slack")


def test_the_unedited_example_is_refused_at_start_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TZ")}
    code, [line], _ = stopped_output(keep, tmp_path)
    assert code == 2
    assert line == (
        "schedule-sms: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, KALEYRA_SID, KALEYRA_API_KEY, KALEYRA_SENDER still "
        "hold the placeholders from .env.example: set the real values (see .env.example)"
    )


def test_a_port_in_use_stops_the_app_at_once_naming_it(slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, [line], took = stopped_output(app_env(slack, kaleyra, PORT=str(port)), tmp_path)
    assert code == 1 and took < 10
    assert line.endswith(f"ERROR schedule_sms: port {port} is already in use: stop what listens there or set PORT")
    assert not slack.of("auth.test")  # nothing else was tried


def test_a_clean_start_says_who_it_is_and_warns_about_nothing(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    redis = RedisServer(persistent=True)  # as the app needs it: with its append-only file
    try:
        app = BotProcess(app_env(slack, kaleyra, REDIS_URL=redis.url), tmp_path)
        assert app.command("help", response_url=slack.response_url()).status_code == 200
        output = app.stop()
    finally:
        redis.close()
    assert app.process.returncode == 0
    assert len(slack.of("auth.test")) >= 1
    assert "signed in to Slack" in output and "serving Slack at" in output
    assert [line for line in output.splitlines() if " WARNING " in line or " ERROR " in line] == []


def test_socket_mode_needs_no_signing_secret(slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path) -> None:
    from tests.e2e.fakes import FakeSocketMode

    socket_mode = FakeSocketMode()
    slack.socket_mode_url = socket_mode.url
    env = app_env(slack, kaleyra, SLACK_APP_TOKEN="xapp-1-A1-test-app-token-0123456789", PORT=str(free_port()))
    del env["SLACK_SIGNING_SECRET"]
    process = run_bot(env, tmp_path)
    try:
        wait_for(lambda: socket_mode.connections, timeout=20)
        assert wait_for(lambda: health(int(env["PORT"])) == (200, {"ok": True}), timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        socket_mode.close()
    assert process.returncode == 0


def test_in_socket_mode_health_is_not_ok_while_the_connection_to_slack_is_down(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    from tests.e2e.fakes import FakeSocketMode

    socket_mode = FakeSocketMode()
    slack.socket_mode_url = socket_mode.url
    port = free_port()
    env = app_env(slack, kaleyra, SLACK_APP_TOKEN="xapp-1-A1-test-app-token-0123456789", PORT=str(port))
    process = run_bot(env, tmp_path)
    reconnected: FakeSocketMode | None = None
    try:
        assert wait_for(lambda: health(port) == (200, {"ok": True}), timeout=20)
        socket_mode.close()  # Slack goes away: the connection drops, and reconnecting fails
        down = wait_for(lambda: (answer := health(port)) is not None and answer[0] != 200 and answer, timeout=30)
        assert down == (503, {"ok": False, "error": "not connected to Slack (Socket Mode)"})
        reconnected = FakeSocketMode(socket_mode.port)  # Slack is back: the app reconnects, and is ready again
        assert wait_for(lambda: health(port) == (200, {"ok": True}), timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        if reconnected is not None:
            reconnected.close()
    assert process.returncode == 0
