"""Shared services reach listeners through Bolt's `context`, so listeners are plain functions tests can
call; and every Slack request is served in a scope of its own (`bot.request_scope`): an id for the log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot import request_scope
from bot.core.command import parse_command
from bot.services import Services

_KEY = "services"


class ProvideServices(AsyncMiddleware):
    """A global middleware that puts the services into every listener's context. A subclass rather than a
    decorated function: Bolt inspects a function middleware's arguments on every request."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        req.context[_KEY] = self._services
        return await next()


class BeginRequestScope(AsyncMiddleware):
    """The first middleware: the request (over HTTP or the Socket Mode connection), its listener and the
    work it queues share one request id in the log. Bolt runs its middleware one after the other, and
    the listener after them all, in the request's task: the scope begun here lasts as long as the task."""

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        body = req.body
        request_scope.begin(lambda: typed_in(body))
        return await next()


def typed_in(body: dict[str, Any]) -> list[str]:
    """What the user typed in a Slack request: a command's text and its parts (the message, the numbers,
    the time), and every value typed into a form. Only error reports look for them, to leave them out."""
    typed: list[str] = []
    if isinstance(text := body.get("text"), str) and text:
        draft = parse_command(text)
        typed += [text, draft.message, draft.recipients, draft.when]
    view = body.get("view")
    values = ((view.get("state") or {}).get("values") if isinstance(view, dict) else None) or {}
    for block in values.values() if isinstance(values, dict) else ():
        for element in block.values() if isinstance(block, dict) else ():
            if isinstance(element, dict) and isinstance(element.get("value"), str):
                typed.append(element["value"])
    return [words for words in typed if words]


def services_of(context: AsyncBoltContext) -> Services:
    services: Services = context[_KEY]
    return services
