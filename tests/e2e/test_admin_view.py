"""The admins' view in the App Home, through the real app: unknown outcomes with what can be done about them,
queued jobs that failed or were given up, the queue and its next hand-offs, Kaleyra's errors of the day;
shown to ADMIN_USERS only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.e2e.fakes import FakeKaleyra, FakeSlack, KaleyraReply, wait_for
from tests.e2e.harness import RunningApp
from tests.e2e.test_flow import button_value, text_of
from tests.e2e.test_holding import HOLDING, IST, confirm, dms
from tests.e2e.test_templates import home_click, open_home

OPERATIONS = "*Operations* (visible to admins)"


def section(home: dict[str, Any], title: str) -> str:
    """The text of the Home tab from the section titled `title` to the next title."""
    shown = "\n".join(text_of(block) for block in home["blocks"])
    start = shown.index(title)
    titles = r"\*(Outcome unknown|Queued jobs that failed|Next hand-offs|Kaleyra errors|DLT)"
    following = re.search(titles, shown[start + 1 :])
    return shown[start : start + 1 + following.start()] if following else shown[start:]


def test_admins_see_the_service_and_act_on_an_unknown_outcome_while_others_do_not(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app: RunningApp = start_app(
        **HOLDING | {"handoff_minutes": 60, "allowed_usergroups": "S1", "queue_max_attempts": 3,
                     "admin_users": "UADMIN"}
    )  # fmt: skip
    slack.usergroups["S1"] = ["U1"]
    send_at = (app.clock.now() + timedelta(hours=2)).astimezone(IST).replace(microsecond=0)
    confirm(app, slack, send_at, body="Held for later")
    kaleyra.script = [KaleyraReply(drop=True)]
    lost = confirm(app, slack, "now", body="Lost on the way")
    assert "outcome is unknown" in text_of(lost["blocks"]).lower()
    unknown_id = button_value(lost, "held_close")
    kaleyra.script = [KaleyraReply(status=401, body={"code": "E401", "message": "Invalid API key"})]
    assert "E401" in text_of(confirm(app, slack, "now", body="Refused")["blocks"])

    home = open_home(app, slack, "UADMIN")
    assert OPERATIONS in text_of(home)
    unknown = section(home, "*Outcome unknown* (1)")
    assert "<@U1> →" in unknown and "held_send_again" in unknown and "held_close" in unknown
    assert f"for {send_at:%a %d %b %H:%M} IST" in section(home, "*Next hand-offs to Kaleyra*")
    errors = section(home, "*Kaleyra errors, last 24 hours*")
    assert "*E401* × 1" in errors and "Invalid API key" in errors and "*unknown outcome* × 1" in errors
    assert "None in the last 7 days" in section(home, "*Queued jobs that failed*")
    assert "*Queue:* 1 job · 0 due now · 0 running" in text_of(home)  # the held SMS's hand-off
    mine = open_home(app, slack, "U1")
    assert OPERATIONS not in text_of(mine) and "Kaleyra errors" not in text_of(mine)

    slack.failing_methods["usergroups.users.list"] = "ratelimited"  # Slack cannot say who may send
    app.advance(send_at - timedelta(minutes=60) - app.clock.now())
    app.advance(timedelta(seconds=30))
    failing = section(open_home(app, slack, "UADMIN"), "*Queued jobs that failed*")
    assert "hand-off on its try 2, after a failure" in failing and "<@U1> → " in failing
    for _ in range(2):
        app.advance(timedelta(seconds=30))
    wait_for(lambda: any("could not hand it off" in news for news in dms(slack)))
    given_up = section(open_home(app, slack, "UADMIN"), "*Queued jobs that failed*")
    assert "hand-off given up at" in given_up and "could not hand it off (3 tries)" in given_up

    home_click(app, "UADMIN", {"action_id": "held_close", "block_id": "b", "value": unknown_id, "type": "button"})
    wait_for(lambda: any("Closed by <@UADMIN> after checking Kaleyra" in news for news in dms(slack, "UADMIN")))
    after = text_of(open_home(app, slack, "UADMIN"))
    assert "*Outcome unknown:* none." in after and "outcome unknown, closed by <@UADMIN>" in after
    again = wait_for(lambda: [call for call in slack.of("chat.postMessage") if call["channel"] == "UADMIN"])
    assert all("held_send_again" not in text_of(call) for call in again), "closed: never sent again from here"
