"""Every Block Kit payload the app sends, built in one place.

Text typed by users is shown as `plain_text` or escaped, so a body containing `<!channel>`
or `@here` never pings anyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import ROUTE_TYPES
from bot.core import delivery, phones, recurrence, sms
from bot.core.batches import PROBLEMS, Batch, Listed, Phase, Plan
from bot.core.command import Draft
from bot.core.delivery import Report
from bot.core.mrkdwn import escape as escape  # listeners use blocks.escape too
from bot.core.operations import JobTrouble, Overview
from bot.core.recipient_rows import BadRow, Rows, looks_like_rows
from bot.core.records import NOT_SENT, SmsRecord, State
from bot.core.saved_lists import SavedList
from bot.core.templates import TEMPLATE_FIELD, VARIABLE_LIMIT, Template
from bot.core.validation import PICKED_FIELD, ScheduleRequest, variable_field
from bot.slack.wording import (
    DRY_RUN,
    DRY_RUN_MARK,
    batch_label,
    can_retry,
    counts_text,
    local_time,
    state_text,
    time_range,
)

Block = dict[str, Any]
MODAL_CALLBACK_ID = "schedule_sms"
CONFIRM, EDIT, CANCEL = "confirm_sms", "edit_sms", "cancel_sms"
MESSAGE_ACTION = "message_typed"
_SHOWN_RECIPIENTS = 10


TEXT_LIMIT = 3000
"""Slack's longest text object, and its longest plain-text input."""
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, nothing dropped: cut at a line end where one
    is near, else at a space, and never inside an escape (`&amp;`) or a mention or link (`<@U1>`)."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    return [*pieces, text]


def _cut_point(text: str, limit: int) -> int:
    line_end = text.rfind("\n", 0, limit + 1)
    if line_end > limit // 2:
        return line_end
    cut = limit
    while True:  # step back out of an unfinished `&…;` or `<…>` until none is open at the cut
        opened = max(_open_at(text, cut, "&", ";"), _open_at(text, cut, "<", ">"))
        if opened < 0:
            break
        cut = opened
    space = text.rfind(" ", 0, cut + 1)
    cut = space if space > cut - 200 and space > 0 else cut
    return cut if cut > 0 else limit  # one escape or mention longer than the limit: nothing safer exists


def _open_at(text: str, cut: int, opener: str, closer: str) -> int:
    """Where an `opener` left unclosed before `cut` starts, or -1."""
    start = text.rfind(opener, 0, cut)
    return start if start >= 0 and closer not in text[start:cut] else -1


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": _fit(text) or " ", "emoji": False}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _fit(text)}


def _fit(text: str) -> str:
    """Text that must fit one text object; long content goes through `_sections` instead, so this
    marks a cut visibly rather than dropping the end unseen."""
    if len(text) <= TEXT_LIMIT:
        return text
    kept = split_text(text, TEXT_LIMIT - 40)[0]
    return f"{kept} … ({len(text) - len(kept)} more characters)"


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _sections(text: str) -> list[Block]:
    """Long mrkdwn over as many sections as it needs."""
    return [_section(piece) for piece in split_text(text)]


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _messages(blocks: list[Block]) -> list[list[Block]]:
    """Blocks over as many messages as Slack's 50-block limit needs."""
    return [blocks[start : start + MESSAGE_BLOCKS] for start in range(0, len(blocks), MESSAGE_BLOCKS)]


def _option(value: str) -> dict[str, Any]:
    return {"text": _plain(value), "value": value}


# --- help and errors ----------------------------------------------------------------------------


def help_blocks() -> list[Block]:
    return [
        _section("*Schedule an SMS through Kaleyra*"),
        _section(
            '`/schedule-sms <numbers> "<message>" <when>`\n'
            "• Numbers: E.164 (`+919876543210`) or local, separated by commas or spaces.\n"
            "• Message: in double quotes.\n"
            "• When: `tomorrow 5pm`, `in 2 hours`, `friday 9:30am`, `Dec 3 at 14:30 IST`, "
            "`2026-12-01T09:30+05:30`, or `now`. Times are read in your Slack timezone and language.\n"
            "• Repeat: `every monday 9am`, `every weekday at 8:30`, `daily 6pm until dec 31`, "
            "`every 2 weeks on friday 5pm for 4 times`, `on the 1st of every month at 10am`."
        ),
        _section(
            "*With a DLT template* (listed in the app's Home tab)\n"
            "`/schedule-sms <numbers> template:<name> <variable>=<value> … <when>`: a value with spaces in "
            'double quotes (`time="4.00 PM"`), or the values alone, quoted, in the template\'s order. The '
            "message is filled in and checked before you confirm: at most 30 characters per variable, none empty."
        ),
        _section(
            "*To many people, each their own SMS* (a batch)\n"
            "In the form, attach a CSV or tab-separated file (or paste its rows in *Recipients*): the first row names "
            "the columns, `phone`, the template's variables, and optionally `when` (a time, `9am their time`, or "
            "`2 hours before {appointment}`). One SMS per row; bad rows are named by line and never hold the others "
            "back. Name the rows under *Save these rows* to use them again: "
            "`/schedule-sms list:<name> template:<name> <when>`; `/schedule-sms lists` shows your saved lists."
        ),
        _section(
            "*Examples*\n"
            '`/schedule-sms +919876543210 "Your appointment is at 4 PM" tomorrow 10am`\n'
            '`/schedule-sms 98765 43210, 91234 56789 "Store opens at 9" monday 8:30am`\n'
            '`/schedule-sms +919876543210 template:appointment name=Asha time="4.00 PM" tomorrow 9am`\n'
            "`/schedule-sms` on its own opens a form.\n"
            "`/schedule-sms list` (or `history`) shows your SMS and their delivery status; `list 2` the next page."
        ),
        _context(
            "Kaleyra accepts times from 15 minutes to 3 months ahead. You confirm before anything is sent; "
            "the app holds it until shortly before its time, so until then you can cancel, edit or send it now."
        ),
    ]


def problem_blocks(message: str, *, trusted: bool = False) -> list[Block]:
    """A problem in words; `trusted` text (the app's own, with mentions like <#C123>) is not escaped."""
    return _sections(f":warning: {message if trusted else escape(message)}")


# --- the modal ----------------------------------------------------------------------------------


class FormOverflow(ValueError):
    """A value does not fit the form: the app refuses rather than cut it."""


RECIPIENTS = "recipients"
_LONGEST_ENTRY = len("+123456789012345, ")  # the longest E.164 number and its separator


