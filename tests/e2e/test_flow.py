"""The whole product through its HTTP front door: signed Slack requests in, fake Slack and Kaleyra out."""

from __future__ import annotations

import json
import threading
from typing import Any

from bot.slack.blocks import escape as blocks_escape
from tests.e2e.fakes import FakeKaleyra, FakeSlack, opened_view, wait_for
from tests.e2e.harness import RunningApp, modal_values
from tests.slack_models import validate_blocks

NUMBER = "+919876543210"


def text_of(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


def confirmation_for(slack: FakeSlack, url: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        for reply in slack.of("respond"):
            if reply["url"].endswith(url.rsplit("/", 1)[1]) and "Check and confirm" in reply.get("text", ""):
                return reply
        return None

    return wait_for(found)


def button_value(reply: dict[str, Any], action_id: str) -> str:
    for block in reply["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button")


def clicked(app: RunningApp, slack: FakeSlack, action_id: str, value: str, **kwargs: Any) -> dict[str, Any]:
    """Click a button and return the app's first reply to that click."""
    url = slack.response_url(action_id)
    app.click(action_id, value, response_url=url, **kwargs)
    reply: dict[str, Any] = wait_for(lambda: replies_to(slack, url))[0]
    return reply


def replies_to(slack: FakeSlack, url: str) -> list[dict[str, Any]]:
    return [reply for reply in slack.of("respond") if reply["url"] == url.removeprefix(url.split("/respond/")[0])]


def test_one_line_command_schedules_after_confirm(app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    url = slack.response_url("cmd")
    ack = app.command(f'{NUMBER} "Hi, your appointment with Dr. John is at 4.00 PM" in 2 hours', response_url=url)
    assert ack.status_code == 200
    confirmation = confirmation_for(slack, url)
    text = text_of(confirmation["blocks"])
    assert NUMBER in text and "Dr. John" in text and "IST" in text
    assert kaleyra.requests == [], "nothing goes to Kaleyra before Confirm"

    click_url = slack.response_url("click")
    assert (
        app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click_url).status_code == 200
    )
    outcome = wait_for(lambda: replies_to(slack, click_url))[0]
    assert outcome["replace_original"] is True and "Scheduled" in outcome["text"]
    post = wait_for(lambda: slack.of("chat.postMessage"))[0]
    assert post["channel"] == "C1" and "+91•••••43210" in text_of(post["blocks"]) and NUMBER not in text_of(post)

    [sent] = kaleyra.requests
    assert sent.path == "/v1/HXAP16TEST97IN/sms" and sent.content_type == "application/json"
    assert sent.headers["api-key"] == "Atestkaleyraapikey0123456789"
    assert sent.body["to"] == NUMBER and sent.body["type"] == "MKT" and sent.body["sender"] == "KLRHXA"
    assert sent.body["callback_profile_id"] == "IN_profile-1"
    assert sent.body["time"][-6:] == "+05:30" and sent.body["time"][10] == "T"


def schedule(app: RunningApp, slack: FakeSlack, text: str, **kwargs: Any) -> dict[str, Any]:
    url = slack.response_url("cmd")
    app.command(text, response_url=url, **kwargs)
    return confirmation_for(slack, url)


def test_help_answers_in_the_ack(app: RunningApp, slack: FakeSlack) -> None:
    ack = app.command("help", response_url=slack.response_url())
    assert ack.status_code == 200
    body = ack.json()
    validate_blocks(body["blocks"])
    assert "/schedule-sms" in text_of(body["blocks"]) and "tomorrow 5pm" in text_of(body["blocks"])


def test_bare_command_opens_the_modal_and_shows_errors_inline(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    url = slack.response_url("cmd")
    assert app.command("", response_url=url).status_code == 200
    view = opened_view(slack)
    block_ids = [block.get("block_id") for block in view["blocks"]]
    for field in ("recipients", "message", "when", "route", "sender", "template_id", "callback_profile_id"):
        assert field in block_ids

    bad = app.submit(view, modal_values(recipients="12", message="", when="banana", route="MKT", sender="KLRHXA"))
    errors = bad.json()
    assert errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"recipients", "message", "when"}
    assert "banana" in errors["errors"]["when"]

    good = app.submit(
        view, modal_values(recipients=NUMBER, message="Hello", when="in 3 hours", route="TXN", sender="KLRHXA")
    )
    assert good.status_code == 200 and good.text in ("", "{}")
    confirmation = confirmation_for(slack, url)
    assert "TXN" in text_of(confirmation["blocks"])
    assert kaleyra.requests == []


def test_modal_send_now_leaves_time_out(app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    url = slack.response_url("cmd")
    app.command("", response_url=url)
    view = opened_view(slack)
    app.submit(
        view,
        modal_values(recipients=NUMBER, message="Now please", when="", send_now=True, route="MKT", sender="KLRHXA"),
    )
    confirmation = confirmation_for(slack, url)
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=slack.response_url())
    sent = wait_for(lambda: kaleyra.requests)[0]
    assert "time" not in sent.body


def test_incomplete_command_opens_the_modal_prefilled(app: RunningApp, slack: FakeSlack) -> None:
    app.command(f"{NUMBER} tomorrow 5pm", response_url=slack.response_url())
    view = opened_view(slack)
    assert "The message is empty" in text_of(view)
    recipients = next(block for block in view["blocks"] if block.get("block_id") == "recipients")
    assert recipients["element"]["initial_value"] == NUMBER


def test_cancel_replaces_the_confirmation_and_sends_nothing(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours')
    pending_id = button_value(confirmation, "cancel_sms")
    assert "Cancelled" in clicked(app, slack, "cancel_sms", pending_id)["text"]
    assert "cancelled" in clicked(app, slack, "confirm_sms", pending_id)["text"]
    assert kaleyra.requests == []


def start_edit(app: RunningApp, slack: FakeSlack) -> tuple[str, str, dict[str, Any]]:
    """Schedule "Hello" and click its Edit: the request's id, the Edit click's response_url, the form."""
    confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours')
    old_id = button_value(confirmation, "edit_sms")
    edit_url = slack.response_url("edit")
    app.click("edit_sms", old_id, response_url=edit_url)
    return old_id, edit_url, opened_view(slack)


def submit_edit(app: RunningApp, view: dict[str, Any]) -> None:
    app.submit(
        view, modal_values(recipients=NUMBER, message="Hello again", when="in 3 hours", route="MKT", sender="KLRHXA")
    )


def test_edit_reopens_the_modal_and_replaces_the_request(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    old_id, edit_url, view = start_edit(app, slack)
    message = next(block for block in view["blocks"] if block.get("block_id") == "message")
    assert message["element"]["initial_value"] == "Hello"

    submit_edit(app, view)
    edited = wait_for(lambda: [r for r in replies_to(slack, edit_url) if "Check and confirm" in r["text"]])[0]
    assert edited["replace_original"] is True and "Hello again" in text_of(edited["blocks"])

    assert "replaced by your edit" in clicked(app, slack, "confirm_sms", old_id)["text"]
    assert kaleyra.requests == []
    app.click("confirm_sms", button_value(edited, "confirm_sms"), response_url=slack.response_url())
    assert wait_for(lambda: kaleyra.requests)[0].body["body"] == "Hello again"
    assert len(kaleyra.requests) == 1


def test_an_edit_after_the_old_request_was_confirmed_says_so(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    old_id, edit_url, view = start_edit(app, slack)
    assert "Scheduled" in clicked(app, slack, "confirm_sms", old_id)["text"]  # the old one, while the form is open
    submit_edit(app, view)
    replies = wait_for(lambda: len(replies_to(slack, edit_url)) >= 2 and replies_to(slack, edit_url))
    assert "already scheduled" in replies[0]["text"] and "confirm it only if you want both" in replies[0]["text"]
    assert "Check and confirm" in replies[1]["text"] and replies[1]["replace_original"] is False
    assert [request.body["body"] for request in kaleyra.requests] == ["Hello"]


def test_confirm_twice_on_two_instances_sends_once(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    first, second = start_app(), start_app()
    kaleyra.gate = threading.Event()  # the one send stays in flight until every other click is answered
    confirmation = schedule(first, slack, f'{NUMBER} "Once only" in 2 hours')
    pending_id = button_value(confirmation, "confirm_sms")
    urls = [slack.response_url(f"click{i}") for i in range(4)]
    for index, url in enumerate(urls):
        (first if index % 2 else second).click("confirm_sms", pending_id, response_url=url)
    wait_for(lambda: len(kaleyra.requests) == 1 and sum(bool(replies_to(slack, url)) for url in urls) == 3)
    kaleyra.gate.set()
    replies = wait_for(lambda: all(replies_to(slack, url) for url in urls) and [replies_to(slack, u)[0] for u in urls])
    assert len(kaleyra.requests) == 1
    assert sum("Scheduled" in reply["text"] for reply in replies) == 1
    assert all(
        "not be sent twice" in r["text"] or "not sent again" in r["text"]
        for r in replies
        if "Scheduled" not in r["text"]
    )


def test_over_100_recipients_are_split_into_requests(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(max_recipients=300)
    numbers = ", ".join(f"+9198765{index:05d}" for index in range(150))
    confirmation = schedule(app, slack, f'{numbers} "Bulk" in 2 hours')
    click_url = slack.response_url("click")
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click_url)
    outcome = wait_for(lambda: replies_to(slack, click_url))[0]
    assert [len(r.body["to"].split(",")) for r in kaleyra.requests] == [100, 50]
    assert text_of(outcome["blocks"]).count("Kaleyra id") == 2


def test_not_in_channel_still_tells_the_user(app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    slack.channels_without_app.add("C9")
    confirmation = schedule(app, slack, f'{NUMBER} "Hello" in 2 hours', channel="C9")
    click_url = slack.response_url("click")
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click_url, channel="C9")
    replies = wait_for(lambda: len(replies_to(slack, click_url)) >= 2 and replies_to(slack, click_url))
    assert "Scheduled" in replies[0]["text"] and "Invite the app" in replies[1]["text"]
    assert len(kaleyra.requests) == 1


def test_user_text_is_never_a_mention(app: RunningApp, slack: FakeSlack) -> None:
    confirmation = schedule(app, slack, f'{NUMBER} "<!channel> @here come now" in 2 hours')
    body_block = next(b for b in confirmation["blocks"] if b["type"] == "section" and b["text"]["type"] == "plain_text")
    assert body_block["text"]["text"] == "<!channel> @here come now"
    for block in confirmation["blocks"]:
        if block.get("text", {}).get("type") == "mrkdwn":
            assert "<!channel>" not in block["text"]["text"]

    slack.failing_methods["views.open"] = "expired_trigger_id"  # errors come back as a message
    for phrase, mention in (("<!channel> at @here", "<!channel>"), ("<!here> tomorrow", "<!here>")):
        url = slack.response_url("bad")
        app.command(f'{NUMBER} "hi" {phrase}', response_url=url)
        reply = wait_for(lambda url=url: replies_to(slack, url))[0]
        assert mention not in text_of(reply["blocks"]) and mention not in reply["text"]
        assert blocks_escape(mention) in text_of(reply["blocks"])


def test_timezone_comes_from_the_slack_user(app: RunningApp, slack: FakeSlack) -> None:
    slack.timezones["ULA"] = "America/Los_Angeles"
    confirmation = schedule(app, slack, f'{NUMBER} "Hi" in 2 hours', user="ULA")
    assert "PST" in text_of(confirmation["blocks"]) or "PDT" in text_of(confirmation["blocks"])


def test_modal_shows_a_live_length_hint(app: RunningApp, slack: FakeSlack) -> None:
    app.command("", response_url=slack.response_url())
    view = opened_view(slack)
    typed = {**view, "id": "V9", "hash": "h9", "state": {"values": modal_values(message="Namaste ₹500")}}
    payload = {"type": "block_actions", "user": {"id": "U1"}, "view": typed,
               "actions": [{"action_id": "message_typed", "block_id": "message", "value": "Namaste ₹500"}]}  # fmt: skip
    assert app.interact(payload).status_code == 200
    update = wait_for(lambda: slack.of("views.update"))[0]
    assert update["view_id"] == "V9" and update["hash"] == "h9"
    assert "12 characters · Unicode · 1 SMS" in text_of(update["view"])


def test_the_confirmation_counts_sms_as_carriers_do_at_part_boundaries(app: RunningApp, slack: FakeSlack) -> None:
    """A two-septet character (€) cannot be split across parts: 152 + € + 152 is 3 SMS, not 2."""
    confirmation = schedule(app, slack, f'{NUMBER} "{"a" * 152}€{"a" * 152}" in 2 hours')
    assert "305 characters · GSM-7 · 3 SMSs" in text_of(confirmation["blocks"])
