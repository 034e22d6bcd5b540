"""From the pieces a phrase was read into, to one future instant: the rules that need now and the zone.

A time with no date is its next occurrence; a wall-clock time is localised with its zone's offset *on that
date*; a day counted from today is asked about when the phrase's zone is on another date than the user's;
nothing in the past is ever returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from dateutil.relativedelta import relativedelta

from bot.core.errors import TimeParseError
from bot.core.timeparse.clocks import apply_period
from bot.core.timeparse.engine import EXAMPLES
from bot.core.timeparse.values import Clock, Day, DaySpec, Elapsed, Instant, Mark, Period, Piece, Value, Zone


@dataclass(frozen=True)
class ParsedTime:
    """The instant meant, what was assumed to get there, and the words left out (shown at confirmation)."""

    when: datetime
    notes: tuple[str, ...] = ()
    counts_days: bool = field(default=False, repr=False, compare=False)  # "tomorrow", "friday": from whose today?
    ignored: tuple[str, ...] = ()  # words that are not about time ("meeting"), said in the notes too


@dataclass(frozen=True)
class _Pieces:
    """The pieces of one reading, by what they are."""

    zone: tzinfo | None
    instant: Instant | None
    elapsed: Elapsed | None
    clock: Clock | None
    period: Period | None
    days: tuple[DaySpec, ...]
    weekday: DaySpec | None
    marks: frozenset[str]
    rules: frozenset[str]
    clock_words: str = ""
    notes: tuple[str, ...] = ()  # of the clock or the duration
    ignored: tuple[str, ...] = ()

    @classmethod
    def of(cls, pieces: tuple[Piece, ...]) -> _Pieces:
        def first(kind: type[Value]) -> Piece | None:
            return next((piece for piece in pieces if isinstance(piece.value, kind)), None)

        zone, instant, elapsed, clock, period = (first(kind) for kind in (Zone, Instant, Elapsed, Clock, Period))
        days = [piece.value for piece in pieces if isinstance(piece.value, DaySpec)]
        marks = [piece for piece in pieces if isinstance(piece.value, Mark)]
        timed = clock or elapsed
        return cls(
            zone=zone.value.zone if zone and isinstance(zone.value, Zone) else None,
            instant=instant.value if instant and isinstance(instant.value, Instant) else None,
            elapsed=elapsed.value if elapsed and isinstance(elapsed.value, Elapsed) else None,
            clock=clock.value if clock and isinstance(clock.value, Clock) else None,
            period=period.value if period and isinstance(period.value, Period) else None,
            days=tuple(day for day in days if not day.is_weekday),
            weekday=next((day for day in days if day.is_weekday), None),
            marks=frozenset(mark.value.kind for mark in marks if isinstance(mark.value, Mark)),
            rules=frozenset(piece.rule for piece in pieces),
            clock_words=clock.words if clock else "",
            notes=timed.notes if timed else (),
            ignored=tuple(
                mark.words for mark in marks if isinstance(mark.value, Mark) and mark.value.kind == "ignored"
            ),
        )


def settle(pieces: tuple[Piece, ...], typed: str, user_zone: tzinfo, now: datetime) -> ParsedTime:
    """The instant the pieces name, in the phrase's zone or the user's, as of `now`; then the checks."""
    read = _Pieces.of(pieces)
    zone = read.zone or user_zone
    if read.instant is not None:
        parsed = _timestamp(read.instant.when, zone)
    elif read.elapsed is not None:
        parsed = _after(now, read.elapsed, zone, read.notes)
    else:
        parsed = _on_a_day(read, typed, zone, now.astimezone(zone))
        _same_today(parsed, zone, user_zone, now)
    _still_ahead(parsed, typed, zone, now)
    notes = list(parsed.notes)
    if "hedge" in read.marks:
        notes.append(f"An exact time is used: {parsed.when.astimezone(zone):%H:%M}.")
    if read.ignored:
        quoted = " and ".join(f"“{words}”" for words in read.ignored)
        notes.append(f"{quoted} {'is' if len(read.ignored) == 1 else 'are'} not about time, so left out.")
    return replace(parsed, when=_comparable(parsed.when), notes=tuple(notes), ignored=read.ignored)


def _on_a_day(read: _Pieces, typed: str, zone: tzinfo, now: datetime) -> ParsedTime:
    """A time of day on the day the words name, or its next occurrence when they name none."""
    today = now.date()
    if "next month" in read.marks and not read.rules & {"numeric date", "year-first date", "calendar date"}:
        raise TimeParseError("Say which day next month, e.g. “next month on the 1st at 10am”.")
    if read.marks & {"next week", "this week"} and read.weekday is None:
        week = "next week" if "next week" in read.marks else "this week"
        raise TimeParseError(f"Say which day {week}, e.g. “{week} tuesday 3pm”.")
    stated = _agreeing_day([day.on(today) for day in read.days], read.weekday.on(today) if read.weekday else None)
    today_implied = read.period is not None and read.period.today
    day = stated or (Day(today) if today_implied else None)
    clock, clock_notes = read.clock, read.notes
    if clock is not None and clock.now:
        if day is None:
            raise TimeParseError("Say which day, e.g. “same time tomorrow”.")
        clock, clock_notes = Clock(now.hour, now.minute), (f"“{read.clock_words}” was read as {now:%H:%M}.",)
    if clock is None:
        if day is None and read.period is None:
            raise TimeParseError(f"I couldn't find a time in “{typed}”. Try {EXAMPLES}.")
        example = "9pm" if read.period is not None and read.period.name in ("afternoon", "evening") else "10am"
        raise TimeParseError(f"Add a time of day, e.g. “{typed} at {example}”.")
    clock, period_note = apply_period(clock, read.period)
    notes = [note for note in (*clock_notes, period_note, day.note if day else None) if note]
    wall = time(clock.hour, clock.minute, clock.second)
    if day is None:
        return _next_occurrence(wall, zone, now, notes)
    target = day.day + timedelta(days=1) if clock.end_of_day else day.day
    if clock.end_of_day:
        notes.append(f"{wall:%H:%M} was read as the night after {day.day:%a %d %b}.")
    elif clock.meridiem == "am" and clock.hour == 0:
        notes.append(f"12am on {day.day:%a %d %b} is the start of that day; for the night after, write “midnight”.")
    parsed = localise(target, wall, zone, notes)
    if day.weekday_rolls and parsed.when <= now:
        parsed = localise(target + timedelta(days=7), wall, zone, notes)
    return replace(parsed, counts_days=any(spec.counts_days for spec in read.days) or today_implied)


def _agreeing_day(stated: list[Day], weekday: Day | None) -> Day | None:
    """One day from the words given; 'tomorrow' and 'Dec 3' together must be the same day."""
    for other in stated[1:]:
        if other.day != stated[0].day:
            raise TimeParseError(f"{stated[0].day:%d %b} and {other.day:%d %b} are different days; give one.")
    first = stated[0] if stated else None
    if first and weekday and first.day.weekday() != weekday.day.weekday():
        raise TimeParseError(f"{first.day:%d %b %Y} is a {first.day:%A}, not a {weekday.day:%A}.")
    return first or weekday


def _timestamp(instant: datetime, zone: tzinfo) -> ParsedTime:
    if instant.tzinfo is None:
        return localise(instant.date(), instant.time(), zone)
    return ParsedTime(instant)


def _after(now: datetime, elapsed: Elapsed, zone: tzinfo, notes: tuple[str, ...]) -> ParsedTime:
    """Months move the calendar in the local zone; everything else is elapsed time."""
    delta = elapsed.delta
    gone = timedelta(days=delta.days, seconds=delta.seconds + 60 * delta.minutes + 3600 * delta.hours)
    moved = now.astimezone(zone) + relativedelta(months=delta.months) if delta.months else now
    when = (moved.astimezone(UTC) + gone).astimezone(zone)
    if elapsed.today and when.date() != now.astimezone(zone).date():
        raise TimeParseError(f"That is {when:%a %d %b %H:%M}, not today.")
    return ParsedTime(when, notes)


def _next_occurrence(wall: time, zone: tzinfo, now: datetime, notes: list[str]) -> ParsedTime:
    """A time of day with no date: today if still ahead, else tomorrow."""
    candidate = localise(now.date(), wall, zone, notes)
    if candidate.when <= now:
        candidate = localise(now.date() + timedelta(days=1), wall, zone, notes)
    return candidate


def localise(day: date, wall: time, zone: tzinfo, notes: list[str] | None = None) -> ParsedTime:
    """Wall-clock time on `day` in `zone`, with that date's offset; DST gaps and repeats noted."""
    notes = list(notes or ())
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone)
    settled = aware.astimezone(UTC).astimezone(zone)
    if settled.replace(tzinfo=None) != naive:
        notes.append(f"{wall:%H:%M} does not exist on {day:%d %b} (clocks go forward); taken as {settled:%H:%M}.")
        return ParsedTime(settled, tuple(notes))
    if aware.replace(fold=1).utcoffset() != aware.utcoffset():
        notes.append(f"{wall:%H:%M} happens twice on {day:%d %b} (clocks go back); the first was taken.")
    return ParsedTime(aware, tuple(notes))