def recipient_inputs(max_recipients: int) -> int:
    """How many recipient inputs the form needs to hold `max_recipients` numbers of any length."""
    return max(1, -(-max_recipients * _LONGEST_ENTRY // TEXT_LIMIT))


def _recipient_pieces(recipients: str, inputs: int, *, rows: str = "") -> list[str]:
    """The recipients (or pasted `rows`, a line each) over `inputs` inputs, each number or line whole;
    `FormOverflow` when they do not fit."""
    if rows:
        too_long = (
            f"The rows pasted are too long for the form ({len(rows):,} characters); nothing was cut and nothing "
            "was sent. Attach them as a file instead."
        )
        return _pieces(rows.splitlines(), "\n", inputs, too_long)
    if len(recipients) <= TEXT_LIMIT and inputs == 1:
        return [recipients]
    too_long = (
        f"The recipient list is too long for the form ({len(recipients):,} characters); nothing was cut "
        "and nothing was sent. Send it in smaller groups."
    )
    return _pieces(phones.split_recipients(recipients), ", ", inputs, too_long)


def _pieces(items: Iterable[str], joiner: str, inputs: int, too_long: str) -> list[str]:
    """`items` over `inputs` inputs of at most `TEXT_LIMIT` characters, each item whole."""
    pieces = [""]
    for item in items:
        joined = f"{pieces[-1]}{joiner}{item}" if pieces[-1] else item
        if len(joined) <= TEXT_LIMIT:
            pieces[-1] = joined
        else:
            pieces.append(item)
    if len(pieces) > inputs or len(pieces[-1]) > TEXT_LIMIT:
        raise FormOverflow(too_long)
    return pieces + [""] * (inputs - len(pieces))


def modal_view(
    draft: Draft,
    *,
    private_metadata: str,
    allowed_senders: Sequence[str] = (),
    problems: Iterable[str] = (),
    max_recipients: int = 1,
) -> dict[str, Any]:
    """The form, holding every value of `draft` whole (`FormOverflow` otherwise), with room for
    `max_recipients` numbers."""
    blocks: list[Block] = []
    listed = list(problems)
    if listed:
        blocks += _sections(":pencil2: Please check: " + escape(" ".join(listed)))
    pieces = _recipient_pieces(draft.recipients, recipient_inputs(max_recipients), rows=draft.rows)
    hint = (
        "Comma-separated phone numbers; or rows pasted from a spreadsheet, the first naming the columns "
        "(phone, then the template's variables): one SMS per row."
        + (" Longer lists go on in the next box." if len(pieces) > 1 else "")
    )
    blocks.append(
        _text_input(
            RECIPIENTS, "Recipients", pieces[0], multiline=True, max_length=TEXT_LIMIT, hint=hint, optional=True
        )
    )
    blocks += [
        _text_input(f"{RECIPIENTS}_{index}", "More recipients", piece, optional=True, max_length=TEXT_LIMIT)
        for index, piece in enumerate(pieces[1:], 2)
    ]
    blocks += rows_inputs(draft)
    blocks.append(_template_select(draft.template))
    if draft.template and draft.variables:  # the message is the template's, filled in from these
        blocks += [_variable_input(name, value) for name, value in draft.variables]
        blocks += [{"type": "section", "block_id": "preview", "text": _plain(draft.message)}]
        blocks.append(message_hint_block(draft.message))
    else:
        blocks += [
            _text_input("message", "Message", draft.message, multiline=True, max_length=TEXT_LIMIT, dispatch=True),
            message_hint_block(draft.message),
        ]
    blocks += [
        _text_input(
            "when",
            "When",
            draft.when,
            optional=True,
            hint="e.g. tomorrow 5pm, in 2 hours, Dec 3 at 14:30 IST. Read in your Slack timezone and language.",
        ),
        _datetime_picker(PICKED_FIELD, "Or pick a date and time", draft.picked_at),
        {
            "type": "input",
            "block_id": "send_now",
            "optional": True,
            "label": _plain("Send now"),
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [_option("Send now instead of scheduling")],
                **({"initial_options": [_option("Send now instead of scheduling")]} if draft.send_now else {}),
            },
        },
        _select("route", "Route type", ROUTE_TYPES, draft.route),
        _select("sender", "Sender", allowed_senders, draft.sender)
        if allowed_senders
        else _text_input("sender", "Sender", draft.sender, max_length=15),
    ]
    if not draft.template:  # a picked template brings its own
        blocks.append(_text_input("template_id", "DLT template id", draft.template_id, optional=True))
    blocks.append(_text_input("callback_profile_id", "Callback profile id", draft.callback_profile_id, optional=True))
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK_ID,
        "title": _plain("Schedule SMS"),
        "submit": _plain("Review"),
        "close": _plain("Cancel"),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


TEMPLATE_PICKED, VARIABLE_TYPED = "template_picked", "variable_typed"


def _template_select(name: str) -> Block:
    """Saved templates, searched as the user types (`block_suggestion`): any number of them fits."""
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": TEMPLATE_PICKED,
        "placeholder": _plain("Search templates by name or text"),
        "min_query_length": 0,
    }
    if name:
        element["initial_option"] = _option(name)
    return {
        "type": "input",
        "block_id": TEMPLATE_FIELD,
        "optional": True,
        "dispatch_action": True,
        "label": _plain("DLT template"),
        "hint": _plain("Optional: pick one and fill in its variables; the message is the template's text."),
        "element": element,
    }


def _variable_input(name: str, value: str) -> Block:
    """One variable of the picked template: DLT takes 1 to 30 characters. A longer value (typed in one
    line) is shown whole, beside its problem, never cut."""
    if len(value) > TEXT_LIMIT:
        raise FormOverflow(f"The value of {name} is {len(value)} characters long; the form holds {TEXT_LIMIT}.")
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VARIABLE_TYPED,
        "max_length": max(VARIABLE_LIMIT, len(value)),
        "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
    }
    if value:
        element["initial_value"] = value
    return {
        "type": "input",
        "block_id": variable_field(name),
        "dispatch_action": True,
        "optional": True,  # with a file, its column of that name fills it; for one SMS, checked when submitted
        "label": _plain(name),
        "element": element,
    }


def message_hint_block(message: str) -> Block:
    size = sms.measure(message)
    text = size.describe() if message else "GSM-7: 160 characters per SMS; Unicode (emoji, ₹, Hindi…): 70."
    return {"type": "context", "block_id": "message_hint", "elements": [_plain(text)]}


def _text_input(
    block_id: str,
    label: str,
    value: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    max_length: int = 500,
    dispatch: bool = False,
    hint: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value" if not dispatch else MESSAGE_ACTION,
        "multiline": multiline,
        "max_length": max_length,
    }
    if len(value) > max_length:
        raise FormOverflow(f"{label} is {len(value)} characters long; the form holds {max_length}.")
    if value:
        element["initial_value"] = value
    if dispatch:
        element["dispatch_action_config"] = {"trigger_actions_on": ["on_character_entered"]}
    block: Block = {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}
    if optional:
        block["optional"] = True
    if dispatch:
        block["dispatch_action"] = True
    if hint:
        block["hint"] = _plain(hint)
    return block


