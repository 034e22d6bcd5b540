"""Errors to Sentry when `SENTRY_DSN` is set; without it the SDK is never imported.

What the app logs at ERROR, and what escapes a request handler, becomes an event. Nothing users typed
leaves the app in one: the SDK's own collection of request bodies, local variables and personal data is
off, and every event and breadcrumb is scrubbed before it is sent (`scrub_event`) of the configured
secrets, of anything that may be a phone number, of the words the user typed in the request being served
(`bot.request_scope`: the message, the numbers, the command's text), and of the fields that carry
bodies. A library's log line is cut before the first body it quotes, as in the log itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING, Any, cast

from bot import logs, request_scope
from bot.config import Settings
from bot.startup import StartupError

if TYPE_CHECKING:
    from sentry_sdk.types import Breadcrumb, BreadcrumbHint, Event, Hint

log = logging.getLogger(__name__)

WITHHELD = "[withheld]"
TYPED = "[typed by the user]"
BODY_KEYS = frozenset({"data", "body", "text", "blocks", "view", "payload", "json", "params", "cookies", "to"})
"""Keys whose values are bodies (a request's, a Slack call's, an SMS's): withheld whole."""
MIN_TYPED_CHARS = 4
"""Shorter typed words are too common to replace wherever they appear."""


def start(settings: Settings, *, transport: Any = None) -> bool:
    """Report errors to Sentry when `SENTRY_DSN` is set (in each process: the SDK's sender is a thread,
    which a fork does not copy). `transport` replaces the network (tests). True if reporting."""
    if settings.sentry_dsn is None:
        return False
    try:
        import sentry_sdk
    except ImportError:
        raise StartupError(
            "SENTRY_DSN is set but sentry-sdk is not installed: install the sentry extra "
            "(pip install 'schedule-sms[sentry]'; the container image has it)"
        ) from None
    scrubber = Scrubber(logs.Sanitize(logs.secret_values(settings)).scrub)
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.sentry_environment,
        release=_release(),
        # nothing about users, no bodies, no query strings (the callback's token), no local variables
        # (they hold messages and numbers)
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "stack_frame_variables": False,
        },
        before_send=scrubber.event,
        before_breadcrumb=scrubber.breadcrumb,
        transport=transport,
    )
    log.info("reporting errors to Sentry (environment %s)", settings.sentry_environment)
    return True


def _release() -> str | None:
    try:
        return f"schedule-sms@{metadata.version('schedule-sms')}"
    except metadata.PackageNotFoundError:  # run from the source tree, as in the container
        return None


class Scrubber:
    def __init__(self, scrub_secrets: Callable[[str], str]) -> None:
        self._scrub_secrets = scrub_secrets

    def event(self, event: Event, hint: Hint) -> Event:
        scope = request_scope.current()
        scrubbed: dict[str, Any] = self._walk(event, _typed_words(scope))
        logentry = scrubbed.get("logentry")
        if _is_library(scrubbed.get("logger")) and isinstance(logentry, dict):
            for key in ("message", "formatted"):
                if isinstance(logentry.get(key), str):
                    logentry[key] = logs.withhold_bodies(logentry[key])
        if scope is not None:
            scrubbed.setdefault("tags", {})["request_id"] = scope.request_id
        return cast("Event", scrubbed)

    def breadcrumb(self, crumb: Breadcrumb, hint: BreadcrumbHint) -> Breadcrumb:
        scrubbed: dict[str, Any] = self._walk(crumb, _typed_words(request_scope.current()))
        if _is_library(scrubbed.get("category")) and isinstance(scrubbed.get("message"), str):
            scrubbed["message"] = logs.withhold_bodies(scrubbed["message"])
        return scrubbed

    def _walk(self, value: Any, typed: list[str]) -> Any:
        if isinstance(value, str):
            for words in typed:
                value = value.replace(words, TYPED)
            return logs.mask_phone_like(self._scrub_secrets(value))
        if isinstance(value, dict):
            return {
                key: WITHHELD if key in BODY_KEYS and item else self._walk(item, typed) for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self._walk(item, typed) for item in value]
        return value


def _typed_words(scope: request_scope.RequestScope | None) -> list[str]:
    """Longest first, so a message is replaced whole before a word inside it."""
    if scope is None:
        return []
    return sorted({words for words in scope.typed() if len(words) >= MIN_TYPED_CHARS}, key=len, reverse=True)


def _is_library(logger: object) -> bool:
    """A logger name (an event's `logger`, a log breadcrumb's `category`) that is not the app's."""
    return isinstance(logger, str) and bool(logger) and logs.is_library(logger)
