"""DLT templates through the real app: picked in one line or in the form, checked before Confirm, sent with
their template id; added by admins in the App Home."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack, opened_view, wait_for
from tests.e2e.harness import RunningApp, modal_values
from tests.e2e.test_flow import NUMBER, button_value, confirmation_for, schedule, text_of

DLT_ID = "1107161234567890123"
TEXT = "Hi {#var#}, your appointment with Dr. John is at {#var#}. Reply C to cancel."
FILE = f"""
templates:
  - name: appointment
    template_id: {DLT_ID}
    text: "{TEXT}"
    variables: [name, time]
    route: TXN
"""


@pytest.fixture
def templated(start_app: Any, tmp_path: Path) -> RunningApp:
    path = tmp_path / "templates.yml"
    path.write_text(FILE)
    return start_app(templates_file=str(path), admin_users="UADMIN")  # type: ignore[no-any-return]


def test_a_template_in_one_line_is_rendered_and_sent_with_its_dlt_id(
    templated: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    line = f'{NUMBER} template:appointment name=Asha time="4.00 PM" in 2 hours'
    confirmation = schedule(templated, slack, line)
    shown = text_of(confirmation["blocks"])
    body = "Hi Asha, your appointment with Dr. John is at 4.00 PM. Reply C to cancel."
    assert body in shown and f"*DLT template:* {DLT_ID}" in shown and "*Type:* TXN" in shown
    assert kaleyra.requests == []

    templated.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=slack.response_url())
    [sent] = wait_for(lambda: kaleyra.requests)
    assert sent.body["body"] == body and sent.body["template_id"] == DLT_ID and sent.body["type"] == "TXN"


def test_a_variable_too_long_is_a_field_error_and_nothing_is_sent(
    templated: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    long = "tomorrow at four in the afternoon sharp"
    url = slack.response_url("cmd")
    templated.command(f'{NUMBER} template:appointment name=Asha time="{long}" in 2 hours', response_url=url)
    form = opened_view(slack)
    shown = text_of(form)
    assert f"time is {len(long)} characters; DLT allows at most 30 per variable" in shown
    inputs = {block["block_id"]: block for block in form["blocks"] if block["type"] == "input"}
    assert inputs["var:name"]["element"]["initial_value"] == "Asha"  # what was typed is kept
    assert inputs["var:time"]["element"]["initial_value"] == long  # whole, beside its problem
    assert "message" not in inputs  # the message is the template's
    # the command was answered (its ack, before the form) without a confirmation: nothing can be confirmed
    assert not any("Check and confirm" in reply.get("text", "") for reply in slack.of("respond"))
    assert kaleyra.requests == []


def open_form(app: RunningApp, slack: FakeSlack) -> tuple[str, dict[str, Any]]:
    """`/schedule-sms` alone: the command's response_url, and the form it opened."""
    url = slack.response_url("cmd")
    app.command("", response_url=url)
    return url, opened_view(slack)


PICKED = {"value": "appointment", "text": {"type": "plain_text", "text": "appointment"}}


