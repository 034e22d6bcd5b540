"""Kaleyra SMS API client: one pooled `httpx.AsyncClient`, typed results, careful retries.

Retried (bounded, with backoff, honouring Retry-After): 429, 503, and connection failures
before the request left. Never retried: a timeout or dropped connection after the request
was sent, because Kaleyra may have scheduled it; that is reported as `Uncertain`.
Every attempt's time and every retry are counted (`bot.metrics`). At most `max_concurrent` sends are on
their way at once (a batch's personal rows go one request each), and a 429 or 503 with Retry-After pauses
every send of the process, not only the one it answered: Kaleyra said it is busy.
While the app stops, no attempt is started (first or retry) that could not end before the
drain deadline: the send is reported as `Rejected`, since nothing was sent.
"""

from __future__ import annotations

import asyncio
import math
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)

from bot import metrics
from bot.core import delivery
from bot.core.delivery import Report
from bot.core.errors import StatusRefused, StatusUnavailable
from bot.core.kaleyra_dry_run import DryRunTransport
from bot.core.shutdown import Shutdown

MAX_RECIPIENTS_PER_REQUEST = 100
_RETRY_STATUSES = frozenset({429, 503})
_MAX_RETRY_AFTER_SECONDS = 30.0
_KNOWN_CODES = {
    "E401": "Kaleyra refused the API key",
    "E402": "Kaleyra refused the time (15 minutes to 3 months ahead)",
}


@dataclass(frozen=True)
class SmsMessage:
    """One request's worth: at most 100 recipients."""

    recipients: Sequence[str]
    body: str
    route: str
    sender: str
    send_at: datetime | None = None
    template_id: str | None = None
    callback_profile_id: str | None = None

    def payload(self) -> dict[str, str]:
        fields = {
            "to": ",".join(self.recipients),
            "sender": self.sender,
            "body": self.body,
            "type": self.route,
            "time": self.send_at.isoformat(timespec="seconds") if self.send_at else None,
            "template_id": self.template_id,
            "callback_profile_id": self.callback_profile_id,
        }
        return {name: value for name, value in fields.items() if value}


@dataclass(frozen=True)
class Scheduled:
    """Kaleyra accepted the request; one message id per recipient."""

    batch_id: str
    message_ids: dict[str, str]  # recipient -> message id


@dataclass(frozen=True)
class Rejected:
    """Kaleyra (or the way to it) said no: nothing was sent, so trying again is safe."""

    status: int | None
    code: str | None
    message: str
    fields: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        where = f"HTTP {self.status}" if self.status else "no answer"
        code = f"{self.code}, " if self.code else ""
        lead = _KNOWN_CODES.get(self.code or "", "Kaleyra refused the request" if self.status else "Not sent")
        details = "; ".join(f"{name}: {text}" for name, text in self.fields.items() if text != self.message)
        return f"{lead} ({code}{where}): {self.message}" + (f" ({details})" if details else "")


@dataclass(frozen=True)
class Uncertain:
    """The request may or may not have been scheduled (timeout or lost answer after sending)."""

    reason: str

    def describe(self) -> str:
        return (
            f"The outcome is unknown: {self.reason}. It may have been scheduled; check Kaleyra's "
            "console before sending again."
        )


SendResult = Scheduled | Rejected | Uncertain
OnWire = Callable[[bool], Awaitable[None]]


class _RetryableError(Exception):
    def __init__(self, result: Rejected, retry_after: float | None = None) -> None:
        super().__init__(result.message)
        self.result = result
        self.retry_after = retry_after

    @property
    def reason(self) -> str:
        """For the retries' metric: the HTTP status that asked for it, or `connect`."""
        return str(self.result.status) if self.result.status else "connect"


class _Stopping(Exception):
    """The app is stopping and a retry could not end before the drain deadline."""


def _stopping(last: Rejected | None) -> Rejected:
    why = f"{last.message}; " if last else ""
    return Rejected(
        last.status if last else None,
        last.code if last else None,
        f"{why}not tried again because the app is restarting. Nothing was sent",
    )


@cache
def _tls() -> ssl.SSLContext:
    """The TLS context of every Kaleyra client in the process, made once: making one reads the whole CA
    bundle (tens of milliseconds of CPU), as httpx does for each client it builds."""
    return httpx.create_ssl_context()