def _comparable(instant: datetime) -> datetime:
    """An instant in a repeated hour (clocks going back) keeps its offset as a fixed zone: Python never finds
    such a time equal to the same instant written in another zone (PEP 495), which would surprise callers."""
    offset = instant.utcoffset()
    if offset is None or instant.replace(fold=1 - instant.fold).utcoffset() == offset:
        return instant
    return instant.astimezone(timezone(offset))


def _same_today(parsed: ParsedTime, zone: tzinfo, user_zone: tzinfo, now: datetime) -> None:
    """'tomorrow 9am PT' from Sydney: whose tomorrow? Asked when the two zones are on different dates."""
    theirs, yours = now.astimezone(zone).date(), now.astimezone(user_zone).date()
    if parsed.counts_days and theirs != yours:
        raise TimeParseError(
            f"It is {theirs:%a %d %b} in that timezone and {yours:%a %d %b} in yours, so a day counted from "
            f"today is unclear: give the date, e.g. “{parsed.when.astimezone(zone):%b %d %H:%M}” with the zone."
        )


def _still_ahead(parsed: ParsedTime, typed: str, zone: tzinfo, now: datetime) -> None:
    """Never hand back a past instant: say which time has passed instead."""
    if parsed.when <= now:
        local = parsed.when.astimezone(zone)
        raise TimeParseError(
            f"That time is in the past: “{typed}” is {local:%H:%M} on {local:%a %d %b %Y}, "
            "which has passed. Give a later time."
        )
