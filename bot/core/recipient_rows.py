"""Recipients from a file: one personal SMS per row of a CSV or TSV, or the reason a row cannot be sent.

The first row names the columns: the phone number (`phone`, `mobile`, `number`, `to`, ...), the template's
variables (by name; in order when no column is named after one), and optionally `when`: a time phrase or
an ISO time read in the user's zone, in the recipient's zone with "their time", or relative to another
column ("2 hours before {appointment}"). A bad row never holds the others back: it is reported with its
line number and the reason, and the good rows go on.

Reading a time costs more than the rest of a row together, so each distinct phrase is read once per file
(in each zone it is read in), never across files: an instant depends on now and on the zone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from bot.core import phones, recipient_time, sms
from bot.core.errors import InputError, PhoneError, TimeParseError
from bot.core.quiet_hours import QuietHours
from bot.core.templates import VARIABLE_LIMIT, Template, VariableProblem, variable_problem
from bot.core.timeparse import interpret, means_now
from bot.core.validation import MAX_LEAD, MIN_LEAD, ScheduleRequest, control_character, window_refusal

PHONE_HEADERS = frozenset(
    {"phone", "phonenumber", "phoneno", "mobile", "mobilenumber", "mobileno", "mob", "cell", "cellphone",
     "cellnumber", "msisdn", "number", "to", "recipient", "contact", "contactnumber", "tel", "telephone"}
)  # fmt: skip
"""Header names of the phone column, compared in lower case without spaces or punctuation."""
WHEN_HEADERS = frozenset({"when", "sendat", "sendon", "sendtime", "schedule", "scheduledat", "scheduledfor"})
MESSAGE_HEADERS = frozenset({"message", "body", "text", "sms"})
_RELATIVE = re.compile(r"(?P<amount>.+?)\s+(?P<direction>before|after)\s+\{(?P<column>[^{}]+)\}", re.IGNORECASE)
_COLUMN_REFERENCE = re.compile(r"\{([^{}]+)\}")
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode's Cc, but for line breaks
_DELIMITERS = ",\t;"


class Problem(Enum):
    """Why a row cannot be sent, as the user reads it beside the line number."""

    BAD_NUMBER = "bad number"
    MISSING_VARIABLE = "missing variable"
    MISSING_MESSAGE = "no message"
    TOO_LONG = "too long"
    CONTROL_CHARACTER = "control character"
    BAD_TIME = "bad time"
    OUTSIDE_WINDOW = "outside Kaleyra's window"
    QUIET_HOURS = "quiet hours"
    DUPLICATE = "duplicate"


_VARIABLE_PROBLEMS = {VariableProblem.MISSING: Problem.MISSING_VARIABLE, VariableProblem.TOO_LONG: Problem.TOO_LONG}


class RowsError(InputError):
    """The file as a whole cannot be used (no phone column, too many rows, ...); the message says why."""


@dataclass(frozen=True, slots=True)
class GoodRow:
    line: int
    number: str  # E.164
    body: str
    send_at: datetime | None  # None: send now
    segments: int


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    problem: Problem
    reason: str


@dataclass(frozen=True)
class Columns:
    """Which column is what, by header name."""

    phone: str
    variables: tuple[str, ...] = ()  # the column of each template variable, in the template's order
    when: str = ""  # the per-row time column, if any
    message: str = ""  # without a template: the per-row text column, if any


@dataclass(frozen=True)
class Rows:
    good: tuple[GoodRow, ...]
    bad: tuple[BadRow, ...]  # by line number
    columns: Columns
    notes: tuple[str, ...] = ()  # what was assumed reading the times (each once), as at a single SMS's confirmation

    @property
    def send_times(self) -> int:
        return len({row.send_at for row in self.good})

    @property
    def segments(self) -> int:
        """SMS in all: what Kaleyra bills."""
        return sum(row.segments for row in self.good)


@dataclass(frozen=True)
class RowRules:
    """What every row is checked against: the settings, and the route chosen for the batch."""

    default_country: str
    max_rows: int
    max_segments: int
    allowed_countries: Collection[str] = ()
    route: str = "TXN"
    quiet_hours: QuietHours | None = None


def looks_like_rows(text: str) -> bool:
    """Whether text pasted where numbers go is rows of a spreadsheet: several lines, the first naming a phone
    column (numbers alone, one a line, are numbers)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    first = lines[0]
    delimiter = max(_DELIMITERS, key=first.count) if any(map(first.count, _DELIMITERS)) else ","
    return any(_key(cell.strip().strip('"')) in PHONE_HEADERS for cell in first.split(delimiter))


