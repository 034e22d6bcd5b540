"""SMS text facts: encoding (GSM-7 or Unicode) and how many segments a body costs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # each costs two septets
_GSM7 = _GSM7_BASIC | _GSM7_EXTENDED


@dataclass(frozen=True)
class SmsSize:
    characters: int
    unicode: bool
    segments: int

    def describe(self) -> str:
        encoding = "Unicode" if self.unicode else "GSM-7"
        plural = "" if self.segments == 1 else "s"
        return f"{self.characters} characters · {encoding} · {self.segments} SMS{plural}"


def measure(body: str) -> SmsSize:
    """Segments as carriers count them: 160 septets in one GSM-7 SMS, 153 in each part of a longer one, 70 and
    67 UTF-16 code units for Unicode; a character is never split across parts (a GSM-7 extension such as
    `€` takes two septets, an emoji two code units), so a part may hold one less."""
    wide: Callable[[str], bool]
    if _GSM7.issuperset(body):  # set operations run over the text in C, not a Python loop per character
        wide, units = _GSM7_EXTENDED.__contains__, len(body) + sum(map(body.count, _GSM7_EXTENDED))
        single, multi, is_unicode = 160, 153, False
    else:
        wide, units = _ASTRAL, len(body.encode("utf-16-le", "surrogatepass")) // 2  # UTF-16 code units
        single, multi, is_unicode = 70, 67, True
    if units <= single:
        return SmsSize(len(body), is_unicode, 1)
    if units == len(body):  # every character one unit: none can straddle a boundary
        return SmsSize(len(body), is_unicode, -(-units // multi))
    return SmsSize(len(body), is_unicode, _packed(body, wide, multi))


def _packed(body: str, wide: Callable[[str], bool], multi: int) -> int:
    """Parts needed when two-unit characters go whole into a part (only long texts that have some)."""
    parts, used = 1, 0
    for char in body:
        size = 2 if wide(char) else 1
        if used + size > multi:
            parts, used = parts + 1, 0
        used += size
    return parts


def _ASTRAL(char: str) -> bool:
    """Outside the Basic Multilingual Plane: two UTF-16 code units (a surrogate pair)."""
    return ord(char) > 0xFFFF
