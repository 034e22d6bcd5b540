"""The whole product through its HTTP front door: signed Slack requests in, fake Slack and Kaleyra out."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.harness import RunningApp

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
    assert app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click_url).status_code == 200
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
