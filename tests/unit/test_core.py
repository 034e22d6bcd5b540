"""The Slack-free core: phone numbers, SMS size, the one-line parser, payloads and the store."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import fakeredis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import keys, phones, sms
from bot.core.command import Draft, parse_command
from bot.core.delivery import Report
from bot.core.kaleyra import SmsMessage
from bot.core.pending import Pending, PendingStore
from bot.core.records import MessageState, SmsRecord, State
from bot.core.validation import ScheduleRequest
from bot.slack import blocks
from tests.slack_models import validate_blocks, validate_view


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("+919876543210", "+919876543210"), ("98765 43210", "+919876543210"), ("+1 (415) 555-2671", "+14155552671")],
)
def test_numbers_are_normalised_to_e164(typed: str, e164: str) -> None:
    assert phones.normalise(typed, "IN") == e164


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("12", "wrong number of digits"),
        ("hello", "not a phone number"),
        ("+999123456789", "not a phone number"),
        ("+9112345678", "not a number in use"),
    ],
)
def test_bad_numbers_say_why(typed: str, reason: str) -> None:
    with pytest.raises(phones.PhoneError, match=reason):
        phones.normalise(typed, "IN")


def test_recipient_lists_split_on_commas_and_spaces_but_keep_spaced_numbers() -> None:
    assert phones.split_recipients("+91 98765 43210, +14155552671 +447911123456") == [
        "+91 98765 43210",
        "+14155552671",
        "+447911123456",
    ]


def test_masking_keeps_country_and_last_digits() -> None:
    assert phones.mask("+919876543210") == "+91•••••43210"
    assert phones.mask("+14155552671") == "+1•••••52671"


@pytest.mark.parametrize(
    ("body", "described"),
    [
        ("a" * 160, "160 characters · GSM-7 · 1 SMS"),
        ("a" * 161, "161 characters · GSM-7 · 2 SMSs"),
        ("₹" * 70, "70 characters · Unicode · 1 SMS"),
        ("₹" * 71, "71 characters · Unicode · 2 SMSs"),
        ("{" * 80, "80 characters · GSM-7 · 1 SMS"),
        ("{" * 81, "81 characters · GSM-7 · 2 SMSs"),
        # a two-septet character is never split across parts: the first part holds 152 septets, not 153
        ("a" * 152 + "€" + "a" * 152, "305 characters · GSM-7 · 3 SMSs"),
        ("a" * 153 + "€" + "a" * 151, "305 characters · GSM-7 · 2 SMSs"),
        # nor is a surrogate pair: 66 + 2 would pass the 67 code units of a part
        ("₹" * 66 + "😀" + "₹" * 66, "133 characters · Unicode · 3 SMSs"),
        ("₹" * 65 + "😀" + "₹" * 67, "133 characters · Unicode · 2 SMSs"),
    ],
)
def test_sms_size(body: str, described: str) -> None:
    assert sms.measure(body).describe() == described


@pytest.mark.parametrize(
    ("text", "draft"),
    [
        ('+919876543210 "Hi there" tomorrow 5pm', Draft("+919876543210", "Hi there", "tomorrow 5pm")),
        (
            "+919876543210 tomorrow 5pm “Curly “quoted” text”",
            Draft("+919876543210", "Curly “quoted” text", "tomorrow 5pm"),
        ),
        ('98765 43210, 98765 43211 "x" 17:30', Draft("98765 43210, 98765 43211", "x", "17:30")),
        ('+919876543210 "unterminated', Draft("+919876543210", "unterminated", "")),
        ("just words", Draft("", "", "just words")),
    ],
)
def test_one_line_command(text: str, draft: Draft) -> None:
    assert parse_command(text) == draft


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_command_parser_never_loses_the_message_or_fails(text: str) -> None:
    draft = parse_command(text)
    assert isinstance(draft, Draft)
    assert draft.message in text


def test_kaleyra_payload_is_complete_and_iso_timed() -> None:
    send_at = datetime.fromisoformat("2026-11-25T17:00:00+05:30")
    message = SmsMessage(["+919876543210", "+919876543211"], "Hi", "MKT", "KLRHXA", send_at, None, "IN_x")
    assert message.payload() == {
        "to": "+919876543210,+919876543211",
        "sender": "KLRHXA",
        "body": "Hi",
        "type": "MKT",
        "time": "2026-11-25T17:00:00+05:30",
        "callback_profile_id": "IN_x",
    }


REQUEST = ScheduleRequest(
    ("+919876543210",) * 12,
    "Hello <!channel>",
    "MKT",
    "KLRHXA",
    datetime(2026, 11, 25, 11, 30, tzinfo=UTC),
    "T1",
    "CB1",
    ("a note",),
)


RECORD = SmsRecord(
    id="id-0123456789", user_id="U1", channel_id="C1", tz="Asia/Kolkata", route="MKT",
    send_at="2026-11-25T17:00:00+05:30", created_at="2026-11-24T20:00:00+05:30", body_digest="abc",
    batch_ids=["b1"], messages={"b1:1": MessageState("+919876543210", "Delivered")},
)  # fmt: skip


def post_blocks(*, masked: bool, body: str | None = None) -> list[dict[str, Any]]:
    held = replace(RECORD, messages={}, to=list(REQUEST.recipients), body=body, state=State.HELD)
    return blocks.record_post_blocks(held, datetime(2026, 11, 24, 14, 30, tzinfo=UTC), masked=masked)


def test_every_payload_passes_slack_sdk_models() -> None:
    now = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    for payload in (
        blocks.help_blocks(),
        blocks.problem_blocks("x" * 4000),
        blocks.confirmation_blocks("id-0123456789", REQUEST, "Asia/Kolkata", now),
        blocks.outcome_blocks("Done", ["line"], "id-0123456789"),
        post_blocks(masked=True, body="Hello"),
        blocks.record_post_blocks(RECORD, now, masked=True),
        *blocks.failure_messages([Report("b1:1", "UnDelivered", "CON-DND", "+919876543210")], masked=True),
        blocks.history_blocks([RECORD] * 10, "Asia/Kolkata", now, 1, True, masked=False),
        blocks.history_blocks([], "Asia/Kolkata", now, 0, False, masked=False),
        *(
            blocks.held_outcome_blocks("News", [replace(RECORD, state=state, series="s")], now, ["a line"])
            for state in State
        ),
    ):
        validate_blocks(payload)
    home = blocks.home_view([RECORD] * 10, [RECORD] * 20, "America/New_York", now, masked=True)
    validate_view(home)
    for senders in ((), ("KLRHXA", "OTHER")):
        validate_view(
            blocks.modal_view(
                Draft(message="Hi", send_now=True), private_metadata="{}", allowed_senders=senders, problems=["x"]
            )
        )


def test_channel_post_masks_and_hides_the_body() -> None:
    post = str(post_blocks(masked=True))
    assert "+91•••••43210" in post and "+919876543210" not in post and "Hello" not in post
    assert "and 2 more" in post


def test_escape_defuses_mentions() -> None:
    assert blocks.escape("<!channel> @here & @everyone") == "&lt;!channel&gt; @\u2060here &amp; @\u2060everyone"


def test_a_pending_request_reads_back_as_kept_and_an_edit_lives_beside_its_original() -> None:
    async def scenario() -> None:
        store = PendingStore(fakeredis.FakeAsyncRedis(decode_responses=True), ttl_seconds=60)
        pending = Pending(REQUEST, "U1", "C1", "Asia/Kolkata")
        pending_id = await store.put(pending)
        assert await store.get(pending_id) == pending
        edit_id = await store.put(replace(pending, replaces=pending_id))
        assert keys.bucket_of(edit_id) == keys.bucket_of(pending_id) and edit_id != pending_id
        assert await store.get("unknown-id") is None

    asyncio.run(scenario())


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="+0123456789 ,;()-.\n", max_size=80) | st.text(max_size=80))
def test_phone_handling_never_fails_unexpectedly(text: str) -> None:
    for item in phones.split_recipients(text):
        assert item.strip() == item and item
        try:
            number = phones.normalise(item, "IN")
        except phones.PhoneError as exc:
            assert item in str(exc)
            continue
        assert number.startswith("+") and number[1:].isdigit()
        assert phones.mask(number).endswith(number[-3:]) and "•" in phones.mask(number)


def test_a_number_read_again_is_read_in_its_own_region() -> None:
    """Readings are cached by text and region: the same digits mean another number elsewhere."""
    assert phones.normalise("98765 43210", "IN") == "+919876543210"
    with pytest.raises(phones.PhoneError, match="not a number in use"):
        phones.normalise("98765 43210", "US")
    assert phones.normalise("98765 43210", "IN") == "+919876543210"
    for _ in range(2):  # a refusal is told the same way every time, long text included
        with pytest.raises(phones.PhoneError, match="wrong number of digits"):
            phones.normalise("12", "IN")
        with pytest.raises(phones.PhoneError, match="not a phone number"):
            phones.normalise("call me " * 20, "IN")


def _segments_by_definition(body: str) -> tuple[bool, int]:
    """GSM-7 septets (two for an extension character) or UTF-16 code units, one character at a time, filling
    each part and starting the next when a character does not fit whole."""
    basic, extended = sms._GSM7_BASIC, sms._GSM7_EXTENDED
    if all(char in basic or char in extended for char in body):
        sizes, single, multi, is_unicode = [2 if char in extended else 1 for char in body], 160, 153, False
    else:
        sizes, single, multi, is_unicode = [2 if ord(char) > 0xFFFF else 1 for char in body], 70, 67, True
    if sum(sizes) <= single:
        return is_unicode, 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > multi:
            parts, used = parts + 1, 0
        used += size
    return is_unicode, parts


@settings(max_examples=300, deadline=None)
@given(body=st.text(alphabet=st.sampled_from("aZ9 {}^\n€₹é😀\ud800"), max_size=400) | st.text(max_size=400))
def test_sms_size_matches_the_per_character_definition(body: str) -> None:
    size = sms.measure(body)
    assert (size.unicode, size.segments) == _segments_by_definition(body)
    assert size.characters == len(body)
