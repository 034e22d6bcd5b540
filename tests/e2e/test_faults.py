"""Bad input, forged requests, Kaleyra failing, Redis going away: clear words, nothing lost or doubled."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack, KaleyraReply, opened_view, wait_for
from tests.e2e.harness import RedisServer, RunningApp
from tests.e2e.test_flow import NUMBER, button_value, replies_to, schedule, text_of

ERROR_E401 = {"code": "E401", "message": "Invalid API key", "error": {"api-key": "Invalid API key"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Hello" tomorrow 5pm', "Add at least one phone number"),
        ('12345 "Hello" tomorrow 5pm', "12345"),
        ('+91123 "Hello" tomorrow 5pm', "+91123"),
        ('+999123456789 "Hello" tomorrow 5pm', "+999123456789"),
        (" ".join(f"+9198765{i:05d}" for i in range(301)) + ' "Hi" tomorrow 5pm', "more than the 300 allowed"),
        (f'{NUMBER} "" tomorrow 5pm', "The message is empty"),
        (f'{NUMBER} "{"x" * 1000}" tomorrow 5pm', "the limit is 6 SMS"),
        (f'{NUMBER} "Hello" whenever', "whenever"),
        (f'{NUMBER} "Hello" 2020-01-01 10:00', "in the past"),
        (f'{NUMBER} "Hello" in 5 minutes', "at least 15 minutes"),
        (f'{NUMBER} "Hello" in 4 months', "at most 3 months"),
        (f'{NUMBER} "Hello" 31 feb 10am', "is not a date"),
        (f'{NUMBER} "Hello" 25:00 tomorrow', "not a time of day"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_sent(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra, text: str, expected: str
) -> None:
    app.command(text, response_url=slack.response_url())
    view = opened_view(slack)
    assert expected in text_of(view)
    assert kaleyra.requests == []


@pytest.mark.parametrize(
    ("route", "expected"), [("OTP", "OTP messages cannot be scheduled"), ("SPAM", "Unknown route")]
)
def test_bad_route_type_is_refused_inline(app: RunningApp, slack: FakeSlack, route: str, expected: str) -> None:
    from tests.e2e.harness import modal_values

    app.command("", response_url=slack.response_url())
    view = opened_view(slack)
    answer = app.submit(
        view, modal_values(recipients=NUMBER, message="Hi", when="in 2 hours", route=route, sender="KLRHXA")
    )
    assert expected in answer.json()["errors"]["route"]


def test_forged_and_replayed_requests_are_refused(app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    body = "command=%2Fschedule-sms&text=help&user_id=U1&channel_id=C1"
    assert app.post_signed(body, secret="not-the-secret").status_code == 401
    assert app.post_signed(body, timestamp=int(time.time()) - 6 * 60).status_code == 401
    assert app.http.post("/slack/events", content=body).status_code == 401
    assert app.post_signed(body).status_code == 200
    assert kaleyra.requests == []


@pytest.mark.parametrize("value", ["", "nope", "../../etc", "x" * 500, "AAAAAAAAAAAAAAAAAAAAAA"])
def test_stale_or_forged_confirmation_ids(app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra, value: str) -> None:
    url = slack.response_url("click")
    app.click("confirm_sms", value, response_url=url)
    assert "expired or is unknown" in wait_for(lambda: replies_to(slack, url))[0]["text"]
    assert kaleyra.requests == []


def confirm(
    app: RunningApp, slack: FakeSlack, text: str = f'{NUMBER} "Hello" in 2 hours'
) -> tuple[str, dict[str, Any]]:
    confirmation = schedule(app, slack, text)
    pending_id = button_value(confirmation, "confirm_sms")
    url = slack.response_url("click")
    app.click("confirm_sms", pending_id, response_url=url)
    return pending_id, wait_for(lambda: replies_to(slack, url))[0]


def test_kaleyra_refusal_shows_its_code_and_allows_a_retry(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    kaleyra.script = [KaleyraReply(status=401, body=ERROR_E401)]
    _, outcome = confirm(app, slack)
    assert "E401" in outcome["text"] or "E401" in text_of(outcome["blocks"])
    record_id = button_value(outcome, "held_retry")

    url = slack.response_url("retry")
    app.click("held_retry", record_id, response_url=url)
    assert "Scheduled" in text_of(wait_for(lambda: replies_to(slack, url))[0]["blocks"])
    assert len(kaleyra.requests) == 2


def test_busy_kaleyra_is_retried_honouring_retry_after(app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    kaleyra.script = [
        KaleyraReply(status=503, body=b"busy", headers={"Retry-After": "0"}),
        KaleyraReply(status=429, body={"code": "E429", "message": "Too many requests"}, headers={"Retry-After": "0"}),
    ]
    _, outcome = confirm(app, slack)
    assert "Scheduled" in outcome["text"]
    assert len(kaleyra.requests) == 3


def test_timeout_after_sending_is_not_retried(app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    kaleyra.script = [KaleyraReply(delay=3.0)]  # the app's Kaleyra timeout is 2 s in tests
    pending_id, outcome = confirm(app, slack)
    assert "unknown" in outcome["text"]
    assert len(kaleyra.requests) == 1
    url = slack.response_url("again")
    app.click("confirm_sms", pending_id, response_url=url)
    assert (
        "not sent again" in wait_for(lambda: replies_to(slack, url))[0]["text"]
        or "not be sent twice" in replies_to(slack, url)[0]["text"]
    )
    assert len(kaleyra.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        KaleyraReply(status=200, body=b"<html>oops</html>"),
        KaleyraReply(status=200, body={"unexpected": True}),
        KaleyraReply(status=502, body=b"Bad gateway"),
        KaleyraReply(drop=True),
    ],
)
def test_garbage_or_dropped_answers_are_reported_not_crashed(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra, reply: KaleyraReply
) -> None:
    kaleyra.script = [reply]
    _, outcome = confirm(app, slack)
    assert "unknown" in outcome["text"]
    assert len(kaleyra.requests) == 1
    assert app.http.get("/healthz").status_code == 200


def test_kaleyra_unreachable_is_retried_then_reported(start_app: Any, slack: FakeSlack) -> None:
    from tests.e2e.harness import free_port

    app = start_app(kaleyra_base_url=f"http://127.0.0.1:{free_port()}", kaleyra_max_retries=1)
    _, outcome = confirm(app, slack)
    assert "Not sent" in outcome["text"] and "could not connect" in text_of(outcome["blocks"])


def test_redis_going_away_mid_flow(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    redis = RedisServer()
    try:
        app = start_app(redis_url=redis.url)
        confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours')
        redis.stop()
        assert app.http.get("/healthz").status_code == 503
        url = slack.response_url("down")
        app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=url)
        assert "cannot reach its storage" in wait_for(lambda: replies_to(slack, url))[0]["text"]
        command_url = slack.response_url("down-cmd")
        app.command(f'{NUMBER} "Hello" in 2 hours', response_url=command_url)
        assert "cannot reach its storage" in wait_for(lambda: replies_to(slack, command_url))[0]["text"]
        assert kaleyra.requests == []

        redis.start()
        assert wait_for(lambda: app.http.get("/healthz").status_code == 200)
        confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours')
        url = slack.response_url("back")
        app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=url)
        assert "Scheduled" in wait_for(lambda: replies_to(slack, url))[0]["text"]
        assert len(kaleyra.requests) == 1
    finally:
        redis.stop()


def test_modal_submission_with_redis_down_keeps_the_form(start_app: Any, slack: FakeSlack) -> None:
    from tests.e2e.harness import modal_values

    redis = RedisServer()
    try:
        app = start_app(redis_url=redis.url)
        app.command("", response_url=slack.response_url())
        view = opened_view(slack)
        redis.stop()
        answer = app.submit(
            view, modal_values(recipients=NUMBER, message="Hi", when="in 2 hours", route="MKT", sender="KLRHXA")
        )
        assert "storage" in json.dumps(answer.json()["errors"])
    finally:
        redis.stop()


@pytest.mark.parametrize(
    "body",
    [
        "payload=not-json",
        "payload=%5B1%2C2%5D",
        "payload="
        + json.dumps(
            {"type": "view_submission", "user": {"id": "U1"}, "view": {"type": "modal", "callback_id": "schedule_sms"}}
        ),
        "payload="
        + json.dumps(
            {
                "type": "view_submission",
                "user": {"id": "U1"},
                "view": {
                    "type": "modal",
                    "callback_id": "schedule_sms",
                    "private_metadata": "{not json",
                    "state": {"values": {"when": "nope", "message": {"x": 5}}},
                },
            }
        ),
        "payload="
        + json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "confirm_sms"}]}),
        "payload="
        + json.dumps(
            {
                "type": "block_actions",
                "user": {"id": "U1"},
                "actions": [{"action_id": "edit_sms", "value": {"nested": True}}],
            }
        ),
        "command=%2Fschedule-sms&text=" + "%00%FF" * 50,
        "command=%2Fschedule-sms",
    ],
)
def test_malformed_slack_payloads_never_crash(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra, body: str
) -> None:
    answer = app.post_signed(body)
    assert answer.status_code < 500
    assert app.http.get("/healthz").status_code == 200
    assert kaleyra.requests == []


def test_a_full_queue_answers_busy_and_loses_nothing_accepted(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(max_background_jobs=1, background_workers=1)
    confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours')
    kaleyra.gate = threading.Event()  # the send stays in flight, filling the queue, until the command is answered
    click = slack.response_url("click")
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click)
    wait_for(lambda: kaleyra.requests)
    busy = app.command(f'{NUMBER} "Hello again" in 2 hours', response_url=slack.response_url())
    kaleyra.gate.set()
    assert "busy" in busy.text and "nothing was sent" in busy.text
    assert "Scheduled" in wait_for(lambda: replies_to(slack, click))[0]["text"]
    assert len(kaleyra.requests) == 1
