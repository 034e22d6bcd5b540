"""Held SMS through the real app: hold, cancel, hand-off at T - HANDOFF_MINUTES, send now, edit, several
instances, a crash mid hand-off, missed hand-offs, other users, quiet hours, series.

The app runs on a clock the test moves (`RunningApp.advance`): a hand-off 16 minutes ahead is reached at
once, and "nothing happened" is shown by moving time past the moment and running what is due then.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack, KaleyraReply, opened_view, wait_for
from tests.e2e.harness import RedisServer, RunningApp, SlackRequests, modal_values
from tests.e2e.test_delivery import TOKEN, callback
from tests.e2e.test_flow import NUMBER, button_value, clicked, confirmation_for, replies_to, text_of
from tests.e2e.test_process import BotProcess, app_env

HOLDING = {"handoff_minutes": 16, "queue_poll_seconds": 3600, "queue_lease_seconds": 30, "kaleyra_type": "TXN"}
IST = ZoneInfo("Asia/Kolkata")
HANDOFF = timedelta(minutes=16)


def ahead(app: RunningApp, seconds: float) -> datetime:
    """A send time `seconds` past the 16 minutes of the hand-off, by the app's clock, in India's time."""
    return (app.clock.now() + HANDOFF + timedelta(seconds=seconds)).astimezone(IST).replace(microsecond=0)


def to_handoff(app: RunningApp, send_at: datetime, past: timedelta = timedelta(seconds=1)) -> None:
    """Move the app's clock to just past the hand-off of an SMS due at `send_at`, and run what is due."""
    app.advance(send_at - HANDOFF + past - app.clock.now())


def confirm(
    app: SlackRequests, slack: FakeSlack, send_at: datetime | str, body: str = "Hello", **kwargs: Any
) -> dict[str, Any]:
    """Schedule and confirm; returns the reply to Confirm."""
    url = slack.response_url("cmd")
    when = send_at.isoformat() if isinstance(send_at, datetime) else send_at
    app.command(f'{NUMBER} "{body}" {when}', response_url=url, **kwargs)
    confirmation = confirmation_for(slack, url)
    return clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"), **kwargs)


def dms(slack: FakeSlack, user: str = "U1") -> list[str]:
    return [text_of(post["blocks"]) for post in slack.of("chat.postMessage") if post.get("channel") == user]


def channel_post(slack: FakeSlack) -> str:
    posts = [post for post in slack.of("chat.postMessage") if post.get("channel") == "C1"]
    return text_of(posts[0]["blocks"]) if posts else ""


def post_updates(slack: FakeSlack) -> list[str]:
    return [text_of(update["blocks"]) for update in slack.of("chat.update")]


def listing(app: RunningApp, slack: FakeSlack, user: str = "U1") -> str:
    url = slack.response_url("list")
    app.command("list", response_url=url, user=user)
    return text_of(wait_for(lambda: replies_to(slack, url))[0]["blocks"])


@pytest.fixture
def hold_app(start_app: Any) -> RunningApp:
    return start_app(**HOLDING)


