"""Delivery status and history: polling, callbacks, shared checks, and the user's list."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.jobs import CHECK, JobQueue
from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import RunningApp
from tests.e2e.test_flow import NUMBER, button_value, replies_to, schedule, text_of

TOKEN = "callback-token-0123456789"
FAST = {
    "status_first_check_seconds": 0.2,
    "queue_poll_seconds": 0.1,
    "queue_lease_seconds": 1,
    "status_max_checks": 3,
    "kaleyra_callback_token": TOKEN,
}
TWO = f'{NUMBER}, +919876543211 "Hello" now'


def send(app: RunningApp, slack: FakeSlack, text: str = TWO) -> dict[str, Any]:
    """Schedule and confirm; returns the channel post."""
    confirmation = schedule(app, slack, text)
    click = slack.response_url("click")
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click)
    wait_for(lambda: replies_to(slack, click))
    post = wait_for(lambda: slack.of("chat.postMessage"))[0]
    if isinstance(app, RunningApp):  # the app notes the post's ts only after Slack has answered
        wait_for(lambda: post_recorded(app))
    return post


def post_recorded(app: RunningApp) -> bool:
    records, _ = app.call(app.services.store.recent("U1", 0, 1))
    return bool(records and records[0].post_ts)


def checks_ended(app: RunningApp) -> bool:
    """The app has dropped the newest SMS's status check from the shared queue: no instance can check it
    again (nothing due lives anywhere else), so counting what was checked is final from here on."""
    [record], _ = app.call(app.services.store.recent("U1", 0, 1))
    return app.call(JobQueue(app.services.redis).due_at(CHECK, record.id)) is None


def updates(slack: FakeSlack) -> list[str]:
    return [text_of(update["blocks"]) for update in slack.of("chat.update")]


def thread_replies(slack: FakeSlack) -> list[dict[str, Any]]:
    return [post for post in slack.of("chat.postMessage") if post.get("thread_ts")]


@pytest.fixture
def fast_app(start_app: Any) -> RunningApp:
    return start_app(**FAST)


def test_polling_updates_the_post_and_explains_failures(
    fast_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send(fast_app, slack)
    kaleyra.set_status("Delivered", only=":1")
    kaleyra.set_status("NotSent", "CON-DND", only=":2")
    wait_for(lambda: any("1 Delivered · 1 NotSent" in update for update in updates(slack)))
    [reply] = wait_for(lambda: thread_replies(slack))
    assert "Do-Not-Disturb" in text_of(reply["blocks"]) and "CON-DND" in text_of(reply["blocks"])
    assert "+91•••••43211" in text_of(reply["blocks"])
    checks = len(kaleyra.status_requests)
    wait_for(lambda: checks_ended(fast_app))
    assert len(kaleyra.status_requests) == checks, "no more checks once every message is final"


def test_polling_gives_up_after_the_limit(fast_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    kaleyra.default_status = {"status": "Sent"}
    send(fast_app, slack)
    wait_for(lambda: len(kaleyra.status_requests) >= 3)
    wait_for(lambda: checks_ended(fast_app))  # still "Sent", yet not checked again
    assert len(kaleyra.status_requests) == 3


def callback(app: RunningApp, how: str, token: str | None = TOKEN, **fields: str) -> httpx.Response:
    params = {"token": token} if token is not None else {}
    if how == "get":
        return app.http.get("/kaleyra/callback", params={**params, **fields})
    if how == "json":
        return app.http.post("/kaleyra/callback", params=params, json=fields)
    return app.http.post("/kaleyra/callback", params=params, data=fields)


@pytest.mark.parametrize("how", ["get", "json", "form"])
def test_callbacks_update_the_post(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, how: str) -> None:
    app = start_app(**FAST | {"status_first_check_seconds": 3600})
    send(app, slack)
    first, second = kaleyra.message_ids()
    answer = callback(app, how, id=first, status="DELIVERED", recipient=NUMBER)
    assert answer.status_code == 200 and answer.json() == {"ok": True, "recorded": True}
    wait_for(lambda: any("1 Delivered · 1 Scheduled" in update for update in updates(slack)))
    callback(app, how, message_id=second, status="UnDelivered", status_trace="MOB-OFF")
    wait_for(lambda: any("switched off" in text_of(reply["blocks"]) for reply in thread_replies(slack)))


def test_callbacks_need_the_token_and_record_nothing_without_it(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**FAST | {"status_first_check_seconds": 3600})
    send(app, slack)
    first, second = kaleyra.message_ids()
    for token in (None, "wrong", ""):
        assert callback(app, "json", token=token, id=first, status="Delivered").status_code == 403
    assert callback(app, "json", id="nobody:1", status="Delivered").json() == {"ok": True, "recorded": False}
    assert callback(app, "json", id=first).status_code == 400
    assert slack.of("chat.update") == []  # a callback is answered once its post is updated: none was
    callback(app, "json", id=second, status="Delivered")
    [update] = wait_for(lambda: updates(slack))
    assert "1 Delivered · 1 Scheduled" in update, "the refused reports left the first message as it was"


def test_reports_out_of_order_and_twice_never_go_backwards(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**FAST | {"status_first_check_seconds": 3600})
    send(app, slack, f'{NUMBER} "Hello" now')
    [message_id] = kaleyra.message_ids()
    for status in ("Delivered", "Sent", "Delivered", "UnDelivered"):  # each answered once its post is updated
        assert callback(app, "json", id=message_id, status=status).json()["recorded"] is True
    assert len(slack.of("chat.update")) == 1 and "1 Delivered" in updates(slack)[0]
    assert thread_replies(slack) == []


def test_checks_are_shared_by_instances_and_run_once(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    first, _second = start_app(**FAST), start_app(**FAST)
    kaleyra.default_status = {"status": "Delivered"}
    send(first, slack)
    wait_for(lambda: any("2 Delivered" in update for update in updates(slack)))
    wait_for(lambda: checks_ended(first))
    assert len(kaleyra.status_requests) == 1
    assert len(slack.of("chat.update")) == 1


def test_a_crashed_instances_check_is_picked_up(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: Any, tmp_path: Path
) -> None:
    from tests.e2e.test_process import BotProcess, app_env

    redis_server.flush()
    env = app_env(slack, kaleyra, REDIS_URL=redis_server.url, STATUS_FIRST_CHECK_SECONDS="0.2",
                  QUEUE_POLL_SECONDS="0.1", QUEUE_LEASE_SECONDS="2")  # fmt: skip
    crashing = BotProcess(env, tmp_path)
    kaleyra.status_delay = 30  # the first check hangs...
    send(crashing, slack)
    wait_for(lambda: kaleyra.status_requests)
    crashing.process.kill()  # ...and its instance dies holding the claim
    crashing.process.wait(10)
    kaleyra.status_delay = 0
    kaleyra.set_status("Delivered")
    start_app(**FAST | {"queue_lease_seconds": 2})
    wait_for(lambda: any("2 Delivered" in update for update in updates(slack)), timeout=15)
    assert len(kaleyra.status_requests) == 2


def test_list_shows_the_users_sms_newest_first_with_pages(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**FAST | {"status_first_check_seconds": 3600})
    for hours in range(2, 14):
        confirmation = schedule(app, slack, f'{NUMBER} "Hello {hours}" in {hours} hours')
        click = slack.response_url("click")
        app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click)
        wait_for(lambda click=click: replies_to(slack, click))
    url = slack.response_url("list")
    app.command("list", response_url=url)
    listing = wait_for(lambda: replies_to(slack, url))[0]
    text = text_of(listing["blocks"])
    assert "Upcoming" in text and text.count("• *") == 10
    older = button_value(listing, "history_page")
    page_url = slack.response_url("page")
    app.click("history_page", older, response_url=page_url)
    second = text_of(wait_for(lambda: replies_to(slack, page_url))[0]["blocks"])
    assert second.count("• *") == 2 and "page 2" in second
    assert text_of(slack.of("respond")).count("Hello") >= 12  # the bodies were in the confirmations only
    assert "Hello" not in text


def test_app_home_shows_own_sms_and_the_team_to_admins(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(**FAST | {"status_first_check_seconds": 3600, "admin_users": "UADMIN"})
    send(app, slack)
    for user in ("U1", "UADMIN"):
        event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
        body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
                "event_id": f"Ev{user}", "event_time": int(time.time())}  # fmt: skip
        assert app.post_signed(json.dumps(body)).status_code == 200
    views = wait_for(lambda: len(slack.of("views.publish")) == 2 and slack.of("views.publish"))
    by_user = {view["user_id"]: text_of(view["view"]) for view in views}
    assert "+91•••••43210" in by_user["U1"] and "Team" not in by_user["U1"]
    assert "Team" in by_user["UADMIN"] and "<@U1>" in by_user["UADMIN"]