def decode(data: bytes) -> str:
    """A file's text: UTF-8 (with or without the BOM spreadsheets write) or UTF-16 with its BOM (Excel's
    "Unicode text"); anything else is refused rather than read with the wrong characters."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RowsError("The file is not UTF-8 text: save it as “CSV UTF-8” (or tab-separated text).") from None


def read_rows(
    text: str,
    rules: RowRules,
    *,
    tz: str,
    now: datetime,
    template: Template | None = None,
    message: str = "",
    when: str = "",
    locale: str | None = None,
    values: Mapping[str, str] | None = None,
) -> Rows:
    """Every row of `text` (CSV or TSV, the first row naming the columns) as a good or a bad row.

    The body comes from `template` (its variables from the columns, or from `values` for every row), else
    from a message column, else it is `message`. A row's time is its `when` cell, else `when` (for every
    row; either may be "now", a phrase, "... their time", or "2 hours before {column}"). `tz` and `locale`
    are the user's. Raises `RowsError` when the file as a whole cannot be used, including past `rules.max_rows` rows."""
    records = _records(text.removeprefix("\ufeff"))
    header: list[str] = next((cells for _, cells in records if any(cell.strip() for cell in cells)), [])
    if not header:
        raise RowsError("The file is empty: its first row names the columns (phone, then the template's variables).")
    given = {name: value.strip() for name, value in (values or {}).items()}
    columns = _columns([cell.strip() for cell in header], template, message, when, given)
    reader = _RowReader(header, columns, rules, template, message, when, given)
    count = 0
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # an empty line, or one of empty cells
        count += 1
        if count > rules.max_rows:
            raise RowsError(
                f"The file has more than {rules.max_rows:,} rows: at most {rules.max_rows:,} can be sent at "
                "once (MAX_BATCH_ROWS). Split it into smaller files."
            )
        reader.read(line, cells)
    times = _Times(tz, now, locale)
    good, bad = reader.timed(times, now)
    return Rows(tuple(good), tuple(sorted(bad, key=lambda row: row.line)), columns, tuple(times.notes))


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(the line each record starts on, its cells); the delimiter is the one the header uses most."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first.count) if any(map(first.count, _DELIMITERS)) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:
        raise RowsError(f"Line {line} cannot be read ({exc}); check its quotes.") from None


_IGNORED_IN_NAMES = re.compile(r"[\s_.#/-]+")
_LOOKS_LIKE_NUMBER = re.compile(r"\+?[\d\s().-]{7,}")


def _key(header: str) -> str:
    """A column name as compared: "Phone No." is "phoneno"."""
    return _IGNORED_IN_NAMES.sub("", header.casefold())


def _columns(
    header: list[str], template: Template | None, message: str, when: str, given: Mapping[str, str]
) -> Columns:
    """Which column is the phone, each variable, the time, the message; `RowsError` saying what is missing."""
    if any(_LOOKS_LIKE_NUMBER.fullmatch(name) for name in header):
        raise RowsError(
            "The first row must name the columns (phone, then the template's variables); it looks like data."
        )
    names = [name for name in header if name]
    by_key: dict[str, str] = {}
    for name in names:
        if (same := by_key.setdefault(_key(name), name)) != name or names.count(name) > 1:
            raise RowsError(f"Two columns are named {same}: give each a name of its own.")
    for reference in _COLUMN_REFERENCE.findall(when):
        if _key(reference) not in by_key:
            raise RowsError(f"The time refers to {{{reference}}}, but no column is named {reference}.")
    variables = _variable_columns(names, template, by_key, when, given)
    taken = {_key(name) for name in variables if name}
    phone = _one(names, PHONE_HEADERS, taken, "the phone number", "phone, mobile or number")
    when_column = _one(names, WHEN_HEADERS, taken | {_key(phone)}, "the send time", "")
    message_column = ""
    if template is None:
        message_column = _one(names, MESSAGE_HEADERS, {_key(phone), _key(when_column)}, "the message", "")
        if not message_column and not message.strip():
            raise RowsError("Give the message, or a message column in the file (or pick a template).")
    return Columns(phone, variables, when_column, message_column)