def _datetime_picker(block_id: str, label: str, picked_at: int | None) -> Block:
    """Slack's own date-and-time picker, in the user's Slack timezone; a picked value wins over typed words."""
    element: dict[str, Any] = {"type": "datetimepicker", "action_id": "value"}
    if picked_at is not None:
        element["initial_date_time"] = picked_at
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": _plain(label),
        "hint": _plain("If you pick one, it is used instead of the words above."),
        "element": element,
    }


def _select(block_id: str, label: str, choices: Sequence[str], selected: str) -> Block:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": [_option(choice) for choice in choices],
    }
    if selected in choices:
        element["initial_option"] = _option(selected)
    return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}


def read_input(values: dict[str, Any], block_id: str) -> str:
    """A submitted input's text, or its selected option's value; "" when it is missing or not of that shape."""
    block = values.get(block_id)
    for element in block.values() if isinstance(block, dict) else ():
        if not isinstance(element, dict):
            continue
        if isinstance(element.get("selected_option"), dict):
            return str(element["selected_option"].get("value") or "")
        return str(element.get("value") or "")
    return ""


def draft_from_state(values: Any) -> Draft:
    """Read a submitted (or live) modal's `state.values` back into a Draft, whatever its shape."""
    if not isinstance(values, dict):
        values = {}

    def elements(block_id: str) -> list[Any]:
        block = values.get(block_id)
        return list(block.values()) if isinstance(block, dict) else []

    def read(block_id: str) -> str:
        return read_input(values, block_id)

    send_now = any(
        isinstance(element, dict) and element.get("selected_options") for element in values.get("send_now", {}).values()
    )
    picked = [element.get("selected_date_time") for element in elements(PICKED_FIELD) if isinstance(element, dict)]
    picked_at = next((value for value in picked if isinstance(value, int) and not isinstance(value, bool)), None)
    more = sorted(
        (block_id for block_id in values if re.fullmatch(rf"{RECIPIENTS}_\d{{1,3}}", str(block_id))),
        key=lambda block_id: int(block_id.rsplit("_", 1)[1]),
    )
    boxes = [read(block_id) for block_id in (RECIPIENTS, *more)]
    rows = "\n".join(box.strip("\n") for box in boxes if box.strip()) if looks_like_rows(boxes[0]) else ""
    recipients = "" if rows else ", ".join(filter(None, (box.strip() for box in boxes)))
    files = tuple(
        str(attached["id"])
        for element in elements(FILE_FIELD)
        if isinstance(element, dict)
        for attached in element.get("files") or []
        if isinstance(attached, dict) and attached.get("id")
    )
    prefix = variable_field("")
    variables = tuple(
        (str(block_id).removeprefix(prefix), read(block_id).strip())
        for block_id in values
        if str(block_id).startswith(prefix)
    )
    return Draft(
        recipients=recipients,
        message=read("message"),
        when=read("when"),
        route=read("route"),
        sender=read("sender"),
        template_id=read("template_id"),
        callback_profile_id=read("callback_profile_id"),
        send_now=send_now,
        picked_at=picked_at,
        template=read(TEMPLATE_FIELD),
        variables=variables,
        rows=rows,
        files=files,
        saved_list=read(LIST_FIELD),
        save_as=read(SAVE_FIELD).strip(),
        save_for_team=any(
            isinstance(element, dict) and element.get("selected_options") for element in elements(TEAM_FIELD)
        ),
    )


# --- confirmation and outcome -------------------------------------------------------------------


def describe_time(send_at: datetime | None, tz: str, now: datetime) -> str:
    if send_at is None:
        return "Now (sent as soon as you confirm)"
    local = send_at.astimezone(ZoneInfo(tz))
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()} ({until(send_at, now)})"


