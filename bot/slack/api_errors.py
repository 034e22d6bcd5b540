"""Failed Slack Web API calls, counted by method and error (`schedule_sms_slack_api_errors_total`).

slack_sdk has no hook for failures, but it asks each of its retry handlers about every answer and every
error, in order, until one of them retries. Last in the list and never retrying, this one hears only
about the attempts that no handler retries: the failures the caller will see. Bolt copies the app's
retry handlers into the client it builds for each request, so listeners' calls are counted too.
"""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics


class CountFailures(AsyncRetryHandler):
    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if error is not None:
            metrics.slack_api_error(method_of(request.url), _error_name(error))
        elif response is not None and isinstance(response.body, dict) and response.body.get("ok") is False:
            metrics.slack_api_error(method_of(request.url), str(response.body.get("error") or "unknown"))
        return False


def method_of(url: str) -> str:
    """`chat.postMessage` from `https://slack.com/api/chat.postMessage?...`."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _error_name(error: Exception) -> str:
    if isinstance(error, asyncio.TimeoutError | TimeoutError):
        return "timeout"
    if isinstance(error, aiohttp.ClientError):
        return "connection"
    return type(error).__name__


def count_failures(client: AsyncWebClient) -> None:
    """Count `client`'s failed calls (and those of the clients Bolt copies from it)."""
    client.retry_handlers.append(CountFailures())
