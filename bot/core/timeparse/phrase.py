"""Rules about the phrase as a whole: questions, timestamps, phone numbers, joining words, words not about time."""

from __future__ import annotations

import re
from datetime import datetime

from bot.core.errors import TimeParseError
from bot.core.timeparse.dates import YEAR_FIRST_DATE, plain
from bot.core.timeparse.values import DIGITS, TYPED, AboutThePhrase, Found, Instant, Mark, Read, Rule, any_of
from bot.core.timeparse.words import CONCEPTS, KEEP
from bot.core.timeparse.zones import ISO_TIMESTAMP


def _two_hours(match: re.Match[str], found: Found) -> Read | None:
    """In English '2h' alone is as likely two hours as two o'clock ('16h', and '9h' in French, are times)."""
    if found.context.user_language is not None:
        return None
    hours = int(match.group(1))
    raise AboutThePhrase(f"“{TYPED}” could be a time or a duration: “at {hours}pm” or “in {hours} hours”?")


def _timestamp(match: re.Match[str], _found: Found) -> Read:
    try:
        return Read(Instant(datetime.fromisoformat(match.group(0).upper())))
    except ValueError as exc:
        raise TimeParseError(f"“{match.group(0)}” is not a valid date and time.") from exc


def _phone_number(match: re.Match[str], _found: Found) -> Read | None:
    """A bare run of 7+ digits is a phone number or a Unix timestamp, never a time here."""
    if YEAR_FIRST_DATE.fullmatch(match.group(0)) or sum(char.isdigit() for char in match.group(0)) < 7:
        return None
    raise AboutThePhrase(f"“{TYPED}” looks like a phone number, not a time.")


def _kept_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every language's words that are not about time (a phrase in any language may hold them): those written
    between spaces, and the Japanese ones."""
    kept = next(concept for concept in CONCEPTS if concept.english == KEEP)
    spaced = {
        form for lang, words in kept.words.items() if lang != "ja" for word in words for form in (word, plain(word))
    }
    return tuple(sorted(spaced, key=len, reverse=True)), kept.words.get("ja", ())


_SPACED_KEPT, _UNSPACED_KEPT = _kept_words()
_CONNECTING = ("at", "on", "by", "for", "this", "sharp", ",")


RULES = (
    Rule(
        "two hours or two o'clock",
        "asked",
        re.compile(r"([1-9]|1[0-2])\s?h"),
        _two_hours,
        "Hours alone",
        ("2h",),
        "asked about in English: two hours, or two o'clock? (`16h` alone is 16:00)",
        whole=True,
    ),
    Rule(
        "not about time",
        "marks",
        re.compile(any_of(_SPACED_KEPT, r"[\w']") + r"(?![\w'])|" + "|".join(_UNSPACED_KEPT)),
        lambda _match, _found: Read(Mark("ignored")),
        "Words not about time",
        ("meeting tomorrow 5pm", "let's meet at 3pm friday", "something at 5pm", "call friday 10am"),
        "left out when what remains is a time, and shown in the confirmation; only such words (`meeting`, "
        "`call`, `please`, `RDV`, `riunione`, `Termin`, `会議`, ...), never a word that could be about time",
        each=True,
        needs=(*_SPACED_KEPT, *_UNSPACED_KEPT),
    ),
    Rule(
        "timestamp",
        "phrase",
        ISO_TIMESTAMP,
        _timestamp,
        "Timestamps",
        ("2026-12-03T14:30", "2026-12-03 14:30:00", "2026-12-03T14:30:00Z", "2026-12-03T14:30:00+01:00"),
        "ISO 8601; without an offset, the wall clock in your zone (or the phrase's)",
        whole=True,
        needs=DIGITS,
    ),
    Rule(
        "phone number",
        "phrase",
        re.compile(r"\+?[\s()-]*\d[\d\s()-]*"),
        _phone_number,
        "Phone numbers",
        ("9876543210", "1700000000"),
        "refused: a bare run of 7 or more digits is a phone number or a Unix timestamp, not a time",
        whole=True,
        needs=DIGITS,
    ),
    Rule(
        "connecting words",
        "leftover",
        re.compile(any_of(_CONNECTING) + r"(?!\w)"),
        lambda _match, _found: Read(Mark("connective")),
        "Connecting words",
        ("on thursday at 3 pm", "tomorrow 9 am sharp", "tomorrow, 5pm"),
        "`at`, `on`, `by`, `for`, `this`, `sharp` and commas join the parts; what else is left is refused, named",
        each=True,
        needs=_CONNECTING,
    ),
)
