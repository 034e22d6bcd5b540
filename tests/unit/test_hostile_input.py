"""Text from outside (users, Kaleyra, callbacks, forged requests) is refused, bounded or escaped."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from bot.core import delivery
from bot.core.command import Draft, misspelt_subcommand
from bot.core.errors import InvalidRequest
from bot.core.kaleyra import Scheduled, SmsMessage, Uncertain
from bot.core.outcomes import Act, Outcome, Result, SendReport
from bot.core.records import MessageState, SmsRecord, State
from bot.core.validation import validate
from bot.slack import blocks, wording
from bot.web.inbound import slack_signature_ok
from tests.slack_models import validate_blocks
from tests.unit.kaleyra_double import KaleyraDouble
from tests.unit.test_validation import settings

SETTINGS = settings()
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def message_error(message: str) -> str | None:
    draft = Draft(recipients="+919876543210", message=message, when="in 2 hours", route="TXN", sender="KLRHXA")
    try:
        validate(draft, "Asia/Kolkata", NOW, SETTINGS)
    except InvalidRequest as invalid:
        return invalid.errors.get("message")
    return None


@pytest.mark.parametrize(
    ("message", "named"),
    [("Hi\x00there", "U+0000 NUL"), ("a\tb", "U+0009 tab"), ("\x1b[31mred", "U+001B escape"), ("x\x85y", "U+0085")],
)
def test_control_characters_in_a_message_are_refused_by_name(message: str, named: str) -> None:
    error = message_error(message)
    assert error is not None and f"control character ({named})" in error and "remove it" in error


def test_line_breaks_in_a_message_are_fine() -> None:
    assert message_error("Line one\nLine two\r\nLine three") is None


@pytest.mark.parametrize(("typed", "meant"), [("lsit", "list"), ("hepl", "help"), ("lst", "list"), ("LSIT 2", "list")])
def test_a_misspelt_subcommand_gets_a_suggestion(typed: str, meant: str) -> None:
    assert misspelt_subcommand(typed) == (typed.split()[0], meant)


@pytest.mark.parametrize("text", ["list", "help", "tomorrow", "tonight", "now", "noon", "hello", "+919876543210", ""])
def test_real_commands_and_time_words_get_no_suggestion(text: str) -> None:
    assert misspelt_subcommand(text) is None


def test_reports_from_outside_are_bounded_and_printable() -> None:
    report = delivery.report("m1", "<!channel>\n" + "x" * 900_000, "trace\x00" + "y" * 900_000, "+91" + "9" * 500)
    assert report is not None
    assert len(report.status) <= delivery.MAX_STATUS_CHARS and "\n" not in report.status
    assert len(report.detail) <= delivery.MAX_DETAIL_CHARS and "\x00" not in report.detail
    assert len(report.recipient) <= delivery.MAX_RECIPIENT_CHARS
    assert delivery.report("x" * 201, "Delivered") is None
    kept = delivery.report("m1", "Sent", "line one\nline\x00two\u200b\t ")
    assert kept is not None and kept.detail == "line one linetwo"  # breaks separate words, other controls go
    assert delivery.report_from_fields({"id": "m1", "status": "Sent", "description": "d" * 5000}) == delivery.Report(
        "m1", "Sent", "d" * delivery.MAX_DETAIL_CHARS
    )


def test_unknown_statuses_never_flap() -> None:
    status = delivery.SCHEDULED
    changes = 0
    for incoming in ["Queued", "Buffered", "Queued", "Buffered", "Sent", "Accepted", "Delivered", "Sent"]:
        if delivery.newer(status, incoming):
            status, changes = incoming, changes + 1
    assert (status, changes) == ("Delivered", 3)  # Queued, then Sent, then Delivered


def test_kaleyra_ids_and_statuses_are_escaped_in_posts() -> None:
    record = SmsRecord(
        id="r1", user_id="U1", channel_id="C1", tz="UTC", route="TXN", send_at=None, created_at=NOW.isoformat(),
        body_digest="d", batch_ids=["<!channel>&<https://evil|x>"],
        messages={"m1": MessageState("+919876543210", "<!Here> *Bold*", "")},
    )  # fmt: skip
    post = blocks.record_post_blocks(record, NOW, masked=True)
    validate_blocks(post)
    text = str(post)
    assert "<!channel>" not in text and "&lt;!channel&gt;&amp;&lt;https://evil|x&gt;" in text
    assert "<!Here>" not in text and "&lt;!Here&gt;" in text
    failure = str(
        blocks.failure_messages([delivery.Report("m1", "<!channel>", "<@U1>", "+919876543210")], masked=False)
    )
    assert "<!channel>" not in failure and "<@U1>" not in failure


def sign(body: bytes, timestamp: str, secret: str = "secret-0123") -> str:
    return "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "9" * 5000, "", " 1", "-1", "1.5", "١٢٣"])
def test_odd_timestamps_are_simply_invalid(timestamp: str) -> None:
    assert slack_signature_ok("secret-0123", b"x=1", timestamp, sign(b"x=1", timestamp)) is False


def test_signatures_are_checked_on_the_raw_bytes() -> None:
    now = str(int(time.time()))
    body = b"payload=\xff\xfe not utf-8"
    assert slack_signature_ok("secret-0123", body, now, sign(body, now))
    assert not slack_signature_ok("secret-0123", body + b" ", now, sign(body, now))
    assert not slack_signature_ok("secret-0123", body, now, sign(body, now, secret="other-secret"))
    old = str(int(time.time()) - 301)
    assert not slack_signature_ok("secret-0123", body, old, sign(body, old))
    assert not slack_signature_ok("secret-0123", body, now, sign(body, now).upper())


def test_an_absurdly_long_kaleyra_id_is_not_stored_but_reported_as_uncertain() -> None:
    body = {"id": "b" * 5000, "data": [{"recipient": "+919876543210", "message_id": "m1"}]}
    double = KaleyraDouble([lambda _: httpx.Response(200, json=body)])

    async def scenario() -> object:
        client = double.client()
        try:
            return await client.send(SmsMessage(["+919876543210"], "Hi", "TXN", "KLRHXA", None))
        finally:
            await client.aclose()

    result = asyncio.run(scenario())
    assert isinstance(result, Uncertain) and "could not be read" in result.describe()


def test_hand_off_news_escapes_kaleyras_ids_and_words() -> None:
    hostile = Scheduled("<!channel>", {"+919876543210": "m1"})
    record = SmsRecord(
        id="r1", user_id="U1", channel_id="C1", tz="UTC", route="TXN", send_at=NOW.isoformat(),
        created_at=NOW.isoformat(), body_digest="d", batch_ids=["<!channel>"], messages={}, state=State.HANDED_OFF,
    )  # fmt: skip
    report = SendReport([(["+919876543210"], hostile)])
    news = wording.headline(Outcome(Act.HANDOFF, Result.DONE, (record,), report=report), NOW)
    assert "<!channel>" not in news and "&lt;!channel&gt;" in news
    failed = replace(record, state=State.FAILED, note="<@U1> <!here> refused")
    said = wording.headline(Outcome(Act.HANDOFF, Result.DONE, (failed,)), NOW)
    assert "<@U1>" not in said and "<!here>" not in said
