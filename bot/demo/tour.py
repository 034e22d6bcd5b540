"""The tour: the real app (Bolt over aiohttp, the same listeners, core and queue as `python -m bot`) on
loopback, a stand-in for Slack, the app's own dry run for Kaleyra (KALEYRA_DRY_RUN), an in-memory Redis,
and a clock the tour moves on, so a hand-off an hour before the send time comes at once.

Requests are signed as Slack signs them; what the app sends back is shown as the user would see it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot import logs
from bot.app import create_app
from bot.config import Settings
from bot.core.clock import OffsetClock
from bot.core.timeparse import warm_up
from bot.demo.slack_standin import Sent, SlackStandIn
from bot.demo.terminal import Terminal
from bot.services import Services
from bot.slack.wording import local_time
from bot.web.server import build_web_app

USER, CHANNEL = "U0DEMO", "C0DEMO"
NAMES = {USER: "asha", CHANNEL: "front-desk"}
SECOND = '+919812345678 "Your reports are ready for pickup at the front desk." next monday 10am'
COMMAND = (
    '+919876543210 "Hi Ravi, your appointment with Dr. John is tomorrow at 4.00 PM. Reply C to cancel." tomorrow 9am'
)


class TourFailed(Exception):
    """A step did not show what it should: the app answered something else, or nothing."""


class _OwnSettings(Settings):
    """Settings from the tour's code alone: never `.env` or the environment, whose REDIS_URL or tokens may be
    a real deployment's."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def demo_settings(slack_api_url: str) -> Settings:
    return _OwnSettings(
        slack_bot_token=SecretStr("xoxb-demo-0000000000"),
        slack_signing_secret=SecretStr(secrets.token_hex(16)),
        slack_api_url=slack_api_url,
        kaleyra_dry_run=True,
        kaleyra_sender="KLRHXA",
        admin_users=(USER,),
        log_level="WARNING",
    )


class _Slack:
    """What Slack sends the app for @asha in #front-desk, signed with the app's signing secret."""

    def __init__(self, http: httpx.AsyncClient, secret: str, standin: SlackStandIn) -> None:
        self._http = http
        self._secret = secret
        self._standin = standin
        self._replies = 0

    async def _post(self, body: str, content_type: str) -> httpx.Response:
        stamp = str(int(time.time()))
        digest = hmac.new(self._secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": f"v0={digest}",
        }
        answer = await self._http.post("/slack/events", content=body, headers=headers)
        if answer.status_code != 200:
            raise TourFailed(f"the app answered HTTP {answer.status_code}")
        return answer

    def _response_url(self) -> str:
        self._replies += 1
        return self._standin.response_url(f"reply-{self._replies}")

    async def command(self, text: str) -> dict[str, Any]:
        """The slash command; its ack's body, which Slack shows as the reply."""
        fields = {
            "team_id": "T0DEMO", "channel_id": CHANNEL, "channel_name": NAMES[CHANNEL], "user_id": USER,
            "user_name": NAMES[USER], "command": "/schedule-sms", "text": text, "api_app_id": "A0DEMO",
            "response_url": self._response_url(), "trigger_id": secrets.token_hex(8),
        }  # fmt: skip
        answer = await self._post(urlencode(fields), "application/x-www-form-urlencoded")
        reply: dict[str, Any] = answer.json()
        return reply

    async def click(self, action_id: str, value: str) -> str:
        """A button on an ephemeral message; the response_url the app answers on."""
        url = self._response_url()
        payload = {
            "type": "block_actions", "team": {"id": "T0DEMO"}, "api_app_id": "A0DEMO", "user": {"id": USER},
            "channel": {"id": CHANNEL}, "container": {"type": "message", "is_ephemeral": True},
            "trigger_id": secrets.token_hex(8), "response_url": url,
            "actions": [{"action_id": action_id, "block_id": "confirmation", "value": value, "type": "button"}],
        }  # fmt: skip
        await self._post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
        return url.removeprefix(self._standin.url)

    async def open_home(self) -> None:
        event = {"type": "app_home_opened", "user": USER, "channel": "D0DEMO", "tab": "home"}
        body = {"type": "event_callback", "team_id": "T0DEMO", "api_app_id": "A0DEMO", "event": event,
                "event_id": f"Ev{secrets.token_hex(4)}", "event_time": int(time.time())}  # fmt: skip
        await self._post(json.dumps(body), "application/json")