class KaleyraClient:
    def __init__(
        self,
        account_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        shutdown: Shutdown | None = None,
        max_concurrent: int = 20,
    ) -> None:
        """`transport` replaces the network, e.g. `httpx.MockTransport` in unit tests, or a `DryRunTransport`
        (KALEYRA_DRY_RUN), which answers for Kaleyra."""
        self.dry_run = isinstance(transport, DryRunTransport)
        self._gate = Gate(max_concurrent)
        self._account_url = account_url.rstrip("/")
        self._api_key = api_key
        self._max_retries = max_retries
        self._backoff = backoff
        self._shutdown = shutdown or Shutdown()
        self._attempt_seconds = timeout + min(timeout, 5.0)  # the longest one attempt can take
        self._http = httpx.AsyncClient(
            headers={"api-key": api_key, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            transport=transport,
            verify=_tls(),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, message: SmsMessage, on_wire: OnWire | None = None) -> SendResult:
        """Schedule (or send now) one request of at most 100 recipients. `on_wire` hears when nothing is at
        Kaleyra while a retry waits (False: the last answer said nothing was sent) and when the retry goes."""
        if len(message.recipients) > MAX_RECIPIENTS_PER_REQUEST:
            raise ValueError(f"at most {MAX_RECIPIENTS_PER_REQUEST} recipients per request")

        async def sleep(seconds: float) -> None:
            if on_wire is not None:
                await on_wire(False)
            await self._sleep_before_retry(seconds)
            if on_wire is not None:
                await on_wire(True)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_RetryableError),
            sleep=sleep,
            before_sleep=_count_retry,
            reraise=True,
        )
        last: Rejected | None = None
        try:
            async for attempt in retrying:
                with attempt:
                    if not self._shutdown.fits(self._attempt_seconds):
                        return _stopping(last)
                    try:
                        async with self._gate.turn(self._sleep_before_retry):
                            return await self._post_once(message)
                    except _RetryableError as exc:
                        last = exc.result
                        if exc.retry_after:
                            self._gate.pause(min(exc.retry_after, _MAX_RETRY_AFTER_SECONDS))
                        raise
        except _RetryableError as exc:
            return exc.result
        except _Stopping:
            return _stopping(last)
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    async def _sleep_before_retry(self, seconds: float) -> None:
        if not await self._shutdown.sleep(seconds, then=self._attempt_seconds):
            raise _Stopping

    async def _post_once(self, message: SmsMessage) -> SendResult:
        started = time.perf_counter()
        try:
            response = await self._http.post(f"{self._account_url}/sms", json=message.payload())
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            metrics.kaleyra_request("send", "error", time.perf_counter() - started)
            failure = Rejected(None, None, f"could not connect to Kaleyra ({type(exc).__name__})")
            raise _RetryableError(failure) from exc
        except httpx.TimeoutException:
            metrics.kaleyra_request("send", "timeout", time.perf_counter() - started)
            return Uncertain("Kaleyra did not answer in time")
        except httpx.TransportError as exc:
            metrics.kaleyra_request("send", "error", time.perf_counter() - started)
            return Uncertain(f"the connection to Kaleyra broke after the request was sent ({type(exc).__name__})")
        metrics.kaleyra_request("send", _status_class(response), time.perf_counter() - started)
        return self._without_secret(self._read(response))

    async def statuses(self, message_ids: Sequence[str]) -> list[Report]:
        """Delivery status of sent messages (`GET /sms/status`); raises `StatusUnavailable`."""
        reports: list[Report] = []
        for start in range(0, len(message_ids), MAX_RECIPIENTS_PER_REQUEST):
            batch = ",".join(message_ids[start : start + MAX_RECIPIENTS_PER_REQUEST])
            started = time.perf_counter()
            try:
                response = await self._http.get(f"{self._account_url}/sms/status", params={"message_ids": batch})
            except httpx.HTTPError as exc:
                result = "timeout" if isinstance(exc, httpx.TimeoutException) else "error"
                metrics.kaleyra_request("status", result, time.perf_counter() - started)
                raise StatusUnavailable(f"Kaleyra's status API failed ({type(exc).__name__})") from exc
            metrics.kaleyra_request("status", _status_class(response), time.perf_counter() - started)
            body = _json_or_none(response)
            if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
                refused = 400 <= response.status_code < 500 and response.status_code != 429
                error = StatusRefused if refused else StatusUnavailable
                raise error(f"Kaleyra's status API answered HTTP {response.status_code}")
            reports += [report for item in body["data"] if (report := _status_report(item)) is not None]
        return reports

    def _without_secret(self, result: SendResult) -> SendResult:
        """Kaleyra's words are shown to users: never let them carry the API key back."""
        if not isinstance(result, Rejected) or self._api_key not in repr(result):
            return result
        fields = {self._scrub(name): self._scrub(text) for name, text in result.fields.items()}
        return Rejected(result.status, result.code, self._scrub(result.message), fields)

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]")

    def _read(self, response: httpx.Response) -> SendResult:
        body = _json_or_none(response)
        if response.status_code in _RETRY_STATUSES:
            result = _rejection(response.status_code, body) or Rejected(
                response.status_code, None, "Kaleyra is busy; nothing was sent"
            )
            raise _RetryableError(result, _retry_after(response))
        if 200 <= response.status_code < 300 and isinstance(body, dict):
            scheduled = _scheduled(body)
            if scheduled is not None:
                return scheduled
        if 400 <= response.status_code < 500:
            return _rejection(response.status_code, body) or Rejected(
                response.status_code, None, "Kaleyra refused the request without saying why"
            )
        if response.status_code >= 500:
            return Uncertain(f"Kaleyra answered HTTP {response.status_code}")
        return Uncertain(f"Kaleyra answered HTTP {response.status_code} with a reply that could not be read")

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _RetryableError) and error.retry_after is not None:
            return min(error.retry_after, _MAX_RETRY_AFTER_SECONDS)
        return float(self._backoff * 2 ** (state.attempt_number - 1))