def test_held_then_cancelled_never_reaches_kaleyra(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send_at = ahead(hold_app, 8)
    reply = confirm(hold_app, slack, send_at)
    text = text_of(reply["blocks"])
    assert "Held by the app" in text and "cancellable until" in text
    assert f"cancellable until {(send_at - HANDOFF):%H:%M} IST" in text
    assert "cancellable until" in wait_for(lambda: channel_post(slack))
    assert kaleyra.requests == []

    cancelled = clicked(hold_app, slack, "held_cancel", button_value(reply, "held_cancel"))
    assert "Cancelled by <@U1>" in text_of(cancelled["blocks"]) and "Nothing was sent" in text_of(cancelled["blocks"])
    assert "held_send_now" not in text_of(cancelled["blocks"]), "nothing left to do with a cancelled SMS"
    wait_for(lambda: any("cancelled by <@U1>" in update for update in post_updates(slack)))
    to_handoff(hold_app, send_at, past=timedelta(minutes=30))
    assert kaleyra.requests == [], "a cancelled SMS is never handed off"

    again = clicked(hold_app, slack, "held_send_now", button_value(reply, "held_send_now"))
    assert "already cancelled" in text_of(again["blocks"])
    assert kaleyra.requests == []


def held_with_its_post_unanswered(app: RunningApp, slack: FakeSlack) -> tuple[dict[str, Any], threading.Event]:
    """A held SMS whose channel post Slack has received and not yet answered (it answers once the returned
    gate is set); and the reply to its Confirm."""
    posting = slack.gates["chat.postMessage"] = threading.Event()
    reply = confirm(app, slack, ahead(app, 8))
    assert "cancellable until" in wait_for(lambda: channel_post(slack))
    return reply, posting


def test_a_cancel_that_comes_before_the_channel_post_is_linked_is_shown_on_it(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    reply, posting = held_with_its_post_unanswered(hold_app, slack)
    cancelled = clicked(hold_app, slack, "held_cancel", button_value(reply, "held_cancel"))
    assert "Cancelled by <@U1>" in text_of(cancelled["blocks"])  # ...and its owner cancels before it is linked
    posting.set()
    [update] = wait_for(lambda: post_updates(slack))
    assert "cancelled by <@U1>" in update and "cancellable until" not in update
    assert kaleyra.requests == []


def test_send_now_while_the_channel_post_is_on_its_way_leaves_one_post_showing_it_sent(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    reply, posting = held_with_its_post_unanswered(hold_app, slack)
    clicked(hold_app, slack, "held_send_now", button_value(reply, "held_send_now"))  # sent before it is linked
    assert len(kaleyra.requests) == 1
    posting.set()

    def shown() -> list[str]:
        """The channel's posts of the SMS that are still there, each as its last update left it."""
        deleted = {call["ts"] for call in slack.of("chat.delete")}
        answered = [call for call in slack.of_calls("chat.postMessage") if call.params.get("channel") == "C1"]
        posts = {call.answer["ts"]: text_of(call.params["blocks"]) for call in answered if call.answer}
        for update in slack.of("chat.update"):
            posts[update["ts"]] = text_of(update["blocks"])
        return [text for ts, text in posts.items() if ts not in deleted]

    [post] = wait_for(lambda: len(shown()) == 1 and "cancellable until" not in shown()[0] and shown())
    assert "*State:* sent" in post and len(slack.of("chat.delete")) == 1


def test_handed_off_at_its_moment_with_the_send_time(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send_at = ahead(hold_app, 4)
    confirm(hold_app, slack, send_at)
    to_handoff(hold_app, send_at, past=-timedelta(seconds=1))
    assert kaleyra.requests == [], "not before T - HANDOFF_MINUTES"
    hold_app.advance(timedelta(seconds=2))
    [sent] = kaleyra.requests
    assert sent.body["time"] == send_at.isoformat()
    [news] = wait_for(lambda: dms(slack))
    assert "Handed to Kaleyra" in news and "can no longer be cancelled" in news
    assert "held_cancel" not in news
    wait_for(lambda: any("handed to Kaleyra" in update for update in post_updates(slack)))
    hold_app.advance(timedelta(hours=1))
    assert len(kaleyra.requests) == 1


def test_callbacks_find_a_handed_off_sms_by_its_kaleyra_ids(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING, kaleyra_callback_token=TOKEN, status_first_check_seconds=3600)
    send_at = ahead(app, 2)
    confirm(app, slack, send_at)
    to_handoff(app, send_at)
    [message_id] = wait_for(lambda: kaleyra.message_ids())
    answer = wait_for(lambda: (r := callback(app, "json", id=message_id, status="DELIVERED")).json()["recorded"] and r)
    assert answer.status_code == 200
    wait_for(lambda: any("1 Delivered" in update for update in post_updates(slack)))


def test_send_now_calls_kaleyra_at_once_without_a_time(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send_at = ahead(hold_app, 300)
    reply = confirm(hold_app, slack, send_at)
    sent_now = clicked(hold_app, slack, "held_send_now", button_value(reply, "held_send_now"))
    assert "Sent now" in text_of(sent_now["blocks"])
    [sent] = kaleyra.requests
    assert "time" not in sent.body and sent.body["body"] == "Hello"
    wait_for(lambda: any("sent" in update and "held by the app" not in update for update in post_updates(slack)))
    cancel = clicked(hold_app, slack, "held_cancel", button_value(reply, "held_cancel"))
    assert "already gone to Kaleyra" in text_of(cancel["blocks"])
    to_handoff(hold_app, send_at, past=timedelta(minutes=20))
    assert len(kaleyra.requests) == 1, "its hand-off no longer sends it"


def test_edit_replaces_the_held_sms(hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    reply = confirm(hold_app, slack, ahead(hold_app, 300), body="Old text")
    old_id = button_value(reply, "held_edit")
    hold_app.click("held_edit", old_id, response_url=slack.response_url("edit"))
    view = opened_view(slack)
    assert "Old text" in text_of(view) and NUMBER in text_of(view)

    new_time = ahead(hold_app, 8)
    values = modal_values(
        recipients=NUMBER, message="New text", when=new_time.isoformat(), route="TXN", sender="KLRHXA"
    )
    assert hold_app.submit(view, values).status_code == 200
    confirmation = wait_for(lambda: _edited(slack, "New text"))[0]
    assert "replaces the SMS you edited" in text_of(confirmation["blocks"])
    assert kaleyra.requests == [], "the edit alone changes nothing"

    held = clicked(hold_app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    assert "Held by the app" in text_of(held["blocks"]) and "replaces the SMS you edited" in text_of(held["blocks"])
    old = clicked(hold_app, slack, "held_send_now", old_id)
    assert "replaced by an edit" in text_of(old["blocks"])

    to_handoff(hold_app, new_time)
    hold_app.advance(timedelta(minutes=10))  # past the original's hand-off too
    assert [request.body["body"] for request in kaleyra.requests] == ["New text"]
    assert kaleyra.requests[0].body["time"] == new_time.isoformat()


def _edited(slack: FakeSlack, text: str) -> list[dict[str, Any]]:
    return [r for r in slack.of("respond") if "Check and confirm" in r["text"] and text in text_of(r)]


def _edit(app: RunningApp, slack: FakeSlack, record_id: str, message: str, when: datetime) -> dict[str, Any]:
    """Edit a held SMS in the form; returns the new confirmation."""
    app.click("held_edit", record_id, response_url=slack.response_url("edit"))
    view = wait_for(lambda: [call["view"] for call in slack.of("views.open") if message not in text_of(call)])[-1]
    values = modal_values(recipients=NUMBER, message=message, when=when.isoformat(), route="TXN", sender="KLRHXA")
    assert app.submit(view, values).status_code == 200
    return wait_for(lambda: _edited(slack, message))[0]


def test_a_refused_edit_leaves_the_original_held_and_says_so(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    original_at = ahead(hold_app, 600)
    record_id = button_value(confirm(hold_app, slack, original_at, body="Original"), "held_cancel")
    confirmation = _edit(hold_app, slack, record_id, "Edited", ahead(hold_app, -30))  # 15.5 minutes ahead
    hold_app.clock.advance(timedelta(minutes=2))  # Confirm comes late: the edit's time is too close now
    refused = clicked(hold_app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    said = text_of(refused["blocks"])
    assert "Not sent" in said and "15 minutes" in said and "The SMS you edited is unchanged and still held" in said
    assert "held by the app" in listing(hold_app, slack)
    to_handoff(hold_app, original_at)
    assert [request.body["body"] for request in kaleyra.requests] == ["Original"]


@pytest.mark.parametrize("meanwhile", ["cancelled", "edited again"])
def test_an_edit_of_an_sms_no_longer_held_gives_the_real_reason(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra, meanwhile: str
) -> None:
    record_id = button_value(confirm(hold_app, slack, ahead(hold_app, 600), body="Original"), "held_cancel")
    confirmation = _edit(hold_app, slack, record_id, "First edit", ahead(hold_app, 900))
    if meanwhile == "cancelled":
        clicked(hold_app, slack, "held_cancel", record_id)
    else:
        other = _edit(hold_app, slack, record_id, "Second edit", ahead(hold_app, 1200))
        clicked(hold_app, slack, "confirm_sms", button_value(other, "confirm_sms"))
    late = text_of(clicked(hold_app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))["blocks"])
    assert "Not scheduled" in late and "already gone to Kaleyra" not in late
    assert ("cancelled by <@U1>" if meanwhile == "cancelled" else "replaced by an edit") in late
    assert kaleyra.requests == []


def test_two_instances_hand_off_once(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    first, second = start_app(**HOLDING), start_app(**HOLDING)
    send_at = ahead(first, 3)
    confirm(first, slack, send_at)
    for app in (first, second):
        app.clock.advance(send_at - HANDOFF + timedelta(seconds=1) - app.clock.now())
    runs = [first.call(first.services.jobs.run_due()), second.call(second.services.jobs.run_due())]
    assert sum(runs) == 1 and len(kaleyra.requests) == 1
    wait_for(lambda: dms(slack))
    assert len([news for news in dms(slack) if "Handed to Kaleyra" in news]) == 1


def test_send_now_just_before_the_hand_off_is_sent_once_and_told_truly(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send_at = ahead(hold_app, 5)
    reply = confirm(hold_app, slack, send_at)
    kaleyra.gate = threading.Event()  # Kaleyra is slow, so the hand-off comes while Send now waits for it
    url = slack.response_url("now")
    hold_app.click("held_send_now", button_value(reply, "held_send_now"), response_url=url)
    wait_for(lambda: kaleyra.requests)
    to_handoff(hold_app, send_at)  # the hand-off job finds the send under way, by a live instance
    kaleyra.gate.set()
    sent = text_of(wait_for(lambda: replies_to(slack, url))[0]["blocks"])
    assert "Sent now" in sent
    hold_app.advance(timedelta(minutes=30))
    assert len(kaleyra.requests) == 1
    assert not any("outcome is unknown" in news or "app stopped" in news for news in dms(slack))
    again = clicked(hold_app, slack, "held_send_now", button_value(reply, "held_send_now"))
    assert "already gone to Kaleyra" in text_of(again["blocks"]) and len(kaleyra.requests) == 1


def _process(slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer, cwd: Path, **env: str) -> BotProcess:
    """An instance as its own process (`python -m bot`), to be killed as a crash kills it."""
    settings = {
        "HANDOFF_MINUTES": "16",
        "QUEUE_POLL_SECONDS": "0.2",
        "QUEUE_LEASE_SECONDS": "30",
        "KALEYRA_TYPE": "TXN",
    }
    return BotProcess(app_env(slack, kaleyra, REDIS_URL=redis_server.url, **settings | env), cwd)


def test_an_instance_dying_during_the_hand_off_is_never_repeated_without_the_owner(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer, tmp_path: Path
) -> None:
    confirming = start_app(**HOLDING)
    send_at = ahead(confirming, 600)
    confirm(confirming, slack, send_at)
    confirming.close()
    kaleyra.script = [KaleyraReply(delay=30)]  # the hand-off hangs at Kaleyra...
    due = send_at - HANDOFF + timedelta(seconds=1) - datetime.now(UTC)
    crashing = _process(slack, kaleyra, redis_server, tmp_path, CLOCK_OFFSET_SECONDS=str(due.total_seconds()))
    wait_for(lambda: kaleyra.requests)
    crashing.process.kill()  # ...and its instance dies in the middle of it
    crashing.process.wait(10)

    survivor = start_app(**HOLDING, kaleyra_callback_token=TOKEN)
    survivor.advance(due + timedelta(minutes=1))  # past the dead send's lease
    [news] = wait_for(lambda: dms(slack))
    assert "outcome is unknown" in news and "will not be sent again by itself" in news and "held_send_now" not in news
    survivor.advance(timedelta(hours=1))
    assert len(kaleyra.requests) == 1, "an interrupted hand-off is never repeated automatically"

    message = slack.of("chat.postMessage")[-1]
    sent = clicked(survivor, slack, "held_send_again", button_value(message, "held_send_again"))
    assert "Sent again" in text_of(sent["blocks"])
    assert len(kaleyra.requests) == 2 and "time" not in kaleyra.requests[1].body
    message_id = kaleyra.message_ids()[-1]  # the second send is followed like any other
    assert callback(survivor, "json", id=message_id, status="DELIVERED").json()["recorded"] is True


def test_an_instance_dying_while_send_now_waits_to_retry_leaves_it_held(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer, tmp_path: Path
) -> None:
    survivor = start_app(**HOLDING)
    crashing = _process(slack, kaleyra, redis_server, tmp_path)
    record_id = button_value(confirm(crashing, slack, ahead(survivor, 600)), "held_cancel")
    busy = KaleyraReply(
        status=429, body={"code": "E429", "message": "Too many requests"}, headers={"Retry-After": "20"}
    )
    kaleyra.script = [busy]
    crashing.click("held_send_now", record_id, response_url=slack.response_url("now"))

    def waiting_to_retry() -> bool:  # Kaleyra said no, and the app noted that nothing is at Kaleyra
        record = survivor.call(survivor.services.store.get(record_id))
        return record is not None and record.attempt is not None and not record.attempt.on_wire

    wait_for(waiting_to_retry)
    crashing.process.kill()
    crashing.process.wait(10)

    survivor.advance(timedelta(minutes=1))  # the dead send's lease runs out: nothing was at Kaleyra
    assert "held by the app" in listing(survivor, slack)
    cancelled = clicked(survivor, slack, "held_cancel", record_id)
    assert "Cancelled by <@U1>" in text_of(cancelled["blocks"])
    assert kaleyra.accepted == [] and not dms(slack)


def _travel(app: RunningApp, send_at: datetime) -> None:
    """As if every instance had been down from the hand-off of an SMS due at `send_at` until now + `late`."""
    app.advance(send_at - app.clock.now())


def test_a_missed_hand_off_within_the_late_minutes_is_sent_late(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    down = start_app(**HOLDING)
    send_at = ahead(down, 600)
    confirm(down, slack, send_at)
    down.close()
    app = start_app(**HOLDING)
    _travel(app, send_at + timedelta(minutes=3, seconds=10))
    [sent] = kaleyra.requests
    assert "time" not in sent.body
    [news] = wait_for(lambda: dms(slack))
    assert "Sent now" in news and "went 3 minutes late" in news


def test_a_missed_hand_off_past_the_late_minutes_asks_the_user(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    down = start_app(**HOLDING)
    send_at = ahead(down, 600)
    record_id = button_value(confirm(down, slack, send_at), "held_cancel")
    down.close()
    app = start_app(**HOLDING)
    _travel(app, send_at + timedelta(minutes=30))
    [news] = wait_for(lambda: dms(slack))
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
    reply = confirm(app, slack, ahead(app, 600))
    record_id = button_value(reply, "held_cancel")
    for action in ("held_cancel", "held_send_now", "held_edit"):
        refused = clicked(app, slack, action, record_id, user="U2")
        assert "Only the person who scheduled this SMS, or an admin" in text_of(refused["blocks"])
    assert kaleyra.requests == [] and slack.of("views.open") == []
    shown = listing(app, slack)
    assert "held by the app, cancellable until" in shown and "held_cancel" in shown
    cancelled = clicked(app, slack, "held_cancel", record_id, user="UADMIN")
    assert "Cancelled by <@UADMIN>" in text_of(cancelled["blocks"])
    assert kaleyra.requests == []


def test_a_member_removed_from_the_allowed_users_sends_no_more(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    before = start_app(**HOLDING | {"allowed_users": "U1"})
    at = (before.clock.now() + timedelta(minutes=40)).astimezone(IST).replace(second=0, microsecond=0)
    series = confirm(before, slack, f"every day at {at:%H:%M} for 5 times", body="Standup")
    once_at = ahead(before, 900)
    single = confirm(before, slack, once_at, body="Once")
    before.close()
    after = start_app(**HOLDING | {"allowed_users": "U2"})  # U1 is taken off the list
    refused = clicked(after, slack, "held_send_now", button_value(single, "held_send_now"))
    assert "not on the list of people who may send SMS" in text_of(refused["blocks"])
    assert "held_send_now" in text_of(refused["blocks"]), "the buttons that still apply stay"
    for send_at in sorted([once_at, *(at + timedelta(days=day) for day in range(5))]):
        to_handoff(after, send_at)
    assert kaleyra.requests == [], "neither its hand-offs nor its series send"
    news = [text for text in dms(slack) if "not on the list" in text]
    assert len(news) == 2, "each SMS's owner is told once; the series stops rather than refusing each send"
    assert "send 2 of a series" not in listing(after, slack)
    assert button_value(series, "series_stop")


def test_app_home_shows_held_sms_with_their_buttons(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(**HOLDING)
    confirm(app, slack, ahead(app, 600))
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
            "event_id": "EvHome1", "event_time": int(time.time())}  # fmt: skip
    assert app.post_signed(json.dumps(body)).status_code == 200
    [published] = wait_for(lambda: slack.of("views.publish"))
    home = text_of(published["view"])
    assert "cancellable until" in home and "held_cancel" in home and "held_send_now" in home


def _ist(app: RunningApp, hour: int, minute: int, days: int = 0) -> datetime:
    today = app.clock.now().astimezone(IST).date() + timedelta(days=days)
    return datetime.combine(today, dtime(hour, minute), IST)


def test_promotional_sms_outside_quiet_hours_is_refused_with_the_next_allowed_time(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"kaleyra_type": "MKT", "mkt_send_hours_countries": "IN"})
    night = _ist(app, 23, 30, days=1)
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


def test_a_now_sms_checked_before_quiet_hours_and_confirmed_in_them_is_refused(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"kaleyra_type": "MKT", "mkt_send_hours_countries": "IN"})
    app.clock.advance(_ist(app, 20, 59, days=1) - app.clock.now())
    url = slack.response_url("cmd")
    app.command(f'{NUMBER} "Sale!" now', response_url=url)
    confirmation = confirmation_for(slack, url)
    app.clock.advance(timedelta(minutes=2))  # Confirm comes at 21:01, inside the quiet hours
    refused = clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    assert "09:00-21:00" in text_of(refused["blocks"]) and button_value(refused, "quiet_next")
    assert kaleyra.requests == []


def test_a_refused_send_now_keeps_the_sms_held_and_its_hand_off(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"kaleyra_type": "MKT", "mkt_send_hours_countries": "IN"})
    app.clock.advance(_ist(app, 22, 0, days=1) - app.clock.now())
    send_at = _ist(app, 10, 0, days=2)
    reply = confirm(app, slack, send_at, body="Sale!")
    refused = clicked(app, slack, "held_send_now", button_value(reply, "held_send_now"))
    said = text_of(refused["blocks"])
    assert "Not sent" in said and "09:00-21:00" in said and "still held and goes at its time" in said
    assert "held_send_now" in said and "held by the app" in listing(app, slack)
    to_handoff(app, send_at)
    [sent] = kaleyra.requests
    assert sent.body["time"] == send_at.isoformat(), "its hand-off was kept"


def test_a_recurring_series_holds_its_sends_in_turn(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    at = (hold_app.clock.now() + timedelta(minutes=30)).astimezone(IST).replace(second=0, microsecond=0)
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

    root = button_value(first, "held_cancel")[:-2]
    second = listing(hold_app, slack)
    assert "send 2 of a series" in second and f"{sends[1]:%a %d %b %H:%M}" in second
    skipped = clicked(hold_app, slack, "held_cancel", f"{root}-2")
    assert "Cancelled by <@U1>" in text_of(skipped["blocks"])
    assert "send 3 of a series" in listing(hold_app, slack)
    stopped = clicked(hold_app, slack, "series_stop", f"{root}-3")
    assert "Series stopped by <@U1>" in text_of(stopped["blocks"]) and "next SMS was cancelled" in text_of(stopped)
    final = listing(hold_app, slack)
    assert "send 4 of a series" not in final and "held by the app" not in final
    hold_app.advance(timedelta(days=6))
    assert len(kaleyra.requests) == 1


def test_stop_on_a_send_already_handed_off_cancels_the_next_held_send(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    at = (hold_app.clock.now() + timedelta(minutes=40)).astimezone(IST).replace(second=0, microsecond=0)
    first = confirm(hold_app, slack, f"every day at {at:%H:%M} for 5 times", body="Standup")
    to_handoff(hold_app, at)
    assert len(kaleyra.requests) == 1 and "send 2 of a series" in listing(hold_app, slack)
    stopped = clicked(hold_app, slack, "series_stop", button_value(first, "series_stop"))
    said = text_of(stopped["blocks"])
    assert "Series stopped by <@U1>" in said and "next SMS was cancelled" in said
    assert "held by the app" not in listing(hold_app, slack)
    hold_app.advance(timedelta(days=6))
    assert len(kaleyra.requests) == 1, "no send of a stopped series goes out"
    again = clicked(hold_app, slack, "series_stop", button_value(first, "series_stop"))
    assert "already stopped" in text_of(again["blocks"])


@pytest.mark.parametrize(
    "phrase", ["every 0 days at 1am", "every 000 days at 1am for 5 times", "every 0 weeks on friday 5pm"]
)
def test_a_series_that_would_never_end_is_refused_at_once(app: RunningApp, slack: FakeSlack, phrase: str) -> None:
    url = slack.response_url("cmd")
    answer = app.command(f'{NUMBER} "Hi" {phrase}', response_url=url)
    assert answer.status_code == 200
    view = opened_view(slack)
    assert "A series repeats every 1 to" in text_of(view)
    assert app.http.get("/healthz").status_code == 200, "the app goes on serving everyone"


def test_quiet_hours_from_the_form_close_it_and_offer_the_next_allowed_time(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"mkt_send_hours_countries": "IN"})
    url = slack.response_url("form")
    app.command("", response_url=url)
    view = opened_view(slack)
    night = _ist(app, 22, 15, days=1)
    values = modal_values(recipients=NUMBER, message="Sale!", when=night.isoformat(), route="MKT", sender="KLRHXA")
    answer = app.submit(view, values)
    assert answer.status_code == 200 and answer.content in (b"", b"{}"), "the form closes: this is no field error"
    [refusal] = wait_for(lambda: replies_to(slack, url))
    assert "09:00-21:00" in text_of(refusal["blocks"]) and button_value(refusal, "quiet_next")
    assert kaleyra.requests == []


def test_limits_are_checked_again_at_hand_off_and_a_refusal_is_told(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"daily_sms_limit": 1})
    send_at = ahead(app, 6)
    held = confirm(app, slack, send_at)
    assert "Held by the app" in text_of(held["blocks"])
    url = slack.response_url("now")
    app.command(f'{NUMBER} "Meanwhile" now', response_url=url)
    clicked(app, slack, "confirm_sms", button_value(confirmation_for(slack, url), "confirm_sms"))
    to_handoff(app, send_at)
    [news] = wait_for(lambda: dms(slack))
    assert "Not sent" in news and "limit of 1 SMS a day" in news and "held_send_now" in news
    assert [request.body["body"] for request in kaleyra.requests] == ["Meanwhile"]


def test_a_hand_off_that_keeps_failing_is_given_up_and_the_owner_told(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app = start_app(**HOLDING | {"handoff_minutes": 60, "allowed_usergroups": "S1", "queue_max_attempts": 3})
    slack.usergroups["S1"] = ["U1"]
    send_at = (app.clock.now() + timedelta(hours=2)).astimezone(IST).replace(microsecond=0)
    confirm(app, slack, send_at)
    slack.failing_methods["usergroups.users.list"] = "ratelimited"  # Slack cannot say who may send
    # (what the app knew of the user's groups is older than its 10 minutes by the hand-off)
    app.advance(send_at - timedelta(minutes=60) - app.clock.now())
    for _ in range(3):  # each failure waits a little longer before the next try
        app.advance(timedelta(seconds=30))
    [news] = wait_for(lambda: dms(slack))
    assert "Not sent" in news and "could not hand it off (3 tries)" in news and "held_send_now" in news
    app.advance(timedelta(minutes=30))
    assert kaleyra.requests == [] and len(dms(slack)) == 1


def test_their_time_across_zones_is_one_sms_per_zone_each_at_its_own_time(
    hold_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    los_angeles = "+14155550100"
    url = slack.response_url("cmd")
    hold_app.command(f'{NUMBER}, {los_angeles} "Hi" tomorrow 9am their time', response_url=url)
    confirmation = confirmation_for(slack, url)
    today = {
        zone: hold_app.clock.now().astimezone(ZoneInfo(zone)).date()
        for zone in ("Asia/Calcutta", "America/Los_Angeles")
    }
    nine = {zone: datetime.combine(day + timedelta(days=1), dtime(9), ZoneInfo(zone)) for zone, day in today.items()}
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

    for at in sorted(nine.values()):
        to_handoff(hold_app, at)
    hold_app.advance(timedelta(days=2))
    sent = {request.body["to"]: request.body["time"] for request in kaleyra.requests}
    assert len(kaleyra.requests) == 2, "each zone handed off exactly once"
    assert sent == {NUMBER: nine["Asia/Calcutta"].isoformat(), los_angeles: nine["America/Los_Angeles"].isoformat()}
    wait_for(lambda: len([news for news in dms(slack) if "Handed to Kaleyra" in news]) == 2)