async def tour() -> None:
    started = time.perf_counter()
    styled = sys.stdout.isatty()
    terminal = Terminal(NAMES, styled=styled)
    standin = SlackStandIn()
    await standin.start()
    settings = demo_settings(standin.api_url)
    logs.configure(settings)
    warm_up()  # as `python -m bot` does before serving: the first command reads its time at once
    try:
        import fakeredis
    except ImportError:
        raise TourFailed("the demo keeps its data in fakeredis, from the dev extra: run it with `make demo`") from None
    clock = OffsetClock()
    bolt, services = create_app(settings, fakeredis.FakeAsyncRedis(decode_responses=True), clock)
    runner = web.AppRunner(build_web_app(bolt, services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    secret = settings.slack_signing_secret
    assert secret is not None
    try:
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}", trust_env=False, timeout=15) as http:
            slack = _Slack(http, secret.get_secret_value(), standin)
            await _steps(slack, standin, services, clock, terminal)
    finally:
        await runner.cleanup()
        await standin.stop()
    say(terminal, f"Done in {time.perf_counter() - started:.1f} s. To try it in a workspace of yours, see the README.")


def say(terminal: Terminal, text: str) -> None:
    print(f"\n{terminal.mrkdwn(text)}", flush=True)


def show(terminal: Terminal, blocks: list[dict[str, Any]]) -> None:
    print(terminal.blocks(blocks), flush=True)


async def _steps(
    slack: _Slack, standin: SlackStandIn, services: Services, clock: OffsetClock, terminal: Terminal
) -> None:
    say(
        terminal,
        "*schedule-sms demo*: the real app on 127.0.0.1, with a stand-in for Slack and the app's own dry run for "
        "Kaleyra (KALEYRA_DRY_RUN). No accounts; nothing leaves this machine.",
    )
    say(
        terminal,
        f"*1.* In <#{CHANNEL}>, <@{USER}> types:\n    /schedule-sms {COMMAND}\n  The app answers (only she sees it):",
    )
    confirmation = (await slack.command(COMMAND)).get("blocks") or []
    show(terminal, confirmation)

    say(terminal, f"*2.* <@{USER}> clicks *Confirm*. Her confirmation becomes:")
    seen = len(standin.sent)
    outcome = await standin.wait_for(_reply_on(await slack.click("confirm_sms", _button(confirmation, "confirm_sms"))))
    show(terminal, outcome.blocks)
    say(terminal, f"  and <#{CHANNEL}> sees:")
    show(terminal, (await standin.wait_for(_posted_in(CHANNEL), seen)).blocks)

    record = await services.store.get(_button(outcome.blocks, "held_cancel"))
    if record is None or record.handoff_at is None:
        raise TourFailed("Confirm kept no held SMS")
    handoff_at, send_at = datetime.fromisoformat(record.handoff_at), record.send_time
    say(
        terminal,
        f"*3.* The app's clock moves on to the hand-off, {local_time(handoff_at, record.tz)}, an hour before the "
        f"send time (HANDOFF_MINUTES). <@{USER}> gets a direct message:",
    )
    seen = len(standin.sent)
    await _move_clock(services, clock, handoff_at + timedelta(seconds=1))
    show(terminal, (await standin.wait_for(_posted_in(USER), seen)).blocks)
    say(terminal, f"  and the post in <#{CHANNEL}> now reads:")
    show(terminal, (await standin.wait_for(_updated_with("handed to Kaleyra"), seen)).blocks)

    first_check = send_at + timedelta(seconds=services.settings.status_first_check_seconds + 1)
    say(
        terminal,
        f"*4.* The send time passes; at {local_time(first_check, record.tz)} the app asks Kaleyra (here its dry "
        f"run) how the SMS is doing, and updates the post in <#{CHANNEL}>:",
    )
    seen = len(standin.sent)
    await _move_clock(services, clock, first_check)
    show(terminal, (await standin.wait_for(_updated_with("Delivered"), seen)).blocks)

    say(terminal, f"*5.* <@{USER}> schedules one more, and confirms it:\n    /schedule-sms {SECOND}")
    later = (await slack.command(SECOND)).get("blocks") or []
    show(
        terminal,
        (await standin.wait_for(_reply_on(await slack.click("confirm_sms", _button(later, "confirm_sms"))))).blocks,
    )

    say(terminal, f"*6.* <@{USER}> opens the app's Home tab (she is an admin, so it shows the service's view too):")
    seen = len(standin.sent)
    await slack.open_home()
    show(terminal, (await standin.wait_for(lambda sent: sent.method == "views.publish", seen)).blocks)


async def _move_clock(services: Services, clock: OffsetClock, to: datetime) -> None:
    """The app's clock to `to`, and what is due then run at once (the queue's own loop may run it first)."""
    clock.advance(to - clock.now())
    await services.jobs.run_due()


def _button(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise TourFailed(f"the message has no {action_id} button")


def _reply_on(path: str) -> Callable[[Sent], bool]:
    return lambda sent: sent.method == "respond" and sent.fields.get("url") == path


def _posted_in(channel: str) -> Callable[[Sent], bool]:
    return lambda sent: sent.method == "chat.postMessage" and sent.fields.get("channel") == channel


def _updated_with(words: str) -> Callable[[Sent], bool]:
    return lambda sent: sent.method == "chat.update" and words in json.dumps(sent.blocks)
