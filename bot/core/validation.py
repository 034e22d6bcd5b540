"""Turn a `Draft` into a `ScheduleRequest` Kaleyra will accept, or say what is wrong per field."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from bot.config import ROUTE_TYPES, Settings
from bot.core import phones, recipient_time, recurrence, sms
from bot.core.command import Draft
from bot.core.errors import InvalidRequest, PhoneError, TimeParseError
from bot.core.refusals import Reason, Refusal
from bot.core.templates import TEMPLATE_FIELD, Template, TemplateMismatch
from bot.core.timeparse import interpret, means_now

MIN_LEAD = timedelta(minutes=15)
MAX_LEAD = relativedelta(months=3)
PICKED_FIELD = "picked_at"  # the modal's date-and-time picker; its problems are shown beside it


def variable_field(name: str) -> str:
    """The field of a template's variable, where its problems are shown."""
    return f"var:{name}"


Part = tuple[str, datetime, tuple[str, ...]]
"""A zone's own send of a request read in the recipients' time: the zone, its instant, its recipients."""


@dataclass(frozen=True)
class ScheduleRequest:
    """A checked request: E.164 recipients, and `send_at` None for "send now"."""

    recipients: tuple[str, ...]
    body: str
    route: str
    sender: str
    send_at: datetime | None
    template_id: str | None = None
    callback_profile_id: str | None = None
    notes: tuple[str, ...] = ()
    repeat: str = ""  # a recurring SMS: its rule (`bot.core.recurrence`); `send_at` is the first send
    parts: tuple[Part, ...] = ()  # "their time" across zones: one send per zone; `send_at` is the earliest

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, instants as ISO 8601 (`vars`: `asdict` would deep-copy every field first)."""
        parts = [(zone, at.isoformat(), numbers) for zone, at, numbers in self.parts]
        return vars(self) | {"send_at": self.send_at.isoformat() if self.send_at else None, "parts": parts}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScheduleRequest:
        """What `to_dict` (of this or an older release) wrote; fields of older releases are ignored."""
        values = {name: value for name, value in data.items() if name in _REQUEST_FIELDS}
        send_at = values.pop("send_at", None)
        values["recipients"] = tuple(values.get("recipients", ()))
        values["notes"] = tuple(values.get("notes", ()))
        values["parts"] = tuple(
            (zone, datetime.fromisoformat(at), tuple(numbers)) for zone, at, numbers in values.get("parts", ())
        )
        return cls(**values, send_at=datetime.fromisoformat(send_at) if send_at else None)


_REQUEST_FIELDS = frozenset(field.name for field in fields(ScheduleRequest))


def validate(
    draft: Draft,
    tz: str,
    now: datetime,
    settings: Settings,
    *,
    locale: str | None = None,
    template: Template | None = None,
) -> ScheduleRequest:
    """`locale` is the user's Slack locale: their language's time words are read as well as English.
    `template` is the DLT template the draft names (or whose DLT id it carries): the body is rendered from
    the draft's variables, or the message is checked against it, and Kaleyra gets its template id."""
    errors: dict[str, str] = {}
    recipients = _recipients(draft.recipients, settings, errors)
    body = _body(draft.message, settings, errors) if template is None else _templated(draft, template, settings, errors)
    parts: tuple[Part, ...] = ()
    if not draft.send_now and draft.picked_at is None and recurrence.is_series(draft.when):
        send_at, notes, repeat = _series(draft.when, tz, now, errors, settings.series_max_days)
    elif (phrase := _recipients_phrase(draft)) is not None:
        (send_at, notes, parts), repeat = _in_recipients_time(phrase, recipients, now, errors, locale), ""
    else:
        (send_at, notes), repeat = _when(draft, tz, now, errors, locale), ""
    route, sender, template_id, callback_profile_id = _envelope(draft, settings, errors, template)
    if errors:
        raise InvalidRequest(errors)
    return ScheduleRequest(
        tuple(recipients), body, route, sender, send_at, template_id, callback_profile_id, notes, repeat, parts
    )


def validate_rows_envelope(draft: Draft, settings: Settings, *, template: Template | None = None) -> ScheduleRequest:
    """What every row of a batch shares (route, sender, DLT template id, callback profile), checked as one
    SMS's are; the rows bring the numbers, texts and times (`bot.core.recipient_rows`)."""
    errors: dict[str, str] = {}
    route, sender, template_id, callback_profile_id = _envelope(draft, settings, errors, template)
    if draft.recipients.strip():
        errors["recipients"] = "Give the numbers in the file's phone column, or the numbers here with no file or list."
    if errors:
        raise InvalidRequest(errors)
    return ScheduleRequest((), "", route, sender, None, template_id, callback_profile_id)


