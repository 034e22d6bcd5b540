"""Error reports to Sentry: sent only when SENTRY_DSN is set, and never with a number, typed text or a secret."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from bot import error_reports, request_scope
from bot.slack.context import typed_in
from bot.startup import StartupError
from tests.unit.test_validation import settings

DSN = "https://public0123456789@o0.ingest.sentry.io/1"
KEY = "Aunittestkaleyrakey0123456789"
MESSAGE = "Hi Asha, your test results are ready"
COMMAND = {"text": f'+919876543210, 98765 43211 "{MESSAGE}" tomorrow 5pm', "user_id": "U1"}


class Recording(Transport):
    """Sentry's transport without the network: keeps every envelope."""

    sent: list[Envelope] = []  # noqa: RUF012  one list for the test's one transport

    def capture_envelope(self, envelope: Envelope) -> None:
        Recording.sent.append(envelope)


@pytest.fixture
def events() -> Iterator[list[dict[str, Any]]]:
    Recording.sent = []
    found: list[dict[str, Any]] = []
    assert error_reports.start(settings(sentry_dsn=DSN, kaleyra_api_key=KEY), transport=Recording)
    yield found
    sentry_sdk.get_client().close()


def fail_and_log() -> None:
    """Apart from the tests, so that the source lines Sentry sends around it hold none of their words."""
    try:
        raise ValueError(f"could not send {MESSAGE!r} to +919876543210 with key {KEY}")
    except ValueError:
        logging.getLogger("bot.background").exception("background work failed")


def sent_events() -> list[dict[str, Any]]:
    sentry_sdk.flush()
    return [item.payload.json for envelope in Recording.sent for item in envelope.items if item.payload.json]


def test_an_error_logged_in_a_request_is_reported_without_its_numbers_text_or_secrets(
    events: list[dict[str, Any]],
) -> None:
    request = contextvars.copy_context()  # as a Slack request's own task has
    scope = request.run(request_scope.begin, lambda: typed_in(COMMAND))
    request.run(logging.getLogger("bot.slack.replies").warning, "about to fail for +91 98765 43210")  # a breadcrumb
    request.run(fail_and_log)
    [event] = sent_events()
    everything = json.dumps(event)
    for leak in ("9876543210", "98765 43210", "98765 43211", MESSAGE, "Asha", KEY):
        assert leak not in everything
    assert event["tags"]["request_id"] == scope.request_id
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == "could not send '[typed by the user]' to [number] with key [redacted]"
    assert event["breadcrumbs"]["values"][-1]["message"] == "about to fail for [number]"


def test_a_librarys_error_line_is_cut_before_the_body_it_quotes(events: list[dict[str, Any]]) -> None:
    logging.getLogger("slack_bolt.App").error("Failed to run listener (body: {'text': 'Hi there, +919876543210'})")
    [event] = sent_events()
    assert "Hi there" not in json.dumps(event) and "9876543210" not in json.dumps(event)
    assert event["logentry"]["message"].startswith("Failed to run listener …[rest withheld")


def test_bodies_in_an_event_are_withheld_whole() -> None:
    scrubber = error_reports.Scrubber(lambda text: text)
    event: Any = {"request": {"data": {"text": "anything at all"}, "url": "/slack/events"}, "extra": {"to": "x"}}
    scrubbed = scrubber.event(event, {})
    assert scrubbed["request"] == {"data": "[withheld]", "url": "/slack/events"}
    assert scrubbed["extra"] == {"to": "[withheld]"}


def test_the_sdk_is_not_imported_without_a_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # importing it now fails
    assert error_reports.start(settings()) is False


def test_a_dsn_without_the_sdk_stops_the_app_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)
    with pytest.raises(StartupError) as raised:
        error_reports.start(settings(sentry_dsn=DSN))
    assert str(raised.value).startswith("SENTRY_DSN is set but sentry-sdk is not installed: install the sentry extra")
