"""What an operator watches: /metrics (one set of counts across workers, off the public port if asked),
request ids that follow a click into the work it queues, and library debug logs without bodies."""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.fakes import FakeKaleyra, FakeSlack, FakeSocketMode, opened_view, wait_for
from tests.e2e.harness import RedisServer, RunningApp, SlackRequests, fetch, free_port, modal_values
from tests.e2e.test_flow import NUMBER, button_value, confirmation_for, replies_to, text_of
from tests.e2e.test_holding import HOLDING, ahead, confirm, to_handoff
from tests.e2e.test_process import BotProcess, app_env
from tests.e2e.test_workers import workers_of

FAMILIES = {
    "schedule_sms_commands": "counter",
    "schedule_sms_form_submissions": "counter",
    "schedule_sms_confirmations": "counter",
    "schedule_sms_sends": "counter",
    "schedule_sms_handoff_lateness_seconds": "histogram",
    "schedule_sms_jobs_due": "gauge",
    "schedule_sms_jobs_in_flight": "gauge",
    "schedule_sms_kaleyra_request_seconds": "histogram",
    "schedule_sms_kaleyra_retries": "counter",
    "schedule_sms_slack_api_errors": "counter",
    "schedule_sms_delivery_statuses": "counter",
}
MESSAGE = "Hello Asha, the clinic opens at nine"


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics at `url`, on a connection of its own (any worker may answer)."""
    answer = fetch(url)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def families_in(url: str) -> dict[str, str]:
    answer = fetch(url)
    return {family.name: family.type for family in text_string_to_metric_families(answer.text)}


def sample(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_expose_every_family_and_move_with_the_work(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    url = f"{app.url}/metrics"
    assert {name: kind for name, kind in families_in(url).items() if name in FAMILIES} == FAMILIES
    before = scrape(url)
    command_url = slack.response_url("cmd")
    app.command(f'{NUMBER} "{MESSAGE}" in 2 hours', response_url=command_url)
    click = slack.response_url("click")
    app.click("confirm_sms", button_value(confirmation_for(slack, command_url), "confirm_sms"), response_url=click)
    assert "Scheduled" in wait_for(lambda: replies_to(slack, click))[0]["text"]
    app.command("help", response_url=slack.response_url())
    slack.failing_methods["views.open"] = "expired_trigger_id"  # the form cannot open: a Slack API error
    app.command("", response_url=slack.response_url())
    wait_for(lambda: slack.of("views.open"))
    after = wait_for(lambda: (now := scrape(url)) and sample(now, "schedule_sms_slack_api_errors_total",
                     method="views.open", error="expired_trigger_id") > 0 and now)  # fmt: skip

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("schedule_sms_commands_total", outcome="confirmation") == 1
    assert moved("schedule_sms_commands_total", outcome="help") == 1
    assert moved("schedule_sms_commands_total", outcome="form") == 1
    assert moved("schedule_sms_commands_total", outcome="refused") == 0
    assert moved("schedule_sms_kaleyra_request_seconds_count", operation="send", result="2xx") == 1
    assert moved("schedule_sms_slack_api_errors_total", method="views.open", error="expired_trigger_id") == 1


def test_a_form_submission_is_counted_by_outcome(app: RunningApp, slack: FakeSlack) -> None:
    url = f"{app.url}/metrics"
    before = scrape(url)
    app.command("", response_url=slack.response_url())
    view = opened_view(slack)
    app.submit(view, modal_values(recipients="12", message="", when="banana", route="MKT", sender="KLRHXA"))
    app.submit(view, modal_values(recipients=NUMBER, message=MESSAGE, when="in 3 hours", route="TXN", sender="KLRHXA"))
    after = scrape(url)
    for outcome, count in (("invalid", 1), ("confirmation", 1), ("refused", 0)):
        moved = sample(after, "schedule_sms_form_submissions_total", outcome=outcome) - sample(
            before, "schedule_sms_form_submissions_total", outcome=outcome
        )
        assert moved == count, outcome


def test_a_hand_off_moves_the_lateness_job_send_and_delivery_metrics(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    """A held SMS, confirmed, then handed off by moving the app's clock, then its first status check."""
    app: RunningApp = start_app(**HOLDING, status_first_check_seconds=120)
    url = f"{app.url}/metrics"
    before = scrape(url)
    send_at = ahead(app, 600)
    assert "Held by the app" in text_of(confirm(app, slack, send_at)["blocks"])
    during: list[dict[tuple[str, tuple[tuple[str, str], ...]], float]] = []
    kaleyra.on_request = lambda: during.append(scrape(url))  # while the hand-off waits for Kaleyra's answer
    to_handoff(app, send_at, past=timedelta(seconds=3))
    kaleyra.default_status = {"status": "Delivered", "status_trace": "DELIVERED"}
    app.advance(send_at + timedelta(seconds=121) - app.clock.now())
    after = scrape(url)

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("schedule_sms_confirmations_total", outcome="held") == 1
    assert moved("schedule_sms_handoff_lateness_seconds_count") == 1
    assert moved("schedule_sms_handoff_lateness_seconds_bucket", le="2.0") == 0, "it went 3 s after its hand-off time"
    assert moved("schedule_sms_handoff_lateness_seconds_bucket", le="5.0") == 1
    [at_kaleyra] = during
    assert sample(at_kaleyra, "schedule_sms_jobs_in_flight", kind="handoff") == 1
    assert sample(after, "schedule_sms_jobs_in_flight", kind="handoff") == 0
    assert moved("schedule_sms_sends_total", outcome="accepted", code="none") == 1
    assert moved("schedule_sms_kaleyra_request_seconds_count", operation="status", result="2xx") == 1
    assert moved("schedule_sms_delivery_statuses_total", status="Delivered", source="poll") == 1


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


