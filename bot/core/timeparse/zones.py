"""Rules for a zone named in the phrase: it wins over the user's own."""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.core.errors import TimeParseError
from bot.core.timeparse.values import Found, Read, Rule, Zone, any_of


def _fixed(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


ZONE_ABBREVIATIONS: dict[str, tzinfo] = {
    "ist": ZoneInfo("Asia/Kolkata"),
    "utc": UTC,
    "gmt": UTC,
    "z": UTC,
    "pst": _fixed(-8),
    "pdt": _fixed(-7),
    "pt": ZoneInfo("America/Los_Angeles"),
    "mst": _fixed(-7),
    "mdt": _fixed(-6),
    "est": _fixed(-5),
    "edt": _fixed(-4),
    "et": ZoneInfo("America/New_York"),
    "cst": _fixed(-6),
    "cdt": _fixed(-5),
    "ct": ZoneInfo("America/Chicago"),
    "bst": _fixed(1),
    "cet": _fixed(1),
    "cest": _fixed(2),
    "sgt": _fixed(8),
    "jst": _fixed(9),
    "hst": _fixed(-10),
    "akst": _fixed(-9),
    "akdt": _fixed(-8),
    "eet": _fixed(2),
    "eest": _fixed(3),
    "msk": _fixed(3),
    "wib": _fixed(7),
    "hkt": _fixed(8),
    "pht": _fixed(8),
    "awst": _fixed(8),
    "kst": _fixed(9),
    "acst": _fixed(9.5),
    "acdt": _fixed(10.5),
    "aest": _fixed(10),
    "aedt": _fixed(11),
    "nzst": _fixed(12),
    "nzdt": _fixed(13),
    **dict.fromkeys(("india time", "indian time"), ZoneInfo("Asia/Kolkata")),
    "uk time": ZoneInfo("Europe/London"),
    **dict.fromkeys(("eastern", "eastern time"), ZoneInfo("America/New_York")),
    "central time": ZoneInfo("America/Chicago"),
    "mountain time": ZoneInfo("America/Denver"),
    **dict.fromkeys(("pacific", "pacific time"), ZoneInfo("America/Los_Angeles")),
}
"""Abbreviations with one meaning for this product's users; summer/winter ones are literal."""

_NAMED_FIRST = ("ist", "pst", "pdt", "mst", "mdt", "est", "edt", "cst", "cdt", "pt", "et", "ct", "z")
_OTHER_NAMES = (
    "`"
    + "/".join(name.upper() for name in ZONE_ABBREVIATIONS if len(name) <= 4 and name not in _NAMED_FIRST)
    + "`, `india time`, `uk time`, `eastern`/`pacific` (time), `central time`, `mountain time` (the US zones)"
)

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?")


@cache
def _iana_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def offset_zone(sign: str, hours: str, minutes: str | None) -> tzinfo:
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if offset > timedelta(hours=14) or int(minutes or 0) >= 60:
        raise TimeParseError(f"{sign}{hours}:{minutes or '00'} is not a UTC offset.")
    return timezone(-offset if sign == "-" else offset)


def _offset(match: re.Match[str], _found: Found) -> Read:
    return Read(Zone(offset_zone(*match.groups())))


def _abbreviation(match: re.Match[str], _found: Found) -> Read:
    return Read(Zone(ZONE_ABBREVIATIONS[match.group(1)]))


def _iana(match: re.Match[str], _found: Found) -> Read | None:
    name = _iana_names().get(match.group(1))
    return None if name is None else Read(Zone(ZoneInfo(name)))


def _trailing_offset(match: re.Match[str], _found: Found) -> Read | None:
    if ISO_TIMESTAMP.fullmatch(match.string):
        return None  # "2026-12-03T14:30:00+01:00": the timestamp's own offset, read with it
    return Read(Zone(offset_zone(*match.groups())))


RULES = (
    Rule(
        "zone offset",
        "marks",
        re.compile(r"(?<![\w/])(?:utc|gmt)\s*([+-])(\d{1,2})(?::?(\d{2}))?(?![\w:])"),
        _offset,
        "Offsets from UTC",
        ("tomorrow 9am UTC+5:30", "9pm GMT-5"),
        "that fixed offset; more than 14 hours is refused",
        each=True,
        needs=("utc", "gmt"),
    ),
    Rule(
        "zone name",
        "marks",
        re.compile("(" + any_of(ZONE_ABBREVIATIONS, r"[\w/]") + r")(?![\w/])"),
        _abbreviation,
        "Zone names",
        ("Dec 3 at 14:30 IST", "Thursday 9 am (IST)", "5pm PT", "tomorrow 10am uk time", "5pm central time"),
        "an explicit zone wins over yours: `IST` is India; `PST/PDT/EST/EDT/CST/CDT/MST/MDT` their fixed offsets; "
        "`PT/ET/CT` follow daylight saving; also " + _OTHER_NAMES,
        after={"zone offset": "“UTC+5” holds the name “utc”"},
        each=True,
        needs=tuple(ZONE_ABBREVIATIONS),
    ),
    Rule(
        "zone by place",
        "marks",
        re.compile(r"(?<![\w/])([a-z]++(?:/[a-z0-9_+-]++)+)(?![\w/])"),
        _iana,
        "IANA zone names",
        ("5pm America/New_York",),
        "that zone, with its offset on the date",
        each=True,
        needs=("/",),
    ),
    Rule(
        "offset at the end",
        "marks",
        re.compile(r"(?<=[\d\s])([+-])(\d{2}):?(\d{2})$"),
        _trailing_offset,
        "A trailing offset",
        ("10:00 +02:00", "2026-12-03 14:30 +0100"),
        "that fixed offset",
        after={"zone offset": "“UTC +05:30” is one offset"},
        needs=("+", "-"),
    ),
)
"""An explicit zone, in any of these forms; two in one phrase are refused."""
