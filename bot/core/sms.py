"""SMS text facts: encoding (GSM-7 or Unicode) and how many segments a body costs."""

from __future__ import annotations

from dataclasses import dataclass

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # each costs two septets


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
    """Segments as carriers count them: 160/153 septets for GSM-7, 70/67 characters for Unicode."""
    if all(char in _GSM7_BASIC or char in _GSM7_EXTENDED for char in body):
        units = sum(2 if char in _GSM7_EXTENDED else 1 for char in body)
        single, multi, is_unicode = 160, 153, False
    else:
        units = sum(2 if ord(char) > 0xFFFF else 1 for char in body)  # UTF-16 code units
        single, multi, is_unicode = 70, 67, True
    segments = 1 if units <= single else -(-units // multi)
    return SmsSize(len(body), is_unicode, segments)