def test_with_two_workers_the_counts_add_up_and_metrics_stay_off_the_public_port(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis: RedisServer, tmp_path: Path
) -> None:
    """Each worker in turn is paused (SIGSTOP), so the other one alone takes the commands sent meanwhile:
    whichever worker then answers a scrape, it reports both workers' commands."""
    metrics_port = free_port()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = app_env(slack, kaleyra, REDIS_URL=redis.url, WEB_CONCURRENCY="2", METRICS_PORT=str(metrics_port),
                  TMPDIR=str(temporary))  # fmt: skip
    app = BotProcess(env, tmp_path)
    try:
        first, second = workers_of(app)
        for paused, commands in ((first, 3), (second, 2)):
            os.kill(paused, signal.SIGSTOP)
            try:
                for _ in range(commands):
                    slack_requests = SlackRequests(app.url)  # a new connection: the running worker accepts it
                    answer = slack_requests.command(
                        f'{NUMBER} "{MESSAGE}" in 2 hours', response_url=slack.response_url()
                    )
                    slack_requests.http.close()
                    assert "Check and confirm" in answer.text
            finally:
                os.kill(paused, signal.SIGCONT)
        for _ in range(4):
            samples = scrape(f"http://127.0.0.1:{metrics_port}/metrics")
            assert sample(samples, "schedule_sms_commands_total", outcome="confirmation") == 5
        assert app.http.get("/metrics").status_code == 404  # not on the public port
        [shared] = temporary.glob("schedule-sms-metrics-*")  # private to this start
        assert any(shared.iterdir())
    finally:
        output = app.stop()
    assert app.process.returncode == 0, output
    assert list(temporary.iterdir()) == []  # removed at exit


@pytest.mark.parametrize("mode", ["http", "socket"])
def test_library_debug_logs_never_carry_numbers_or_message_text(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path, mode: str
) -> None:
    env = app_env(slack, kaleyra, LOG_LEVEL="DEBUG", LOG_LEVEL_LIBRARIES="DEBUG")
    socket = FakeSocketMode() if mode == "socket" else None
    if socket is not None:
        slack.socket_mode_url = socket.url
        env["SLACK_APP_TOKEN"] = "xapp-1-A1-test-app-token-0123456789"
    app = BotProcess(env, tmp_path)
    try:
        command_url = slack.response_url("cmd")
        text = f'{NUMBER} "{MESSAGE}" in 2 hours'
        if socket is None:
            app.command(text, response_url=command_url)
            confirmation = confirmation_for(slack, command_url)
        else:
            wait_for(lambda: socket.connections)
            socket.push({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                         "payload": {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "api_app_id": "A1",
                                     "command": "/schedule-sms", "text": text, "response_url": command_url,
                                     "trigger_id": "t1"}})  # fmt: skip
            (ack,) = wait_for(lambda: [ack for ack in socket.acks if ack.get("envelope_id") == "env-1"])
            confirmation = ack["payload"]
            assert MESSAGE in text_of(confirmation)  # the user saw their message: only the log must not
        click = slack.response_url("click")
        if socket is None:
            app.click("confirm_sms", button_value(confirmation, "confirm_sms"), response_url=click)
        else:
            socket.push({"envelope_id": "env-2", "type": "interactive", "accepts_response_payload": False,
                         "payload": {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
                                     "channel": {"id": "C1"}, "api_app_id": "A1", "response_url": click,
                                     "container": {"type": "message", "is_ephemeral": True}, "trigger_id": "t2",
                                     "actions": [{"action_id": "confirm_sms", "block_id": "confirmation",
                                                  "type": "button",
                                                  "value": button_value(confirmation, "confirm_sms")}]}})  # fmt: skip
        assert "Scheduled" in wait_for(lambda: replies_to(slack, click))[0]["text"]
        assert MESSAGE in kaleyra.requests[0].body["body"]
    finally:
        output = app.stop()
        if socket is not None:
            socket.close()
    assert app.process.returncode == 0, output
    for library in ("slack_bolt", "slack_sdk", "httpx", "httpcore"):
        assert re.search(rf" (DEBUG|INFO) {library}[.: ]", output), f"{library} logged nothing: the test proves nothing"
    assert "rest withheld" in output
    for leak in (NUMBER, NUMBER.removeprefix("+91"), MESSAGE, "Asha"):
        assert leak not in output, [line for line in output.splitlines() if leak in line][:3]


def test_one_request_id_follows_a_click_into_the_send_it_queued(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    app = BotProcess(
        app_env(slack, kaleyra, LOG_FORMAT="json", LOG_LEVEL="DEBUG", LOG_LEVEL_LIBRARIES="DEBUG"), tmp_path
    )
    try:
        command_url = slack.response_url("cmd")
        app.command(f'{NUMBER} "{MESSAGE}" in 2 hours', response_url=command_url)
        click = slack.response_url("click")
        app.click("confirm_sms", button_value(confirmation_for(slack, command_url), "confirm_sms"), response_url=click)
        wait_for(lambda: replies_to(slack, click))
    finally:
        output = app.stop()
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert all(record["time"].endswith("Z") for record in records)
    sending, confirmed = (
        next(record for record in records if record["message"] == event) for event in ("sms_sending", "sms_sent")
    )
    assert sending["request_id"] == confirmed["request_id"]  # the send ran after the ack, in queued work
    ids = [record["request_id"] for record in records if record.get("request_id")]
    assert len(set(ids)) == 2 and ids[0] != sending["request_id"]  # the command had an id of its own
    responding = [record for record in records if record["message"].startswith("Responding with status")]
    assert [record["request_id"] for record in responding] == [ids[0], sending["request_id"]]  # Bolt's acks
