"""A Draft becomes a ScheduleRequest Kaleyra will accept, or one message per wrong field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.core.command import Draft
from bot.core.errors import InputError, InvalidRequest
from bot.core.refusals import Reason
from bot.core.validation import validate, window_refusal

NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # 20:00 in India


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": "xoxb-unit",
        "slack_signing_secret": "unit-secret",
        "kaleyra_sid": "HXAP16TEST97IN",
        "kaleyra_api_key": "unit-key",
        "kaleyra_sender": "KLRHXA",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def draft(**fields: str) -> Draft:
    values = {"recipients": "+919876543210", "message": "Hi", "when": "tomorrow 5pm", "route": "TXN",
              "sender": "KLRHXA"} | fields  # fmt: skip
    return Draft(**values)


def errors(**fields: str) -> dict[str, str]:
    with pytest.raises(InvalidRequest) as raised:
        validate(draft(**fields), "Asia/Kolkata", NOW, settings())
    return raised.value.errors


def test_a_good_draft_becomes_a_request_in_the_users_zone() -> None:
    request = validate(draft(recipients="98765 43210, +14155550100"), "Asia/Kolkata", NOW, settings())
    assert request.recipients == ("+919876543210", "+14155550100")
    assert request.send_at is not None and request.send_at.isoformat() == "2026-11-25T17:00:00+05:30"


def test_every_wrong_field_is_named_at_once() -> None:
    found = errors(recipients="12", message=" ", when="someday", route="OTP", sender="!!")
    assert set(found) == {"recipients", "message", "when", "route", "sender"}
    assert "OTP messages cannot be scheduled" in found["route"]


def test_invalid_request_is_an_input_error_with_the_messages() -> None:
    with pytest.raises(InputError, match="Give a sender id"):
        validate(draft(sender=""), "Asia/Kolkata", NOW, settings())


def test_duplicates_are_dropped_and_too_many_recipients_refused() -> None:
    request = validate(draft(recipients="+919876543210, 09876543210"), "Asia/Kolkata", NOW, settings())
    assert request.recipients == ("+919876543210",)
    found = errors(recipients=", ".join(["+919876543210"] * 301))
    assert "301 recipients is more than the 300 allowed" in found["recipients"]


def test_allowed_countries_and_senders() -> None:
    with pytest.raises(InvalidRequest) as raised:
        validate(draft(recipients="+14155550100", sender="OTHER"), "Asia/Kolkata", NOW,
                 settings(allowed_countries="IN", allowed_senders="KLRHXA"))  # fmt: skip
    assert "US" in raised.value.errors["recipients"] and "KLRHXA" in raised.value.errors["sender"]


def test_long_messages_are_refused_with_their_size() -> None:
    assert "7 SMS" in errors(message="x" * 1000)["message"]


@pytest.mark.parametrize(
    ("delta", "reason"),
    [
        (timedelta(minutes=-1), Reason.PAST),
        (timedelta(minutes=14), Reason.TOO_SOON),
        (timedelta(days=93), Reason.TOO_FAR),
    ],
)
def test_kaleyras_window_is_a_typed_refusal(delta: timedelta, reason: Reason) -> None:
    refusal = window_refusal(NOW + delta, NOW)
    assert refusal is not None and refusal.reason is reason and "understood as" in refusal.message


def test_inside_the_window_and_send_now_are_fine() -> None:
    assert window_refusal(NOW + timedelta(minutes=15), NOW) is None
    assert window_refusal(None, NOW) is None
    assert validate(draft(when="now"), "Asia/Kolkata", NOW, settings()).send_at is None


def test_the_users_language_is_read_as_well_as_english() -> None:
    italian = validate(draft(when="domani alle 17"), "Europe/Rome", NOW, settings(), locale="it-IT")
    assert italian.send_at is not None and italian.send_at.isoformat() == "2026-11-25T17:00:00+01:00"
    with pytest.raises(InvalidRequest, match="domani"):
        validate(draft(when="domani alle 17"), "Europe/Rome", NOW, settings())


def test_a_picked_time_wins_over_the_words_and_says_so() -> None:
    picked = int((NOW + timedelta(days=1)).timestamp())
    request = validate(replace(draft(when="in 2 hours"), picked_at=picked), "Asia/Kolkata", NOW, settings())
    assert request.send_at is not None and request.send_at.timestamp() == picked
    assert request.send_at.utcoffset() == timedelta(hours=5, minutes=30)
    assert any("in 2 hours" in note for note in request.notes)


@pytest.mark.parametrize(("minutes", "message"), [(5, "15 minutes"), (-60, "in the past"), (200_000, "3 months")])
def test_a_picked_time_meets_the_same_window_beside_the_picker(minutes: int, message: str) -> None:
    picked = int((NOW + timedelta(minutes=minutes)).timestamp())
    with pytest.raises(InvalidRequest) as raised:
        validate(replace(draft(when=""), picked_at=picked), "Asia/Kolkata", NOW, settings())
    assert set(raised.value.errors) == {"picked_at"} and message in raised.value.errors["picked_at"]
