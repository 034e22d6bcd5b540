"""Read the time a person means from a short phrase, in their own timezone and language.

A phrase is read in English first; when that fails and the user's Slack language is one of those read
(`languages.READ`), again with that language's words rewritten into English. Each reading is the phrase's
words made canonical (`english.py`), read by the rules (`engine.py`), then settled against now and the
zone (`resolve.py`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import TimeParseError
from bot.core.timeparse.dates import calendar_parser, month_names
from bot.core.timeparse.engine import EXAMPLES, cached_read
from bot.core.timeparse.english import english
from bot.core.timeparse.languages import READ, rewrite
from bot.core.timeparse.resolve import ParsedTime, settle
from bot.core.timeparse.values import AboutThePhrase, Context

MAX_PHRASE_LENGTH = 100
_NOW_WORDS = frozenset({"now", "right now", "immediately", "asap", "right away", "straight away"})


def parse_when(text: str, tz: str, now: datetime, locale: str | None = None) -> datetime:
    """The timezone-aware instant `text` means, read in `tz` as of `now` (English, and `locale`'s language)."""
    return interpret(text, tz, now, locale=locale).when


def means_now(text: str) -> bool:
    """True for phrases asking to send immediately rather than schedule."""
    return _normalise(text) in _NOW_WORDS


def interpret(text: str, tz: str, now: datetime, locale: str | None = None) -> ParsedTime:
    """Like `parse_when`, also returning the assumptions made (ambiguities, DST gaps, rounding, words left out)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    phrase = _normalise(text)
    if not phrase:
        raise TimeParseError(f"No time given. Try {EXAMPLES}.")
    if len(phrase) > MAX_PHRASE_LENGTH:
        raise TimeParseError(f"That time is too long to be a time ({len(phrase)} characters).")
    if phrase in _NOW_WORDS:
        return ParsedTime(now)
    user_zone = _user_zone(tz)
    language = _language(locale)
    typed = text.strip()
    month_first = _month_first(user_zone, language)
    try:
        return _read(phrase, typed, user_zone, now, Context(None, language, month_first))
    except TimeParseError:
        if language is None:
            raise
    # Read again with the language's words, also when none needed rewriting: "3 décembre 14h30" has only a
    # month name, which the English reading does not know.
    return _read(phrase, typed, user_zone, now, Context(language, language, month_first))


@lru_cache(maxsize=4096)
def _canonical(phrase: str, language: str | None) -> str:
    """The phrase in the English the rules read; text alone, so cached."""
    return english(rewrite(language)(phrase) if language else phrase)


_FOUR_DIGITS = re.compile(r"\d{4}")


def _read(text: str, typed: str, user_zone: tzinfo, now: datetime, context: Context) -> ParsedTime:
    phrase = _canonical(text, context.language)
    if not phrase:
        raise TimeParseError(f"I couldn't find a time in “{typed}”. Try {EXAMPLES}.")
    if _FOUR_DIGITS.search(phrase):  # only then can the year matter: the reading is cached for that year alone
        context = replace(context, year=now.astimezone(user_zone).year)
    try:
        pieces = cached_read(phrase, context)
    except AboutThePhrase as refusal:
        raise refusal.quoting(typed) from None
    return settle(pieces, typed, user_zone, now)


_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "\u00a0": " ", "(": " ", ")": " "})
_DOTTED_DATE_END = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.$")


def _normalise(text: str) -> str:
    """Lower case, one space, full-width digits as ASCII; a final full stop only after a dotted date."""
    return (_normalised_cached if len(text) <= MAX_PHRASE_LENGTH else _normalised)(text)


def _normalised(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text).translate(_QUOTES).strip().strip("\"'").strip()
    cleaned = re.sub(r"\s+", " ", cleaned.lower()).rstrip("!?").strip()
    if cleaned.endswith(".") and not _DOTTED_DATE_END.search(cleaned):
        cleaned = cleaned.rstrip(".").strip()
    return cleaned


_normalised_cached = lru_cache(maxsize=4096)(_normalised)  # a phrase is normalised up to three times a command


def _user_zone(tz: str) -> tzinfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeParseError(f"Unknown timezone “{tz}”.") from exc


def _language(locale: str | None) -> str | None:
    """'it-IT' → 'it'; English and languages without rules → None (English only)."""
    if not locale:
        return None
    language = locale.replace("_", "-").split("-")[0].lower()
    return language if language in READ else None


_MONTH_FIRST_ZONES = frozenset(
    f"America/{name}"
    for name in (
        "Adak", "Anchorage", "Boise", "Chicago", "Denver", "Detroit", "Juneau", "Los_Angeles", "Menominee",
        "Metlakatla", "New_York", "Nome", "Phoenix", "Sitka", "Yakutat", "Puerto_Rico", "Atikokan", "Blanc-Sablon",
        "Cambridge_Bay", "Creston", "Dawson", "Dawson_Creek", "Edmonton", "Fort_Nelson", "Glace_Bay", "Goose_Bay",
        "Halifax", "Inuvik", "Iqaluit", "Moncton", "Rankin_Inlet", "Regina", "Resolute", "St_Johns",
        "Swift_Current", "Toronto", "Vancouver", "Whitehorse", "Winnipeg", "Montreal", "Thunder_Bay", "Nipigon",
        "Rainy_River", "Yellowknife", "Pangnirtung", "Fort_Wayne", "Indianapolis", "Louisville", "Knox_IN",
    )
) | {"Pacific/Honolulu", "Asia/Manila", "Navajo"}  # fmt: skip
_MONTH_FIRST_REGIONS = ("US/", "Canada/", "America/Indiana/", "America/Kentucky/", "America/North_Dakota/")


def _month_first(zone: tzinfo, lang: str | None) -> bool:
    """Japanese, and English in the US, Canada and the Philippines, write 03/04 as March 4th.

    Everyone else, Latin America included (an English-speaking user in São Paulo or Mexico City
    writes 03/04 for 3 April), writes it day-first.
    """
    if lang is not None:
        return lang == "ja"
    name = str(zone)
    return name in _MONTH_FIRST_ZONES or name.startswith(_MONTH_FIRST_REGIONS)


def warm_up() -> None:
    """Load dateparser's data for English and every language now, and build every rewrite, so no user waits."""
    for lang in (None, *READ):
        calendar_parser(lang).get_date_data("3 december")
        month_names(lang)
        rewrite(lang or "en")
