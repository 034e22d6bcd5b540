"""SMS text facts: encoding (GSM-7 or Unicode) and how many segments a body costs."""

from __future__ import annotations

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
    """Segments as carriers count them: 160/153 septets for GSM-7, 70/67 characters for Unicode."""
    if _GSM7.issuperset(body):  # set operations run over the text in C, not a Python loop per character
        units = len(body) + sum(map(body.count, _GSM7_EXTENDED))
        single, multi, is_unicode = 160, 153, False
    else:
        units = len(body.encode("utf-16-le", "surrogatepass")) // 2  # UTF-16 code units
        single, multi, is_unicode = 70, 67, True
    segments = 1 if units <= single else -(-units // multi)
    return SmsSize(len(body), is_unicode, segments)
