"""Shared services reach listeners through Bolt's `context`, so listeners are plain functions tests can call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.core.template_store import TemplateStore, configured
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


def services_of(context: AsyncBoltContext) -> Services:
    services: Services = context[_KEY]
    return services


def template_store(services: Services) -> TemplateStore:
    """The templates: TEMPLATES_FILE's (read once, at start) and those admins added in Redis."""
    path = services.settings.templates_file
    return TemplateStore(services.redis, configured(path) if path else ())
