"""Rules for durations: time counted from now, and days counted on the calendar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from dateutil.relativedelta import relativedelta

from bot.core.errors import TimeParseError
from bot.core.timeparse.values import Day, DaySpec, Elapsed, Found, Read, Rule, longest_first

_UNITS: dict[str, str] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "seconds"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "month", "months"), "months"),
}
_THREE_QUARTERS = ("three quarters of", "three-quarters of", "3 quarters of")
NUMBER_WORDS: dict[str, float] = {
    "a": 1, "an": 1, "a couple of": 2, "a couple": 2, "couple of": 2, "couple": 2, "a few": 3, "few": 3,
    "half a": 0.5, "half an": 0.5, "a half": 0.5, "half": 0.5,
    "a quarter of an": 0.25, "a quarter of a": 0.25, "quarter of an": 0.25, "a quarter": 0.25, "quarter": 0.25,
    **{f"{words} {article}": 0.75 for words in _THREE_QUARTERS for article in ("an", "a")},
}  # fmt: skip
FUZZY = {"a couple of": 2, "a couple": 2, "couple of": 2, "couple": 2, "a few": 3, "few": 3}
AMOUNT_TEXT = r"\d+(?:\.\d+)?|(?<![a-z])" + longest_first(NUMBER_WORDS) + r"(?![a-z])"  # not the "an" of "and"
_AMOUNT = "(" + AMOUNT_TEXT + ")"
_UNIT = r"(" + longest_first(_UNITS) + r")(?![a-z])"
_PART = re.compile(_AMOUNT + r"(\s+and\s+a\s+half)?\s*" + _UNIT + r"(\s+and\s+a\s+half)?")
_FIRST_AMOUNT = re.compile(r"[ ,]*(?:and)?[ ,]*" + _AMOUNT)
_FROM_NOW = r"from\s+(?:now|today)|later|out"  # "15 minutes out": from now
_RELATIVE = re.compile(
    r"(?:in|after)\s+(?P<ahead>.+?)(?:\s+from\s+(?:now|today)|'?\s+time)?"
    rf"|(?P<back>.+?)\s+(?:{_FROM_NOW})|(?:now\s*)?\+\s*(?P<plus>.+)|(?P<bare>.+)"
)
_FRACTION = re.compile(r"(?:(\d+)\s*)?([13])[/⁄]([24])(?!\d)")  # "1 1/2", "1½", "1/4 h" (NFKC writes ½ as 1⁄2)
_HOURS_MINUTES = re.compile(r"(?<![\w.])(\d+)\s*h\s*([0-5]\d)(?!\w)")  # "in 1h30", as in French and Italian
_TODAY_AROUND = re.compile(r"today\s+(.+)|(.+?)\s+today")


def _fraction(match: re.Match[str]) -> str:
    whole, numerator, denominator = match.groups()
    return f"{int(whole or 0) + int(numerator) / int(denominator):g}"


def _elapsed(match: re.Match[str], _found: Found) -> Read | None:
    """'in 2 hours', 'in a couple hours', 'in 2 and a half hours', '90 mins from now', 'today in 1 hour'.

    A duration alone ('15 minutes', '+2h', 'now + 2 hours') is also from now: in a "when" box it can
    mean nothing else. A one-letter unit alone is not ('16h' is 16:00).
    """
    phrase = match.group(0)
    today = _TODAY_AROUND.fullmatch(phrase) if "today" in phrase else None
    inner = (today.group(1) or today.group(2)) if today else phrase
    relative = _RELATIVE.fullmatch(inner)
    if relative is None:
        return None
    spec = relative["ahead"] or relative["back"] or relative["plus"] or relative["bare"]
    if _FIRST_AMOUNT.match(spec) is None:
        return None  # a duration starts with its first amount
    spec = _FRACTION.sub(_fraction, spec) if "/" in spec or "⁄" in spec else spec
    spec = _HOURS_MINUTES.sub(r"\1h \2m", spec) if "h" in spec else spec
    total = relativedelta()
    notes: list[str] = []
    position = 0
    for part in _PART.finditer(spec):
        if spec[position : part.start()].strip(" ,").removeprefix("and").strip():
            return None
        amount_text, half_before, unit_text, half_after = part.groups()
        if relative["bare"] and len(unit_text) == 1:
            return None  # "16h" alone is a time of day; "16 hours" alone is a duration
        amount = NUMBER_WORDS.get(amount_text) or float(amount_text)
        amount += 0.5 if half_before or half_after else 0
        if amount_text in FUZZY:
            notes.append(f"“{amount_text} {unit_text}” was read as {amount:g} {_UNITS[unit_text]}.")
        total += _duration(amount, _UNITS[unit_text])
        position = part.end()
    if position == 0 or spec[position:].strip():
        return None
    if relative["bare"]:
        notes.append(f"“{spec}” was read as {spec} from now.")
    return Read(Elapsed(total, today is not None), tuple(notes))


def _duration(amount: float, unit: str) -> relativedelta:
    if unit == "months":
        if amount != int(amount):
            raise TimeParseError("Months must be whole, e.g. “in 2 months”.")
        if amount > 1200:
            raise TimeParseError("That is too far away to schedule.")
        return relativedelta(months=int(amount))
    if amount > 100_000:
        raise TimeParseError("That is too far away to schedule.")
    return relativedelta(seconds=round(timedelta(**{unit: amount}).total_seconds()))


_DAY_UNITS = {"d": "days", "day": "days", "days": "days", "w": "weeks", "wk": "weeks", "wks": "weeks"}
_DAY_UNITS |= {"week": "weeks", "weeks": "weeks", "month": "months", "months": "months"}
_DAY_UNIT_TEXT = longest_first(_DAY_UNITS)
_DAY_SPAN = re.compile(_AMOUNT + r"\s*(" + _DAY_UNIT_TEXT + r")")
_SPAN = r"(?:" + AMOUNT_TEXT + r")\s*(?:" + _DAY_UNIT_TEXT + r")(?![a-z])"


@dataclass(frozen=True)
class DaysAhead(DaySpec):
    """A number of days, weeks or months on from today, on the calendar."""

    counts_days: ClassVar[bool] = True
    step: relativedelta

    def on(self, today: date) -> Day:
        return Day(today + self.step)


def _days_ahead(match: re.Match[str], _found: Found) -> Read | None:
    """'in 3 days', '2 weeks from now', 'a week from today': the day, counted on the calendar."""
    spec = _DAY_SPAN.fullmatch(match["ahead"] or match["back"])
    if spec is None:
        return None
    amount_text, unit_text = spec.groups()
    amount = NUMBER_WORDS.get(amount_text) or float(amount_text)
    if amount != int(amount) or amount_text in FUZZY:
        raise TimeParseError(f"“{match.group(0)}” is not a whole number of days; give the date.")
    if amount > 1200:
        raise TimeParseError("That is too far away to schedule.")
    count = int(amount)
    unit = _DAY_UNITS[unit_text]
    step = relativedelta(days=count) if unit == "days" else relativedelta(weeks=count)
    return Read(DaysAhead(relativedelta(months=count) if unit == "months" else step))


RULES = (
    Rule(
        "duration",
        "phrase",
        re.compile(r".+"),
        _elapsed,
        "Durations",
        (
            "in 90 mins",
            "in 2h30m",
            "in 1h30",
            "in 1 1/2 hours",
            "in 1/4 h",
            "in three-quarters of an hour",
            "in 2 hours and 15 minutes",
            "in 10 days' time",
            "15 minutes",
            "+2h",
            "now + 2 hours",
            "in 2 and a half hours",
            "in a quarter of an hour",
            "15 minutes out",
            "today in one hour",
        ),
        "elapsed time; a duration alone is from now (said in the confirmation), but `16h` alone is 16:00; "
        "months are calendar months; `a couple` is 2 and `a few` is 3 (said in the confirmation)",
        whole=True,
    ),
    Rule(
        "days from now",
        "days",
        re.compile(
            r"(?<!\w)(?:in\s+(?P<ahead>" + _SPAN + r")(?:\s+(?:from\s+(?:now|today)|time))?"
            rf"|(?P<back>{_SPAN})\s+(?:{_FROM_NOW}))(?!\w)"
        ),
        _days_ahead,
        "Duration, then a time",
        ("in 3 days at 10am", "3 days from now at 10am", "a week from today 9am", "10am in 2 weeks"),
        "the day counted on the calendar, at that wall-clock time",
        needs=("in", "from", "later", "out"),
    ),
)
