"""Slack listeners, one module per kind (commands, views, actions, events), each with `register(app)`.

Listeners are module-level functions; what they share comes from `context` (see `bot.slack.context`).
The work they do lives in the Slack-free core.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack.context import BeginRequestScope, ProvideServices
from bot.slack.listeners import actions, commands, events, held, views
from bot.slack.replies import Requester, failure_text

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    app.middleware(BeginRequestScope())
    app.middleware(ProvideServices(services))
    app.error(on_error)
    commands.register(app)
    views.register(app)
    actions.register(app)
    events.register(app)
    held.register(app)


async def on_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
    """Anything a listener lets escape: logged, and the user who started it is answered. Listeners
    queue every send, so what fails here has sent nothing."""
    log.error("unhandled error in a Slack listener", exc_info=error)
    requester = Requester(
        user_id=str(body.get("user_id") or (body.get("user") or {}).get("id") or ""),
        channel_id=str(body.get("channel_id") or (body.get("channel") or {}).get("id") or ""),
        response_url=str(body.get("response_url") or "") or None,
    )
    if requester.user_id:
        await requester.problem(client, failure_text(error))
