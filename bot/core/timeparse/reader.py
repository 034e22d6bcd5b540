"""Read the time a person means from a short phrase, in their own timezone and language.

A phrase is read in English first; when that fails and the user's Slack language is one of those read
(`languages.READ`), again with that language's words rewritten into English. Each reading is the phrase's
words made canonical (`english.py`), read by the rules (`engine.py`), then settled against now and the
zone (`resolve.py`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
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
        return _read(phrase, typed, user_zone, now, _context(None, language, month_first, None))
    except TimeParseError:
        if language is None:
            raise
    # Read again with the language's words, also when none needed rewriting: "3 décembre 14h30" has only a
    # month name, which the English reading does not know.
    return _read(phrase, typed, user_zone, now, _context(language, language, month_first, None))


_context = lru_cache(maxsize=256)(Context)  # a few contexts, shared by every reading that has one


def _in_english(language: str | None) -> Callable[[str], str]:
    """A phrase in the English the rules read: text alone, so cached, one cache per language, each keyed by
    the phrase alone (a cache of strings is no work for the garbage collector)."""

    def canonical(phrase: str) -> str:
        return english(rewrite(language)(phrase) if language else phrase)

    return lru_cache(maxsize=4096)(canonical)


_CANONICAL = {language: _in_english(language) for language in (None, *READ)}


_FOUR_DIGITS = re.compile(r"\d{4}")


def _read(text: str, typed: str, user_zone: tzinfo, now: datetime, context: Context) -> ParsedTime:
    phrase = _CANONICAL[context.language](text)
    if not phrase:
        raise TimeParseError(f"I couldn't find a time in “{typed}”. Try {EXAMPLES}.")
    if _FOUR_DIGITS.search(phrase):  # only then can the year matter: the reading is cached for that year alone
        year = now.astimezone(user_zone).year
        context = _context(context.language, context.user_language, context.month_first, year)
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
    """Load dateparser's data for English and every language now, build every rewrite, and read a phrase in
    each, so no user waits, and the caches exist before the process freezes what it loaded (`gc.freeze`):
    a cache made later is young to the collector, which would then walk its thousands of entries often."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for lang in (None, *READ):
        calendar_parser(lang).get_date_data("3 december")
        month_names(lang)
        rewrite(lang or "en")
        interpret("3 december 2030 10:00", "UTC", now, locale=lang)
