"""Held SMS through the real app: hold, cancel, hand-off at T - HANDOFF_MINUTES, send now, edit, several
instances, a crash mid hand-off, missed hand-offs, other users, quiet hours.

HANDOFF_MINUTES is 16 (its minimum) and the send time a few seconds past 16 minutes ahead, so the hand-off
happens within the test.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from tests.e2e.fakes import FakeKaleyra, FakeSlack, KaleyraReply, opened_view, wait_for
from tests.e2e.harness import RedisServer, RunningApp
from tests.e2e.test_delivery import TOKEN, callback
from tests.e2e.test_flow import NUMBER, button_value, clicked, confirmation_for, replies_to, text_of

HOLDING = {"handoff_minutes": 16, "queue_poll_seconds": 0.2, "queue_lease_seconds": 2, "kaleyra_type": "TXN"}
IST = ZoneInfo("Asia/Kolkata")


def ahead(seconds: float) -> datetime:
    """A send time `seconds` past the 16 minutes of the hand-off, to the second, in India's time."""
    return (datetime.now(UTC) + timedelta(minutes=16, seconds=seconds)).astimezone(IST).replace(microsecond=0)


def confirm(app: RunningApp, slack: FakeSlack, send_at: datetime, body: str = "Hello", **kwargs: Any) -> dict[str, Any]:
    """Schedule and confirm; returns the reply to Confirm."""
    url = slack.response_url("cmd")
    app.command(f'{NUMBER} "{body}" {send_at.isoformat()}', response_url=url, **kwargs)
    confirmation = confirmation_for(slack, url)
    return clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"), **kwargs)


def dms(slack: FakeSlack, user: str = "U1") -> list[str]:
    return [text_of(post["blocks"]) for post in slack.of("chat.postMessage") if post.get("channel") == user]


def channel_post(slack: FakeSlack) -> str:
    posts = [post for post in slack.of("chat.postMessage") if post.get("channel") == "C1"]
    return text_of(posts[0]["blocks"]) if posts else ""


def post_updates(slack: FakeSlack) -> list[str]:
    return [text_of(update["blocks"]) for update in slack.of("chat.update")]


@pytest.fixture
def hold_app(start_app: Any) -> RunningApp:
    return start_app(**HOLDING)


