"""The rules that keep what the app says about a send true: masking, splitting long
text without cutting it, the form holding every recipient, limits, and retries during shutdown."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.exceptions import RedisError

from bot.core import phones
from bot.core.command import Draft
from bot.core.dispatch import sent_number
from bot.core.kaleyra import KaleyraClient, Rejected, Scheduled, SmsMessage
from bot.core.quota import Quota
from bot.core.refusals import Reason
from bot.core.shutdown import Shutdown, finish_despite_cancel
from bot.slack import blocks
from bot.slack.directory import DirectoryUnavailable
from bot.slack.replies import Progress, failure_text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_masking_is_total_and_shows_at_most_five_last_digits(text: str) -> None:
    masked = phones.mask(text)
    assert masked
    country, _, rest = masked.partition("•") if masked.startswith("+") else ("", "", masked)
    assert len(re.sub(r"\D", "", rest)) <= 5 and len(country) <= 4


def test_masking_a_number_without_plus_hides_it() -> None:
    assert phones.mask("919876543210") == "••••••••3210"


@pytest.mark.parametrize(
    ("echoed", "sent"),
    [("+919876543210", "+919876543210"), ("919876543210", "+919876543210"), ("9876543210", "+919876543210"),
     ("4155550100", "+14155550100"), ("+447700900123", "+447700900123")],
)  # fmt: skip
def test_notifications_use_the_numbers_the_app_sent(echoed: str, sent: str) -> None:
    assert sent_number(["+919876543210", "+14155550100"], echoed) == sent


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<@U123ABC>", "&amp;", "&lt;", "word", " ", "\n", "é", "<https://x.io|x>"]),
                max_size=400),
       st.integers(min_value=20, max_value=200))  # fmt: skip
def test_long_text_is_split_whole_and_never_inside_an_escape_or_mention(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    pieces = blocks.split_text(text, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)
    for piece in pieces:
        assert piece.count("<") == piece.count(">")
        assert re.sub(r"&(amp|lt|gt);", "", piece).count("&") == 0


def test_failures_go_over_several_sections_and_messages() -> None:
    from bot.core.delivery import Report

    failures = [Report(f"b:{i}", "NotSent", "CON-DND", f"+91987654{i:04d}") for i in range(3000)]
    messages = blocks.failure_messages(failures, masked=True)
    assert len(messages) > 1 and all(len(message) <= blocks.MESSAGE_BLOCKS for message in messages)
    text = "".join(block["text"]["text"] for message in messages for block in message)
    assert all(phones.mask(report.recipient) in text for report in failures)


def test_the_form_holds_every_recipient_the_app_accepts() -> None:
    numbers = [f"+1415555{i:04d}" for i in range(300)]
    view = blocks.modal_view(Draft(recipients=", ".join(numbers)), private_metadata="{}", max_recipients=300)
    values = {
        block["block_id"]: {"value": {"type": "plain_text_input", "value": block["element"].get("initial_value")}}
        for block in view["blocks"]
        if block["block_id"].startswith("recipients")
    }
    assert phones.split_recipients(blocks.draft_from_state(values).recipients) == numbers


def test_the_form_refuses_what_it_cannot_hold() -> None:
    too_many = ", ".join(f"+1415555{i:04d}" for i in range(1000))
    with pytest.raises(blocks.FormOverflow):
        blocks.modal_view(Draft(recipients=too_many), private_metadata="{}", max_recipients=300)


def test_a_refused_limit_charges_nothing() -> None:
    async def scenario() -> None:
        quota = Quota(None, per_minute=10, per_day=12)
        assert await quota.refusal("U1", 8, "UTC", take=True) is None
        refused = await quota.refusal("U1", 5, "UTC", take=True)  # 2 left in the minute
        assert refused is not None and refused.reason is Reason.LIMIT_REACHED
        assert await quota.refusal("U1", 2, "UTC", take=True) is None  # the refusal took nothing
        assert (await quota.refusal("U1", 3, "UTC", take=True)) is not None

    asyncio.run(scenario())


def test_a_day_limit_refusal_gives_back_the_minute() -> None:
    async def scenario() -> None:
        quota = Quota(None, per_minute=100, per_day=10)
        assert await quota.refusal("U1", 10, "UTC", take=True) is None
        day = await quota.refusal("U1", 1, "UTC", take=True)
        assert day is not None and "a day" in day.message
        minute = Quota(None, per_minute=100, per_day=0)  # a separate count: only the charged remains
        assert await minute.refusal("U1", 100, "UTC", take=True) is None

    asyncio.run(scenario())


def _client(handler: httpx.MockTransport, shutdown: Shutdown) -> KaleyraClient:
    return KaleyraClient("http://kaleyra.test/v1/SID", "key", timeout=1.0, transport=handler, shutdown=shutdown)


MESSAGE = SmsMessage(["+919876543210"], "Hi", "TXN", "KLRHXA")


def test_a_retry_that_cannot_end_before_the_drain_deadline_is_not_started() -> None:
    calls: list[httpx.Request] = []

    def busy(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, json={"code": "E429", "message": "Too many requests"}, headers={"Retry-After": "30"})

    async def scenario() -> None:
        shutdown = Shutdown()
        client = _client(httpx.MockTransport(busy), shutdown)
        sending = asyncio.create_task(client.send(MESSAGE))
        while not calls:
            await asyncio.sleep(0.01)
        shutdown.begin(20)
        result = await asyncio.wait_for(sending, 5)
        assert isinstance(result, Rejected) and "Nothing was sent" in result.describe()
        assert len(calls) == 1

    asyncio.run(scenario())


def test_no_first_attempt_starts_too_late_and_short_retries_still_run() -> None:
    answers = iter([httpx.Response(503, headers={"Retry-After": "0"}), None])

    def flaky(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        return answer or httpx.Response(200, json={"id": "b1", "data": [{"recipient": "+919876543210",
                                                                           "message_id": "m1"}]})  # fmt: skip

    async def scenario() -> None:
        late = Shutdown()
        late.begin(0.5)
        assert isinstance(await _client(httpx.MockTransport(flaky), late).send(MESSAGE), Rejected)
        early = Shutdown()
        early.begin(60)
        assert isinstance(await _client(httpx.MockTransport(flaky), early).send(MESSAGE), Scheduled)

    asyncio.run(scenario())


def test_work_that_started_finishes_before_the_cancellation_passes_on() -> None:
    finished: list[str] = []

    async def work() -> None:
        await asyncio.sleep(0.05)
        finished.append("done")

    async def scenario() -> None:
        task = asyncio.create_task(finish_despite_cancel(work()))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert finished == ["done"]

    asyncio.run(scenario())


@pytest.mark.parametrize("error", [RedisError("down"), DirectoryUnavailable("users.info"), TypeError("odd")])
def test_failures_are_worded_by_phase(error: Exception) -> None:
    before = failure_text(error)
    assert "nothing was sent" in before
    after = failure_text(error, Progress(sent="Your SMS was scheduled (Kaleyra id b1)"))
    assert after.startswith("Your SMS was scheduled (Kaleyra id b1)") and "nothing was sent" not in after
    assert "Do not send it again" in after
