"""Who may send, how much, and what reaches the channel."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack, opened_view, wait_for
from tests.e2e.harness import modal_values
from tests.e2e.test_flow import NUMBER, button_value, replies_to, schedule, text_of


def first_reply(app: Any, slack: FakeSlack, text: str, **kwargs: Any) -> dict[str, Any]:
    url = slack.response_url("cmd")
    app.command(text, response_url=url, **kwargs)
    return wait_for(lambda: replies_to(slack, url))[0]


def test_only_allowed_members_may_send(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    slack.usergroups["S_SMS"] = ["UGROUP"]
    app = start_app(allowed_users="UOK", allowed_usergroups="S_SMS", admin_contact="<@UADMIN>")
    refused = first_reply(app, slack, f'{NUMBER} "Hi" in 2 hours', user="UOTHER")
    assert "not on the list" in refused["text"] and "<@UADMIN>" in text_of(refused["blocks"])
    assert slack.of("views.open") == []
    assert "Check and confirm" in first_reply(app, slack, f'{NUMBER} "Hi" in 2 hours', user="UOK")["text"]
    assert "Check and confirm" in first_reply(app, slack, f'{NUMBER} "Hi" in 2 hours', user="UGROUP")["text"]
    assert kaleyra.requests == []


def test_only_allowed_channels(start_app: Any, slack: FakeSlack) -> None:
    app = start_app(allowed_channels="CSMS")
    refused = first_reply(app, slack, f'{NUMBER} "Hi" in 2 hours', channel="C1")
    assert "only from <#CSMS>" in text_of(refused["blocks"])
    assert "Check and confirm" in first_reply(app, slack, f'{NUMBER} "Hi" in 2 hours', channel="CSMS")["text"]


@pytest.mark.parametrize(("allow_guests", "allowed"), [(False, False), (True, True)])
def test_guests_are_refused_unless_allowed(start_app: Any, slack: FakeSlack, allow_guests: bool, allowed: bool) -> None:
    slack.guests.add("UGUEST")
    app = start_app(allow_guests=allow_guests)
    reply = first_reply(app, slack, f'{NUMBER} "Hi" in 2 hours', user="UGUEST")
    assert ("Check and confirm" in reply["text"]) is allowed
    assert ("Guest accounts" in reply["text"]) is not allowed


def test_allowed_senders_and_countries(start_app: Any, slack: FakeSlack) -> None:
    app = start_app(allowed_senders="KLRHXA,SHOPIN", allowed_countries="IN")
    app.command("", response_url=slack.response_url())
    view = opened_view(slack)
    sender = next(block for block in view["blocks"] if block["block_id"] == "sender")
    assert sender["element"]["type"] == "static_select"
    values = modal_values(
        recipients="+14155552671", message="Hi", when="in 2 hours", route="MKT", sender="select:OTHER"
    )
    errors = app.submit(view, values).json()["errors"]
    assert "not allowed" in errors["sender"] and "US" in errors["recipients"]


def test_daily_limit_is_shared_by_instances_and_says_when(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    first, second = start_app(daily_sms_limit=3), start_app(daily_sms_limit=3)
    two = f'{NUMBER}, +919876543211 "Hi" in 2 hours'
    confirmation = schedule(first, slack, two)
    first.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=slack.response_url())
    wait_for(lambda: kaleyra.requests)
    refused = first_reply(second, slack, two)
    assert "limit of 3 SMS a day" in refused["text"] and "Try again after" in refused["text"]
    assert (
        "at most 3 SMS a day"
        in first_reply(second, slack, ", ".join(f"+9198765432{i:02d}" for i in range(4)) + ' "x" in 2 hours')["text"]
    )
    assert len(kaleyra.requests) == 1


def test_only_the_requester_can_confirm(app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    confirmation = schedule(app, slack, f'{NUMBER} "Hi" in 2 hours')
    url = slack.response_url("other")
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=url, user="UOTHER")
    assert "Only the person who asked" in wait_for(lambda: replies_to(slack, url))[0]["text"]
    assert kaleyra.requests == []


@pytest.mark.parametrize("show", [False, True])
def test_message_reaches_the_channel_only_when_configured(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, show: bool
) -> None:
    app = start_app(show_message_in_channel=show, show_full_numbers=show)
    confirmation = schedule(app, slack, f'{NUMBER} "Secret body" in 2 hours')
    app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=slack.response_url())
    post = text_of(wait_for(lambda: slack.of("chat.postMessage"))[0])
    assert ("Secret body" in post) is show
    assert (NUMBER in post) is show
