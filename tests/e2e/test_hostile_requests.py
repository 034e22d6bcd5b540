"""Requests an attacker (or a broken client) would send, through the real app over HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.core.delivery import Report
from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import RedisServer, RunningApp, signed_headers
from tests.e2e.test_delivery import FAST, callback, send, updates
from tests.e2e.test_flow import NUMBER, replies_to, schedule, text_of

PRIVATE = f"text={NUMBER}+%22secret+body%22+tomorrow&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&token=verif"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record from every logger, libraries included, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    return caplog


def no_body_and_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    everything = "\n".join(record.getMessage() for record in caplog.records)
    assert "secret body" not in everything and "secret+body" not in everything and "hooks.slack.com" not in everything
    assert [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "9" * 5000, ""])
def test_odd_timestamps_get_401_without_a_traceback(
    app: RunningApp, logged: pytest.LogCaptureFixture, timestamp: str
) -> None:
    headers = signed_headers(PRIVATE) | {"X-Slack-Request-Timestamp": timestamp}
    answer = app.http.post("/slack/events", content=PRIVATE, headers=headers)
    assert answer.status_code == 401 and answer.json() == {"error": "invalid request"}
    no_body_and_no_traceback(logged)


def test_unsigned_and_late_requests_never_reach_the_log(
    app: RunningApp, slack: FakeSlack, logged: pytest.LogCaptureFixture
) -> None:
    forged = PRIVATE + "%0A2026-11-25 10:00:00,000 INFO schedule_sms.audit: sms_confirmed"
    assert app.post_signed(forged, secret="forged-secret-0123456789").status_code == 401
    assert app.post_signed(PRIVATE, timestamp=int(time.time()) - 3600).status_code == 401  # genuine but late
    assert app.http.post("/slack/events", content=PRIVATE).status_code == 401
    no_body_and_no_traceback(logged)
    assert "sms_confirmed" not in "\n".join(record.getMessage() for record in logged.records)
    assert slack.calls == []


def test_deeply_nested_json_gets_400_without_a_traceback(app: RunningApp, logged: pytest.LogCaptureFixture) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    answer = app.post_signed(urlencode({"payload": nested}))
    assert answer.status_code == 400 and answer.text == "malformed request"
    assert [record for record in logged.records if record.exc_info] == []


def test_slow_bodies_are_cut_off_and_logged_once(start_app: Any, logged: pytest.LogCaptureFixture) -> None:
    app = start_app(body_timeout_seconds=0.5)
    senders = [socket.create_connection(("127.0.0.1", app.port), timeout=15) for _ in range(2)]
    started = time.monotonic()
    for sender in senders:
        sender.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                       b"Content-Type: application/x-www-form-urlencoded\r\n\r\ntext=slow")  # fmt: skip
    answers = [sender.recv(200) for sender in senders]
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers)
    assert time.monotonic() - started < 5
    for sender in senders:  # once the sender stops sending, the app closes the connection (no keep-alive);
        sender.shutdown(socket.SHUT_WR)  # a sender that just stays silent is cut off by aiohttp's 10 s linger
        while sender.recv(4096):
            pass
        sender.close()
    slow = [record for record in logged.records if "BODY_TIMEOUT_SECONDS" in record.getMessage()]
    assert len(slow) == 1 and "0.5 s" in slow[0].getMessage()
    assert [record for record in logged.records if record.exc_info or record.levelno >= logging.ERROR] == []
    assert app.http.get("/healthz").status_code == 200


def test_public_answers_name_no_versions_and_no_job_counts(app: RunningApp) -> None:
    answer = app.http.get("/healthz")
    assert answer.json() == {"ok": True}
    assert answer.headers["Server"] == "schedule-sms"
    assert app.http.get("/nowhere").headers["Server"] == "schedule-sms"
    with socket.create_connection(("127.0.0.1", app.port), timeout=5) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        head = raw.recv(1000).decode()
    assert head.startswith("HTTP/1.0 400") and "Server: schedule-sms\r\n" in head and "aiohttp" not in head


def test_a_misspelt_subcommand_is_answered_with_a_suggestion(app: RunningApp, slack: FakeSlack) -> None:
    for typed, meant in (("lsit", "list"), ("hepl", "help"), ("lst", "list")):
        answer = app.command(typed, response_url=slack.response_url())
        assert answer.text == f"`{typed}` is not a `/schedule-sms` command: did you mean `{meant}`?"
    time.sleep(0.2)
    assert slack.of("views.open") == []


def test_a_nul_in_a_message_is_refused_with_the_reason(app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    url = slack.response_url("cmd")
    app.command(f'{NUMBER} "Hello\x00there" in 2 hours', response_url=url)
    view = wait_for(lambda: slack.of("views.open"))[0]["view"]
    shown = text_of(json.loads(view) if isinstance(view, str) else view)
    assert "control character (U+0000 NUL)" in shown
    assert kaleyra.requests == []


def test_callback_status_text_is_bounded_escaped_and_does_not_flap(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**FAST | {"status_first_check_seconds": 3600})
    send(app, slack)
    first, _ = kaleyra.message_ids()
    hostile = "<!channel> " + "x" * 450_000
    assert callback(app, "json", id=first, status=hostile, status_trace="y" * 450_000).json()["recorded"] is True
    [update] = wait_for(lambda: slack.of("chat.update"))
    assert "<!channel>" not in update["text"] and "&lt;!Channel" in update["text"]
    assert "<!channel>" not in text_of(update["blocks"]) and len(update["text"]) < 200
    stored = app.services.store
    record_id = app.call(stored.find(Report(first, "Sent")))
    record = app.call(stored.get(record_id)) if record_id else None
    assert record is not None and len(record.to_json()) < 5000
    for status in ("Queued", "Buffered", "Queued", "Buffered"):  # each answered once its post is updated
        callback(app, "json", id=first, status=status)
    assert len(slack.of("chat.update")) == 1  # unknown words never replace each other
    assert "1 Scheduled" in updates(slack)[0]


def test_storage_restarts_without_failing_the_next_command(
    app: RunningApp, slack: FakeSlack, redis_server: RedisServer
) -> None:
    schedule(app, slack, f'{NUMBER} "Before" in 2 hours')
    redis_server.stop()
    redis_server.start()
    url = slack.response_url("after")
    app.command(f'{NUMBER} "After the restart" in 2 hours', response_url=url)
    [reply] = wait_for(lambda: replies_to(slack, url))
    assert "After the restart" in text_of(reply["blocks"])


def test_healthz_flood_does_not_starve_users_or_callbacks(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    """200 connections flood /healthz while a user schedules and a delivery report arrives."""
    app = start_app(**FAST | {"status_first_check_seconds": 3600, "redis_max_connections": 4})
    statuses: list[int] = []
    flooding = threading.Event()
    stop = threading.Event()

    def flood() -> None:
        async def connection(session: aiohttp.ClientSession, deadline: float) -> None:
            for _ in range(100):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                async with session.get(f"{app.url}/healthz") as answer:
                    statuses.append(answer.status)
                    flooding.set()

        async def run() -> None:
            deadline = time.monotonic() + 30
            connector = aiohttp.TCPConnector(limit=200)
            timeout = aiohttp.ClientTimeout(total=30)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                await asyncio.gather(*(connection(session, deadline) for _ in range(200)))

        asyncio.run(run())

    flooder = threading.Thread(target=flood, daemon=True)
    flooder.start()
    try:
        assert flooding.wait(10)
        post = send(app, slack)
        first, second = kaleyra.message_ids()
        answer = callback(app, "json", id=first, status="Delivered")
        assert answer.status_code == 200 and answer.json() == {"ok": True, "recorded": True}
        assert callback(app, "form", id=second, status="Delivered").json()["recorded"] is True
        wait_for(lambda: any("2 Delivered" in update for update in updates(slack)))
        assert "scheduled an SMS" in text_of(post["blocks"])
    finally:
        stop.set()
        flooder.join(40)
    assert len(statuses) >= 200
    assert set(statuses) == {200}
