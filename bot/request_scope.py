"""The Slack request being served: an id to follow it through the log, and what its user typed.

Both live in a context variable, so they follow the request into everything it starts: awaited calls,
tasks (which copy the context when created) and queued background work (`bot.background` runs each job
in the context copied when it was queued). Nothing here knows Slack: the adapter that opens a scope
says how to find the user's own words in its request (for error reports, which must never carry them).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestScope:
    request_id: str
    typed: Callable[[], list[str]]
    """The user's own words in the request (message text, numbers, a command's text), found when asked:
    only an error report needs them, and it is rare."""


_current: ContextVar[RequestScope | None] = ContextVar("schedule_sms_request", default=None)


def new_request_id() -> str:
    """12 hex digits: unique enough to grep for, short enough to read in a log line."""
    return secrets.token_hex(6)


def begin(typed: Callable[[], list[str]]) -> RequestScope:
    """A new request's scope, from now on in this context. Never reset: each Slack request is served in a
    task of its own (aiohttp's per request, Socket Mode's per envelope), whose context ends with it."""
    scope = RequestScope(new_request_id(), typed)
    _current.set(scope)
    return scope


def current() -> RequestScope | None:
    return _current.get()


def current_id() -> str | None:
    scope = _current.get()
    return scope.request_id if scope is not None else None
