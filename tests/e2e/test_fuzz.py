"""Random and malformed input from Slack: never a crash, never an unhandled error, nothing sent."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import RunningApp

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
PHONEISH = st.text(alphabet="+0123456789 ,;-()", max_size=40)
TEXTISH = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda numbers, body, when: f'{numbers} "{body}" {when}', PHONEISH, st.text(max_size=50), st.text(max_size=40)
    ),
)


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [], [record.getMessage() for record in errors]


@FUZZ
@given(text=TEXTISH)
def test_any_command_text(
    app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    answer = app.command(text, response_url=slack.response_url())
    assert answer.status_code == 200
    wait_for(lambda: len(app.services.background) == 0)
    no_errors_logged(caplog)
    assert kaleyra.requests == []


@FUZZ
@given(
    kind=st.sampled_from(["block_actions", "view_submission"]),
    action_id=st.sampled_from(["confirm_sms", "edit_sms", "cancel_sms", "message_typed"]),
    value=JSONISH,
    metadata=st.text(max_size=100),
    state=JSONISH,
)
def test_any_interaction_payload(
    app: RunningApp, kaleyra: FakeKaleyra, caplog: pytest.LogCaptureFixture,
    kind: str, action_id: str, value: Any, metadata: str, state: Any,
) -> None:  # fmt: skip
    view = {"type": "modal", "id": "V1", "hash": "h", "callback_id": "schedule_sms", "private_metadata": metadata,
            "state": {"values": state}}  # fmt: skip
    payload: dict[str, Any] = {"type": kind, "user": {"id": "U1"}, "view": view}
    if kind == "block_actions":
        payload |= {"actions": [{"action_id": action_id, "value": value}], "channel": {"id": "C1"}}
    answer = app.post_signed(
        "payload=" + json.dumps(payload).replace("%", "%25").replace("&", "%26").replace("+", "%2B")
    )
    assert answer.status_code < 500
    wait_for(lambda: len(app.services.background) == 0)
    no_errors_logged(caplog)
    assert kaleyra.requests == []