def _variable_columns(
    names: list[str], template: Template | None, by_key: dict[str, str], when: str, given: Mapping[str, str]
) -> tuple[str, ...]:
    """The column of each variable ("" for one given for every row): by name, or (when no column is named
    after one) in order."""
    if template is None or not template.variables:
        return ()
    if unknown := sorted(set(given) - set(template.variables)):
        raise RowsError(
            f"“{unknown[0]}” is not a variable of template “{template.name}” ({', '.join(template.variables)})."
        )
    wanted = [variable for variable in template.variables if variable not in given]
    named = [by_key.get(_key(variable), "") for variable in wanted]
    if all(named):
        return _with_given(template, dict(zip(wanted, named, strict=True)))
    if any(named):
        missing = [variable for variable, column in zip(wanted, named, strict=True) if not column]
        raise RowsError(
            f"No column for {', '.join(missing)}: the file names some of template “{template.name}”'s variables "
            f"({', '.join(template.variables)}), so it must name them all."
        )
    # a column the time refers to ("2 hours before {appointment}") may be a variable too, or only the time's
    referenced = {_key(reference) for reference in _COLUMN_REFERENCE.findall(when)}
    others = [name for name in names if _key(name) not in PHONE_HEADERS | WHEN_HEADERS]
    if len(others) != len(wanted):
        others = [name for name in others if _key(name) not in referenced]
    if len(others) != len(wanted):
        raise RowsError(
            f"Template “{template.name}” has {len(wanted)} variables{' to fill from the file' if given else ''} "
            f"({', '.join(wanted)}), "
            f"but besides the phone and the time the file has {len(others)} columns ({', '.join(others) or 'none'}): "
            "name the columns after the variables."
        )
    return _with_given(template, dict(zip(wanted, others, strict=True)))


def _with_given(template: Template, columns: Mapping[str, str]) -> tuple[str, ...]:
    """Each variable's column in the template's order, "" for one given for every row."""
    return tuple(columns.get(variable, "") for variable in template.variables)


def _one(names: Sequence[str], known: frozenset[str], taken: set[str], what: str, examples: str) -> str:
    found = [name for name in names if _key(name) in known and _key(name) not in taken]
    if len(found) > 1:
        raise RowsError(f"Both {' and '.join(found)} could be {what}: rename the one not meant.")
    if not found and examples:
        raise RowsError(f"No column for {what}: name it {examples} (the columns are {', '.join(names)}).")
    return found[0] if found else ""


@dataclass(slots=True)
class _Untimed:
    """A row whose number and text are good, waiting for its time to be read with the others."""

    line: int
    number: str
    body: str
    segments: int
    phrase: str
    their: bool
    offset: timedelta


