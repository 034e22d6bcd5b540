"""Times in the recipients' own zones: "tomorrow 9am their time" is read where each number is.

A number's zones come from `phonenumbers`; a number whose possible zones put the phrase at different
instants (most North American toll-free numbers, Australian mobiles) is refused, with a request for an
explicit zone, rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

import phonenumbers
from phonenumbers import NumberParseException
from phonenumbers.timezone import time_zones_for_number

from bot.core.errors import TimeParseError
from bot.core.timeparse import ParsedTime, interpret

_MARKER = re.compile(
    r"(?<!\w)(?:in\s+)?(?:their|(?:the\s+)?recipients?'?s?'?|local)\s+(?:own\s+)?time(?:\s*zones?)?(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ZoneGroup:
    """Recipients in one zone, and the phrase read there."""

    zone: str
    recipients: tuple[str, ...]
    parsed: ParsedTime


def without_marker(text: str) -> str | None:
    """The phrase without "their time" when it asks for the recipients' time; None when it does not."""
    match = _MARKER.search(text)
    if match is None:
        return None
    return re.sub(r"\s+", " ", f"{text[: match.start()]} {text[match.end() :]}").strip()


def by_zone(phrase: str, recipients: Sequence[str], now: datetime, locale: str | None = None) -> list[ZoneGroup]:
    """The E.164 `recipients` grouped by their zone, with `phrase` read in each (refused when a zone is unclear)."""
    readings: dict[str, ParsedTime] = {}
    groups: dict[str, list[str]] = {}
    for number in recipients:
        zone = _zone_of(number, phrase, now, locale, readings)
        groups.setdefault(zone, []).append(number)
    return [ZoneGroup(zone, tuple(numbers), readings[zone]) for zone, numbers in groups.items()]


def _zone_of(number: str, phrase: str, now: datetime, locale: str | None, readings: dict[str, ParsedTime]) -> str:
    zones = _zones(number)
    if not zones:
        raise TimeParseError(f"The timezone of {number} is not known; give the time with a zone, e.g. “9am IST”.")
    for zone in zones:
        if zone not in readings:
            readings[zone] = interpret(phrase, zone, now, locale=locale)
    if len({readings[zone].when for zone in zones}) > 1:
        shown = ", ".join(zones[:4]) + (f" and {len(zones) - 4} more" if len(zones) > 4 else "")
        raise TimeParseError(
            f"{number} may be in any of {shown}, where “{phrase}” is not the same instant; "
            "give the time with a zone, e.g. “9am ET”."
        )
    return zones[0]


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _zones(number: str) -> list[str]:
    """The IANA zones `phonenumbers` gives for an E.164 number (none when unknown)."""
    try:
        parsed = phonenumbers.parse(number)
    except NumberParseException as exc:
        raise TimeParseError(f"{number} is not a phone number in international form.") from exc
    return sorted(zone for zone in time_zones_for_number(parsed) if zone in _known_zones())
