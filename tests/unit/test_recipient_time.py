"""'Their time': the phrase read in each recipient's zone, refused when a number's zone is unclear."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.core.command import Draft
from bot.core.errors import InvalidRequest, TimeParseError
from bot.core.pending import Pending
from bot.core.recipient_time import by_zone, without_marker
from bot.core.validation import validate
from tests.unit.timeparse_oracle import local_day, wall

NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
INDIA, LOS_ANGELES, ROME, BERLIN = "+919876543210", "+14155550100", "+393331234567", "+4915123456789"
TOLL_FREE, UNKNOWN, AUSTRALIA = "+18005550100", "+15555550100", "+61412345678"


@pytest.mark.parametrize(
    "text",
    ["tomorrow 9am their time", "tomorrow 9am in their time", "tomorrow 9am recipient time", "tomorrow 9am local time",
     "tomorrow 9am recipients' time", "tomorrow 9am in their time zone", "their own time tomorrow 9am",
     "tomorrow 9am Their Time"],
)  # fmt: skip
def test_the_marker_is_found_and_cut(text: str) -> None:
    assert without_marker(text) == "tomorrow 9am"


@pytest.mark.parametrize("text", ["tomorrow 9am", "in time for lunch at 1pm", "timely 9am"])
def test_no_marker_no_recipient_time(text: str) -> None:
    assert without_marker(text) is None


def test_each_zone_gets_its_own_wall_clock_time() -> None:
    groups = {group.zone: group for group in by_zone("tomorrow 9am", [INDIA, LOS_ANGELES, ROME], NOW)}
    assert set(groups) == {"Asia/Calcutta", "America/Los_Angeles", "Europe/Rome"}
    for zone, group in groups.items():
        assert group.parsed.when == wall(local_day(NOW, zone, 1), 9, 0, zone)
    assert groups["Europe/Rome"].recipients == (ROME,)


def test_numbers_in_one_zone_are_one_group() -> None:
    [group] = by_zone("tomorrow 9am", [INDIA, "+919812345678"], NOW)
    assert group.recipients == (INDIA, "+919812345678")


@pytest.mark.parametrize(("number", "message"), [(TOLL_FREE, "may be in any of"), (AUSTRALIA, "may be in any of"),
                                                 (UNKNOWN, "not known"), ("12345", "international form")])  # fmt: skip
def test_an_unclear_zone_is_refused_with_a_request_for_one(number: str, message: str) -> None:
    with pytest.raises(TimeParseError, match=message):
        by_zone("tomorrow 9am", [INDIA, number], NOW)


def settings() -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-unit", slack_signing_secret="unit-secret", kaleyra_sid="HXAP16TEST97IN",
        kaleyra_api_key="unit-key", kaleyra_sender="KLRHXA",
    )  # fmt: skip


def draft(recipients: str, when: str) -> Draft:
    return Draft(recipients=recipients, message="Hi", when=when, route="TXN", sender="KLRHXA")


def test_recipients_in_one_zone_get_that_instant_and_a_note() -> None:
    request = validate(draft(ROME, "tomorrow 9am their time"), "Asia/Kolkata", NOW, settings())
    assert request.send_at == wall(local_day(NOW, "Europe/Rome", 1), 9, 0, "Europe/Rome")
    assert any("recipients' time (Europe/Rome)" in note for note in request.notes)


def test_zones_with_the_same_instant_are_one_send() -> None:
    request = validate(draft(f"{ROME}, {BERLIN}", "tomorrow 9am their time"), "Asia/Kolkata", NOW, settings())
    assert request.send_at == wall(local_day(NOW, "Europe/Rome", 1), 9, 0, "Europe/Rome")


def test_recipients_at_different_instants_are_one_send_per_zone() -> None:
    request = validate(
        draft(f"{LOS_ANGELES}, {INDIA}, {ROME}, +919812345678", "tomorrow 9am their time"), "Asia/Kolkata", NOW,
        settings(),
    )  # fmt: skip
    expected = {zone: wall(local_day(NOW, zone, 1), 9, 0, zone) for zone in ("Asia/Calcutta", "Europe/Rome",
                                                                          "America/Los_Angeles")}  # fmt: skip
    assert [(zone, at) for zone, at, _ in request.parts] == sorted(expected.items(), key=lambda item: item[1])
    assert {zone: numbers for zone, _, numbers in request.parts} == {
        "Asia/Calcutta": (INDIA, "+919812345678"), "Europe/Rome": (ROME,), "America/Los_Angeles": (LOS_ANGELES,),
    }  # fmt: skip
    assert request.send_at == min(expected.values())
    assert request.recipients == (LOS_ANGELES, INDIA, ROME, "+919812345678")
    assert any("own time" in note for note in request.notes)


def test_one_zone_out_of_kaleyras_window_is_refused_by_name() -> None:
    now = datetime(2026, 11, 25, 3, 20, tzinfo=UTC)  # 08:50 in India: 9am there is 10 minutes away
    with pytest.raises(InvalidRequest) as raised:
        validate(draft(f"{INDIA}, {LOS_ANGELES}", "9am their time"), "Asia/Kolkata", now, settings())
    assert raised.value.errors["when"].startswith("Asia/Calcutta: Kaleyra needs at least 15 minutes")


def test_a_request_per_zone_survives_storage() -> None:
    request = validate(draft(f"{INDIA}, {LOS_ANGELES}", "tomorrow 9am their time"), "Asia/Kolkata", NOW, settings())
    pending = Pending(request, "U1", "C1", "Asia/Kolkata")
    assert Pending.from_json(pending.to_json()) == pending


def test_their_time_in_the_users_language() -> None:
    request = validate(draft(ROME, "domani alle 9 their time"), "Asia/Kolkata", NOW, settings(), locale="it-IT")
    assert request.send_at == wall(local_day(NOW, "Europe/Rome", 1), 9, 0, "Europe/Rome")