class _RowReader:
    """Each row's number and text at once; the times afterwards, each distinct phrase read once."""

    def __init__(
        self,
        header: list[str],
        columns: Columns,
        rules: RowRules,
        template: Template | None,
        message: str,
        when: str,
        given: Mapping[str, str],
    ) -> None:
        index = {name.strip(): position for position, name in enumerate(header)}
        self._phone = index[columns.phone]
        self._variables = [index[name] if name else -1 for name in columns.variables]
        self._given = [given.get(variable, "") for variable in (template.variables if template else ())]
        self._when = index[columns.when] if columns.when else -1
        self._message = index[columns.message] if columns.message else -1
        self._columns = {_key(name): position for name, position in index.items() if name}
        self._width = len(header)
        self._rules = rules
        self._template = template
        self._text = message.strip()
        self._default_when = when.strip()
        self._durations: dict[str, timedelta | None] = {}
        self.untimed: list[_Untimed] = []
        self.bad: list[BadRow] = []

    def read(self, line: int, cells: list[str]) -> None:
        if len(cells) < self._width:
            cells = cells + [""] * (self._width - len(cells))
        number = self._number(line, cells[self._phone].strip())
        body = self._body(line, cells)
        if number is None or body is None:
            return
        size = sms.measure(body)
        if size.segments > self._rules.max_segments:
            reason = f"The message is {size.describe()}; the limit is {self._rules.max_segments} SMS per recipient."
            self.bad.append(BadRow(line, Problem.TOO_LONG, reason))
            return
        phrase = (cells[self._when].strip() if self._when >= 0 else "") or self._default_when
        if not phrase:
            reason = "No send time: fill in its when column, or give a time for every row."
            self.bad.append(BadRow(line, Problem.BAD_TIME, reason))
            return
        if (timing := self._timing(line, phrase, cells)) is not None:
            self.untimed.append(_Untimed(line, number, body, size.segments, *timing))

    def _number(self, line: int, raw: str) -> str | None:
        if not raw:
            self.bad.append(BadRow(line, Problem.BAD_NUMBER, "No phone number."))
            return None
        try:
            return phones.allowed(raw, self._rules.default_country, self._rules.allowed_countries)
        except PhoneError as exc:
            self.bad.append(BadRow(line, Problem.BAD_NUMBER, str(exc)))
            return None

    def _body(self, line: int, cells: list[str]) -> str | None:
        template = self._template
        if template is not None:
            values = [
                cells[position].strip() if position >= 0 else fixed
                for position, fixed in zip(self._variables, self._given, strict=True)
            ]
            if any(not value or len(value) > VARIABLE_LIMIT for value in values):
                problems = [
                    problem
                    for variable, value in zip(template.variables, values, strict=True)
                    if (problem := variable_problem(variable, value)) is not None
                ]
                kind = _VARIABLE_PROBLEMS[problems[0][0]]
                self.bad.append(BadRow(line, kind, " ".join(message for _, message in problems)))
                return None
            body = template.fill(values)
        else:
            body = (cells[self._message].strip() if self._message >= 0 else "") or self._text
            if not body:
                self.bad.append(BadRow(line, Problem.MISSING_MESSAGE, "No message: fill in its message column."))
                return None
        if _CONTROL.search(body):
            reason = f"The message has a control character ({control_character(body)}) that phones cannot show."
            self.bad.append(BadRow(line, Problem.CONTROL_CHARACTER, reason))
            return None
        return body

    def _timing(self, line: int, phrase: str, cells: list[str]) -> tuple[str, bool, timedelta] | None:
        """(the phrase to read, whether in the recipient's zone, the time to add to it)."""
        plain = recipient_time.without_marker(phrase)
        their = plain is not None
        phrase = plain if plain is not None else phrase
        relative = _RELATIVE.fullmatch(phrase)
        if relative is None:
            return phrase, their, timedelta()
        column = self._columns.get(_key(relative["column"]))
        base = cells[column].strip() if column is not None else ""
        if not base:
            reason = f"“{phrase}”: its {relative['column']} is empty."
            if column is None:
                reason = f"“{phrase}”: the file has no column named {relative['column']}."
            self.bad.append(BadRow(line, Problem.BAD_TIME, reason))
            return None
        if (amount := self._duration(relative["amount"])) is None:
            reason = f"“{phrase}”: say how long {relative['direction'].lower()}, e.g. “2 hours before {{appointment}}”."
            self.bad.append(BadRow(line, Problem.BAD_TIME, reason))
            return None
        return base, their, -amount if relative["direction"].lower() == "before" else amount

    def _duration(self, amount: str) -> timedelta | None:
        """“2 hours”, “a day”, “1h30”: read as "in ..." from a fixed instant in UTC, so only its length counts."""
        if amount not in self._durations:
            start = datetime(2000, 1, 1, tzinfo=UTC)
            try:
                self._durations[amount] = interpret(f"in {amount}", "UTC", start).when - start
            except TimeParseError:
                self._durations[amount] = None
        return self._durations[amount]

    def timed(self, times: _Times, now: datetime) -> tuple[list[GoodRow], list[BadRow]]:
        """Read every row's time (each distinct phrase once), then check it: window, quiet hours, duplicates."""
        instants = times.read_all(self.untimed)
        good: list[GoodRow] = []
        seen: dict[tuple[str, str, datetime | None], int] = {}
        earliest, latest = now + MIN_LEAD, now + MAX_LEAD  # Kaleyra's window, worked out once for every row
        for row in self.untimed:
            instant = instants[row.line]
            if isinstance(instant, str):
                self.bad.append(BadRow(row.line, Problem.BAD_TIME, instant))
                continue
            send_at = None if instant is None else instant + row.offset
            outside = send_at is not None and not earliest <= send_at <= latest
            if outside and (refusal := window_refusal(send_at, now)):
                self.bad.append(BadRow(row.line, Problem.OUTSIDE_WINDOW, refusal.message))
                continue
            if (quiet := self._quiet(row, send_at or now)) is not None:
                self.bad.append(BadRow(row.line, Problem.QUIET_HOURS, quiet))
                continue
            if (first := seen.setdefault((row.number, row.body, send_at), row.line)) != row.line:
                reason = f"The same number, message and time as line {first}."
                self.bad.append(BadRow(row.line, Problem.DUPLICATE, reason))
                continue
            good.append(GoodRow(row.line, row.number, row.body, send_at, row.segments))
        return good, self.bad

    def _quiet(self, row: _Untimed, at: datetime) -> str | None:
        rules = self._rules
        if rules.quiet_hours is None or not rules.quiet_hours.countries:
            return None
        request = ScheduleRequest((row.number,), row.body, rules.route, "", at)
        refusal = rules.quiet_hours.refusal(request, at)
        return refusal.message if refusal else None