def until(send_at: datetime, now: datetime) -> str:
    minutes = max(0, int((send_at - now).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
    return "in " + " ".join(part for part in parts if part)


def recipients_text(recipients: Sequence[str], masked: bool) -> str:
    shown = [phones.mask(number) if masked else number for number in recipients[:_SHOWN_RECIPIENTS]]
    more = len(recipients) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def recipient_list_messages(recipients: Sequence[str], *, masked: bool) -> list[list[Block]]:
    """Every recipient, for the thread of a post that shows only the first few; none when it shows all."""
    if len(recipients) <= _SHOWN_RECIPIENTS:
        return []
    shown = [phones.mask(number) if masked else number for number in recipients]
    return _messages(_sections(f"*All {len(recipients)} recipients:* " + ", ".join(shown)))


def confirmation_blocks(
    pending_id: str, request: ScheduleRequest, tz: str, now: datetime, *, dry_run: bool = False
) -> list[Block]:
    """`dry_run`: KALEYRA_DRY_RUN is on, and the confirmation says so."""
    iso = request.send_at.isoformat(timespec="seconds") if request.send_at else "no time: send now"
    details = [
        f"*When:* {describe_time(request.send_at, tz, now)}",
        f"*Sent to Kaleyra as:* `{iso}`",
        f"*Type:* {request.route}   *Sender:* {escape(request.sender)}",
    ]
    if request.template_id:
        details.append(f"*DLT template:* {escape(request.template_id)}")
    if request.callback_profile_id:
        details.append(f"*Callback profile:* {escape(request.callback_profile_id)}")
    if request.repeat:
        details += series_lines(request.repeat, tz, now)
    zones: list[Block] = []
    if request.parts:  # "their time" across zones: each zone's time replaces the one time
        details[:2] = ["*When:* in the recipients' time: one SMS per zone, each at its zone's time above"]
        zones = _sections("\n".join(zone_lines(request, now)))
    blocks = [
        _section(":calendar: *Check and confirm this SMS*"),
        *([_context(DRY_RUN)] if dry_run else []),
        *_sections(f"*To* ({len(request.recipients)}): {', '.join(request.recipients)}"),  # every number, checked
        *zones,
        _section("\n".join(details)),
        {"type": "section", "text": _plain(request.body)},
        _context(sms.measure(request.body).describe()),
    ]
    if request.notes:
        blocks.append(_context(":information_source: " + escape(" ".join(request.notes))))
    blocks.append(_request_buttons("confirmation", "Confirm", pending_id))
    return blocks


def zone_lines(zoned: ScheduleRequest | Sequence[SmsRecord], now: datetime) -> list[str]:
    """A request sent per zone ("9am their time"), before Confirm or as held: each zone's local time,
    Kaleyra's `time` and recipients."""
    parts = (
        zoned.parts
        if isinstance(zoned, ScheduleRequest)
        else [(record.zone, record.send_time, tuple(record.recipients)) for record in zoned if record.zone]
    )
    lines = []
    for zone, send_at, numbers in parts:
        local = send_at.astimezone(ZoneInfo(zone))
        lines.append(
            f"• *{zone}*: {local:%a %d %b %Y, %H:%M} {local.tzname()} ({until(send_at, now)}), "
            f"`{send_at.isoformat(timespec='seconds')}`, to {recipients_text(numbers, masked=False)}"
        )
    return lines


def _request_buttons(block_id: str, confirm_label: str, pending_id: str) -> Block:
    """Confirm (or Try again), Edit and Cancel for one pending request."""
    return {
        "type": "actions",
        "block_id": block_id,
        "elements": [
            _button(confirm_label, CONFIRM, pending_id, style="primary"),
            _button("Edit", EDIT, pending_id),
            _button("Cancel", CANCEL, pending_id, style="danger"),
        ],
    }


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def outcome_blocks(headline: str, lines: Sequence[str], pending_id: str | None = None) -> list[Block]:
    """The user's view of what happened; with `pending_id`, buttons to try again or change it."""
    blocks = [_section(headline)]
    if lines:
        blocks += _sections("\n".join(lines))
    if pending_id:
        blocks.append(_request_buttons("retry", "Try again", pending_id))
    return blocks


def record_post_blocks(record: SmsRecord, now: datetime, *, masked: bool) -> list[Block]:
    """The team's view of an SMS, always rendered from its record: updated in place as it is handed off,
    sent and delivered. Only the numbers Kaleyra accepted are shown once it has answered."""
    send_at = datetime.fromisoformat(record.send_at) if record.send_at else None
    recipients = record.recipients
    when = "now" if send_at is None else describe_time(send_at, record.tz, now)
    plural = "s" if len(recipients) != 1 else ""
    ids = f" · *Kaleyra id:* {escape(', '.join(record.batch_ids))}" if record.batch_ids else ""
    blocks = [
        _section(
            f":outbox_tray: <@{record.user_id}> scheduled an SMS to {len(recipients)} "
            f"recipient{plural}: {recipients_text(recipients, masked)}"
        ),
        _context(f"*When:* {when} · *Type:* {record.route}{ids} · *State:* {state_text(record, record.tz, now)}"),
    ]
    if record.body is not None:
        blocks.append({"type": "section", "text": _plain(record.body)})
    if summary := record.summary():
        blocks.append(_context(f"*Delivery:* {escape(summary)}"))
    if record.dry_run:
        blocks.append(_context(DRY_RUN))
    return blocks


def failure_messages(failures: Sequence[Report], *, masked: bool, dry_run: bool = False) -> list[list[Block]]:
    """Every failure, one line each, over as many sections and messages as they need (`dry_run`: made up)."""
    lines = [
        f"• {phones.mask(report.recipient) if masked else escape(report.recipient)}: {escape(report.status)}, "
        f"{escape(delivery.explain(report.detail))}"
        for report in failures
    ]
    return _messages(
        [*_sections(":x: *Not delivered*\n" + "\n".join(lines)), *([_context(DRY_RUN)] if dry_run else [])]
    )


# --- history: /schedule-sms list and the App Home ----------------------------------------------

HISTORY_PAGE = "history_page"
PAGE_SIZE = 10


def history_lines(
    records: Sequence[Listed],
    tz: str,
    now: datetime,
    *,
    masked: bool,
    with_author: bool,
    counts: Mapping[str, Mapping[str, int]] | None = None,
) -> list[Block]:
    """Upcoming, then recent; an SMS the app still holds gets its own Cancel / Edit / Send now buttons, a batch
    one line (its rows counted by state, `counts` by batch id) with the button that opens its rows."""
    upcoming = [record for record in records if _listed_time(record) > now]
    recent = [record for record in records if _listed_time(record) <= now]
    blocks: list[Block] = []
    for title, group in (("Upcoming", upcoming), ("Recent", recent)):
        lines = [f"*{title}*"]
        for record in group:
            if isinstance(record, Batch):
                tally = (counts or {}).get(record.id, {})
                lines.append(f"• {batch_line(record, tally, tz, now, with_author=with_author)}")
                buttons = batch_actions(record, tally)
            else:
                lines.append(record_line(record, tz, now, masked=masked, with_author=with_author))
                buttons = held_actions(record, now)
            if buttons is not None:
                blocks += [*_sections("\n".join(lines)), buttons]
                lines = []
        if lines and lines != [f"*{title}*"]:
            blocks += _sections("\n".join(lines))
    return blocks or [_section("Nothing scheduled through the app yet.")]


def _listed_time(listed: Listed) -> datetime:
    """When an SMS goes, or a batch's last row."""
    if isinstance(listed, Batch):
        return listed.last_time or datetime.fromisoformat(listed.created_at)
    return listed.send_time


def record_line(record: SmsRecord, tz: str, now: datetime, *, masked: bool, with_author: bool) -> str:
    """One SMS on one line: its time in `tz`, (its author,) its recipients, where it is, its delivery."""
    local = record.send_time.astimezone(ZoneInfo(tz))
    author = f"<@{record.user_id}> → " if with_author else ""
    delivery_counts = f" · {escape(record.summary())}" if record.messages else ""
    dry_run = f" · {DRY_RUN_MARK}" if record.dry_run else ""
    return (
        f"• *{local:%a %d %b %H:%M} {local.tzname()}* · {author}"
        f"{recipients_text(record.recipients, masked)} · {state_text(record, tz, now)}{delivery_counts}{dry_run}"
    )


def history_blocks(
    records: Sequence[Listed],
    tz: str,
    now: datetime,
    page: int,
    has_more: bool,
    *,
    masked: bool,
    counts: Mapping[str, Mapping[str, int]] | None = None,
) -> list[Block]:
    blocks = [_section(f":card_index_dividers: *Your SMS* (page {page + 1}, newest first)")]
    blocks += history_lines(records, tz, now, masked=masked, with_author=False, counts=counts)
    buttons = []
    if page > 0:
        buttons.append(_button("Newer", HISTORY_PAGE, str(page - 1)))
    if has_more:
        buttons.append(_button("Older", HISTORY_PAGE, str(page + 1)))
    if buttons:
        blocks.append({"type": "actions", "block_id": "history_pages", "elements": buttons})
    return blocks


def home_view(
    mine: Sequence[Listed],
    team: Sequence[Listed] | None,
    tz: str,
    now: datetime,
    *,
    masked: bool,
    templates: Sequence[Block] = (),
    operations: Sequence[Block] = (),
    dry_run: bool = False,
    counts: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, Any]:
    """`templates` is the templates' section (`templates_blocks`), `operations` the admins' (`operations_blocks`);
    `dry_run`: KALEYRA_DRY_RUN is on, and the Home tab says so first; `counts`, the listed batches' rows by state."""
    blocks: list[Block] = [
        {"type": "header", "text": _plain("schedule-sms")},
        *([_context(DRY_RUN)] if dry_run else []),
        _context("Type `/schedule-sms` in a channel to schedule an SMS; `/schedule-sms list` for older ones."),
        _section("*Your SMS*"),
        *history_lines(mine, tz, now, masked=masked, with_author=False, counts=counts),
        *operations,
        *templates,
    ]
    if team is not None:
        blocks += [{"type": "divider"}, _section("*Team* (visible to admins)")]
        blocks += history_lines(team, tz, now, masked=masked, with_author=True, counts=counts)
    if len(blocks) > VIEW_BLOCKS:
        hidden = len(blocks) - (VIEW_BLOCKS - 1)
        blocks = [*blocks[: VIEW_BLOCKS - 1], _context(f"{hidden} more sections not shown: use `/schedule-sms list`.")]
    return {"type": "home", "blocks": blocks}


# --- held SMS: state, buttons, and quiet hours -------------------------------------------------

HELD_CANCEL, HELD_EDIT, HELD_SEND_NOW, SERIES_STOP = "held_cancel", "held_edit", "held_send_now", "series_stop"
HELD_SEND_AGAIN, HELD_RETRY, HELD_CLOSE = "held_send_again", "held_retry", "held_close"
QUIET_NEXT = "quiet_next"


def held_actions(record: SmsRecord, now: datetime) -> Block | None:
    """The buttons that apply where the SMS is: Cancel (Skip in a series) / Edit / Send now while nothing went
    out, Try again while its time can still be kept, Send again or Mark checked after an unknown outcome; Stop
    for a series."""
    buttons = []
    if record.phase in NOT_SENT:
        cancel = "Skip" if record.series else "Cancel"
        buttons += [_button(cancel, HELD_CANCEL, record.id, style="danger"), _button("Edit", HELD_EDIT, record.id)]
        if can_retry(record, now):
            buttons.append(_button("Try again", HELD_RETRY, record.id, style="primary"))
        buttons.append(_button("Send now", HELD_SEND_NOW, record.id))
    elif record.phase is State.UNCERTAIN:
        confirm = {
            "title": _plain("Checked in Kaleyra's console?"),
            "text": _plain(
                "Close it once you have checked: the app will not send it again, and it leaves the admins' list of "
                "unknown outcomes."
            ),
            "confirm": _plain("Mark checked"),
            "deny": _plain("Not yet"),
        }
        buttons += [
            _button("Send again", HELD_SEND_AGAIN, record.id),
            _button("Mark checked", HELD_CLOSE, record.id) | {"confirm": confirm},
        ]
    if record.series and (buttons or record.phase is State.SENDING):
        buttons.append(_button("Stop series", SERIES_STOP, record.id))
    return {"type": "actions", "block_id": f"held-{record.id}", "elements": buttons} if buttons else None


def series_lines(rule: str, tz: str, now: datetime) -> list[str]:
    """How a series repeats, its next sends in the user's zone (each with its own offset), and how it ends."""
    upcoming = [f"{send:%a %d %b %Y %H:%M} {send.tzname()}" for send in recurrence.occurrences(rule, tz, now, 3)]
    return [
        f"*Repeats:* {recurrence.describe(rule)}, ending {recurrence.ends(rule)}",
        f"*Next sends:* {'; '.join(upcoming)}",
    ]


def held_outcome_blocks(
    headline: str, records: Sequence[SmsRecord], now: datetime, lines: Sequence[str] = ()
) -> list[Block]:
    """What the owner is told about their SMS (one per zone for "their time"): the news, each one's state,
    and what they can still do."""
    blocks = [_section(headline)]
    if any(record.dry_run for record in records):
        blocks.append(_context(DRY_RUN))
    if lines:
        blocks += _sections("\n".join(lines))
    for record in records:
        local = record.send_time.astimezone(ZoneInfo(record.zone or record.tz))
        blocks.append(
            _context(
                f"*When:* {local:%a %d %b %Y, %H:%M} {local.tzname()} · *To:* "
                f"{recipients_text(record.recipients, masked=False)} · *State:* {state_text(record, record.tz, now)}"
            )
        )
        if (buttons := held_actions(record, now)) is not None:
            blocks.append(buttons)
    return blocks


def quiet_hours_blocks(message: str, pending_id: str, next_allowed: datetime, tz: str) -> list[Block]:
    """A refusal for quiet hours, with the next allowed time as a button."""
    local = next_allowed.astimezone(ZoneInfo(tz))
    return [
        _section(f":crescent_moon: Not scheduled: {escape(message)}"),
        {
            "type": "actions",
            "block_id": "quiet_hours",
            "elements": [
                _button(f"Schedule for {local:%a %d %b %H:%M} {local.tzname()}", QUIET_NEXT, pending_id, "primary")
            ],
        },
    ]


# --- the admins' view in the App Home ----------------------------------------------------------------

_JOB_KINDS = {"handoff": "hand-off", "check": "status check"}


def operations_blocks(overview: Overview, tz: str, now: datetime, *, masked: bool) -> list[Block]:
    """What an operator looks after: the SMS whose outcome is unknown (each with Send again and Mark checked),
    queued jobs that failed or were given up, the queue and its next hand-offs, Kaleyra's errors of the day."""
    jobs = "job" if overview.queued == 1 else "jobs"
    queue = f"*Queue:* {overview.queued} {jobs} · {overview.due} due now · {overview.running} running"
    blocks: list[Block] = [{"type": "divider"}, _section("*Operations* (visible to admins)"), _context(queue)]
    count = overview.unknown_count
    if count:
        blocks.append(
            _section(
                f"*Outcome unknown* ({count}): check each in Kaleyra's console, then send it again or mark it checked."
            )
        )
        for record in overview.unknown:
            why = f"\n      {escape(record.note)}" if record.note else ""
            blocks.append(_section(record_line(record, tz, now, masked=masked, with_author=True) + why))
            if (buttons := held_actions(record, now)) is not None:
                blocks.append(buttons)
        if count > len(overview.unknown):
            blocks.append(_context(f"… and {count - len(overview.unknown)} more, older."))
    else:
        blocks.append(_section("*Outcome unknown:* none."))
    troubles = [_trouble_line(trouble, tz, now, masked=masked) for trouble in overview.troubles]
    blocks += _sections("\n".join(["*Queued jobs that failed*", *(troubles or ["None in the last 7 days."])]))
    handoffs = [
        f"• {local_time(at, tz)}, for {local_time(record.send_time, tz)} · <@{record.user_id}> → "
        f"{recipients_text(record.recipients, masked)}"
        for at, record in overview.next_handoffs
    ]
    blocks += _sections("\n".join(["*Next hand-offs to Kaleyra*", *(handoffs or ["None queued."])]))
    errors = [
        f"• *{escape(error.code)}* × {error.count}, last at {local_time(error.last_at, tz)}: {escape(error.words)}"
        for error in overview.kaleyra_errors
    ]
    blocks += _sections("\n".join(["*Kaleyra errors, last 24 hours*", *(errors or ["None."])]))
    return blocks


def _trouble_line(trouble: JobTrouble, tz: str, now: datetime, *, masked: bool) -> str:
    kind = _JOB_KINDS.get(trouble.kind, escape(trouble.kind))
    what = (
        record_line(trouble.record, tz, now, masked=masked, with_author=True).removeprefix("• ")
        if trouble.record
        else f"`{escape(trouble.record_id)}` (no longer kept)"
    )
    if trouble.given_up_at is not None:
        return f"• {kind} given up at {local_time(trouble.given_up_at, tz)}: {what}"
    return f"• {kind} on its try {trouble.tries}, after a failure: {what}"


# --- DLT templates: the Home tab's list, the admins' form, the menus' options ------------------------

TEMPLATE_ADD, TEMPLATE_EDIT, TEMPLATE_REMOVE = "template_add", "template_edit", "template_remove"
TEMPLATE_FORM = "template_form"
_LISTED_TEMPLATES = 30
_OPTIONS = 100  # Slack shows at most 100 options in a menu


def templates_blocks(configured: Sequence[Template], added: Sequence[Template], *, admin: bool) -> list[Block]:
    """Every template, for everyone; admins also get Add and a menu of the ones they can edit."""
    blocks: list[Block] = [{"type": "divider"}, _section("*DLT templates*")]
    usage = (
        "Pick one in the form's *DLT template* menu, or in one line: "
        "`/schedule-sms <numbers> template:<name> <variable>=<value> … <when>`."
    )
    if admin:
        usage += " Templates from TEMPLATES_FILE are read-only here: change the file and restart the app."
        elements: list[dict[str, Any]] = [_button("Add template", TEMPLATE_ADD, "add", style="primary")]
        if added:
            elements.append(
                {
                    "type": "external_select",
                    "action_id": TEMPLATE_EDIT,
                    "placeholder": _plain("Edit or remove a template"),
                    "min_query_length": 0,
                }
            )
        blocks += [_context(usage), {"type": "actions", "block_id": "templates", "elements": elements}]
    else:
        blocks.append(_context(usage))
    listed = [(template, True) for template in configured] + [(template, False) for template in added]
    lines = [_template_line(template, read_only) for template, read_only in listed[:_LISTED_TEMPLATES]]
    if len(listed) > _LISTED_TEMPLATES:
        lines.append(f"… and {len(listed) - _LISTED_TEMPLATES} more: search them in the form's menu.")
    blocks += _sections("\n".join(lines)) if lines else [_section("No templates yet.")]
    return blocks


def _template_line(template: Template, read_only: bool) -> str:
    details = [f"DLT {escape(template.template_id)}", *filter(None, (template.route, escape(template.sender)))]
    variables = ", ".join(template.variables) or "no variables"
    where = " · _TEMPLATES_FILE, read-only_" if read_only else ""
    text = template.text if len(template.text) <= 150 else template.text[:149] + "…"
    return f"• *{template.name}* ({variables}) · {' · '.join(details)}{where}\n      {escape(text)}"


def template_options(templates: Sequence[Template], query: str, configured: Sequence[str]) -> dict[str, Any]:
    """The options of a template menu matching what was typed (name or text), configured ones in a group
    of their own: the body of a `block_suggestion` ack."""
    wanted = query.strip().casefold()
    found = [t for t in templates if wanted in t.name.casefold() or wanted in t.text.casefold()][:_OPTIONS]
    groups = [
        (label, [_template_option(t) for t in found if (t.name in configured) == from_file])
        for label, from_file in (("From TEMPLATES_FILE", True), ("Added in Slack", False))
    ]
    groups = [(label, options) for label, options in groups if options]
    if len(groups) < 2:
        return {"options": groups[0][1] if groups else []}
    return {"option_groups": [{"label": _plain(label), "options": options} for label, options in groups]}


def _template_option(template: Template) -> dict[str, Any]:
    text = template.text if len(template.text) <= 75 else template.text[:74] + "…"
    return {"text": _plain(template.name), "value": template.name, "description": _plain(text)}


def template_form_view(template: Template | None, *, editing: str = "") -> dict[str, Any]:
    """The admins' form for a new template, or for editing `template` (its name stays: it is how users
    pick it); an edited one can be removed from here."""
    blocks: list[Block] = []
    if template is None:
        hint = "Lower case letters, digits, - and _: users type it as template:NAME."
        blocks.append(_text_input("name", "Name", "", max_length=40, hint=hint))
    else:
        blocks.append(_section(f"*{template.name}*"))
    blocks += [
        _text_input("template_id", "DLT template id", template.template_id if template else "", max_length=100),
        _text_input(
            "text", "Text", template.text if template else "", multiline=True, max_length=2000,
            hint="As registered with DLT, each variable written {#var#}.",
        ),
        _text_input(
            "variables", "Variable names", ", ".join(template.variables) if template else "", optional=True,
            hint="In order, separated by commas (e.g. name, doctor, time); empty: var1, var2, …",
        ),
        _text_input("sender", "Default sender", template.sender if template else "", optional=True, max_length=15),
        {
            "type": "input",
            "block_id": "route",
            "optional": True,
            "label": _plain("Default route type"),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [_option(route) for route in ROUTE_TYPES],
                **({"initial_option": _option(template.route)} if template and template.route else {}),
            },
        },
    ]  # fmt: skip
    if template is not None:
        confirm = {
            "title": _plain("Remove this template?"),
            "text": _plain(f"Users can no longer pick “{template.name}”. SMS already confirmed are not changed."),
            "confirm": _plain("Remove"),
            "deny": _plain("Keep it"),
            "style": "danger",
        }
        remove = _button("Remove template", TEMPLATE_REMOVE, template.name, style="danger") | {"confirm": confirm}
        blocks.append({"type": "actions", "block_id": "remove", "elements": [remove]})
    return {
        "type": "modal",
        "callback_id": TEMPLATE_FORM,
        "title": _plain("Edit template" if template else "New template"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "private_metadata": editing,
        "blocks": blocks,
    }


def template_fields(values: Any) -> dict[str, str]:
    """The admins' form, as submitted: each field's text (the route's selected option)."""
    fields = ("name", "template_id", "text", "variables", "sender", "route")
    return {field: read_input(values if isinstance(values, dict) else {}, field) for field in fields}


def template_removed_view(name: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": _plain("Template removed"),
        "close": _plain("Close"),
        "blocks": [_section(f":wastebasket: Template *{name}* was removed.")],
    }


# --- batches: rows from a file, each an SMS of its own -------------------------------------------------

FILE_FIELD, LIST_FIELD, SAVE_FIELD, TEAM_FIELD = "rows_file", "saved_list", "save_as", "save_for_team"
LIST_PICKED = "list_picked"
BATCH_ROWS, BATCH_CANCEL, LIST_REMOVE = "batch_rows", "batch_cancel", "list_remove"
SHOWN_IN_FULL = 3
"""Rows shown whole on a batch's confirmation."""
ROWS_PAGE = 20
_INLINE_BAD = 20  # bad rows listed on the confirmation itself; the rest follow in messages of their own
_TEAM_OPTION = "For the whole team (admins)"
_PROBLEMS = "problems"


def rows_inputs(draft: Draft) -> list[Block]:
    """The form's ways to rows: a file, a saved list, and saving the rows under a name."""
    file_input: Block = {
        "type": "input",
        "block_id": FILE_FIELD,
        "optional": True,
        "label": _plain("Or recipients from a file"),
        "hint": _plain(
            "CSV or tab-separated, the first row naming the columns: phone, the template's variables, and "
            "optionally when (a time, or “2 hours before {appointment}”). One SMS per row."
        ),
        "element": {"type": "file_input", "action_id": "value", "filetypes": ["csv", "tsv", "txt"], "max_files": 1},
    }
    saved: dict[str, Any] = {
        "type": "external_select",
        "action_id": LIST_PICKED,
        "placeholder": _plain("Search your lists and the team's"),
        "min_query_length": 0,
    }
    if draft.saved_list:
        saved["initial_option"] = _option(draft.saved_list)
    team: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": [_option(_TEAM_OPTION)]}
    if draft.save_for_team:
        team["initial_options"] = [_option(_TEAM_OPTION)]
    return [
        file_input,
        {"type": "input", "block_id": LIST_FIELD, "optional": True, "label": _plain("Or a saved list"),
         "element": saved},
        _text_input(
            SAVE_FIELD, "Save these rows as a list named", draft.save_as, optional=True, max_length=40,
            hint="Optional: send to them again later with list:NAME, or by picking the list here.",
        ),
        {"type": "input", "block_id": TEAM_FIELD, "optional": True, "label": _plain("Saved list for"), "element": team},
    ]  # fmt: skip


def reading_view(source: str) -> dict[str, Any]:
    """The form while its rows are read (Slack waits 3 seconds for the submission's answer; reading takes longer)."""
    return {
        "type": "modal",
        "title": _plain("Schedule SMS"),
        "close": _plain("Close"),
        "blocks": [
            _section(
                f":hourglass_flowing_sand: Reading {escape(source)}… The confirmation appears where you ran "
                "`/schedule-sms`; you can close this."
            )
        ],
    }


def rows_read_view(text: str) -> dict[str, Any]:
    """The form once its rows were read: where the confirmation went."""
    return {"type": "modal", "title": _plain("Schedule SMS"), "close": _plain("Close"), "blocks": _sections(text)}


def _send_times(count: int) -> str:
    return f"{count:,} send time{'' if count == 1 else 's'}"


def batch_confirmation_blocks(
    pending_id: str,
    plan: Plan,
    envelope: ScheduleRequest,
    rows: Rows,
    tz: str,
    now: datetime,
    saved: str = "",
    *,
    dry_run: bool = False,
) -> list[Block]:
    """A batch before Confirm: how many SMS, how many send times and when, the first rows in full, segments and
    SMS in all, the shared route and template; every bad row by line (the first ones here, the others in the
    messages `bad_rows_messages` makes); Confirm holds the good rows."""
    good = rows.good
    first = datetime.fromisoformat(plan.first_at) if plan.first_at else None
    last = datetime.fromisoformat(plan.last_at) if plan.last_at else None
    details = [
        f"*{len(good):,} SMS* from {escape(plan.source)}, one per row"
        + (f" · *{len(rows.bad):,} rows cannot be sent* (below)" if rows.bad else ""),
        f"*When:* {_send_times(plan.send_times)}, {time_range(first, last, tz)}",
        f"*Size:* {plan.segments:,} SMS in all (segments, as Kaleyra bills them)",
        f"*Type:* {envelope.route}   *Sender:* {escape(envelope.sender)}"
        + (f"   *DLT template:* {escape(envelope.template_id)}" + (f" ({plan.template})" if plan.template else "")
           if envelope.template_id else ""),
    ]  # fmt: skip
    blocks = [_section(":calendar: *Check and confirm these SMS*"), _section("\n".join(details))]
    if dry_run:
        blocks.append(_context(DRY_RUN))
    if good:
        blocks.append(_section(f"*The first {min(len(good), SHOWN_IN_FULL)}, as they will be sent:*"))
    for row in good[:SHOWN_IN_FULL]:
        blocks.append(_context(f"Line {row.line} · *To:* {row.number} · *When:* {describe_time(row.send_at, tz, now)}"))
        blocks.append({"type": "section", "text": _plain(row.body)})
        blocks.append(_context(sms.measure(row.body).describe()))
    if rows.notes:
        blocks += _sections(":information_source: " + escape(" ".join(rows.notes)))
    if saved:
        blocks.append(_context(f":bookmark: {escape(saved)}"))
    if rows.bad:
        blocks += _sections(_bad_rows_text(rows.bad[:_INLINE_BAD], len(rows.bad), good=len(good)))
    if good:
        blocks.append(_request_buttons("confirmation", "Confirm", pending_id))
    else:
        blocks.append(_section("No row can be sent: fix the file and submit it again."))
    return blocks


def _bad_rows_text(shown: Sequence[BadRow], total: int, *, good: int) -> str:
    head = f"*{total:,} row{'s' if total != 1 else ''} cannot be sent*" + (
        f" (the {good:,} good ones are not held back: Confirm sends them, or fix the file and submit it again):"
        if good
        else ":"
    )
    more = f"\n… and {total - len(shown):,} more, each listed in the messages below." if total > len(shown) else ""
    return head + "\n" + "\n".join(bad_row_lines(shown)) + more


def bad_row_lines(bad: Iterable[BadRow]) -> list[str]:
    return [f"• Line {row.line}: {row.problem.value}: {escape(row.reason)}" for row in bad]


def bad_rows_messages(bad: Sequence[BadRow]) -> list[list[Block]]:
    """The bad rows beyond those on the confirmation, every one, over as many messages as they need."""
    rest = bad[_INLINE_BAD:]
    if not rest:
        return []
    head = f"*Rows that cannot be sent, continued* ({len(rest):,} more, from line {rest[0].line}):"
    return _messages(_sections(head + "\n" + "\n".join(bad_row_lines(rest))))


def batch_actions(batch: Batch, counts: Mapping[str, int]) -> Block | None:
    """Show its rows (those with problems first, when there are); Cancel the batch while it holds rows."""
    buttons = [_button("Show rows", BATCH_ROWS, f"{batch.id}:1")]
    if any(counts.get(label) for label in PROBLEMS):
        buttons.append(_button("Rows with problems", BATCH_ROWS, f"{batch.id}:1:{_PROBLEMS}"))
    if batch.phase != Phase.CANCELLED and counts.get(State.HELD.value):
        confirm = {
            "title": _plain("Cancel the whole batch?"),
            "text": _plain(f"Every SMS of it the app still holds ({counts[State.HELD.value]:,}) is cancelled."),
            "confirm": _plain("Cancel them"),
            "deny": _plain("Keep them"),
            "style": "danger",
        }
        buttons.append(_button("Cancel batch", BATCH_CANCEL, batch.id, style="danger") | {"confirm": confirm})
    return {"type": "actions", "block_id": f"batch-{batch.id}", "elements": buttons}


def batch_line(batch: Batch, counts: Mapping[str, int], tz: str, now: datetime, *, with_author: bool) -> str:
    """A batch in a list: when, who, how many, and its rows by state."""
    author = f"<@{batch.user_id}> → " if with_author else ""
    return (
        f"*{time_range(batch.first_time, batch.last_time, tz)}* · {author}batch of {batch_label(batch)}"
        f" · {counts_text(counts)}"
        + (f" · cancelled{_cancelled_by(batch)}" if batch.phase == Phase.CANCELLED else "")
        + (f" · {DRY_RUN_MARK}" if batch.dry_run else "")
    )


def _cancelled_by(batch: Batch) -> str:
    return f" by <@{batch.cancelled_by}>" if batch.cancelled_by else ""


def batch_outcome_blocks(headline: str, batch: Batch, counts: Mapping[str, int], now: datetime) -> list[Block]:
    blocks = [_section(headline), _context(batch_line(batch, counts, batch.tz, now, with_author=False))]
    if batch.dry_run:
        blocks.append(_context(DRY_RUN))
    if (buttons := batch_actions(batch, counts)) is not None:
        blocks.append(buttons)
    return blocks


def batch_post_blocks(batch: Batch, counts: Mapping[str, int]) -> list[Block]:
    """The team's view of a batch: one post, updated as its rows are handed off and delivered (no relative
    times, so it is never stale between updates; no numbers: the rows' own views show them to their owner)."""
    template = f" · *Template:* {escape(batch.template)}" if batch.template else ""
    state = f" · cancelled{_cancelled_by(batch)}" if batch.phase == Phase.CANCELLED else ""
    return [
        _section(f":outbox_tray: <@{batch.user_id}> scheduled a batch of {batch_label(batch)}{state}"),
        _context(
            f"*When:* {_send_times(batch.send_times)}, {time_range(batch.first_time, batch.last_time, batch.tz)}"
            f" · *Type:* {batch.route}{template}"
        ),
        _section(f"*Rows:* {counts_text(counts)}"),
        *([_context(DRY_RUN)] if batch.dry_run else []),
        *([buttons] if (buttons := batch_actions(batch, counts)) is not None else []),
    ]


def batch_rows_blocks(
    batch: Batch, rows: Sequence[SmsRecord], page: int, pages: int, tz: str, now: datetime, *, problems_only: bool
) -> list[Block]:
    """One page of a batch's rows, each with its state and its own buttons; Previous / Next."""
    which = "with problems" if problems_only else "of"
    blocks = [
        _section(f":card_index_dividers: *Rows {which} the batch of {batch_label(batch)}* (page {page} of {pages})")
    ]
    if not rows:
        blocks.append(_section("No rows here." if not problems_only else "No row has a problem."))
    for record in rows:
        local = record.send_time.astimezone(ZoneInfo(tz))
        text = (
            f"• *Line {record.line}* · {escape(', '.join(record.recipients))} · {local:%a %d %b %H:%M} "
            f"{local.tzname()} · {state_text(record, tz, now)}"
            + (f" · {escape(record.summary())}" if record.messages else "")
        )
        blocks += _sections(text)
        if (buttons := held_actions(record, now)) is not None:
            blocks.append(buttons)
    suffix = f":{_PROBLEMS}" if problems_only else ""
    paging = []
    if page > 1:
        paging.append(_button("Previous", BATCH_ROWS, f"{batch.id}:{page - 1}{suffix}"))
    if page < pages:
        paging.append(_button("Next", BATCH_ROWS, f"{batch.id}:{page + 1}{suffix}"))
    if paging:
        blocks.append({"type": "actions", "block_id": "batch_pages", "elements": paging})
    return blocks


def rows_wanted(value: str) -> tuple[str, int, bool] | None:
    """A Show rows button's value: the batch, the page (from 1), whether problems only."""
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[1].isdigit() or not 0 < int(parts[1]) < 100_000:
        return None
    if len(parts) == 3 and parts[2] != _PROBLEMS:
        return None
    return parts[0], int(parts[1]), len(parts) == 3


def batch_news_blocks(text: str, batch: Batch, counts: Mapping[str, int]) -> list[Block]:
    blocks = _sections(text)
    if (buttons := batch_actions(batch, counts)) is not None:
        blocks.append(buttons)
    return blocks


def saved_lists_blocks(lists: Sequence[SavedList], user_id: str, *, admin: bool) -> list[Block]:
    """`/schedule-sms lists`: the user's lists and the team's, each removable by whoever may."""
    blocks = [_section(":bookmark_tabs: *Saved lists* (use one as `list:NAME`, or pick it in the form)")]
    if not lists:
        blocks.append(_section("No saved lists yet: attach a file in the form and name it under *Save these rows*."))
    for saved in lists:
        whose = "the team's" if saved.for_team else "yours"
        line = (
            f"• *{saved.name}* ({whose}) · {saved.rows:,} rows · columns {escape(', '.join(saved.columns))} · "
            f"from {escape(saved.source)}, saved by <@{saved.saved_by}> on {saved.saved_at[:10]}"
        )
        blocks += _sections(line)
        if saved.owner == user_id or (saved.for_team and admin):
            confirm = {
                "title": _plain("Remove this list?"),
                "text": _plain(f"“{saved.name}” can no longer be used. SMS already confirmed are not changed."),
                "confirm": _plain("Remove"),
                "deny": _plain("Keep it"),
                "style": "danger",
            }
            remove = _button("Remove", LIST_REMOVE, f"{saved.owner}:{saved.name}", style="danger") | {
                "confirm": confirm
            }
            blocks.append({"type": "actions", "block_id": f"list-{saved.owner}-{saved.name}", "elements": [remove]})
    return blocks[:MESSAGE_BLOCKS]


def list_options(lists: Sequence[SavedList]) -> dict[str, Any]:
    """The saved-list menu's options: the user's, then the team's."""
    groups = [
        (label, [_list_option(saved) for saved in lists if saved.for_team == team])
        for label, team in (("Yours", False), ("The team's", True))
    ]
    groups = [(label, options) for label, options in groups if options]
    if len(groups) < 2:
        return {"options": groups[0][1] if groups else []}
    return {"option_groups": [{"label": _plain(label), "options": options} for label, options in groups]}


def _list_option(saved: SavedList) -> dict[str, Any]:
    columns = ", ".join(saved.columns)
    return {
        "text": _plain(saved.name),
        "value": saved.name,
        "description": _plain(f"{saved.rows:,} rows: {columns}"[:75]),
    }