def _envelope(
    draft: Draft, settings: Settings, errors: dict[str, str], template: Template | None
) -> tuple[str, str, str | None, str | None]:
    """Route, sender, DLT template id and callback profile, each checked (problems into `errors`)."""
    route = draft.route.strip().upper()
    if route == "OTP":
        errors["route"] = "OTP messages cannot be scheduled; pick MKT, TXN or TXND."
    elif route not in ROUTE_TYPES:
        errors["route"] = f"Unknown route type “{draft.route}”; pick MKT, TXN or TXND."
    sender = draft.sender.strip()
    if not sender:
        errors["sender"] = "Give a sender id."
    elif len(sender) > 15 or not sender.replace(" ", "").isalnum():
        errors["sender"] = "A sender id is up to 15 letters and digits."
    elif settings.allowed_senders and sender not in settings.allowed_senders:
        errors["sender"] = f"Sender “{sender}” is not allowed; use one of {', '.join(settings.allowed_senders)}."
    template_id = _optional_id(draft.template_id, "template_id", errors)
    if template is not None:
        if template_id not in (None, template.template_id):
            errors["template_id"] = (
                f"Template “{template.name}” is registered as DLT template {template.template_id}: "
                "leave the DLT template id empty, or pick no template."
            )
        template_id = template.template_id
    callback_profile_id = _optional_id(draft.callback_profile_id, "callback_profile_id", errors)
    return route, sender, template_id, callback_profile_id


def window_refusal(send_at: datetime | None, now: datetime) -> Refusal | None:
    """Kaleyra's window: at least 15 minutes and at most 3 calendar months from now."""
    if send_at is None or now + MIN_LEAD <= send_at <= now + MAX_LEAD:
        return None
    understood = f"(understood as {send_at:%a %d %b %Y %H:%M %Z})".replace(" )", ")")  # only when refusing
    if send_at <= now:
        return Refusal(Reason.PAST, f"That time is in the past {understood}.")
    if send_at < now + MIN_LEAD:
        message = f"Kaleyra needs at least 15 minutes' notice {understood}; pick a later time or say “now”."
        return Refusal(Reason.TOO_SOON, message)
    return Refusal(Reason.TOO_FAR, f"Kaleyra schedules at most 3 months ahead {understood}.")


def _recipients(text: str, settings: Settings, errors: dict[str, str]) -> list[str]:
    raw = phones.split_recipients(text)
    if not raw:
        errors["recipients"] = "Add at least one phone number, e.g. +919876543210."
        return []
    if len(raw) > settings.max_recipients:
        errors["recipients"] = f"{len(raw)} recipients is more than the {settings.max_recipients} allowed."
        return []
    numbers: list[str] = []
    problems: list[str] = []
    for item in raw:
        try:
            number = phones.allowed(item, settings.default_country, settings.allowed_countries)
        except PhoneError as exc:
            problems.append(str(exc))
            continue
        if number not in numbers:
            numbers.append(number)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        errors["recipients"] = " ".join(problems[:3]) + more
    return numbers


def _templated(draft: Draft, template: Template, settings: Settings, errors: dict[str, str]) -> str:
    """The body rendered from the draft's variables (problems beside each variable), or the message
    checked against the template (problems beside the message); every fixed part is the template's."""
    if draft.variables or draft.positional:
        try:
            body = template.render(dict(draft.variables), draft.positional)
        except TemplateMismatch as exc:
            errors.update(
                (field if field == TEMPLATE_FIELD else variable_field(field), message)
                for field, message in exc.errors.items()
            )
            return ""
        return _body(body, settings, errors, TEMPLATE_FIELD)
    if not draft.message.strip():
        errors["message"] = f"Fill in template “{template.name}”: {', '.join(template.variables) or 'its text'}."
        return ""
    try:
        template.check(draft.message.strip())
    except TemplateMismatch as exc:
        errors["message"] = exc.errors["message"]
        return ""
    return _body(draft.message, settings, errors)


def _body(text: str, settings: Settings, errors: dict[str, str], field: str = "message") -> str:
    """`field` is where problems with the body are shown: the message, or the template it was rendered from."""
    body = text.strip()
    if not body:
        errors[field] = "The message is empty; put it in double quotes."
        return body
    if (control := control_character(body)) is not None:
        errors[field] = (
            f"The message contains a control character ({control}) that phones cannot show; remove it. "
            "Line breaks are fine."
        )
        return body
    size = sms.measure(body)
    if size.segments > settings.max_sms_segments:
        errors[field] = f"The message is {size.describe()}; the limit is {settings.max_sms_segments} SMS per recipient."
    return body