@dataclass
class _Times:
    """Time phrases read for one file: as of one `now`, each distinct phrase once per zone it is read in."""

    tz: str
    now: datetime
    locale: str | None
    notes: dict[str, None] = field(default_factory=dict)  # in order, each once

    def read_all(self, rows: Sequence[_Untimed]) -> dict[int, datetime | str | None]:
        """Each row's instant by line: None for "now", or the reason its phrase cannot be read."""
        groups: dict[tuple[str, bool], list[_Untimed]] = {}
        for row in rows:
            groups.setdefault((row.phrase, row.their), []).append(row)
        instants: dict[int, datetime | str | None] = {}
        for (phrase, their), group in groups.items():
            if means_now(phrase):
                instants.update((row.line, None) for row in group)
            elif their:
                instants.update(self._theirs(phrase, group))
            else:
                reading = self._read(phrase)
                instants.update((row.line, reading) for row in group)
        return instants

    def _read(self, phrase: str) -> datetime | str:
        try:
            parsed = interpret(phrase, self.tz, self.now, locale=self.locale)
        except TimeParseError as exc:
            return str(exc)
        self.notes.update(dict.fromkeys(f"“{phrase}”: {note}" for note in parsed.notes))
        return parsed.when

    def _theirs(self, phrase: str, rows: Sequence[_Untimed]) -> Iterator[tuple[int, datetime | str]]:
        """One reading per zone for all the rows; when a number's zone is unclear, each row on its own."""
        try:
            zones = recipient_time.by_zone(phrase, [row.number for row in rows], self.now, locale=self.locale)
        except TimeParseError:
            for row in rows:
                try:
                    [zone] = recipient_time.by_zone(phrase, [row.number], self.now, locale=self.locale)
                except TimeParseError as exc:
                    yield row.line, str(exc)
                else:
                    yield row.line, zone.parsed.when
            return
        when_of = {number: zone.parsed.when for zone in zones for number in zone.recipients}
        for row in rows:
            yield row.line, when_of[row.number]
