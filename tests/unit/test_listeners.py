"""Listeners are plain functions: called here directly, with services in Bolt's context as at run time."""

from __future__ import annotations

import asyncio
import json
from contextlib import ExitStack
from typing import Any

import fakeredis
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.core import keys
from bot.services import Services
from bot.slack.context import ProvideServices, services_of
from bot.slack.listeners import commands
from bot.slack.replies import BUSY, requester_fields
from tests.slack_models import validate_blocks
from tests.unit.test_validation import settings


class Ack:
    """Bolt's ack: keyword arguments, or the whole reply as one dict."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, whole: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.calls.append(whole if whole is not None else kwargs)


class Workspace(AsyncWebClient):
    """Slack's Web API as a listener sees it: users.info answers at once; forms opened are kept."""

    def __init__(self) -> None:
        super().__init__(token="xoxb-unit")
        self.forms: list[dict[str, Any]] = []

    async def users_info(self, *, user: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        return self._answer({"ok": True, "user": {"id": user, "tz": "Asia/Kolkata"}})

    async def views_open(self, *, trigger_id: str, view: Any, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        self.forms.append(view)
        return self._answer({"ok": True})

    def _answer(self, data: dict[str, Any]) -> AsyncSlackResponse:
        return AsyncSlackResponse(
            client=self, http_verb="POST", api_url="", req_args={}, data=data, headers={}, status_code=200
        )


def context_with_services(
    redis: fakeredis.FakeAsyncRedis | None = None, client: AsyncWebClient | None = None
) -> AsyncBoltContext:
    """What the app's middleware gives every listener."""
    services = Services.build(
        settings(),
        redis or fakeredis.FakeAsyncRedis(decode_responses=True),
        client or AsyncWebClient(token="xoxb-unit"),
    )
    request = AsyncBoltRequest(body="", headers={})

    async def done() -> None:
        return None

    asyncio.run(ProvideServices(services).async_process(req=request, resp=BoltResponse(status=200), next=done))
    return request.context


def test_help_is_answered_in_the_ack_without_any_other_work() -> None:
    ack = Ack()
    context = context_with_services()
    client = AsyncWebClient(token="xoxb-unit", base_url="http://127.0.0.1:9/")  # never called
    asyncio.run(commands.schedule_sms(ack, {"text": "help", "user_id": "U1"}, client, context))
    (answer,) = ack.calls
    assert answer["text"] == "How to use /schedule-sms"
    validate_blocks(answer["blocks"])


def test_list_and_its_page_numbers() -> None:
    assert commands.history_page("list") == 0
    assert commands.history_page("history 3") == 2
    assert commands.history_page("list 0") == 0
    assert commands.history_page("listen to this") is None
    assert commands.history_page('+919876543210 "list" tomorrow') is None


COMMAND = {"user_id": "U1", "channel_id": "C1", "response_url": "", "trigger_id": "t1"}


def test_a_complete_command_is_confirmed_in_its_ack_and_kept_for_confirm() -> None:
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    slack = Workspace()
    ack = Ack()
    text = '+919876543210 "Your table is ready" in 2 hours'
    asyncio.run(commands.schedule_sms(ack, COMMAND | {"text": text}, slack, context_with_services(redis, slack)))
    (answer,) = ack.calls
    assert answer["response_type"] == "ephemeral" and answer["text"] == "Check and confirm your SMS"
    validate_blocks(answer["blocks"])
    (pending_id,) = {e["value"] for b in answer["blocks"] for e in b.get("elements", []) if e.get("value")}
    kept = asyncio.run(redis.get(keys.of(pending_id, "pending")))
    assert kept is not None and "Your table is ready" in kept
    assert slack.forms == []


def test_a_command_with_a_wrong_field_opens_the_form_with_the_problem() -> None:
    slack = Workspace()
    ack = Ack()
    context = context_with_services(client=slack)

    async def main() -> None:
        text = '+919876543210 "Hello" in 2 minutes'
        await commands.schedule_sms(ack, COMMAND | {"text": text}, slack, context)
        await services_of(context).background.drain(5)

    asyncio.run(main())
    assert ack.calls == [{}]  # answered at once; the form follows
    (form,) = slack.forms
    assert "15 minutes" in json.dumps(form) and "Hello" in json.dumps(form)


def test_storage_down_is_told_in_the_ack_and_nothing_is_kept() -> None:
    server = fakeredis.FakeServer()
    server.connected = False
    ack = Ack()
    slack = Workspace()
    redis = fakeredis.FakeAsyncRedis(server=server, decode_responses=True)
    text = '+919876543210 "Hello" in 2 hours'
    asyncio.run(commands.schedule_sms(ack, COMMAND | {"text": text}, slack, context_with_services(redis, slack)))
    (answer,) = ack.calls
    assert "cannot reach its storage" in answer["text"] and "nothing was sent" in answer["text"]
    validate_blocks(answer["blocks"])


def test_checks_in_flight_before_their_ack_count_toward_busy() -> None:
    slack = Workspace()
    ack = Ack()
    context = context_with_services(client=slack)
    background = services_of(context).background
    text = '+919876543210 "Hello" in 2 hours'
    with ExitStack() as stack:
        while background.has_room():  # an overloaded app: as many checks in flight as it takes
            stack.enter_context(background.before_ack())
        asyncio.run(commands.schedule_sms(ack, COMMAND | {"text": text}, slack, context))
    assert ack.calls == [{"text": BUSY}]
    assert background.has_room() and len(background) == 0


def test_a_click_names_who_and_where_and_missing_or_null_parts_are_empty() -> None:
    body = {"user": {"id": "U1"}, "channel": {"id": "C1"}, "response_url": "https://hooks.slack.com/actions/1"}
    assert requester_fields(body) == ("U1", "C1", "https://hooks.slack.com/actions/1")
    assert requester_fields({"user": {"id": None}, "channel": None, "response_url": None}) == ("", "", None)
    assert requester_fields({}) == ("", "", None)
