"""The Kaleyra client against Kaleyra's documented answers, through `httpx.MockTransport`."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import httpx
import pytest

from bot.core.errors import StatusUnavailable
from bot.core.kaleyra import Gate, KaleyraClient, Rejected, Scheduled, SmsMessage, Uncertain
from tests.unit.kaleyra_double import ACCOUNT_URL, API_KEY, KaleyraDouble, accepted

MESSAGE = SmsMessage(["+919876543210", "+919876543211"], "Hi", "TXN", "KLRHXA",
                     datetime.fromisoformat("2026-11-25T17:00:00+05:30"))  # fmt: skip


def send(double: KaleyraDouble, message: SmsMessage = MESSAGE, **options: float) -> object:
    async def scenario() -> object:
        client = double.client(**options)
        try:
            return await client.send(message)
        finally:
            await client.aclose()

    return asyncio.run(scenario())


def test_sends_one_json_request_with_the_key_in_its_header() -> None:
    double = KaleyraDouble()
    result = send(double)
    assert isinstance(result, Scheduled) and result.batch_id == "batch-1"
    assert result.message_ids == {"+919876543210": "batch-1:1", "+919876543211": "batch-1:2"}
    (request,) = double.requests
    assert request.url.path == "/v1/HXAP16TEST97IN/sms"
    assert request.headers["api-key"] == API_KEY and request.headers["content-type"] == "application/json"
    assert json.loads(request.content)["time"] == "2026-11-25T17:00:00+05:30"


def test_refusal_keeps_kaleyras_code_and_field_errors() -> None:
    body = {"code": "E402", "message": "Invalid time", "error": {"time": "must be 15 minutes ahead"}}
    double = KaleyraDouble([lambda _: httpx.Response(400, json=body)])
    result = send(double)
    assert isinstance(result, Rejected) and result.code == "E402"
    assert "refused the time" in result.describe() and "must be 15 minutes ahead" in result.describe()


def test_busy_is_retried_honouring_retry_after_then_succeeds() -> None:
    busy = httpx.Response(429, headers={"Retry-After": "0"}, json={"code": "E429", "message": "slow down"})
    double = KaleyraDouble([lambda _: busy, lambda _: busy])
    assert isinstance(send(double), Scheduled)
    assert len(double.sent) == 3


def test_busy_past_the_retry_budget_is_a_refusal_nothing_sent() -> None:
    double = KaleyraDouble([lambda _: httpx.Response(503)] * 5)
    result = send(double, max_retries=2)
    assert isinstance(result, Rejected) and len(double.sent) == 3


def test_timeout_after_sending_is_uncertain_and_never_retried() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    double = KaleyraDouble([timeout])
    result = send(double)
    assert isinstance(result, Uncertain) and "may have been scheduled" in result.describe()
    assert len(double.sent) == 1


def test_connection_refused_is_retried_because_nothing_left() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    double = KaleyraDouble([refused, refused])
    assert isinstance(send(double), Scheduled) and len(double.sent) == 3


def test_server_error_is_uncertain() -> None:
    assert isinstance(send(KaleyraDouble([lambda _: httpx.Response(500, text="oops")])), Uncertain)


def test_the_api_key_never_comes_back_in_a_refusal() -> None:
    echo = {"code": "E401", "message": f"bad key {API_KEY}", "error": {"api-key": API_KEY}}
    result = send(KaleyraDouble([lambda _: httpx.Response(401, json=echo)]))
    assert isinstance(result, Rejected) and API_KEY not in repr(result)


def test_more_than_100_recipients_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        send(KaleyraDouble(), SmsMessage(["+919876543210"] * 101, "Hi", "TXN", "KLRHXA"))


def test_statuses_in_pages_of_100() -> None:
    ids = [f"m{i}" for i in range(150)]
    double = KaleyraDouble(statuses={"m0": {"status": "DELIVERED"}, "m149": {"status": "undelivered",
                                                                              "status_trace": "CON-DND"}})  # fmt: skip

    async def scenario() -> list[object]:
        client = double.client()
        try:
            return list(await client.statuses(ids))
        finally:
            await client.aclose()

    reports = asyncio.run(scenario())
    assert [(r.message_id, r.status, r.detail) for r in reports] == [  # type: ignore[attr-defined]
        ("m0", "Delivered", ""),
        ("m149", "UnDelivered", "CON-DND"),
    ]
    assert len(double.requests) == 2


def test_status_api_failure_is_status_unavailable() -> None:
    client = KaleyraDouble(status_api_down=True).client()

    async def scenario() -> None:
        try:
            await client.statuses(["m1"])
        finally:
            await client.aclose()

    with pytest.raises(StatusUnavailable):
        asyncio.run(scenario())


def test_at_most_max_concurrent_sends_are_on_their_way_at_once() -> None:
    on_their_way, most = 0, 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal on_their_way, most
        on_their_way += 1
        most = max(most, on_their_way)
        await asyncio.sleep(0)  # let the others start, if the gate lets them
        await asyncio.sleep(0)
        on_their_way -= 1
        return accepted(request)

    async def scenario() -> None:
        client = KaleyraClient(ACCOUNT_URL, API_KEY, transport=httpx.MockTransport(slow), max_concurrent=2)
        try:
            results = await asyncio.gather(*(client.send(MESSAGE) for _ in range(6)))
        finally:
            await client.aclose()
        assert all(isinstance(result, Scheduled) for result in results)

    asyncio.run(scenario())
    assert most == 2


def test_kaleyras_retry_after_pauses_every_send_until_it_ends() -> None:
    async def scenario() -> None:
        now = [100.0]
        gate = Gate(4, monotonic=lambda: now[0])
        waited: list[float] = []

        async def sleep(seconds: float) -> None:
            waited.append(seconds)
            now[0] += seconds

        gate.pause(7)
        gate.pause(2)  # a shorter pause asked later does not shorten it
        async with gate.turn(sleep):
            assert now[0] >= 107
        async with gate.turn(sleep):  # no pause left: no wait
            pass
        assert waited == [7]

    asyncio.run(scenario())
