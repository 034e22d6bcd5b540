"""What the user is told in each fault is true, and every path a user starts ends in a message to them."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.e2e.fakes import FakeKaleyra, FakeSlack, KaleyraReply, opened_view, wait_for
from tests.e2e.harness import RedisServer, RunningApp, modal_values
from tests.e2e.test_delivery import FAST, send, thread_replies
from tests.e2e.test_flow import NUMBER, button_value, clicked, confirmation_for, replies_to, schedule, text_of
from tests.e2e.test_process import BotProcess, app_env


def messages_to(slack: FakeSlack, user: str = "U1", url: str | None = None) -> list[str]:
    """Every text the app sent to `user`, oldest first: replies at `url`, ephemerals and direct messages."""
    path = url.removeprefix(url.split("/respond/")[0]) if url else None

    def for_user(method: str, params: dict[str, Any]) -> bool:
        return {
            "respond": params.get("url") == path,
            "chat.postEphemeral": params.get("user") == user,
            "chat.postMessage": params.get("channel") == user,
        }.get(method, False)

    found = [call.params for call in slack.calls if for_user(call.method, call.params)]
    return [f"{params.get('text', '')} {text_of(params.get('blocks', ''))}" for params in found]


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, dict[str, Any]]]:
    return [
        (record.getMessage().split(" ", 1)[0], json.loads(record.getMessage().split(" ", 1)[1]))
        for record in caplog.records
        if record.name == "schedule_sms.audit"
    ]


def test_storage_lost_after_kaleyra_accepted_never_says_nothing_was_sent(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="schedule_sms.audit")
    own_redis = RedisServer()
    try:
        app = start_app(redis_url=own_redis.url)
        confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours')
        kaleyra.on_request = own_redis.stop  # Redis goes away while Kaleyra is accepting the SMS
        url = slack.response_url("click")
        app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=url)
        said = wait_for(lambda: len(messages_to(slack, url=url)) >= 2 and messages_to(slack, url=url))
    finally:
        own_redis.stop()
    [accepted] = kaleyra.accepted
    assert "Scheduled" in said[0] and "delivery tracking may be late" in said[0] and accepted["id"] in said[0]
    assert "was scheduled (Kaleyra id " + accepted["id"] in said[1] and "delivery tracking may be late" in said[1]
    assert not any("nothing was sent" in text.lower() for text in said)
    assert [event for event, _ in audit_lines(caplog)] == ["sms_sending", "sms_sent"]
    assert audit_lines(caplog)[1][1]["kaleyra_ids"] == [accepted["id"]]


def test_an_uncertain_outcome_is_worded_as_unknown_and_never_sent_again(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    kaleyra.script = [KaleyraReply(delay=3.0)]  # longer than the app's 2-second Kaleyra timeout
    confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours')
    pending_id = button_value(confirmation, "confirm_sms")
    first = clicked(app, slack, "confirm_sms", pending_id)
    assert "outcome is unknown" in first["text"] and "check Kaleyra's console" in first["text"]
    again = clicked(app, slack, "confirm_sms", pending_id)["text"]
    assert "outcome of this SMS is unknown" in again and "already being sent" not in again
    assert len(kaleyra.requests) == 1


def test_delivery_news_uses_the_numbers_sent_even_when_kaleyra_echoes_them_without_plus(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**FAST)
    kaleyra.echo_without_plus = True
    send(app, slack, f'{NUMBER} "Hello" now')
    kaleyra.set_status("NotSent", "CON-DND")
    [reply] = wait_for(lambda: thread_replies(slack))
    assert "+91•••••43210" in text_of(reply["blocks"]) and "Do-Not-Disturb" in text_of(reply["blocks"])


def test_history_is_kept_from_the_send_time(start_app: Any, slack: FakeSlack, redis_server: RedisServer) -> None:
    app = start_app(history_days=1, status_first_check_seconds=3600)
    confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 60 days')
    assert "Scheduled" in clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))["text"]
    store = redis.Redis.from_url(redis_server.url, decode_responses=True)
    [record] = store.keys("schedule-sms:{b*}:sms:*")
    assert store.ttl(record) > 60 * 24 * 3600
    assert store.zcard("schedule-sms:history:user:U1") == 1


def test_a_refused_limit_charges_nothing(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(rate_limit_per_minute=4, daily_sms_limit=3)
    two = f'{NUMBER}, +919876543211 "Hi" in 2 hours'
    first, second = schedule(app, slack, two), schedule(app, slack, two)
    third = schedule(app, slack, f'{NUMBER} "Hi" in 2 hours')
    assert "Scheduled" in clicked(app, slack, "confirm_sms", button_value(first, "confirm_sms"))["text"]
    refused = clicked(app, slack, "confirm_sms", button_value(second, "confirm_sms"))["text"]
    assert "limit of 3 SMS a day" in refused
    assert "Scheduled" in clicked(app, slack, "confirm_sms", button_value(third, "confirm_sms"))["text"]
    assert len(kaleyra.accepted) == 2


def test_a_form_that_slack_will_not_open_is_explained(app: RunningApp, slack: FakeSlack) -> None:
    slack.failing_methods["views.open"] = "expired_trigger_id"
    url = slack.response_url("bare")
    app.command("", response_url=url)
    assert "did not open the form (expired_trigger_id)" in wait_for(lambda: messages_to(slack, url=url))[0]

    slack.failing_methods.pop("views.open")
    confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours')
    slack.failing_methods["views.open"] = "expired_trigger_id"
    edit = clicked(app, slack, "edit_sms", button_value(confirmation, "edit_sms"))
    assert "did not open the form" in edit["text"] and "nothing was sent" in edit["text"]


def test_forms_open_at_once_while_other_work_waits(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(background_workers=1, max_background_jobs=5)
    confirmation, other = (schedule(app, slack, f'{NUMBER} "Hello {n}" in 2 hours') for n in (1, 2))
    kaleyra.gate = threading.Event()  # the only worker is busy with this send until the forms are open...
    click = slack.response_url("click")
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click)
    wait_for(lambda: kaleyra.requests)
    app.command("", response_url=slack.response_url())  # ...and the forms open without waiting for it
    app.click("edit_sms", button_value(other, "edit_sms"), response_url=slack.response_url())
    wait_for(lambda: len(slack.of("views.open")) == 2)
    assert replies_to(slack, click) == [], "the forms opened before the queued send was answered"
    kaleyra.gate.set()
    assert "Scheduled" in wait_for(lambda: replies_to(slack, click))[0]["text"]


def test_a_slow_slack_on_submission_is_answered_in_the_form(start_app: Any, slack: FakeSlack) -> None:
    app = start_app()
    slow = slack.gates["users.info"] = threading.Event()  # slower than Slack waits for the answer to a submission
    app.command("", response_url=slack.response_url())
    view = opened_view(slack)
    answer = app.submit(
        view, modal_values(recipients=NUMBER, message="Hi", when="in 2 hours", route="MKT", sender="KLRHXA")
    )
    slow.set()
    assert "try again in a moment" in answer.json()["errors"]["recipients"].lower()


@pytest.mark.parametrize("where", ["command", "confirm"])
def test_who_the_user_is_fails_closed(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, where: str) -> None:
    slack.guests.add("UGUEST")
    first = start_app()
    if where == "command":
        slack.failing_methods["users.info"] = "ratelimited"
        url = slack.response_url("cmd")
        first.command(f'{NUMBER} "Hi" in 2 hours', response_url=url, user="UGUEST")
        said = wait_for(lambda: messages_to(slack, "UGUEST", url))[0]
    else:  # a second instance, which has not met the user, takes the click while Slack fails
        second = start_app()
        confirmation = schedule(first, slack, f'{NUMBER} "Hi" in 2 hours')
        slack.failing_methods["users.info"] = "ratelimited"
        said = clicked(second, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))["text"]
    assert "could not tell schedule-sms who you are" in said and "nothing was sent" in said
    assert "Try again in a moment" in said and "Check and confirm" not in said
    assert kaleyra.requests == []


def test_an_unexpected_failure_is_logged_and_answered(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, caplog: pytest.LogCaptureFixture
) -> None:
    app = start_app(allowed_usergroups="S_SMS")
    slack.answers["usergroups.users.list"] = {"ok": True, "users": 5}  # Slack's shape, not its content
    url = slack.response_url("cmd")
    app.command(f'{NUMBER} "Hi" in 2 hours', response_url=url)
    assert "unexpected problem; nothing was sent" in wait_for(lambda: messages_to(slack, url=url))[0]

    app.command("", response_url=slack.response_url())
    view = opened_view(slack)
    values = modal_values(recipients=NUMBER, message="Hi", when="in 2 hours", route="MKT", sender="KLRHXA")
    app.submit(view, values)  # fails before its ack: the global error handler answers
    assert "unexpected problem; nothing was sent" in wait_for(lambda: messages_to(slack))[-1]
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR and record.exc_info]
    assert len(logged) == 2 and all(isinstance(record.exc_info[1], TypeError) for record in logged)  # type: ignore[index]
    assert kaleyra.requests == []


def test_when_no_route_reaches_the_user_it_is_logged(
    app: RunningApp, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.failing_responses = True
    slack.failing_methods.update({"chat.postEphemeral": "channel_not_found", "chat.postMessage": "cannot_dm_bot"})
    app.command("list", response_url=slack.response_url())  # answered after the ack, by response_url first
    wait_for(lambda: any("could not reach U1" in record.getMessage() for record in caplog.records))


def test_edit_keeps_every_recipient_of_a_long_list(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(max_recipients=300)
    numbers = [f"+9198765{index:05d}" for index in range(150)]
    confirmation = schedule(app, slack, ", ".join(numbers) + ' "Bulk" in 2 hours')
    assert all(number in text_of(confirmation["blocks"]) for number in numbers), "the user checks every number"
    edit_url = slack.response_url("edit")
    app.click("edit_sms", button_value(confirmation, "edit_sms"), response_url=edit_url)
    view = opened_view(slack)
    boxes = [block for block in view["blocks"] if block["block_id"].startswith("recipients")]
    shown = ", ".join(box["element"].get("initial_value", "") for box in boxes)
    assert [number.strip() for number in shown.split(",") if number.strip()] == numbers
    values = {box["block_id"]: {"value": {"type": "plain_text_input", "value": box["element"].get("initial_value")}}
              for box in boxes}  # fmt: skip
    values |= modal_values(message="Bulk again", when="in 3 hours", route="MKT", sender="KLRHXA")
    app.submit(view, values)
    edited = wait_for(lambda: [r for r in replies_to(slack, edit_url) if "Check and confirm" in r["text"]])[0]
    app.click("confirm_sms", button_value(edited, "confirm_sms"), response_url=slack.response_url())
    wait_for(lambda: len(kaleyra.requests) == 2)
    assert [n for request in kaleyra.requests for n in request.body["to"].split(",")] == numbers


def test_long_failure_news_is_split_not_cut(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(**FAST | {"max_recipients": 300})
    numbers = [f"+9198765{index:05d}" for index in range(150)]
    send(app, slack, ", ".join(numbers) + ' "Bulk" now')
    kaleyra.set_status("NotSent", "CON-DND")

    def failures() -> list[dict[str, Any]]:
        return [reply for reply in thread_replies(slack) if reply["text"] == "Some SMS were not delivered"]

    wait_for(lambda: sum(text_of(reply["blocks"]).count("Do-Not-Disturb") for reply in failures()) == 150)
    everything = text_of([reply["blocks"] for reply in failures()])
    assert all(f"+91•••••{number[-5:]}" in everything for number in numbers)
    [listing] = [reply for reply in thread_replies(slack) if reply["text"] == "Every recipient"]
    assert all(f"+91•••••{number[-5:]}" in text_of(listing["blocks"]) for number in numbers)


def test_the_admin_home_shows_every_record(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(**FAST | {"status_first_check_seconds": 3600, "admin_users": "UADMIN"})
    ten = ", ".join(f"+9198765{index:05d}" for index in range(10))
    for hours in range(2, 22):
        confirmation = schedule(app, slack, f'{ten} "Hello" in {hours} hours')
        clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    event = {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"}
    body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event, "event_id": "EvA",
            "event_time": int(time.time())}  # fmt: skip
    app.post_signed(json.dumps(body))
    [home] = wait_for(lambda: slack.of("views.publish"))
    assert text_of(home["view"]).count("<@U1> →") == 20


def test_shutdown_during_retries_tells_the_user_and_leaves_a_true_record(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer, tmp_path: Path
) -> None:
    redis_server.flush()
    env = app_env(slack, kaleyra, REDIS_URL=redis_server.url, LOG_FORMAT="json")
    first = BotProcess(env, tmp_path)
    busy = KaleyraReply(
        status=429, body={"code": "E429", "message": "Too many requests"}, headers={"Retry-After": "30"}
    )
    kaleyra.script = [busy]
    url = slack.response_url("cmd")
    first.command(f'{NUMBER} "Hello" in 2 hours', response_url=url)
    pending_id = button_value(confirmation_for(slack, url), "confirm_sms")
    click = slack.response_url("click")
    first.click("confirm_sms", pending_id, response_url=click)
    wait_for(lambda: kaleyra.requests)
    output = first.stop()  # SIGTERM while the retry waits out Retry-After: 30 s, more than the drain allows
    outcome = wait_for(lambda: replies_to(slack, click))[0]
    assert "Not sent" in text_of(outcome["blocks"]) and "restarting" in text_of(outcome["blocks"])
    record_id = button_value(outcome, "held_retry")
    audits = [json.loads(line) for line in output.splitlines() if '"schedule_sms.audit"' in line]
    assert [(audit["message"], audit.get("outcome")) for audit in audits] == [
        ("sms_sending", None),
        ("sms_sent", "failed"),
    ]

    second = BotProcess(env, tmp_path)  # the record says "not sent": Try again works after the restart
    try:
        again = clicked(second, slack, "held_retry", record_id)
    finally:
        second.stop()
    assert "Scheduled" in text_of(again["blocks"])
    assert len(kaleyra.requests) == 2 and len(kaleyra.accepted) == 1


def test_a_partly_accepted_sms_is_reported_as_it_is(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(max_recipients=300)
    kaleyra.script = [KaleyraReply(), KaleyraReply(delay=2.5)]  # the second hundred: no answer in time
    numbers = ", ".join(f"+9198765{index:05d}" for index in range(150))
    confirmation = schedule(app, slack, f'{numbers} "Bulk" in 2 hours')
    outcome = clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    assert "Only part of this SMS was accepted" in outcome["text"] and "outcome is unknown" in outcome["text"]
    assert "the rest was not sent" not in outcome["text"]
    post = text_of(wait_for(lambda: slack.of("chat.postMessage"))[0]["blocks"])
    assert "an SMS to 100 recipients" in post and kaleyra.accepted[0]["id"] in post


def test_delivery_news_that_comes_before_the_post_is_linked_is_shown(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    from tests.e2e.test_delivery import TOKEN

    app = start_app(**FAST | {"status_first_check_seconds": 3600})
    posting = slack.gates["chat.postMessage"] = threading.Event()  # the channel post takes its time...
    confirmation = schedule(app, slack, f'{NUMBER} "Hello" now')
    clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    [message_id] = kaleyra.message_ids()
    wait_for(lambda: slack.of("chat.postMessage"))
    answer = app.http.post("/kaleyra/callback", params={"token": TOKEN}, json={"id": message_id, "status": "Delivered"})
    assert answer.json() == {"ok": True, "recorded": True}  # ...and Kaleyra reports before it is linked
    posting.set()
    update = wait_for(lambda: slack.of("chat.update"))[0]
    assert "1 Delivered" in text_of(update["blocks"])