def with_template(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values with the template picked in its menu, and the default sender."""
    values["template"] = {"template_picked": {"type": "external_select", "selected_option": PICKED}}
    values["sender"] = {"value": {"type": "plain_text_input", "value": "KLRHXA"}}
    return values


def test_a_typed_message_that_changes_the_template_is_refused_naming_the_part(
    templated: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    url, form = open_form(templated, slack)
    changed = "Hi Asha, your appointment with Dr. Jon is at 4 PM. Reply C to cancel."
    values = with_template(modal_values(recipients=NUMBER, message=changed, when="in 2 hours", route="TXN"))
    answer = templated.submit(form, values).json()
    assert answer["response_action"] == "errors"
    assert (
        "the text “, your appointment with Dr. John is at ” after name is missing or changed"
        in (answer["errors"]["message"])
    )

    values["message"]["message_typed"]["value"] = changed.replace("Dr. Jon", "Dr. John")
    assert templated.submit(form, values).text in ("", "{}")
    confirmation = confirmation_for(slack, url)
    templated.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=slack.response_url())
    [sent] = wait_for(lambda: kaleyra.requests)
    assert sent.body["template_id"] == DLT_ID and "Dr. John is at 4 PM" in sent.body["body"]


def interact_in_view(app: RunningApp, view: dict[str, Any], values: dict[str, Any], action: dict[str, Any]) -> None:
    state = {**view, "id": "V1", "hash": "h1", "state": {"values": values}}
    payload = {"type": "block_actions", "user": {"id": "U1"}, "container": {"type": "view", "view_id": "V1"},
               "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}", "view": state, "actions": [action]}  # fmt: skip
    assert app.interact(payload).status_code == 200


def test_picking_a_template_in_the_form_asks_for_its_variables(
    templated: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    url, form = open_form(templated, slack)
    suggestion = {"type": "block_suggestion", "user": {"id": "U1"}, "action_id": "template_picked",
                  "block_id": "template", "value": "appoint", "view": form}  # fmt: skip
    options = templated.interact(suggestion).json()
    assert [option["value"] for option in options["options"]] == ["appointment"]

    values = with_template(modal_values(recipients=NUMBER, message="", when="in 2 hours", route="MKT"))
    action = {"action_id": "template_picked", "block_id": "template", "type": "external_select",
              "selected_option": PICKED}  # fmt: skip
    interact_in_view(templated, form, values, action)
    updated = wait_for(lambda: slack.of("views.update"))[0]["view"]
    ids = [block.get("block_id") for block in updated["blocks"]]
    assert "var:name" in ids and "var:time" in ids and "message" not in ids and "template_id" not in ids
    assert "Hi [name], your appointment with Dr. John is at [time]" in text_of(updated)
    route = next(block for block in updated["blocks"] if block.get("block_id") == "route")
    assert route["element"]["initial_option"]["value"] == "TXN"  # the template's route

    filled = {key: value for key, value in values.items() if key != "message"}
    for name, value in (("name", "Ravi"), ("time", "11.30 AM")):
        filled[f"var:{name}"] = {"variable_typed": {"type": "plain_text_input", "value": value}}
    filled["route"] = {"value": {"type": "static_select", "selected_option": {"value": "TXN"}}}
    assert templated.submit(updated, filled).text in ("", "{}")
    confirmation = confirmation_for(slack, url)
    templated.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=slack.response_url())
    [sent] = wait_for(lambda: kaleyra.requests)
    assert sent.body["body"] == "Hi Ravi, your appointment with Dr. John is at 11.30 AM. Reply C to cancel."
    assert sent.body["template_id"] == DLT_ID


def open_home(app: RunningApp, slack: FakeSlack, user: str) -> dict[str, Any]:
    before = len(slack.of("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
            "event_id": f"Ev{uuid.uuid4().hex[:8]}", "event_time": int(time.time())}  # fmt: skip
    assert app.post_signed(json.dumps(body)).status_code == 200
    published = wait_for(lambda: [p for p in slack.of("views.publish")[before:] if p["user_id"] == user])
    view: dict[str, Any] = published[-1]["view"]
    return view


def home_click(app: RunningApp, user: str, action: dict[str, Any]) -> None:
    payload = {"type": "block_actions", "user": {"id": user}, "container": {"type": "view", "view_id": "VHOME"},
               "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}", "actions": [action]}  # fmt: skip
    assert app.interact(payload).status_code == 200


TEMPLATE_FORM = {
    "name": {"value": {"type": "plain_text_input", "value": "Payment-Due"}},
    "template_id": {"value": {"type": "plain_text_input", "value": "1107169999999999999"}},
    "text": {"value": {"type": "plain_text_input", "value": "Dear {#var#}, Rs {#var#} is due on {#var#}."}},
    "variables": {"value": {"type": "plain_text_input", "value": "name, amount, date"}},
    "sender": {"value": {"type": "plain_text_input", "value": None}},
    "route": {"value": {"type": "static_select", "selected_option": None}},
}


def test_an_admin_adds_a_template_in_the_app_home_and_users_send_with_it(
    templated: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    home = text_of(open_home(templated, slack, "UADMIN"))
    assert "template_add" in home and "appointment" in home and "TEMPLATES_FILE, read-only" in home

    home_click(templated, "UADMIN", {"action_id": "template_add", "block_id": "templates", "value": "add"})
    form = opened_view(slack)
    assert form["callback_id"] == "template_form"
    bad = {**TEMPLATE_FORM, "variables": {"value": {"type": "plain_text_input", "value": "name, amount"}}}
    refused = templated.submit(form, bad, user="UADMIN").json()
    assert "2 names for the text's 3 variables" in refused["errors"]["variables"]

    assert templated.submit(form, TEMPLATE_FORM, user="UADMIN").text in ("", "{}")
    republished = wait_for(lambda: [p for p in slack.of("views.publish") if "payment-due" in text_of(p)])
    assert "Dear {#var#}, Rs {#var#} is due on {#var#}." in text_of(republished[-1]["view"])

    line = f'{NUMBER} template:payment-due name=Asha amount=1,200 date="5 Dec" in 2 hours'
    confirmation = schedule(templated, slack, line)
    templated.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=slack.response_url())
    [sent] = wait_for(lambda: kaleyra.requests)
    assert sent.body["body"] == "Dear Asha, Rs 1,200 is due on 5 Dec."
    assert sent.body["template_id"] == "1107169999999999999"


def test_a_member_who_is_not_an_admin_cannot_add_a_template(
    templated: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    home = text_of(open_home(templated, slack, "U2"))
    assert "appointment" in home and "template_add" not in home  # templates listed, no way to change them

    home_click(templated, "U2", {"action_id": "template_add", "block_id": "templates", "value": "add"})
    told = wait_for(lambda: [m for m in slack.of("chat.postMessage") if m.get("channel") == "U2"])
    assert "Only admins (ADMIN_USERS) can add, edit or remove templates" in told[0]["text"]
    assert slack.of("views.open") == []

    form = {"type": "modal", "callback_id": "template_form", "private_metadata": "", "blocks": []}
    refused = templated.submit(form, TEMPLATE_FORM, user="U2").json()
    assert refused["response_action"] == "errors" and "Only admins" in refused["errors"]["name"]
    line = f"{NUMBER} template:payment-due name=Asha amount=1 date=today in 2 hours"
    templated.command(line, response_url=slack.response_url())
    assert "There is no template named “payment-due”" in text_of(opened_view(slack))
