"""Listeners are plain functions: called here directly, with services in Bolt's context as at run time."""

from __future__ import annotations

import asyncio
from typing import Any

import fakeredis
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack.context import ProvideServices
from bot.slack.listeners import commands
from tests.slack_models import validate_blocks
from tests.unit.test_validation import settings


class Ack:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def context_with_services() -> AsyncBoltContext:
    """What the app's middleware gives every listener."""
    services = Services.build(
        settings(), fakeredis.FakeAsyncRedis(decode_responses=True), AsyncWebClient(token="xoxb-unit")
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
