"""Saying when: in the user's Slack language, or with the modal's date-and-time picker."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.fakes import FakeSlack, opened_view, wait_for
from tests.e2e.harness import RunningApp, modal_values
from tests.e2e.test_flow import NUMBER, confirmation_for, schedule, text_of


def sent_as(confirmation: dict[str, object]) -> datetime:
    """The exact instant the confirmation says will go to Kaleyra."""
    text = text_of(confirmation["blocks"])
    return datetime.fromisoformat(text.split("Sent to Kaleyra as:* `", 1)[1].split("`", 1)[0])


def test_a_user_writing_in_italian_gets_their_time_read(app: RunningApp, slack: FakeSlack) -> None:
    slack.timezones["UIT"] = "Europe/Rome"
    slack.locales["UIT"] = "it-IT"
    confirmation = schedule(app, slack, f'{NUMBER} "Ciao" domani alle 17', user="UIT")
    rome = ZoneInfo("Europe/Rome")
    tomorrow = datetime.now(rome).date() + timedelta(days=1)
    expected = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 17, 0, tzinfo=rome)
    assert sent_as(confirmation) == expected and sent_as(confirmation).utcoffset() == expected.utcoffset()
    assert "17:00" in text_of(confirmation["blocks"])
    [asked] = [call for call in slack.of("users.info") if call.get("user") == "UIT"]
    assert str(asked.get("include_locale")).lower() in ("1", "true")


def test_without_the_language_the_same_words_are_refused(app: RunningApp, slack: FakeSlack) -> None:
    url = slack.response_url("cmd")
    slack.failing_methods["views.open"] = "expired_trigger_id"  # the refusal comes back as a message
    app.command(f'{NUMBER} "Ciao" domani alle 17', response_url=url)
    reply = wait_for(lambda: [r for r in slack.of("respond") if "Nothing was scheduled" in r.get("text", "")])[0]
    assert "domani" in reply["text"]


def test_the_confirmation_shows_how_a_clock_time_was_read(app: RunningApp, slack: FakeSlack) -> None:
    confirmation = schedule(app, slack, f'{NUMBER} "Hi" around 3:30 tomorrow')
    text = text_of(confirmation["blocks"])
    assert sent_as(confirmation).astimezone(ZoneInfo("Asia/Kolkata")).hour == 15
    assert "3:30am" in text and "An exact time is used: 15:30" in text


def picked_instant(minutes_ahead: int) -> int:
    return (int(time.time()) // 60 + minutes_ahead) * 60


def test_the_modal_offers_a_date_and_time_picker(app: RunningApp, slack: FakeSlack) -> None:
    app.command("", response_url=slack.response_url())
    view = opened_view(slack)
    [picker] = [block for block in view["blocks"] if block.get("block_id") == "picked_at"]
    assert picker["element"]["type"] == "datetimepicker" and picker["optional"] is True


def test_a_picked_time_with_no_words_is_the_instant_confirmed(app: RunningApp, slack: FakeSlack) -> None:
    url = slack.response_url("cmd")
    app.command("", response_url=url)
    view = opened_view(slack)
    picked = picked_instant(120)
    values = modal_values(recipients=NUMBER, message="Hello", when="", picked_at=picked, route="MKT", sender="KLRHXA")
    assert app.submit(view, values).text in ("", "{}")
    confirmation = confirmation_for(slack, url)
    assert sent_as(confirmation).timestamp() == picked
    assert sent_as(confirmation).utcoffset() == timedelta(hours=5, minutes=30)


def test_a_picked_time_wins_over_the_words_and_says_so(app: RunningApp, slack: FakeSlack) -> None:
    url = slack.response_url("cmd")
    app.command("", response_url=url)
    view = opened_view(slack)
    picked = picked_instant(24 * 60)
    values = modal_values(
        recipients=NUMBER, message="Hello", when="in 2 hours", picked_at=picked, route="MKT", sender="KLRHXA"
    )
    app.submit(view, values)
    confirmation = confirmation_for(slack, url)
    assert sent_as(confirmation).timestamp() == picked
    assert "not “in 2 hours”" in text_of(confirmation["blocks"])


def test_a_picked_time_too_soon_is_shown_beside_the_picker(app: RunningApp, slack: FakeSlack) -> None:
    app.command("", response_url=slack.response_url())
    view = opened_view(slack)
    values = modal_values(
        recipients=NUMBER, message="Hello", when="", picked_at=picked_instant(5), route="MKT", sender="KLRHXA"
    )
    answer = app.submit(view, values).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"picked_at"} and "15 minutes" in answer["errors"]["picked_at"]
