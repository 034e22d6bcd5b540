"""Shared services reach listeners through Bolt's `context`, so listeners are plain functions tests can call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.context.async_context import AsyncBoltContext

from bot.services import Services

_KEY = "services"
Middleware = Callable[[AsyncBoltContext, Callable[[], Awaitable[None]]], Awaitable[None]]


def provide(services: Services) -> Middleware:
    """A global middleware that puts `services` into every listener's context."""

    async def provide_services(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context[_KEY] = services
        await next()

    return provide_services


def services_of(context: AsyncBoltContext) -> Services:
    services: Services = context[_KEY]
    return services