def control_character(text: str) -> str | None:
    """The first control character other than a line break, named for the user (`U+0000 NUL`)."""
    for char in text:
        if char not in "\n\r" and unicodedata.category(char) == "Cc":
            name = _CONTROL_NAMES.get(char, "")
            return f"U+{ord(char):04X}{' ' + name if name else ''}"
    return None


_CONTROL_NAMES = {"\x00": "NUL", "\t": "tab", "\x1b": "escape", "\x7f": "delete"}


def _recipients_phrase(draft: Draft) -> str | None:
    """The phrase of "9am their time", without its marker; None when the time is not in the recipients' time."""
    if draft.send_now or draft.picked_at is not None or means_now(draft.when):
        return None
    return recipient_time.without_marker(draft.when)


def _when(
    draft: Draft, tz: str, now: datetime, errors: dict[str, str], locale: str | None
) -> tuple[datetime | None, tuple[str, ...]]:
    if draft.send_now:
        return None, ()
    if draft.picked_at is not None:
        return _picked(draft, draft.picked_at, tz, now, errors)
    if means_now(draft.when):
        return None, ()
    if not draft.when.strip():
        errors["when"] = "Say when to send it, e.g. “tomorrow 5pm”, or choose to send now."
        return None, ()
    try:
        parsed = interpret(draft.when, tz, now, locale=locale)
    except TimeParseError as exc:
        errors["when"] = str(exc)
        return None, ()
    if (refusal := window_refusal(parsed.when, now)) is not None:
        errors["when"] = refusal.message
    return parsed.when, parsed.notes


def _series(
    text: str, tz: str, now: datetime, errors: dict[str, str], max_days: int
) -> tuple[datetime | None, tuple[str, ...], str]:
    """A recurring SMS: its first send, a note when the series was cut to the longest allowed, and its rule."""
    try:
        rule, capped = recurrence.parse(text, tz, now, now + MIN_LEAD, max_days)
    except TimeParseError as exc:
        errors["when"] = str(exc)
        return None, (), ""
    cut = (f"A series stops after {max_days} days at most, so this one ends {recurrence.ends(rule)}.",)
    return recurrence.first(rule, tz), cut if capped else (), rule


def _in_recipients_time(
    phrase: str, recipients: list[str], now: datetime, errors: dict[str, str], locale: str | None
) -> tuple[datetime | None, tuple[str, ...], tuple[Part, ...]]:
    """ "9am their time": one instant when every recipient's zone gives the same one; else one send per zone
    (`parts`), each at its own instant and each within Kaleyra's window."""
    if not recipients:
        return None, (), ()  # the recipients' own error says what is missing
    try:
        groups = recipient_time.by_zone(phrase, recipients, now, locale=locale)
    except TimeParseError as exc:
        errors["when"] = str(exc)
        return None, (), ()
    notes = tuple(dict.fromkeys(note for group in groups for note in group.parsed.notes))
    notes += (f"Read in the recipients' time ({', '.join(group.zone for group in groups)}).",)
    refusals = [
        f"{group.zone}: {refusal.message}" if len(groups) > 1 else refusal.message
        for group in groups
        if (refusal := window_refusal(group.parsed.when, now)) is not None
    ]
    if refusals:
        errors["when"] = " ".join(refusals)
    if len({group.parsed.when for group in groups}) == 1:
        return groups[0].parsed.when, notes, ()
    ordered = sorted(groups, key=lambda group: group.parsed.when)
    parts = tuple((group.zone, group.parsed.when, group.recipients) for group in ordered)
    return parts[0][1], (*notes, "Each zone is sent on its own, at its own time."), parts


def _picked(
    draft: Draft, picked_at: int, tz: str, now: datetime, errors: dict[str, str]
) -> tuple[datetime | None, tuple[str, ...]]:
    """A picked date and time is an exact instant; it wins over typed words and meets the same window."""
    try:
        send_at = datetime.fromtimestamp(picked_at, _zone(tz))
    except (OverflowError, OSError, ValueError):
        errors[PICKED_FIELD] = "That date and time cannot be used; pick another."
        return None, ()
    typed = draft.when.strip()
    notes = (f"The picked date and time was used, not “{typed}”.",) if typed else ()
    if (refusal := window_refusal(send_at, now)) is not None:
        errors[PICKED_FIELD] = refusal.message
    return send_at, notes


def _zone(tz: str) -> tzinfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _optional_id(text: str, field: str, errors: dict[str, str]) -> str | None:
    value = text.strip()
    if value and (len(value) > 100 or not all(char.isalnum() or char in "-_" for char in value)):
        errors[field] = "Use only letters, digits, - and _."
    return value or None
