"""English as the rules read it: spelled numbers as digits, and the ways of writing a time that mean the same."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.timeparse.languages import rewrite
from bot.core.timeparse.values import longest_first

_UNIT_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_SPELLED = {word: value for value, word in enumerate(_UNIT_WORDS) if value} | _TENS_WORDS
_SPELLED_NUMBER = (
    r"(?:(?:"
    + "|".join(_TENS_WORDS)
    + r")(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|"
    + longest_first(_SPELLED)
    + r")"
)
_SPELLED_CLOCK = re.compile(
    r"(?<!\w)(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[\s-]+"
    r"(?:(oh)\s+(one|two|three|four|five|six|seven|eight|nine)|(" + _SPELLED_NUMBER + r"))(?![\w-])"
)
_SPELLED_ALONE = re.compile(r"(?<![\w-])(" + _SPELLED_NUMBER + r")(?![\w-])")


def _number_value(words: str) -> int:
    return sum(_SPELLED[word] for word in re.split(r"[\s-]", words))


def _spelled_clock(match: re.Match[str]) -> str:
    minute = _number_value(match.group(3) or match.group(4))
    if not (match.group(2) or 10 <= minute <= 59):
        return match.group(0)
    return f"{_SPELLED[match.group(1)]}:{minute:02d}"


_ANY_SPELLED = re.compile(longest_first(_SPELLED))  # a quick look: no number, no work


def spelled_numbers(phrase: str) -> str:
    """'ten thirty' and 'ten-thirty' as 10:30, 'nine oh five' as 9:05, 'eight' as 8."""
    if _ANY_SPELLED.search(phrase) is None:
        return phrase
    phrase = _SPELLED_CLOCK.sub(_spelled_clock, phrase)
    return _SPELLED_ALONE.sub(lambda match: str(_number_value(match.group(1))), phrase)


NOTATION: tuple[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    ("'@' is 'at'", re.compile(r"@"), " at "),
    (
        "'3 p.m.', '3:30 p m', '3 o'clock p.m.' as 3pm, 3:30pm, 3 o'clockpm",
        re.compile(r"(\d|clock)\s*([ap])\.?\s?m(?:\.|(?!\w))"),
        r"\1\2m",
    ),
    ("'3p', '7a' as 3pm, 7am", re.compile(r"(\d)([ap])(?!\w|\.?\s?m)"), r"\1\2m"),
    ("'3 in the AM' as 3am", re.compile(r"(\d)\s+in\s+the\s+([ap])\.?\s?m\.?(?!\w)"), r"\1\2m"),
    (
        "'05/31/2027-14:15': a date and a time joined by '-', '.' or ':', not an offset",
        re.compile(
            r"(\d(?<![\w.:/-]\d)(?:\d?([/.-])\d{1,2}\2\d{2,4}|\d{3}([/.-])\d{1,2}\3\d{1,2}))[-.:](\d{1,2}[:h]\d{2})"
        ),
        r"\1 \4",
    ),
)
"""Ways of writing a time, as the rules read them; each reads what no other writes, so their order is free."""


def english(phrase: str) -> str:
    """The phrase with English misspellings, spelled numbers and notations in the forms the rules read."""
    phrase = spelled_numbers(rewrite("en")(phrase))
    for _reason, pattern, replacement in NOTATION:
        phrase = pattern.sub(replacement, phrase)
    return " ".join(phrase.split())
