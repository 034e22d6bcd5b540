"""The check of the bot token at start, run while the app already serves.

`/healthz` answers from the first second (503 "starting" until the check is done), however slowly
Slack answers: `auth.test` gets 5 seconds, announced in the log before it starts. A token Slack refuses
stops the app with one line; Slack unreachable, slow or answering something that is not its JSON is a
warning in plain words (naming the host), and the app starts anyway: the token is tried again on use.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.config import Settings
from bot.startup import StartupError

log = logging.getLogger("schedule_sms")

AUTH_TEST_TIMEOUT_SECONDS = 5.0
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"}
)
"""auth.test errors that mean the bot token itself is wrong: no request could ever succeed with it."""


async def check_slack_token(
    settings: Settings, *, client: AsyncWebClient | None = None, timeout: float = AUTH_TEST_TIMEOUT_SECONDS
) -> None:
    """auth.test: a wrong or revoked token raises `StartupError`, instead of every user being told to
    reinstall the app; anything else is logged, and the app starts anyway."""
    host = urlsplit(settings.slack_api_url).hostname or settings.slack_api_url
    if client is None:
        token = settings.slack_bot_token.get_secret_value()
        client = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=math.ceil(timeout))
    log.info("checking SLACK_BOT_TOKEN with Slack (auth.test at %s, waiting up to %g s)", host, timeout)
    try:
        async with asyncio.timeout(timeout):
            identity = await client.auth_test()
    except SlackApiError as exc:
        error = _slack_error(exc)
        if error in TOKEN_ERRORS:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token from the app's "
                "OAuth & Permissions page (reinstall the app if it was revoked)"
            ) from None
        problem = f"Slack answered auth.test with {error}" if error else _not_slack_json(exc, host)
    except AttributeError:  # slack_sdk reading a text/plain answer as JSON
        problem = _not_slack_json(None, host)
    except TimeoutError:
        problem = f"Slack ({host}) did not answer auth.test within {timeout:g} s"
    except aiohttp.ClientError as exc:
        problem = unreachable(exc, host)
    else:
        log.info("signed in to Slack as %s in team %s", identity.get("user"), identity.get("team"))
        return
    log.warning("could not check SLACK_BOT_TOKEN: %s; starting anyway", problem)


def _slack_error(exc: SlackApiError) -> str | None:
    response = exc.response
    data = response.data if isinstance(response, AsyncSlackResponse) else None
    return str(data["error"]) if isinstance(data, dict) and data.get("error") else None


def _not_slack_json(exc: SlackApiError | None, host: str) -> str:
    """What answered is not Slack's Web API: a proxy, a captive portal, or a wrong SLACK_API_URL."""
    response = exc.response if exc is not None else None
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    content_type = str(headers.get("Content-Type") or headers.get("content-type") or "").split(";")[0]
    answered = f"HTTP {status}" if status else "an answer"
    kind = f" ({content_type})" if content_type else ""
    return (
        f"{host} answered auth.test with {answered}{kind} that is not Slack's JSON; "
        "is SLACK_API_URL right, or is a proxy in the way?"
    )


def unreachable(exc: aiohttp.ClientError, host: str) -> str:
    """Why `host` could not be reached, in words: DNS, refused, TLS, or the connection's failure."""
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"TLS with {host} failed ({type(exc).__name__})"
    if isinstance(exc, aiohttp.ClientConnectorDNSError) or (
        isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, socket.gaierror)
    ):
        return f"cannot resolve {host} (DNS: {exc.os_error.strerror or 'no address'}); check SLACK_API_URL and DNS"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {host} ({exc.os_error.strerror or type(exc.os_error).__name__})"
    return f"the connection to {host} failed ({type(exc).__name__})"


class TokenCheck:
    """`check_slack_token` as a task beside the server: `done` once it has finished (for `/healthz`);
    `refused` holds why, when the token was refused and `stop` was called to end the app."""

    def __init__(self, settings: Settings, stop: Callable[[], None]) -> None:
        self._settings = settings
        self._stop = stop
        self._task: asyncio.Task[None] | None = None
        self.refused: StartupError | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def done(self) -> bool:
        return self._task is not None and self._task.done()

    async def _run(self) -> None:
        try:
            await check_slack_token(self._settings)
        except StartupError as exc:
            log.error("%s", exc)
            self.refused = exc
            self._stop()
        except Exception:  # a check that cannot say is no reason to stop serving
            log.exception("could not check SLACK_BOT_TOKEN; starting anyway")

    async def cancel(self) -> None:
        """Stopping before the check has finished: it has nothing to finish."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