def test_held_then_cancelled_never_reaches_kaleyra(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send_at = ahead(8)
    reply = confirm(hold_app, slack, send_at)
    text = text_of(reply["blocks"])
    assert "Held by the app" in text and "cancellable until" in text
    cancellable_until = (send_at - timedelta(minutes=16)).strftime("%H:%M")
    assert f"cancellable until {cancellable_until} IST" in text
    assert "cancellable until" in wait_for(lambda: channel_post(slack))
    assert kaleyra.requests == []

    cancelled = clicked(hold_app, slack, "held_cancel", button_value(reply, "held_cancel"))
    assert "Cancelled by <@U1>" in text_of(cancelled["blocks"]) and "Nothing was sent" in text_of(cancelled["blocks"])
    assert "held_send_now" not in text_of(cancelled["blocks"]), "nothing left to do with a cancelled SMS"
    wait_for(lambda: any("cancelled by <@U1>" in update for update in post_updates(slack)))
    time.sleep(max(0.0, (send_at - timedelta(minutes=16) - datetime.now(UTC)).total_seconds()) + 2)
    assert kaleyra.requests == [], "a cancelled SMS is never handed off"

    again = clicked(hold_app, slack, "held_send_now", button_value(reply, "held_send_now"))
    assert "already cancelled" in text_of(again["blocks"])
    assert kaleyra.requests == []


def test_handed_off_at_its_moment_with_the_send_time(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send_at = ahead(4)
    confirm(hold_app, slack, send_at)
    [sent] = wait_for(lambda: kaleyra.requests, timeout=20)
    assert sent.body["time"] == send_at.isoformat()
    assert sent.at >= (send_at - timedelta(minutes=16)).timestamp(), "not before T - HANDOFF_MINUTES"
    [news] = wait_for(lambda: dms(slack))
    assert "Handed to Kaleyra" in news and "can no longer be cancelled" in news
    assert "held_cancel" not in news
    wait_for(lambda: any("handed to Kaleyra" in update for update in post_updates(slack)))
    time.sleep(1)
    assert len(kaleyra.requests) == 1


def test_callbacks_find_a_handed_off_sms_by_its_kaleyra_ids(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING, kaleyra_callback_token=TOKEN, status_first_check_seconds=3600)
    confirm(app, slack, ahead(2))
    wait_for(lambda: kaleyra.requests, timeout=20)
    [message_id] = wait_for(lambda: kaleyra.message_ids())
    answer = wait_for(lambda: (r := callback(app, "json", id=message_id, status="DELIVERED")).json()["recorded"] and r)
    assert answer.status_code == 200
    wait_for(lambda: any("1 Delivered" in update for update in post_updates(slack)))


def test_send_now_calls_kaleyra_at_once_without_a_time(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    reply = confirm(hold_app, slack, ahead(300))
    sent_now = clicked(hold_app, slack, "held_send_now", button_value(reply, "held_send_now"))
    assert "Sent now" in text_of(sent_now["blocks"])
    [sent] = kaleyra.requests
    assert "time" not in sent.body and sent.body["body"] == "Hello"
    wait_for(lambda: any("sent" in update and "held by the app" not in update for update in post_updates(slack)))
    cancel = clicked(hold_app, slack, "held_cancel", button_value(reply, "held_cancel"))
    assert "already gone to Kaleyra" in text_of(cancel["blocks"])
    assert len(kaleyra.requests) == 1


def test_edit_replaces_the_held_sms(hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    reply = confirm(hold_app, slack, ahead(300), body="Old text")
    old_id = button_value(reply, "held_edit")
    hold_app.click("held_edit", old_id, response_url=slack.response_url("edit"))
    view = opened_view(slack)
    assert "Old text" in text_of(view) and NUMBER in text_of(view)

    new_time = ahead(8)
    values = {
        "recipients": {"value": {"type": "plain_text_input", "value": NUMBER}},
        "message": {"message_typed": {"type": "plain_text_input", "value": "New text"}},
        "when": {"value": {"type": "plain_text_input", "value": new_time.isoformat()}},
        "route": {"value": {"type": "static_select", "selected_option": {"value": "TXN"}}},
        "sender": {"value": {"type": "plain_text_input", "value": "KLRHXA"}},
    }
    assert hold_app.submit(view, values).status_code == 200

    def edited() -> list[dict[str, Any]]:
        return [r for r in slack.of("respond") if "Check and confirm" in r["text"] and "New text" in text_of(r)]

    confirmation = wait_for(edited)[0]
    assert "replaces the SMS you edited" in text_of(confirmation["blocks"])
    assert kaleyra.requests == [], "the edit alone changes nothing"

    held = clicked(hold_app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    assert "Held by the app" in text_of(held["blocks"])
    old = clicked(hold_app, slack, "held_send_now", old_id)
    assert "replaced by an edit" in text_of(old["blocks"])

    [sent] = wait_for(lambda: kaleyra.requests, timeout=20)
    assert sent.body["body"] == "New text" and sent.body["time"] == new_time.isoformat()
    time.sleep(1)
    assert [request.body["body"] for request in kaleyra.requests] == ["New text"]


def test_two_instances_hand_off_once(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    first, _second = start_app(**HOLDING), start_app(**HOLDING)
    confirm(first, slack, ahead(3))
    wait_for(lambda: kaleyra.requests, timeout=20)
    wait_for(lambda: dms(slack))
    time.sleep(2)
    assert len(kaleyra.requests) == 1
    assert len([news for news in dms(slack) if "Handed to Kaleyra" in news]) == 1


def test_an_instance_killed_during_the_hand_off_is_never_repeated(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer, tmp_path: Path
) -> None:
    from tests.e2e.test_process import BotProcess, app_env

    redis_server.flush()
    env = app_env(slack, kaleyra, REDIS_URL=redis_server.url, HANDOFF_MINUTES="16", QUEUE_POLL_SECONDS="0.2",
                  QUEUE_LEASE_SECONDS="2")  # fmt: skip
    crashing = BotProcess(env, tmp_path)
    kaleyra.script = [KaleyraReply(delay=30)]  # the hand-off hangs at Kaleyra...
    confirm(crashing, slack, ahead(3))
    wait_for(lambda: kaleyra.requests, timeout=20)
    crashing.process.kill()  # ...and its instance dies in the middle of it
    crashing.process.wait(10)

    survivor = start_app(**HOLDING)
    [news] = wait_for(lambda: dms(slack), timeout=20)
    assert "outcome is unknown" in news and "will not be sent again by itself" in news
    time.sleep(2)
    assert len(kaleyra.requests) == 1, "an interrupted hand-off is never repeated automatically"

    sent = clicked(survivor, slack, "held_send_now", button_value(slack.of("chat.postMessage")[-1], "held_send_now"))
    assert "Sent now" in text_of(sent["blocks"])
    assert len(kaleyra.requests) == 2 and "time" not in kaleyra.requests[1].body


def _travel(redis_url: str, record_id: str, send_at: datetime) -> None:
    """As if the SMS had been confirmed earlier and every instance was down at its hand-off: its send time
    moves to `send_at`, and its hand-off is due now."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    held_key, record_key = f"schedule-sms:held:{record_id}", f"schedule-sms:sms:{record_id}"
    held = json.loads(client.get(held_key) or "")
    held["request"]["send_at"] = send_at.isoformat()
    record = json.loads(client.get(record_key) or "")
    record["send_at"], record["handoff_at"] = send_at.isoformat(), (send_at - timedelta(minutes=16)).isoformat()
    client.set(held_key, json.dumps(held))
    client.set(record_key, json.dumps(record))
    client.zadd("schedule-sms:jobs:due", {f"handoff:{record_id}": time.time()})
    client.close()


def test_a_missed_hand_off_within_the_late_minutes_is_sent_late(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer
) -> None:
    down = start_app(**HOLDING)
    record_id = button_value(confirm(down, slack, ahead(600)), "held_cancel")
    down.close()
    _travel(redis_server.url, record_id, datetime.now(UTC) - timedelta(minutes=3, seconds=10))
    start_app(**HOLDING)
    [sent] = wait_for(lambda: kaleyra.requests, timeout=20)
    assert "time" not in sent.body
    [news] = wait_for(lambda: dms(slack))
    assert "Sent now" in news and "went 3 minutes late" in news


def test_a_missed_hand_off_past_the_late_minutes_asks_the_user(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer
) -> None:
    down = start_app(**HOLDING)
    record_id = button_value(confirm(down, slack, ahead(600)), "held_cancel")
    down.close()
    _travel(redis_server.url, record_id, datetime.now(UTC) - timedelta(minutes=30))
    app = start_app(**HOLDING)
    [news] = wait_for(lambda: dms(slack), timeout=20)
    assert "Not sent" in news and "30 minutes past its send time" in news
    assert kaleyra.requests == [], "never sent late without asking"
    message = slack.of("chat.postMessage")[-1]
    assert button_value(message, "held_cancel") == record_id
    sent = clicked(app, slack, "held_send_now", button_value(message, "held_send_now"))
    assert "Sent now" in text_of(sent["blocks"])
    [request] = kaleyra.requests
    assert "time" not in request.body


def test_only_the_owner_or_an_admin_may_act(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(**HOLDING | {"admin_users": "UADMIN"})
    reply = confirm(app, slack, ahead(600))
    record_id = button_value(reply, "held_cancel")
    for action in ("held_cancel", "held_send_now", "held_edit"):
        refused = clicked(app, slack, action, record_id, user="U2")
        assert "Only the person who scheduled this SMS, or an admin" in text_of(refused["blocks"])
    assert kaleyra.requests == [] and slack.of("views.open") == []

    url = slack.response_url("list")
    app.command("list", response_url=url)
    listing = text_of(wait_for(lambda: replies_to(slack, url))[0]["blocks"])
    assert "held by the app, cancellable until" in listing and "held_cancel" in listing

    cancelled = clicked(app, slack, "held_cancel", record_id, user="UADMIN")
    assert "Cancelled by <@UADMIN>" in text_of(cancelled["blocks"])
    assert kaleyra.requests == []


def test_app_home_shows_held_sms_with_their_buttons(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(**HOLDING)
    confirm(app, slack, ahead(600))
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
            "event_id": "EvHome1", "event_time": int(time.time())}  # fmt: skip
    assert app.post_signed(json.dumps(body)).status_code == 200
    [published] = wait_for(lambda: slack.of("views.publish"))
    home = text_of(published["view"])
    assert "cancellable until" in home and "held_cancel" in home and "held_send_now" in home


def test_promotional_sms_outside_quiet_hours_is_refused_with_the_next_allowed_time(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"kaleyra_type": "MKT", "mkt_send_hours_countries": "IN"})
    night = (datetime.now(IST) + timedelta(days=1)).replace(hour=23, minute=30, second=0, microsecond=0)
    url = slack.response_url("cmd")
    app.command(f'{NUMBER} "Sale!" {night.isoformat()}', response_url=url)
    [refusal] = wait_for(lambda: replies_to(slack, url))
    text = text_of(refusal["blocks"])
    morning = (night + timedelta(days=1)).replace(hour=9, minute=0)
    assert "Not scheduled" in text and "09:00-21:00" in text
    assert f"next allowed time is {morning:%a %d %b} 09:00 IST" in text
    offer = clicked(app, slack, "quiet_next", button_value(refusal, "quiet_next"))
    assert "Check and confirm" in offer["text"] and morning.isoformat() in text_of(offer["blocks"])
    assert kaleyra.requests == []


def test_a_recurring_series_holds_its_sends_in_turn(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    at = (datetime.now(IST) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    url = slack.response_url("cmd")
    hold_app.command(f'{NUMBER} "Standup" every day at {at:%H:%M} for 5 times', response_url=url)
    confirmation = confirmation_for(slack, url)
    text = text_of(confirmation["blocks"])
    sends = [at + timedelta(days=day) for day in range(3)]
    assert "Repeats:* every day at" in text and "ending after 5 times" in text
    assert "Next sends:* " + "; ".join(f"{send:%a %d %b %Y %H:%M} IST" for send in sends) in text

    first = clicked(hold_app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    assert "send 1 of a series" in text_of(first["blocks"]) and "Skip" in text_of(first["blocks"])
    sent = clicked(hold_app, slack, "held_send_now", button_value(first, "held_send_now"))
    assert "Sent now" in text_of(sent["blocks"])
    [request] = kaleyra.requests
    assert request.body["body"] == "Standup" and "time" not in request.body

    def listing() -> str:
        url = slack.response_url("list")
        hold_app.command("list", response_url=url)
        return text_of(wait_for(lambda: replies_to(slack, url))[0]["blocks"])

    second = listing()
    assert "send 2 of a series" in second and f"{sends[1]:%a %d %b %H:%M}" in second
    skipped = clicked(hold_app, slack, "held_cancel", f"{button_value(first, 'held_cancel')[:-2]}-2")
    assert "Cancelled by <@U1>" in text_of(skipped["blocks"])
    assert "send 3 of a series" in listing()
    stopped = clicked(hold_app, slack, "series_stop", f"{button_value(first, 'held_cancel')[:-2]}-3")
    assert "Series stopped by <@U1>" in text_of(stopped["blocks"]) and "next SMS was cancelled" in text_of(stopped)
    final = listing()
    assert "send 4 of a series" not in final and "held by the app" not in final
    assert len(kaleyra.requests) == 1


def test_quiet_hours_from_the_form_close_it_and_offer_the_next_allowed_time(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"mkt_send_hours_countries": "IN"})
    url = slack.response_url("form")
    app.command("", response_url=url)
    view = opened_view(slack)
    night = (datetime.now(IST) + timedelta(days=1)).replace(hour=22, minute=15, second=0, microsecond=0)
    values = {
        "recipients": {"value": {"type": "plain_text_input", "value": NUMBER}},
        "message": {"message_typed": {"type": "plain_text_input", "value": "Sale!"}},
        "when": {"value": {"type": "plain_text_input", "value": night.isoformat()}},
        "route": {"value": {"type": "static_select", "selected_option": {"value": "MKT"}}},
        "sender": {"value": {"type": "plain_text_input", "value": "KLRHXA"}},
    }
    answer = app.submit(view, values)
    assert answer.status_code == 200 and answer.content in (b"", b"{}"), "the form closes: this is no field error"
    [refusal] = wait_for(lambda: replies_to(slack, url))
    assert "09:00-21:00" in text_of(refusal["blocks"]) and button_value(refusal, "quiet_next")
    assert kaleyra.requests == []


def test_limits_are_checked_again_at_hand_off_and_a_refusal_is_told(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"daily_sms_limit": 1})
    held = confirm(app, slack, ahead(6))
    assert "Held by the app" in text_of(held["blocks"])
    url = slack.response_url("now")
    app.command(f'{NUMBER} "Meanwhile" now', response_url=url)
    clicked(app, slack, "confirm_sms", button_value(confirmation_for(slack, url), "confirm_sms"))
    [news] = wait_for(lambda: dms(slack), timeout=20)
    assert "Not sent" in news and "limit of 1 SMS a day" in news and "held_send_now" in news
    assert [request.body["body"] for request in kaleyra.requests] == ["Meanwhile"]


def test_their_time_across_zones_is_one_sms_per_zone_each_at_its_own_time(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer
) -> None:
    los_angeles = "+14155550100"
    url = slack.response_url("cmd")
    hold_app.command(f'{NUMBER}, {los_angeles} "Hi" tomorrow 9am their time', response_url=url)
    confirmation = confirmation_for(slack, url)
    nine = {
        zone: datetime.combine(datetime.now(ZoneInfo(zone)).date() + timedelta(days=1), dtime(9), ZoneInfo(zone))
        for zone in ("Asia/Calcutta", "America/Los_Angeles")
    }
    shown = text_of(confirmation["blocks"])
    for zone, at in nine.items():
        assert zone in shown and at.isoformat() in shown and f"{at:%H:%M} {at.tzname()}" in shown
    value = button_value(confirmation, "confirm_sms")

    reply = clicked(hold_app, slack, "confirm_sms", value)
    again = clicked(hold_app, slack, "confirm_sms", value)
    told = text_of(reply["blocks"])
    assert "Held by the app" in told and "Asia/Calcutta" in told and "America/Los_Angeles" in told
    assert "already confirmed" in text_of(again["blocks"])
    held = [element["value"] for block in reply["blocks"] for element in block.get("elements", [])
            if element.get("action_id") == "held_cancel"]  # fmt: skip
    assert len(held) == 2 and kaleyra.requests == []

    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    client.zadd("schedule-sms:jobs:due", {f"handoff:{record_id}": time.time() for record_id in held})  # due now
    client.close()
    wait_for(lambda: len(kaleyra.requests) == 2, timeout=20)
    time.sleep(1)
    sent = {request.body["to"]: request.body["time"] for request in kaleyra.requests}
    assert len(kaleyra.requests) == 2, "each zone handed off exactly once"
    assert sent == {NUMBER: nine["Asia/Calcutta"].isoformat(), los_angeles: nine["America/Los_Angeles"].isoformat()}
    wait_for(lambda: len([news for news in dms(slack) if "Handed to Kaleyra" in news]) == 2)
