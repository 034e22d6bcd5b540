"""The whole flow, with Redis, Slack and Kaleyra failing at each step in turn (before, during and after the
send). After each: at most one SMS went out, what the user was last told agrees with what Kaleyra
received, and nothing escaped without a log line."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack, KaleyraReply, wait_for
from tests.e2e.harness import RedisServer, RunningApp
from tests.e2e.test_flow import NUMBER, button_value, confirmation_for
from tests.e2e.test_truth import messages_to

Truth = Literal["scheduled", "unknown", "not sent"]
DENIAL = re.compile(r"nothing was sent|not sent(?! again)", re.IGNORECASE)


@dataclass
class World:
    slack: FakeSlack
    kaleyra: FakeKaleyra
    redis: RedisServer


@dataclass(frozen=True)
class Fault:
    """What fails, and when: `at_command` is armed before the command, `at_confirm` before the click."""

    at_command: Callable[[World], None] = lambda world: None
    at_confirm: Callable[[World], None] = lambda world: None
    unclear: Truth = "not sent"  # "unknown" where Kaleyra's answer cannot reach the app
    fresh_instance: bool = False  # the click reaches an instance that has not met the user


def _stop_redis_on_outcome(world: World) -> None:
    world.slack.on_call = lambda method: world.redis.stop() if method == "respond" else None


def _fail_direct_routes(world: World) -> None:
    world.slack.failing_responses = True
    world.slack.failing_methods["chat.postEphemeral"] = "channel_not_found"


BUSY = KaleyraReply(status=503, body=b"busy", headers={"Retry-After": "0"})
FAULTS = {
    "redis down at the command": Fault(at_command=lambda w: w.redis.stop()),
    "redis down before the send": Fault(at_confirm=lambda w: w.redis.stop()),
    "redis lost during the send": Fault(at_confirm=lambda w: setattr(w.kaleyra, "on_request", w.redis.stop)),
    "redis lost after the send": Fault(at_confirm=_stop_redis_on_outcome),
    "users.info fails at the command": Fault(at_command=lambda w: w.slack.failing_methods.update({"users.info": "x"})),
    "users.info fails at confirm": Fault(
        at_confirm=lambda w: w.slack.failing_methods.update({"users.info": "ratelimited"}), fresh_instance=True
    ),
    "response_url and ephemeral fail": Fault(at_confirm=_fail_direct_routes),
    "channel post fails after the send": Fault(
        at_confirm=lambda w: w.slack.failing_methods.update({"chat.postMessage": "is_archived"})
    ),
    "kaleyra refuses": Fault(
        at_confirm=lambda w: w.kaleyra.script.append(KaleyraReply(status=400, body={"code": "E400", "message": "no"}))
    ),
    "kaleyra busy throughout": Fault(at_confirm=lambda w: w.kaleyra.script.extend([BUSY] * 4)),
    "kaleyra busy then accepts": Fault(at_confirm=lambda w: w.kaleyra.script.extend([BUSY, BUSY])),
    "kaleyra times out": Fault(
        at_confirm=lambda w: w.kaleyra.script.append(KaleyraReply(delay=2.5)), unclear="unknown"
    ),
    "kaleyra drops the connection": Fault(
        at_confirm=lambda w: w.kaleyra.script.append(KaleyraReply(drop=True)), unclear="unknown"
    ),
    "kaleyra answers garbage": Fault(
        at_confirm=lambda w: w.kaleyra.script.append(KaleyraReply(body=b"<html>")), unclear="unknown"
    ),
}


def settled(slack: FakeSlack) -> None:
    """Wait until the app has said all it will (no Slack call for half a second)."""
    wait_for(lambda: time.monotonic() - max((call.at for call in slack.calls), default=0) > 0.5)


@pytest.mark.parametrize("name", FAULTS)
def test_each_fault_in_turn(
    name: str, start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, caplog: pytest.LogCaptureFixture
) -> None:
    fault = FAULTS[name]
    world = World(slack, kaleyra, RedisServer())
    try:
        app: RunningApp = start_app(redis_url=world.redis.url, kaleyra_max_retries=3)
        clicking = start_app(redis_url=world.redis.url) if fault.fresh_instance else app
        fault.at_command(world)
        command_url = slack.response_url("cmd")
        app.command(f'{NUMBER} "Your table is ready" in 2 hours', response_url=command_url)
        said = wait_for(lambda: messages_to(slack, url=command_url))
        if "Check and confirm" in said[0]:
            fault.at_confirm(world)
            click_url = slack.response_url("click")
            clicking.click("confirm_sms", button_value(confirmation_for(slack, command_url), "confirm_sms"),
                           response_url=click_url)  # fmt: skip
            wait_for(lambda: messages_to(slack, url=click_url))
            settled(slack)
            said = messages_to(slack, url=click_url)
        else:
            settled(slack)
    finally:
        world.redis.stop()

    assert len(kaleyra.accepted) <= 1, "at most one send"
    truth: Truth = "not sent"
    if kaleyra.requests:  # an answer the app never read (a timeout) leaves the outcome unknown to it, too
        truth = "unknown" if fault.unclear == "unknown" else "scheduled" if kaleyra.accepted else "not sent"
    if truth == "scheduled":
        batch_id = kaleyra.accepted[0]["id"]
        assert any(batch_id in text for text in said) and not any(DENIAL.search(text) for text in said), said
    elif truth == "unknown":
        assert "unknown" in said[-1] and not any(DENIAL.search(text) for text in said), said
    else:
        assert DENIAL.search(said[-1]) and not any("Scheduled" in text for text in said), said
    escaped = [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR and not record.name.startswith(("bot", "schedule_sms"))
    ]
    assert escaped == [], "every failure is logged by the app itself, none escapes to asyncio or Bolt"
    assert not any("background work failed" in record.getMessage() for record in caplog.records)
