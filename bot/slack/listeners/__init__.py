"""Slack listeners, one module per kind (commands, views, actions, events), each with `register(app)`.

Listeners are module-level functions; what they share comes from `context` (see `bot.slack.context`).
The work they do lives in the Slack-free core.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from bot.slack.context import provide
from bot.slack.listeners import actions, commands, events, held, views


def register(app: AsyncApp, services: Services) -> None:
    app.middleware(provide(services))
    commands.register(app)
    views.register(app)
    actions.register(app)
    events.register(app)
    held.register(app)
