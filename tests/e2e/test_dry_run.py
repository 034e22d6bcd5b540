"""KALEYRA_DRY_RUN through the real app: a whole flow (command, Confirm, hand-off, delivery status, App Home)
reaches no Kaleyra, and every message to a user says it is a dry run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import RedisServer, RunningApp
from tests.e2e.test_flow import NUMBER, button_value, clicked, confirmation_for, text_of
from tests.e2e.test_holding import HOLDING, ahead, channel_post, dms, post_updates, to_handoff
from tests.e2e.test_process import BotProcess, app_env
from tests.e2e.test_templates import open_home

DRY_RUN = "*Dry run:* the app does not call Kaleyra"
TO_USERS = ("respond", "chat.postMessage", "chat.postEphemeral", "chat.update", "views.publish")


def test_a_dry_run_never_calls_kaleyra_and_every_message_says_so(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    app: RunningApp = start_app(**HOLDING, kaleyra_dry_run=True, status_first_check_seconds=120)
    send_at = ahead(app, 600)
    url = slack.response_url("cmd")
    app.command(f'{NUMBER} "Hello from a trial" {send_at.isoformat()}', response_url=url)
    confirmation = confirmation_for(slack, url)
    assert DRY_RUN in text_of(confirmation["blocks"])

    held = clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))
    assert "Held by the app" in text_of(held["blocks"]) and DRY_RUN in text_of(held["blocks"])
    assert DRY_RUN in wait_for(lambda: channel_post(slack))

    to_handoff(app, send_at)
    [news] = wait_for(lambda: dms(slack))
    assert "Handed to Kaleyra" in news and "dry-run-" in news and DRY_RUN in news
    wait_for(lambda: any("handed to Kaleyra" in update for update in post_updates(slack)))

    app.advance(send_at + timedelta(seconds=121) - app.clock.now())  # its first status check
    delivered = wait_for(lambda: [update for update in post_updates(slack) if "1 Delivered" in update])
    assert DRY_RUN in delivered[-1] and "dry-run-" in delivered[-1]
    home = open_home(app, slack, "U1")
    assert DRY_RUN in text_of(home) and "delivered" in text_of(home) and "_dry run_" in text_of(home)

    assert kaleyra.requests == [] and kaleyra.status_requests == [], "Kaleyra is never called"
    told = [call for method in TO_USERS for call in slack.of(method)]
    assert len(told) >= 7  # the confirmation, Confirm's answer, the post, the news, three updates, the Home tab
    for call in told:
        assert DRY_RUN in text_of(call), call


def test_an_sms_is_sent_only_as_it_was_confirmed(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    """Confirmed in a dry run, then the app restarts sending for real: its hand-off refuses it, and says why."""
    trial = start_app(**HOLDING, kaleyra_dry_run=True)
    send_at = ahead(trial, 600)
    url = slack.response_url("cmd")
    trial.command(f'{NUMBER} "Hello from a trial" {send_at.isoformat()}', response_url=url)
    clicked(trial, slack, "confirm_sms", button_value(confirmation_for(slack, url), "confirm_sms"))
    trial.close()

    real = start_app(**HOLDING)
    real.clock.offset = trial.clock.offset
    to_handoff(real, send_at)
    [news] = wait_for(lambda: dms(slack))
    assert "Not sent: it was confirmed in a dry run" in news and "Edit it" in news
    assert kaleyra.requests == [], "a dry run's SMS never goes to Kaleyra for real"


def test_a_dry_run_is_logged_at_start_and_needs_no_kaleyra_account(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer, tmp_path: Path
) -> None:
    redis_server.flush()
    env = app_env(slack, kaleyra, REDIS_URL=redis_server.url, KALEYRA_DRY_RUN="true")
    del env["KALEYRA_SID"], env["KALEYRA_API_KEY"]
    app = BotProcess(env, tmp_path)
    try:
        url = slack.response_url("cmd")
        app.command(f'{NUMBER} "Hello from a trial" now', response_url=url)
        sent = clicked(app, slack, "confirm_sms", button_value(confirmation_for(slack, url), "confirm_sms"))
        assert "Sent" in text_of(sent["blocks"]) and DRY_RUN in text_of(sent["blocks"])
    finally:
        output = app.stop()
    assert app.process.returncode == 0, output
    assert "DRY RUN (KALEYRA_DRY_RUN): Kaleyra is never called" in output
    assert kaleyra.requests == []