class Gate:
    """At most `limit` sends at once, and none while Kaleyra asked every request to wait (Retry-After)."""

    def __init__(self, limit: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._monotonic = monotonic
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    @asynccontextmanager
    async def turn(self, sleep: Callable[[float], Awaitable[None]]) -> AsyncIterator[None]:
        """A slot, once any pause has ended (`sleep` waits, or gives up when the app stops)."""
        async with self._slots:
            while (left := self._paused_until - self._monotonic()) > 0:
                await sleep(left)
            yield


def _count_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, _RetryableError):
        metrics.kaleyra_retry(error.reason)


def _status_class(response: httpx.Response) -> str:
    return f"{response.status_code // 100}xx"


def chunked(recipients: Sequence[str], size: int = MAX_RECIPIENTS_PER_REQUEST) -> list[Sequence[str]]:
    return [recipients[start : start + size] for start in range(0, len(recipients), size)]


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _scheduled(body: dict[str, Any]) -> Scheduled | None:
    batch_id, data = body.get("id"), body.get("data")
    if not isinstance(batch_id, str) or not isinstance(data, list) or not 0 < len(batch_id) <= delivery.MAX_ID_CHARS:
        return None
    message_ids = {
        str(item["recipient"])[: delivery.MAX_RECIPIENT_CHARS]: str(item["message_id"])
        for item in data
        if isinstance(item, dict)
        and "recipient" in item
        and "message_id" in item
        and len(str(item["message_id"])) <= delivery.MAX_ID_CHARS
    }
    return Scheduled(batch_id, message_ids)


def _rejection(status: int, body: Any) -> Rejected | None:
    if not isinstance(body, dict) or not isinstance(body.get("message") or body.get("code"), str):
        return None
    details = body.get("error")
    fields = {str(k): str(v) for k, v in details.items()} if isinstance(details, dict) else {}
    code = body.get("code")
    return Rejected(status, str(code) if code else None, str(body.get("message") or "no message"), fields)


def _status_report(item: Any) -> Report | None:
    """One `data` entry: the id as `message_id`, `campaign_id` or `id`; details in any of the usual keys."""
    if not isinstance(item, dict):
        return None
    message_id = next((str(item[key]) for key in ("message_id", "campaign_id", "id") if item.get(key)), None)
    status = item.get("status")
    if message_id is None or not isinstance(status, str):
        return None
    detail = next((str(item[key]) for key in ("status_trace", "status_details", "description") if item.get(key)), "")
    return delivery.report(message_id, status, detail, str(item.get("recipient") or ""))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        seconds: float = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
