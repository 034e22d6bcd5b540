"""Phone numbers: split a recipient list, normalise to E.164, mask for display."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from bot.core.errors import PhoneError

_SEPARATORS = re.compile(r"[,;\n]+")


def split_recipients(text: str) -> list[str]:
    """Numbers separated by commas, semicolons, new lines or spaces.

    A comma-free group with spaces inside is one number when it reads as one
    ("+91 98765 43210"), else several ("+919876543210 +14155550100").
    """
    numbers: list[str] = []
    for group in filter(None, (part.strip() for part in _SEPARATORS.split(text))):
        compact = re.sub(r"[\s().-]", "", group)
        if " " in group and not _is_one_number(compact):
            numbers.extend(group.split())
        else:
            numbers.append(group)
    return numbers


def _is_one_number(compact: str) -> bool:
    digits = compact.lstrip("+")
    return digits.isdigit() and 7 <= len(digits) <= 15 and (compact.startswith("+") or len(digits) <= 12)


def normalise(raw: str, default_region: str) -> str:
    """E.164 form of `raw`; numbers without `+` are read in `default_region`."""
    number, problem = (_read_cached if len(raw) <= _CACHED_LENGTH else _read)(raw, default_region)
    if problem:
        raise PhoneError(problem)
    return number


def _read(raw: str, default_region: str) -> tuple[str, str]:
    """(E.164, "") or ("", what is wrong)."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except NumberParseException:
        return "", f"“{raw}” is not a phone number."
    if not phonenumbers.is_possible_number(number):
        return "", f"“{raw}” has the wrong number of digits for a phone number."
    # a valid number is one of a known type: one type lookup answers both questions
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        return "", f"“{raw}” is not a number in use in any country."
    if kind in (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST):
        return "", f"“{raw}” is a premium-rate number."
    return phonenumbers.format_number(number, PhoneNumberFormat.E164), ""


_CACHED_LENGTH = 40  # longer text is no phone number anyone sends to twice; not kept
_read_cached = lru_cache(maxsize=8192)(_read)
"""A team sends to the same numbers again and again, and reading one costs more than the rest of a
command's checks together."""


def allowed(raw: str, default_region: str, allowed_regions: Collection[str]) -> str:
    """`raw` in E.164 when it is a number in a region the app may send to (any, when none are named);
    otherwise PhoneError saying why."""
    number = normalise(raw, default_region)
    if allowed_regions and (region := region_of(number)) not in allowed_regions:
        raise PhoneError(f"{raw} is in {region or 'no single country'}, where sending is not allowed.")
    return number


def region_of(e164: str) -> str | None:
    """Two-letter region of an E.164 number, or None when no single region owns it."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164))


def mask(e164: str) -> str:
    """'+919876543210' -> '+91•••••43210': country code and last digits only.

    Total: any text gives a masked string (never an exception; the country code and at most five last
    digits shown),
    because masking runs where a failure would lose a message, such as delivery news.
    """
    try:
        number = phonenumbers.parse(e164)
    except NumberParseException:
        number = None
    if number is not None and number.national_number:
        national = str(number.national_number)
        shown = min(5, len(national) // 2)
        return f"+{number.country_code}{'•' * (len(national) - shown)}{national[-shown:] if shown else ''}"
    digits = "".join(char for char in e164 if char.isdigit())
    shown = min(4, len(digits) // 3)
    return "•" * (len(digits) - shown) + (digits[-shown:] if shown else "") or "•"
